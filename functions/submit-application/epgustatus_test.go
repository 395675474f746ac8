package submitapplication

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/function"
)

// fakeEPGU stands in for the federal portal's status intake: it takes
// CloudEvents over HTTP, refuses the first `down` of them with 503 (EPGU
// unavailable) and records the rest.
type fakeEPGU struct {
	mu       sync.Mutex
	down     int
	received []cloudevents.Event
	auth     []string
}

func (e *fakeEPGU) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, err := cehttp.NewEventFromHTTPRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down > 0 {
		e.down--
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	e.received = append(e.received, *ev)
	e.auth = append(e.auth, r.Header.Get("Authorization"))
	w.WriteHeader(http.StatusAccepted)
}

func (e *fakeEPGU) events() ([]cloudevents.Event, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]cloudevents.Event(nil), e.received...), append([]string(nil), e.auth...)
}

// A status change of an application filed on EPGU reaches EPGU as a CloudEvent
// with the order id and the EPGU status code — through the outbox, the relay
// and the routing table, as in production — after EPGU comes back from being
// down, and once; a cabinet application's status is not sent.
func TestStatusUpdatesReachEPGU(t *testing.T) {
	epgu := &fakeEPGU{down: 1}
	srv := httptest.NewServer(epgu)
	defer srv.Close()
	w := newWorld(t, function.Tune(Name, func(o *Options) {
		o.EPGU = EPGUConfig{StatusURL: srv.URL, StatusToken: "smev-token", Timeout: 5 * time.Second}
	}))

	var fromEPGU, fromCabinet submitapplicationapi.Application
	code, resp := w.postEvent("epgu", "order-77", submitapplicationapi.EventEPGUSubmitted, epguData("77000077", "155-666-777 14", "{school1}"), false)
	if code != http.StatusCreated {
		t.Fatalf("EPGU application: %d %s", code, resp)
	}
	if err := json.Unmarshal([]byte(resp), &fromEPGU); err != nil {
		t.Fatal(err)
	}
	w.must(w.f.Handle, http.MethodPost, "/api/submit-application/applications", "parent1", firstGradeBody("{grader1}", "{school1}", "territory", ""),
		map[string]string{"Idempotency-Key": "cab"}, 201, &fromCabinet)
	for _, a := range []submitapplicationapi.Application{fromEPGU, fromCabinet} {
		w.must(w.f.Handle, http.MethodPost, "/api/submit-application/applications/"+a.ID.String()+"/status", "director-s1",
			statusBody("checking", "", "проверяем сведения"), nil, 200, nil)
	}

	for round := 0; round < 20 && w.count(`SELECT count(*) FROM platform.outbox WHERE status <> 'delivered'`) > 0; round++ {
		w.sys.Deliver()
		time.Sleep(5 * time.Millisecond) // past the backoff
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE status <> 'delivered'`); n != 0 {
		t.Fatalf("%d events not delivered", n)
	}
	got, auths := epgu.events()
	if len(got) != 1 {
		t.Fatalf("EPGU received %d updates, want exactly 1 (the EPGU application's)", len(got))
	}
	var st submitapplicationapi.StatusChangedEvent
	if err := got[0].DataAs(&st); err != nil {
		t.Fatal(err)
	}
	if got[0].Type() != submitapplicationapi.EventStatusChanged || st.EPGUOrderID != "77000077" || st.EPGUStatusCode != 130 || st.Status != string(submitapplicationapi.Checking) ||
		st.ApplicationID != fromEPGU.ID.String() || auths[0] != "Bearer smev-token" {
		t.Fatalf("EPGU received %s %+v (auth %q)", got[0].Type(), st, auths[0])
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND attempts > 1`, submitapplicationapi.EventStatusChanged); n != 1 {
		t.Errorf("%d status events needed a retry, want 1 (EPGU was down once)", n)
	}

	// The Broker delivers again (at least once): EPGU is not sent the update twice.
	redelivery := got[0].Clone()
	code, resp = w.deliver(redelivery)
	if code != http.StatusOK {
		t.Fatalf("redelivery: %d %s", code, resp)
	}
	if again, _ := epgu.events(); len(again) != 1 {
		t.Fatalf("a redelivered update was sent again: %d", len(again))
	}
	// The EPGU service account cannot pass status events off as EKO's.
	forged := got[0].Clone()
	forged.SetID("forged-1")
	if code, _ := w.deliverAs("epgu", forged); code != http.StatusForbidden {
		t.Fatalf("status event from the EPGU account: %d, want 403", code)
	}
}

// deliver posts ev to the events endpoint as the in-process dispatcher does.
func (w *world) deliver(ev cloudevents.Event) (int, string) {
	return w.deliverAs("", ev)
}

// deliverAs posts ev in binary mode as login ("": the in-process dispatcher).
func (w *world) deliverAs(login string, ev cloudevents.Event) (int, string) {
	w.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/submit-application/events", nil)
	if err := cehttp.WriteRequest(w.t.Context(), (*binding.EventMessage)(&ev), req); err != nil {
		w.t.Fatal(err)
	}
	ctx := req.Context()
	if login == "" {
		ctx = auth.WithInternalDelivery(ctx)
	} else {
		req.Header.Set("Authorization", "Bearer "+w.tokens[login])
	}
	rec := httptest.NewRecorder()
	w.f.Handle(rec, req.WithContext(ctx))
	return rec.Code, rec.Body.String()
}
