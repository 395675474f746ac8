package submitapplication

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/errs"
)

// Organisation is what this function needs to know of a registry organisation.
type Organisation struct {
	ID             uuid.UUID  `json:"id"`
	Kind           string     `json:"kind"`
	ShortName      string     `json:"short_name"`
	MunicipalityID *uuid.UUID `json:"municipality_id,omitempty"`
	Status         string     `json:"status"`
}

// Registry is the part of the registry's API this function uses. It reads the
// registry only through its API — in-process in the all-in-one function,
// over HTTP (REGISTRY_URL) when deployed alone — never its tables. Calls carry
// the caller's own token, so the registry applies its own access rules.
type Registry interface {
	// Organisation returns an organisation, or an *errs.Error NotFound.
	Organisation(ctx context.Context, token string, id uuid.UUID) (Organisation, error)
}

// InProcessRegistry asks the registry's handler in this process (the all-in-one
// function passes http.HandlerFunc(registry.Handle)).
func InProcessRegistry(h http.Handler) Registry {
	return newCachedRegistry(func(req *http.Request) (int, []byte) {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, req)
		return rec.status, rec.body.Bytes()
	}, "http://registry.in-process")
}

// RemoteRegistry asks the registry at baseURL (REGISTRY_URL), with a bounded timeout.
func RemoteRegistry(baseURL string) Registry {
	client := &http.Client{Timeout: 5 * time.Second}
	return newCachedRegistry(func(req *http.Request) (int, []byte) {
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, b
	}, strings.TrimRight(baseURL, "/"))
}

// orgTTL bounds how long an organisation's kind and municipality are reused.
// They change rarely (a reorganisation), and the opening-morning peak asks for
// the same few hundred schools thousands of times a second.
const orgTTL = time.Minute

// cachedRegistry calls the registry API through do and caches organisations.
type cachedRegistry struct {
	do   func(*http.Request) (int, []byte)
	base string

	mu   sync.Mutex
	orgs map[uuid.UUID]cachedOrg
}

type cachedOrg struct {
	o       Organisation
	expires time.Time
}

func newCachedRegistry(do func(*http.Request) (int, []byte), base string) *cachedRegistry {
	return &cachedRegistry{do: do, base: base, orgs: map[uuid.UUID]cachedOrg{}}
}

// Organisation implements Registry. Only found organisations are cached.
func (c *cachedRegistry) Organisation(ctx context.Context, token string, id uuid.UUID) (Organisation, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.orgs[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.o, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/registry/organisations/"+id.String(), nil)
	if err != nil {
		return Organisation{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	status, body := c.do(req)
	switch status {
	case http.StatusOK:
	case http.StatusNotFound:
		return Organisation{}, errs.E(errs.NotFound, "organisation %s not found", id)
	case 0:
		return Organisation{}, errs.User(errs.Unavailable, "реестр организаций недоступен, повторите позже")
	default:
		if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
			return Organisation{}, errs.User(errs.Unavailable, "реестр организаций недоступен, повторите позже")
		}
		return Organisation{}, fmt.Errorf("registry organisation %s: HTTP %d: %.200s", id, status, body)
	}
	var o Organisation
	if err := json.Unmarshal(body, &o); err != nil {
		return Organisation{}, fmt.Errorf("registry organisation %s: %w", id, err)
	}
	c.mu.Lock()
	if len(c.orgs) >= 20_000 {
		c.orgs = map[uuid.UUID]cachedOrg{}
	}
	c.orgs[id] = cachedOrg{o: o, expires: now.Add(orgTTL)}
	c.mu.Unlock()
	return o, nil
}

// recorder is the in-memory ResponseWriter of an in-process registry call.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}
