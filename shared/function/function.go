// Package function is the runtime every EKO function shares: the dependencies it
// opens once per process (PostgreSQL, MinIO, token verification) and the lifecycle
// knative func-go drives through its optional Start/Stop/Ready/Alive interfaces.
//
// A function runs alone (functions/<name>/cmd, one Knative Service) or mounted in
// the all-in-one process (package eko); both paths call the function's Mount with
// the same Deps.
package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kelseyhightower/envconfig"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/platform"
	"github.com/kuzbass/eko/shared/storage"
)

// Config is the part of the configuration every function has.
type Config struct {
	DB   db.Config
	Auth auth.Config
	// LogLevel is debug, info, warn or error.
	LogLevel string `envconfig:"LOG_LEVEL" default:"info"`
	// Migrate applies the function's migrations at start. Off in Kubernetes, where
	// the migration Job does it; on for `make run` and single-process deployments.
	Migrate bool `envconfig:"MIGRATE_ON_START" default:"false"`
	// RegistryURL is where a function deployed apart from the registry asks for
	// callers' grants. Empty in the all-in-one process, which asks in-process.
	RegistryURL string `envconfig:"REGISTRY_URL"`
}

// Load fills dst (a struct with envconfig tags) from the environment.
func Load(dst any) error {
	if err := envconfig.Process("", dst); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// Deps are the shared resources of one process.
type Deps struct {
	DB     *pgxpool.Pool
	Guard  *auth.Guard
	Policy *access.Policy // the Guard's policy; functions register their rules on it
	Store  *storage.Store // nil unless the process keeps files
	Outbox *outbox.Writer
	Log    *slog.Logger
}

// Open connects what cfg describes; with s3 it also opens MinIO and ensures the
// bucket. The returned close function releases everything Open acquired.
func Open(ctx context.Context, cfg Config, s3 *storage.Config) (*Deps, func(), error) {
	log := NewLogger(cfg.LogLevel)
	pool, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	policy := access.NewPolicy(nil) // no rules, no grants: denies everything until functions register
	if cfg.RegistryURL != "" {
		policy.SetSource(access.NewRegistryClient(cfg.RegistryURL))
	}
	senders, err := auth.NewEventsVerifier(cfg.Auth.Events)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	d := &Deps{
		DB: pool,
		Guard: &auth.Guard{Verifier: auth.NewVerifier(cfg.Auth), Policy: policy,
			Events: senders, EventSubjectPrefix: cfg.Auth.Events.SubjectPrefix},
		Policy: policy,
		Outbox: outbox.New(events.Default()),
		Log:    log,
	}
	if s3 != nil {
		st, err := storage.Open(ctx, *s3)
		if err == nil {
			err = st.EnsureBucket(ctx)
		}
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		d.Store = st
	}
	return d, pool.Close, nil
}

// NewLogger returns a JSON slog logger at the given level.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// Lifecycle implements func-go's Handle, Ready, Alive and Stop for a function.
// Until Serve is called, every request is answered 503 with Retry-After and
// readiness is false, because func-go runs Start concurrently with the listener.
type Lifecycle struct {
	handler atomic.Pointer[http.Handler]
	mu      sync.Mutex
	stops   []func(context.Context) error
}

// Serve installs the handler and marks the function ready.
func (l *Lifecycle) Serve(h http.Handler) { l.handler.Store(&h) }

// OnStop registers fn to run at Stop, in reverse order of registration.
func (l *Lifecycle) OnStop(fn func(context.Context) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stops = append(l.stops, fn)
}

// Handle serves a request, or 503 while the function is starting.
func (l *Lifecycle) Handle(w http.ResponseWriter, r *http.Request) {
	h := l.handler.Load()
	if h == nil {
		httpx.WriteError(w, r, errs.E(errs.Unavailable, "the function is starting"))
		return
	}
	(*h).ServeHTTP(w, r)
}

// Ready reports whether Serve has been called.
func (l *Lifecycle) Ready(context.Context) (bool, error) { return l.handler.Load() != nil, nil }

// Alive reports that the process can serve; a wedged process fails the HTTP probe itself.
func (l *Lifecycle) Alive(context.Context) (bool, error) { return true, nil }

// Stop runs the registered stop functions and returns their errors joined.
func (l *Lifecycle) Stop(ctx context.Context) error {
	l.mu.Lock()
	stops := l.stops
	l.stops = nil
	l.mu.Unlock()
	var all []error
	for i := len(stops) - 1; i >= 0; i-- {
		all = append(all, stops[i](ctx))
	}
	return errors.Join(all...)
}

// OpenStandalone is what a function's Start does when it runs alone: with
// MIGRATE_ON_START it applies the platform schema and then schemas over the
// configured connection; it opens the dependencies and closes them at Stop.
func (l *Lifecycle) OpenStandalone(ctx context.Context, cfg Config, s3 *storage.Config, schemas ...db.Schema) (*Deps, error) {
	if cfg.Migrate {
		all := append([]db.Schema{platform.Schema()}, schemas...)
		if err := db.Migrate(ctx, cfg.DB.URL, NewLogger(cfg.LogLevel), all...); err != nil {
			return nil, err
		}
	}
	deps, closeDeps, err := Open(ctx, cfg, s3)
	if err != nil {
		return nil, err
	}
	l.OnStop(func(context.Context) error { closeDeps(); return nil })
	return deps, nil
}
