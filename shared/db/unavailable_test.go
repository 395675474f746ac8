package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
)

// IsUnavailable tells a database that cannot serve from a request or a bug
// the database refused, each time with a real failure of a real server.
func TestIsUnavailable(t *testing.T) {
	ctx := t.Context()
	d := dbtest.MustOpen(t)
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE k (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}

	_, refused := db.Open(ctx, db.Config{URL: "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"})

	victim, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(context.Background())
	if _, err := d.Pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, victim.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	_, terminated := victim.Exec(ctx, `SELECT 1`)

	slow, err := db.Open(ctx, db.Config{URL: d.URL, MaxConns: 1, StatementTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, timedOut := slow.Exec(ctx, `SELECT pg_sleep(5)`)

	_, duplicate := d.Pool.Exec(ctx, `INSERT INTO k VALUES (1), (1)`)
	_, syntax := d.Pool.Exec(ctx, `SELEC 1`)
	_, division := d.Pool.Exec(ctx, `SELECT 1/0`)

	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"connection terminated by the server", terminated, true},
		{"statement timeout", timedOut, true},
		{"unique violation", duplicate, false},
		{"syntax error", syntax, false},
		{"division by zero", division, false},
		{"no error", nil, false},
	} {
		if (c.err == nil) != (c.name == "no error") {
			t.Fatalf("%s: the failure did not happen: %v", c.name, c.err)
		}
		if got := db.IsUnavailable(c.err); got != c.want {
			t.Errorf("%s (%v): IsUnavailable = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
