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

	outboxrelayapi "github.com/kuzbass/eko/functions/outbox-relay/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = outboxrelayapi.Name

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

// Options are the relay's settings and where it delivers.
type Options struct {
	Relay RelayConfig
	// Sink is the Knative Broker URL, injected by a SinkBinding as K_SINK.
	Sink string `envconfig:"K_SINK"`
	// SinkTokenFile is the token the Broker asks of senders when Knative
	// Eventing's sender identity is on: the SinkBinding mounts it at /oidc/token
	// and renews it. When the file is absent, events go without a token.
	SinkTokenFile string `envconfig:"K_SINK_TOKEN_FILE" default:"/oidc/token"`
	// Run delivers in the background from Mount to Stop. A test world turns it
	// off and delivers when it chooses (Function.Relay().RunOnce).
	Run bool `envconfig:"RELAY_RUN" default:"true"`
	// Deliverer is where events go: the Broker at Sink, or the consumers
	// mounted in this process (a Dispatcher). Part sets it.
	Deliverer Deliverer `ignored:"true"`
}

// Part is how a process mounts the relay: with K_SINK it posts to the
// Broker; without, to the consumers the process mounts, which must then be
// every consumer the routing table names.
var Part = function.PartOf(Name, nil, func(deps *function.Deps, sys function.System, opts *Options) error {
	if opts.Sink != "" {
		sink := NewSink(opts.Sink)
		sink.TokenFile = opts.SinkTokenFile
		opts.Deliverer = sink
	} else {
		cat := events.Default()
		for _, r := range cat.Routes("") {
			if sys.Local(r.Consumer) == nil {
				return fmt.Errorf("K_SINK is not set and %s, which consumes %s, is not in this process: nowhere to deliver events", r.Consumer, r.Type)
			}
		}
		opts.Deliverer = &Dispatcher{Catalogue: cat, Consumers: sys.Local}
	}
	registryapi.GrantsFrom(deps.Policy, sys.Peer(registryapi.Name))
	return nil
}, Mount)

// New returns the relay as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the outbox-relay Knative function.
type Function struct {
	function.Lifecycle

	deps   *function.Deps
	relay  *Relay
	router *httpx.Router
}

// Mount serves the relay's API on deps and, unless opts.Run is off, starts
// its loop. The loop stops at Stop; a batch in flight is rolled back and
// delivered again later.
func Mount(ctx context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if opts.Deliverer == nil {
		return nil, fmt.Errorf("%s: no deliverer", Name)
	}
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{deps: deps}
	f.relay = NewRelay(deps.DB, opts.Deliverer, opts.Relay, deps.Log.With("function", Name))
	if opts.Run {
		f.Go(Name, f.relay.Run)
	}

	f.router = httpx.NewRouter(deps.Guard)
	f.router.Declare(&outboxrelayapi.Problems)
	f.router.Handle(http.MethodGet, api+"/dead-letters", PermDeadLettersRead, f.listDeadLetters)
	f.router.Handle(http.MethodPost, api+"/dead-letters/redrive", PermDeadLettersRedrive, f.redrive)
	f.router.Handle(http.MethodGet, api+"/stats", PermDeadLettersRead, f.stats)
	f.router.Handle(http.MethodPost, api+"/dead-letters/events", auth.EventDelivery, f.receiveDeadLetter)
	f.Serve(f.router)
	return f, nil
}

const api = "/api/" + Name

// Relay returns the running relay.
func (f *Function) Relay() *Relay { return f.relay }

// DeliverPending implements function.Deliverer: it delivers the rows due now,
// batch after batch, and returns how many it delivered (a failed delivery
// is due again only after its backoff).
func (f *Function) DeliverPending(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := f.relay.RunOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

var _ function.Deliverer = (*Function)(nil)

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
