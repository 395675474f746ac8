// Package collectreport is the collect-report function: the ministry's data
// collection from the region's organisations — forms as data (sections,
// fixed tables, typed cells, rules in CEL), and on them campaigns,
// prefilled submissions, review up the hierarchy and consolidation.
//
// Guarantees (so far: forms as data):
//
//   - A definition is stored only when it compiles (package form): every
//     error in it is reported at once by its JSON path, and nothing is
//     written.
//   - Each upload of a form's code is its next version, immutable: a
//     campaign that pins a version keeps the form it opened with.
package collectreport

import (
	"context"
	"embed"
	"net/http"
	"sync"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = collectreportapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "reports").
func Schema() db.Schema { return db.EmbeddedSchema("reports", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings.
type Options struct {
	// Registry names a campaign's target organisations and counts what
	// forms prefill from it. Required to open one.
	Registry *registryapi.Client `ignored:"true"`
	// PostGrade answers the journal's aggregates forms prefill from;
	// without it such a form's campaign does not open.
	PostGrade *postgradeapi.Client `ignored:"true"`
	// SubmitApplication counts the kindergarten queues forms prefill from;
	// without it such a form's campaign does not open.
	SubmitApplication *submitapplicationapi.Client `ignored:"true"`
}

// Part is how a process mounts collect-report: after the registry, whose
// grants it decides by.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
		opts.Registry = registryapi.New(reg)
	}
	if pg := sys.Peer(postgradeapi.Name); pg != nil {
		opts.PostGrade = postgradeapi.New(pg)
	}
	if sa := sys.Peer(submitapplicationapi.Name); sa != nil {
		opts.SubmitApplication = submitapplicationapi.New(sa)
	}
	return nil
}, Mount)

// New returns collect-report as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the collect-report Knative function.
type Function struct {
	function.Lifecycle
	function.Clock

	db       *pgxpool.Pool
	policy   *access.Policy
	outbox   *outbox.Writer
	registry *registryapi.Client
	journal  *postgradeapi.Client
	services *submitapplicationapi.Client
	router   *httpx.Router
	forms    sync.Map // "code/version" → *form.Form: stored versions, compiled
}

// Mount serves the function's API on deps.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{db: deps.DB, policy: deps.Policy, outbox: deps.Outbox, registry: opts.Registry, journal: opts.PostGrade, services: opts.SubmitApplication}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&collectreportapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodPost, api+"/definitions/preview", PermDefine, f.preview)
	rt.Handle(http.MethodPost, api+"/definitions", PermDefine, f.define)
	rt.Handle(http.MethodGet, api+"/definitions", PermRead, f.definitions)
	rt.Handle(http.MethodGet, api+"/definitions/{code}/versions/{version}", PermRead, f.definition)
	rt.Handle(http.MethodPost, api+"/campaigns", PermCampaign, f.createCampaign)
	rt.Handle(http.MethodGet, api+"/campaigns", PermRead, f.campaigns)
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodPost, api+"/campaigns/{id}/open", PermCampaign, httpx.ByID(httpx.PathUUID, f.openCampaign))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/submissions", PermRead, httpx.ByID(httpx.PathUUID, f.submissionsOf))
	rt.Handle(http.MethodGet, api+"/submissions/{id}", PermRead, httpx.ByID(httpx.PathUUID, f.submission))
	rt.Handle(http.MethodPut, api+"/submissions/{id}", PermFill, httpx.ByID(httpx.PathUUID, f.save))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/submit", PermFill, httpx.ByID(httpx.PathUUID, f.submit))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/prefill", PermFill, httpx.ByID(httpx.PathUUID, f.refill))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/return", PermReview, httpx.ByID(httpx.PathUUID, f.returnCells))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/approve", PermReview, httpx.ByID(httpx.PathUUID, f.approve))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/reopen", PermReview, httpx.ByID(httpx.PathUUID, f.reopen))
	rt.Handle(http.MethodGet, api+"/submissions/{id}/reviews", PermRead, httpx.ByID(httpx.PathUUID, f.reviews))
	rt.Handle(http.MethodGet, api+"/submissions/{id}/template.xlsx", PermRead, httpx.ByID(httpx.PathUUID, f.template))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/upload", PermFill, httpx.ByID(httpx.PathUUID, f.upload))
	rt.Handle(http.MethodPost, api+"/campaigns/{id}/drift", PermCampaign, httpx.ByID(httpx.PathUUID, f.checkDrift))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/territories", PermReview, httpx.ByID(httpx.PathUUID, f.territories))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/territories/{municipality}", PermReview, httpx.ByID(httpx.PathUUID, f.territory))
	rt.Handle(http.MethodPost, api+"/campaigns/{id}/territories/{municipality}/submit", PermConsolidate, httpx.ByID(httpx.PathUUID, f.sendTerritory))
	rt.Handle(http.MethodPost, api+"/campaigns/{id}/territories/{municipality}/approve", PermCampaign,
		httpx.ByID(httpx.PathUUID, f.decideTerritory(collectreportapi.Approved)))
	rt.Handle(http.MethodPost, api+"/campaigns/{id}/territories/{municipality}/return", PermCampaign,
		httpx.ByID(httpx.PathUUID, f.decideTerritory(collectreportapi.Returned)))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/dashboard", PermReview, httpx.ByID(httpx.PathUUID, f.dashboard))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/consolidation", PermReview, httpx.ByID(httpx.PathUUID, f.consolidation))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/export.xlsx", PermReview, httpx.ByID(httpx.PathUUID, f.exportXLSX))
	rt.Handle(http.MethodGet, api+"/campaigns/{id}/export.csv", PermReview, httpx.ByID(httpx.PathUUID, f.exportCSV))
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
