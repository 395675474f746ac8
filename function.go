// Package eko is the all-in-one EKO function: it mounts every function's API on
// one listener, delivers events in-process through the routing table in events/,
// and is what `make run` and small deployments serve. Each function is also
// deployable alone from functions/<name>/cmd; both modes run the same Mount.
package eko

import (
	"context"
	"fmt"

	"github.com/kuzbass/eko/functions/build-portfolio"
	"github.com/kuzbass/eko/functions/collect-report"
	"github.com/kuzbass/eko/functions/college"
	"github.com/kuzbass/eko/functions/guardianship"
	"github.com/kuzbass/eko/functions/issue-homework"
	"github.com/kuzbass/eko/functions/kdn"
	"github.com/kuzbass/eko/functions/outbox-relay"
	"github.com/kuzbass/eko/functions/portal"
	"github.com/kuzbass/eko/functions/post-grade"
	"github.com/kuzbass/eko/functions/public-site"
	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/functions/submit-application"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/platform"
	"github.com/kuzbass/eko/shared/storage"
)

// Parts are the functions of the all-in-one process, each after the
// functions it calls. Adding a function adds its line here.
var Parts = []function.Part{
	registry.Part,
	submitapplication.Part,
	college.Part,
	postgrade.Part,
	issuehomework.Part,
	buildportfolio.Part,
	collectreport.Part,
	kdn.Part,
	guardianship.Part,
	publicsite.Part,
	outboxrelay.Part,
	portal.Part,
}

// Config is what the all-in-one process needs beyond each function's own
// settings, which every function reads from the environment itself.
type Config struct {
	function.Config
	S3 storage.Config
	// MigrateURL is the direct (non-pooled) connection used for migrations; DATABASE_URL when empty.
	MigrateURL string `envconfig:"MIGRATE_DATABASE_URL"`
}

// Schemas lists every schema in the order the migrate command applies them.
func Schemas() []db.Schema {
	s := []db.Schema{platform.Schema()}
	for _, p := range Parts {
		s = append(s, p.Schemas...)
	}
	return s
}

// Migrate applies every schema over the direct connection.
func Migrate(ctx context.Context, cfg Config) error {
	url := cfg.MigrateURL
	if url == "" {
		url = cfg.DB.URL
	}
	if err := db.Migrate(ctx, url, function.NewLogger(cfg.LogLevel), Schemas()...); err != nil {
		return fmt.Errorf("eko: %w", err)
	}
	return nil
}

// Function is the all-in-one function as func-go runs it (cmd/eko).
type Function struct {
	function.Lifecycle
	system *System
}

// New returns the unstarted all-in-one function.
func New() *Function { return &Function{} }

// Start opens PostgreSQL and MinIO once, migrates when MIGRATE_ON_START is
// set, and mounts every function.
func (f *Function) Start(ctx context.Context, _ map[string]string) error {
	var cfg Config
	if err := function.Load(&cfg); err != nil {
		return err
	}
	if cfg.Migrate {
		if err := Migrate(ctx, cfg); err != nil {
			return err
		}
	}
	deps, closeDeps, err := function.Open(ctx, cfg.Config, &cfg.S3)
	if err != nil {
		return err
	}
	f.OnStop(func(context.Context) error { closeDeps(); return nil })
	s, err := Mount(ctx, deps, Options{})
	if err != nil {
		return err
	}
	f.system = s
	f.OnStop(s.Stop)
	h, err := cfg.Serve(s)
	if err != nil {
		return err
	}
	f.Serve(h)
	return nil
}

// Routes lists every route of the process, for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.system.Routes() }
