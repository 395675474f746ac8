package submitapplication

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// SeedOptions shape the seeded applications.
type SeedOptions struct {
	// Today is the day the region's history runs up to (the day before is
	// the last with decisions).
	Today time.Time
	// Seed makes another, equally reproducible history.
	Seed uint64
	// Outbox announces what the write paths do: application.submitted and
	// application.status-changed.
	Outbox *outbox.Writer
}

// SeedStats counts what the seed wrote.
type SeedStats struct {
	Windows, Programmes, Certificates, Applications, Directions int
	Statuses                                                    map[submitapplicationapi.Status]int
	Took                                                        time.Duration
}

// seedStaff is who the seeded decisions name: the municipal authority's
// queue, a kindergarten or a centre (the role), by the seed.
func seedStaff(role access.Role) actor { return actor{subject: "eko-seed", role: string(role)} }

// SeedApplications loads, into a function that holds no applications, the
// services' history of region up to opts.Today, in one transaction, through
// the same steps the API takes: first-grade windows for next spring;
// additional-education programmes with certificates and applications
// (enrolled, registered, refused); a kindergarten application for every
// waiting child — from the cabinet and from EPGU, privileges claimed and
// decided both ways, in every status — entering and leaving the queue as
// they were decided (requeue records why each position moved); and in the
// municipality of the fixture kindergarten one allocation confirmed forty
// days ago whose directions were accepted, declined, left to expire and
// enrolled.
func SeedApplications(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, opts SeedOptions) (SeedStats, error) {
	start := time.Now()
	st := SeedStats{Statuses: map[submitapplicationapi.Status]int{}}
	if opts.Outbox == nil {
		return st, fmt.Errorf("seed applications: no outbox")
	}
	s := &seeder{f: &Function{db: pool, outbox: opts.Outbox}, today: kuzbass.Date(opts.Today),
		rnd: rand.New(rand.NewPCG(opts.Seed, 0x5eed_a991)), region: region, st: &st}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var held bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications.applications)`).Scan(&held); err != nil || held {
			return cmp.Or(err, errors.New("seed applications: the function already holds applications; seed only a fresh database"))
		}
		if err := longStatements(ctx, tx); err != nil {
			return err
		}
		s.tx = tx
		if err := s.families(ctx); err != nil {
			return err
		}
		if err := s.windows(ctx); err != nil {
			return err
		}
		if err := s.additionalEducation(ctx); err != nil {
			return err
		}
		s.kindergartenPlan()
		if err := s.run(ctx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT status, count(*) FROM applications.applications GROUP BY status`)
		if err != nil {
			return err
		}
		var status string
		var n int
		_, err = pgx.ForEachRow(rows, []any{&status, &n}, func() error { st.Statuses[submitapplicationapi.Status(status)] = n; return nil })
		return err
	})
	st.Took = time.Since(start)
	return st, err
}

// seeder writes one seeded history.
type seeder struct {
	f      *Function
	tx     pgx.Tx
	today  time.Time
	rnd    *rand.Rand
	region registryapi.SeededRegion
	st     *SeedStats
	// steps are the history's dated steps, done day by day in order.
	steps map[time.Time][]step
	// allocation is the day of the confirmed allocation and its municipality.
	allocationDay time.Time
	allocationMun uuid.UUID
	// decided, privilegeDecisions and withdrawals count the applications
	// decided, the privileges decided and the withdrawals old enough to be
	// archived so far.
	decided, privilegeDecisions, withdrawals int
	// analysed is how many applications there were at the last ANALYZE.
	analysed int
}

// stepKind is what happens to an application on a day.
type stepKind int

const (
	stepReceive   stepKind = iota + 1 // the application arrives
	stepPrivilege                     // staff decide on its claimed privilege
	stepMove                          // staff move its status
	stepAnswer                        // the parent answers the direction
)

// step is one dated step of the history.
type step struct {
	kind    stepKind
	at      time.Time
	app     *seededApp
	to      submitapplicationapi.Status
	reason  string
	confirm bool // stepPrivilege: confirmed; stepAnswer: accepted
	role    access.Role
}

// seededApp is an application being seeded.
type seededApp struct {
	*application
	childKey, targetKey, idemKey string
	applicantPerson              *uuid.UUID
	privilege                    *storedPrivilege
}

// kemerovoAt is the moment of a Kuzbass day at hour:minute.
func kemerovoAt(day time.Time, hour, minute int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, kemerovo)
}

func (s *seeder) add(st step) {
	d := kuzbass.Date(st.at)
	if s.steps == nil {
		s.steps = map[time.Time][]step{}
	}
	s.steps[d] = append(s.steps[d], st)
}

// windows opens first-grade admission for next September across the
// region — territory and privileges from 1 April, everyone from 6 July —
// with every school's planned places.
func (s *seeder) windows(ctx context.Context) error {
	y := s.region.AcademicYear + 1
	for _, w := range []struct {
		no           int16
		opens, close time.Time
	}{
		{1, kemerovoAt(time.Date(y, time.April, 1, 0, 0, 0, 0, time.UTC), 8, 0), kemerovoAt(time.Date(y, time.June, 30, 0, 0, 0, 0, time.UTC), 18, 0)},
		{2, kemerovoAt(time.Date(y, time.July, 6, 0, 0, 0, 0, time.UTC), 8, 0), kemerovoAt(time.Date(y, time.September, 5, 0, 0, 0, 0, time.UTC), 18, 0)},
	} {
		if _, err := s.tx.Exec(ctx, `INSERT INTO applications.enrollment_windows (id, academic_year, window_no, opens_at, closes_at)
			VALUES ($1, $2, $3, $4, $5)`, uuid.Must(uuid.NewV7()), int32(y), w.no, w.opens, w.close); err != nil {
			return fmt.Errorf("seed applications: window: %w", err)
		}
		s.st.Windows++
	}
	// Every school plans one to three first classes of 25 for next September.
	for i, sch := range s.region.Schools {
		if _, err := s.tx.Exec(ctx, `INSERT INTO applications.first_grade_places (organisation_id, municipality_id, academic_year, places, set_by, set_at)
			VALUES ($1, $2, $3, $4, 'eko-seed', $5)`, sch.ID, sch.Municipality, int16(y), 25*(1+i%3), kemerovoAt(time.Date(y, time.March, 1, 0, 0, 0, 0, time.UTC), 10, 0)); err != nil {
			return fmt.Errorf("seed applications: first-grade places: %w", err)
		}
	}
	return nil
}

// families keeps the region's families and enrollments, as the registry's
// announcements of them would (families.go), dated the first day of the
// school year: the announcements, delivered after the seed, repeat them.
func (s *seeder) families(ctx context.Context) error {
	done, err := db.BulkLoad(ctx, s.tx, "applications", "family_links", "enrollments")
	if err != nil {
		return err
	}
	at := time.Date(s.region.AcademicYear, time.September, 1, 0, 0, 0, 0, kemerovo)
	links, enrollments := s.region.Families, s.region.Enrollments
	if _, err := s.tx.CopyFrom(ctx, pgx.Identifier{"applications", "family_links"}, []string{"link_id", "parent_id", "child_id", "event_time"},
		pgx.CopyFromSlice(len(links), func(i int) ([]any, error) {
			return []any{links[i].ID, links[i].Parent, links[i].Child, at}, nil
		})); err != nil {
		return fmt.Errorf("seed applications: families: %w", err)
	}
	if _, err := s.tx.CopyFrom(ctx, pgx.Identifier{"applications", "enrollments"}, []string{"enrollment_id", "person_id", "organisation_id", "starts_on", "event_time"},
		pgx.CopyFromSlice(len(enrollments), func(i int) ([]any, error) {
			e := enrollments[i]
			return []any{e.ID, e.Person, e.Organisation, e.StartsOn, at}, nil
		})); err != nil {
		return fmt.Errorf("seed applications: enrollments: %w", err)
	}
	if err := done(ctx); err != nil {
		return err
	}
	_, err = s.tx.Exec(ctx, `ANALYZE applications.family_links; ANALYZE applications.enrollments`)
	return err
}

// receive makes an application as the write path makes it, in status
// submitted; the step that receives it writes it.
func (s *seeder) receive(service submitapplicationapi.Service, channel string, child uuid.UUID, childKey string, birth time.Time,
	applicant string, person *uuid.UUID, target uuid.UUID, orgs []uuid.UUID, mun uuid.UUID, targetKey string, data any, at time.Time) *seededApp {
	raw, _ := json.Marshal(data)
	c := child
	a := &seededApp{application: &application{Application: submitapplicationapi.Application{
		ID: uuid.Must(uuid.NewV7()), Service: service, Channel: channel, Status: submitapplicationapi.Submitted, ChildID: &c,
		ChildBirthDate: birth.Format(time.DateOnly), OrganisationID: target, OrganisationIDs: orgs, MunicipalityID: mun,
		ReceivedAt: at, UpdatedAt: at, Data: raw}, applicantSubject: applicant, requestHash: hashOf(data)},
		childKey: childKey, targetKey: targetKey, applicantPerson: person}
	if channel == submitapplicationapi.ChannelEPGU {
		a.EPGUOrderID = fmt.Sprintf("%010d", 7_000_000_000+s.rnd.Int64N(1_000_000_000))
	} else {
		a.idemKey = uuid.NewString()
	}
	deadline := at.AddDate(0, 0, 7)
	if service != submitapplicationapi.Kindergarten {
		deadline = addWorkingDays(at, 7)
	}
	a.Deadline = &deadline
	s.add(step{kind: stepReceive, at: at, app: a})
	return a
}

// insert writes the day's received applications in order of receipt, with
// their first status and application.submitted, as the write path does.
func (s *seeder) insert(ctx context.Context, apps []*seededApp) error {
	slices.SortFunc(apps, func(a, b *seededApp) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	rows, err := s.tx.Query(ctx, `SELECT nextval('applications.application_seq') FROM generate_series(1, $1)`, len(apps))
	if err != nil {
		return err
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	evs := make([]outbox.Event, len(apps))
	for i, a := range apps {
		a.seq = seqs[i]
		a.Number = fmt.Sprintf("%s-%d-%07d", numberPrefix[a.Service], a.ReceivedAt.In(kemerovo).Year(), a.seq)
		a.fill()
		evs[i] = outbox.Event{Type: submitapplicationapi.EventSubmitted, Source: source, Subject: a.ID.String(), Data: submittedEvent(a.application)}
	}
	if _, err := s.tx.CopyFrom(ctx, pgx.Identifier{"applications", "applications"},
		[]string{"id", "seq", "number", "service", "channel", "child_id", "child_key", "child_birth_date", "applicant_subject", "applicant_person_id",
			"target_organisation_id", "organisation_ids", "municipality_id", "target_key", "status", "received_at", "updated_at", "deadline",
			"data", "idempotency_key", "request_hash", "epgu_order_id"},
		pgx.CopyFromSlice(len(apps), func(i int) ([]any, error) {
			a := apps[i]
			return []any{a.ID, a.seq, a.Number, string(a.Service), a.Channel, a.ChildID, a.childKey, a.ChildBirthDate, a.applicantSubject, a.applicantPerson,
				a.OrganisationID, a.OrganisationIDs, a.MunicipalityID, a.targetKey, string(a.Status), a.ReceivedAt, a.ReceivedAt, a.Deadline,
				string(a.Data), nullIfEmpty(a.idemKey), a.requestHash, nullIfEmpty(a.EPGUOrderID)}, nil
		})); err != nil {
		return fmt.Errorf("seed applications: %w", err)
	}
	if _, err := s.tx.CopyFrom(ctx, pgx.Identifier{"applications", "status_history"},
		[]string{"application_id", "status", "epgu_code", "actor_subject", "actor_person_id", "actor_role", "changed_at"},
		pgx.CopyFromSlice(len(apps), func(i int) ([]any, error) {
			a := apps[i]
			subject, role := a.applicantSubject, string(access.Parent)
			if a.Channel == submitapplicationapi.ChannelEPGU {
				subject, role = "epgu", "epgu"
			}
			return []any{a.ID, string(submitapplicationapi.Submitted), int32(submitapplicationapi.Statuses[submitapplicationapi.Submitted].EPGUCode),
				subject, a.applicantPerson, role, a.ReceivedAt}, nil
		})); err != nil {
		return fmt.Errorf("seed applications: history: %w", err)
	}
	s.st.Applications += len(apps)
	if s.st.Applications >= 2*s.analysed+1000 {
		// The planner learns the table's growing size (this transaction's
		// rows count), so that each day's moves find their rows by key.
		if _, err := s.tx.Exec(ctx, `ANALYZE applications.applications`); err != nil {
			return err
		}
		s.analysed = s.st.Applications
	}
	return s.f.outbox.EnqueueMany(ctx, s.tx, evs)
}

// run does the history's steps day by day: the day's applications arrive,
// privileges are decided, statuses move (the queue recalculated once for
// the day's moves, with their causes), the allocation is confirmed on its
// day, families answer their directions and the directions nobody answered
// expire when their time is up. A day's steps may plan later ones.
func (s *seeder) run(ctx context.Context) error {
	first := s.allocationDay
	for d := range s.steps {
		if d.Before(first) {
			first = d
		}
	}
	for d := first; d.Before(s.today); d = d.AddDate(0, 0, 1) {
		if len(s.steps[d]) == 0 && d.Before(s.allocationDay) {
			continue
		}
		if err := s.day(ctx, d); err != nil {
			return fmt.Errorf("seed applications: %s: %w", d.Format(time.DateOnly), err)
		}
	}
	return nil
}

// day does one day's steps.
func (s *seeder) day(ctx context.Context, d time.Time) error {
	steps := s.steps[d]
	slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
	var received []*seededApp
	for _, st := range steps {
		if st.kind == stepReceive {
			received = append(received, st.app)
		}
	}
	if len(received) > 0 {
		if err := s.insert(ctx, received); err != nil {
			return err
		}
	}
	changes := map[uuid.UUID]queueChange{}
	at := kemerovoAt(d, 11, 0)
	moves := &mover{s: s}
	for _, st := range steps {
		switch st.kind {
		case stepPrivilege:
			if err := s.decidePrivilege(ctx, st, changes); err != nil {
				return err
			}
		case stepMove:
			if err := moves.add(ctx, st, changes); err != nil {
				return err
			}
		}
	}
	if err := moves.flush(ctx); err != nil {
		return err
	}
	if len(changes) > 0 {
		if err := requeue(ctx, s.tx, changes, at); err != nil {
			return err
		}
	}
	if d.Equal(s.allocationDay) {
		if err := s.allocate(ctx, kemerovoAt(d, 10, 0)); err != nil {
			return err
		}
	}
	for _, st := range steps {
		if st.kind == stepAnswer {
			if err := s.answer(ctx, st); err != nil {
				return err
			}
		}
	}
	if d.Before(s.allocationDay) {
		return nil
	}
	_, err := s.f.expireDue(ctx, s.tx, kemerovoAt(d, 23, 59), 1<<30)
	return err
}

// mover writes a day's status moves as staff make them, many at a time
// (each at its own moment); a parent's withdrawal is written on its own.
type mover struct {
	s     *seeder
	role  access.Role
	batch []statusMove
	ended []statusMove // the moves that close a direction
	held  map[uuid.UUID]bool
}

// add moves an application's status, recording the queue change it makes.
func (m *mover) add(ctx context.Context, st step, changes map[uuid.UUID]queueChange) error {
	a := st.app
	if !CanMove(a.Status, st.to) {
		return nil // the history moved it elsewhere first (a direction)
	}
	if m.held[a.ID] || (len(m.batch) > 0 && (m.role != st.role || st.role == access.Parent)) {
		if err := m.flush(ctx); err != nil {
			return err
		}
	}
	comment := ""
	if st.to == submitapplicationapi.DocumentsRequested {
		comment = "Представьте, пожалуйста, документ, подтверждающий место жительства"
	}
	from := a.Status
	move := statusMove{app: a.application, to: st.to, reason: st.reason, comment: comment, at: st.at}
	if st.role == access.Parent {
		who := actor{subject: a.applicantSubject, person: a.applicantPerson, role: string(access.Parent)}
		if err := m.s.f.moveStatuses(ctx, m.s.tx, []statusMove{move}, who, st.at); err != nil {
			return err
		}
		if from == submitapplicationapi.Directed {
			if err := closeDirection(ctx, m.s.tx, a.ID, st.to); err != nil {
				return err
			}
		}
		a.Status = st.to
	} else {
		if m.held == nil {
			m.held = map[uuid.UUID]bool{}
		}
		m.role, m.held[a.ID] = st.role, true
		m.batch = append(m.batch, move)
		if from == submitapplicationapi.Directed {
			m.ended = append(m.ended, move)
		}
	}
	if a.Service == submitapplicationapi.Kindergarten {
		switch {
		case st.to == submitapplicationapi.Registered:
			changes[a.ID] = queueChange{kind: changeRegistered}
		case from == submitapplicationapi.Registered:
			changes[a.ID] = queueChange{kind: changeLeft, status: st.to}
		}
	}
	return nil
}

// flush writes the moves gathered so far.
func (m *mover) flush(ctx context.Context) error {
	if len(m.batch) == 0 {
		return nil
	}
	if err := m.s.f.moveStatuses(ctx, m.s.tx, m.batch, seedStaff(m.role), m.batch[0].at); err != nil {
		return err
	}
	for _, mv := range m.batch {
		mv.app.Status = mv.to
	}
	for _, mv := range m.ended {
		if err := closeDirection(ctx, m.s.tx, mv.app.ID, mv.to); err != nil {
			return err
		}
	}
	m.batch, m.ended, m.held = m.batch[:0], m.ended[:0], nil
	return nil
}

// decidePrivilege records staff's decision on the claimed privilege.
func (s *seeder) decidePrivilege(ctx context.Context, st step, changes map[uuid.UUID]queueChange) error {
	a := st.app
	if !isActive(a.Status) {
		return nil
	}
	if _, err := s.tx.Exec(ctx, `UPDATE applications.applications
		SET data = jsonb_set(data, ARRAY['privileges', '0', 'confirmed'], to_jsonb($2::boolean)), updated_at = $3 WHERE id = $1`,
		a.ID, st.confirm, st.at); err != nil {
		return err
	}
	comment := "Документ проверен"
	switch {
	case !st.confirm && a.privilege.Kind == "sibling":
		comment = "Брат (сестра) обучается в школе, а не в выбранном детском саду: преимущественное право в детском саду не возникает"
	case !st.confirm:
		comment = "Документ не подтверждает право на льготу"
	}
	if _, err := s.tx.Exec(ctx, `INSERT INTO applications.privilege_decisions
		(application_id, kind, confirmed, comment, actor_subject, actor_role, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.privilege.Kind, st.confirm, comment, "eko-seed", string(access.MunicipalOfficial), st.at); err != nil {
		return err
	}
	if a.Status == submitapplicationapi.Registered && st.confirm {
		changes[a.ID] = queueChange{kind: changePrivilegeConfirmed, privilege: a.privilege.Kind}
	}
	return nil
}
