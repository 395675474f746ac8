package outboxrelay_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kuzbass/eko/events"
	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/platform"
)

func TestBrokerDeadLettersAreParkedOnceAndRedrivable(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	iss := authtest.NewIssuer(t)
	policy := access.NewPolicy(nil)
	deps := &function.Deps{DB: d.Pool, Policy: policy, Outbox: outbox.New(events.Default()), Log: slog.Default(),
		Guard: &auth.Guard{Verifier: auth.NewVerifier(iss.Config()), Policy: policy}}
	f, err := outboxrelay.Mount(context.Background(), deps, outboxrelay.Options{
		Deliverer: outboxrelay.NewSink("http://127.0.0.1:1"), // never reached: the loop does not run
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop(context.Background()) })
	t.Cleanup(func() {
		for _, u := range f.Undeclared() {
			t.Errorf("the relay refused with what outboxrelayapi does not declare: %s", u)
		}
	})

	post := func(ctx context.Context, token string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/outbox-relay/dead-letters/events", strings.NewReader(`{"n":1}`)).WithContext(ctx)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Id", "evt-1")
		req.Header.Set("Ce-Type", "ru.kuzbass.eko.test.ping.v1")
		req.Header.Set("Ce-Source", "/eko/test")
		req.Header.Set("Ce-Knativeerrorcode", "500")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		f.Handle(rec, req)
		return rec.Code
	}
	if code := post(context.Background(), ""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous dead letter: %d", code)
	}
	if code := post(context.Background(), iss.Mint(t, authtest.Token{})); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Fatalf("a person's token posted a dead letter: %d", code)
	}
	svc := iss.Mint(t, authtest.Token{Subject: "service:broker", Claims: map[string]any{"client_kind": "service"}})
	for range 2 { // the Broker may deliver a dead letter twice
		if code := post(context.Background(), svc); code != http.StatusAccepted {
			t.Fatalf("dead letter from a service: %d", code)
		}
	}
	var n int
	var lastError string
	if err := d.Pool.QueryRow(context.Background(), `SELECT count(*), max(last_error) FROM platform.outbox WHERE status = 'dead'`).Scan(&n, &lastError); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !strings.Contains(lastError, "HTTP 500") {
		t.Fatalf("%d dead letters (%q), want one with the broker's error", n, lastError)
	}
	if moved, err := outboxrelay.Redrive(context.Background(), d.Pool, nil); err != nil || moved != 1 {
		t.Fatalf("redrive: %d %v", moved, err)
	}
}
