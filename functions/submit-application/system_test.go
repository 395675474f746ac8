package submitapplication_test

import (
	"testing"

	"github.com/kuzbass/eko/ekotest"
	submitapplication "github.com/kuzbass/eko/functions/submit-application"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/function"
)

func init() {
	submitapplication.OpenSystem = func(t testing.TB, seed uint64, tunings ...function.Tuning) submitapplication.System {
		w := ekotest.Open(t, ekotest.Options{Seed: seed, Tunings: tunings})
		return submitapplication.System{
			Function: w.Function(submitapplication.Name).(*submitapplication.Function),
			Handler:  w, DB: w.DB, Issuer: w.Issuer, Fixtures: w.Fixtures,
			Person:       func(i fixtures.Identity) string { return w.Person(t, i) },
			Organisation: func(code string) string { return w.Organisation(t, code) },
			Municipality: func(code string) string { return w.Municipality(t, code) },
			Deliver:      func() int { return w.Deliver(t) },
			ServiceToken: func(clientID string) string { return w.ServiceToken(t, clientID) },
		}
	}
}
