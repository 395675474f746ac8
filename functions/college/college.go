// Package college is the college function: the vocational colleges'
// module of EKO. It keeps each college's specialties of an academic year's
// admission — the federal list's code and title, the study form, the basis,
// the budget and paid places, the entrance test — public to read (the
// public site shows them on a college's card), and runs the admission
// campaign: applications from the cabinet and EPGU naming specialties in
// order, the certificate's average mark confirmed by the college, entrance
// test results from post-grade's exam import, the public ranked list of
// each specialty, the applicant's one consent to enrol, and enrolment
// orders that enrol the recommended applicants into a study group in the
// registry (whose journal post-grade keeps as any class's).
//
// Guarantees:
//
//   - A specialty is a college's (the registry says the organisation is
//     one) and is there once per year, code, form and basis.
//   - An applicant has one application per college and year, and one
//     consent to enrol at a time, whatever the college.
//   - A ranked list is by the average mark, then the entrance test's
//     points, then the receipt time; it names no one (application numbers).
//   - An enrolment order enrols each applicant once, and a retry after a
//     failure half-way completes it.
package college

import (
	"context"
	"embed"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
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

// PermApply: an applicant applies to a college, reads the applications and
// gives or withdraws the consent to enrol (the applicant, a parent).
const PermApply auth.Permission = "college.application.apply"

// PermAdmissionManage: a college's admissions office reads its
// applications, confirms the certificates and issues enrolment orders.
const PermAdmissionManage auth.Permission = "college.admission.manage"

// PermApplicationRead: read applications — the route check of a list that
// is either an applicant's (PermApply decides) or a college's
// (PermAdmissionManage decides).
const PermApplicationRead auth.Permission = "college.application.read"

var (
	applicants       = []access.Role{access.Parent, access.Student}
	admissionsOffice = []access.Role{access.Director, access.DeputyDirector, access.Clerk}
)

// Rules is this function's part of the access policy.
var Rules = access.Rules{
	PermSpecialtyManage: {access.Director, access.DeputyDirector, access.MinistryOfficial},
	PermApply:           applicants,
	PermAdmissionManage: admissionsOffice,
	PermApplicationRead: append(append([]access.Role{}, applicants...), admissionsOffice...),
}

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
	outbox   *outbox.Writer
	policy   *access.Policy
	registry *registryapi.Client
	router   *httpx.Router
}

// Mount serves the function's API on deps.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{db: deps.DB, outbox: deps.Outbox, policy: deps.Policy, registry: opts.Registry}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&collegeapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/specialties", auth.Public, f.specialties)
	rt.Handle(http.MethodPost, api+"/specialties", PermSpecialtyManage, f.addSpecialty)
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.access)
	rt.Handle(http.MethodGet, api+"/admission/campaigns", auth.Public, f.campaigns)
	rt.Handle(http.MethodPut, api+"/admission/campaigns", PermSpecialtyManage, f.setCampaign)
	rt.Handle(http.MethodGet, api+"/admission/applications", PermApplicationRead, f.applications)
	rt.Handle(http.MethodPost, api+"/admission/applications", PermApply, f.apply)
	rt.Handle(http.MethodPatch, api+"/admission/applications/{id}", PermAdmissionManage, httpx.ByID(httpx.PathUUID, f.confirm))
	rt.Handle(http.MethodPost, api+"/admission/applications/{id}/consent", PermApply, httpx.ByID(httpx.PathUUID, f.giveConsent))
	rt.Handle(http.MethodDelete, api+"/admission/applications/{id}/consent", PermApply, httpx.ByID(httpx.PathUUID, f.withdrawConsent))
	rt.Handle(http.MethodGet, api+"/admission/lists/{id}", auth.Public, httpx.ByID(httpx.PathUUID, f.list))
	rt.Handle(http.MethodGet, api+"/admission/orders", PermAdmissionManage, f.orders)
	rt.Handle(http.MethodPost, api+"/admission/orders", PermAdmissionManage, f.enrol)
	rt.Handle(http.MethodPost, api+"/events", auth.EventDelivery, f.receive)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }

// replyPage answers the rows a query read, scanned by scan, as a page —
// an empty one, never null.
func replyPage[T any](w http.ResponseWriter, rows pgx.Rows, err error, scan pgx.RowToFunc[T]) error {
	if err != nil {
		return err
	}
	items, err := pgx.CollectRows(rows, scan)
	if items == nil {
		items = []T{}
	}
	return httpx.Reply(w, http.StatusOK, httpx.Page[T]{Items: items}, err)
}
