package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"sort"
	"sync"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// HandlerFunc handles one request. A returned error becomes a problem response;
// a handler that returns an error must not have written anything yet.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one registered endpoint and the permission it declares.
type Route struct {
	Method     string
	Pattern    string // net/http ServeMux path pattern, e.g. /api/registry/people/{id}
	Permission auth.Permission
}

func (rt Route) String() string {
	return rt.Method + " " + rt.Pattern + " [" + string(rt.Permission) + "]"
}

// Router is a ServeMux on which every route names its permission. Before a handler
// runs, the router authenticates the caller and asks the Guard's policy; a route
// registered with an empty permission is refused to everyone (deny by default) and
// is reported by the route-permission test harness (authtest.CheckRoutes).
type Router struct {
	mux     *http.ServeMux
	guard   *auth.Guard
	routes  []Route
	onError func(http.ResponseWriter, *http.Request, error)

	vocabulary *errs.Vocabulary
	mu         sync.Mutex
	undeclared []string
}

// maxUndeclared bounds what a long-running process keeps of its undeclared
// refusals (each is logged anyway); a test world needs only the first.
const maxUndeclared = 100

// Declare names the vocabulary of the function the router serves (its api
// package's Problems): a refusal that says anything v does not declare is
// logged as a broken contract and listed by Undeclared.
func (rt *Router) Declare(v *errs.Vocabulary) { rt.vocabulary = v }

// Undeclared lists the refusals answered so far that said something the
// router's vocabulary does not declare, each with its route: what the test
// worlds fail on.
func (rt *Router) Undeclared() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.undeclared)
}

// ServeErrorsWith makes fn answer every error of the router's routes — a
// handler's, a refused caller's, an unknown path's — instead of WriteError's
// problem+json (the portal answers with pages).
func (rt *Router) ServeErrorsWith(fn func(http.ResponseWriter, *http.Request, error)) {
	rt.onError = fn
}

func (rt *Router) fail(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := errs.As(err); ok && rt.vocabulary != nil {
		if what := rt.vocabulary.Undeclared(e); what != "" {
			slog.ErrorContext(r.Context(), "a refusal the function's api does not declare", "method", r.Method, "path", r.URL.Path, "undeclared", what)
			rt.mu.Lock()
			if len(rt.undeclared) < maxUndeclared {
				rt.undeclared = append(rt.undeclared, r.Method+" "+r.URL.Path+": "+what)
			}
			rt.mu.Unlock()
		}
	}
	if rt.onError != nil {
		rt.onError(w, r, err)
		return
	}
	WriteError(w, r, err)
}

// NewRouter returns a router that checks every request with guard.
func NewRouter(guard *auth.Guard) *Router {
	return &Router{mux: http.NewServeMux(), guard: guard}
}

// Handle registers h for method and pattern, guarded by perm.
func (rt *Router) Handle(method, pattern string, perm auth.Permission, h HandlerFunc) {
	route := Route{Method: method, Pattern: pattern, Permission: perm}
	rt.routes = append(rt.routes, route)
	rt.mux.Handle(method+" "+pattern, rt.wrap(route, h))
}

// HandleHTTP registers a plain http.Handler (for example the Prometheus handler).
func (rt *Router) HandleHTTP(method, pattern string, perm auth.Permission, h http.Handler) {
	rt.Handle(method, pattern, perm, func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}

// Routes lists every registered route, sorted by pattern then method.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pattern != out[j].Pattern {
			return out[i].Pattern < out[j].Pattern
		}
		return out[i].Method < out[j].Method
	})
	return out
}

func (rt *Router) wrap(route Route, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.ErrorContext(r.Context(), "handler panic", "route", route.String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				rt.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		ctx := WithOrigin(r.Context(), Origin{Addr: r.RemoteAddr, UserAgent: r.UserAgent()})
		p, err := rt.guard.Check(r, route.Permission)
		if err != nil {
			rt.fail(w, r, err)
			return
		}
		if p != nil {
			ctx = auth.WithPrincipal(ctx, p)
		}
		r = r.WithContext(ctx)
		if err := h(w, r); err != nil {
			rt.fail(w, r, err)
		}
	})
}

// ServeHTTP dispatches to the matching route; unknown paths and methods get
// problem responses instead of ServeMux's plain text.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern == "" {
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			rt.fail(w, r, errs.E(errs.MethodNotAllowed, "method %s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		rt.fail(w, r, errs.E(errs.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// statusOnly captures the status ServeMux chooses for an unmatched request.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.status = code }

// Mount serves every path under prefix (which ends in "/") with h, a function's
// own router, and records that router's routes so that Routes lists them too.
// Authorization stays with h: its routes carry their permissions.
func (rt *Router) Mount(prefix string, h http.Handler, routes []Route) {
	rt.mux.Handle(prefix, h)
	rt.routes = append(rt.routes, routes...)
}
