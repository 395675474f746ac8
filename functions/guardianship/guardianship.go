// Package guardianship is the guardianship function: the guardianship
// authority's workplace for the children under its acts — under
// guardianship, in foster families, in an organisation's care.
//
// Guarantees:
//
//   - Its wards are the registry's: a guardian's or a foster parent's link,
//     a placement, as the registry announces them; where they study, as the
//     registry's enrollments say. It reads no other function's tables.
//   - A signal about a ward raises a task with a deadline: the journal's
//     chronic absence; term marks at or below the threshold in a period
//     (closed by itself when they are corrected); an enrollment ended with no new one within the days
//     allowed (a new enrollment closes that task). Each signal once, whatever
//     the redeliveries. Signals about other children are not kept.
//   - Only the guardianship officials of the municipality where the ward
//     studies reach the ward (the registry decides, with the official's
//     token); every read and note is in the ward's audit log.
package guardianship

import (
	"context"
	"embed"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = guardianshipapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "guardianship").
func Schema() db.Schema { return db.EmbeddedSchema("guardianship", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings.
type Options struct {
	// NoSchoolDays is how long a ward may stay without an enrollment after
	// one ends before the task is due.
	NoSchoolDays int `envconfig:"GUARDIANSHIP_NO_SCHOOL_DAYS" default:"10"`
	// AbsenceDays is the deadline of a chronic absence's task.
	AbsenceDays int `envconfig:"GUARDIANSHIP_ABSENCE_DAYS" default:"7"`
	// LowMark is the highest term mark that raises a «low marks» task (a
	// failed pass raises it too).
	LowMark int `envconfig:"GUARDIANSHIP_LOW_MARK" default:"2"`
	// LowMarkDays is the deadline of a «low marks» task.
	LowMarkDays int `envconfig:"GUARDIANSHIP_LOW_MARK_DAYS" default:"14"`
	// Registry names the wards of a municipality and shows a ward's card,
	// asked with the official's token. Required to reach wards.
	Registry *registryapi.Client `ignored:"true"`
}

// Part is how a process mounts guardianship: after the registry, whose
// grants it decides by.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
		opts.Registry = registryapi.New(reg)
	}
	return nil
}, Mount)

// New returns guardianship as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the guardianship Knative function.
type Function struct {
	function.Lifecycle
	function.Clock

	db       *pgxpool.Pool
	policy   *access.Policy
	outbox   *outbox.Writer
	registry *registryapi.Client
	opts     Options
	router   *httpx.Router
}

// Mount serves the function's API on deps.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	if opts.NoSchoolDays <= 0 {
		opts.NoSchoolDays = 10
	}
	if opts.AbsenceDays <= 0 {
		opts.AbsenceDays = 7
	}
	if opts.LowMark <= 0 {
		opts.LowMark = 2
	}
	if opts.LowMarkDays <= 0 {
		opts.LowMarkDays = 14
	}
	f := &Function{db: deps.DB, policy: deps.Policy, outbox: deps.Outbox, registry: opts.Registry, opts: opts}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&guardianshipapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodGet, api+"/wards", PermWard, f.wards)
	rt.Handle(http.MethodGet, api+"/wards/{id}", PermWard, httpx.ByID(httpx.PathUUID, f.ward))
	rt.Handle(http.MethodPost, api+"/wards/{id}/notes", PermWard, httpx.ByID(httpx.PathUUID, f.addNote))
	rt.Handle(http.MethodPost, api+"/tasks/{id}/done", PermWard, f.done)
	rt.Handle(http.MethodPost, api+"/events", auth.EventDelivery, f.receive)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
