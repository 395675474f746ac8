package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Querier runs queries: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Collect runs sql with args and returns its rows as values of T, each
// column into the field in its position (pgx.RowToStructByPos); no rows is
// an empty list.
func Collect[T any](ctx context.Context, q Querier, sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[T])
	if list == nil && err == nil {
		list = []T{}
	}
	return list, err
}
