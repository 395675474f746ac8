package eko

import (
	"context"
	"fmt"
	"time"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/functions/registry/seed"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// SeedConfig configures `eko seed`.
type SeedConfig struct {
	Config
	// Scale is small (two municipalities, for development) or region (all of Kuzbass).
	Scale string `envconfig:"SEED_SCALE" default:"small"`
	// Random makes a different (but reproducible) region.
	Random uint64 `envconfig:"SEED_RANDOM" default:"1"`
	// IfEmpty seeds only a registry that holds no people and otherwise does
	// nothing (`make run` seeds a new database this way).
	IfEmpty bool `envconfig:"SEED_IF_EMPTY" default:"false"`
}

// Seed migrates, then loads a synthetic region and every fixture identity into
// an empty registry, in one transaction.
func Seed(ctx context.Context, cfg SeedConfig) error {
	if err := Migrate(ctx, cfg.Config); err != nil {
		return err
	}
	log := function.NewLogger(cfg.LogLevel)
	dbc := cfg.DB
	dbc.StatementTimeout = time.Hour
	dbc.MaxConns = 2
	pool, err := db.Open(ctx, dbc)
	if err != nil {
		return err
	}
	defer pool.Close()
	p, err := pdata.Open(cfg.PData)
	if err != nil {
		return err
	}
	if cfg.IfEmpty {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM registry.people`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			log.Info("the registry already holds people; not seeding", "people", n)
			return nil
		}
	}
	log.Info("seeding", "scale", cfg.Scale)
	st, err := seed.Run(ctx, pool, p, fixtures.MustLoad(), seed.Options{Scale: seed.Scale(cfg.Scale), Seed: cfg.Random})
	if err != nil {
		return err
	}
	fmt.Printf("seeded %s: %d municipalities, %d organisations, %d classes, %d people, %d staff roles, %d enrollments, %d parent links in %s\n",
		cfg.Scale, st.Municipalities, st.Organisations, st.Classes, st.People, st.Staff, st.Enrollments, st.Links, st.Took.Round(time.Millisecond))
	// The seed writes the registry's tables directly; the journal's roster
	// learns the enrollments from their events, delivered by the outbox relay.
	n, err := registry.AnnounceEnrollments(ctx, pool, outbox.New(events.Default()))
	if err != nil {
		return err
	}
	fmt.Printf("announced %d enrollments (enrollment.created) for the functions that follow them\n", n)
	return nil
}

// Reseal re-encrypts SNILS and documents sealed with an older PDATA key.
func Reseal(ctx context.Context, cfg Config) error {
	pool, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer pool.Close()
	p, err := pdata.Open(cfg.PData)
	if err != nil {
		return err
	}
	n, err := registry.Reseal(ctx, pool, p, 1000)
	fmt.Printf("re-sealed %d people with key %s\n", n, p.CurrentKeyID())
	return err
}
