package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/errs"
)

// cookieToken is a Guard.Token that reads the token from a cookie, the way the
// portal reads it from its server-side session.
func cookieToken(r *http.Request) (string, error) {
	c, err := r.Cookie("session")
	if err != nil || c.Value == "" {
		return "", errs.E(errs.Unauthenticated, "no session")
	}
	return c.Value, nil
}

func TestGuardDefaultReadsAuthorizationHeader(t *testing.T) {
	iss := authtest.NewIssuer(t)
	g := &auth.Guard{Verifier: auth.NewVerifier(iss.Config())}
	tok := iss.Mint(t, authtest.Token{Subject: "42"})

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	p, err := g.Check(r, auth.Authenticated)
	if err != nil || p == nil || p.Subject != "42" || p.Token != tok {
		t.Fatalf("bearer token: principal %+v, err %v", p, err)
	}

	// Without a Token function a cookie is not a credential.
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: tok})
	if _, err := g.Check(r, auth.Authenticated); errs.CodeOf(err) != errs.Unauthenticated {
		t.Fatalf("cookie without Guard.Token: err %v, want unauthenticated", err)
	}
}

func TestGuardTokenFunction(t *testing.T) {
	iss := authtest.NewIssuer(t)
	other := authtest.NewIssuer(t)
	calls := 0
	g := &auth.Guard{Verifier: auth.NewVerifier(iss.Config()), Policy: auth.DenyAll{},
		Token: func(r *http.Request) (string, error) { calls++; return cookieToken(r) }}
	tok := iss.Mint(t, authtest.Token{Subject: "7"})

	t.Run("token from the function is verified and accepted", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: tok})
		p, err := g.Check(r, auth.Authenticated)
		if err != nil || p == nil || p.Subject != "7" || p.Token != tok {
			t.Fatalf("principal %+v, err %v", p, err)
		}
	})
	t.Run("the Authorization header is ignored", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, err := g.Check(r, auth.Authenticated)
		if errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("err %v, want unauthenticated", err)
		}
		if e, _ := errs.As(err); e == nil || e.Detail != "no session" {
			t.Fatalf("the Token function's error must be returned as is, got %v", err)
		}
	})
	t.Run("a token from the function gets the same verification", func(t *testing.T) {
		for name, bad := range map[string]string{
			"forged":  other.Mint(t, authtest.Token{Issuer: iss.URL}),
			"expired": iss.Mint(t, authtest.Token{TTL: -10 * time.Minute}),
			"garbage": "not-a-token",
		} {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: "session", Value: bad})
			if _, err := g.Check(r, auth.Authenticated); errs.CodeOf(err) != errs.Unauthenticated {
				t.Errorf("%s token: err %v, want unauthenticated", name, err)
			}
		}
	})
	t.Run("the policy still decides named permissions", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: tok})
		if _, err := g.Check(r, "test.secret.read"); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("err %v, want forbidden", err)
		}
	})
	t.Run("public routes do not ask for a token", func(t *testing.T) {
		before := calls
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if p, err := g.Check(r, auth.Public); p != nil || err != nil {
			t.Fatalf("public: %+v, %v", p, err)
		}
		if calls != before {
			t.Fatalf("Token was called for a public route")
		}
	})
	t.Run("undeclared permissions are refused before any token", func(t *testing.T) {
		before := calls
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: tok})
		if _, err := g.Check(r, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("err %v, want forbidden", err)
		}
		if calls != before {
			t.Fatalf("Token was called for an undeclared permission")
		}
	})
}

// A verified token is remembered until it expires: the same token gives an
// equal principal of its own (grants are per request), and once expired it is
// refused even though it was remembered.
func TestVerifiedTokensAreRememberedOnlyUntilTheyExpire(t *testing.T) {
	iss := authtest.NewIssuer(t)
	v := auth.NewVerifier(iss.Config())
	tok := iss.Mint(t, authtest.Token{Subject: "5", TTL: 2 * time.Second})
	first, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Grants = "grants of the first request"
	again, err := v.Verify(t.Context(), tok)
	if err != nil || again == first || again.Subject != "5" || again.Grants != nil || !again.Expires.Equal(first.Expires) {
		t.Fatalf("the same token again: %+v, %v", again, err)
	}
	time.Sleep(time.Until(first.Expires) + 100*time.Millisecond)
	if _, err := v.Verify(t.Context(), tok); errs.CodeOf(err) != errs.Unauthenticated {
		t.Fatalf("an expired remembered token: %v, want unauthenticated", err)
	}
}
