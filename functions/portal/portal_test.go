package portal_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/auth/authtest"
)

func TestRoutesDeclarePermissions(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	authtest.CheckRoutes(t, w.portal.Routes())
	want := map[string]auth.Permission{
		"GET /{$}":                 auth.Authenticated,
		"GET /static/{name}":       auth.Public,
		"GET /auth/login":          auth.Public,
		"GET /auth/callback":       auth.Public,
		"POST /auth/logout":        auth.Public,
		"GET /profile":             auth.Authenticated,
		"GET /children":            auth.Authenticated,
		"GET /children/{id}":       auth.Authenticated,
		"GET /children/{id}/audit": auth.Authenticated,
		"GET /organisation":        auth.Authenticated,
		"GET /organisations/{id}":  auth.Authenticated,
		"POST /role":               auth.Authenticated,
		// The education services: the submit-application API decides.
		"GET /applications":                 auth.Authenticated,
		"GET /applications/new":             auth.Authenticated,
		"POST /applications":                auth.Authenticated,
		"GET /applications/{id}":            auth.Authenticated,
		"POST /applications/{id}/status":    auth.Authenticated,
		"POST /applications/{id}/direction": auth.Authenticated,
		"GET /allocations":                  auth.Authenticated,
		"POST /allocations":                 auth.Authenticated,
		"GET /allocations/{id}":             auth.Authenticated,
		"POST /allocations/{id}/confirm":    auth.Authenticated,
		// The journal and the diary: the post-grade API decides.
		"GET /journal":                              auth.Authenticated,
		"GET /journal/lessons/{id}":                 auth.Authenticated,
		"GET /journal/assignments/{id}":             auth.Authenticated,
		"POST /journal/lessons/{id}":                auth.Authenticated,
		"GET /children/{id}/diary":                  auth.Authenticated,
		"GET /diary":                                auth.Authenticated,
		"GET /journal/assignments/{id}/term-marks":  auth.Authenticated,
		"POST /journal/assignments/{id}/term-marks": auth.Authenticated,
		"GET /summary/journal":                      auth.Authenticated,
		"GET /journal/classes/{id}":                 auth.Authenticated,
		// Homework: the issue-homework API decides.
		"GET /homework":                          auth.Authenticated,
		"GET /homework/{id}":                     auth.Authenticated,
		"POST /homework/{id}/work":               auth.Authenticated,
		"POST /homework/{id}/uploads":            auth.Authenticated,
		"POST /homework/{id}/change":             auth.Authenticated,
		"GET /homework/{id}/review":              auth.Authenticated,
		"POST /homework/submissions/{id}/review": auth.Authenticated,
		"POST /homework/files/{id}/confirm":      auth.Authenticated,
		"POST /homework/files/{id}/remove":       auth.Authenticated,
		"GET /homework/files/{id}/download":      auth.Authenticated,
		"GET /journal/lessons/{id}/homework":     auth.Authenticated,
		"POST /journal/lessons/{id}/homework":    auth.Authenticated,
		// Portfolios: the build-portfolio API decides; what a share link shows
		// and the verification of a credential need no login.
		"GET /portfolio":                                          auth.Authenticated,
		"GET /portfolio/{id}":                                     auth.Authenticated,
		"GET /portfolio/{id}/new":                                 auth.Authenticated,
		"POST /portfolio/{id}/new":                                auth.Authenticated,
		"GET /portfolio/{id}/attestation":                         auth.Authenticated,
		"POST /portfolio/{id}/export":                             auth.Authenticated,
		"POST /portfolio/{id}/shares":                             auth.Authenticated,
		"POST /shares/{id}/revoke":                                auth.Authenticated,
		"GET /achievements/{id}":                                  auth.Authenticated,
		"POST /achievements/{id}/decision":                        auth.Authenticated,
		"POST /achievements/{id}/withdraw":                        auth.Authenticated,
		"POST /achievements/{id}/export":                          auth.Authenticated,
		"POST /achievements/{id}/uploads":                         auth.Authenticated,
		"POST /achievements/files/{id}/confirm":                   auth.Authenticated,
		"GET /achievements/files/{id}/download":                   auth.Authenticated,
		"GET /credentials/{id}":                                   auth.Authenticated,
		"GET /credentials/{id}/download":                          auth.Authenticated,
		"POST /credentials/{id}/revoke":                           auth.Authenticated,
		"GET /confirmations":                                      auth.Authenticated,
		"GET /operator/results":                                   auth.Authenticated,
		"POST /operator/results/{id}/match":                       auth.Authenticated,
		"GET /reports":                                            auth.Authenticated,
		"GET /reports/forms":                                      auth.Authenticated,
		"POST /reports/forms":                                     auth.Authenticated,
		"GET /reports/campaigns/new":                              auth.Authenticated,
		"POST /reports/campaigns/new":                             auth.Authenticated,
		"GET /reports/campaigns/{id}":                             auth.Authenticated,
		"POST /reports/campaigns/{id}/open":                       auth.Authenticated,
		"POST /reports/campaigns/{id}/drift":                      auth.Authenticated,
		"POST /reports/campaigns/{id}/territories/{municipality}": auth.Authenticated,
		"GET /reports/campaigns/{id}/export":                      auth.Authenticated,
		"GET /reports/submissions/{id}":                           auth.Authenticated,
		"POST /reports/submissions/{id}":                          auth.Authenticated,
		"POST /reports/submissions/{id}/review":                   auth.Authenticated,
		"POST /reports/submissions/{id}/upload":                   auth.Authenticated,
		"GET /reports/submissions/{id}/template":                  auth.Authenticated,
		"GET /kdn":                                                auth.Authenticated,
		"GET /kdn/cases/{id}":                                     auth.Authenticated,
		"GET /kdn/referrals/new":                                  auth.Authenticated,
		"POST /kdn/referrals":                                     auth.Authenticated,
		"POST /kdn/cases/{id}/decision":                           auth.Authenticated,
		"POST /kdn/cases/{id}/close":                              auth.Authenticated,
		"POST /kdn/cases/{id}/report":                             auth.Authenticated,
		"GET /wards":                                              auth.Authenticated,
		"GET /wards/{id}":                                         auth.Authenticated,
		"POST /wards/{id}/notes":                                  auth.Authenticated,
		"POST /wards/{id}/tasks/{task}/done":                      auth.Authenticated,
		"GET /admission":                                          auth.Authenticated,
		"POST /admission/applications":                            auth.Authenticated,
		"POST /admission/applications/{id}/consent":               auth.Authenticated,
		"POST /admission/applications/{id}/consent/withdraw":      auth.Authenticated,
		"GET /admission/office":                                   auth.Authenticated,
		"GET /admission/office/specialties/{id}":                  auth.Authenticated,
		"POST /admission/office/specialties/{id}/confirm":         auth.Authenticated,
		"POST /admission/office/specialties/{id}/order":           auth.Authenticated,
		"GET /shared/{token}":                                     auth.Public,
		"GET /verify":                                             auth.Public,
		"POST /verify":                                            auth.Public,
	}
	got := map[string]auth.Permission{}
	for _, r := range w.portal.Routes() {
		got[r.Method+" "+r.Pattern] = r.Permission
	}
	for route, perm := range want {
		if got[route] != perm {
			t.Errorf("%s: permission %q, want %q", route, got[route], perm)
		}
	}
	if len(got) != len(want) {
		t.Errorf("routes %v, want exactly %v", got, want)
	}
}

func TestParentLoginChildrenAndForeignChild(t *testing.T) {
	w := newWorld(t, worldOptions{})
	b := w.browser()
	p := b.login("parent1", "/children")
	if p.status != http.StatusOK || p.url.Path != "/children" {
		t.Fatalf("after login: %d at %s: %.500s", p.status, p.url, p.body)
	}
	for _, s := range []string{`<meta name="viewport" content="width=device-width, initial-scale=1">`, "Мои дети",
		"Соколов Артём Игоревич", "Соколова Мария Игоревна", `data-child-id="` + w.ids["student1"] + `"`,
		`data-child-id="` + w.ids["kid1"] + `"`, "6А", `href="/children/` + w.ids["student1"] + `"`} {
		if !strings.Contains(p.body, s) {
			t.Errorf("«Мои дети» lacks %q", s)
		}
	}
	if strings.Contains(p.body, "Лебедева") {
		t.Errorf("«Мои дети» shows another family's child")
	}

	// The session cookie: an opaque 256-bit id; the database keeps only its hash
	// and the tokens sealed.
	c := b.cookie("eko_session")
	if c == nil {
		t.Fatal("no eko_session cookie")
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) != 32 {
		t.Fatalf("session cookie %q is not a 256-bit random id", c.Value)
	}
	sum := sha256.Sum256(raw)
	var subject string
	var at, it []byte
	var expires time.Time
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT subject, access_token, id_token, expires_at FROM portal.sessions WHERE id_hash = $1`, sum[:]).
		Scan(&subject, &at, &it, &expires); err != nil {
		t.Fatalf("session row by the cookie's hash: %v", err)
	}
	if subject != "1000000007" {
		t.Errorf("session subject %q, want parent1's oid", subject)
	}
	for name, sealed := range map[string][]byte{"access": at, "id": it} {
		tok, err := w.pdata.Open(sealed)
		if err != nil || strings.Count(tok, ".") != 2 {
			t.Errorf("%s token is not sealed with the pdata ring: %v", name, err)
		}
		if strings.Contains(string(sealed), tok[:20]) {
			t.Errorf("%s token stored in the clear", name)
		}
	}
	if d := time.Until(expires); d < 50*time.Minute || d > 61*time.Minute {
		t.Errorf("session expires in %v, want the token's hour", d)
	}
	var n int
	_ = w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM portal.sessions WHERE id_hash = $1`, []byte(c.Value)).Scan(&n)
	if n != 0 {
		t.Errorf("the raw session id is stored")
	}

	// The child's page.
	p = b.get("/children/" + w.ids["student1"])
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="child-name">Соколов Артём Игоревич`) ||
		!strings.Contains(p.body, "***-***-*** 90") || strings.Contains(p.body, "122-223-324 90") {
		t.Fatalf("student1's page: %d %.800s", p.status, p.body)
	}
	// Another family's child: the registry says 404, the portal shows «Не найдено» and nothing else.
	p = b.get("/children/" + w.ids["student2"])
	if p.status != http.StatusNotFound || !strings.Contains(p.body, "Не найдено") || !strings.Contains(p.body, `data-status="404"`) {
		t.Fatalf("student2's page for parent1: %d %.500s", p.status, p.body)
	}
	// The session's CSRF token is random and may hold any two digits.
	page := regexp.MustCompile(`name="csrf" value="[^"]*"`).ReplaceAllString(p.body, "")
	for _, leak := range []string{"Лебедева", "Дарья", "2014", "93"} {
		if i := strings.Index(page, leak); i >= 0 {
			t.Errorf("404 page leaks %q: …%s…", leak, page[max(0, i-200):min(len(page), i+100)])
		}
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("404 Content-Type %q", ct)
	}
	for _, bad := range []string{"/children/not-a-uuid", "/children/" + strings.ToUpper(w.ids["student2"]), "/children/00000000-0000-0000-0000-000000000000"} {
		if p := b.get(bad); p.status != http.StatusNotFound || !strings.Contains(p.body, "Не найдено") {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
	// The audit log of the own child: who (the parent herself), what, when, from where.
	p = b.get("/children/" + w.ids["student1"] + "/audit")
	if p.status != http.StatusOK || !strings.Contains(p.body, `<table id="audit"`) || !strings.Contains(p.body, ">Вы</td>") ||
		!strings.Contains(p.body, "Просмотр: профиль") || !strings.Contains(p.body, "192.0.2.44") || !strings.Contains(p.body, "Chrome, Android") ||
		!strings.Contains(p.body, "Соколов Артём") {
		t.Fatalf("audit page: %d %.1500s", p.status, p.body)
	}
	if p := b.get("/children/" + w.ids["student2"] + "/audit"); p.status != http.StatusNotFound {
		t.Errorf("another family's audit log: %d", p.status)
	}
	// Profile: masked SNILS, roles.
	p = b.get("/profile")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="profile-name">Соколова Анна Сергеевна`) ||
		!strings.Contains(p.body, `id="profile-snils">***-***-*** 15`) || !strings.Contains(p.body, "Родитель — Соколов Артём") ||
		!strings.Contains(p.body, `id="profile-birth-date">12.04.1987`) {
		t.Fatalf("profile: %d %.1500s", p.status, p.body)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther || p.location != w.public.String()+"/profile" {
		t.Errorf("/: %d → %s", p.status, p.location)
	}
	// A parent has no organisation section.
	if p := b.get("/organisation"); p.status != http.StatusForbidden || !strings.Contains(p.body, "Моя организация") {
		t.Errorf("/organisation for a parent: %d", p.status)
	}
	// Security headers on pages.
	p = b.get("/profile")
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' "+w.issuer) {
		t.Errorf("CSP %q", csp)
	}
}

func TestPagesWithoutSessionRedirectToLogin(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	b := w.browser()
	for _, path := range []string{"/", "/profile", "/children", "/children/" + w.ids["student1"], "/children/" + w.ids["student1"] + "/audit", "/organisation", "/organisations/" + w.ids["school-1-kemerovo"]} {
		p := b.get(path)
		want := w.public.String() + "/auth/login?next=" + url.QueryEscape(path)
		if p.status != http.StatusSeeOther || p.location != want {
			t.Errorf("GET %s without a session: %d → %q, want 303 → %q", path, p.status, p.location, want)
		}
		if p.header.Get("WWW-Authenticate") != "" {
			t.Errorf("GET %s: a page redirect carries WWW-Authenticate", path)
		}
	}
	// A garbage or unknown session cookie is the same as none, and is dropped.
	for _, v := range []string{"garbage", strings.Repeat("A", 43)} {
		b.jar.SetCookies(w.public, []*http.Cookie{{Name: "eko_session", Value: v, Path: "/"}})
		p := b.get("/profile")
		if p.status != http.StatusSeeOther || !strings.Contains(p.location, "/auth/login") {
			t.Errorf("cookie %q: %d → %s", v, p.status, p.location)
		}
		if b.cookie("eko_session") != nil {
			t.Errorf("cookie %q was not cleared", v)
		}
	}
	// A form without a session is not redirected (that would lose it): a 401 page.
	p := b.post("/role", url.Values{"role": {"parent"}, "csrf": {"x"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, `data-status="401"`) || !strings.Contains(p.body, `href="/auth/login"`) {
		t.Errorf("POST /role without a session: %d %.300s", p.status, p.body)
	}
	// Unknown pages are HTML 404s; unknown API paths stay problem+json.
	p = b.get("/no-such-page")
	if p.status != http.StatusNotFound || !strings.Contains(p.body, "Не найдено") || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("unknown page: %d %s", p.status, p.header.Get("Content-Type"))
	}
	p = b.get("/api/nothing")
	if p.status != http.StatusNotFound || p.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown API path: %d %s", p.status, p.header.Get("Content-Type"))
	}
	// The registry API is still the registry's, with bearer tokens.
	p = b.get("/api/registry/me")
	if p.status != http.StatusUnauthorized || p.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("registry API without a token: %d %s", p.status, p.header.Get("Content-Type"))
	}
	// The stylesheet is public.
	p = b.get("/static/portal.css")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", p.status, p.header.Get("Content-Type"))
	}
	if p := b.get("/static/..%2Fportal.go"); p.status != http.StatusNotFound {
		t.Errorf("static traversal: %d", p.status)
	}
}

func TestLoginReturnsToThePageAsked(t *testing.T) {
	w := newWorld(t, worldOptions{})
	b := w.browser()
	p := b.login("parent1", "/children/"+w.ids["kid1"])
	if p.status != http.StatusOK || p.url.Path != "/children/"+w.ids["kid1"] || !strings.Contains(p.body, "Соколова Мария Игоревна") {
		t.Fatalf("landed on %s (%d)", p.url, p.status)
	}
	// An open redirect through next is impossible.
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "/auth/logout"} {
		b2 := w.browser()
		p := b2.login("parent1", "/auth/login?next="+url.QueryEscape(next))
		if p.url.Host != w.public.Host || p.url.Path != "/profile" {
			t.Errorf("next=%q landed on %s", next, p.url)
		}
	}
}

func TestSessionCookieFlagsHTTP(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	b := w.browser()
	start := b.get("/auth/login")
	if start.status != http.StatusFound {
		t.Fatalf("/auth/login: %d", start.status)
	}
	checkCookie(t, start.cookies, "eko_login", false)
	au, _ := url.Parse(start.location)
	q := au.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || len(q.Get("state")) != 43 ||
		len(q.Get("nonce")) != 43 || q.Get("client_id") != "eko" || q.Get("redirect_uri") != "http://127.0.0.1:8080/auth/callback" {
		t.Fatalf("authorization request %s", start.location)
	}
	p := b.login("student1", "/profile")
	if p.status != http.StatusOK {
		t.Fatalf("login: %d", p.status)
	}
}

func TestSessionCookieFlagsHTTPS(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "https://portal.test"})
	b := w.browser()
	start := b.get("/auth/login")
	checkCookie(t, start.cookies, "__Host-eko_login", true)
	// Drive the rest by hand to see the session cookie being set.
	p := b.follow(b.get(start.location))
	id := p.url.Query().Get("authRequestID")
	p = b.do(http.MethodPost, w.issuer+"/login", url.Values{"authRequestID": {id}, "login": {"parent1"}}, nil)
	for p.location != "" && !strings.HasPrefix(p.location, "https://portal.test/") {
		p = b.get(p.location)
	}
	cb := b.get(p.location)
	if cb.status != http.StatusSeeOther {
		t.Fatalf("callback: %d %.300s", cb.status, cb.body)
	}
	checkCookie(t, cb.cookies, "__Host-eko_session", true)
	if cb.header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS over https")
	}
	if p := b.follow(cb); p.status != http.StatusOK || !strings.Contains(p.body, "Соколов Артём") {
		t.Fatalf("after https login: %d", p.status)
	}
}

func checkCookie(t *testing.T, cookies []*http.Cookie, name string, secure bool) {
	t.Helper()
	for _, c := range cookies {
		if c.Name != name {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure || c.Domain != "" {
			t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Secure=%v Domain=%q", name, c.HttpOnly, c.SameSite, c.Path, c.Secure, c.Domain)
		}
		if len(c.Value) != 43 {
			t.Errorf("cookie %s value %q is not a 256-bit id", name, c.Value)
		}
		return
	}
	t.Errorf("no %s cookie among %v", name, cookies)
}

func TestCSRF(t *testing.T) {
	w := newWorld(t, worldOptions{})
	b := w.browser()
	p := b.login("teacher-s1", "/profile")
	token := csrfOf(t, p.body)
	if !strings.Contains(p.body, `id="role-form"`) {
		t.Fatalf("teacher-s1 (teacher and class teacher) gets no role switcher: %.1000s", p.body)
	}
	classTeacher := "class_teacher|class|"
	var key string
	for _, part := range strings.Split(p.body, `<option value="`)[1:] {
		if v := part[:strings.IndexByte(part, '"')]; strings.HasPrefix(v, classTeacher) {
			key = v
		}
	}
	if key == "" {
		t.Fatalf("no class teacher role offered: %.1500s", p.body)
	}
	activeRole := func() string {
		var r string
		if err := w.db.Pool.QueryRow(context.Background(), `SELECT active_role FROM portal.sessions`).Scan(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	refused := func(name string, p page) {
		t.Helper()
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "Форма устарела или отправлена с другого сайта") {
			t.Errorf("%s: %d %.300s", name, p.status, p.body)
		}
		if r := activeRole(); r != "" {
			t.Fatalf("%s changed the role to %q", name, r)
		}
	}
	refused("no token", b.post("/role", url.Values{"role": {key}}))
	refused("empty token", b.post("/role", url.Values{"role": {key}, "csrf": {""}}))
	refused("wrong token", b.post("/role", url.Values{"role": {key}, "csrf": {token[:42] + "x"}}))
	refused("token in the query", b.post("/role?csrf="+url.QueryEscape(token), url.Values{"role": {key}}))
	for _, origin := range []string{"https://evil.example", "null", w.public.String() + ".evil.example", "http://127.0.0.1:1"} {
		refused("origin "+origin, b.do(http.MethodPost, "/role", url.Values{"role": {key}, "csrf": {token}}, http.Header{"Origin": {origin}}))
	}
	// Another session's token is no good either.
	other := w.browser()
	otherToken := csrfOf(t, other.login("parent1", "/profile").body)
	refused("another session's token", b.post("/role", url.Values{"role": {key}, "csrf": {otherToken}}))

	// The right token from the portal's own origin (or without Origin, as older browsers) works.
	p = b.post("/role", url.Values{"role": {key}, "csrf": {token}})
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "/organisation") {
		t.Fatalf("role switch: %d → %s %.300s", p.status, p.location, p.body)
	}
	var r string
	_ = w.db.Pool.QueryRow(context.Background(), `SELECT active_role FROM portal.sessions WHERE subject = '1000000005'`).Scan(&r)
	if r != key {
		t.Fatalf("active role %q, want %q", r, key)
	}
	b.origin = ""
	if p := b.post("/role", url.Values{"role": {"nonsense"}, "csrf": {token}}); p.status != http.StatusBadRequest {
		t.Errorf("unknown role: %d", p.status)
	}

	// Logout: refused without the token, then done with it.
	b.origin = w.public.Scheme + "://" + w.public.Host
	if p := b.post("/auth/logout", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("logout without token: %d", p.status)
	}
	if p := b.get("/profile"); p.status != http.StatusOK {
		t.Fatalf("the session must survive a refused logout: %d", p.status)
	}
	p = b.post("/auth/logout", url.Values{"csrf": {token}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, w.issuer) || !strings.Contains(p.location, "id_token_hint=") ||
		!strings.Contains(p.location, "post_logout_redirect_uri="+url.QueryEscape(w.public.String()+"/")) {
		t.Fatalf("logout: %d → %s", p.status, p.location)
	}
	var n int
	_ = w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM portal.sessions WHERE subject = '1000000005'`).Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions left after logout", n)
	}
	if b.cookie("eko_session") != nil {
		t.Errorf("session cookie not cleared")
	}
	// The provider ends its session and comes back to the portal, which asks for a login.
	p = b.follow(p)
	if !strings.HasPrefix(p.url.String(), w.issuer+"/login") {
		t.Errorf("after logout the user lands on %s", p.url)
	}
	if p := b.get("/profile"); p.status != http.StatusSeeOther {
		t.Errorf("after logout /profile: %d", p.status)
	}
}

func TestRoleSwitchChangesTheOrganisationPage(t *testing.T) {
	w := newWorld(t, worldOptions{})
	b := w.browser()
	p := b.login("teacher-s1", "/organisation")
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-organisation-id="`+w.ids["school-1-kemerovo"]+`"`) ||
		!strings.Contains(p.body, `<table id="classes">`) || !strings.Contains(p.body, `<table id="staff"`) {
		t.Fatalf("teacher's organisation: %d %.2000s", p.status, p.body)
	}
	// As a teacher: no class list; as the class teacher of 6А: the own class.
	var teacherKey, classKey string
	for _, part := range strings.Split(p.body, `<option value="`)[1:] {
		v := part[:strings.IndexByte(part, '"')]
		switch {
		case strings.HasPrefix(v, "teacher|"):
			teacherKey = v
		case strings.HasPrefix(v, "class_teacher|"):
			classKey = v
		}
	}
	token := csrfOf(t, p.body)
	b.post("/role", url.Values{"role": {teacherKey}, "csrf": {token}})
	p = b.get("/organisation")
	if !strings.Contains(p.body, `id="students-note"`) || strings.Contains(p.body, `<table id="students"`) {
		t.Errorf("a subject teacher sees the student list: %.2000s", p.body)
	}
	b.post("/role", url.Values{"role": {classKey}, "csrf": {token}})
	p = b.get("/organisation")
	if !strings.Contains(p.body, `<table id="students"`) || !strings.Contains(p.body, `data-person-id="`+w.ids["student1"]+`"`) ||
		!strings.Contains(p.body, "Обучающиеся — 6А") {
		t.Errorf("the class teacher does not see 6А: %.3000s", p.body)
	}
}

func TestOfficialsSeeTheirTerritory(t *testing.T) {
	w := newWorld(t, worldOptions{})
	b := w.browser()
	p := b.login("mun-kemerovo", "/organisation")
	if p.status != http.StatusOK || !strings.Contains(p.body, `<ul id="organisations"`) ||
		!strings.Contains(p.body, `data-org-id="`+w.ids["school-1-kemerovo"]+`"`) || strings.Contains(p.body, `data-org-id="`+w.ids["school-3-novokuznetsk"]+`"`) {
		t.Fatalf("municipal official: %d %.2000s", p.status, p.body)
	}
	p = b.get("/organisations/" + w.ids["school-1-kemerovo"])
	if p.status != http.StatusOK || !strings.Contains(p.body, `<table id="students"`) {
		t.Errorf("municipal official opening a school of the municipality: %d", p.status)
	}
	p = b.get("/organisations/" + w.ids["school-3-novokuznetsk"])
	if p.status != http.StatusOK || strings.Contains(p.body, `<table id="students"`) || strings.Contains(p.body, `<table id="staff"`) {
		t.Errorf("municipal official sees another municipality's school lists: %d", p.status)
	}

	m := w.browser()
	p = m.login("ministry", "/organisation")
	if p.status != http.StatusOK || !strings.Contains(p.body, `<ul id="municipalities"`) || !strings.Contains(p.body, `data-municipality-id="`+w.ids["kemerovo"]+`"`) {
		t.Fatalf("ministry: %d %.2000s", p.status, p.body)
	}
	p = m.get("/organisation?municipality=" + w.ids["kemerovo"])
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-org-id="`+w.ids["school-1-kemerovo"]+`"`) || !strings.Contains(p.body, `id="summary"`) {
		t.Fatalf("ministry, Kemerovo: %d %.2000s", p.status, p.body)
	}
}

func TestIdentityMismatchIsExplained(t *testing.T) {
	w := newWorld(t, worldOptions{mutate: func(w *world) {
		// The registry has a typo in parent2's family name (Лебедев on Gosuslugi).
		w.exec(`UPDATE registry.people SET family_name = 'Лебедёвский' WHERE id = $1`, w.ids["parent2"])
	}})
	b := w.browser()
	p := b.login("parent2", "/profile")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="identity-problem" data-status="mismatch"`) ||
		!strings.Contains(p.body, `data-field="family_name">Фамилия в ЭКО отличается от фамилии на Госуслугах.`) ||
		!strings.Contains(p.body, `id="identity-advice"`) || !strings.Contains(p.body, "обратитесь в вашу образовательную организацию") {
		t.Fatalf("mismatch not explained: %d %.3000s", p.status, p.body)
	}
	for _, f := range []string{"given_name", "birth_date", "snils", "document"} {
		if strings.Contains(p.body, `data-field="`+f+`"`) {
			t.Errorf("%s reported as different although it matches", f)
		}
	}
	p = b.get("/children")
	if !strings.Contains(p.body, `id="children-unlinked"`) || strings.Contains(p.body, "Лебедева Дарья") {
		t.Errorf("children of an unmatched account: %.1000s", p.body)
	}
	if p := b.get("/children/" + w.ids["student2"]); p.status != http.StatusNotFound {
		t.Errorf("an unmatched parent reads the child: %d", p.status)
	}
}

func TestSessionExpiry(t *testing.T) {
	w := newWorld(t, worldOptions{})
	b := w.browser()
	if p := b.login("parent1", "/profile"); p.status != http.StatusOK {
		t.Fatal(p.status)
	}
	w.portal.Now = func() time.Time { return time.Now().Add(61 * time.Minute) } // past the token's hour
	p := b.get("/children")
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "/auth/login?next=%2Fchildren") {
		t.Fatalf("expired session: %d → %s", p.status, p.location)
	}
	// The cookie stays while the session is kept (a form posted late is
	// resumed after the next login); past keeping it is cleared.
	w.portal.Now = func() time.Time { return time.Now().Add(13 * time.Hour) }
	if p := b.get("/children"); p.status != http.StatusSeeOther || b.cookie("eko_session") != nil {
		t.Errorf("a session past keeping: %d, cookie %v", p.status, b.cookie("eko_session"))
	}
	w.portal.Now = nil
}

func TestCallbackRefusals(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()

	// toCallback starts a login, signs in at the provider and stops at the
	// redirect back to the portal's callback.
	toCallback := func(b *browser, login string) page {
		t.Helper()
		p := b.follow(b.get("/auth/login"))
		id := p.url.Query().Get("authRequestID")
		p = b.do(http.MethodPost, w.issuer+"/login", url.Values{"authRequestID": {id}, "login": {login}}, nil)
		for p.location != "" && !strings.Contains(p.location, "/auth/callback") {
			p = b.get(p.location)
		}
		if !strings.Contains(p.location, "/auth/callback") {
			t.Fatalf("no callback redirect: %d %s", p.status, p.location)
		}
		return p
	}
	bad := func(name string, p page, status int) {
		t.Helper()
		if p.status != status || !strings.Contains(p.body, `id="error-page"`) || !strings.Contains(p.body, `id="error-login"`) {
			t.Errorf("%s: %d %.400s", name, p.status, p.body)
		}
		if p.header.Get("Location") != "" {
			t.Errorf("%s: redirected to %s", name, p.header.Get("Location"))
		}
	}
	sessions := func() int {
		var n int
		_ = w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM portal.sessions`).Scan(&n)
		return n
	}

	t.Run("a state that is not the login's", func(t *testing.T) {
		b := w.browser()
		cb := toCallback(b, "parent1")
		u, _ := url.Parse(cb.location)
		q := u.Query()
		q.Set("state", strings.Repeat("x", 43))
		u.RawQuery = q.Encode()
		bad("foreign state", b.get(u.String()), http.StatusBadRequest)
	})
	t.Run("a callback in another browser (no login cookie)", func(t *testing.T) {
		b := w.browser()
		cb := toCallback(b, "parent1")
		bad("no cookie", w.browser().get(cb.location), http.StatusBadRequest)
	})
	t.Run("a replayed callback", func(t *testing.T) {
		b := w.browser()
		cb := toCallback(b, "parent1")
		login := b.cookie("eko_login")
		if p := b.get(cb.location); p.status != http.StatusSeeOther {
			t.Fatalf("first callback: %d %.300s", p.status, p.body)
		}
		b.jar.SetCookies(w.public, []*http.Cookie{login})
		bad("replay", b.get(cb.location), http.StatusBadRequest)
	})
	t.Run("an ID token whose nonce is not the login's", func(t *testing.T) {
		before := sessions()
		b := w.browser()
		cb := toCallback(b, "parent1")
		w.exec(`UPDATE portal.logins SET nonce = 'another-nonce'`)
		bad("nonce", b.get(cb.location), http.StatusBadRequest)
		if sessions() != before {
			t.Errorf("a session was created")
		}
	})
	t.Run("a PKCE verifier that is not the login's", func(t *testing.T) {
		before := sessions()
		b := w.browser()
		cb := toCallback(b, "parent1")
		sealed, err := w.pdata.Seal(strings.Repeat("v", 43))
		if err != nil {
			t.Fatal(err)
		}
		w.exec(`UPDATE portal.logins SET verifier = $1`, sealed)
		bad("pkce", b.get(cb.location), http.StatusBadRequest)
		if sessions() != before {
			t.Errorf("a session was created")
		}
	})
	t.Run("an expired login", func(t *testing.T) {
		b := w.browser()
		cb := toCallback(b, "parent1")
		w.exec(`UPDATE portal.logins SET expires_at = now() - interval '1 second'`)
		bad("expired", b.get(cb.location), http.StatusBadRequest)
	})
	t.Run("the user cancels at the provider", func(t *testing.T) {
		b := w.browser()
		start := b.get("/auth/login")
		au, _ := url.Parse(start.location)
		state := au.Query().Get("state")
		bad("access_denied", b.get("/auth/callback?error=access_denied&state="+url.QueryEscape(state)), http.StatusForbidden)
	})
	t.Run("a new login replaces the browser's session", func(t *testing.T) {
		b := w.browser()
		b.login("parent1", "/profile")
		first := b.cookie("eko_session").Value
		b.login("parent1", "/auth/login?next=/profile")
		second := b.cookie("eko_session").Value
		if first == second {
			t.Fatalf("session id reused across logins")
		}
		h := sha256.Sum256(mustDecode(t, first))
		var n int
		_ = w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM portal.sessions WHERE id_hash = $1`, h[:]).Scan(&n)
		if n != 0 {
			t.Errorf("the previous session survived a new login")
		}
	})
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
