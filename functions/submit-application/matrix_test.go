package submitapplication

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth/authtest"
)

// row is a case of the matrix.
type row = authtest.Case

// everyone is every fixture login, the EPGU service account and no token at all ("").
var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", "epgu", ""}

// expect builds rows for one call: logins named in got get that status, no
// token gets 401, the rest get others.
func expect(route, path, body string, others int, got map[string]int) []row {
	return authtest.Expect(everyone, route, path, body, others, got)
}

// matrixParts add the rows of routes whose handlers live in other files. Each
// part runs once the shared objects exist, creates whatever objects of its own it
// needs, and returns its rows; they are checked after the rows above, in order.
var matrixParts []func(w *world) []row

func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	const api = "/api/submit-application"
	// The objects: parent1's own first-grade application in Kemerovo and
	// kindergarten application, and parent2's (foreign to parent1)
	// additional-education application in Novokuznetsk.
	mk := func(login, key, body, ph string) {
		var a submitapplicationapi.Application
		w.must(w.f.Handle, http.MethodPost, api+"/applications", login, body, map[string]string{"Idempotency-Key": key}, 201, &a)
		w.ids["{"+ph+"}"], w.ids["{"+ph+"-number}"] = a.ID.String(), a.Number
	}
	mk("parent1", "own", firstGradeBody("{grader1}", "{school1}", "territory", ""), "own")
	mk("parent1", "kg", kindergartenBody("{kid1}", []string{"{kg1}"}, nextYearSept1(), "general", ""), "kgapp")
	mk("parent2", "foreign", additionalBody("{student2}", "{prog1n}"), "foreign")

	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }

	// Submitting: parents only, for their own children.
	submit := firstGradeBody("{grader1}", "{school2}", "territory", "")
	add(expect("POST "+api+"/applications", api+"/applications", submit, 403, map[string]int{"parent1": 201, "parent2": 404})...)
	// What the caller may do: anyone signed in asks (see TestAccess).
	add(expect("GET "+api+"/access", api+"/access", "", 200, nil)...)
	// Kindergarten No. 1's services in numbers: the region, Kemerovo, its own staff.
	add(expect("POST "+api+"/counts", api+"/counts", `{"organisations":["{kg1}"]}`, 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "kg-director-1": 200, "mun-novokuznetsk": 404, "director-s1": 404})...)
	// Lists: the roles that read applications (scoped inside; see TestList).
	add(expect("GET "+api+"/applications", api+"/applications", "", 403, map[string]int{
		"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200, "director-s1": 200, "kg-director-1": 200, "parent1": 200, "parent2": 200, "guardian1": 200, "college-director-1": 200})...)
	// One application: the parent, staff of the addressed organisation, the
	// municipality, the ministry; other holders of reading roles get 404.
	add(expect("GET "+api+"/applications/{id}", api+"/applications/{own}", "", 403, map[string]int{
		"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "parent1": 200,
		"mun-novokuznetsk": 404, "kg-director-1": 404, "parent2": 404})...)
	add(expect("GET "+api+"/applications/{id}", api+"/applications/{foreign}", "", 403, map[string]int{
		"ministry": 200, "mun-novokuznetsk": 200, "parent2": 200,
		"mun-kemerovo": 404, "director-s1": 404, "kg-director-1": 404, "parent1": 404})...)
	add(expect("GET "+api+"/applications/{id}", api+"/applications/{kgapp}", "", 403, map[string]int{
		"ministry": 200, "mun-kemerovo": 200, "kg-director-1": 200, "parent1": 200,
		"mun-novokuznetsk": 404, "director-s1": 404, "parent2": 404})...)
	// Status changes, refused first (nothing changes), then allowed in order.
	const st = "POST " + api + "/applications/{id}/status"
	kgStatus := api + "/applications/{kgapp}/status"
	for _, l := range []string{"teacher-s1", "teacher-s2", "student1", "student2", "opeka-kemerovo", "kdn-kemerovo", "epgu"} {
		add(row{Route: st, Path: kgStatus, Login: l, Status: 403, Body: statusBody("checking", "", "")})
	}
	add(row{Route: st, Path: kgStatus, Login: "", Status: 401, Body: statusBody("checking", "", "")})
	for _, l := range []string{"director-s1", "mun-novokuznetsk", "parent2"} {
		add(row{Route: st, Path: kgStatus, Login: l, Status: 404, Body: statusBody("checking", "", "")})
	}
	add(row{Route: st, Path: kgStatus, Login: "ministry", Status: 403, Body: statusBody("checking", "", "")}) // reads, does not decide
	add(row{Route: st, Path: kgStatus, Login: "parent1", Status: 403, Body: statusBody("registered", "", "")})
	add(row{Route: st, Path: kgStatus, Login: "kg-director-1", Status: 200, Body: statusBody("checking", "", "")})
	add(row{Route: st, Path: kgStatus, Login: "mun-kemerovo", Status: 200, Body: statusBody("registered", "", "")})
	add(row{Route: st, Path: kgStatus, Login: "parent1", Status: 200, Body: statusBody("withdrawn", "", "")})
	add(row{Route: st, Path: api + "/applications/{foreign}/status", Login: "mun-kemerovo", Status: 404, Body: statusBody("checking", "", "")})
	add(row{Route: st, Path: api + "/applications/{foreign}/status", Login: "mun-novokuznetsk", Status: 200, Body: statusBody("checking", "", "")})
	add(row{Route: st, Path: api + "/applications/{own}/status", Login: "mun-kemerovo", Status: 403, Body: statusBody("checking", "", "")}) // the school decides
	add(row{Route: st, Path: api + "/applications/{own}/status", Login: "parent2", Status: 404, Body: statusBody("withdrawn", "", "")})
	add(row{Route: st, Path: api + "/applications/{own}/status", Login: "director-s1", Status: 200, Body: statusBody("checking", "", "")})
	// The ranked list: public, by number, for the school the application is addressed to.
	const rk = "GET " + api + "/first-grade/{school_id}/ranking"
	add(expect(rk, api+"/first-grade/{school1}/ranking?number={own-number}", "", 200, map[string]int{"": 200})...)
	add(row{Route: rk, Path: api + "/first-grade/{school2}/ranking?number={own-number}", Login: "", Status: 404, Body: ""})
	add(row{Route: rk, Path: api + "/first-grade/{school1}/ranking?number=x", Login: "", Status: 400, Body: ""})
	// The kindergarten queue check: public, by the number and the child's birth date.
	const kq = "GET " + api + "/kindergarten-queue"
	add(expect(kq, api+"/kindergarten-queue?number=ДС-2026-0000001&birth_date=2021-01-01", "", 404, map[string]int{"": 404})...)
	add(row{Route: kq, Path: api + "/kindergarten-queue?number=1К-2026-0000001&birth_date=2021-01-01", Login: "", Status: 400, Body: ""})
	// EPGU events: the EPGU service account only.
	add(expect("POST "+api+"/events", api+"/events", "", 403, map[string]int{"epgu": 201})...)

	for _, part := range matrixParts {
		add(part(w)...)
	}

	covered := map[string]bool{}
	for i, r := range rows {
		covered[r.Route] = true
		var code int
		var body string
		switch {
		case strings.HasSuffix(r.Route, "/events"):
			code, body = w.postEvent(r.Login, "matrix-"+r.Login, submitapplicationapi.EventEPGUSubmitted, epguData("80000001", "155-666-777 14", "{school2}"), false)
		default:
			method := strings.Fields(r.Route)[0]
			code, body = w.call(w.f.Handle, method, r.Path, r.Login, r.Body, map[string]string{"Idempotency-Key": "matrix-" + r.Login})
		}
		if code != r.Status {
			t.Errorf("row %d: %s as %q (%s): %d, want %d: %.300s", i, r.Route, r.Login, w.expand(r.Path), code, r.Status, body)
		}
		if code >= 400 && !json.Valid([]byte(body)) {
			t.Errorf("row %d: not a problem body: %s", i, body)
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
