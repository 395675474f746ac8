package submitapplication

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// fixtureKindergarten is the kindergarten of the fixture logins (kg-director-1):
// its municipality holds the seeded allocation.
const fixtureKindergarten = "kg-1-kemerovo"

// kindergartenPlan plans an application for every waiting child: received
// some months after birth (a few in the last days), to one to three
// kindergartens of the municipality (first the one a brother or sister
// attends), with a privilege claimed now and then; decided within days —
// mostly registered, some asked for documents, refused or withdrawn later —
// and the recent ones still waiting. A fixture child (parent1's) is
// registered from the cabinet in the fixture kindergarten's queue, with a
// sibling claim the registry cannot confirm (the brother attends a school)
// waiting for the municipality's decision.
func (s *seeder) kindergartenPlan() {
	byMun := map[uuid.UUID][]registryapi.SeededOrganisation{}
	for _, k := range s.region.Kindergartens {
		byMun[k.Municipality] = append(byMun[k.Municipality], k)
		if k.Code == fixtureKindergarten {
			s.allocationMun = k.Municipality
		}
	}
	if s.allocationMun == uuid.Nil && len(s.region.Kindergartens) > 0 {
		s.allocationMun = s.region.Kindergartens[0].Municipality
	}
	s.allocationDay = s.today.AddDate(0, 0, -40)
	yesterday := s.today.AddDate(0, 0, -1)
	for i, c := range s.region.Waiting {
		kgs := byMun[c.Municipality]
		if len(kgs) == 0 {
			continue
		}
		fixture := c.ParentSubject != ""
		// Preferences: a sibling's kindergarten first, then others.
		var prefs []uuid.UUID
		for _, k := range kgs {
			if slices.Contains(c.SiblingsAt, k.ID) || (fixture && k.Code == fixtureKindergarten) {
				prefs = append(prefs, k.ID)
			}
		}
		for _, i := range s.rnd.Perm(len(kgs)) {
			if len(prefs) >= 1+s.rnd.IntN(3) {
				break
			}
			if !slices.Contains(prefs, kgs[i].ID) {
				prefs = append(prefs, kgs[i].ID)
			}
		}
		received := c.BirthDate.AddDate(0, 2+s.rnd.IntN(26), s.rnd.IntN(28))
		if i%12 == 0 || received.After(yesterday) { // one in twelve in the last fortnight, the first yesterday
			received = yesterday.AddDate(0, 0, -(i/12)%12)
		}
		if received.Before(c.BirthDate.AddDate(0, 2, 0)) {
			received = c.BirthDate.AddDate(0, 2, 0)
		}
		if fixture {
			received = yesterday.AddDate(0, -8, 0)
		}
		desired := time.Date(c.BirthDate.Year()+2, time.September, 1, 0, 0, 0, 0, time.UTC)
		if c.BirthDate.Month() >= time.September {
			desired = desired.AddDate(1, 0, 0)
		}
		for desired.Before(received) {
			desired = desired.AddDate(1, 0, 0)
		}
		if fixture { // waits in the queue for next September
			desired = time.Date(s.region.AcademicYear+1, time.September, 1, 0, 0, 0, 0, time.UTC)
		}
		if !desired.Before(c.BirthDate.AddDate(7, 0, 0)) {
			continue
		}
		kg := &storedKindergarten{Preferences: prefs, DesiredStart: desired.Format(time.DateOnly), GroupType: "general", Privileges: []storedPrivilege{}}
		switch r := s.rnd.IntN(20); {
		case fixture:
		case r == 0:
			kg.GroupType = "compensating"
		case r == 1:
			kg.GroupType = "short_stay"
		}
		// The sibling right where a brother or sister attends a chosen
		// kindergarten comes from the registry, unclaimed; a family whose
		// other child attends a school (the fixture family among them) now
		// and then claims it anyway, with a certificate from the school.
		siblingChosen := slices.ContainsFunc(prefs, func(k uuid.UUID) bool { return slices.Contains(c.SiblingsAt, k) })
		var privilege *storedPrivilege
		switch r := s.rnd.IntN(100); {
		case len(c.SiblingsAt) > 0 && !siblingChosen && (fixture || r < 20):
			privilege = &storedPrivilege{Kind: "sibling", Document: "Справка об обучении брата (сестры) в общеобразовательной организации"}
		case r < 7:
			privilege = &storedPrivilege{Kind: "first_priority", Document: "Справка с места службы родителя (сотрудник полиции)"}
		case r < 10:
			privilege = &storedPrivilege{Kind: "extraordinary", Document: "Удостоверение родителя (прокурорский работник)"}
		}
		if privilege != nil {
			kg.Privileges = []storedPrivilege{*privilege}
		}
		at := kemerovoAt(received, 8+s.rnd.IntN(14), s.rnd.IntN(60))
		channel, applicant, key := submitapplicationapi.ChannelCabinet, c.ParentSubject, c.ID.String()
		if !fixture && s.rnd.IntN(5) < 2 {
			channel, key = submitapplicationapi.ChannelEPGU, "snils:"+hex.EncodeToString(c.SNILSHash)
		}
		if applicant == "" {
			applicant = "seed:" + c.Parent.String() // a made-up family has no ESIA account
		}
		parent := c.Parent
		a := s.receive(submitapplicationapi.Kindergarten, channel, c.ID, key, c.BirthDate, applicant, &parent, prefs[0], prefs, c.Municipality,
			"queue:"+c.Municipality.String(), kg, at)
		a.privilege = privilege
		s.kindergartenFate(a, received, fixture)
	}
}

// kindergartenFate plans what happens to a kindergarten application after
// it is received on day received.
func (s *seeder) kindergartenFate(a *seededApp, received time.Time, fixture bool) {
	mun := access.MunicipalOfficial
	age := int(s.today.Sub(received).Hours() / 24)
	after := func(days int) time.Time {
		return kemerovoAt(received.AddDate(0, 0, days), 9+s.rnd.IntN(8), s.rnd.IntN(60))
	}
	move := func(days int, to submitapplicationapi.Status, reason string, role access.Role) {
		s.add(step{kind: stepMove, at: after(days), app: a, to: to, reason: reason, role: role})
	}
	switch {
	case age < 2:
		return // still submitted
	case age < 7:
		move(1, submitapplicationapi.Checking, "", mun)
		if s.rnd.IntN(3) == 0 {
			move(2, submitapplicationapi.DocumentsRequested, "", mun)
		}
		return
	}
	// Of every twenty-five decided applications: one refused, one waiting
	// for documents, one withdrawn by the family; the rest registered.
	s.decided++
	r := s.decided % 25
	if fixture {
		r = 24
	}
	move(1, submitapplicationapi.Checking, "", mun)
	switch {
	case r == 0:
		move(3+s.rnd.IntN(3), submitapplicationapi.Refused, []string{"documents_not_provided", "not_eligible", "age"}[s.rnd.IntN(3)], mun)
		return
	case r == 1:
		move(2, submitapplicationapi.DocumentsRequested, "", mun)
		return
	}
	if a.privilege != nil && !fixture && s.rnd.IntN(100) < 85 {
		s.privilegeDecisions++
		// One in four documents does not prove the right — the first
		// decided among them, so that even a small region has a refusal; a
		// sibling who attends a school gives none in a kindergarten. The
		// fixture's claim waits for the municipality's decision.
		confirm := s.privilegeDecisions%4 != 1 && a.privilege.Kind != "sibling"
		s.add(step{kind: stepPrivilege, at: after(2), app: a, confirm: confirm, role: mun})
	}
	move(3, submitapplicationapi.Registered, "", mun)
	if r == 2 && age > 30 {
		withdrawn := 4 + s.rnd.IntN((age-4)/2)
		move(withdrawn, submitapplicationapi.Withdrawn, "", access.Parent)
		if withdrawn+30 < age { // half of what was withdrawn a month ago is archived
			if s.withdrawals++; s.withdrawals%2 == 1 {
				move(withdrawn+30, submitapplicationapi.Archived, "", mun)
			}
		}
		return
	}
}

// allocate confirms the municipality's allocation at at: places in about
// every queue whose children are due to start (three to five), computed and
// confirmed as the municipal authority does it, then the families' answers
// and the enrolments planned.
func (s *seeder) allocate(ctx context.Context, at time.Time) error {
	day := kuzbass.Date(at)
	rows, err := s.tx.Query(ctx, `SELECT DISTINCT kindergarten_id, age_band, group_type FROM applications.queue_positions
		WHERE municipality_id = $1 AND desired_start <= $2 ORDER BY 1, 2, 3`, s.allocationMun, day)
	if err != nil {
		return err
	}
	places := map[placeKey]int{}
	var k placeKey
	if _, err := pgx.ForEachRow(rows, []any{&k.kindergarten, &k.band, &k.group}, func() error {
		places[k] = 3 + s.rnd.IntN(3)
		return nil
	}); err != nil {
		return err
	}
	if len(places) == 0 {
		return nil
	}
	id := uuid.Must(uuid.NewV7())
	if _, err := s.tx.Exec(ctx, `INSERT INTO applications.allocation_runs (id, municipality_id, start_date, response_days, status, created_by, created_at)
		VALUES ($1, $2, $3, 14, 'draft', 'eko-seed', $4)`, id, s.allocationMun, day, at.Add(-time.Hour)); err != nil {
		return err
	}
	if err := storePlaces(ctx, s.tx, id, places); err != nil {
		return err
	}
	run, err := loadRun(ctx, s.tx, id, true)
	if err != nil {
		return err
	}
	if _, err := storeDraft(ctx, s.tx, run); err != nil {
		return err
	}
	if err := s.f.issueDirections(ctx, s.tx, run, seedStaff(access.MunicipalOfficial), at); err != nil {
		return err
	}
	if _, err := s.tx.Exec(ctx, `UPDATE applications.allocation_runs SET status = 'confirmed', confirmed_by = 'eko-seed', confirmed_at = $2,
		    computed_at = $3 WHERE id = $1`, id, at, at.Add(-30*time.Minute)); err != nil {
		return err
	}
	// The families' answers.
	rows, err = s.tx.Query(ctx, `SELECT application_id FROM applications.directions WHERE allocation_id = $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	directed, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	s.st.Directions += len(directed)
	byID := map[uuid.UUID]*seededApp{}
	for _, steps := range s.steps {
		for _, st := range steps {
			if st.kind == stepReceive {
				byID[st.app.ID] = st.app
			}
		}
	}
	// In turn: accepted and enrolled, accepted (enrolment pending), declined,
	// left unanswered (it expires).
	for i, id := range directed {
		a := byID[id]
		if a == nil {
			continue
		}
		a.Status = submitapplicationapi.Directed
		answered := at.AddDate(0, 0, 1+s.rnd.IntN(9))
		switch i % 4 {
		case 0, 1:
			s.add(step{kind: stepAnswer, at: answered, app: a, confirm: true})
			if i%4 == 0 {
				s.add(step{kind: stepMove, at: answered.AddDate(0, 0, 3+s.rnd.IntN(7)), app: a, to: submitapplicationapi.Enrolled, role: access.Director})
			}
		case 2:
			s.add(step{kind: stepAnswer, at: answered, app: a})
		}
	}
	return nil
}

// answer records a family's answer to its direction.
func (s *seeder) answer(ctx context.Context, st step) error {
	a := st.app
	var dirID int64
	var state string
	if err := s.tx.QueryRow(ctx, `SELECT id, state FROM applications.directions WHERE application_id = $1 AND state IN ('issued', 'accepted')`,
		a.ID).Scan(&dirID, &state); err != nil {
		return fmt.Errorf("direction of %s: %w", a.Number, err)
	}
	who := actor{subject: a.applicantSubject, person: a.applicantPerson, role: string(access.Parent)}
	return s.f.answer(ctx, s.tx, a.application, st.confirm, dirID, state, who, st.at)
}

// programmeCatalogue is what a centre of additional education teaches.
var programmeCatalogue = []struct {
	name           string
	ageFrom, ageTo int16
}{
	{"Робототехника", 7, 14}, {"Шахматы", 6, 17}, {"Хореографическая студия «Радуга»", 5, 12}, {"Юный художник", 5, 10},
	{"Футбол", 7, 15}, {"Вокальная студия", 7, 17}, {"Программирование на Python", 10, 17}, {"Театральная студия", 8, 16},
}

// additionalEducation opens four or five programmes in each centre, gives a
// third of the schoolchildren of its municipality a certificate in the first
// half of September and has most of them apply to a programme for their age
// with places left: enrolled, registered or withdrawn; a few apply to a full
// one and are refused for lack of places.
func (s *seeder) additionalEducation(ctx context.Context) error {
	type programme struct {
		id, org, mun   uuid.UUID
		ageFrom, ageTo int16
		capacity, left int
	}
	byMun := map[uuid.UUID][]*programme{}
	for _, o := range s.region.AdditionalEducation {
		for _, i := range s.rnd.Perm(len(programmeCatalogue))[:4+s.rnd.IntN(2)] {
			c := programmeCatalogue[i]
			p := &programme{id: uuid.Must(uuid.NewV7()), org: o.ID, mun: o.Municipality, ageFrom: c.ageFrom, ageTo: c.ageTo, capacity: 15 + s.rnd.IntN(16)}
			p.left = p.capacity
			if _, err := s.tx.Exec(ctx, `INSERT INTO applications.programmes (id, organisation_id, municipality_id, name, age_from, age_to, capacity)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.id, p.org, p.mun, c.name, c.ageFrom, c.ageTo, int32(p.capacity)); err != nil {
				return fmt.Errorf("seed applications: programme: %w", err)
			}
			byMun[o.Municipality] = append(byMun[o.Municipality], p)
			s.st.Programmes++
		}
	}
	september := time.Date(s.region.AcademicYear, time.September, 1, 0, 0, 0, 0, time.UTC)
	var certs [][]any
	for _, school := range s.region.Schools {
		progs := byMun[school.Municipality]
		if len(progs) == 0 {
			continue
		}
		for _, c := range school.Classes {
			for _, p := range c.Pupils {
				age, _ := ageOn(p.BirthDate, september)
				if p.BirthDate.IsZero() || age < 5 || age >= 18 || s.rnd.IntN(3) != 0 {
					continue
				}
				issued := kemerovoAt(september.AddDate(0, 0, s.rnd.IntN(14)), 9+s.rnd.IntN(10), s.rnd.IntN(60))
				if !issued.Before(kemerovoAt(s.today, 0, 0)) {
					continue
				}
				applicant := "seed:parent-of:" + p.Student.String()
				certs = append(certs, []any{uuid.Must(uuid.NewV7()), p.Student, p.BirthDate, applicant, issued, p.BirthDate.AddDate(18, 0, 0)})
				// Families apply where places are left; one in twenty applies
				// to a full programme (and is refused for lack of places).
				var open, full []*programme
				for _, pr := range progs {
					switch {
					case int16(age) < pr.ageFrom || int16(age) > pr.ageTo:
					case pr.left > 0:
						open = append(open, pr)
					default:
						full = append(full, pr)
					}
				}
				fits := open
				if len(open) == 0 || s.rnd.IntN(20) == 0 {
					fits = full
				}
				if len(fits) == 0 || s.rnd.IntN(10) < 3 {
					continue
				}
				pr := fits[s.rnd.IntN(len(fits))]
				student := p.Student
				a := s.receive(submitapplicationapi.AdditionalEducation, submitapplicationapi.ChannelCabinet, student, student.String(), p.BirthDate,
					applicant, nil, pr.org, []uuid.UUID{pr.org}, pr.mun, "programme:"+pr.id.String(),
					submitapplicationapi.AdditionalEducationData{ProgrammeID: pr.id.String()}, issued.Add(time.Duration(1+s.rnd.IntN(48))*time.Hour))
				received := kuzbass.Date(a.ReceivedAt)
				if !received.Before(s.today.AddDate(0, 0, -2)) {
					continue
				}
				at := func(days int) time.Time {
					return kemerovoAt(received.AddDate(0, 0, days), 10+s.rnd.IntN(7), s.rnd.IntN(60))
				}
				switch r := s.rnd.IntN(100); {
				case pr.left == 0:
					s.add(step{kind: stepMove, at: at(2), app: a, to: submitapplicationapi.Refused, reason: "no_places", role: access.Director})
				case r < 5:
					s.add(step{kind: stepMove, at: at(1), app: a, to: submitapplicationapi.Withdrawn, role: access.Parent})
				case r < 85:
					pr.left--
					s.add(step{kind: stepMove, at: at(1), app: a, to: submitapplicationapi.Registered, role: access.Director})
					s.add(step{kind: stepMove, at: at(3), app: a, to: submitapplicationapi.Enrolled, role: access.Director})
				default:
					pr.left-- // registered: the place is kept until the centre decides
					s.add(step{kind: stepMove, at: at(1), app: a, to: submitapplicationapi.Registered, role: access.Director})
				}
			}
		}
	}
	if len(certs) == 0 {
		return nil
	}
	rows, err := s.tx.Query(ctx, `SELECT 'ДО-42-' || lpad(nextval('applications.certificate_seq')::text, 7, '0') FROM generate_series(1, $1)`, len(certs))
	if err != nil {
		return err
	}
	numbers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	slices.SortFunc(certs, func(a, b []any) int { return a[4].(time.Time).Compare(b[4].(time.Time)) })
	n, err := s.tx.CopyFrom(ctx, pgx.Identifier{"applications", "certificates"},
		[]string{"id", "number", "child_id", "child_birth_date", "applicant_subject", "issued_at", "valid_until"},
		pgx.CopyFromSlice(len(certs), func(i int) ([]any, error) {
			c := certs[i]
			return []any{c[0], numbers[i], c[1], c[2], c[3], c[4], c[5]}, nil
		}))
	s.st.Certificates = int(n)
	return err
}
