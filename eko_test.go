package eko_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/httpx"
)

// startEKO runs the all-in-one function the way func-go runs it in production, on
// a free loopback port, against a fresh database it migrates itself.
func startEKO(t *testing.T, iss *authtest.Issuer) (*eko.Function, string) {
	t.Helper()
	d := dbtest.MustOpen(t) // empty: MIGRATE_ON_START must create every schema
	t.Setenv("DATABASE_URL", d.URL)
	t.Setenv("MIGRATE_ON_START", "true")
	t.Setenv("OIDC_ISSUER", iss.URL)
	t.Setenv("OIDC_AUDIENCE", "eko")
	t.Setenv("LISTEN_ADDRESS", "127.0.0.1:0")
	t.Setenv("LOG_LEVEL", "warn")

	f := eko.New()
	if ready, _ := f.Ready(context.Background()); ready {
		t.Fatal("ready before Start")
	}
	svc := fnhttp.New(f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			t.Error("eko did not stop")
		}
	})
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a := svc.Addr(); a != nil && base == "" {
			base = "http://" + a.String()
		}
		if base != "" {
			if resp, err := http.Get(base + "/health/readiness"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return f, base
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("eko not ready after 30s (base %q)", base)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAllInOneServesEveryFunction(t *testing.T) {
	iss := authtest.NewIssuer(t)
	f, base := startEKO(t, iss)

	authtest.CheckRoutes(t, f.Routes())

	token := iss.Mint(t, authtest.Token{})
	cases := []struct {
		name, path, token string
		status            int
		problem           string
	}{
		{"liveness", "/health/liveness", "", 200, ""},
		{"metrics are public", "/metrics", "", 200, ""},
		{"relay API without a token", "/api/outbox-relay/stats", "", 401, "unauthenticated"},
		{"relay API with a token but no grant", "/api/outbox-relay/stats", token, 403, "forbidden"},
		{"unknown API path", "/api/nothing-here", "", 404, "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+c.path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.problem != "" {
				var p httpx.Problem
				if err := json.Unmarshal(body, &p); err != nil || string(p.Code) != c.problem {
					t.Fatalf("problem %s, want code %s", body, c.problem)
				}
			}
			if c.path == "/metrics" && !strings.Contains(string(body), "eko_outbox_pending") {
				t.Fatalf("metrics lack the outbox gauges")
			}
		})
	}
}
