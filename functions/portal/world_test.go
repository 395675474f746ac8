package portal_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/functions/portal"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/shared/storage/storagetest"
)

var pdataCfg = pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey}

// world is every function mounted as in the all-in-one process (ekotest) —
// the registry at /api/registry/, the portal at / — on a fresh database
// seeded with the small region and every fixture identity, with the real
// development identity provider on a loopback listener.
type world struct {
	t       *testing.T
	db      *dbtest.Database
	pdata   *pdata.Protector
	issuer  string
	public  *url.URL
	portal  *portal.Function
	handler http.Handler
	reg     http.Handler      // the registry's own handler, to serve it apart
	sys     *ekotest.World    // every function, as the all-in-one process mounts them
	ids     map[string]string // fixture login → registry person id; also org codes
	server  *httptest.Server  // the portal on a real listener, when asked for
	tokens  map[string]string // login → API access token, fetched on first use
}

type worldOptions struct {
	publicURL string // default: a real loopback listener serving the portal
	mutate    func(w *world)
	year      time.Time // when set, the region's school year is seeded up to this day
	// tokenTTL and refreshTTL, when set, are the identity provider's token
	// lifetimes, and the portal asks for offline_access (refresh tokens).
	tokenTTL, refreshTTL time.Duration
}

func newWorld(t *testing.T, opt worldOptions) *world {
	t.Helper()
	var err error
	w := &world{t: t, ids: map[string]string{}}
	// The portal's listener comes first: its URL is the registered redirect URI.
	var portalListener net.Listener
	publicURL := opt.publicURL
	if publicURL == "" {
		if portalListener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		publicURL = "http://" + portalListener.Addr().String()
	}
	if w.public, err = url.Parse(publicURL); err != nil {
		t.Fatal(err)
	}

	scopes := []string{"openid", "profile"}
	if opt.tokenTTL > 0 {
		scopes = append(scopes, "offline_access")
	}
	rw := ekotest.Open(t, ekotest.Options{Seed: 11, Today: opt.year, Year: !opt.year.IsZero(),
		IdP: devidp.Config{ClientSecret: "eko-dev-secret", RedirectURIs: []string{publicURL + "/auth/callback"}, PostLogoutURIs: []string{publicURL + "/"},
			TokenTTL: opt.tokenTTL, RefreshTTL: opt.refreshTTL},
		Tunings: []function.Tuning{function.Tune(portal.Name, func(o *portal.Options) {
			o.Web = portal.WebConfig{PublicURL: publicURL, ClientID: "eko", ClientSecret: "eko-dev-secret",
				Scopes: scopes, LoginTTL: 10 * time.Minute, UploadOrigin: storagetest.Config(t).PublicOrigin()}
		})}})
	w.db, w.pdata, w.issuer = rw.DB, rw.PData, rw.Issuer
	w.portal = rw.Function(portal.Name).(*portal.Function)
	w.handler = rw
	w.reg = rw.Function("registry")
	w.sys = rw
	if portalListener != nil {
		w.server = &httptest.Server{Listener: portalListener, Config: &http.Server{Handler: rw, ReadHeaderTimeout: 5 * time.Second}}
		w.server.Start()
		t.Cleanup(w.server.Close)
	}

	for _, i := range rw.Fixtures.Identities {
		w.ids[i.Login] = rw.Person(t, i)
	}
	for _, code := range []string{"school-1-kemerovo", "school-3-novokuznetsk", "kg-1-kemerovo", "kg-2-kemerovo"} {
		w.ids[code] = rw.Organisation(t, code)
	}
	w.ids["kemerovo"] = rw.Municipality(t, "kemerovo")
	if opt.mutate != nil {
		opt.mutate(w)
	}
	return w
}

// alone starts the portal as its own Knative Service does (Start reads the
// environment, opens PostgreSQL): the registry over HTTP at REGISTRY_URL and
// the functions of peers (name → handler) at their <NAME>_URL; the world must
// have been opened with publicURL "http://127.0.0.1:8080". A browser of the
// world then talks to it.
func (w *world) alone(env map[string]string, peers map[string]http.Handler) (*function.Standalone, *browser) {
	t := w.t
	t.Helper()
	// Each function apart believes forwarded addresses from loopback only, as
	// its process does by default (TRUSTED_PROXIES).
	apart, err := httpx.ParseProxies("127.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	regServer := httptest.NewServer(apart.Behind(w.reg))
	t.Cleanup(regServer.Close)
	for k, v := range map[string]string{"DATABASE_URL": w.db.URL, "OIDC_ISSUER": w.issuer, "OIDC_AUDIENCE": "eko",
		"REGISTRY_URL": regServer.URL, "PORTAL_PUBLIC_URL": "http://127.0.0.1:8080", "LOG_LEVEL": "warn"} {
		t.Setenv(k, v)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	for name, h := range peers {
		s := httptest.NewServer(apart.Behind(h))
		t.Cleanup(s.Close)
		t.Setenv(function.URLVariable(name), s.URL)
	}
	f := portal.New()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.Start(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop(context.Background()) })
	b := w.browser()
	b.handler = http.HandlerFunc(f.Handle)
	return f, b
}

// api calls an API of the world as login, with a token of the development
// identity provider, and returns the status and the body.
func (w *world) api(login, method, path, body string, header map[string]string) (int, string) {
	w.t.Helper()
	if w.tokens == nil {
		w.tokens = map[string]string{}
	}
	if w.tokens[login] == "" {
		w.tokens[login] = devidptest.Token(w.t, w.issuer, login)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+w.tokens[login])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func (w *world) exec(sql string, args ...any) { w.t.Helper(); w.db.Exec(w.t, sql, args...) }

// browser is a minimal browser: a cookie jar, and requests that go to the
// portal's handler in-process (whatever its public URL, https included) and to
// the identity provider over the network. It follows redirects only when asked.
type browser struct {
	t       *testing.T
	w       *world
	handler http.Handler // serves the portal's host; the world's root handler unless set
	jar     *cookiejar.Jar
	addr    string // the browser's address, as the portal sees it
	origin  string // the Origin header of its forms; "" sends none
}

func (w *world) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return &browser{t: w.t, w: w, jar: jar, addr: "192.0.2.44:51000", origin: w.public.Scheme + "://" + w.public.Host}
}

// page is an answer the browser got.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
	url      *url.URL
	cookies  []*http.Cookie
}

// do performs one request without following redirects.
func (b *browser) do(method, rawURL string, form url.Values, header http.Header) page {
	b.t.Helper()
	if form == nil {
		return b.send(method, rawURL, nil, header)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, v := range header {
		h[k] = v
	}
	return b.send(method, rawURL, strings.NewReader(form.Encode()), h)
}

// send performs one request with body as it is, without following redirects.
func (b *browser) send(method, rawURL string, body io.Reader, header http.Header) page {
	b.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		b.t.Fatal(err)
	}
	if u.Host == "" {
		u = b.w.public.ResolveReference(u)
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile Safari/537.36")
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range b.jar.Cookies(u) {
		req.AddCookie(c)
	}
	var resp *http.Response
	if u.Host == b.w.public.Host {
		req.RequestURI = u.RequestURI()
		req.RemoteAddr = b.addr
		rec := httptest.NewRecorder()
		h := b.handler
		if h == nil {
			h = b.w.handler
		}
		h.ServeHTTP(rec, req)
		resp = rec.Result()
	} else {
		if resp, err = http.DefaultTransport.RoundTrip(req); err != nil {
			b.t.Fatal(err)
		}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.jar.SetCookies(u, resp.Cookies())
	loc := resp.Header.Get("Location")
	if loc != "" {
		if l, err := u.Parse(loc); err == nil {
			loc = l.String()
		}
	}
	return page{status: resp.StatusCode, location: loc, header: resp.Header, body: string(raw), url: u, cookies: resp.Cookies()}
}

func (b *browser) get(rawURL string) page { return b.do(http.MethodGet, rawURL, nil, nil) }

// post submits a form with the browser's Origin.
func (b *browser) post(rawURL string, form url.Values) page {
	h := http.Header{}
	if b.origin != "" {
		h.Set("Origin", b.origin)
	}
	return b.do(http.MethodPost, rawURL, form, h)
}

// follow performs a request and follows redirects the way a browser does.
func (b *browser) follow(p page) page {
	b.t.Helper()
	for i := 0; p.location != "" && p.status >= 300 && p.status < 400; i++ {
		if i > 20 {
			b.t.Fatalf("redirect loop at %s", p.location)
		}
		p = b.get(p.location)
	}
	return p
}

// login signs in through the identity provider's login page as login and
// returns the page the portal lands on.
func (b *browser) login(login, start string) page {
	b.t.Helper()
	p := b.follow(b.get(start))
	id := p.url.Query().Get("authRequestID")
	if p.status != http.StatusOK || id == "" || !strings.Contains(p.body, `id="login-`+login+`"`) {
		b.t.Fatalf("expected the provider's login page, got %d at %s: %.300s", p.status, p.url, p.body)
	}
	return b.follow(b.do(http.MethodPost, b.w.issuer+"/login", url.Values{"authRequestID": {id}, "login": {login}}, nil))
}

// csrf reads the form token from a page.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	const marker = `name="csrf" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no CSRF field on the page: %.500s", body)
	}
	rest := body[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

func (b *browser) cookie(name string) *http.Cookie {
	for _, c := range b.jar.Cookies(b.w.public) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	return w.db.Count(w.t, sql, args...)
}
