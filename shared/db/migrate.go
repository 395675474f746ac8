package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Schema is one function's embedded migrations. Each function owns one PostgreSQL
// schema of the same name and records its applied versions in <schema>.goose_db_version,
// so functions migrate independently of each other.
type Schema struct {
	Name string // PostgreSQL schema, e.g. "journal"
	FS   fs.FS  // goose SQL files (00001_init.sql, ...) at the root of FS
}

// migrateLockID is the advisory lock every migrate run holds, so concurrent
// starts (several pods, parallel tests on one database) apply each file once.
const migrateLockID = 0x656b6f // "eko"

// Migrate applies every pending migration of the given schemas, in order, over a
// direct connection to url (never through a transaction pooler: goose holds a
// session-level advisory lock). It is the one migrate path used by `make run`,
// the tests and the Kubernetes migration Job.
func Migrate(ctx context.Context, url string, log *slog.Logger, schemas ...Schema) error {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("migrate: parse url: %w", err)
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqlDB := stdlib.OpenDB(*cc)
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(2)
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	for _, s := range schemas {
		if err := migrateSchema(ctx, sqlDB, s, log); err != nil {
			return err
		}
	}
	return nil
}

func migrateSchema(ctx context.Context, sqlDB *sql.DB, s Schema, log *slog.Logger) error {
	if err := createSchema(ctx, sqlDB, s.Name); err != nil {
		return fmt.Errorf("migrate %s: create schema: %w", s.Name, err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrateLockID))
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{
		goose.WithTableName(s.Name + ".goose_db_version"),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, s.FS, opts...)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.Name, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.Name, err)
	}
	if log != nil {
		for _, r := range results {
			log.Info("migration applied", "schema", s.Name, "version", r.Source.Version, "took", r.Duration)
		}
	}
	return nil
}

// createSchema creates the schema under a transaction-scoped advisory lock:
// concurrent CREATE SCHEMA IF NOT EXISTS can otherwise fail on pg_namespace.
func createSchema(ctx context.Context, sqlDB *sql.DB, name string) error {
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockID+1); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	return tx.Commit()
}

// EmbeddedSchema is the Schema of a function whose goose files are embedded
// under dir of fsys (conventionally "migrations").
func EmbeddedSchema(name string, fsys fs.FS, dir string) Schema {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("db: embedded migrations of %s: %v", name, err)) // a build-time layout error
	}
	return Schema{Name: name, FS: sub}
}
