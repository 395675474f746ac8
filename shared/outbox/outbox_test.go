package outbox_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/platform"
)

const ping = "ru.kuzbass.eko.test.ping.v1"

// EnqueueMany writes every event of a small batch (one INSERT) and of a bulk
// one (COPY) exactly as given, and nothing at all when one event is invalid.
func TestEnqueueMany(t *testing.T) {
	ctx := t.Context()
	d := dbtest.MustOpen(t, platform.Schema())
	cat, err := events.Load(os.DirFS("../../events/testdata/good"), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := outbox.New(cat)
	batch := func(n, from int) []outbox.Event {
		evs := make([]outbox.Event, n)
		for i := range evs {
			evs[i] = outbox.Event{Type: ping, Source: "/eko/test", Subject: fmt.Sprint("s", from+i), Data: map[string]int{"n": from + i}}
		}
		evs[0].Subject = "" // an event about no entity
		return evs
	}
	for _, c := range []struct {
		name  string
		n     int
		bulky bool
	}{{"small batch", 3, false}, {"bulk", 1500, true}} {
		from := 10_000 * len(c.name)
		if err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error { return w.EnqueueMany(ctx, tx, batch(c.n, from)) }); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var n, withSubject, sum int
		if err := d.Pool.QueryRow(ctx, `SELECT count(*), count(subject), coalesce(sum((data->>'n')::int), 0) FROM platform.outbox
			WHERE (data->>'n')::int BETWEEN $1 AND $2 AND type = $3 AND source = '/eko/test'`, from, from+c.n-1, ping).Scan(&n, &withSubject, &sum); err != nil {
			t.Fatal(err)
		}
		if want := c.n*from + c.n*(c.n-1)/2; n != c.n || withSubject != c.n-1 || sum != want {
			t.Errorf("%s: %d rows (%d with a subject), sum %d; want %d, %d, %d", c.name, n, withSubject, sum, c.n, c.n-1, want)
		}
	}

	bad := batch(5, 0)
	bad[3].Data = map[string]any{"n": "three"}
	err = db.InTx(ctx, d.Pool, func(tx pgx.Tx) error { return w.EnqueueMany(ctx, tx, bad) })
	var n int
	_ = d.Pool.QueryRow(ctx, `SELECT count(*) FROM platform.outbox WHERE (data->>'n')::int < 5`).Scan(&n)
	if err == nil || n != 0 {
		t.Fatalf("an invalid event: err %v, %d rows written", err, n)
	}
}
