// Package db opens the PostgreSQL pool every EKO function uses, runs work in
// transactions and applies the functions' embedded migrations.
//
// The pool is sized for scale-out (a few connections per instance, many instances)
// and its statements work behind PgBouncer in transaction pooling mode, whose
// protocol-level prepared statements (max_prepared_statements) keep each
// statement prepared once per server connection.
package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is the PostgreSQL part of every function's configuration.
type Config struct {
	// URL is the connection string of the pooler (or of the server in small deployments).
	URL string `envconfig:"DATABASE_URL" default:"postgres://postgres@127.0.0.1:5432/eko?sslmode=disable"`
	// MaxConns bounds the connections one instance opens. Keep it small: Knative runs many instances.
	MaxConns int32 `envconfig:"DB_MAX_CONNS" default:"4"`
	// StatementTimeout cancels any statement that runs longer. Behind PgBouncer add
	// statement_timeout to ignore_startup_parameters or set it on the role instead.
	StatementTimeout time.Duration `envconfig:"DB_STATEMENT_TIMEOUT" default:"5s"`
	// ExecMode is the pgx query exec mode. "cache_statement" (the default)
	// prepares each statement once per connection and reuses its plan; it works
	// on a direct connection and behind PgBouncer 1.21+ in transaction mode with
	// max_prepared_statements set (the Pooler in infra/k8s sets it). "exec" and
	// "simple_protocol" plan every statement anew and suit an older PgBouncer.
	ExecMode string `envconfig:"DB_EXEC_MODE" default:"cache_statement"`
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	pc.MinConns = 0
	pc.MaxConnIdleTime = time.Minute
	pc.HealthCheckPeriod = 30 * time.Second
	mode, err := execMode(cfg.ExecMode)
	if err != nil {
		return nil, err
	}
	pc.ConnConfig.DefaultQueryExecMode = mode
	rp := pc.ConnConfig.RuntimeParams
	if cfg.StatementTimeout > 0 {
		rp["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
		rp["idle_in_transaction_session_timeout"] = strconv.FormatInt(4*cfg.StatementTimeout.Milliseconds(), 10)
	}
	// Acknowledged writes must be durable before the answer (DESIGN §4).
	rp["synchronous_commit"] = "on"
	if _, ok := rp["application_name"]; !ok {
		rp["application_name"] = "eko"
	}
	pc.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		writeUUIDsAsBytes(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return pool, nil
}

func execMode(s string) (pgx.QueryExecMode, error) {
	switch s {
	case "exec":
		return pgx.QueryExecModeExec, nil
	case "simple_protocol":
		return pgx.QueryExecModeSimpleProtocol, nil
	case "", "cache_statement":
		return pgx.QueryExecModeCacheStatement, nil
	case "cache_describe":
		return pgx.QueryExecModeCacheDescribe, nil
	case "describe_exec":
		return pgx.QueryExecModeDescribeExec, nil
	}
	return 0, fmt.Errorf("db: unknown DB_EXEC_MODE %q", s)
}

// Beginner is what InTx needs: a pool, a connection or an outer transaction.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction. It commits when fn returns nil and rolls back
// otherwise, so fn's writes land all together or not at all. A serialization
// failure or deadlock is retried up to three times, so fn must be safe to rerun
// (keep side effects outside the database out of fn).
func InTx(ctx context.Context, b Beginner, fn func(pgx.Tx) error) error {
	const attempts = 3
	var err error
	for i := 0; i < attempts; i++ {
		err = inTx(ctx, b, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func inTx(ctx context.Context, b Beginner, fn func(pgx.Tx) error) (err error) {
	tx, err := b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Retryable reports whether err is a transient conflict (serialization failure or deadlock).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique-constraint violation, optionally
// of the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return false
	}
	return constraint == "" || pe.ConstraintName == constraint
}
