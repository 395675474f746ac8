package college

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// access: GET /api/college/access — what the caller does in the colleges'
// admission: applies (holding an applicant's or a parent's grant while a
// campaign takes applications), and the colleges whose admissions the
// caller runs (an office's grant at an organisation that admits to
// specialties).
func (f *Function) access(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := f.policy.Load(ctx); err != nil {
		return err
	}
	out := collegeapi.Access{Offices: []uuid.UUID{}}
	today := kuzbass.Date(f.Time())
	if len(Rules.Reach(ctx, PermApply).Persons) > 0 {
		if err := f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM college.campaigns WHERE opens_on <= $1 AND closes_on >= $1)`, today).Scan(&out.Applies); err != nil {
			return err
		}
	}
	if orgs := Rules.Reach(ctx, PermAdmissionManage).Organisations; len(orgs) > 0 {
		rows, err := f.db.Query(ctx, `SELECT DISTINCT organisation_id FROM college.specialties WHERE organisation_id = ANY($1::uuid[]) AND academic_year >= $2
			ORDER BY organisation_id`, orgs, int16(kuzbass.AcademicYearOf(today)))
		if err != nil {
			return err
		}
		if out.Offices, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
			return err
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
