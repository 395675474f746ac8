package registry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/db/dbtest"
)

var today = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixtureWorld is the registry on the small seed with the fixture identities,
// verifying tokens of the real development identity provider.
type fixtureWorld struct {
	f      *registry.Function
	issuer string
	tokens map[string]string // fixture login → a person's token
	// services are the service accounts' tokens, by client id (olympiad).
	services map[string]string
	ids      map[string]string // placeholders: {student1}, {school1}, ...
	db       *dbtest.Database
}

func newFixtureWorld(t *testing.T) *fixtureWorld {
	t.Helper()
	ctx := context.Background()
	sys := ekotest.Open(t, ekotest.Options{Seed: 7, Today: today})
	f := sys.Function(registry.Name).(*registry.Function)
	f.Now = func() time.Time { return today }
	w := &fixtureWorld{f: f, issuer: sys.Issuer, tokens: map[string]string{}, ids: map[string]string{}, db: sys.DB}
	for _, i := range sys.Fixtures.Identities {
		if !i.NoAccount {
			w.tokens[i.Login] = sys.Token(t, i.Login)
		}
		w.ids["{"+i.Login+"}"] = sys.Person(t, i)
	}
	for code, ph := range map[string]string{"school-1-kemerovo": "{school1}", "school-3-novokuznetsk": "{school3}", "kg-1-kemerovo": "{kg1}"} {
		w.ids[ph] = sys.Organisation(t, code)
	}
	var class string
	if err := sys.DB.Pool.QueryRow(ctx, `SELECT c.id::text FROM registry.classes c JOIN registry.organisations o ON o.id = c.organisation_id
		WHERE o.code = 'school-1-kemerovo' AND c.name = '6А'`).Scan(&class); err != nil {
		t.Fatal(err)
	}
	w.ids["{6A}"] = class
	w.services = map[string]string{"olympiad": sys.ServiceToken(t, "olympiad")} // an external system's service account
	return w
}

func (w *fixtureWorld) expand(s string) string {
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func (w *fixtureWorld) call(method, path, login, body string) (int, string) {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, w.expand(path), strings.NewReader(w.expand(body)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, w.expand(path), nil)
	}
	if tok := w.tokens[login]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	} else if tok := w.services[login]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	w.f.Handle(rec, req)
	return rec.Code, rec.Body.String()
}

// row is a case of the matrix.
type row = authtest.Case

var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1"}

// expect builds rows for one call: logins named in got get that status, the rest get others.
func expect(route, path, body string, others int, got map[string]int) []row {
	return authtest.Expect(everyone, route, path, body, others, got)
}

func TestAuthorizationMatrix(t *testing.T) {
	w := newFixtureWorld(t)
	const api = "/api/registry"
	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }

	// Open to every signed-in user.
	for _, r := range []struct{ Route, Path string }{
		{"GET " + api + "/me", api + "/me"},
		{"GET " + api + "/me/grants", api + "/me/grants"},
	} {
		add(expect(r.Route, r.Path, "", 200, nil)...)
		add(row{Route: r.Route, Path: r.Path, Login: "", Status: 401, Body: ""})
	}
	// The public directory: open to anyone, no token at all too.
	for _, r := range []struct{ Route, Path string }{
		{"GET " + api + "/municipalities", api + "/municipalities"},
		{"GET " + api + "/organisations", api + "/organisations?kind=school"},
		{"GET " + api + "/organisations/{id}", api + "/organisations/{school1}"},
	} {
		add(expect(r.Route, r.Path, "", 200, nil)...)
		add(row{Route: r.Route, Path: r.Path, Login: "", Status: 200, Body: ""})
	}
	// An organisation's classes and staff: its administration and teachers, officials of its territory.
	school1Staff := map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "teacher-s1": 200,
		"mun-novokuznetsk": 404, "teacher-s2": 404, "kg-director-1": 404}
	add(expect("GET "+api+"/organisations/{id}/classes", api+"/organisations/{school1}/classes", "", 403, school1Staff)...)
	add(expect("GET "+api+"/organisations/{id}/staff", api+"/organisations/{school1}/staff", "", 403, school1Staff)...)
	add(expect("POST "+api+"/counts", api+"/counts", `{"organisations":["{school1}"]}`, 403, school1Staff)...)
	add(row{Route: "POST " + api + "/counts", Path: api + "/counts", Login: "", Status: 401, Body: `{"organisations":["{school1}"]}`})
	// The class list: administration and officials; the class teacher for the own class only.
	add(expect("GET "+api+"/organisations/{id}/students", api+"/organisations/{school1}/students", "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "teacher-s1": 404, "mun-novokuznetsk": 404,
			"teacher-s2": 404, "kg-director-1": 404, "parent1": 404, "student1": 404, "parent2": 404, "student2": 404,
			"opeka-kemerovo": 404, "kdn-kemerovo": 404, "guardian1": 404})...)
	add(row{Route: "GET " + api + "/organisations/{id}/students", Path: api + "/organisations/{school1}/students?class={6A}", Login: "teacher-s1", Status: 200, Body: ""})
	add(row{Route: "GET " + api + "/organisations/{id}/students", Path: api + "/organisations/{school3}/students", Login: "teacher-s2", Status: 404, Body: ""})
	// The roster (names only): the school's teachers too, whichever class they teach.
	add(expect("GET "+api+"/organisations/{id}/roster", api+"/organisations/{school1}/roster?class={6A}", "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "teacher-s1": 200, "mun-novokuznetsk": 404,
			"teacher-s2": 404, "kg-director-1": 404, "": 401})...)
	add(row{Route: "GET " + api + "/organisations/{id}/roster", Path: api + "/organisations/{school3}/roster?class={6A}", Login: "teacher-s2", Status: 404, Body: ""})
	add(row{Route: "GET " + api + "/organisations/{id}/roster", Path: api + "/organisations/{school1}/roster", Login: "teacher-s1", Status: 400, Body: ""})
	// A child's profile: own parent, self, class teacher, administration, officials of the territory.
	// Everyone else — BOLA attempts by id — gets 404, as if it did not exist.
	student1 := map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "teacher-s1": 200, "parent1": 200, "student1": 200}
	add(expect("GET "+api+"/people/{id}", api+"/people/{student1}", "", 404, student1)...)
	add(expect("GET "+api+"/people/{id}", api+"/people/{student2}", "", 404,
		map[string]int{"ministry": 200, "mun-novokuznetsk": 200, "teacher-s2": 200, "parent2": 200, "student2": 200})...)
	// A ward's profile: the guardian by the authority's act as a parent, the
	// class teacher, the administration and officials of the territory.
	add(expect("GET "+api+"/people/{id}", api+"/people/{ward1}", "", 404,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "teacher-s1": 200, "guardian1": 200})...)
	add(expect("GET "+api+"/people/{id}", api+"/people/{ward1}?reveal=true", "", 404,
		map[string]int{"ministry": 200, "director-s1": 200, "guardian1": 200, "mun-kemerovo": 403, "teacher-s1": 403})...)
	// Full SNILS and document: only roles that need them.
	add(expect("GET "+api+"/people/{id}", api+"/people/{student1}?reveal=true", "", 404,
		map[string]int{"ministry": 200, "director-s1": 200, "parent1": 200, "student1": 200, "mun-kemerovo": 403, "teacher-s1": 403})...)
	// Staff data: a teacher of school No. 2 reading school No. 1 staff; Novokuznetsk reading Kemerovo people.
	add(row{Route: "GET " + api + "/people/{id}", Path: api + "/people/{teacher-s1}", Login: "teacher-s2", Status: 404, Body: ""})
	add(row{Route: "GET " + api + "/people/{id}", Path: api + "/people/{teacher-s1}", Login: "mun-novokuznetsk", Status: 404, Body: ""})
	add(row{Route: "GET " + api + "/people/{id}", Path: api + "/people/{parent1}", Login: "mun-kemerovo", Status: 404, Body: ""}) // a parent is not in any organisation
	// Who read the child's data: the parent and the child (and the ministry as operator).
	add(expect("GET "+api+"/people/{id}/audit", api+"/people/{student1}/audit", "", 404,
		map[string]int{"ministry": 200, "parent1": 200, "student1": 200})...)
	// Matching a person an external system names: service accounts only.
	add(expect("POST "+api+"/matches", api+"/matches", `{"snils":"122-223-324 90"}`, 403, map[string]int{"": 401})...)
	add(row{Route: "POST " + api + "/matches", Path: api + "/matches", Login: "olympiad", Status: 200, Body: `{"snils":"122-223-324 90"}`})
	// Exact lookups: officials only, within their territory.
	add(expect("GET "+api+"/people", api+"/people?snils=12222332490", "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200})...)

	// Writes, refused first (nothing changes), then allowed.
	newPerson := func(snils string) string {
		return fmt.Sprintf(`{"family_name":"Тестов","given_name":"Тест","birth_date":"2016-01-01","gender":"M","snils":"%s","confirm_not_duplicate":true}`, snils)
	}
	for _, l := range []string{"parent1", "student1", "teacher-s1", "opeka-kemerovo", "kdn-kemerovo"} {
		add(row{Route: "POST " + api + "/people", Path: api + "/people", Login: l, Status: 403, Body: newPerson("14324434531")})
	}
	add(row{Route: "POST " + api + "/people", Path: api + "/people", Login: "director-s1", Status: 201, Body: newPerson("14324434531")})
	add(row{Route: "POST " + api + "/people", Path: api + "/people", Login: "ministry", Status: 201, Body: newPerson("14624734867")})
	patch := `{"email":"new@mail.example","reason":"заявление родителя"}`
	add(expect("PATCH "+api+"/people/{id}", api+"/people/{student1}", patch, 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "mun-novokuznetsk": 404, "kg-director-1": 404,
			"teacher-s1": 403, "parent2": 403})...)
	var kemerovo, novokuznetsk string
	_ = w.db.Pool.QueryRow(context.Background(), `SELECT id::text FROM registry.municipalities WHERE code = 'kemerovo'`).Scan(&kemerovo)
	_ = w.db.Pool.QueryRow(context.Background(), `SELECT id::text FROM registry.municipalities WHERE code = 'novokuznetsk'`).Scan(&novokuznetsk)
	w.ids["{kemerovo}"], w.ids["{novokuznetsk}"] = kemerovo, novokuznetsk
	orgBody := func(inn, ogrn, mun string) string {
		return `{"kind":"school","full_name":"МБОУ «Средняя общеобразовательная школа № 99»","short_name":"МБОУ «СОШ № 99»","inn":"` + inn + `","ogrn":"` + ogrn + `","municipality_id":"` + mun + `"}`
	}
	add(row{Route: "POST " + api + "/organisations", Path: api + "/organisations", Login: "director-s1", Status: 403, Body: orgBody("4205000094", "1024200000098", "{kemerovo}")})
	add(row{Route: "POST " + api + "/organisations", Path: api + "/organisations", Login: "mun-novokuznetsk", Status: 404, Body: orgBody("4205000094", "1024200000098", "{kemerovo}")})
	add(row{Route: "POST " + api + "/organisations", Path: api + "/organisations", Login: "mun-kemerovo", Status: 201, Body: orgBody("4205000094", "1024200000098", "{kemerovo}")})
	add(row{Route: "POST " + api + "/organisations", Path: api + "/organisations", Login: "ministry", Status: 201, Body: orgBody("4217000109", "1024210000100", "{novokuznetsk}")})
	add(row{Route: "POST " + api + "/organisations", Path: api + "/organisations", Login: "ministry", Status: 400, Body: orgBody("4217000108", "1024210000101", "{novokuznetsk}")})
	add(row{Route: "POST " + api + "/organisations", Path: api + "/organisations", Login: "ministry", Status: 409, Body: orgBody("4217000109", "1024210000100", "{novokuznetsk}")})
	classBody := `{"academic_year":2026,"name":"11Я","kind":"class","grade":11}`
	add(row{Route: "POST " + api + "/organisations/{id}/classes", Path: api + "/organisations/{school1}/classes", Login: "teacher-s1", Status: 403, Body: classBody})
	add(row{Route: "POST " + api + "/organisations/{id}/classes", Path: api + "/organisations/{school1}/classes", Login: "mun-novokuznetsk", Status: 404, Body: classBody})
	add(row{Route: "POST " + api + "/organisations/{id}/classes", Path: api + "/organisations/{school1}/classes", Login: "kg-director-1", Status: 404, Body: classBody})
	add(row{Route: "POST " + api + "/organisations/{id}/classes", Path: api + "/organisations/{school1}/classes", Login: "director-s1", Status: 201, Body: classBody})
	staffBody := `{"person_id":"{parent2}","role":"teacher","starts_on":"2026-09-01"}`
	add(row{Route: "POST " + api + "/organisations/{id}/staff", Path: api + "/organisations/{school1}/staff", Login: "teacher-s2", Status: 403, Body: staffBody})
	add(row{Route: "POST " + api + "/organisations/{id}/staff", Path: api + "/organisations/{school1}/staff", Login: "kg-director-1", Status: 404, Body: staffBody})
	add(row{Route: "POST " + api + "/organisations/{id}/staff", Path: api + "/organisations/{school1}/staff", Login: "parent1", Status: 403, Body: staffBody})
	add(row{Route: "POST " + api + "/organisations/{id}/staff", Path: api + "/organisations/{school1}/staff", Login: "director-s1", Status: 201, Body: staffBody})
	enrollBody := `{"person_id":"{student2}","organisation_id":"{school1}","academic_year":2025,"starts_on":"2025-09-01","ends_on":"2026-05-31"}`
	add(row{Route: "POST " + api + "/enrollments", Path: api + "/enrollments", Login: "kg-director-1", Status: 404, Body: enrollBody})
	add(row{Route: "POST " + api + "/enrollments", Path: api + "/enrollments", Login: "parent2", Status: 403, Body: enrollBody})
	add(row{Route: "POST " + api + "/enrollments", Path: api + "/enrollments", Login: "director-s1", Status: 201, Body: enrollBody})
	var enrollment string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT id::text FROM registry.enrollments WHERE person_id = $1`, w.ids["{student1}"]).Scan(&enrollment); err != nil {
		t.Fatal(err)
	}
	w.ids["{enrollment1}"] = enrollment
	moveBody := `{"class_id":"{6A}","ends_on":"2027-05-31","reason":"приказ № 12 от 20.11.2026"}`
	add(row{Route: "PATCH " + api + "/enrollments/{id}", Path: api + "/enrollments/{enrollment1}", Login: "teacher-s1", Status: 403, Body: moveBody})
	add(row{Route: "PATCH " + api + "/enrollments/{id}", Path: api + "/enrollments/{enrollment1}", Login: "mun-novokuznetsk", Status: 404, Body: moveBody})
	add(row{Route: "PATCH " + api + "/enrollments/{id}", Path: api + "/enrollments/{enrollment1}", Login: "director-s1", Status: 200, Body: moveBody})
	linkBody := `{"parent_id":"{teacher-s2}","child_id":"{student1}","relation":"father"}`
	add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: "teacher-s2", Status: 403, Body: linkBody})
	add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: "kg-director-1", Status: 404, Body: linkBody})
	add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: "parent1", Status: 403, Body: linkBody})
	add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: "director-s1", Status: 201, Body: linkBody})
	// A guardian by the guardianship authority's act: its officials only, in their territory.
	wardBody := `{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"guardian","kind":"guardian","document":"Постановление № 17 от 02.12.2026"}`
	for _, l := range []string{"director-s1", "mun-kemerovo", "kdn-kemerovo", "ministry", "parent1"} {
		add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: l, Status: 403, Body: wardBody})
	}
	add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: "opeka-kemerovo", Status: 201, Body: wardBody})
	add(row{Route: "POST " + api + "/parent-links", Path: api + "/parent-links", Login: "opeka-kemerovo", Status: 404,
		Body: `{"parent_id":"{teacher-s1}","child_id":"{student2}","relation":"guardian","kind":"guardian","document":"Постановление № 18"}`})
	// A pupil's card: the prevention bodies of the pupil's municipality.
	add(expect("GET "+api+"/people/{id}/card", api+"/people/{student1}/card", "", 403,
		map[string]int{"kdn-kemerovo": 200, "opeka-kemerovo": 200, "": 401})...)
	for _, l := range []string{"kdn-kemerovo", "opeka-kemerovo"} {
		add(row{Route: "GET " + api + "/people/{id}/card", Path: api + "/people/{student2}/card", Login: l, Status: 404})
	}
	add(expect("GET "+api+"/wards", api+"/wards", "", 403, map[string]int{"opeka-kemerovo": 200, "": 401})...)
	add(row{Route: "GET " + api + "/wards", Path: api + "/wards?municipality={novokuznetsk}", Login: "opeka-kemerovo", Status: 404})
	placeBody := `{"child_id":"{student1}","organisation_id":"{kg1}","document":"Приказ № 5 от 01.12.2026","starts_on":"2026-12-01"}`
	add(expect("POST "+api+"/care-placements", api+"/care-placements", placeBody, 403, map[string]int{"opeka-kemerovo": 201, "": 401})...)
	add(row{Route: "POST " + api + "/care-placements", Path: api + "/care-placements", Login: "opeka-kemerovo", Status: 404,
		Body: `{"child_id":"{student2}","organisation_id":"{kg1}","document":"Приказ № 6","starts_on":"2026-12-01"}`})

	// Imports: officials and organisation administrations; each row is then checked against their scope.
	for _, l := range []string{"parent1", "student1", "teacher-s1", "opeka-kemerovo", "kdn-kemerovo"} {
		add(row{Route: "POST " + api + "/imports/{kind}", Path: api + "/imports/people", Login: l, Status: 403, Body: ""})
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.Route] = true
		code, body := w.call(strings.Fields(r.Route)[0], r.Path, r.Login, r.Body)
		if code != r.Status {
			t.Errorf("%s as %q (%s): %d, want %d: %.200s", r.Route, r.Login, r.Path, code, r.Status, body)
		}
	}
	authtest.CheckRoutes(t, w.f.Routes())
	for _, rt := range w.f.Routes() {
		if !covered[rt.Method+" "+rt.Pattern] {
			t.Errorf("route %s %s has no row in the authorization matrix", rt.Method, rt.Pattern)
		}
	}
	t.Logf("%d authorization cases", len(rows))
}
