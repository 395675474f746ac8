package submitapplication

import (
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// placesFrom reads each school's first grade once: the planned places and,
// in one pass over the school's applications of the year, those in its
// ranked list not yet enrolled and those enrolled ($1: the ranked statuses).
const placesFrom = `SELECT p.organisation_id, p.municipality_id, p.academic_year, p.places, c.applications, c.enrolled
	FROM applications.first_grade_places p, LATERAL (
		SELECT count(*) FILTER (WHERE a.status = ANY($1) AND a.status <> 'enrolled') AS applications,
		       count(*) FILTER (WHERE a.status = 'enrolled') AS enrolled
		FROM applications.applications a
		WHERE a.service = 'first_grade' AND a.target_organisation_id = p.organisation_id AND a.academic_year = p.academic_year) c`

func scanPlaces(row pgx.CollectableRow) (submitapplicationapi.FirstGradePlaces, error) {
	var p submitapplicationapi.FirstGradePlaces
	var year int16
	err := row.Scan(&p.OrganisationID, &p.MunicipalityID, &year, &p.Places, &p.Applications, &p.Enrolled)
	p.AcademicYear, p.Free = int(year), max(0, p.Places-p.Enrolled)
	return p, err
}

// listFirstGradePlaces: GET /api/submit-application/first-grade/places?year=&municipality=
// Public: the schools' planned first-grade places of the year (next
// September's by default), the applications in each ranked list, those
// enrolled and the places free — counts only.
func (f *Function) listFirstGradePlaces(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe []errs.FieldError
	year := httpx.QueryYear(q, kuzbass.AcademicYearOf(time.Now())+1, &fe)
	mun := httpx.QueryID(q, "municipality", &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	sql := placesFrom + ` WHERE p.academic_year = $2`
	args := []any{rankedStrings(), int16(year)}
	if mun != nil {
		sql += ` AND p.municipality_id = $3`
		args = append(args, *mun)
	}
	rows, err := f.db.Query(r.Context(), sql+` ORDER BY p.organisation_id LIMIT 5000`, args...)
	if err != nil {
		return err
	}
	items, err := pgx.CollectRows(rows, scanPlaces)
	if err != nil {
		return err
	}
	if items == nil {
		items = []submitapplicationapi.FirstGradePlaces{}
	}
	httpx.WriteJSON(w, http.StatusOK, submitapplicationapi.Page[submitapplicationapi.FirstGradePlaces]{Items: items})
	return nil
}

// putFirstGradePlaces: PUT /api/submit-application/first-grade/places
// {organisation_id, academic_year, places} — the school's administration
// or its municipality sets the planned places (0–1000) of this or a later
// year; the answer counts them as the list does.
func (f *Function) putFirstGradePlaces(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.FirstGradePlacesRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	if now := kuzbass.AcademicYearOf(time.Now()); in.AcademicYear < now || in.AcademicYear > now+2 {
		fe = append(fe, field("academic_year", errs.Range, "учебный год: текущий или один из двух следующих"))
	}
	if in.Places < 0 || in.Places > 1000 {
		fe = append(fe, field("places", errs.Range, "мест: от 0 до 1000"))
	}
	o, bad, err := f.organisation(ctx, "organisation_id", in.OrganisationID, "school", "школой")
	if err != nil {
		return err
	}
	if bad != nil {
		fe = append(fe, *bad)
	}
	if len(fe) > 0 {
		return errs.Fields("места не сохранены", fe...)
	}
	if err := Rules.Require(ctx, PermPlacesManage, access.Target{OrganisationIDs: []string{o.ID.String()}, MunicipalityIDs: []string{o.MunicipalityID.String()}}); err != nil {
		return err
	}
	by := ""
	if p := auth.PrincipalFrom(ctx); p != nil {
		by = p.Subject
	}
	if _, err := f.db.Exec(ctx, `INSERT INTO applications.first_grade_places (organisation_id, municipality_id, academic_year, places, set_by, set_at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (organisation_id, academic_year) DO UPDATE SET places = EXCLUDED.places, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
		o.ID, *o.MunicipalityID, int16(in.AcademicYear), in.Places, by); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, placesFrom+` WHERE p.organisation_id = $2 AND p.academic_year = $3`,
		rankedStrings(), o.ID, int16(in.AcademicYear))
	if err != nil {
		return err
	}
	out, err := pgx.CollectExactlyOneRow(rows, scanPlaces)
	return httpx.Reply(w, http.StatusOK, out, err)
}
