// Package inboxtest delivers a CloudEvent to a consumer in a test, as EKO's
// event delivery (the relay, the in-process dispatcher) does: binary mode,
// on behalf of the internal delivery.
package inboxtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/kuzbass/eko/shared/auth"
)

// Event is an event to deliver; a zero Time leaves the attribute unset.
type Event struct {
	ID, Source, Type string
	Time             time.Time
	Data             any
}

// Deliver posts ev to h at path and returns the status and the body.
func Deliver(t testing.TB, h http.Handler, path string, ev Event) (int, string) {
	t.Helper()
	e := cloudevents.NewEvent()
	e.SetID(ev.ID)
	e.SetSource(ev.Source)
	e.SetType(ev.Type)
	if !ev.Time.IsZero() {
		e.SetTime(ev.Time)
	}
	if err := e.SetData(cloudevents.ApplicationJSON, ev.Data); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, nil)
	if err := cehttp.WriteRequest(context.Background(), (*binding.EventMessage)(&e), req); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(auth.WithInternalDelivery(req.Context())))
	return rec.Code, rec.Body.String()
}
