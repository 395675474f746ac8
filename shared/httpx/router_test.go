package httpx_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

type echoBody struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// newTestRouter registers one route of each kind on a router that trusts iss.
func newTestRouter(iss *authtest.Issuer, pol auth.Policy) *httpx.Router {
	rt := httpx.NewRouter(&auth.Guard{Verifier: auth.NewVerifier(iss.Config()), Policy: pol})
	ok := func(w http.ResponseWriter, r *http.Request) error {
		p := auth.PrincipalFrom(r.Context())
		sub := ""
		if p != nil {
			sub = p.Subject
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"subject": sub})
		return nil
	}
	rt.Handle(http.MethodGet, "/open", auth.Public, ok)
	rt.Handle(http.MethodGet, "/me", auth.Authenticated, ok)
	rt.Handle(http.MethodGet, "/secret", "test.secret.read", ok)
	rt.Handle(http.MethodGet, "/undeclared", "", ok)
	rt.Handle(http.MethodPost, "/echo", auth.Public, func(w http.ResponseWriter, r *http.Request) error {
		var b echoBody
		if err := httpx.DecodeJSON(w, r, &b, 1024); err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, b)
		return nil
	})
	rt.Handle(http.MethodGet, "/panic", auth.Public, func(http.ResponseWriter, *http.Request) error { panic("boom") })
	return rt
}

// expectAnswer serves req and expects status and, when code is set, a
// problem with that code.
func expectAnswer(t *testing.T, h http.Handler, req *http.Request, status int, code errs.Code) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if code != "" {
		if p := decodeProblem(t, rec); p.Code != code {
			t.Fatalf("code %q, want %q", p.Code, code)
		}
	}
	return rec
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) httpx.Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (body %s)", ct, rec.Body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if p.Status != rec.Code || p.Code == "" || p.Detail == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, rec.Code)
	}
	return p
}

func TestTokenVerification(t *testing.T) {
	iss := authtest.NewIssuer(t)
	other := authtest.NewIssuer(t) // a different key: its tokens have the wrong signature for iss
	rt := newTestRouter(iss, auth.DenyAll{})

	valid := iss.Mint(t, authtest.Token{})
	forged := other.Mint(t, authtest.Token{Issuer: iss.URL})
	cases := []struct {
		name   string
		header string
		path   string
		status int
		code   errs.Code
	}{
		{"missing", "", "/me", 401, errs.Unauthenticated},
		{"not bearer", "Basic dXNlcjpwYXNz", "/me", 401, errs.Unauthenticated},
		{"malformed", "Bearer not-a-jwt", "/me", 401, errs.Unauthenticated},
		{"garbage jwt", "Bearer aaa.bbb.ccc", "/me", 401, errs.Unauthenticated},
		{"wrong signature", "Bearer " + forged, "/me", 401, errs.Unauthenticated},
		{"expired", "Bearer " + iss.Mint(t, authtest.Token{TTL: -time.Hour}), "/me", 401, errs.Unauthenticated},
		{"wrong audience", "Bearer " + iss.Mint(t, authtest.Token{Audience: "someone-else"}), "/me", 401, errs.Unauthenticated},
		{"wrong issuer", "Bearer " + iss.Mint(t, authtest.Token{Issuer: "https://esia.example"}), "/me", 401, errs.Unauthenticated},
		{"valid on authenticated route", "Bearer " + valid, "/me", 200, ""},
		{"valid but no policy grants", "Bearer " + valid, "/secret", 403, errs.Forbidden},
		{"no token on permissioned route", "", "/secret", 401, errs.Unauthenticated},
		{"undeclared route is denied even with a token", "Bearer " + valid, "/undeclared", 403, errs.Forbidden},
		{"public route needs no token", "", "/open", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			rec := expectAnswer(t, rt, req, c.status, c.code)
			if c.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatalf("401 without WWW-Authenticate")
			}
		})
	}
}

type grantOnly auth.Permission

func (g grantOnly) Authorize(_ context.Context, _ *auth.Principal, perm auth.Permission) error {
	if perm == auth.Permission(g) {
		return nil
	}
	return errs.E(errs.Forbidden, "not granted")
}

func TestPolicyGrants(t *testing.T) {
	iss := authtest.NewIssuer(t)
	rt := newTestRouter(iss, grantOnly("test.secret.read"))
	req := httptest.NewRequest(http.MethodGet, "/secret", nil)
	req.Header.Set("Authorization", "Bearer "+iss.Mint(t, authtest.Token{Subject: "42"}))
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"subject":"42"`) {
		t.Fatalf("granted route: %d %s", rec.Code, rec.Body)
	}
}

// recorder is a testing.TB that remembers failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Helper()                           {}

func TestRoutePermissionHarness(t *testing.T) {
	iss := authtest.NewIssuer(t)
	rt := newTestRouter(iss, auth.DenyAll{})

	rec := &recorder{TB: t}
	authtest.CheckRoutes(rec, rt.Routes())
	if len(rec.failures) != 1 || !strings.Contains(rec.failures[0], "/undeclared") {
		t.Fatalf("harness should report exactly the undeclared route, got %q", rec.failures)
	}

	rec = &recorder{TB: t}
	authtest.CheckRoutes(rec, nil)
	if len(rec.failures) != 1 {
		t.Fatalf("harness should refuse an empty route list, got %q", rec.failures)
	}

	declared := httpx.NewRouter(nil)
	declared.Handle(http.MethodGet, "/x", auth.Public, nil)
	rec = &recorder{TB: t}
	authtest.CheckRoutes(rec, declared.Routes())
	if len(rec.failures) != 0 {
		t.Fatalf("harness failed a fully declared router: %q", rec.failures)
	}
}

func TestJSONInput(t *testing.T) {
	rt := newTestRouter(authtest.NewIssuer(t), auth.DenyAll{})
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        errs.Code
	}{
		{"good", "application/json", `{"name":"Иванов","count":2}`, 200, ""},
		{"charset parameter is fine", "application/json; charset=utf-8", `{"name":"a"}`, 200, ""},
		{"oversized", "application/json", `{"name":"` + strings.Repeat("я", 2000) + `"}`, 413, errs.TooLarge},
		{"unknown field", "application/json", `{"name":"a","admin":true}`, 400, errs.Invalid},
		{"wrong content type", "text/plain", `{"name":"a"}`, 415, errs.UnsupportedMedia},
		{"form content type", "application/x-www-form-urlencoded", `name=a`, 415, errs.UnsupportedMedia},
		{"missing content type", "", `{"name":"a"}`, 415, errs.UnsupportedMedia},
		{"invalid json", "application/json", `{"name":`, 400, errs.Invalid},
		{"syntax error", "application/json", `{"name" "a"}`, 400, errs.Invalid},
		{"wrong type", "application/json", `{"count":"many"}`, 400, errs.Invalid},
		{"empty body", "application/json", ``, 400, errs.Invalid},
		{"two values", "application/json", `{"name":"a"}{"name":"b"}`, 400, errs.Invalid},
		{"array instead of object", "application/json", `[1,2]`, 400, errs.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/echo", strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			expectAnswer(t, rt, req, c.status, c.code)
		})
	}
}

func TestUnknownRoutesAndPanicsAreProblems(t *testing.T) {
	rt := newTestRouter(authtest.NewIssuer(t), auth.DenyAll{})
	for _, c := range []struct {
		method, path string
		status       int
		code         errs.Code
	}{
		{http.MethodGet, "/nowhere", 404, errs.NotFound},
		{http.MethodDelete, "/open", 405, errs.MethodNotAllowed},
		{http.MethodGet, "/panic", 500, errs.Internal},
	} {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Fatalf("%s %s: status %d, want %d", c.method, c.path, rec.Code, c.status)
		}
		p := decodeProblem(t, rec)
		if p.Code != c.code {
			t.Fatalf("%s %s: code %q", c.method, c.path, p.Code)
		}
		if strings.Contains(rec.Body.String(), "boom") {
			t.Fatalf("internal panic text leaked: %s", rec.Body)
		}
	}
}

func TestProblemExtraMembers(t *testing.T) {
	e := &errs.Error{Code: errs.Conflict, Detail: "уже подано", Extra: map[string]any{"existing_id": "A-1", "status": "ignored"}}
	b, err := json.Marshal(httpx.ProblemOf(e))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["existing_id"] != "A-1" || m["status"].(float64) != 409 || m["code"] != "conflict" {
		t.Fatalf("problem %s", b)
	}
}

// An error that only says PostgreSQL is out of reach — from any layer, even
// the grants lookup of the guard — is a 503 with Retry-After, never a 500.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, dialErr := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
	if dialErr == nil {
		t.Fatal("connected to port 1")
	}
	for _, err := range []error{
		fmt.Errorf("auth: policy: grants: %w", dialErr),
		fmt.Errorf("grants: %w", &pgconn.PgError{Code: "57P03", Message: "the database system is shutting down"}),
	} {
		rec := httptest.NewRecorder()
		httpx.WriteError(rec, httptest.NewRequest(http.MethodGet, "/x", nil), err)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
			!strings.Contains(rec.Body.String(), `"code":"unavailable"`) {
			t.Errorf("%v: %d %v %s", err, rec.Code, rec.Header(), rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	httpx.WriteError(rec, httptest.NewRequest(http.MethodGet, "/x", nil), fmt.Errorf("a bug"))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("a plain error: %d, want 500", rec.Code)
	}
}

// A router that declares its vocabulary lists every refusal that says more:
// an undeclared code, reason, field code or member; the transport's own
// refusals (errs.Common) and declared ones are not listed, and the answer
// itself is unchanged.
func TestRefusalsBeyondTheVocabularyAreListed(t *testing.T) {
	const declared, stray errs.Reason = "period_closed", "stray"
	rt := newTestRouter(authtest.NewIssuer(t), auth.DenyAll{})
	rt.Declare(&errs.Vocabulary{Codes: []errs.Code{errs.Conflict}, Reasons: map[errs.Reason]string{declared: "период закрыт"},
		Members: map[string]string{"current_version": "версия"}})
	refusals := map[string]*errs.Error{
		"/declared":      {Code: errs.Conflict, Reason: declared, Extra: map[string]any{"current_version": 2}},
		"/common":        errs.Fields("bad", errs.FieldError{Field: "date", Code: errs.Format}),
		"/stray-code":    errs.E(errs.RateLimited, "slow down"),
		"/stray-reason":  {Code: errs.Conflict, Reason: stray},
		"/stray-field":   errs.Fields("bad", errs.FieldError{Field: "x", Code: stray}),
		"/stray-member":  {Code: errs.Conflict, Extra: map[string]any{"secret": 1}},
		"/internal-only": nil,
	}
	for path, e := range refusals {
		rt.Handle(http.MethodGet, path, auth.Public, func(http.ResponseWriter, *http.Request) error {
			if e == nil {
				return errors.New("not an *errs.Error: internal, always declared")
			}
			return e
		})
	}
	for path := range refusals {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code < 400 {
			t.Fatalf("%s answered %d", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/stray-reason", nil))
	if !strings.Contains(rec.Body.String(), `"reason":"stray"`) {
		t.Errorf("the reason member is not in the answer: %s", rec.Body)
	}
	got := strings.Join(rt.Undeclared(), "\n")
	for _, want := range []string{"/stray-code: code rate_limited", "/stray-reason: reason stray", "/stray-field: field x: code stray", "/stray-member: member secret"} {
		if !strings.Contains(got, want) {
			t.Errorf("undeclared %q not listed in:\n%s", want, got)
		}
	}
	for _, not := range []string{"/declared", "/common", "/internal-only"} {
		if strings.Contains(got, not+":") {
			t.Errorf("%s listed as undeclared:\n%s", not, got)
		}
	}
}
