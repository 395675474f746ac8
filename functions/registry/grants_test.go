package registry_test

import (
	"reflect"
	"testing"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// The one-statement path for linked accounts must give exactly the grants of
// the full resolution, for every fixture login, and must step aside whenever
// the full path has linking to do.
func TestLinkedGrantsAgreeWithFullResolution(t *testing.T) {
	w := newFixtureWorld(t)
	ctx := t.Context()
	v := auth.NewVerifier(auth.Config{Issuer: w.issuer, Audience: "eko"})
	principal := func(login string) *auth.Principal {
		p, err := v.Verify(ctx, w.tokens[login])
		if err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		return p
	}
	for login := range w.tokens {
		p := principal(login)
		if _, _, used, err := w.f.ResolveBothWays(ctx, p); err != nil || used {
			t.Fatalf("%s before the first sign-in: linked path used %v, %v", login, used, err)
		}
		linked, full, used, err := w.f.ResolveBothWays(ctx, p)
		if err != nil || !used {
			t.Fatalf("%s once linked: linked path used %v, %v", login, used, err)
		}
		if !reflect.DeepEqual(linked, full) {
			t.Errorf("%s: linked path %+v\nfull path %+v", login, linked, full)
		}
		if len(full.Grants) < 2 && login != "student1" && login != "student2" {
			t.Errorf("%s: only %+v", login, full.Grants)
		}
	}

	// parent1's ESIA token lists kid1; with the link gone, the full path must
	// run (and link the child again), not the one-statement path.
	if _, err := w.db.Pool.Exec(ctx, `DELETE FROM registry.parent_links WHERE parent_id = $1 AND child_id = $2`,
		w.ids["{parent1}"], kid1(t, w)); err != nil {
		t.Fatal(err)
	}
	p := principal("parent1")
	if _, full, used, err := w.f.ResolveBothWays(ctx, p); err != nil || used || !hasChild(full, kid1(t, w)) {
		t.Fatalf("an unlinked child in the token: linked path used %v (%v); full grants %+v", used, err, full)
	}
	if linked, _, used, err := w.f.ResolveBothWays(ctx, p); err != nil || !used || !hasChild(linked, kid1(t, w)) {
		t.Fatalf("after relinking: linked path used %v (%v), %+v", used, err, linked)
	}
}

// kid1 is the registry id of the fixture child kid1 (no account of her own).
func kid1(t *testing.T, w *fixtureWorld) string {
	t.Helper()
	var id string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM registry.people
		WHERE family_name = 'Соколова' AND given_name = 'Мария' AND birth_date = '2022-06-15'`).Scan(&id); err != nil {
		t.Fatalf("kid1: %v", err)
	}
	return id
}

func hasChild(g *access.Grants, child string) bool {
	for _, gr := range g.With(access.Parent) {
		if gr.ScopeID == child {
			return true
		}
	}
	return false
}
