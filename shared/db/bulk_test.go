package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
)

// TestBulkLoad: during the load the tables have no secondary index and no
// foreign key; afterwards both are back as they were, and a row that breaks
// a key fails the load (nothing committed).
func TestBulkLoad(t *testing.T) {
	d := dbtest.MustOpen(t)
	ctx := context.Background()
	d.Exec(t, `CREATE SCHEMA shop;
		CREATE TABLE shop.orders (id int PRIMARY KEY, placed date NOT NULL);
		CREATE TABLE shop.lines (order_id int NOT NULL REFERENCES shop.orders (id), no int NOT NULL, item text, UNIQUE (order_id, no));
		CREATE INDEX lines_item_idx ON shop.lines (item) WHERE item IS NOT NULL`)
	shape := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) (indexes, keys int) {
		t.Helper()
		if err := q.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname = 'shop'),
			(SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'shop'::regnamespace)`).Scan(&indexes, &keys); err != nil {
			t.Fatal(err)
		}
		return indexes, keys
	}
	load := func(orphan bool) error {
		return pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
			done, err := db.BulkLoad(ctx, tx, "shop", "orders", "lines")
			if err != nil {
				return err
			}
			if i, k := shape(tx); i != 2 || k != 0 { // the primary key and the unique constraint stay
				t.Errorf("during the load: %d indexes, %d foreign keys; want 2 and 0", i, k)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO shop.orders VALUES (1, '2026-12-07'); INSERT INTO shop.lines VALUES (1, 1, 'мел'), (1, 2, NULL)`); err != nil {
				return err
			}
			if orphan {
				if _, err := tx.Exec(ctx, `INSERT INTO shop.lines VALUES (2, 1, 'тетрадь')`); err != nil {
					return err
				}
			}
			return done(ctx)
		})
	}
	if err := load(true); err == nil {
		t.Fatal("a line of no order was loaded")
	}
	if n := d.Count(t, `SELECT count(*) FROM shop.lines`); n != 0 {
		t.Fatalf("the failed load left %d lines", n)
	}
	if err := load(false); err != nil {
		t.Fatal(err)
	}
	if i, k := shape(d.Pool); i != 3 || k != 1 {
		t.Errorf("after the load: %d indexes, %d foreign keys; want 3 and 1", i, k)
	}
	if n := d.Count(t, `SELECT count(*) FROM pg_indexes WHERE indexname = 'lines_item_idx' AND indexdef LIKE '%WHERE (item IS NOT NULL)%'`); n != 1 {
		t.Error("the partial index did not come back as it was")
	}
}
