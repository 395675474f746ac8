package college

import (
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

const campaignColumns = `organisation_id, municipality_id, academic_year, to_char(opens_on, 'YYYY-MM-DD'), to_char(closes_on, 'YYYY-MM-DD'), max_choices`

func scanCampaign(row pgx.CollectableRow) (collegeapi.Campaign, error) {
	var c collegeapi.Campaign
	var year, max int16
	err := row.Scan(&c.OrganisationID, &c.MunicipalityID, &year, &c.OpensOn, &c.ClosesOn, &max)
	c.AcademicYear, c.MaxChoices = int(year), int(max)
	return c, err
}

// campaigns: GET /api/college/admission/campaigns?year= — public: the
// colleges' admission campaigns of a year (next September's by default).
func (f *Function) campaigns(w http.ResponseWriter, r *http.Request) error {
	var fe []errs.FieldError
	year := httpx.QueryYear(r.URL.Query(), kuzbass.AcademicYearOf(f.Time())+1, &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	rows, err := f.db.Query(r.Context(), `SELECT `+campaignColumns+` FROM college.campaigns WHERE academic_year = $1 ORDER BY organisation_id`, int16(year))
	return replyPage(w, rows, err, scanCampaign)
}

// setCampaign: PUT /api/college/admission/campaigns — the college's
// administration (or the ministry) sets when its campaign of a year takes
// applications and how many specialties one may name; setting it again
// moves the dates.
func (f *Function) setCampaign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in collegeapi.Campaign
	if err := httpx.DecodeJSON(w, r, &in, 2<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	opens, err1 := time.Parse(time.DateOnly, in.OpensOn)
	closes, err2 := time.Parse(time.DateOnly, in.ClosesOn)
	switch {
	case err1 != nil:
		fe = append(fe, errs.FieldError{Field: "opens_on", Code: errs.Format, Message: "дата начала приёма ГГГГ-ММ-ДД"})
	case err2 != nil:
		fe = append(fe, errs.FieldError{Field: "closes_on", Code: errs.Format, Message: "дата окончания приёма ГГГГ-ММ-ДД"})
	case closes.Before(opens):
		fe = append(fe, errs.FieldError{Field: "closes_on", Code: errs.Range, Message: "приём заканчивается не раньше, чем начинается"})
	case opens.Year() < in.AcademicYear-1 || closes.After(time.Date(in.AcademicYear, time.December, 31, 0, 0, 0, 0, time.UTC)):
		fe = append(fe, errs.FieldError{Field: "opens_on", Code: errs.Range, Message: "приём на учебный год идёт в пределах года его начала и предыдущего"})
	}
	if in.MaxChoices < 1 || in.MaxChoices > 5 {
		fe = append(fe, errs.FieldError{Field: "max_choices", Code: errs.Range, Message: "специальностей в одном заявлении: от 1 до 5"})
	}
	if now := kuzbass.AcademicYearOf(f.Time()); in.AcademicYear < now || in.AcademicYear > now+2 {
		fe = append(fe, errs.FieldError{Field: "academic_year", Code: errs.Range, Message: "учебный год: текущий или один из двух следующих"})
	}
	o, err := f.college(ctx, in.OrganisationID, &fe)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return errs.Fields("приёмная кампания не сохранена", fe...)
	}
	if err := Rules.Require(ctx, PermSpecialtyManage, access.Target{OrganisationIDs: []string{o.ID.String()}, MunicipalityIDs: []string{o.MunicipalityID.String()}}); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `INSERT INTO college.campaigns (organisation_id, academic_year, municipality_id, opens_on, closes_on, max_choices, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())
		ON CONFLICT (organisation_id, academic_year) DO UPDATE SET opens_on = EXCLUDED.opens_on, closes_on = EXCLUDED.closes_on, max_choices = EXCLUDED.max_choices
		RETURNING `+campaignColumns, o.ID, int16(in.AcademicYear), *o.MunicipalityID, opens, closes, int16(in.MaxChoices), auth.PrincipalFrom(ctx).Subject)
	if err != nil {
		return err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	return httpx.Reply(w, http.StatusOK, c, err)
}
