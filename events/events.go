// Package events is the CloudEvents catalogue of EKO: the JSON Schema of every event
// type and the one routing table that says which function consumes which type.
//
// Both delivery paths are made from this table: the local dispatcher of the
// all-in-one process and, in Kubernetes, the Knative Triggers (infra/).
package events

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kuzbass/eko/shared/errs"
)

// Source of an event produced by an EKO function: "/eko/<function>".
func Source(function string) string { return "/eko/" + function }

// TypePattern is the shape of every event type EKO produces or accepts:
// ru.kuzbass.eko.<entity>.<action>.v<N>, or ru.gosuslugi.<...>.v<N> from EPGU.
var TypePattern = regexp.MustCompile(`^ru\.(kuzbass\.eko|gosuslugi(\.[a-z0-9-]+)?)\.[a-z0-9-]+\.[a-z0-9-]+\.v[0-9]+$`)

// Route delivers one event type to one consumer function at a path of its API.
type Route struct {
	Type     string // CloudEvent type, e.g. ru.kuzbass.eko.grade.posted.v1
	Consumer string // function name (directory under functions/)
	Path     string // the consumer's CloudEvents endpoint, /api/<consumer>/events
}

// routes is the routing table of the system. Add a row when a function starts
// consuming a type; the Triggers and the local dispatcher follow from it.
var routes = []Route{
	// submit-application passes the status changes of applications filed on
	// EPGU on to EPGU.
	{Type: "ru.kuzbass.eko.application.status-changed.v1", Consumer: "submit-application", Path: "/api/submit-application/events"},
	// post-grade keeps its roster (who is in which class on which day) from
	// the registry's enrollments.
	{Type: "ru.kuzbass.eko.enrollment.created.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	{Type: "ru.kuzbass.eko.enrollment.changed.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	// submit-application keeps the families and where each child studies, for
	// the sibling right in the kindergarten queue and first grade.
	{Type: "ru.kuzbass.eko.parent-link.created.v1", Consumer: "submit-application", Path: "/api/submit-application/events"},
	{Type: "ru.kuzbass.eko.enrollment.created.v1", Consumer: "submit-application", Path: "/api/submit-application/events"},
	{Type: "ru.kuzbass.eko.enrollment.changed.v1", Consumer: "submit-application", Path: "/api/submit-application/events"},
	// post-grade places the mark of a homework review in the journal once and
	// tells issue-homework where it stands.
	{Type: "ru.kuzbass.eko.homework.reviewed.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	{Type: "ru.kuzbass.eko.homework-mark.recorded.v1", Consumer: "issue-homework", Path: "/api/issue-homework/events"},
	// post-grade's diary shows the homework of each lesson and the pupil's work on it.
	{Type: "ru.kuzbass.eko.homework.issued.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	{Type: "ru.kuzbass.eko.homework.changed.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	{Type: "ru.kuzbass.eko.homework.cancelled.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	{Type: "ru.kuzbass.eko.homework-work.changed.v1", Consumer: "post-grade", Path: "/api/post-grade/events"},
	// build-portfolio knows where each pupil studies: who decides a claim,
	// which school sees a portfolio.
	{Type: "ru.kuzbass.eko.enrollment.created.v1", Consumer: "build-portfolio", Path: "/api/build-portfolio/events"},
	{Type: "ru.kuzbass.eko.enrollment.changed.v1", Consumer: "build-portfolio", Path: "/api/build-portfolio/events"},
	// build-portfolio builds achievements from EKO's own facts: enrolments in
	// additional education, state exam results, year marks (honours).
	{Type: "ru.kuzbass.eko.application.status-changed.v1", Consumer: "build-portfolio", Path: "/api/build-portfolio/events"},
	{Type: "ru.kuzbass.eko.exam-result.recorded.v1", Consumer: "build-portfolio", Path: "/api/build-portfolio/events"},
	// college ranks its applicants by their entrance tests' results.
	{Type: "ru.kuzbass.eko.exam-result.recorded.v1", Consumer: "college", Path: "/api/college/events"},
	// kdn opens the pupil's case for the municipality's commission on the
	// journal's chronic absence and unexcused-absence streak signals.
	{Type: "ru.kuzbass.eko.absence.chronic.v1", Consumer: "kdn", Path: "/api/kdn/events"},
	{Type: "ru.kuzbass.eko.absence.streak.v1", Consumer: "kdn", Path: "/api/kdn/events"},
	// guardianship keeps its wards from the registry's acts, where every
	// pupil studies, and raises tasks on a ward's chronic absence, low term
	// marks or an enrollment ended with no new one.
	{Type: "ru.kuzbass.eko.parent-link.created.v1", Consumer: "guardianship", Path: "/api/guardianship/events"},
	{Type: "ru.kuzbass.eko.care-placement.created.v1", Consumer: "guardianship", Path: "/api/guardianship/events"},
	{Type: "ru.kuzbass.eko.enrollment.created.v1", Consumer: "guardianship", Path: "/api/guardianship/events"},
	{Type: "ru.kuzbass.eko.enrollment.changed.v1", Consumer: "guardianship", Path: "/api/guardianship/events"},
	{Type: "ru.kuzbass.eko.absence.chronic.v1", Consumer: "guardianship", Path: "/api/guardianship/events"},
	{Type: "ru.kuzbass.eko.term-mark.confirmed.v1", Consumer: "guardianship", Path: "/api/guardianship/events"},
	{Type: "ru.kuzbass.eko.year-mark.confirmed.v1", Consumer: "build-portfolio", Path: "/api/build-portfolio/events"},
}

//go:embed schemas
var schemaFS embed.FS

// Catalogue holds compiled schemas and the routing table.
type Catalogue struct {
	schemas map[string]*jsonschema.Schema
	routes  []Route
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalogue
	defaultErr  error
)

// Default returns the catalogue built from the embedded schemas and the routing
// table. It panics if they are inconsistent; a test (TestDefaultCatalogue) makes
// sure that never ships.
func Default() *Catalogue {
	defaultOnce.Do(func() {
		sub, err := fs.Sub(schemaFS, "schemas")
		if err != nil {
			defaultErr = err
			return
		}
		defaultCat, defaultErr = Load(sub, routes)
	})
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultCat
}

// Load compiles every <type>.json in fsys and checks that each route names a type
// with a schema and a path under its consumer's API.
func Load(fsys fs.FS, routes []Route) (*Catalogue, error) {
	c := &Catalogue{schemas: map[string]*jsonschema.Schema{}, routes: append([]Route(nil), routes...)}
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	for _, f := range files {
		typ := strings.TrimSuffix(path.Base(f), ".json")
		if !TypePattern.MatchString(typ) {
			return nil, fmt.Errorf("events: schema file %s: %q is not an event type name", f, typ)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("events: schema %s: %w", f, err)
		}
		url := "urn:eko:event:" + typ
		if err := comp.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("events: schema %s: %w", f, err)
		}
		s, err := comp.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("events: schema %s: %w", f, err)
		}
		c.schemas[typ] = s
	}
	seen := map[Route]bool{}
	for _, r := range c.routes {
		if _, ok := c.schemas[r.Type]; !ok {
			return nil, fmt.Errorf("events: route %s → %s: no schema for the type", r.Type, r.Consumer)
		}
		if want := "/api/" + r.Consumer + "/"; !strings.HasPrefix(r.Path, want) {
			return nil, fmt.Errorf("events: route %s → %s: path %q is not under %s", r.Type, r.Consumer, r.Path, want)
		}
		if seen[r] {
			return nil, fmt.Errorf("events: route %s → %s listed twice", r.Type, r.Consumer)
		}
		seen[r] = true
	}
	return c, nil
}

// Types lists the known event types, sorted.
func (c *Catalogue) Types() []string {
	out := make([]string, 0, len(c.schemas))
	for t := range c.schemas {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Routes returns the routes of typ, or the whole table when typ is empty.
func (c *Catalogue) Routes(typ string) []Route {
	var out []Route
	for _, r := range c.routes {
		if typ == "" || r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Validate checks data (a JSON document) against the schema of typ. An unknown
// type or invalid data is an *errs.Error with code Invalid.
func (c *Catalogue) Validate(typ string, data []byte) error {
	s, ok := c.schemas[typ]
	if !ok {
		return errs.E(errs.Invalid, "unknown event type %q", typ)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return errs.E(errs.Invalid, "event data of %s is not JSON: %v", typ, err)
	}
	if err := s.Validate(inst); err != nil {
		return errs.E(errs.Invalid, "event data does not match the schema of %s: %v", typ, err)
	}
	return nil
}

// ValidateValue marshals v and validates it; it returns the JSON it checked.
func (c *Catalogue) ValidateValue(typ string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("events: marshal %s: %w", typ, err)
	}
	return b, c.Validate(typ, b)
}
