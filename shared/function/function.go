// Package function is the runtime every EKO function shares: the dependencies it
// opens once per process (PostgreSQL, MinIO, token verification) and the lifecycle
// knative func-go drives through its optional Start/Stop/Ready/Alive interfaces.
//
// A function is a Part: it runs alone (Alone, from functions/<name>/cmd, one
// Knative Service) or mounted with the others in the all-in-one process
// (package eko); both paths call the part's Mount with the same Deps.
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
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kelseyhightower/envconfig"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
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
	// TrustedProxies are the networks whose X-Forwarded-For and Forwarded the
	// process believes (httpx.Proxies): Knative's queue-proxy on loopback by
	// default; a cluster adds its pod network, so that the ingress's and the
	// portal's forwarding name the person, not the pod, in the audit.
	TrustedProxies string `envconfig:"TRUSTED_PROXIES" default:"127.0.0.0/8,::1"`
}

// Serve is what a process answers with: h behind the trusted proxies, every
// request's address its client's.
func (c Config) Serve(h http.Handler) (http.Handler, error) {
	p, err := httpx.ParseProxies(c.TrustedProxies)
	if err != nil {
		return nil, err
	}
	return p.Behind(h), nil
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
	// Auth is the identity provider whose tokens the process accepts.
	Auth   auth.Config
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
	d, err := DepsOf(pool, cfg.Auth, log)
	if err != nil {
		pool.Close()
		return nil, nil, err
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

// DepsOf returns the dependencies of a process around an open pool, without
// MinIO: a guard verifying tokens as a says, a policy without rules or grants
// (it denies everything until the functions register their rules and the
// registry, or its client, gives grants), the outbox of the catalogue.
func DepsOf(pool *pgxpool.Pool, a auth.Config, log *slog.Logger) (*Deps, error) {
	senders, err := auth.NewEventsVerifier(a.Events)
	if err != nil {
		return nil, err
	}
	policy := access.NewPolicy(nil)
	return &Deps{
		Auth: a,
		DB:   pool,
		Guard: &auth.Guard{Verifier: auth.NewVerifier(a), Policy: policy,
			Events: senders, EventSubjectPrefix: a.Events.SubjectPrefix},
		Policy: policy,
		Outbox: outbox.New(events.Default()),
		Log:    log,
	}, nil
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

// Clock is a function's clock: the time now, or what Now says when a test
// sets it.
type Clock struct {
	Now func() time.Time
}

// SetClock makes now the clock (nil: the real time again); a test outside
// the function's package finds it on the mounted function by type assertion.
func (c *Clock) SetClock(now func() time.Time) { c.Now = now }

// Time is the time now by the clock.
func (c *Clock) Time() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Go runs fn in the background until Stop, which cancels fn's context and
// waits for fn to return (or for Stop's own deadline, reported as name's).
func (l *Lifecycle) Go(name string, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	l.OnStop(func(stop context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-stop.Done():
			return fmt.Errorf("%s did not stop: %w", name, stop.Err())
		}
	})
}

// Every calls fn every period until ctx ends.
func Every(ctx context.Context, period time.Duration, fn func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// ServeHTTP is Handle: a mounted function is an http.Handler.
func (l *Lifecycle) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.Handle(w, r) }

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
