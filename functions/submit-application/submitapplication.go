// Package submitapplication is the submit-application function: state and
// municipal education services — the kindergarten queue, first-grade enrollment
// and additional-education enrollment — with intake from the parent's cabinet
// (HTTP) and from the federal portal EPGU (CloudEvents), statuses that staff move
// along a transition table, and status events carrying EPGU status codes.
//
// Guarantees:
//
//   - An acknowledged application is durable: the application, its first status
//     and its application.submitted event commit in one transaction, with
//     synchronous_commit on, before the answer.
//   - Exactly once per submission: a cabinet submission is keyed by the
//     applicant and the Idempotency-Key header, an EPGU one by the EPGU order id;
//     concurrent retries insert one row (INSERT … ON CONFLICT), and a retry with
//     the same body returns the same application.
//   - One active application per child and service target (a school, a
//     municipal kindergarten queue, a programme), enforced by a partial unique
//     index, not by a check that races.
//   - Fair order: the receipt time is the database clock inside the writing
//     transaction, and a sequence breaks ties; a first-grade window is checked
//     against the same clock in the same statement.
//   - People and organisations are read through the registry's API (the
//     parent's child grants carry the birth date), never its tables.
package submitapplication

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "submit-application"

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "applications").
func Schema() db.Schema {
	return db.EmbeddedSchema("applications", migrations, "migrations")
}

// Schemas are the function's own schemas, in order (the all-in-one migrate
// command applies platform first).
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings and the registry it asks.
type Options struct {
	PData  pdata.Config
	Limits Limits
	Queue  QueueOptions
	EPGU   EPGUConfig
	// Registry answers who callers are and which organisations exist.
	Registry *registryapi.Client `ignored:"true"`
}

// Part is how a process mounts submit-application: after the registry.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	reg := sys.Peer(registryapi.Name)
	if reg == nil {
		return fmt.Errorf("%s is not set: the registry answers who callers are and which organisations exist", function.URLVariable(registryapi.Name))
	}
	registryapi.GrantsFrom(deps.Policy, reg)
	opts.Registry = registryapi.New(reg)
	return nil
}, Mount)

// New returns submit-application as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the submit-application Knative function.
type Function struct {
	function.Lifecycle
	// Clock: validation (ages, open windows); tests set its Now. Receipt
	// times and the authoritative window check use the database clock.
	function.Clock

	db        *pgxpool.Pool
	policy    *access.Policy // loads grants for the access answer
	outbox    *outbox.Writer
	pdata     *pdata.Protector
	orgs      *organisations
	router    *httpx.Router
	windows   windowCache
	admit     *admission
	committer *committer
	epgu      *epguStatus

	siblingsMu        sync.Mutex
	siblingsCheckedOn string // the Kemerovo day Maintain last checked sibling rights
}

// Mount serves the function's API on deps; opts.Registry must be set.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if opts.Registry == nil {
		return nil, fmt.Errorf("%s: no registry to ask", Name)
	}
	p, err := pdata.Open(opts.PData)
	if err != nil {
		return nil, err
	}
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{db: deps.DB, policy: deps.Policy, outbox: deps.Outbox, pdata: p, orgs: &organisations{registry: opts.Registry}}
	if f.epgu, err = newEPGUStatus(opts.EPGU, deps.Log); err != nil {
		return nil, err
	}
	f.windows.db = deps.DB
	f.admit = newAdmission(opts.Limits)
	f.committer = newCommitter(f, opts.Limits.writers(), opts.Limits.batchRows(), f.admit.capacity())
	f.OnStop(f.committer.close)

	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&submitapplicationapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodPost, api+"/applications", PermSubmit, f.submit)
	rt.Handle(http.MethodGet, api+"/applications", PermRead, f.list)
	rt.Handle(http.MethodGet, api+"/applications/{id}", PermRead, httpx.ByID(uuidParam, f.get))
	rt.Handle(http.MethodPost, api+"/applications/{id}/status", PermStatus, f.changeStatus)
	rt.Handle(http.MethodGet, api+"/first-grade/{school_id}/ranking", auth.Public, f.ranking)
	rt.Handle(http.MethodPost, api+"/events", auth.EventDelivery, f.receive)
	f.mountKindergarten(rt, api, opts.Queue, deps.Log)
	f.mountServices(rt, api)
	f.router = rt
	f.Serve(f.admit.writes(rt, api+"/applications", api+"/events"))
	return f, nil
}

// mountServices serves the first-grade windows, the additional-education
// programmes and certificates, and the service accounting.
func (f *Function) mountServices(rt *httpx.Router, api string) {
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodGet, api+"/windows", auth.Public, f.listWindows)
	rt.Handle(http.MethodPut, api+"/windows", PermWindowsManage, f.putWindow)
	rt.Handle(http.MethodGet, api+"/first-grade/places", auth.Public, f.listFirstGradePlaces)
	rt.Handle(http.MethodPut, api+"/first-grade/places", PermPlacesManage, f.putFirstGradePlaces)
	rt.Handle(http.MethodGet, api+"/programmes", auth.Public, f.listProgrammes) // the catalogue: public
	rt.Handle(http.MethodPost, api+"/programmes", PermProgrammeManage, f.createProgramme)
	rt.Handle(http.MethodPatch, api+"/programmes/{id}", PermProgrammeManage, httpx.ByID(uuidParam, f.changeProgramme))
	rt.Handle(http.MethodPost, api+"/certificates", PermCertificateIssue, f.issueCertificate)
	rt.Handle(http.MethodGet, api+"/certificates", PermCertificateRead, f.getCertificate)
	rt.Handle(http.MethodGet, api+"/statistics", PermStatistics, f.statistics)
	rt.Handle(http.MethodPost, api+"/counts", PermCounts, f.counts)
	rt.Handle(http.MethodGet, api+"/statistics.xlsx", PermStatistics, f.statisticsXLSX)
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
