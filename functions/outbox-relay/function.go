// Package outboxrelay is the outbox-relay function: it delivers committed rows of
// platform.outbox as CloudEvents, at least once — to the Knative Broker named by
// K_SINK, or in-process to the consumers named by the routing table in events/ when
// mounted in the all-in-one process. Failed deliveries are retried with exponential
// backoff and, after RELAY_MAX_ATTEMPTS, parked as dead letters that an operator
// can list and redrive.
package outboxrelay

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "outbox-relay"

// Permissions of the relay's API.
const (
	PermDeadLettersRead    auth.Permission = "outbox.dead-letters.read"
	PermDeadLettersRedrive auth.Permission = "outbox.dead-letters.redrive"
)

// Rules: the ministry, as the operator of the system, watches and redrives
// the event flow.
var Rules = access.Rules{
	PermDeadLettersRead:    {access.MinistryOfficial},
	PermDeadLettersRedrive: {access.MinistryOfficial},
}

// Config is the relay's configuration.
type Config struct {
	function.Config
	Relay RelayConfig
	// Sink is the Knative Broker URL, injected by a SinkBinding as K_SINK.
	Sink string `envconfig:"K_SINK"`
	// SinkTokenFile is the token the Broker asks of senders when Knative
	// Eventing's sender identity is on: the SinkBinding mounts it at /oidc/token
	// and renews it. When the file is absent, events go without a token.
	SinkTokenFile string `envconfig:"K_SINK_TOKEN_FILE" default:"/oidc/token"`
}

// Function is the outbox-relay Knative function.
type Function struct {
	function.Lifecycle
	// Deliverer overrides K_SINK; the all-in-one process sets an in-process Dispatcher.
	Deliverer Deliverer

	deps   *function.Deps
	relay  *Relay
	router *httpx.Router
}

// New returns an unstarted function.
func New() *Function { return &Function{} }

// Start opens the function's own dependencies and starts relaying (standalone mode).
func (f *Function) Start(ctx context.Context, _ map[string]string) error {
	var cfg Config
	if err := function.Load(&cfg); err != nil {
		return err
	}
	deps, err := f.OpenStandalone(ctx, cfg.Config, nil)
	if err != nil {
		return err
	}
	if f.Deliverer == nil {
		if cfg.Sink == "" {
			return fmt.Errorf("%s: K_SINK is not set: nowhere to deliver events (run it in the all-in-one process or bind it to a broker)", Name)
		}
		sink := NewSink(cfg.Sink)
		sink.TokenFile = cfg.SinkTokenFile
		f.Deliverer = sink
	}
	return f.Mount(ctx, deps, cfg.Relay)
}

// Mount wires the relay to deps, starts its loop and serves its API. The loop stops
// at Stop; a batch in flight is rolled back and delivered again later.
func (f *Function) Mount(ctx context.Context, deps *function.Deps, cfg RelayConfig) error {
	if f.Deliverer == nil {
		return fmt.Errorf("%s: no deliverer", Name)
	}
	if err := deps.Policy.Register(Rules); err != nil {
		return err
	}
	f.deps = deps
	f.relay = NewRelay(deps.DB, f.Deliverer, cfg, deps.Log.With("function", Name))
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); f.relay.Run(runCtx) }()
	f.OnStop(func(ctx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})

	f.router = httpx.NewRouter(deps.Guard)
	f.router.Handle(http.MethodGet, "/api/outbox-relay/dead-letters", PermDeadLettersRead, f.listDeadLetters)
	f.router.Handle(http.MethodPost, "/api/outbox-relay/dead-letters/redrive", PermDeadLettersRedrive, f.redrive)
	f.router.Handle(http.MethodGet, "/api/outbox-relay/stats", PermDeadLettersRead, f.stats)
	f.router.Handle(http.MethodPost, "/api/outbox-relay/dead-letters/events", auth.EventDelivery, f.receiveDeadLetter)
	f.router.HandleHTTP(http.MethodGet, "/metrics", auth.Public, promhttp.Handler())
	f.Serve(f.router)
	return nil
}

// Relay returns the running relay (nil before Mount).
func (f *Function) Relay() *Relay { return f.relay }

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }
