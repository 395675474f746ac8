// Package portal is the portal function: the web cabinets of parents, students,
// teachers, organisation staff and officials, server-rendered in Russian, and the
// ESIA login (OpenID Connect: authorization code with PKCE, state and nonce).
//
// A login ends in a server-side session in PostgreSQL (schema portal): the row
// holds the sealed access and ID tokens, their expiry and the active role; the
// browser holds only a random session id in an HttpOnly cookie. Pages are routes
// on an httpx.Router like every other function's; the portal's Guard takes the
// token from the session instead of the Authorization header. The portal keeps
// no personal data of its own: every page asks the registry's API with the
// user's own token, so the registry's access rules and audit apply unchanged.
//
// Every form (every POST) carries a per-session CSRF token and is refused when
// its Origin header names another site.
package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	collegeapi "github.com/kuzbass/eko/functions/college/api"
	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"
	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/pdata"
)

// Name is the function's name: its directory and func.yaml name. The portal's
// pages live at the root of the site, not under /api/portal.
const Name = "portal"

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*
var staticFiles embed.FS

// Schema is the portal's migrations (sessions and logins in progress).
func Schema() db.Schema {
	return db.EmbeddedSchema("portal", migrations, "migrations")
}

// Schemas are the schemas the portal needs, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// WebConfig is the portal's own part of the configuration.
type WebConfig struct {
	// PublicURL is where browsers reach the portal (scheme and host, no path).
	// The redirect URI registered at the identity provider is PublicURL + /auth/callback.
	// Cookies are Secure (and named __Host-…) when it is https.
	PublicURL string `envconfig:"PORTAL_PUBLIC_URL" default:"http://127.0.0.1:8080"`
	// ClientID and ClientSecret of the portal at the identity provider (ESIA or its broker).
	ClientID     string `envconfig:"OIDC_CLIENT_ID" default:"eko"`
	ClientSecret string `envconfig:"OIDC_CLIENT_SECRET" default:"eko-dev-secret"`
	// Scopes asked for at login, comma-separated. With offline_access the
	// provider issues a refresh token, and a session outlives its access
	// token (renewed silently) up to SessionMaxAge.
	Scopes []string `envconfig:"OIDC_SCOPES" default:"openid,profile,offline_access"`
	// LoginTTL bounds how long a started login may take at the provider.
	LoginTTL time.Duration `envconfig:"PORTAL_LOGIN_TTL" default:"10m"`
	// SessionMaxAge bounds a session from its login: how long it is renewed,
	// and how long after it ends a form posted late is still resumed after a
	// new login.
	SessionMaxAge time.Duration `envconfig:"PORTAL_SESSION_MAX_AGE" default:"12h"`
	// UploadOrigin is where browsers put files (the object store's public
	// origin, scheme://host[:port]): the pages' scripts may send there and
	// nowhere else. Empty in a process that keeps files: its store's.
	UploadOrigin string `envconfig:"PORTAL_UPLOAD_ORIGIN"`
}

// Options are the portal's settings and the functions it calls.
type Options struct {
	PData pdata.Config
	Web   WebConfig
	// Registry is who users are, their children and organisations; required.
	Registry *httpx.Client `ignored:"true"`
	// SubmitApplication and PostGrade serve the education services' and the
	// journal's pages; without one, its pages answer 503.
	SubmitApplication *httpx.Client `ignored:"true"`
	PostGrade         *httpx.Client `ignored:"true"`
	// IssueHomework serves the homework pages; without it they answer 503.
	IssueHomework *httpx.Client `ignored:"true"`
	// BuildPortfolio serves the portfolio pages and /verify; without it they answer 503.
	BuildPortfolio *httpx.Client `ignored:"true"`
	// CollectReport serves the reports' pages; without it they answer 503.
	CollectReport *httpx.Client `ignored:"true"`
	// KDN serves the juvenile-affairs commissions' pages; without it they answer 503.
	KDN *httpx.Client `ignored:"true"`
	// Guardianship serves the guardianship authority's pages; without it they answer 503.
	Guardianship *httpx.Client `ignored:"true"`
	// College serves the colleges' admission pages; without it they answer 503.
	College *httpx.Client `ignored:"true"`
	// IdPClient is the HTTP client for the identity provider (discovery, token
	// endpoint); a client with a 10 s timeout when nil.
	IdPClient *http.Client `ignored:"true"`
}

// Part is how a process mounts the portal: last, at the root of the site.
var Part = func() function.Part {
	p := function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
		opts.Registry = sys.Peer(registryapi.Name)
		opts.SubmitApplication = sys.Peer(submitapplicationapi.Name)
		opts.PostGrade = sys.Peer(postgradeapi.Name)
		opts.IssueHomework = sys.Peer(issuehomeworkapi.Name)
		opts.BuildPortfolio = sys.Peer(buildportfolioapi.Name)
		opts.CollectReport = sys.Peer(collectreportapi.Name)
		opts.KDN = sys.Peer(kdnapi.Name)
		opts.Guardianship = sys.Peer(guardianshipapi.Name)
		opts.College = sys.Peer(collegeapi.Name)
		if opts.Web.UploadOrigin == "" && deps.Store != nil {
			opts.Web.UploadOrigin = deps.Store.PublicOrigin()
		}
		return nil
	}, Mount)
	p.Prefix = "/"
	return p
}()

// New returns the portal as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the portal Knative function.
type Function struct {
	function.Lifecycle
	// Clock: session and login expiry are compared with it; tests set its Now.
	function.Clock

	web      WebConfig
	origin   string // scheme://host[:port] of PublicURL, as browsers send it in Origin
	secure   bool   // PublicURL is https: Secure, __Host- cookies
	csp      string
	log      *slog.Logger
	pdata    *pdata.Protector
	store    *store
	idp      *provider
	verifier *auth.Verifier
	registry *registryapi.Client
	services *submitapplicationapi.Client // nil when not configured
	journal  *postgradeapi.Client         // nil when not configured
	homework *issuehomeworkapi.Client     // nil when not configured
	folio    *buildportfolioapi.Client    // nil when not configured
	reports  *collectreportapi.Client     // nil when not configured
	kdn      *kdnapi.Client               // nil when not configured
	wardship *guardianshipapi.Client      // nil when not configured
	college  *collegeapi.Client           // nil when not configured
	pages    map[string]*template.Template
	router   *httpx.Router
}

// Mount serves the portal's pages on deps.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	f := &Function{}
	pub, err := parsePublicURL(opts.Web.PublicURL)
	if err != nil {
		return nil, err
	}
	if opts.Web.ClientID == "" {
		return nil, errors.New("portal: OIDC_CLIENT_ID is empty")
	}
	if opts.Web.LoginTTL <= 0 {
		opts.Web.LoginTTL = 10 * time.Minute
	}
	if opts.Web.SessionMaxAge <= 0 {
		opts.Web.SessionMaxAge = 12 * time.Hour
	}
	if len(opts.Web.Scopes) == 0 {
		opts.Web.Scopes = []string{"openid"}
	}
	p, err := pdata.Open(opts.PData)
	if err != nil {
		return nil, err
	}
	f.web, f.pdata = opts.Web, p
	f.web.PublicURL = strings.TrimRight(pub.String(), "/")
	f.origin = originOf(pub)
	f.secure = pub.Scheme == "https"
	f.log = deps.Log
	if f.log == nil {
		f.log = slog.Default()
	}
	if !f.secure && !isLoopbackHost(pub.Hostname()) {
		f.log.Warn("PORTAL_PUBLIC_URL is not https: session cookies are sent without Secure", "public_url", f.web.PublicURL)
	}

	if opts.Registry == nil {
		return nil, errors.New("portal: no registry: set REGISTRY_URL")
	}
	f.registry = registryapi.New(opts.Registry)
	if opts.SubmitApplication != nil {
		f.services = submitapplicationapi.New(opts.SubmitApplication)
	}
	if opts.PostGrade != nil {
		f.journal = postgradeapi.New(opts.PostGrade)
	}
	if opts.IssueHomework != nil {
		f.homework = issuehomeworkapi.New(opts.IssueHomework)
	}
	if opts.BuildPortfolio != nil {
		f.folio = buildportfolioapi.New(opts.BuildPortfolio)
	}
	if opts.CollectReport != nil {
		f.reports = collectreportapi.New(opts.CollectReport)
	}
	if opts.KDN != nil {
		f.kdn = kdnapi.New(opts.KDN)
	}
	if opts.Guardianship != nil {
		f.wardship = guardianshipapi.New(opts.Guardianship)
	}
	if opts.College != nil {
		f.college = collegeapi.New(opts.College)
	}

	idpClient := opts.IdPClient
	if idpClient == nil {
		idpClient = &http.Client{Timeout: 10 * time.Second}
	}
	f.idp = newProvider(deps.Auth.Issuer, idpClient)
	if deps.Guard != nil { // the process's verifier: same issuer and audience as every API
		f.verifier = deps.Guard.Verifier
	}
	if f.verifier == nil {
		f.verifier = auth.NewVerifier(deps.Auth)
	}
	if f.csp, err = contentSecurityPolicy(deps.Auth.Issuer, opts.Web.UploadOrigin); err != nil {
		return nil, err
	}
	f.store = &store{db: deps.DB, pdata: p}
	if f.pages, err = parsePages(); err != nil {
		return nil, err
	}

	guard := &auth.Guard{Verifier: f.verifier, Policy: deps.Policy, Token: sessionToken}
	rt := httpx.NewRouter(guard)
	rt.ServeErrorsWith(f.serveError)
	rt.Handle(http.MethodGet, "/{$}", auth.Authenticated, f.home)
	rt.Handle(http.MethodGet, "/static/{name}", auth.Public, f.static)
	rt.Handle(http.MethodGet, "/auth/login", auth.Public, f.login)
	rt.Handle(http.MethodGet, "/auth/callback", auth.Public, f.callback)
	// Public so that logging out works whatever state the token is in; when a
	// session exists the form's CSRF token is checked before it is deleted.
	rt.Handle(http.MethodPost, "/auth/logout", auth.Public, f.logout)
	rt.Handle(http.MethodGet, "/profile", auth.Authenticated, f.pageOf("profile", "Мой профиль", f.profile))
	rt.Handle(http.MethodGet, "/children", auth.Authenticated, f.pageOf("children", "Мои дети", f.children))
	rt.Handle(http.MethodGet, "/children/{id}", auth.Authenticated, f.pageOf("child", "Ребёнок", f.child))
	rt.Handle(http.MethodGet, "/children/{id}/audit", auth.Authenticated, f.pageOf("audit", "Кто смотрел данные ребёнка", f.childAudit))
	rt.Handle(http.MethodGet, "/organisation", auth.Authenticated, f.pageOf("organisation", "Моя организация", f.organisation))
	rt.Handle(http.MethodGet, "/organisations/{id}", auth.Authenticated, f.pageOf("organisation", "Организация", f.organisationByID))
	rt.Handle(http.MethodPost, "/role", auth.Authenticated, f.switchRole)
	f.mountApplications(rt)
	f.mountJournal(rt)
	f.mountHomework(rt)
	f.mountPortfolio(rt)
	f.mountReports(rt)
	f.mountKDN(rt)
	f.mountWards(rt)
	f.mountAdmission(rt)
	f.router = rt

	if deps.DB != nil {
		// Lookups ignore expired rows anyway; this only keeps the tables small.
		f.Go("portal: purge of expired sessions", func(ctx context.Context) {
			function.Every(ctx, 5*time.Minute, func(ctx context.Context) {
				if _, err := f.store.purge(ctx, f.Time()); err != nil && ctx.Err() == nil {
					f.log.Warn("portal: purge expired sessions", "err", err)
				}
			})
		})
	}
	f.Serve(http.HandlerFunc(f.serve))
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

func parsePublicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("portal: PORTAL_PUBLIC_URL %q must be http(s)://host[:port] without a path", raw)
	}
	u.Path = ""
	return u, nil
}

// originOf is the serialised origin of u, as browsers send it: default ports omitted.
func originOf(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// contentSecurityPolicy allows the portal's own styles and nothing else; forms
// post only to the portal, whose logout then redirects to the issuer.
func contentSecurityPolicy(issuer, uploads string) (string, error) {
	formAction := "'self'"
	if u, err := url.Parse(issuer); err == nil && u.Host != "" {
		formAction += " " + originOf(u)
	}
	connect := "'self'"
	if uploads != "" {
		u, err := url.Parse(uploads)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("portal: PORTAL_UPLOAD_ORIGIN %q must be http(s)://host[:port]", uploads)
		}
		connect += " " + originOf(u)
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src " + connect +
		"; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'", nil
}
