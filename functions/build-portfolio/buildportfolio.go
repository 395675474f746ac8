// Package buildportfolio is the build-portfolio function: digital portfolios
// of pupils and teachers, built from EKO's own facts, claimed with a proof
// and confirmed by the school, or posted by other systems.
//
// Guarantees:
//
//   - Every achievement says where it came from: the event of EKO's own it
//     was built from, the system that posted it, or the claim with its proof
//     files; every step (claimed, confirmed, rejected, withdrawn) is kept
//     with who took it, under which role, when and why.
//   - An achievement built from an event or posted by a system is one
//     achievement per source record, whatever the redeliveries.
//   - A pupil's claim is decided by the pupil's class teacher or the
//     school's administration, a teacher's by the director, never by the
//     one it belongs to; a stale decision (a version not seen) is a 409.
//   - Pupils' portfolios are seen by the pupil and the parents in full, by
//     the school's administration and the class teacher as far as they
//     decide or the school has confirmed; every read by another than the
//     pupil is in the child's audit log. A teacher's portfolio is the
//     teacher's, the school administration's and the municipality's.
//   - Proof files go from the browser straight to MinIO; a file is
//     downloadable only after its bytes are checked (its type sniffed, and
//     ClamAV's verdict with CLAMD_ADDRESS).
package buildportfolio

import (
	"context"
	"embed"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
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
const Name = buildportfolioapi.Name

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "portfolio").
func Schema() db.Schema { return db.EmbeddedSchema("portfolio", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings.
type Options struct {
	// S3 is the object store of the proof files when the process has none
	// of its own (a function deployed alone, a test world).
	S3 storage.Config
	// Clamd is ClamAV's daemon that scans every proof file before anyone
	// else may download it: host:port or unix:/path. Empty: files are
	// accepted after the type check only (said once at start).
	Clamd string `envconfig:"CLAMD_ADDRESS"`
	// PublicURL is where EKO is reached from outside: credentials name
	// their issuer, keys and status lists under it.
	PublicURL string `envconfig:"EKO_PUBLIC_URL" default:"https://eko.kuzbass.ru"`
	// CredentialKey is the ministry's Ed25519 signing key: base64url of its
	// 32-byte seed (the Secret eko-credentials; `eko keygen` makes one).
	// Empty: the development key, said once at start.
	CredentialKey string `envconfig:"CREDENTIAL_KEY"`
	// CredentialKeyID names the key: the fragment of its verification method.
	CredentialKeyID string `envconfig:"CREDENTIAL_KEY_ID" default:"key-1"`
	// Registry gives the owner's name a credential states. Required to export.
	Registry *registryapi.Client `ignored:"true"`
}

// Part is how a process mounts build-portfolio: after the registry, whose
// grants it decides by.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
		opts.Registry = registryapi.New(reg)
	}
	return nil
}, Mount)

// New returns build-portfolio as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the build-portfolio Knative function.
type Function struct {
	function.Lifecycle
	// Clock: dates not in the future, the current enrollments; tests set its Now.
	function.Clock

	db       *pgxpool.Pool
	policy   *access.Policy
	outbox   *outbox.Writer
	store    *storage.Store
	scanner  *storage.Clamd // nil: no malware scan
	registry *registryapi.Client
	issuing  *issuing
	router   *httpx.Router
}

// Mount serves the function's API on deps.
func Mount(ctx context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	store, err := storage.OpenOr(ctx, deps.Store, opts.S3)
	if err != nil {
		return nil, fmt.Errorf("%s: files: %w", Name, err)
	}
	f := &Function{db: deps.DB, policy: deps.Policy, outbox: deps.Outbox, store: store, registry: opts.Registry}
	if f.issuing, err = newIssuing(opts, func(s string) {
		if deps.Log != nil {
			deps.Log.Warn(s)
		}
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if opts.Clamd != "" {
		f.scanner = storage.NewClamd(opts.Clamd)
	} else if deps.Log != nil {
		deps.Log.Warn("proof files of portfolios are checked by type only: CLAMD_ADDRESS is not set (no malware scan)")
	}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&buildportfolioapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodGet, api+"/people/{id}", PermRead, httpx.ByID(uuidParam, f.portfolio))
	rt.Handle(http.MethodPost, api+"/achievements", PermClaim, f.claim)
	rt.Handle(http.MethodGet, api+"/achievements/{id}", PermRead, httpx.ByID(uuidParam, f.achievement))
	rt.Handle(http.MethodPost, api+"/achievements/{id}/decision", PermConfirm, httpx.ByID(uuidParam, f.decide))
	rt.Handle(http.MethodPost, api+"/achievements/{id}/withdraw", PermClaim, httpx.ByID(uuidParam, f.withdraw))
	rt.Handle(http.MethodPost, api+"/achievements/{id}/files", PermClaim, httpx.ByID(uuidParam, f.upload))
	rt.Handle(http.MethodGet, api+"/claims", PermConfirm, f.claims)
	// Confirming a file is its uploader's (checked on the file): any claimant may ask.
	rt.Handle(http.MethodPost, api+"/files/{id}/confirm", PermClaim, httpx.ByID(uuidParam, f.confirmFile))
	rt.Handle(http.MethodGet, api+"/files/{id}", PermRead, httpx.ByID(uuidParam, f.download))
	rt.Handle(http.MethodPost, api+"/achievements/{id}/credential", PermExport, httpx.ByID(uuidParam, f.exportAchievement))
	rt.Handle(http.MethodPost, api+"/people/{id}/credential", PermExport, httpx.ByID(uuidParam, f.exportPortfolio))
	rt.Handle(http.MethodGet, api+"/people/{id}/credentials", PermExport, httpx.ByID(uuidParam, f.credentials))
	rt.Handle(http.MethodGet, api+"/credentials/{id}", PermRevoke, httpx.ByID(uuidParam, f.credentialByID))
	rt.Handle(http.MethodPost, api+"/credentials/{id}/revoke", PermRevoke, httpx.ByID(uuidParam, f.revoke))
	rt.Handle(http.MethodPost, api+"/people/{id}/shares", PermShare, httpx.ByID(uuidParam, f.share))
	rt.Handle(http.MethodGet, api+"/people/{id}/shares", PermShare, httpx.ByID(uuidParam, f.shares))
	rt.Handle(http.MethodDelete, api+"/shares/{id}", PermShare, httpx.ByID(uuidParam, f.unshare))
	rt.Handle(http.MethodGet, api+"/parked", PermOperate, f.parked)
	rt.Handle(http.MethodPost, api+"/parked/{id}/match", PermOperate, httpx.ByID(uuidParam, f.matchParked))
	// What a share link shows is for whoever holds the link.
	rt.Handle(http.MethodGet, api+"/shared/{token}", auth.Public, f.shared)
	// The issuer's documents and the verification are public: a third
	// party checks a credential without an account.
	rt.Handle(http.MethodGet, api+"/issuer", auth.Public, f.issuerProfile)
	rt.Handle(http.MethodGet, api+"/issuer/jwks.json", auth.Public, f.jwks)
	rt.Handle(http.MethodGet, api+"/status/{n}", auth.Public, f.statusList)
	rt.Handle(http.MethodPost, api+"/verify", auth.Public, f.verify)
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
