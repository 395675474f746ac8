package eko

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
)

// Options are what a process of every function takes beyond its dependencies.
type Options struct {
	// Tunings change functions' settings after they are read from the
	// environment: how a test world configures a function.
	Tunings []function.Tuning
}

// System is every function of Parts mounted in one process on one set of
// dependencies: each function's routes under its prefix, each calling the
// others in-process through their api clients, events delivered in-process.
// The all-in-one function serves it; the test worlds of several functions
// are one.
type System struct {
	router  *httpx.Router
	mounted map[string]function.Mounted
	order   []string
	tunings []function.Tuning
}

// Mount mounts every function of Parts on deps, in order, and /metrics.
func Mount(ctx context.Context, deps *function.Deps, opts Options) (*System, error) {
	s := &System{router: httpx.NewRouter(deps.Guard), mounted: map[string]function.Mounted{}, tunings: opts.Tunings}
	for _, p := range Parts {
		m, err := p.Mount(ctx, deps, s)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("eko: mount %s: %w", p.Name, err), s.Stop(ctx))
		}
		s.mounted[p.Name] = m
		s.order = append(s.order, p.Name)
		s.router.Mount(p.PathPrefix(), m, m.Routes())
	}
	s.router.HandleHTTP(http.MethodGet, "/metrics", auth.Public, promhttp.Handler())
	return s, nil
}

// Peer implements function.System: a function mounted earlier, in-process.
func (s *System) Peer(name string) *httpx.Client {
	if m, ok := s.mounted[name]; ok {
		return httpx.InProcess(name, m)
	}
	return nil
}

// Local implements function.System.
func (s *System) Local(name string) http.Handler {
	if m, ok := s.mounted[name]; ok {
		return m
	}
	return nil
}

// Settings implements function.System: the environment, then the tunings.
func (s *System) Settings(name string, dst any) error {
	return function.LoadSettings(name, dst, s.tunings)
}

// ServeHTTP serves every function's routes.
func (s *System) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Routes lists every route of the process, for the route-permission harness.
func (s *System) Routes() []httpx.Route { return s.router.Routes() }

// Function is the mounted function name, or nil.
func (s *System) Function(name string) function.Mounted { return s.mounted[name] }

// DeliverPending delivers what the outbox holds now, as the relay's loop
// would, and returns how many events it delivered: for a process that does
// not run the loop (a test world) and for `eko seed`.
func (s *System) DeliverPending(ctx context.Context) (int, error) {
	for _, name := range s.order {
		if d, ok := s.mounted[name].(function.Deliverer); ok {
			return d.DeliverPending(ctx)
		}
	}
	return 0, errors.New("eko: no function delivers the outbox")
}

// Stop stops the functions in the reverse order of their mounting.
func (s *System) Stop(ctx context.Context) error {
	var all []error
	for i := len(s.order) - 1; i >= 0; i-- {
		all = append(all, s.mounted[s.order[i]].Stop(ctx))
	}
	return errors.Join(all...)
}
