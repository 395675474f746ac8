package issuehomework

import (
	"net/http"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/httpx"
)

// myAccess: GET /api/issue-homework/access — what the caller may open of
// homework: whether one issues it (a teacher) and whose homework one follows
// (oneself, the children).
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	a := issuehomeworkapi.Access{
		Issues: !Rules.Reach(ctx, PermIssue).None(),
		Pupils: access.IDs(Rules.Reach(ctx, PermRead).Persons),
	}
	return httpx.Reply(w, http.StatusOK, a, err)
}
