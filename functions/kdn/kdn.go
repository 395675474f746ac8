// Package kdn is the kdn function: the municipal juvenile-affairs
// commissions' (КДН и ЗП) cases of pupils, opened by the journal's chronic
// absence signal or by a school's referral, decided by the commission with
// measures and deadlines, reported on by the school, closed.
//
// Guarantees:
//
//   - A pupil has at most one open case; a new signal joins it. An event
//     opens or joins a case once, whatever the redeliveries.
//   - A case is reached only by its municipality's commission and, for
//     referrals and reports, by its school's administration; a parent
//     learns only that it exists and its state. Nobody else — neither the
//     ministry nor the education authority — reaches it.
//   - Every read of a case and every step is in the pupil's audit log; the
//     events carry ids and states, never the pupil's data or the notes.
//   - A step names the version seen: a stale one is a 409.
package kdn

import (
	"context"
	"embed"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = kdnapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "kdn").
func Schema() db.Schema { return db.EmbeddedSchema("kdn", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings.
type Options struct {
	// Registry says where a case's school is (its municipality), asked with
	// the reader's token. Required to reach cases.
	Registry *registryapi.Client `ignored:"true"`
}

// Part is how a process mounts kdn: after the registry, whose grants it
// decides by.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
		opts.Registry = registryapi.New(reg)
	}
	return nil
}, Mount)

// New returns kdn as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the kdn Knative function.
type Function struct {
	function.Lifecycle
	function.Clock

	db       *pgxpool.Pool
	policy   *access.Policy
	outbox   *outbox.Writer
	registry *registryapi.Client
	router   *httpx.Router
}

// Mount serves the function's API on deps.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{db: deps.DB, policy: deps.Policy, outbox: deps.Outbox, registry: opts.Registry}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&kdnapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodGet, api+"/cases", auth.Authenticated, f.cases)
	rt.Handle(http.MethodGet, api+"/export", PermCase, f.export)
	rt.Handle(http.MethodGet, api+"/cases/{id}", auth.Authenticated, httpx.ByID(httpx.PathUUID, f.caseByID))
	rt.Handle(http.MethodPost, api+"/cases/{id}/decisions", PermCase, httpx.ByID(httpx.PathUUID, f.decide))
	rt.Handle(http.MethodPost, api+"/cases/{id}/close", PermCase, httpx.ByID(httpx.PathUUID, f.closeCase))
	rt.Handle(http.MethodPost, api+"/cases/{id}/reports", PermRefer, httpx.ByID(httpx.PathUUID, f.report))
	rt.Handle(http.MethodPost, api+"/referrals", PermRefer, f.refer)
	rt.Handle(http.MethodGet, api+"/children/{id}/referrals", PermChild, httpx.ByID(httpx.PathUUID, f.childReferrals))
	rt.Handle(http.MethodPost, api+"/events", auth.EventDelivery, f.receive)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
