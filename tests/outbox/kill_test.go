// Package outbox_test proves the outbox's delivery guarantee end to end: the real
// outbox-relay binary, SIGKILLed in the middle of a batch and started again,
// delivers every event, and a deduplicating consumer applies each exactly once.
package outbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/inbox"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/platform"
	"github.com/kuzbass/eko/tests/loopback"
)

const (
	pingType = "ru.kuzbass.eko.test.ping.v1"
	total    = 10_000
	killAt   = 3_100 // the consumer blocks after this many applied events, holding a batch open
)

// gatedConsumer applies events exactly once and, once killAt events are applied,
// blocks every further request until the gate opens — so the relay is certainly
// in the middle of a batch when it is killed.
type gatedConsumer struct {
	pool     *dbtest.Database
	received atomic.Int64
	applied  atomic.Int64
	blocked  chan struct{} // closed when the first request blocks
	gate     chan struct{} // closed to let requests through again
	once     sync.Once
}

func (c *gatedConsumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.received.Add(1)
	if c.applied.Load() >= killAt {
		select {
		case <-c.gate:
		default:
			c.once.Do(func() { close(c.blocked) })
			select {
			case <-c.gate:
			case <-r.Context().Done():
				return
			}
		}
	}
	ev, err := inbox.Read(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	applied, err := inbox.Apply(r.Context(), c.pool.Pool, "kill-test", ev, func(tx pgx.Tx) error {
		var data struct{ N int }
		if err := json.Unmarshal(ev.Data(), &data); err != nil {
			return err
		}
		_, err := tx.Exec(r.Context(), `INSERT INTO effects (event_id, n) VALUES ($1, $2)`, ev.ID(), data.N)
		return err
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if applied {
		c.applied.Add(1)
	}
	w.WriteHeader(http.StatusAccepted)
}

func buildRelay(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "outbox-relay")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kuzbass/eko/functions/outbox-relay/cmd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build relay: %v\n%s", err, out)
	}
	return bin
}

func startRelay(t *testing.T, bin, dbURL, sink string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"K_SINK="+sink,
		"LISTEN_ADDRESS="+loopback.Addr(t),
		"RELAY_BATCH_SIZE=500",
		"RELAY_CONCURRENCY=16",
		"RELAY_POLL_INTERVAL=50ms",
		"RELAY_DELIVERY_TIMEOUT=60s",
		"DB_STATEMENT_TIMEOUT=60s",
		"LOG_LEVEL=warn",
	)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "relay.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("relay log:\n%s", b)
		}
	})
	return cmd
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRelaySurvivesSIGKILLMidBatch(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE effects (event_id text NOT NULL, n int NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	cat, err := events.Load(os.DirFS("testdata/schemas"), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := outbox.New(cat)
	for start := 0; start < total; start += 1000 {
		err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error {
			for i := start; i < start+1000; i++ {
				if _, err := w.Enqueue(ctx, tx, outbox.Event{Type: pingType, Source: "/eko/kill-test", Data: map[string]int{"n": i}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	c := &gatedConsumer{pool: d, blocked: make(chan struct{}), gate: make(chan struct{})}
	sink := httptest.NewServer(c)
	defer sink.Close()
	bin := buildRelay(t)

	first := startRelay(t, bin, d.URL, sink.URL)
	select {
	case <-c.blocked:
	case <-time.After(2 * time.Minute):
		t.Fatalf("relay applied only %d events in 2 minutes", c.applied.Load())
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()
	close(c.gate)

	var delivered int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM platform.outbox WHERE status = 'delivered'`).Scan(&delivered); err != nil {
		t.Fatal(err)
	}
	appliedAtKill := c.applied.Load()
	t.Logf("at SIGKILL: %d events applied by the consumer, %d rows recorded as delivered", appliedAtKill, delivered)
	if int64(delivered) >= appliedAtKill {
		t.Fatalf("the kill did not land mid-batch: %d delivered rows vs %d applied", delivered, appliedAtKill)
	}

	startRelay(t, bin, d.URL, sink.URL)
	waitFor(t, "every event delivered after the restart", 3*time.Minute, func() bool {
		var pending int
		_ = d.Pool.QueryRow(ctx, `SELECT count(*) FROM platform.outbox WHERE status <> 'delivered'`).Scan(&pending)
		return pending == 0
	})

	var rows, distinct, minN, maxN int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT n), min(n), max(n) FROM effects`).Scan(&rows, &distinct, &minN, &maxN); err != nil {
		t.Fatal(err)
	}
	if rows != total || distinct != total || minN != 0 || maxN != total-1 {
		t.Fatalf("effects: %d rows, %d distinct, n in [%d,%d]; want exactly %d, each once", rows, distinct, minN, maxN, total)
	}
	if redelivered := c.received.Load() - total; redelivered <= 0 {
		t.Fatalf("no event was redelivered (%d requests), so the crash was not exercised", c.received.Load())
	} else {
		t.Logf("%d requests for %d events: %d redeliveries absorbed by the consumer's dedupe", c.received.Load(), total, redelivered)
	}
}
