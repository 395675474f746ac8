package function

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/platform"
)

// Standalone runs one part by itself, as its Knative Service does: func-go
// starts it (functions/<name>/cmd: http.Start(<pkg>.New())), and it opens the
// dependencies, mounts the part with every other function over HTTP at its
// URL variable, and serves the part's routes and /metrics.
type Standalone struct {
	Lifecycle
	part   Part
	router *httpx.Router
}

// Alone returns the unstarted standalone process of p.
func Alone(p Part) *Standalone { return &Standalone{part: p} }

// Start opens PostgreSQL (applying the platform schema and the part's when
// MIGRATE_ON_START is set), mounts the part and serves it.
func (s *Standalone) Start(ctx context.Context, _ map[string]string) error {
	var cfg Config
	if err := Load(&cfg); err != nil {
		return err
	}
	if cfg.Migrate {
		all := append([]db.Schema{platform.Schema()}, s.part.Schemas...)
		if err := db.Migrate(ctx, cfg.DB.URL, NewLogger(cfg.LogLevel), all...); err != nil {
			return err
		}
	}
	deps, closeDeps, err := Open(ctx, cfg, nil)
	if err != nil {
		return err
	}
	s.OnStop(func(context.Context) error { closeDeps(); return nil })
	m, err := s.part.Mount(ctx, deps, alone{})
	if err != nil {
		return fmt.Errorf("%s: %w", s.part.Name, err)
	}
	s.OnStop(m.Stop)
	s.router = httpx.NewRouter(deps.Guard)
	s.router.Mount(s.part.PathPrefix(), m, m.Routes())
	s.router.HandleHTTP(http.MethodGet, "/metrics", auth.Public, promhttp.Handler())
	h, err := cfg.Serve(s.router)
	if err != nil {
		return err
	}
	s.Serve(h)
	return nil
}

// Routes lists the routes the process serves (after Start).
func (s *Standalone) Routes() []httpx.Route { return s.router.Routes() }
