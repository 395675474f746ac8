package buildportfolio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
)

// everyone is every fixture login with an account and no token at all ("").
var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

type row = authtest.Case

func expect(route, path, body string, others int, got map[string]int) []row {
	return authtest.Expect(everyone, route, path, body, others, got)
}

// TestAuthorizationMatrix: every route × every fixture login × own and
// foreign objects. The family claims for the child, the class teacher and
// the administration decide; a teacher's own is the director's to decide
// and the municipality's to read; another family's or school's objects
// answer 404; officials of other kinds get nothing.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	// {a}: student1's claim with a proof; {c}: one to decide; {x}: to withdraw;
	// {b}: student2's (school No. 3); {tc}: teacher-s1's own course.
	for _, name := range []string{"{a}", "{c}", "{x}"} {
		a := w.claimed("parent1", diploma(len(w.ids)))
		w.ids[name] = a.ID.String()
	}
	w.ids["{b}"] = w.claimed("parent2", strings.ReplaceAll(diploma(99), "{student1}", "{student2}")).ID.String()
	w.ids["{tc}"] = w.claimed("teacher-s1", `{"owner_kind":"teacher","category":"award","title":"Почётная грамота","awarded_on":"2026-05-01"}`).ID.String()
	var tk buildportfolioapi.UploadTicket
	w.Must(http.MethodPost, api+"/achievements/{a}/files", "parent1", fmt.Sprintf(`{"name":"d.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), 201, &tk)
	if put(t, tk, pdf) != http.StatusOK {
		t.Fatal("upload")
	}
	w.ids["{f}"] = tk.File.ID.String()
	w.proved("parent1", "{c}")
	// {ok}: a confirmed achievement of student1's, exported as {cred} and {cred2}.
	w.ids["{ok}"] = w.confirmed(50).ID.String()
	var cred buildportfolioapi.Credential
	w.Must(http.MethodPost, api+"/achievements/{ok}/credential", "parent1", "", http.StatusCreated, &cred)
	w.ids["{cred}"] = cred.ID.String()
	w.Must(http.MethodPost, api+"/people/{student1}/credential", "parent1", "", http.StatusCreated, &cred)
	w.ids["{cred2}"] = cred.ID.String()
	var sh buildportfolioapi.Share
	w.Must(http.MethodPost, api+"/people/{student1}/shares", "parent1", `{"achievements":["{ok}"]}`, http.StatusCreated, &sh)
	w.ids["{share}"], w.ids["{token}"] = sh.ID.String(), sh.Token
	var fl buildportfolioapi.File
	w.Must(http.MethodPost, api+"/files/{f}/confirm", "parent1", "", 200, &fl)

	// Everyone matched to a person holds a personal grant: a portfolio not
	// theirs is not found (404) rather than forbidden.
	family := map[string]int{"student1": 200, "parent1": 200, "teacher-s1": 200, "director-s1": 200,
		"teacher-s2": 404, "parent2": 404, "student2": 404, "kg-director-1": 404, "mun-kemerovo": 404, "mun-novokuznetsk": 404,
		"ministry": 404, "opeka-kemerovo": 404, "kdn-kemerovo": 404}
	notFound := map[string]int{"ministry": 404, "opeka-kemerovo": 404, "kdn-kemerovo": 404}
	with := func(m map[string]int) map[string]int {
		for k, v := range notFound {
			m[k] = v
		}
		return m
	}
	// Rows run in the order of everyone: the first claimant makes the
	// claim (201), the next are answered with it (200).
	claimants := map[string]int{"teacher-s1": 201, "parent1": 200, "student1": 200, "teacher-s2": 404, "parent2": 404, "student2": 404}
	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }
	add(expect("GET "+api+"/access", api+"/access", "", 200, nil)...)
	add(expect("GET "+api+"/people/{id}", api+"/people/{student1}", "", 403, family)...)
	add(expect("GET "+api+"/people/{id}", api+"/people/{teacher-s1}", "", 403,
		with(map[string]int{"teacher-s1": 200, "director-s1": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 404, "teacher-s2": 404,
			"student1": 404, "parent1": 404, "student2": 404, "parent2": 404, "kg-director-1": 404}))...)
	add(expect("POST "+api+"/achievements", api+"/achievements", `{"owner_kind":"pupil","owner_id":"{student1}","category":"gto","title":"Серебряный знак ГТО","awarded_on":"2026-04-01"}`,
		403, claimants)...)
	add(expect("POST "+api+"/achievements", api+"/achievements", `{"owner_kind":"teacher","category":"award","title":"Благодарность","awarded_on":"2026-04-01"}`,
		403, map[string]int{"teacher-s1": 201, "teacher-s2": 201, "student1": 404, "parent1": 404, "student2": 404, "parent2": 404})...)
	add(expect("GET "+api+"/achievements/{id}", api+"/achievements/{a}", "", 403, family)...)
	add(expect("GET "+api+"/achievements/{id}", api+"/achievements/{b}", "", 403,
		with(map[string]int{"student2": 200, "parent2": 200, "teacher-s2": 200, "student1": 404, "parent1": 404, "teacher-s1": 404,
			"director-s1": 404, "kg-director-1": 404, "mun-kemerovo": 404, "mun-novokuznetsk": 404}))...)
	add(expect("POST "+api+"/achievements/{id}/decision", api+"/achievements/{c}/decision", `{"decision":"rejected","reason":"нечитаемо","version":1}`, 403,
		map[string]int{"director-s1": 200, "teacher-s1": 409, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/achievements/{id}/decision", api+"/achievements/{tc}/decision", `{"decision":"rejected","reason":"нечитаемо","version":1}`, 403,
		map[string]int{"director-s1": 200, "teacher-s1": 404, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/achievements/{id}/withdraw", api+"/achievements/{x}/withdraw", `{"version":1}`, 403,
		map[string]int{"teacher-s1": 200, "parent1": 409, "student1": 409, "teacher-s2": 404, "parent2": 404, "student2": 404})...)
	add(expect("POST "+api+"/achievements/{id}/files", api+"/achievements/{a}/files", `{"name":"e.pdf","content_type":"application/pdf","size":10}`, 403,
		map[string]int{"parent1": 201, "student1": 201, "teacher-s1": 201, "teacher-s2": 404, "parent2": 404, "student2": 404})...)
	add(expect("GET "+api+"/claims", api+"/claims", "", 403, map[string]int{"teacher-s1": 200, "teacher-s2": 200, "director-s1": 200, "kg-director-1": 200, "college-director-1": 200})...)
	add(expect("POST "+api+"/files/{id}/confirm", api+"/files/{f}/confirm", "", 403,
		map[string]int{"parent1": 200, "student1": 404, "teacher-s1": 404, "teacher-s2": 404, "parent2": 404, "student2": 404})...)
	add(expect("GET "+api+"/files/{id}", api+"/files/{f}", "", 403, family)...)
	owners := with(map[string]int{"student1": 200, "parent1": 200, "teacher-s1": 404, "director-s1": 404, "teacher-s2": 404,
		"parent2": 404, "student2": 404, "kg-director-1": 404, "mun-kemerovo": 404, "mun-novokuznetsk": 404})
	// Exporting again answers the credential issued (200).
	add(expect("POST "+api+"/achievements/{id}/credential", api+"/achievements/{ok}/credential", "", 403, owners)...)
	add(expect("POST "+api+"/people/{id}/credential", api+"/people/{student1}/credential", "", 403, owners)...)
	add(expect("GET "+api+"/people/{id}/credentials", api+"/people/{student1}/credentials", "", 403, owners)...)
	withMinistry := func(m map[string]int) map[string]int {
		out := map[string]int{"ministry": 200}
		for k, v := range m {
			if k != "ministry" {
				out[k] = v
			}
		}
		return out
	}
	add(expect("GET "+api+"/credentials/{id}", api+"/credentials/{cred}", "", 403, withMinistry(owners))...)
	// The first to revoke revokes; the next are answered with the revoked credential.
	add(expect("POST "+api+"/credentials/{id}/revoke", api+"/credentials/{cred2}/revoke", `{"reason":"выдан по ошибке"}`, 403, withMinistry(owners))...)
	// A pupil under 14 does not share (403); the parents do.
	sharers := with(map[string]int{"parent1": 201, "student1": 403, "teacher-s1": 404, "director-s1": 404, "teacher-s2": 404,
		"parent2": 404, "student2": 404, "kg-director-1": 404, "mun-kemerovo": 404, "mun-novokuznetsk": 404})
	add(expect("POST "+api+"/people/{id}/shares", api+"/people/{student1}/shares", `{"achievements":["{ok}"]}`, 403, sharers)...)
	add(expect("GET "+api+"/people/{id}/shares", api+"/people/{student1}/shares", "", 403, owners)...)
	add(expect("GET "+api+"/shared/{token}", api+"/shared/{token}", "", 200, map[string]int{"": 200})...)
	// Revoking twice is the same revocation (204).
	add(expect("DELETE "+api+"/shares/{id}", api+"/shares/{share}", "", 403,
		with(map[string]int{"parent1": 204, "student1": 204, "teacher-s1": 404, "director-s1": 404, "teacher-s2": 404,
			"parent2": 404, "student2": 404, "kg-director-1": 404, "mun-kemerovo": 404, "mun-novokuznetsk": 404}))...)
	// Public: no token needed, every login the same.
	add(expect("GET "+api+"/issuer", api+"/issuer", "", 200, map[string]int{"": 200})...)
	add(expect("GET "+api+"/issuer/jwks.json", api+"/issuer/jwks.json", "", 200, map[string]int{"": 200})...)
	add(expect("GET "+api+"/status/{n}", api+"/status/1", "", 200, map[string]int{"": 200})...)
	add(expect("POST "+api+"/verify", api+"/verify", `{"not":"a credential"}`, 200, map[string]int{"": 200})...)
	add(expect("GET "+api+"/parked", api+"/parked", "", 403, map[string]int{"ministry": 200})...)
	add(expect("POST "+api+"/parked/{id}/match", api+"/parked/0193b6c0-0000-7000-8000-000000000001/match", `{"person_id":"{student1}"}`, 403,
		map[string]int{"ministry": 404})...)
	add(expect("POST "+api+"/events", api+"/events", `{}`, 403, nil)...)

	covered := map[string]bool{}
	for i, r := range rows {
		covered[r.Route] = true
		code, body := w.Call(r.Method(), r.Path, r.Login, r.Body)
		if code != r.Status {
			t.Errorf("row %d: %s %s as %q: %d, want %d: %.300s", i, r.Route, r.Path, r.Login, code, r.Status, body)
		}
		if code >= 400 && !json.Valid([]byte(body)) {
			t.Errorf("row %d: not a problem body: %s", i, body)
		}
		if code >= 400 && strings.Contains(body, w.ids["{student1}"]) {
			t.Errorf("row %d: a refusal names student1: %s", i, body)
		}
	}
	routes := w.sys.Function(buildportfolioapi.Name).(interface{ Routes() []httpx.Route }).Routes()
	authtest.CheckRoutes(t, routes)
	for _, rt := range routes {
		if !covered[rt.Method+" "+rt.Pattern] {
			t.Errorf("route %s %s has no row in the authorization matrix", rt.Method, rt.Pattern)
		}
	}
	t.Logf("%d authorization cases", len(rows))
}
