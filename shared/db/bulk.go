package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// BulkLoad prepares, in tx, a bulk load into tables of schema that start
// empty: it drops their secondary indexes (not primary keys nor the indexes
// behind unique constraints) and their foreign keys, so that the load writes
// rows only, and returns what restores both from their definitions as the
// catalogue held them — the indexes built once over the loaded rows, then
// the foreign keys checked in one pass each. A failed check fails done, and
// with it the transaction: nothing loaded that breaks a key is committed.
func BulkLoad(ctx context.Context, tx pgx.Tx, schema string, tables ...string) (done func(context.Context) error, err error) {
	type def struct{ drop, create string }
	var indexes, keys []def
	for _, q := range []struct {
		sql  string
		into *[]def
	}{
		{`SELECT 'DROP INDEX ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
			FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
			WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2) AND NOT i.indisprimary AND NOT i.indisunique
			ORDER BY 1`, &indexes},
		{`SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', k.conrelid::regclass, k.conname),
			       format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid))
			FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
			WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2) AND k.contype = 'f'
			ORDER BY 1`, &keys},
	} {
		rows, err := tx.Query(ctx, q.sql, schema, tables)
		if err != nil {
			return nil, err
		}
		var d def
		if _, err := pgx.ForEachRow(rows, []any{&d.drop, &d.create}, func() error { *q.into = append(*q.into, d); return nil }); err != nil {
			return nil, err
		}
	}
	for _, d := range append(keys, indexes...) {
		if _, err := tx.Exec(ctx, d.drop); err != nil {
			return nil, fmt.Errorf("bulk load: %s: %w", d.drop, err)
		}
	}
	return func(ctx context.Context) error {
		for _, d := range append(indexes, keys...) {
			if _, err := tx.Exec(ctx, d.create); err != nil {
				return fmt.Errorf("bulk load: %s: %w", d.create, err)
			}
		}
		return nil
	}, nil
}
