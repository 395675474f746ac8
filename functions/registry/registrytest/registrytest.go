// Package registrytest starts the registry as the all-in-one process mounts
// it — on a fresh database seeded with the small synthetic region and the
// fixture identities, verifying tokens of a real development identity
// provider — for the tests of functions that ask the registry.
package registrytest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/functions/registry/seed"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/shared/platform"
)

// World is the mounted registry, its database and what the functions under
// test mount next to it: the same deps (pool, policy fed by the registry,
// outbox, guard).
type World struct {
	DB          *dbtest.Database
	PDataConfig pdata.Config
	PData       *pdata.Protector
	Fixtures    *fixtures.Set
	Issuer      string // the development identity provider
	Deps        *function.Deps
	Registry    *registry.Function
}

// Open migrates platform, the registry and schemas on a fresh database,
// seeds the small region with the random seed seedNo, starts the identity
// provider and mounts the registry.
func Open(t testing.TB, seedNo uint64, schemas ...db.Schema) *World {
	t.Helper()
	return OpenWith(t, seedNo, devidp.Config{}, schemas...)
}

// OpenWith is Open with the identity provider configured by idp (a client
// secret and redirect URIs for a test that signs in through the browser
// flow); its Issuer and Addr are the listener's.
func OpenWith(t testing.TB, seedNo uint64, idp devidp.Config, schemas ...db.Schema) *World {
	t.Helper()
	ctx := context.Background()
	w := &World{DB: dbtest.MustOpen(t, append([]db.Schema{platform.Schema(), registry.Schema()}, schemas...)...),
		PDataConfig: pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey}, Fixtures: fixtures.MustLoad()}
	var err error
	if w.PData, err = pdata.Open(w.PDataConfig); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, w.DB.Pool, w.PData, w.Fixtures, seed.Options{Scale: seed.Small, Today: time.Now(), Seed: seedNo}); err != nil {
		t.Fatal(err)
	}
	w.Issuer = devidptest.Start(t, idp, w.Fixtures)
	policy := access.NewPolicy(nil)
	w.Deps = &function.Deps{DB: w.DB.Pool, Policy: policy, Outbox: outbox.New(events.Default()), Log: slog.Default(),
		Guard: &auth.Guard{Verifier: auth.NewVerifier(auth.Config{Issuer: w.Issuer, Audience: "eko"}), Policy: policy}}
	w.Registry = registry.New()
	policy.SetSource(w.Registry)
	if err := w.Registry.Mount(ctx, w.Deps, w.PDataConfig); err != nil {
		t.Fatal(err)
	}
	return w
}

// Person is the registry id of a fixture identity.
func (w *World) Person(t testing.TB, i fixtures.Identity) string {
	t.Helper()
	digits, _ := pdata.NormalizeSNILS(i.SNILS)
	return w.id(t, `SELECT id::text FROM registry.people WHERE snils_hash = $1`, w.PData.Hash("snils", digits))
}

// Organisation is the id of the organisation with a seed code ("school-1-kemerovo").
func (w *World) Organisation(t testing.TB, code string) string {
	t.Helper()
	return w.id(t, `SELECT id::text FROM registry.organisations WHERE code = $1`, code)
}

// Municipality is the id of the municipality with a seed code ("kemerovo").
func (w *World) Municipality(t testing.TB, code string) string {
	t.Helper()
	return w.id(t, `SELECT id::text FROM registry.municipalities WHERE code = $1`, code)
}

func (w *World) id(t testing.TB, query string, arg any) string {
	t.Helper()
	var id string
	if err := w.DB.Pool.QueryRow(context.Background(), query, arg).Scan(&id); err != nil {
		t.Fatalf("%s (%v): %v", query, arg, err)
	}
	return id
}
