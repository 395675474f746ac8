// Package college is the college function: the vocational colleges'
// module of EKO. This first part keeps each college's specialties of an
// academic year's admission — the federal list's code and title, the study
// form, the basis, the budget and paid places, the entrance test — public
// to read (the public site shows them on a college's card), set by the
// college's administration or the ministry.
//
// Guarantees:
//
//   - A specialty is a college's (the registry says the organisation is
//     one) and is there once per year, code, form and basis.
//   - Nothing of a person.
package college

import (
	"context"
	"embed"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = collegeapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "college").
func Schema() db.Schema { return db.EmbeddedSchema("college", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// PermSpecialtyManage: open admission to a college's specialty (the
// college's administration; the ministry, which founds the region's
// colleges).
const PermSpecialtyManage auth.Permission = "college.specialty.manage"

// Rules is this function's part of the access policy.
var Rules = access.Rules{PermSpecialtyManage: {access.Director, access.DeputyDirector, access.MinistryOfficial}}

// Options are the function's settings.
type Options struct {
	// Registry says what an organisation is. Required to open specialties.
	Registry *registryapi.Client `ignored:"true"`
}

// Part is how a process mounts college: after the registry.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
		opts.Registry = registryapi.New(reg)
	}
	return nil
}, Mount)

// New returns college as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the college Knative function.
type Function struct {
	function.Lifecycle
	function.Clock

	db       *pgxpool.Pool
	registry *registryapi.Client
	router   *httpx.Router
}

// Mount serves the function's API on deps.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{db: deps.DB, registry: opts.Registry}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&collegeapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/specialties", auth.Public, f.specialties)
	rt.Handle(http.MethodPost, api+"/specialties", PermSpecialtyManage, f.addSpecialty)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
