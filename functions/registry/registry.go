// Package registry is the registry function: the single regional database of
// municipalities, organisations, people (digital profiles), classes and groups,
// staff roles, enrollments and parent–child links; it matches ESIA accounts to
// people and derives every caller's roles and scopes, which all other functions
// ask it for.
package registry

import (
	"context"
	"embed"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = registryapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the registry's migrations.
func Schema() db.Schema {
	return db.EmbeddedSchema("registry", migrations, "migrations")
}

// Options are the registry's settings.
type Options struct {
	PData pdata.Config
}

// Part is how a process mounts the registry: first, since every other
// function asks it who its callers are.
var Part = function.PartOf(Name, Schemas(), nil, Mount)

// New returns the registry as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the registry Knative function.
type Function struct {
	function.Lifecycle
	// Clock: dates of memberships are compared with it; tests set its Now.
	function.Clock

	db     *pgxpool.Pool
	outbox *outbox.Writer
	pdata  *pdata.Protector
	router *httpx.Router
	grants access.GrantCache // Max set in New
	policy *access.Policy
}

// Schemas are the schemas the registry needs, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Mount serves the registry's API on deps. The process's policy takes
// callers' grants from it.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	p, err := pdata.Open(opts.PData)
	if err != nil {
		return nil, err
	}
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{db: deps.DB, outbox: deps.Outbox, pdata: p, grants: access.GrantCache{Max: 50_000}, policy: deps.Policy}
	deps.Policy.SetSource(f)

	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&registryapi.Problems)
	const api = "/api/registry"
	rt.Handle(http.MethodGet, api+"/me", auth.Authenticated, f.me)
	rt.Handle(http.MethodGet, api+"/me/grants", auth.Authenticated, f.myGrants)
	// The directory of municipalities and organisations is public: what an
	// organisation publishes about itself by law (273-FZ, art. 29).
	rt.Handle(http.MethodGet, api+"/municipalities", auth.Public, f.listMunicipalities)
	rt.Handle(http.MethodGet, api+"/organisations", auth.Public, f.listOrganisations)
	rt.Handle(http.MethodPost, api+"/organisations", PermOrganisationWrite, f.createOrganisation)
	rt.Handle(http.MethodGet, api+"/organisations/{id}", auth.Public, httpx.ByID(uuidParam, f.getOrganisation))
	rt.Handle(http.MethodGet, api+"/organisations/{id}/classes", PermClassRead, f.listClasses)
	rt.Handle(http.MethodPost, api+"/counts", PermClassRead, f.counts)
	rt.Handle(http.MethodPost, api+"/organisations/{id}/classes", PermClassWrite, f.createClass)
	rt.Handle(http.MethodGet, api+"/organisations/{id}/staff", PermStaffRead, f.listStaff)
	rt.Handle(http.MethodPost, api+"/organisations/{id}/staff", PermStaffWrite, f.createStaff)
	rt.Handle(http.MethodGet, api+"/organisations/{id}/students", PermPersonRead, f.listStudents)
	rt.Handle(http.MethodGet, api+"/organisations/{id}/roster", PermRosterRead, f.listRoster)
	rt.Handle(http.MethodPost, api+"/people", PermPersonWrite, f.createPerson)
	rt.Handle(http.MethodGet, api+"/people", PermPersonSearch, f.searchPeople)
	rt.Handle(http.MethodPost, api+"/matches", PermPersonMatch, f.matchPerson)
	rt.Handle(http.MethodGet, api+"/people/{id}", PermPersonRead, f.getPerson)
	rt.Handle(http.MethodGet, api+"/people/{id}/card", PermPupilCard, f.pupilCard)
	rt.Handle(http.MethodPatch, api+"/people/{id}", PermPersonWrite, f.updatePerson)
	rt.Handle(http.MethodGet, api+"/people/{id}/audit", PermAuditRead, f.personAudit)
	rt.Handle(http.MethodPost, api+"/enrollments", PermEnrollmentWrite, f.createEnrollment)
	rt.Handle(http.MethodPatch, api+"/enrollments/{id}", PermEnrollmentWrite, httpx.ByID(uuidParam, f.updateEnrollment))
	// A parent's link or a ward's (the handler asks PermWardWrite for a guardian's or foster parent's).
	rt.Handle(http.MethodPost, api+"/parent-links", auth.Authenticated, f.createLink)
	rt.Handle(http.MethodPost, api+"/care-placements", PermWardWrite, f.createPlacement)
	rt.Handle(http.MethodGet, api+"/wards", PermWardRead, f.wards)
	rt.Handle(http.MethodPost, api+"/imports/{kind}", PermImport, f.importFile)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }

var _ access.Source = (*Function)(nil)
