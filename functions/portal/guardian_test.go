package portal_test

import (
	"net/http"
	"strings"
	"testing"
)

// A guardian by the authority's act (guardian1, ward1's guardian; ESIA
// does not list wards among a person's children, the registry's link does)
// finds the ward among «Мои дети», marked as under guardianship, and opens
// the ward's page and diary as a parent would; nobody else's child.
func TestGuardianPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	g := w.browser()
	p := g.login("guardian1", "/children")
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-child-id="`+w.ids["ward1"]+`"`) || !strings.Contains(p.body, "Фёдоров Никита") ||
		!strings.Contains(p.body, `class="child-relation small">вы — опекун`) {
		t.Fatalf("guardian1's children: %d %.2500s", p.status, p.body)
	}
	if p = g.get("/children/" + w.ids["ward1"]); p.status != http.StatusOK || !strings.Contains(p.body, "Фёдоров Никита") {
		t.Fatalf("the ward's page: %d %.2000s", p.status, p.body)
	}
	if p = g.get("/children/" + w.ids["ward1"] + "/diary"); p.status != http.StatusOK {
		t.Fatalf("the ward's diary: %d %.2000s", p.status, p.body)
	}
	for _, other := range []string{"student1", "student2", "kid1"} {
		if p = g.get("/children/" + w.ids[other]); p.status != http.StatusNotFound {
			t.Errorf("guardian1 opens %s's page: %d", other, p.status)
		}
	}
	parent := w.browser()
	if p = parent.login("parent1", "/children"); strings.Contains(p.body, "child-relation") || strings.Contains(p.body, "Фёдоров") {
		t.Fatalf("parent1's children: %.2000s", p.body)
	}
}
