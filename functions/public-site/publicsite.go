// Package publicsite is the public-site function: the ministry's site
// without login — the directory of organisations with each one's card,
// the open data of organisations with its passport, the additional-education
// catalogue with its free places, and the kindergarten queue check by an
// application's number.
//
// Guarantees:
//
//   - Never a person's data: it shows what organisations publish about
//     themselves (273-FZ, art. 29), read from the registry's public
//     directory, and nothing else of the registry.
//   - Fast and cacheable: the directory is a snapshot refreshed every
//     PUBLIC_SITE_REFRESH (5 minutes); each page is rendered once per
//     snapshot, carries an ETag of it and Cache-Control for shared caches,
//     and a matching If-None-Match is answered 304.
//   - Until the first snapshot is read a page answers 503 with Retry-After;
//     a failed refresh keeps the last snapshot.
package publicsite

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	publicsiteapi "github.com/kuzbass/eko/functions/public-site/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory and func.yaml name.
const Name = publicsiteapi.Name

// Options are the function's settings.
type Options struct {
	// Refresh is how often the directory is read again from the registry.
	Refresh time.Duration `envconfig:"PUBLIC_SITE_REFRESH" default:"5m"`
	// MaxAge is how long a browser or a shared cache may keep a page.
	MaxAge time.Duration `envconfig:"PUBLIC_SITE_MAX_AGE" default:"5m"`
	// Registry serves the public directory. Required.
	Registry *registryapi.Client `ignored:"true"`
	// Applications answers the kindergarten queue check; without it the
	// page says the check is unavailable.
	Applications *submitapplicationapi.Client `ignored:"true"`
	// Colleges names the colleges' specialties; without it a college's card
	// has none.
	Colleges *collegeapi.Client `ignored:"true"`
}

// Part is how a process mounts the public site: after the registry.
var Part = func() function.Part {
	p := function.PartOf(Name, nil, func(deps *function.Deps, sys function.System, opts *Options) error {
		if reg := sys.Peer(registryapi.Name); reg != nil {
			opts.Registry = registryapi.New(reg)
		}
		if apps := sys.Peer(submitapplicationapi.Name); apps != nil {
			opts.Applications = submitapplicationapi.New(apps)
		}
		if c := sys.Peer(collegeapi.Name); c != nil {
			opts.Colleges = collegeapi.New(c)
		}
		return nil
	}, Mount)
	p.Prefix = publicsiteapi.Prefix
	return p
}()

// New returns the public site as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// Function is the public-site Knative function.
type Function struct {
	function.Lifecycle
	function.Clock

	opts   Options
	log    *slog.Logger
	dir    atomic.Pointer[directory]
	pages  sync.Map // cache key → *rendered, for the current snapshot
	stored atomic.Int64
	router *httpx.Router
}

// maxCached bounds the rendered pages kept per snapshot (searches are many).
const maxCached = 5000

// Mount serves the site and reads the first snapshot in the background.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if opts.Registry == nil {
		return nil, errors.New("public-site: the registry is required (REGISTRY_URL)")
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Minute
	}
	if opts.MaxAge < 0 {
		opts.MaxAge = 0
	}
	f := &Function{opts: opts, log: deps.Log}
	rt := httpx.NewRouter(deps.Guard)
	rt.ServeErrorsWith(f.serveError)
	const at = "/" + Name
	rt.Handle(http.MethodGet, at+"/{$}", auth.Public, f.page("home", f.home))
	rt.Handle(http.MethodGet, at+"/organisations", auth.Public, f.page("organisations", f.organisations))
	rt.Handle(http.MethodGet, at+"/organisations/{id}", auth.Public, f.page("organisation", f.organisation))
	rt.Handle(http.MethodGet, at+"/open-data/{$}", auth.Public, f.page("opendata", f.openData))
	rt.Handle(http.MethodGet, at+"/open-data/organisations.csv", auth.Public, f.cached(f.organisationsCSV))
	rt.Handle(http.MethodGet, at+"/open-data/organisations.json", auth.Public, f.cached(f.organisationsJSON))
	rt.Handle(http.MethodGet, at+"/open-data/passport.json", auth.Public, f.cached(f.passportJSON))
	rt.Handle(http.MethodGet, at+"/programmes", auth.Public, f.page("programmes", f.programmesPage))
	rt.Handle(http.MethodGet, at+"/first-grade", auth.Public, f.page("firstgrade", f.firstGradePage))
	rt.Handle(http.MethodGet, at+"/kindergarten-queue", auth.Public, f.kindergartenQueue)
	rt.Handle(http.MethodGet, at+"/admission/{id}", auth.Public, f.admissionList)
	rt.Handle(http.MethodGet, at+"/static/site.css", auth.Public, f.css)
	f.router = rt
	f.Go("public-site directory", f.keepFresh)
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Refresh reads the directory again now (tests, and the ticker).
func (f *Function) Refresh(ctx context.Context) error {
	d, err := loadDirectory(ctx, f.opts.Registry, f.opts.Applications, f.opts.Colleges, f.Time())
	if err != nil {
		return err
	}
	if old := f.dir.Load(); old == nil || old.version != d.version {
		f.dir.Store(d)
		f.pages.Clear()
		f.stored.Store(0)
	}
	return nil
}

// keepFresh reads the first snapshot (again every few seconds until it
// succeeds), then every Refresh.
func (f *Function) keepFresh(ctx context.Context) {
	for f.dir.Load() == nil {
		if err := f.Refresh(ctx); err != nil {
			f.log.Warn("public-site: the directory is not read yet", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(3 * time.Second):
			}
		}
	}
	function.Every(ctx, f.opts.Refresh, func(ctx context.Context) {
		if err := f.Refresh(ctx); err != nil {
			f.log.Warn("public-site: the directory was not refreshed; the last one stays", "err", err)
		}
	})
}

// current is the snapshot, or 503 until there is one.
func (f *Function) current() (*directory, error) {
	d := f.dir.Load()
	if d == nil {
		return nil, errs.User(errs.Unavailable, "Справочник загружается, обновите страницу через несколько секунд.")
	}
	return d, nil
}
