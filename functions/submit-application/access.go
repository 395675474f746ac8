package submitapplication

import (
	"net/http"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/httpx"
)

// myAccess: GET /api/submit-application/access — what the caller may do with
// the education services, decided by Rules from the caller's grants (any
// signed-in caller may ask).
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	read := Rules.Reach(ctx, PermRead)
	return httpx.Reply(w, http.StatusOK, submitapplicationapi.Access{
		Applies:   !Rules.Reach(ctx, PermSubmit).None(),
		Processes: read.Region || len(read.Municipalities) > 0 || len(read.Organisations) > 0,
		Allocates: access.IDs(Rules.Reach(ctx, PermAllocationRun).Municipalities),
	}, err)
}
