// Package ekotest is EKO as its tests meet it: every function mounted through
// eko.Mount, exactly as the all-in-one process mounts them, on a fresh
// database seeded with the small synthetic region and the fixture identities,
// verifying tokens of a real development identity provider. The outbox
// relay's loop is off: a test delivers events when it chooses (Deliver).
package ekotest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/kuzbass/eko"
	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
	"github.com/kuzbass/eko/functions/portal"
	"github.com/kuzbass/eko/functions/registry"
	submitapplication "github.com/kuzbass/eko/functions/submit-application"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/pdata"
)

// PDataConfig is the development key set every world seals personal data with.
var PDataConfig = pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey}

// Options shape a world.
type Options struct {
	// Seed is the random seed of the small region (a different seed, another region).
	Seed uint64
	// Today is the day the region is seeded for (ages, the school year); now when zero.
	Today time.Time
	// IdP configures the identity provider: a client secret and the redirect
	// URIs of a test that signs in through the browser flow.
	IdP devidp.Config
	// Tunings change functions' settings after the world's own (see Open).
	Tunings []function.Tuning
	// Year loads the region's school year up to Today into the journal and
	// the services' history into submit-application, as `eko seed` does
	// (periods, lessons, marks, attendance; applications, the queue, an
	// allocation).
	Year bool
	// Empty leaves the registry empty (no region, no fixture people): for
	// tests that build the people and organisations they count.
	Empty bool
	// Auth, when set, is the issuer whose tokens the world verifies instead
	// of the development identity provider's (a test that mints ESIA
	// accounts of its own; Token and ServiceToken are then not available).
	Auth *auth.Config
}

// World is the mounted system and what a test needs around it.
type World struct {
	*eko.System
	DB       *dbtest.Database
	Deps     *function.Deps
	Fixtures *fixtures.Set
	PData    *pdata.Protector
	Issuer   string // the development identity provider
	tokens   map[string]string
}

// Open migrates every schema on a fresh database, seeds the small region
// (unless opts.Empty),
// announces its enrollments (the relay delivers them: the journal's roster
// is filled), starts the identity provider and mounts every function. Every
// function seals personal data with PDataConfig, submit-application
// runs no queue maintenance in the background and the relay no loop; then
// opts.Tunings apply. A failed delivery is retried a millisecond later.
func Open(t testing.TB, opts Options) *World {
	t.Helper()
	ctx := context.Background()
	w := &World{DB: dbtest.MustOpen(t, eko.Schemas()...), Fixtures: fixtures.MustLoad(), tokens: map[string]string{}}
	var err error
	if w.PData, err = pdata.Open(PDataConfig); err != nil {
		t.Fatal(err)
	}
	today := opts.Today
	if today.IsZero() {
		today = time.Now()
	}
	if !opts.Empty {
		st, err := eko.SeedSmall(ctx, w.DB.Pool, w.PData, w.Fixtures, opts.Seed, today)
		if err != nil {
			t.Fatal(err)
		}
		if opts.Year {
			if err := eko.SeedYear(ctx, w.DB.Pool, st, opts.Seed, today); err != nil {
				t.Fatal(err)
			}
		}
	}
	verify := auth.Config{Audience: "eko"}
	if opts.Auth != nil {
		verify = *opts.Auth
	} else {
		verify.Issuer = devidptest.Start(t, opts.IdP, w.Fixtures)
	}
	w.Issuer = verify.Issuer
	if w.Deps, err = function.DepsOf(w.DB.Pool, verify, slog.Default()); err != nil {
		t.Fatal(err)
	}
	tunings := append([]function.Tuning{
		function.Tune(outboxrelay.Name, func(o *outboxrelay.Options) {
			o.Run = false
			o.Relay.BackoffBase, o.Relay.BackoffMax = time.Millisecond, time.Millisecond
		}),
		function.Tune(submitapplication.Name, func(o *submitapplication.Options) { o.Queue.MaintainEvery, o.PData = -1, PDataConfig }),
		function.Tune(registry.Name, func(o *registry.Options) { o.PData = PDataConfig }),
		function.Tune(portal.Name, func(o *portal.Options) { o.PData = PDataConfig }),
	}, opts.Tunings...)
	if w.System, err = eko.Mount(ctx, w.Deps, eko.Options{Tunings: tunings}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.System.Stop(context.Background()) })
	t.Cleanup(func() { w.checkDeclared(t) })
	w.Deliver(t)
	return w
}

// checkDeclared fails the test when a function refused with anything its
// api package does not declare (function.Declaring): a code, a reason, a
// field error's code, a problem member.
func (w *World) checkDeclared(t testing.TB) {
	t.Helper()
	declaring := 0
	for _, p := range eko.Parts {
		d, ok := w.Function(p.Name).(function.Declaring)
		if !ok {
			continue
		}
		declaring++
		for _, u := range d.Undeclared() {
			t.Errorf("%s refused with what its api does not declare: %s", p.Name, u)
		}
	}
	if declaring == 0 {
		t.Error("no mounted function declares its problems")
	}
}

// SetClock sets the clock of the mounted function name (function.Clock):
// the time its rules read as now (nil: the real time again).
func (w *World) SetClock(t testing.TB, name string, now func() time.Time) {
	t.Helper()
	f, ok := w.Function(name).(interface{ SetClock(func() time.Time) })
	if !ok {
		t.Fatalf("function %s has no clock to set", name)
	}
	f.SetClock(now)
}

// Deliver delivers every pending event to its consumers and returns how many.
func (w *World) Deliver(t testing.TB) int {
	t.Helper()
	n, err := w.DeliverPending(context.Background())
	if err != nil {
		t.Fatalf("deliver the outbox: %v", err)
	}
	return n
}

// Token is an access token of the fixture login, from the identity provider
// (the same token each time in a world, so the registry's grants cache
// behaves as for one signed-in user).
func (w *World) Token(t testing.TB, login string) string {
	t.Helper()
	if w.tokens[login] == "" {
		w.tokens[login] = devidptest.Token(t, w.Issuer, login)
	}
	return w.tokens[login]
}

// ServiceToken is an access token of the service account clientID (client
// credentials, as EPGU's adapter or the broker signs in).
func (w *World) ServiceToken(t testing.TB, clientID string) string {
	t.Helper()
	a, ok := w.Fixtures.ServiceAccount(clientID)
	if !ok {
		t.Fatalf("no service account %q among the fixtures", clientID)
	}
	cc := clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.Secret, TokenURL: w.Issuer + "/oauth/token"}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials of %s: %v", clientID, err)
	}
	return tok.AccessToken
}

// Call serves one request as login ("": without a token) and returns the answer.
func (w *World) Call(t testing.TB, login string, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+w.Token(t, login))
	}
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, req)
	return rec
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
