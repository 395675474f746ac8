// Package authtest has the test side of auth: an OpenID issuer whose signing key
// the test holds (to mint expired, forged or misaddressed tokens through the real
// discovery/JWKS protocol), and the route-permission harness.
package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/httpx"
)

// Issuer is a minimal OpenID Provider for tests: discovery and JWKS over HTTP,
// tokens signed by a key generated per Issuer.
type Issuer struct {
	URL    string
	key    *rsa.PrivateKey
	signer jose.Signer
}

// NewIssuer starts an issuer on 127.0.0.1 that lives until the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issuer{key: key}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "test", Algorithm: "RS256"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	iss.signer = signer
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.URL, "jwks_uri": iss.URL + "/keys",
			"authorization_endpoint": iss.URL + "/authorize", "token_endpoint": iss.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "test", Algorithm: "RS256", Use: "sig"}}})
	})
	return iss
}

// Config returns the auth configuration that trusts this issuer for audience "eko".
func (iss *Issuer) Config() auth.Config {
	return auth.Config{Issuer: iss.URL, Audience: "eko"}
}

// Token describes a token to mint. Zero values get sensible defaults.
type Token struct {
	Issuer   string        // default: the issuer's URL
	Audience string        // default: "eko"
	Subject  string        // default: "1000000001"
	TTL      time.Duration // default: 10 minutes; negative mints an expired token
	Claims   map[string]any
}

// Mint signs a token with the issuer's key.
func (iss *Issuer) Mint(t testing.TB, tok Token) string {
	t.Helper()
	if tok.Issuer == "" {
		tok.Issuer = iss.URL
	}
	if tok.Audience == "" {
		tok.Audience = "eko"
	}
	if tok.Subject == "" {
		tok.Subject = "1000000001"
	}
	if tok.TTL == 0 {
		tok.TTL = 10 * time.Minute
	}
	now := time.Now()
	std := jwt.Claims{
		Issuer: tok.Issuer, Subject: tok.Subject, Audience: jwt.Audience{tok.Audience},
		IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)), Expiry: jwt.NewNumericDate(now.Add(tok.TTL)),
	}
	if tok.TTL < 0 {
		std.IssuedAt = jwt.NewNumericDate(now.Add(2 * tok.TTL))
	}
	b := jwt.Signed(iss.signer).Claims(std)
	if tok.Claims != nil {
		b = b.Claims(tok.Claims)
	}
	raw, err := b.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// CheckRoutes fails t for every route that declares no permission, and for a
// route list that is empty (a harness that checks nothing proves nothing).
func CheckRoutes(t testing.TB, routes []httpx.Route) {
	t.Helper()
	if len(routes) == 0 {
		t.Errorf("route-permission harness: no routes registered")
	}
	for _, r := range routes {
		if strings.TrimSpace(string(r.Permission)) == "" {
			t.Errorf("route %s %s declares no permission: every route must name the permission it needs (auth.Public for open routes)", r.Method, r.Pattern)
		}
	}
}

// Case is one row of an authorization matrix: a route (its pattern, to prove
// every route is covered), a concrete call, who calls ("" without a token)
// and the status they must get.
type Case struct {
	Route  string // "GET /api/registry/people/{id}"
	Path   string
	Login  string
	Status int
	Body   string
}

// Alike are the fixture logins that stand where others do: guardian1 —
// the guardian, by the authority's act, of ward1, a pupil of student1's
// class — is a legal representative of neither student1 nor student2, and
// is refused their objects as parent2 (student1's) or parent1 (student2's)
// is. What a guardian reaches through the ward's class (its homework) a
// matrix names. college-director-1, the director of a college in Kemerovo,
// is refused what another organisation's director is: kg-director-1's
// refusals, or director-s1's.
var Alike = map[string][]string{"guardian1": {"parent2", "parent1"}, "college-director-1": {"kg-director-1", "director-s1"}}

// Method is the method of the case's route.
func (c Case) Method() string { return strings.Fields(c.Route)[0] }

// Expect builds the cases of one call for each of logins: those got names
// get that status, no token ("") gets 401, the others get others. A login
// of Alike not named is refused as the first of its likes named and
// refused is.
func Expect(logins []string, route, path, body string, others int, got map[string]int) []Case {
	out := make([]Case, 0, len(logins))
	for _, l := range logins {
		st, ok := got[l]
		for _, like := range Alike[l] {
			if refused, named := got[like]; !ok && named && refused >= http.StatusBadRequest {
				st, ok = refused, true
			}
		}
		switch {
		case ok:
		case l == "":
			st = http.StatusUnauthorized
		default:
			st = others
		}
		out = append(out, Case{Route: route, Path: path, Login: l, Status: st, Body: body})
	}
	return out
}

// Run checks every row by call — the status it answers the row's login —
// and then that every one of routes declares its permission and has a row.
func Run(t testing.TB, rows []Case, routes []httpx.Route, call func(method, path, login, body string) (int, string)) {
	t.Helper()
	covered := map[string]bool{}
	for i, r := range rows {
		covered[r.Route] = true
		if code, body := call(r.Method(), r.Path, r.Login, r.Body); code != r.Status {
			t.Errorf("row %d: %s as %q: %d, want %d: %.200s", i, r.Route, r.Login, code, r.Status, body)
		}
	}
	CheckRoutes(t, routes)
	for _, rt := range routes {
		if !covered[rt.Method+" "+rt.Pattern] {
			t.Errorf("route %s %s has no row in the authorization matrix", rt.Method, rt.Pattern)
		}
	}
}
