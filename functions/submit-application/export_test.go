package submitapplication

import (
	"net/http"
	"testing"

	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/function"
)

// System is EKO with every function mounted as the all-in-one process mounts
// them (ekotest), as this package's tests see it. They test the package's
// insides, so they are in the package, which ekotest imports: system_test.go,
// in the package's external tests, opens it for them (OpenSystem).
type System struct {
	Function     *Function
	Handler      http.Handler // every function's routes
	DB           *dbtest.Database
	Issuer       string
	Fixtures     *fixtures.Set
	Person       func(fixtures.Identity) string
	Organisation func(code string) string
	Municipality func(code string) string
	// Deliver delivers the outbox's pending events and returns how many.
	Deliver func() int
	// ServiceToken is an access token of a service account (EPGU's).
	ServiceToken func(clientID string) string
}

// OpenSystem opens a System on a fresh database seeded with the small region
// of the random seed, with the tunings applied.
var OpenSystem func(t testing.TB, seed uint64, tunings ...function.Tuning) System
