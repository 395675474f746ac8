// Package issuehomework is the issue-homework function: homework issued,
// done and reviewed in electronic form, with the pupils' files in MinIO and
// the mark placed in the journal exactly once.
//
// Guarantees:
//
//   - A teacher issues homework only for a lesson of an own teaching
//     assignment, as the journal (post-grade, asked with the teacher's
//     token) decides; the pupils are the lesson's class as the journal lists
//     it on the lesson's date, or chosen pupils of it.
//   - A pupil's work is never lost or tied to the wrong attempt: every
//     submission is an attempt with a number and a receipt (the server's time
//     and the SHA-256 of every file) that stays; a step names the version it
//     saw (a stale one is a 409 with the current version and state).
//   - Files go from the browser straight to MinIO through presigned PUTs that
//     MinIO checks (size, type, one write per ticket); a confirmed file's
//     bytes are sniffed, and one whose content is not of its declared type is
//     refused and deleted. Nobody else can download it before it is confirmed.
//   - A review and its homework.reviewed event are written in one
//     transaction; the journal places (or, on a re-review, changes) the mark
//     of that pupil for that homework once, whatever the redeliveries.
package issuehomework

import (
	"context"
	"embed"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/storage"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = issuehomeworkapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "homework").
func Schema() db.Schema { return db.EmbeddedSchema("homework", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings and the functions it asks.
type Options struct {
	// S3 is the object store of the files when the process has none of its
	// own (a function deployed alone, a test world).
	S3 storage.Config
	// Clamd is ClamAV's daemon that scans every uploaded file before anyone
	// else may download it: host:port or unix:/path. Empty: files are
	// accepted after the type check only (said once at start).
	Clamd string `envconfig:"CLAMD_ADDRESS"`
	// Journal is post-grade: it says whose lessons are whose and which
	// pupils a class has. Required.
	Journal *postgradeapi.Client `ignored:"true"`
}

// Part is how a process mounts issue-homework: after the registry (grants)
// and post-grade (lessons and classes), whose API it calls.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
	}
	if pg := sys.Peer(postgradeapi.Name); pg != nil {
		opts.Journal = postgradeapi.New(pg)
	}
	return nil
}, Mount)

// New returns issue-homework as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the issue-homework Knative function.
type Function struct {
	function.Lifecycle
	// Clock: due times, lateness; tests set its Now. Receipts use the
	// database clock.
	function.Clock

	db      *pgxpool.Pool
	policy  *access.Policy // loads grants for the access answer
	outbox  *outbox.Writer
	store   *storage.Store
	scanner *storage.Clamd // nil: no malware scan
	journal *postgradeapi.Client
	router  *httpx.Router
}

// Mount serves the function's API on deps.
func Mount(ctx context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if opts.Journal == nil {
		return nil, fmt.Errorf("%s: no journal to ask", Name)
	}
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	store, err := storage.OpenOr(ctx, deps.Store, opts.S3)
	if err != nil {
		return nil, fmt.Errorf("%s: files: %w", Name, err)
	}
	f := &Function{db: deps.DB, policy: deps.Policy, outbox: deps.Outbox, store: store, journal: opts.Journal}
	if opts.Clamd != "" {
		f.scanner = storage.NewClamd(opts.Clamd)
	} else if deps.Log != nil {
		deps.Log.Warn("uploaded homework files are checked by type only: CLAMD_ADDRESS is not set (no malware scan)")
	}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&issuehomeworkapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodPost, api+"/homework", PermIssue, f.issue)
	rt.Handle(http.MethodGet, api+"/homework", PermRead, f.list)
	rt.Handle(http.MethodGet, api+"/homework/{id}", PermRead, httpx.ByID(uuidParam, f.get))
	rt.Handle(http.MethodPatch, api+"/homework/{id}", PermIssue, httpx.ByID(uuidParam, f.change))
	rt.Handle(http.MethodPost, api+"/homework/{id}/cancel", PermIssue, httpx.ByID(uuidParam, f.cancel))
	rt.Handle(http.MethodPost, api+"/homework/{id}/files", PermIssue, httpx.ByID(uuidParam, f.attach))
	rt.Handle(http.MethodGet, api+"/homework/{id}/submissions", PermReview, httpx.ByID(uuidParam, f.classWork))
	rt.Handle(http.MethodPut, api+"/homework/{id}/submission", PermSubmit, httpx.ByID(uuidParam, f.saveDraft))
	rt.Handle(http.MethodPost, api+"/homework/{id}/submission/files", PermSubmit, httpx.ByID(uuidParam, f.upload))
	rt.Handle(http.MethodPost, api+"/homework/{id}/submission/submit", PermSubmit, httpx.ByID(uuidParam, f.submit))
	rt.Handle(http.MethodPost, api+"/homework/{id}/submission/take-back", PermSubmit, httpx.ByID(uuidParam, f.takeBack))
	// Confirming is the uploader's (pupil or teacher, checked on the file): any reader may ask.
	rt.Handle(http.MethodPost, api+"/files/{id}/confirm", PermRead, httpx.ByID(uuidParam, f.confirm))
	rt.Handle(http.MethodGet, api+"/files/{id}", PermRead, httpx.ByID(uuidParam, f.download))
	rt.Handle(http.MethodDelete, api+"/files/{id}", PermRead, httpx.ByID(uuidParam, f.remove))
	rt.Handle(http.MethodPost, api+"/submissions/{id}/review", PermReview, httpx.ByID(uuidParam, f.review))
	rt.Handle(http.MethodPost, api+"/events", auth.EventDelivery, f.receive)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }

// uuidParam parses an {id} of the path; a malformed one is not found.
var uuidParam = httpx.PathUUID
