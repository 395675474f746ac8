package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// WithoutIndexes drops, in tx, the secondary indexes of tables in schema —
// not their primary keys nor the indexes behind unique constraints — so that
// a bulk load into them writes rows only, and returns what builds the same
// indexes again (from their definitions as the catalogue holds them). Call it
// only on tables the load starts empty: building an index over a whole
// table once is far cheaper than updating it row by row.
func WithoutIndexes(ctx context.Context, tx pgx.Tx, schema string, tables ...string) (rebuild func(context.Context) error, err error) {
	rows, err := tx.Query(ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2) AND NOT i.indisprimary AND NOT i.indisunique
		ORDER BY 1`, schema, tables)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	var name, def string
	if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error { names, defs = append(names, name), append(defs, def); return nil }); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := tx.Exec(ctx, "DROP INDEX "+n); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", n, err)
		}
	}
	return func(ctx context.Context) error {
		for i, d := range defs {
			if _, err := tx.Exec(ctx, d); err != nil {
				return fmt.Errorf("rebuild index %s: %w", names[i], err)
			}
		}
		return nil
	}, nil
}
