package postgrade

import (
	"net/http"
	"slices"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/httpx"
)

// myAccess: GET /api/post-grade/access — what the caller may open in the
// journal, decided by Rules from the caller's grants (any signed-in caller
// may ask; one who may open nothing gets all false).
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	a := postgradeapi.Access{
		Teaches: !Rules.Reach(ctx, PermOwnLessons).None(),
		Diary:   slices.Contains(Rules.Reach(ctx, PermDiaryRead).Persons, callerOf(ctx).person.String()),
	}
	if sum := Rules.Reach(ctx, PermAggregates); !sum.None() {
		a.Summary = &postgradeapi.Oversight{Region: sum.Region, Municipalities: access.IDs(sum.Municipalities), Organisations: access.IDs(sum.Organisations)}
	}
	return httpx.Reply(w, http.StatusOK, a, err)
}
