package submitapplication

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// orgTTL bounds how long an organisation's kind and municipality are reused.
// They change rarely (a reorganisation), and the opening-morning peak asks for
// the same few hundred schools thousands of times a second.
const orgTTL = time.Minute

// organisations are the registry's organisations as this function needs them:
// asked through the registry's API with the caller's token, never read from
// its tables, and the found ones kept for orgTTL.
type organisations struct {
	registry *registryapi.Client

	mu   sync.Mutex
	orgs map[uuid.UUID]cachedOrg
}

type cachedOrg struct {
	o       registryapi.Organisation
	expires time.Time
}

// get returns the organisation id, or an *errs.Error NotFound.
func (c *organisations) get(ctx context.Context, id uuid.UUID) (registryapi.Organisation, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.orgs[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.o, nil
	}
	o, err := c.registry.Organisation(ctx, id)
	if err != nil {
		return registryapi.Organisation{}, err
	}
	c.mu.Lock()
	if c.orgs == nil || len(c.orgs) >= 20_000 {
		c.orgs = map[uuid.UUID]cachedOrg{}
	}
	c.orgs[id] = cachedOrg{o: *o, expires: now.Add(orgTTL)}
	c.mu.Unlock()
	return *o, nil
}
