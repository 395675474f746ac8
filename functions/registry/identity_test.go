package registry

import (
	"net/http"
	"slices"
	"testing"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
)

var (
	mother = esia{oid: "2000000001", family: "Соколова", given: "Анна", middle: "Сергеевна", birth: "1987-04-12", gender: "F",
		snils: "123-456-789 64", docType: "RF_PASSPORT", series: "3209", number: "512345", trusted: true}
	son = esia{oid: "2000000002", family: "Соколов", given: "Артём", middle: "Игоревич", birth: "2015-03-02", gender: "M",
		snils: "234-567-890 99", docType: "BRTH_CERT", series: "I-ЛО", number: "654321"}
)

func (w *world) me(a esia) registryapi.Me {
	var m registryapi.Me
	w.mustDo(http.MethodGet, "/api/registry/me", w.token(a), nil, http.StatusOK, &m)
	return m
}

func TestMatchingLinksOnlyWhenEveryDatumAgrees(t *testing.T) {
	w := newWorld(t)
	w.addPerson(mother)

	alter := func(mod func(*esia)) esia { a := mother; mod(&a); return a }
	for _, c := range []struct {
		name    string
		account esia
		field   string
	}{
		{"family name", alter(func(a *esia) { a.family = "Соколовa" /* Latin a */ }), "family_name"},
		{"given name", alter(func(a *esia) { a.given = "Анастасия" }), "given_name"},
		{"middle name", alter(func(a *esia) { a.middle = "Петровна" }), "middle_name"},
		{"birth date", alter(func(a *esia) { a.birth = "1987-04-13" }), "birth_date"},
		{"SNILS", alter(func(a *esia) { a.snils = "345-678-901 23" }), "snils"},
		{"document", alter(func(a *esia) { a.number = "512346" }), "document"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := w.me(c.account)
			if m.Identity.Status != registryapi.MatchMismatch {
				t.Fatalf("status %q, want mismatch", m.Identity.Status)
			}
			var fields []string
			for _, mm := range m.Identity.Mismatches {
				fields = append(fields, mm.Field)
				if mm.Message == "" {
					t.Fatalf("mismatch without a message")
				}
			}
			if !slices.Equal(fields, []string{c.field}) {
				t.Fatalf("mismatches %v, want exactly [%s]", fields, c.field)
			}
			if m.Identity.Advice == "" || m.Person != nil || len(m.Grants) != 0 {
				t.Fatalf("a mismatch must explain and grant nothing: %+v", m)
			}
		})
	}

	// Case and ё do not make a mismatch; then the account is linked.
	m := w.me(alter(func(a *esia) { a.family = "СОКОЛОВА" }))
	if m.Identity.Status != registryapi.MatchLinked || m.Person == nil || m.Person.FamilyName != "Соколова" {
		t.Fatalf("full match not linked: %+v", m.Identity)
	}
	// The full SNILS is shown to its owner.
	if m.Person.SNILS != "123-456-789 64" {
		t.Fatalf("own SNILS shown as %q", m.Person.SNILS)
	}
	// Another ESIA account with the same data cannot take the person over.
	other := mother
	other.oid = "2000000099"
	if m := w.me(other); m.Identity.Status != registryapi.MatchTakenByOther {
		t.Fatalf("second account: %q", m.Identity.Status)
	}
}

func TestMatchingNotFoundAndAmbiguous(t *testing.T) {
	w := newWorld(t)
	if m := w.me(mother); m.Identity.Status != registryapi.MatchNotFound || m.Identity.Advice == "" {
		t.Fatalf("empty registry: %+v", m.Identity)
	}
	// Two namesakes born the same day, neither with the account's SNILS.
	twin := mother
	twin.snils, twin.number = "456-789-012 38", "100001"
	w.addPerson(twin)
	twin.snils, twin.number = "567-890-123 43", "100002"
	w.addPerson(twin)
	if m := w.me(mother); m.Identity.Status != registryapi.MatchAmbiguous {
		t.Fatalf("two candidates: %q", m.Identity.Status)
	}
}

func TestChildrenNeedTrustedParentAndChildAccountsComeFromParents(t *testing.T) {
	w := newWorld(t)
	mum := w.addPerson(mother)
	kid := w.addPerson(son)
	w.link(mum, kid, "mother")

	untrusted := mother
	untrusted.trusted = false
	m := w.me(untrusted)
	if m.Identity.Status != registryapi.MatchLinked {
		t.Fatalf("untrusted account should still be matched: %q", m.Identity.Status)
	}
	if len(m.Children) != 0 {
		t.Fatalf("untrusted account sees children: %+v", m.Children)
	}
	for _, g := range m.Grants {
		if g.Role == access.Parent {
			t.Fatalf("untrusted account got a parent grant")
		}
	}

	m = w.me(mother)
	if len(m.Children) != 1 || m.Children[0].ID != kid || m.Children[0].Relation != "mother" {
		t.Fatalf("trusted parent children: %+v", m.Children)
	}
	if m.Children[0].SNILS != "***-***-*** 99" {
		t.Fatalf("child's SNILS in the list must be masked, got %q", m.Children[0].SNILS)
	}

	// An 11-year-old with an account of their own that no parent created: refused.
	if m := w.me(son); m.Identity.Status != registryapi.MatchChildAccount {
		t.Fatalf("child's own account: %q", m.Identity.Status)
	}
	child := son
	child.createdBy = mother.oid
	if m := w.me(child); m.Identity.Status != registryapi.MatchLinked {
		t.Fatalf("child account created by the parent: %q", m.Identity.Status)
	}
}

func TestParentTokenChildrenAreLinkedOnlyOnFullMatch(t *testing.T) {
	w := newWorld(t)
	w.addPerson(mother)
	kid := w.addPerson(son)
	stranger := son
	stranger.family, stranger.snils, stranger.number = "Петров", "678-901-234 38", "777777"
	strangerID := w.addPerson(stranger)

	withKids := mother
	wrongKid := stranger
	wrongKid.given = "Пётр" // registry says Артём
	withKids.children = []esia{son, wrongKid}
	m := w.me(withKids)
	if len(m.Children) != 1 || m.Children[0].ID != kid {
		t.Fatalf("children %+v: want exactly the fully matching child", m.Children)
	}
	if m.Children[0].Relation != "mother" {
		t.Fatalf("relation %q", m.Children[0].Relation)
	}
	var n int
	if err := w.d.Pool.QueryRow(t.Context(), `SELECT count(*) FROM registry.parent_links WHERE child_id = $1`, strangerID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a child with differing data was linked (%d, %v)", n, err)
	}
	if err := w.d.Pool.QueryRow(t.Context(), `SELECT count(*) FROM platform.outbox WHERE type = $1`, registryapi.EventParentLinkCreated).Scan(&n); err != nil || n != 1 {
		t.Fatalf("parent-link events: %d %v", n, err)
	}
}
