package access

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// RegistryClient is the Source of a function deployed apart from the registry:
// it asks GET /api/registry/me/grants with the caller's own token, and caches
// the answer per token for TTL so one page view costs one call.
type RegistryClient struct {
	BaseURL string // e.g. http://registry.eko.svc.cluster.local
	HTTP    *http.Client
	TTL     time.Duration

	cache GrantCache
}

// NewRegistryClient returns a client with a bounded HTTP timeout and a 30 s cache.
func NewRegistryClient(baseURL string) *RegistryClient {
	return &RegistryClient{BaseURL: baseURL, HTTP: &http.Client{Timeout: 5 * time.Second}, TTL: 30 * time.Second}
}

// Grants implements Source.
func (c *RegistryClient) Grants(ctx context.Context, p *auth.Principal) (*Grants, error) {
	if p.Token == "" {
		return nil, errs.E(errs.Unauthenticated, "no token to ask the registry with")
	}
	now := time.Now()
	if g, ok := c.cache.Get(p.Token, now); ok {
		return g, nil
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/api/registry/me/grants", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Detail: "the registry is not reachable"}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return nil, errs.E(errs.Forbidden, "the registry refused the caller: %s", b)
		}
		return nil, fmt.Errorf("registry grants: HTTP %d: %s", resp.StatusCode, b)
	}
	var g Grants
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&g); err != nil {
		return nil, fmt.Errorf("registry grants: %w", err)
	}
	c.cache.Put(p.Token, &g, now.Add(c.TTL))
	return &g, nil
}
