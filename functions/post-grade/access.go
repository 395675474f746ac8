package postgrade

import (
	"net/http"
	"slices"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/httpx"
)

// myAccess: GET /api/post-grade/access — what the caller may open in the
// journal, decided by Rules from the caller's grants (any signed-in caller
// may ask; one who may open nothing gets all false).
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := f.policy.Load(ctx); err != nil {
		return err
	}
	a := postgradeapi.Access{
		Teaches: !Rules.Reach(ctx, PermOwnLessons).None(),
		Diary:   slices.Contains(Rules.Reach(ctx, PermDiaryRead).Persons, callerOf(ctx).person.String()),
	}
	if sum := Rules.Reach(ctx, PermAggregates); !sum.None() {
		a.Summary = &postgradeapi.Oversight{Region: sum.Region, Municipalities: uuids(sum.Municipalities), Organisations: uuids(sum.Organisations)}
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

// uuids parses a reach's ids (the registry's grants hold them as text).
func uuids(ids []string) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, s := range ids {
		if id, err := uuid.Parse(s); err == nil {
			out = append(out, id)
		}
	}
	return out
}
