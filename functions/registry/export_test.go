package registry

import (
	"context"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// ResolveBothWays resolves p by the one-statement path and by the full
// transaction, for tests that hold the two to the same answer.
func (f *Function) ResolveBothWays(ctx context.Context, p *auth.Principal) (linked, full *access.Grants, linkedUsed bool, err error) {
	today := f.Time()
	_, linked, linkedUsed, err = f.resolveLinked(ctx, p, today)
	if err != nil {
		return nil, nil, false, err
	}
	_, full, err = f.resolveInTx(ctx, p, today)
	return linked, full, linkedUsed, err
}
