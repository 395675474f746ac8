// Package dbtest gives tests their own fresh, migrated PostgreSQL database.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/db"
)

// AdminURL is the server the test databases are created on: TEST_DATABASE_URL,
// else the local server that `make test` guarantees.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Database is a fresh database created for one test.
type Database struct {
	URL  string
	Pool *pgxpool.Pool
}

// MustOpen creates a new database, applies the given schemas with db.Migrate (the
// same code path as production) and returns a pool on it. The database is dropped
// when the test ends. It fails the test, never skips it, when PostgreSQL is absent.
func MustOpen(t testing.TB, schemas ...db.Schema) *Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("dbtest: PostgreSQL at %s does not answer (run the tests with `make test`, which starts it): %v", AdminURL(), err)
	}
	defer admin.Close(ctx)

	name := "eko_test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
		}
	})

	u := withDatabase(t, AdminURL(), name)
	if err := db.Migrate(ctx, u, nil, schemas...); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	pool, err := db.Open(ctx, db.Config{URL: u, MaxConns: 8, StatementTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(pool.Close)
	return &Database{URL: u, Pool: pool}
}

func withDatabase(t testing.TB, raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("dbtest: parse %s: %v", raw, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("dbtest: random: %v", err))
	}
	return strings.ToLower(hex.EncodeToString(b))
}

// Exec runs sql in the database, failing t on an error: a test's setting of
// the stage around the API it tests.
func (d *Database) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := d.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Count runs sql, which selects one number, failing t on an error: what a
// test asserts was (or was not) written. An assertion over a whole seeded
// year may take longer than the functions' statement timeout on a busy
// machine, so it runs under a timeout of its own (countTimeout).
func (d *Database) Count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, countTimeout); err != nil {
			return err
		}
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// countTimeout bounds one Count.
const countTimeout = "120s"
