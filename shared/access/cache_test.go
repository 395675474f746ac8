package access_test

import (
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/access"
)

func TestGrantCacheExpiresAndStaysBounded(t *testing.T) {
	c := access.GrantCache{Max: 2}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	g := &access.Grants{PersonID: "p"}
	c.Put("a", g, now.Add(time.Minute))
	if got, ok := c.Get("a", now); !ok || got != g {
		t.Fatal("cached grants not found")
	}
	if _, ok := c.Get("a", now.Add(2*time.Minute)); ok {
		t.Fatal("expired grants returned")
	}
	if _, ok := c.Get("b", now); ok {
		t.Fatal("grants of another token returned")
	}
	c.Put("", g, now.Add(time.Minute))
	if _, ok := c.Get("", now); ok {
		t.Fatal("an empty token is never cached")
	}
	c.Put("b", g, now.Add(time.Minute))
	c.Put("c", g, now.Add(time.Minute)) // the third entry starts afresh
	if _, ok := c.Get("a", now); ok {
		t.Fatal("cache grew past Max")
	}
	if _, ok := c.Get("c", now); !ok {
		t.Fatal("newest entry lost")
	}
}
