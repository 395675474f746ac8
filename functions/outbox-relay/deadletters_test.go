package outboxrelay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kuzbass/eko/ekotest"
	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
)

// TestBrokerDeadLettersAreParkedOnceAndRedrivable: the Broker's dead letters
// reach the relay only with a service's token, are parked once however often
// they are delivered, and are redriven (the world: ekotest, every function).
func TestBrokerDeadLettersAreParkedOnceAndRedrivable(t *testing.T) {
	w := ekotest.Open(t, ekotest.Options{Seed: 3})
	dead := func() (n int, lastError string) {
		if err := w.DB.Pool.QueryRow(context.Background(), `SELECT count(*), coalesce(max(last_error), '') FROM platform.outbox WHERE status = 'dead'`).Scan(&n, &lastError); err != nil {
			t.Fatal(err)
		}
		return n, lastError
	}
	before, _ := dead()

	post := func(token string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/outbox-relay/dead-letters/events", strings.NewReader(`{"n":1}`))
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
		w.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous dead letter: %d", code)
	}
	if code := post(w.Token(t, "ministry")); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Fatalf("a person's token posted a dead letter: %d", code)
	}
	svc := w.ServiceToken(t, "epgu")
	for range 2 { // the Broker may deliver a dead letter twice
		if code := post(svc); code != http.StatusAccepted {
			t.Fatalf("dead letter from a service: %d", code)
		}
	}
	if n, lastError := dead(); n != before+1 || !strings.Contains(lastError, "HTTP 500") {
		t.Fatalf("%d dead letters (%q), want one more with the broker's error", n-before, lastError)
	}
	if moved, err := outboxrelay.Redrive(context.Background(), w.DB.Pool, nil); err != nil || moved != int64(before+1) {
		t.Fatalf("redrive: %d %v", moved, err)
	}
}
