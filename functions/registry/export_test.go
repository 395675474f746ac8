package registry

import (
	"context"
	"testing"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db/dbtest"
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

// System is EKO with every function mounted as the all-in-one process mounts
// them (ekotest), as this package's internal tests see it: they are in the
// package, which ekotest imports, so system_test.go, an external test file,
// opens it for them (OpenSystem).
type System struct {
	Function *Function
	DB       *dbtest.Database
}

// OpenSystem opens a System with an empty registry on a fresh database,
// verifying tokens of the issuer verify names (a test's own ESIA accounts).
var OpenSystem func(t testing.TB, verify auth.Config) System
