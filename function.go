// Package eko is the all-in-one EKO function: it mounts every function's API on one
// listener, runs the outbox relay in-process with the local event dispatcher, and
// is what `make run` and small deployments serve. Each function is also deployable
// alone from functions/<name>/cmd; both modes run the same code.
package eko

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kuzbass/eko/events"
	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
	"github.com/kuzbass/eko/functions/portal"
	postgrade "github.com/kuzbass/eko/functions/post-grade"
	"github.com/kuzbass/eko/functions/registry"
	submitapplication "github.com/kuzbass/eko/functions/submit-application"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/shared/platform"
	"github.com/kuzbass/eko/shared/storage"
)

// Config is the all-in-one configuration: the shared part plus each function's own.
type Config struct {
	function.Config
	S3     storage.Config
	Relay  outboxrelay.RelayConfig
	PData  pdata.Config
	Portal portal.WebConfig
	// Submit bounds the submissions in progress (SUBMIT_MAX_IN_FLIGHT, SUBMIT_QUEUE_WAIT).
	Submit submitapplication.Limits
	// Queue runs the kindergarten queue's maintenance (QUEUE_MAINTAIN_EVERY).
	Queue submitapplication.QueueOptions
	// EPGU takes the status updates of applications filed on it (EPGU_STATUS_URL).
	EPGU submitapplication.EPGUConfig
	// Journal sets the chronic-absence threshold (CHRONIC_ABSENCE_SHARE, CHRONIC_ABSENCE_MIN_LESSONS).
	Journal postgrade.Options
	// MigrateURL is the direct (non-pooled) connection used for migrations; DATABASE_URL when empty.
	MigrateURL string `envconfig:"MIGRATE_DATABASE_URL"`
}

// Schemas lists every schema in the order the migrate command applies them.
func Schemas() []db.Schema {
	s := append([]db.Schema{platform.Schema()}, registry.Schemas()...)
	s = append(s, submitapplication.Schemas()...)
	s = append(s, postgrade.Schemas()...)
	return append(s, portal.Schemas()...)
}

// Function is the all-in-one function.
type Function struct {
	function.Lifecycle
	router *httpx.Router
	relay  *outboxrelay.Function
}

// New returns an unstarted all-in-one function.
func New() *Function { return &Function{} }

// Start opens PostgreSQL and MinIO once, migrates when MIGRATE_ON_START is set,
// mounts every function and starts the relay.
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
	return f.Mount(ctx, deps, cfg)
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

// Mount builds the process from already opened dependencies.
func (f *Function) Mount(ctx context.Context, deps *function.Deps, cfg Config) error {
	// Consumers of events, by function name; filled as functions that consume events land.
	consumers := map[string]http.Handler{}

	reg := registry.New()
	deps.Policy.SetSource(reg) // grants come straight from the registry in this process
	if err := reg.Mount(ctx, deps, cfg.PData); err != nil {
		return err
	}

	sa := submitapplication.New()
	sa.Registry = submitapplication.InProcessRegistry(http.HandlerFunc(reg.Handle))
	if err := sa.Mount(ctx, deps, submitapplication.Options{PData: cfg.PData, Limits: cfg.Submit, Queue: cfg.Queue, EPGU: cfg.EPGU}); err != nil {
		return err
	}
	f.OnStop(sa.Stop) // writes the queued group commits, stops the queue's maintenance
	consumers[submitapplication.Name] = http.HandlerFunc(sa.Handle)

	pg := postgrade.New()
	pg.Registry = postgrade.InProcess(http.HandlerFunc(reg.Handle))
	if err := pg.Mount(ctx, deps, cfg.Journal); err != nil {
		return err
	}
	consumers[postgrade.Name] = http.HandlerFunc(pg.Handle)

	web := portal.New()
	if err := web.Mount(ctx, deps, portal.Config{Config: cfg.Config, PData: cfg.PData, Web: cfg.Portal},
		portal.Options{Registry: http.HandlerFunc(reg.Handle), SubmitApplication: http.HandlerFunc(sa.Handle),
			PostGrade: http.HandlerFunc(pg.Handle)}); err != nil {
		return err
	}
	f.OnStop(web.Stop)

	f.relay = outboxrelay.New()
	f.relay.Deliverer = &outboxrelay.Dispatcher{Catalogue: events.Default(), Consumers: consumers}
	if err := f.relay.Mount(ctx, deps, cfg.Relay); err != nil {
		return err
	}
	f.OnStop(f.relay.Stop)

	f.router = httpx.NewRouter(deps.Guard)
	f.router.Mount("/api/"+registry.Name+"/", http.HandlerFunc(reg.Handle), reg.Routes())
	f.router.Mount("/api/"+submitapplication.Name+"/", http.HandlerFunc(sa.Handle), sa.Routes())
	f.router.Mount("/api/"+postgrade.Name+"/", http.HandlerFunc(pg.Handle), pg.Routes())
	f.router.Mount("/api/"+outboxrelay.Name+"/", http.HandlerFunc(f.relay.Handle), f.relay.Routes())
	f.router.HandleHTTP(http.MethodGet, "/metrics", auth.Public, promhttp.Handler())
	f.router.Mount("/", http.HandlerFunc(web.Handle), web.Routes()) // the web cabinets
	f.Serve(f.router)
	return nil
}

// Routes lists every route of the process, for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }
