package access

import (
	"crypto/sha256"
	"sync"
	"time"
)

// GrantCache keeps the grants answered for a bearer token until they expire.
// Keys are SHA-256 hashes of tokens, never the tokens. When it holds Max entries
// it starts afresh, so its memory stays bounded. The zero value is ready to use.
type GrantCache struct {
	Max int // entries kept at most; 10,000 when zero

	mu sync.Mutex
	m  map[[32]byte]cachedGrants
}

type cachedGrants struct {
	g       *Grants
	expires time.Time
}

// Get returns the grants cached for token, if they have not expired at now.
func (c *GrantCache) Get(token string, now time.Time) (*Grants, bool) {
	if token == "" {
		return nil, false
	}
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return e.g, true
}

// Put caches g for token until expires.
func (c *GrantCache) Put(token string, g *Grants, expires time.Time) {
	if token == "" {
		return
	}
	max := c.Max
	if max <= 0 {
		max = 10_000
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= max {
		c.m = map[[32]byte]cachedGrants{}
	}
	c.m[sha256.Sum256([]byte(token))] = cachedGrants{g: g, expires: expires}
}
