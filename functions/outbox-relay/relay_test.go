package outboxrelay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/events"
	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/inbox"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/platform"
)

const pingType = "ru.kuzbass.eko.test.ping.v1"

func testCatalogue(t *testing.T, routes []events.Route) *events.Catalogue {
	t.Helper()
	cat, err := events.Load(os.DirFS("testdata/schemas"), routes)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func enqueue(t *testing.T, d *dbtest.Database, w *outbox.Writer, n int) {
	t.Helper()
	err := db.InTx(context.Background(), d.Pool, func(tx pgx.Tx) error {
		for i := 0; i < n; i++ {
			if _, err := w.Enqueue(context.Background(), tx, outbox.Event{Type: pingType, Source: "/eko/test", Subject: "s", Data: map[string]int{"n": i}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, d *dbtest.Database, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueueValidatesAndWritesNothingOnBadData(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	w := outbox.New(testCatalogue(t, nil))
	ctx := context.Background()
	for _, ev := range []outbox.Event{
		{Type: pingType, Source: "/eko/test", Data: map[string]any{"n": -1}},
		{Type: pingType, Source: "/eko/test", Data: map[string]any{"n": 1, "extra": true}},
		{Type: "ru.kuzbass.eko.unknown.thing.v1", Source: "/eko/test", Data: map[string]any{}},
	} {
		err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS domain_rows (n int)`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO domain_rows VALUES (1)`); err != nil {
				return err
			}
			_, err := w.Enqueue(ctx, tx, ev)
			return err
		})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("%+v: error %v, want Invalid", ev, err)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM platform.outbox`); n != 0 {
		t.Fatalf("outbox has %d rows after rejected events", n)
	}
	if n := count(t, d, `SELECT count(*) FROM pg_tables WHERE tablename = 'domain_rows'`); n != 0 {
		t.Fatalf("the domain write of a rejected event was committed")
	}
}

// consumer is a CloudEvents endpoint that applies each event exactly once.
type consumer struct {
	d        *dbtest.Database
	received atomic.Int64
	fail     atomic.Bool
}

func (c *consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.received.Add(1)
	if c.fail.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	ev, err := inbox.Read(w, r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	_, err = inbox.Apply(r.Context(), c.d.Pool, "test-consumer", ev, func(tx pgx.Tx) error {
		var data struct{ N int }
		if err := json.Unmarshal(ev.Data(), &data); err != nil {
			return err
		}
		_, err := tx.Exec(r.Context(), `INSERT INTO effects (event_id, n) VALUES ($1, $2)`, ev.ID(), data.N)
		return err
	})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func newConsumer(t *testing.T, d *dbtest.Database) *consumer {
	if _, err := d.Pool.Exec(context.Background(), `CREATE TABLE effects (event_id text NOT NULL, n int NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return &consumer{d: d}
}

func TestRelayDeliversToSinkExactlyOnceEffect(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	w := outbox.New(testCatalogue(t, nil))
	c := newConsumer(t, d)
	srv := httptest.NewServer(c)
	defer srv.Close()

	enqueue(t, d, w, 450)
	r := outboxrelay.NewRelay(d.Pool, outboxrelay.NewSink(srv.URL), outboxrelay.RelayConfig{BatchSize: 200}, nil)
	total := 0
	for {
		n, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 450 {
		t.Fatalf("claimed %d rows, want 450", total)
	}
	if n := count(t, d, `SELECT count(*) FROM platform.outbox WHERE status = 'delivered'`); n != 450 {
		t.Fatalf("%d delivered rows", n)
	}
	if n := count(t, d, `SELECT count(DISTINCT n) FROM effects`); n != 450 {
		t.Fatalf("%d distinct effects", n)
	}

	// A redelivery of an already applied event (as after a relay crash) has no second effect.
	if _, err := d.Pool.Exec(context.Background(), `UPDATE platform.outbox SET status = 'pending' WHERE seq IN (SELECT seq FROM platform.outbox ORDER BY seq LIMIT 10)`); err != nil {
		t.Fatal(err)
	}
	if n, err := r.RunOnce(context.Background()); err != nil || n != 10 {
		t.Fatalf("redelivery claimed %d, %v", n, err)
	}
	if n := count(t, d, `SELECT count(*) FROM effects`); n != 450 {
		t.Fatalf("%d effects after redelivery, want 450", n)
	}
}

func TestRelayBacksOffDeadLettersAndRedrives(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	w := outbox.New(testCatalogue(t, nil))
	c := newConsumer(t, d)
	c.fail.Store(true)
	srv := httptest.NewServer(c)
	defer srv.Close()
	enqueue(t, d, w, 3)

	cfg := outboxrelay.RelayConfig{BatchSize: 10, MaxAttempts: 3, BackoffBase: time.Hour, BackoffMax: 2 * time.Hour}
	r := outboxrelay.NewRelay(d.Pool, outboxrelay.NewSink(srv.URL), cfg, nil)
	ctx := context.Background()
	if n, err := r.RunOnce(ctx); err != nil || n != 3 {
		t.Fatalf("first round: %d %v", n, err)
	}
	// Backoff: a failed row is not retried before its next attempt time.
	if n, err := r.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("retried before the backoff elapsed: %d %v", n, err)
	}
	var attempts int
	var wait time.Duration
	if err := d.Pool.QueryRow(ctx, `SELECT attempts, next_attempt_at - now() FROM platform.outbox LIMIT 1`).Scan(&attempts, &wait); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || wait < 40*time.Minute || wait > 80*time.Minute {
		t.Fatalf("after one failure: attempts %d, next attempt in %s (want ~1h)", attempts, wait)
	}
	// Two more failures (time travel: make the rows due) → dead letters.
	for i := 0; i < 2; i++ {
		if _, err := d.Pool.Exec(ctx, `UPDATE platform.outbox SET next_attempt_at = now()`); err != nil {
			t.Fatal(err)
		}
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM platform.outbox WHERE status = 'dead' AND attempts = 3 AND last_error LIKE '%503%'`); n != 3 {
		t.Fatalf("%d dead letters with the last error recorded, want 3", n)
	}
	if n, _ := r.RunOnce(ctx); n != 0 {
		t.Fatalf("dead letters were claimed again")
	}
	stats, err := outboxrelay.ReadStats(ctx, d.Pool)
	if err != nil || stats.Dead != 3 || stats.Pending != 0 {
		t.Fatalf("stats %+v %v", stats, err)
	}

	// Redrive one by id, then the rest; the consumer is back.
	c.fail.Store(false)
	var id string
	if err := d.Pool.QueryRow(ctx, `SELECT id::text FROM platform.outbox ORDER BY seq LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if n, err := outboxrelay.Redrive(ctx, d.Pool, []string{id}); err != nil || n != 1 {
		t.Fatalf("redrive one: %d %v", n, err)
	}
	if n, err := r.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("after redrive: claimed %d %v", n, err)
	}
	if n, err := outboxrelay.Redrive(ctx, d.Pool, nil); err != nil || n != 2 {
		t.Fatalf("redrive all: %d %v", n, err)
	}
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM effects`); n != 3 {
		t.Fatalf("%d effects after redrive, want 3", n)
	}
}

func TestDispatcherDeliversInProcessByRoutingTable(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	routes := []events.Route{
		{Type: pingType, Consumer: "alpha", Path: "/api/alpha/events"},
		{Type: pingType, Consumer: "beta", Path: "/api/beta/events"},
	}
	cat := testCatalogue(t, routes)
	var mu sync.Mutex
	got := map[string][]string{}
	handler := func(name string) http.Handler {
		rt := httpx.NewRouter(&auth.Guard{})
		rt.Handle(http.MethodPost, "/api/"+name+"/events", auth.EventDelivery, func(w http.ResponseWriter, r *http.Request) error {
			ev, err := inbox.Read(w, r)
			if err != nil {
				return err
			}
			mu.Lock()
			got[name] = append(got[name], r.URL.Path+" "+ev.Type()+" "+ev.ID())
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
		return rt
	}
	consumers := map[string]http.Handler{"alpha": handler("alpha"), "beta": handler("beta")}
	disp := &outboxrelay.Dispatcher{Catalogue: cat, Consumers: func(name string) http.Handler { return consumers[name] }}
	enqueue(t, d, outbox.New(cat), 2)
	r := outboxrelay.NewRelay(d.Pool, disp, outboxrelay.RelayConfig{}, nil)
	if n, err := r.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("%d %v", n, err)
	}
	if len(got["alpha"]) != 2 || len(got["beta"]) != 2 {
		t.Fatalf("deliveries %v", got)
	}

	// Without the in-process mark, the same endpoint demands a token: the mark is
	// a context value, so nothing outside the process can forge it.
	rec := httptest.NewRecorder()
	ev := cloudevents.NewEvent()
	ev.SetID("x")
	ev.SetType(pingType)
	ev.SetSource("/eko/test")
	req := httptest.NewRequest(http.MethodPost, "/api/alpha/events", nil)
	handler("alpha").ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("external delivery without a token: %d", rec.Code)
	}

	// A consumer missing from the process fails the delivery (and it is retried).
	delete(consumers, "beta")
	enqueue(t, d, outbox.New(cat), 1)
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM platform.outbox WHERE status = 'pending' AND attempts = 1 AND last_error LIKE '%beta%'`); n != 1 {
		t.Fatalf("missing consumer did not fail the delivery")
	}
}

// With Knative Eventing's sender identity the Broker takes only events that
// carry the token the SinkBinding mounts; the Sink sends the file's current
// token, a renewed one included, and none when there is no file.
func TestSinkSendsTheMountedToken(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	sink := outboxrelay.NewSink(srv.URL)
	sink.TokenFile = tokenFile
	ev := cloudevents.NewEvent()
	ev.SetID("1")
	ev.SetType("ru.kuzbass.eko.test.ping.v1")
	ev.SetSource("/eko/test")

	for i, tok := range []string{"", "first", "renewed"} {
		if tok != "" {
			if err := os.WriteFile(tokenFile, []byte(tok+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := sink.Deliver(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		want := ""
		if tok != "" {
			want = "Bearer " + tok
		}
		if got[i] != want {
			t.Errorf("delivery %d: Authorization %q, want %q", i, got[i], want)
		}
	}
}
