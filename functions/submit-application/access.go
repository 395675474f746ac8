package submitapplication

import (
	"net/http"

	"github.com/google/uuid"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/httpx"
)

// myAccess: GET /api/submit-application/access — what the caller may do with
// the education services, decided by Rules from the caller's grants (any
// signed-in caller may ask).
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := f.policy.Load(ctx); err != nil {
		return err
	}
	read := Rules.Reach(ctx, PermRead)
	a := submitapplicationapi.Access{
		Applies:   !Rules.Reach(ctx, PermSubmit).None(),
		Processes: read.Region || len(read.Municipalities) > 0 || len(read.Organisations) > 0,
		Allocates: []uuid.UUID{},
	}
	for _, m := range Rules.Reach(ctx, PermAllocationRun).Municipalities {
		if id, err := uuid.Parse(m); err == nil {
			a.Allocates = append(a.Allocates, id)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}
