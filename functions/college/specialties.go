package college

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// codeRe is a code of the federal list of specialties: NN.NN.NN.
var codeRe = regexp.MustCompile(`^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$`)

const specialtyColumns = `id, organisation_id, municipality_id, academic_year, code, title, form, after_grade, duration, budget_places, paid_places, entrance_test`

func scanSpecialty(row pgx.CollectableRow) (collegeapi.Specialty, error) {
	var s collegeapi.Specialty
	var year, after int16
	err := row.Scan(&s.ID, &s.OrganisationID, &s.MunicipalityID, &year, &s.Code, &s.Title, &s.Form, &after, &s.Duration, &s.BudgetPlaces, &s.PaidPlaces, &s.EntranceTest)
	s.AcademicYear, s.AfterGrade = int(year), int(after)
	return s, err
}

// specialties: GET /api/college/specialties?organisation=&year= — public:
// the colleges' specialties of the year's admission (next September's by
// default), by college and code.
func (f *Function) specialties(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe []errs.FieldError
	year := httpx.QueryYear(q, kuzbass.AcademicYearOf(f.Time())+1, &fe)
	org := httpx.QueryID(q, "organisation", &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	sql, args := `SELECT `+specialtyColumns+` FROM college.specialties WHERE academic_year = $1`, []any{int16(year)}
	if org != nil {
		sql += ` AND organisation_id = $2`
		args = append(args, *org)
	}
	rows, err := f.db.Query(r.Context(), sql+` ORDER BY organisation_id, code, form, after_grade LIMIT 10000`, args...)
	return replyPage(w, rows, err, scanSpecialty)
}

// addSpecialty: POST /api/college/specialties — the college's
// administration (or the ministry) opens admission to a specialty for this
// or one of the next two years; the same code, form and basis once a year.
func (f *Function) addSpecialty(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in collegeapi.SpecialtyRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	in.Code, in.Title, in.Duration, in.EntranceTest = strings.TrimSpace(in.Code), strings.TrimSpace(in.Title), strings.TrimSpace(in.Duration), strings.TrimSpace(in.EntranceTest)
	var fe []errs.FieldError
	bad := func(field string, code errs.Reason, msg string) {
		fe = append(fe, errs.FieldError{Field: field, Code: code, Message: msg})
	}
	if !codeRe.MatchString(in.Code) {
		bad("code", errs.Format, "код специальности по перечню: NN.NN.NN, например 09.02.07")
	}
	if n := utf8.RuneCountInString(in.Title); n < 3 || n > 300 {
		bad("title", errs.Length, "наименование специальности: от 3 до 300 символов")
	}
	if collegeapi.FormTitles[in.Form] == "" {
		bad("form", errs.Enum, "форма обучения: full_time, part_time или extramural")
	}
	if in.AfterGrade != 9 && in.AfterGrade != 11 {
		bad("after_grade", errs.Enum, "на базе 9 или 11 классов")
	}
	if n := utf8.RuneCountInString(in.Duration); n < 1 || n > 50 {
		bad("duration", errs.Length, "срок обучения, например «3 года 10 месяцев»")
	}
	if in.BudgetPlaces < 0 || in.BudgetPlaces > 1000 || in.PaidPlaces < 0 || in.PaidPlaces > 1000 || in.BudgetPlaces+in.PaidPlaces == 0 {
		bad("budget_places", errs.Range, "мест: от 0 до 1000 бюджетных и платных, хотя бы одно")
	}
	if utf8.RuneCountInString(in.EntranceTest) > 300 {
		bad("entrance_test", errs.Length, "вступительное испытание: до 300 символов")
	}
	if now := kuzbass.AcademicYearOf(f.Time()); in.AcademicYear < now || in.AcademicYear > now+2 {
		bad("academic_year", errs.Range, "учебный год: текущий или один из двух следующих")
	}
	o, err := f.college(ctx, in.OrganisationID, &fe)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return errs.Fields("специальность не добавлена", fe...)
	}
	if err := Rules.Require(ctx, PermSpecialtyManage, access.Target{OrganisationIDs: []string{o.ID.String()}, MunicipalityIDs: []string{o.MunicipalityID.String()}}); err != nil {
		return err
	}
	by := ""
	if p := auth.PrincipalFrom(ctx); p != nil {
		by = p.Subject
	}
	id := uuid.Must(uuid.NewV7())
	_, err = f.db.Exec(ctx, `INSERT INTO college.specialties (id, organisation_id, municipality_id, academic_year, code, title, form, after_grade, duration,
		    budget_places, paid_places, entrance_test, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, id, o.ID, *o.MunicipalityID, int16(in.AcademicYear), in.Code, in.Title,
		in.Form, int16(in.AfterGrade), in.Duration, in.BudgetPlaces, in.PaidPlaces, in.EntranceTest, by, time.Now())
	if db.IsUniqueViolation(err, "") {
		return errs.Fields("специальность не добавлена", errs.FieldError{Field: "code", Code: collegeapi.ReasonDuplicate,
			Message: "колледж уже принимает на эту специальность с этой формой и базой в этом году"})
	}
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT `+specialtyColumns+` FROM college.specialties WHERE id = $1`, id)
	if err != nil {
		return err
	}
	out, err := pgx.CollectExactlyOneRow(rows, scanSpecialty)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.E(errs.Internal, "the specialty just written is gone")
	}
	return httpx.Reply(w, http.StatusCreated, out, err)
}

// college is the organisation id names when the registry says it is a
// college; otherwise a field error on organisation_id is appended to fe
// (and the organisation is nil).
func (f *Function) college(ctx context.Context, id uuid.UUID, fe *[]errs.FieldError) (*registryapi.Organisation, error) {
	if f.registry == nil {
		return nil, errs.User(errs.Unavailable, "реестр недоступен: попробуйте позже")
	}
	o, err := f.registry.Organisation(ctx, id)
	switch {
	case errs.Is(err, errs.NotFound):
		*fe = append(*fe, errs.FieldError{Field: "organisation_id", Code: errs.Unknown, Message: "организации нет в реестре"})
		return nil, nil
	case err != nil:
		return nil, err
	case o.Kind != "college" || o.MunicipalityID == nil:
		*fe = append(*fe, errs.FieldError{Field: "organisation_id", Code: collegeapi.ReasonKind, Message: "«" + o.ShortName + "» — не профессиональная образовательная организация"})
		return nil, nil
	}
	return o, nil
}
