package submitapplication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

const programmeColumns = `p.id, p.organisation_id, p.municipality_id, p.name, p.age_from, p.age_to, p.capacity, p.status,
	(SELECT count(*) FROM applications.applications a WHERE a.status = 'enrolled' AND a.target_key = 'programme:' || p.id::text)`

func scanProgramme(row pgx.Row) (submitapplicationapi.Programme, error) {
	var p submitapplicationapi.Programme
	var capacity *int32
	var from, to int16
	var enrolled int64
	if err := row.Scan(&p.ID, &p.OrganisationID, &p.MunicipalityID, &p.Name, &from, &to, &capacity, &p.Status, &enrolled); err != nil {
		return p, err
	}
	p.AgeFrom, p.AgeTo, p.Enrolled = int(from), int(to), int(enrolled)
	if capacity != nil {
		c, free := int(*capacity), max(int(*capacity)-int(enrolled), 0)
		p.Capacity, p.FreePlaces = &c, &free
	}
	return p, nil
}

// createProgramme: POST /api/submit-application/programmes — the staff of an
// additional-education organisation (or its municipality) publish a programme.
func (f *Function) createProgramme(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.ProgrammeRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	fe := validateProgramme(in, true)
	org, err := uuid.Parse(in.OrganisationID)
	if err != nil {
		fe = append(fe, field("organisation_id", errs.Format, "идентификатор организации в формате UUID"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверная программа", fe...)
	}
	o, bad, err := f.organisation(ctx, "organisation_id", org, "additional_education", "организацией дополнительного образования")
	if err != nil {
		return err
	}
	if bad != nil {
		return unprocessable("организация не подходит", *bad)
	}
	if !mayManageProgramme(ctx, o.ID, *o.MunicipalityID) {
		return errs.User(errs.NotFound, "организация не найдена среди ваших")
	}
	from, to := 5, 17
	if in.AgeFrom != nil {
		from = *in.AgeFrom
	}
	if in.AgeTo != nil {
		to = *in.AgeTo
	}
	if from > to {
		return errs.Fields("неверная программа", field("age_to", errs.Range, "верхняя граница возраста не меньше нижней"))
	}
	var capacity *int32
	if in.Capacity != nil {
		c := int32(*in.Capacity)
		capacity = &c
	}
	p, err := scanProgramme(f.db.QueryRow(ctx, `WITH p AS (
		INSERT INTO applications.programmes (id, organisation_id, municipality_id, name, age_from, age_to, capacity)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *)
		SELECT p.id, p.organisation_id, p.municipality_id, p.name, p.age_from, p.age_to, p.capacity, p.status, 0::bigint FROM p`,
		uuid.New(), o.ID, *o.MunicipalityID, strings.TrimSpace(*in.Name), int16(from), int16(to), capacity))
	return httpx.Reply(w, http.StatusCreated, p, err)
}

// changeProgramme: PATCH /api/submit-application/programmes/{id} — the
// programme's own staff change its name, ages or capacity, or close it for
// new applications. Capacity never drops below the children enrolled.
func (f *Function) changeProgramme(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in submitapplicationapi.ProgrammeRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	if fe := validateProgramme(in, false); len(fe) > 0 {
		return errs.Fields("неверные изменения программы", fe...)
	}
	var p submitapplicationapi.Programme
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		cur, err := scanProgramme(tx.QueryRow(ctx, `SELECT `+programmeColumns+` FROM applications.programmes p WHERE p.id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !mayManageProgramme(ctx, cur.OrganisationID, cur.MunicipalityID)) {
			return errs.User(errs.NotFound, "программа не найдена")
		}
		if err != nil {
			return err
		}
		if in.Name != nil {
			cur.Name = strings.TrimSpace(*in.Name)
		}
		if in.AgeFrom != nil {
			cur.AgeFrom = *in.AgeFrom
		}
		if in.AgeTo != nil {
			cur.AgeTo = *in.AgeTo
		}
		if in.Status != nil {
			cur.Status = *in.Status
		}
		if cur.AgeFrom > cur.AgeTo {
			return errs.Fields("неверные изменения программы", field("age_to", errs.Range, "верхняя граница возраста не меньше нижней"))
		}
		var capacity *int32
		if in.Capacity != nil {
			if *in.Capacity < cur.Enrolled {
				return &errs.Error{Code: errs.Conflict, ForUser: true,
					Detail: fmt.Sprintf("на программу уже зачислено детей: %d; мест не может быть меньше", cur.Enrolled),
					Extra:  map[string]any{submitapplicationapi.MemberEnrolled: cur.Enrolled}}
			}
			c := int32(*in.Capacity)
			capacity = &c
		} else if cur.Capacity != nil {
			c := int32(*cur.Capacity)
			capacity = &c
		}
		p, err = scanProgramme(tx.QueryRow(ctx, `WITH p AS (
			UPDATE applications.programmes SET name = $2, age_from = $3, age_to = $4, capacity = $5, status = $6
			WHERE id = $1 RETURNING *)
			SELECT `+programmeColumns+` FROM p`,
			id, cur.Name, int16(cur.AgeFrom), int16(cur.AgeTo), capacity, cur.Status))
		return err
	})
	return httpx.Reply(w, http.StatusOK, p, err)
}

// listProgrammes: GET /api/submit-application/programmes?organisation=&municipality=&age=&status=
// — the catalogue families choose from: any signed-in user, with the enrolled
// count and the free places.
func (f *Function) listProgrammes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var (
		fe   []errs.FieldError
		args []any
		cond = []string{"true"}
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	for _, p := range []struct{ param, column string }{{"organisation", "p.organisation_id"}, {"municipality", "p.municipality_id"}} {
		if s := q.Get(p.param); s != "" {
			id, err := uuid.Parse(s)
			if err != nil {
				fe = append(fe, field(p.param, errs.Format, "идентификатор в формате UUID"))
				continue
			}
			cond = append(cond, p.column+" = "+arg(id))
		}
	}
	if s := q.Get("age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 5 || n > 18 {
			fe = append(fe, field("age", errs.Range, "возраст от 5 до 18 лет"))
		}
		a := arg(int16(n))
		cond = append(cond, "p.age_from <= "+a+" AND p.age_to >= "+a)
	}
	if s := q.Get("status"); s != "" {
		if s != "open" && s != "closed" {
			fe = append(fe, field("status", errs.Enum, "open или closed"))
		}
		cond = append(cond, "p.status = "+arg(s))
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	rows, err := f.db.Query(r.Context(), `SELECT `+programmeColumns+` FROM applications.programmes p
		WHERE `+strings.Join(cond, " AND ")+` ORDER BY p.name, p.id LIMIT 500`, args...)
	if err != nil {
		return err
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (submitapplicationapi.Programme, error) { return scanProgramme(row) })
	if err != nil {
		return err
	}
	if items == nil {
		items = []submitapplicationapi.Programme{}
	}
	httpx.WriteJSON(w, http.StatusOK, submitapplicationapi.Page[submitapplicationapi.Programme]{Items: items})
	return nil
}

// mayManageProgramme reports whether the caller of ctx administers org (its
// director, deputy or clerk) or the education of mun.
func mayManageProgramme(ctx context.Context, org, mun uuid.UUID) bool {
	return Rules.Reaches(ctx, PermProgrammeManage, access.Target{OrganisationIDs: []string{org.String()}, MunicipalityIDs: []string{mun.String()}})
}

// takePlace checks, in tx, that the programme of an additional-education
// application a (just moved to enrolled in tx) has a place for it. The
// programme's row is locked first, so two staff enrolling at once into the last
// place are served one after the other and the second is refused.
func takePlace(ctx context.Context, tx pgx.Tx, a *application) error {
	var d submitapplicationapi.AdditionalEducationData
	if err := json.Unmarshal(a.Data, &d); err != nil || d.ProgrammeID == "" {
		return fmt.Errorf("application %s: no programme in its data", a.Number)
	}
	key := d.ProgrammeID
	var name string
	var capacity *int32
	err := tx.QueryRow(ctx, `SELECT name, capacity FROM applications.programmes WHERE id = $1::uuid FOR UPDATE`, key).Scan(&name, &capacity)
	if err != nil || capacity == nil {
		return err
	}
	var enrolled int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM applications.applications WHERE status = 'enrolled' AND target_key = 'programme:' || $1`,
		key).Scan(&enrolled); err != nil {
		return err
	}
	if enrolled > int64(*capacity) {
		return &errs.Error{Code: errs.Conflict, ForUser: true,
			Detail: fmt.Sprintf("на программе «%s» нет свободных мест (мест: %d)", name, *capacity),
			Extra:  map[string]any{submitapplicationapi.MemberCapacity: *capacity}}
	}
	return nil
}

// validate checks the fields of in that are set (all of them when creating).
func validateProgramme(in submitapplicationapi.ProgrammeRequest, creating bool) []errs.FieldError {
	var fe []errs.FieldError
	if creating {
		if in.Name == nil {
			fe = append(fe, field("name", errs.Required, "название программы"))
		}
		if in.Status != nil {
			fe = append(fe, field("status", submitapplicationapi.ReasonUnexpected, "новая программа открыта для записи"))
		}
	} else if in.OrganisationID != "" {
		fe = append(fe, field("organisation_id", submitapplicationapi.ReasonUnexpected, "организацию программы не меняют"))
	}
	if in.Name != nil {
		if n := utf8.RuneCountInString(strings.TrimSpace(*in.Name)); n < 1 || n > 300 {
			fe = append(fe, field("name", errs.Length, "от 1 до 300 символов"))
		}
	}
	for _, a := range []struct {
		name string
		v    *int
	}{{"age_from", in.AgeFrom}, {"age_to", in.AgeTo}} {
		if a.v != nil && (*a.v < 5 || *a.v > 18) {
			fe = append(fe, field(a.name, errs.Range, "дополнительное образование — для детей от 5 до 18 лет"))
		}
	}
	if in.AgeFrom != nil && in.AgeTo != nil && *in.AgeFrom > *in.AgeTo {
		fe = append(fe, field("age_to", errs.Range, "верхняя граница возраста не меньше нижней"))
	}
	if in.Capacity != nil && (*in.Capacity < 1 || *in.Capacity > 10000) {
		fe = append(fe, field("capacity", errs.Range, "от 1 до 10000 мест"))
	}
	if in.Status != nil && *in.Status != "open" && *in.Status != "closed" {
		fe = append(fe, field("status", errs.Enum, "open или closed"))
	}
	return fe
}

// withProgramme names, on the status-changed event ev of an
// additional-education application a, its programme.
func withProgramme(ctx context.Context, tx pgx.Tx, a *application, ev *submitapplicationapi.StatusChangedEvent) error {
	if a.Service != submitapplicationapi.AdditionalEducation {
		return nil
	}
	var d submitapplicationapi.AdditionalEducationData
	if err := json.Unmarshal(a.Data, &d); err != nil || d.ProgrammeID == "" {
		return nil
	}
	err := tx.QueryRow(ctx, `SELECT id::text, name FROM applications.programmes WHERE id = $1::uuid`, d.ProgrammeID).Scan(&ev.ProgrammeID, &ev.ProgrammeName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}
