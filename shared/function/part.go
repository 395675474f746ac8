package function

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/httpx"
)

// Part is one function as a process mounts it: alone as its own Knative
// Service (Alone, from functions/<name>/cmd), or with the others in the
// all-in-one process (package eko). Both run the same Mount.
type Part struct {
	// Name is the function's name: its directory, func.yaml name and URL prefix.
	Name string
	// Schemas are the function's own database schemas, in the order they migrate.
	Schemas []db.Schema
	// Prefix is where its routes live in a process of several functions;
	// "/api/<Name>/" when empty.
	Prefix string
	// Mount mounts the function on the process's dependencies. sys gives it
	// its settings and the clients of the functions it calls.
	Mount func(ctx context.Context, deps *Deps, sys System) (Mounted, error)
}

// PartOf is the Part of a function mounted by mount with options of type O:
// read as the function's settings (System.Settings), then completed by wire
// (nil when there is nothing to add) with the clients of the functions it
// calls.
func PartOf[O any, F Mounted](name string, schemas []db.Schema, wire func(deps *Deps, sys System, opts *O) error,
	mount func(context.Context, *Deps, O) (F, error)) Part {
	return Part{Name: name, Schemas: schemas, Mount: func(ctx context.Context, deps *Deps, sys System) (Mounted, error) {
		var opts O
		if err := sys.Settings(name, &opts); err != nil {
			return nil, err
		}
		if wire != nil {
			if err := wire(deps, sys, &opts); err != nil {
				return nil, err
			}
		}
		return mount(ctx, deps, opts)
	}}
}

// PathPrefix is where the part's routes live.
func (p Part) PathPrefix() string {
	if p.Prefix != "" {
		return p.Prefix
	}
	return "/api/" + p.Name + "/"
}

// Mounted is a function serving in a process.
type Mounted interface {
	http.Handler
	// Routes lists every route with its permission (the authorization matrices
	// and the route-permission harness read them).
	Routes() []httpx.Route
	// Stop ends what the function runs in the background and waits for it.
	Stop(ctx context.Context) error
}

// Declaring is a mounted function whose refusals follow the vocabulary of
// its api package (httpx.Router.Declare): the test worlds fail on what it
// answered beyond it, found by type assertion.
type Declaring interface {
	// Undeclared lists the refusals answered so far that its api does not declare.
	Undeclared() []string
}

// Deliverer is a mounted function that delivers the outbox (the relay): a
// process that does not run its loop (a test world, a seed) delivers what is
// pending when it chooses, detected by type assertion.
type Deliverer interface {
	// DeliverPending delivers the events due now and returns how many.
	DeliverPending(ctx context.Context) (int, error)
}

// System is what a process offers the functions it mounts.
type System interface {
	// Peer is a client of the function name: in this process when the
	// process mounts it, otherwise over HTTP at the URL in <NAME>_URL
	// (URLVariable); nil when it is neither.
	Peer(name string) *httpx.Client
	// Local is the handler of the function name when this process mounts it.
	Local(name string) http.Handler
	// Settings fills dst, a struct with envconfig tags, with the settings of
	// the function name: from the environment, then as the process tunes them.
	Settings(name string, dst any) error
}

// URLVariable names the environment variable that holds the URL of the
// function name when it runs apart: REGISTRY_URL, POST_GRADE_URL, …
func URLVariable(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_URL"
}

// Tuning changes one function's settings after they are read from the
// environment: a test world's way to configure a function (Tune).
type Tuning struct {
	name  string
	apply func(any)
}

// Tune returns a tuning of the function name's settings, of type S.
func Tune[S any](name string, fn func(*S)) Tuning {
	return Tuning{name: name, apply: func(v any) {
		s, ok := v.(*S)
		if !ok {
			panic(fmt.Sprintf("function: a tuning of %s expects %T, the function reads %T", name, s, v))
		}
		fn(s)
	}}
}

// LoadSettings fills dst from the environment and applies the tunings of name.
func LoadSettings(name string, dst any, tunings []Tuning) error {
	if err := Load(dst); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, t := range tunings {
		if t.name == name {
			t.apply(dst)
		}
	}
	return nil
}

// alone is the System of a function that runs by itself: every other
// function is over HTTP at its URL variable.
type alone struct{}

func (alone) Peer(name string) *httpx.Client {
	if u := os.Getenv(URLVariable(name)); u != "" {
		return httpx.Dial(name, u)
	}
	return nil
}

func (alone) Local(string) http.Handler { return nil }

func (alone) Settings(name string, dst any) error { return LoadSettings(name, dst, nil) }
