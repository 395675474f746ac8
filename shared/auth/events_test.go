package auth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/errs"
)

// The Broker's delivery tokens (the cluster's service-account issuer, the
// Trigger's audience, a service account of the namespace) open event routes
// and nothing else; the issuer's keys are fetched with the pod's own token, as
// the Kubernetes API server requires.
func TestGuardAcceptsBrokerDeliveries(t *testing.T) {
	people := authtest.NewIssuer(t)
	cluster := authtest.NewIssuer(t)
	const audience = "eko.kuzbass.ru/events/submit-application"

	// The API server serves its keys only to a caller with a token.
	podToken := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(podToken, []byte("pod-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keysAsked := 0
	apiserver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer pod-token" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		keysAsked++
		resp, err := http.Get(cluster.URL + "/keys")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		_, _ = io.Copy(w, resp.Body)
	}))
	defer apiserver.Close()

	senders, err := auth.NewEventsVerifier(auth.EventsConfig{Issuer: cluster.URL, Audience: audience,
		JWKSURL: apiserver.URL + "/openid/v1/jwks", TokenFile: podToken})
	if err != nil {
		t.Fatal(err)
	}
	g := &auth.Guard{Verifier: auth.NewVerifier(people.Config()), Policy: auth.DenyAll{},
		Events: senders, EventSubjectPrefix: "system:serviceaccount:eko:"}
	check := func(perm auth.Permission, tok string) (*auth.Principal, error) {
		r := httptest.NewRequest(http.MethodPost, "/api/x/events", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return g.Check(r, perm)
	}
	trigger := "system:serviceaccount:eko:oidc-trigger-submit-application"

	p, err := check(auth.EventDelivery, cluster.Mint(t, authtest.Token{Audience: audience, Subject: trigger}))
	if err != nil || !p.Service || p.Subject != trigger {
		t.Fatalf("a Broker delivery: %+v, %v", p, err)
	}
	if keysAsked == 0 {
		t.Fatal("the keys were not fetched from the API server with the pod's token")
	}
	for name, c := range map[string]struct {
		perm auth.Permission
		tok  string
	}{
		"another audience":                {auth.EventDelivery, cluster.Mint(t, authtest.Token{Audience: "eko.kuzbass.ru/events/post-grade", Subject: trigger})},
		"another namespace":               {auth.EventDelivery, cluster.Mint(t, authtest.Token{Audience: audience, Subject: "system:serviceaccount:default:x"})},
		"expired":                         {auth.EventDelivery, cluster.Mint(t, authtest.Token{Audience: audience, Subject: trigger, TTL: -10 * time.Minute})},
		"a person's token for events":     {auth.EventDelivery, people.Mint(t, authtest.Token{})},
		"a Broker token on another route": {auth.Authenticated, cluster.Mint(t, authtest.Token{Audience: audience, Subject: trigger})},
	} {
		p, err := check(c.perm, c.tok)
		if err == nil || (errs.CodeOf(err) != errs.Unauthenticated && errs.CodeOf(err) != errs.Forbidden) {
			t.Errorf("%s: %+v, %v; want refused", name, p, err)
		}
	}

	// Without an events issuer configured, no such token is accepted.
	bare := &auth.Guard{Verifier: auth.NewVerifier(people.Config()), Policy: auth.DenyAll{}}
	r := httptest.NewRequest(http.MethodPost, "/api/x/events", nil)
	r.Header.Set("Authorization", "Bearer "+cluster.Mint(t, authtest.Token{Audience: audience, Subject: trigger}))
	if _, err := bare.Check(r, auth.EventDelivery); errs.CodeOf(err) != errs.Unauthenticated {
		t.Fatalf("no events issuer: %v, want unauthenticated", err)
	}
}
