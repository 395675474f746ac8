package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
)

var accounts = db.Schema{Name: "accounts", FS: fstest.MapFS{
	"00001_init.sql": {Data: []byte(`-- +goose Up
CREATE TABLE accounts.account (id int PRIMARY KEY, name text NOT NULL);
-- +goose Down
DROP TABLE accounts.account;
`)},
	"00002_email.sql": {Data: []byte(`-- +goose Up
ALTER TABLE accounts.account ADD COLUMN email text UNIQUE;
-- +goose Down
ALTER TABLE accounts.account DROP COLUMN email;
`)},
}}

func TestMigrateIsIdempotentAndSafeConcurrently(t *testing.T) {
	d := dbtest.MustOpen(t) // empty database: the four runs race to create the schema
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) { defer wg.Done(); errs[i] = db.Migrate(ctx, d.URL, nil, accounts) }(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent re-migrate: %v", err)
		}
	}
	if err := db.Migrate(ctx, d.URL, nil, accounts); err != nil {
		t.Fatalf("re-migrate: %v", err)
	}
	var version int64
	if err := d.Pool.QueryRow(ctx, `SELECT max(version_id) FROM accounts.goose_db_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != 2 {
		t.Fatalf("version %d, want 2", version)
	}
	if _, err := d.Pool.Exec(ctx, `INSERT INTO accounts.account (id, name, email) VALUES (1, 'a', 'a@x')`); err != nil {
		t.Fatalf("schema not as migrated: %v", err)
	}
}

func TestInTxCommitsAllOrNothing(t *testing.T) {
	d := dbtest.MustOpen(t, accounts)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO accounts.account (id, name) VALUES (1, 'first')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v", err)
	}
	err = db.InTx(ctx, d.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts.account (id, name, email) VALUES (2, 'second', 'x@x'), (3, 'third', 'x@x')`)
		return err
	})
	if !db.IsUniqueViolation(err, "account_email_key") || db.IsUniqueViolation(err, "other") {
		t.Fatalf("unique violation not recognised: %v", err)
	}
	var n int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM accounts.account`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows survived failed transactions", n)
	}
}

func TestOpenSetsSessionGuarantees(t *testing.T) {
	d := dbtest.MustOpen(t)
	var syncCommit, timeout string
	if err := d.Pool.QueryRow(context.Background(), `SELECT current_setting('synchronous_commit'), current_setting('statement_timeout')`).Scan(&syncCommit, &timeout); err != nil {
		t.Fatal(err)
	}
	if syncCommit != "on" || timeout != "30s" {
		t.Fatalf("synchronous_commit=%s statement_timeout=%s", syncCommit, timeout)
	}
	if _, err := db.Open(context.Background(), db.Config{URL: d.URL, ExecMode: "bogus"}); err == nil {
		t.Fatal("unknown exec mode accepted")
	}
}
