package submitapplication

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// Limits of the input.
const (
	maxPreferences = 5
	maxPrivileges  = 3
	maxDocRef      = 200
	maxKeyLen      = 100
)

// kemerovo is the time of Kuzbass (UTC+7 all year), for dates shown to people.
var kemerovo = kuzbass.Time

// intake is a validated application from either channel, ready to be checked
// against the registry and the windows and then written.
type intake struct {
	service         submitapplicationapi.Service
	channel         string
	childID         *uuid.UUID
	childKey        string
	birth           time.Time
	applicant       string     // ESIA oid of the parent
	applicantPerson *uuid.UUID // the parent's registry person, when known
	idemKey         string     // cabinet
	orderID         string     // EPGU
	hash            []byte     // of the normalised request
	actor           string     // who wrote it: the parent or the service account
	actorRole       string

	// The service block, normalised.
	school    uuid.UUID
	basis     string
	basisDoc  string
	founder   string
	kg        *storedKindergarten
	programme uuid.UUID

	// Resolved by checkDomain.
	target       uuid.UUID
	orgs         []uuid.UUID
	municipality uuid.UUID
	targetKey    string
	window       *window // first grade: the window the application falls in
	data         any
}

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

// docRef checks a document reference: 1..200 characters of text, no control characters.
func docRef(name, v string, required bool, fe *[]errs.FieldError) string {
	v = strings.Join(strings.Fields(v), " ")
	switch {
	case v == "" && required:
		*fe = append(*fe, field(name, errs.Required, "укажите документ (вид, номер, дата выдачи)"))
	case v == "":
	case utf8.RuneCountInString(v) > maxDocRef:
		*fe = append(*fe, field(name, errs.Length, "не длиннее 200 символов"))
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) >= 0:
		*fe = append(*fe, field(name, errs.Format, "недопустимые символы"))
	}
	return v
}

func uuidField(name, v string, fe *[]errs.FieldError) uuid.UUID {
	if v == "" {
		*fe = append(*fe, field(name, errs.Required, "обязательное поле"))
		return uuid.Nil
	}
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		*fe = append(*fe, field(name, errs.Format, "идентификатор в формате UUID"))
		return uuid.Nil
	}
	return id
}

// checkBlocks validates the service and its block into it and returns every
// problem of the input's shape at once (answered 400; nothing is written).
func checkBlocks(it *intake, service string, fg *submitapplicationapi.FirstGradeData, kg *submitapplicationapi.KindergartenData, ae *submitapplicationapi.AdditionalEducationData) []errs.FieldError {
	var fe []errs.FieldError
	it.service = submitapplicationapi.Service(service)
	present := map[submitapplicationapi.Service]bool{submitapplicationapi.FirstGrade: fg != nil, submitapplicationapi.Kindergarten: kg != nil, submitapplicationapi.AdditionalEducation: ae != nil}
	if _, ok := numberPrefix[it.service]; !ok {
		return append(fe, field("service", errs.Enum, "одно из: kindergarten, first_grade, additional_education"))
	}
	for s, ok := range present {
		if ok && s != it.service {
			fe = append(fe, field(string(s), submitapplicationapi.ReasonUnexpected, "этот раздел не относится к выбранной услуге"))
		}
	}
	if !present[it.service] {
		return append(fe, field(string(it.service), errs.Required, "заполните раздел выбранной услуги"))
	}
	switch it.service {
	case submitapplicationapi.FirstGrade:
		it.school = uuidField("first_grade.school_id", fg.SchoolID, &fe)
		needsDoc, ok := firstGradeBases[fg.Basis]
		if !ok {
			fe = append(fe, field("first_grade.basis", errs.Enum, "одно из: territory, extraordinary, first_priority, sibling, general"))
		}
		it.basis = fg.Basis
		// The sibling basis needs a document only where the registry does
		// not show the brother or sister in the school (checkFirstGrade).
		priority := needsDoc && fg.Basis != "territory" && fg.Basis != "sibling"
		it.basisDoc = docRef("first_grade.basis_document", fg.BasisDocument, priority, &fe)
		it.founder = docRef("first_grade.founder_permission", fg.FounderPermission, false, &fe)
	case submitapplicationapi.Kindergarten:
		st := &storedKindergarten{GroupType: kg.GroupType, Privileges: []storedPrivilege{}}
		switch n := len(kg.Preferences); {
		case n == 0:
			fe = append(fe, field("kindergarten.preferences", errs.Required, "выберите от 1 до 5 детских садов"))
		case n > maxPreferences:
			fe = append(fe, field("kindergarten.preferences", submitapplicationapi.ReasonMax, fmt.Sprintf("можно выбрать не более %d детских садов, выбрано %d", maxPreferences, n)))
		default:
			for i, p := range kg.Preferences {
				id := uuidField("kindergarten.preferences["+strconv.Itoa(i)+"]", p, &fe)
				if id != uuid.Nil && slices.Contains(st.Preferences, id) {
					fe = append(fe, field("kindergarten.preferences["+strconv.Itoa(i)+"]", submitapplicationapi.ReasonDuplicate, "детский сад выбран дважды"))
				}
				st.Preferences = append(st.Preferences, id)
			}
		}
		if d, err := time.Parse(time.DateOnly, kg.DesiredStart); err != nil {
			fe = append(fe, field("kindergarten.desired_start", errs.Format, "дата в формате ГГГГ-ММ-ДД"))
		} else {
			st.DesiredStart = d.Format(time.DateOnly)
		}
		if !slices.Contains(groupTypes, kg.GroupType) {
			fe = append(fe, field("kindergarten.group_type", errs.Enum, "одно из: general, compensating, short_stay"))
		}
		if len(kg.Privileges) > maxPrivileges {
			fe = append(fe, field("kindergarten.privileges", submitapplicationapi.ReasonMax, "не более 3 льгот"))
			break
		}
		for i, p := range kg.Privileges {
			name := "kindergarten.privileges[" + strconv.Itoa(i) + "]"
			if !slices.Contains(privilegeKinds, p.Kind) {
				fe = append(fe, field(name+".kind", errs.Enum, "одно из: extraordinary, first_priority, sibling"))
			}
			for _, q := range st.Privileges {
				if q.Kind == p.Kind {
					fe = append(fe, field(name+".kind", submitapplicationapi.ReasonDuplicate, "льгота указана дважды"))
				}
			}
			var docFE []errs.FieldError
			doc := docRef(name+".document", p.Document, true, &docFE)
			for _, e := range docFE {
				if e.Code == "required" {
					e.Message = "льгота учитывается только с подтверждающим документом: укажите его"
				}
				fe = append(fe, e)
			}
			st.Privileges = append(st.Privileges, storedPrivilege{Kind: p.Kind, Document: doc})
		}
		it.kg = st
	case submitapplicationapi.AdditionalEducation:
		it.programme = uuidField("additional_education.programme_id", ae.ProgrammeID, &fe)
	}
	return fe
}

// unprocessable is the answer for input that is well formed but breaks a rule
// of the service (422); like a 400, nothing is written.
func unprocessable(detail string, fe ...errs.FieldError) *errs.Error {
	return &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: detail, Fields: fe}
}

// checkDomain checks it against the registry (organisations), the enrollment
// windows and the programmes, with the clock today, and fills in the target.
func (f *Function) checkDomain(ctx context.Context, it *intake, today time.Time) error {
	switch it.service {
	case submitapplicationapi.FirstGrade:
		return f.checkFirstGrade(ctx, it, today)
	case submitapplicationapi.Kindergarten:
		return f.checkKindergarten(ctx, it, today)
	case submitapplicationapi.AdditionalEducation:
		return f.checkAdditional(ctx, it, today)
	}
	return fmt.Errorf("unknown service %q", it.service)
}

// organisation looks up id in the registry and checks that it is an open
// organisation of kind.
func (f *Function) organisation(ctx context.Context, name string, id uuid.UUID, kind, kindTitle string) (registryapi.Organisation, *errs.FieldError, error) {
	o, err := f.orgs.get(ctx, id)
	if errs.Is(err, errs.NotFound) {
		fe := field(name, submitapplicationapi.ReasonNotFound, "организация не найдена в реестре")
		return o, &fe, nil
	}
	if err != nil {
		return o, nil, err
	}
	switch {
	case o.Kind != kind:
		fe := field(name, submitapplicationapi.ReasonKind, "организация «"+o.ShortName+"» не является "+kindTitle)
		return o, &fe, nil
	case o.Status == "closed" || o.MunicipalityID == nil:
		fe := field(name, submitapplicationapi.ReasonClosed, "организация «"+o.ShortName+"» не принимает заявления")
		return o, &fe, nil
	}
	return o, nil, nil
}

func (f *Function) checkFirstGrade(ctx context.Context, it *intake, today time.Time) error {
	o, bad, err := f.organisation(ctx, "first_grade.school_id", it.school, "school", "школой")
	if err != nil {
		return err
	}
	if bad != nil {
		return unprocessable("школа не найдена", *bad)
	}
	it.target, it.orgs, it.municipality = o.ID, []uuid.UUID{o.ID}, *o.MunicipalityID
	it.targetKey = o.ID.String()
	windows, err := f.windows.get(ctx)
	if err != nil {
		return err
	}
	general := !firstGradeBases[it.basis]
	w, ok := pick(windows, it.municipality, general, today)
	if !ok {
		msg := "приём заявлений в 1 класс в этом муниципалитете сейчас закрыт"
		if general {
			msg = "сейчас открыт только приём по закреплённой территории и льготам; без них заявление принимается во втором окне"
		}
		if next, ok := nextOpening(windows, it.municipality, general, today); ok {
			msg += "; приём откроется " + next.In(kemerovo).Format("02.01.2006 в 15:04") + " (время Кемерово)"
		}
		return unprocessable("заявление подано вне периода приёма", field("first_grade", submitapplicationapi.ReasonWindowClosed, msg))
	}
	it.window = &w
	sept1 := time.Date(w.academicYear, time.September, 1, 0, 0, 0, 0, time.UTC)
	if it.founder == "" && (sept1.Before(it.birth.AddDate(6, 6, 0)) || sept1.After(it.birth.AddDate(8, 0, 0))) {
		y, m := ageOn(it.birth, sept1)
		return unprocessable("возраст ребёнка не подходит для приёма в 1 класс",
			field("child_id", submitapplicationapi.ReasonAge, fmt.Sprintf("на 1 сентября %d г. ребёнку будет %s; в 1 класс принимают детей от 6 лет 6 месяцев до 8 лет, "+
				"в другом возрасте — только с разрешением учредителя (first_grade.founder_permission)", w.academicYear, ageText(y, m))))
	}
	confirmed, source, err := f.firstGradeSibling(ctx, it)
	if err != nil {
		return err
	}
	it.data = struct {
		SchoolID          uuid.UUID `json:"school_id"`
		Basis             string    `json:"basis"`
		BasisDocument     string    `json:"basis_document,omitempty"`
		BasisConfirmed    bool      `json:"basis_confirmed"`
		BasisSource       string    `json:"basis_source,omitempty"`
		FounderPermission string    `json:"founder_permission,omitempty"`
	}{it.school, it.basis, it.basisDoc, confirmed, source, it.founder}
	return nil
}

// firstGradeSibling checks the sibling basis of a first-grade application
// against the registry's enrollments (families.go): a brother or sister
// enrolled in the school today confirms it (source "registry"), with no
// document needed; otherwise the school checks the document, and without one
// the application is refused. Other bases are not confirmed here.
func (f *Function) firstGradeSibling(ctx context.Context, it *intake) (confirmed bool, source string, err error) {
	if it.basis != "sibling" {
		return false, "", nil
	}
	var sib *uuid.UUID
	if it.childID != nil {
		if err := f.db.QueryRow(ctx, `SELECT applications.sibling_in($1, $2, applications.kemerovo_today())`, it.childID, it.school).Scan(&sib); err != nil {
			return false, "", fmt.Errorf("first grade: sibling basis: %w", err)
		}
	}
	switch {
	case sib != nil:
		return true, "registry", nil
	case it.basisDoc == "":
		return false, "", unprocessable("по данным реестра брат или сестра ребёнка не обучается в этой школе",
			field("first_grade.basis_document", submitapplicationapi.ReasonNoSibling,
				"по данным реестра брат или сестра ребёнка не обучается в этой школе; укажите документ, который это подтверждает, — школа проверит его"))
	}
	return false, "document", nil
}

func (f *Function) checkKindergarten(ctx context.Context, it *intake, today time.Time) error {
	var fe []errs.FieldError
	var mun *uuid.UUID
	for i, id := range it.kg.Preferences {
		name := "kindergarten.preferences[" + strconv.Itoa(i) + "]"
		o, bad, err := f.organisation(ctx, name, id, "kindergarten", "детским садом")
		if err != nil {
			return err
		}
		switch {
		case bad != nil:
			fe = append(fe, *bad)
		case mun == nil:
			mun = o.MunicipalityID
		case *mun != *o.MunicipalityID:
			fe = append(fe, field(name, submitapplicationapi.ReasonMunicipality, "все детские сады одного заявления должны быть в одном муниципалитете (очередь ведёт муниципалитет)"))
		}
	}
	if len(fe) > 0 {
		return unprocessable("выбранные детские сады не подходят", fe...)
	}
	start, _ := time.Parse(time.DateOnly, it.kg.DesiredStart)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if start.Before(day) || start.After(day.AddDate(8, 0, 0)) {
		return unprocessable("желаемая дата зачисления вне допустимого периода",
			field("kindergarten.desired_start", errs.Range, "желаемая дата зачисления — не раньше сегодняшнего дня и не позже чем через 8 лет"))
	}
	// A queued child is archived at 7 (Maintain), so the desired start must come before that.
	if start.Before(it.birth.AddDate(0, 2, 0)) || !start.Before(it.birth.AddDate(7, 0, 0)) {
		y, m := ageOn(it.birth, start)
		return unprocessable("возраст ребёнка не подходит для детского сада",
			field("child_id", submitapplicationapi.ReasonAge, fmt.Sprintf("на желаемую дату зачисления ребёнку будет %s; в очередь в детский сад ставят детей от 2 месяцев до 7 лет", ageText(y, m))))
	}
	it.target, it.orgs, it.municipality = it.kg.Preferences[0], it.kg.Preferences, *mun
	// One place in the queue of a municipality per child.
	it.targetKey = "queue:" + mun.String()
	it.data = it.kg
	return nil
}

func (f *Function) checkAdditional(ctx context.Context, it *intake, today time.Time) error {
	var org, mun uuid.UUID
	var name, status string
	var ageFrom, ageTo int
	err := f.db.QueryRow(ctx, `SELECT organisation_id, municipality_id, name, age_from, age_to, status
		FROM applications.programmes WHERE id = $1`, it.programme).Scan(&org, &mun, &name, &ageFrom, &ageTo, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return unprocessable("программа не найдена", field("additional_education.programme_id", submitapplicationapi.ReasonNotFound, "программа дополнительного образования не найдена"))
	}
	if err != nil {
		return err
	}
	if status != "open" {
		return unprocessable("запись на программу закрыта", field("additional_education.programme_id", submitapplicationapi.ReasonClosed, "запись на программу «"+name+"» закрыта"))
	}
	y, m := ageOn(it.birth, today)
	if y < 5 || y >= 18 || y < ageFrom || y > ageTo {
		return unprocessable("возраст ребёнка не подходит для программы",
			field("child_id", submitapplicationapi.ReasonAge, fmt.Sprintf("ребёнку %s; на программу «%s» принимают детей от %d до %d лет (дополнительное образование — с 5 до 18 лет)",
				ageText(y, m), name, ageFrom, ageTo)))
	}
	it.target, it.orgs, it.municipality = org, []uuid.UUID{org}, mun
	it.targetKey = "programme:" + it.programme.String()
	it.data = struct {
		ProgrammeID uuid.UUID `json:"programme_id"`
	}{it.programme}
	return nil
}

// ageOn returns the age in whole years and months on day.
func ageOn(birth, day time.Time) (years, months int) {
	total := (day.Year()-birth.Year())*12 + int(day.Month()) - int(birth.Month())
	if day.Day() < birth.Day() {
		total--
	}
	if total < 0 {
		return 0, 0
	}
	return total / 12, total % 12
}

// ageText is «6 лет 2 мес.».
func ageText(years, months int) string {
	return fmt.Sprintf("%d %s %d мес.", years, yearsWord(years), months)
}
