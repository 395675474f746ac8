package issuehomework_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// everyone is every fixture login with an account and no token at all ("").
var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

type row = authtest.Case

func expect(route, path, body string, others int, got map[string]int) []row {
	return authtest.Expect(everyone, route, path, body, others, got)
}

// TestAuthorizationMatrix: every route × every fixture login × own and
// foreign objects. Only the lesson's teacher issues, changes and reviews; a
// pupil does only the own work and sees no other's; a parent reads the
// child's; the school's administration and the class teacher read;
// officials get nothing; another school's or family's objects answer 404.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"{hw}", "{hwc}", "{hwx}", "{hws}", "{hwr}", "{hwd}"} {
		w.ids[name] = w.issue("teacher-s1", "{l1}", 2, `,"marked":true`).ID.String()
	}
	w.ids["{hwb}"] = w.issue("teacher-s2", "{l6b}", 2, "").ID.String() // student2's, in school No. 3
	var tk issuehomeworkapi.UploadTicket
	w.Must(http.MethodPost, api+"/homework/{hw}/submission/files", "student1", fmt.Sprintf(`{"name":"a.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), 201, &tk)
	if put(t, tk, pdf) != http.StatusOK {
		t.Fatal("upload")
	}
	w.ids["{f1}"] = tk.File.ID.String()
	w.Must(http.MethodPost, api+"/homework/{hw}/submission/files", "student1", fmt.Sprintf(`{"name":"лишний.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), 201, &tk)
	w.ids["{f2}"] = tk.File.ID.String()
	var v issuehomeworkapi.Homework
	w.Must(http.MethodPut, api+"/homework/{hws}/submission", "student1", `{"text":"ответ","version":0}`, 200, &v)
	w.Must(http.MethodPut, api+"/homework/{hwr}/submission", "student1", `{"text":"ответ","version":0}`, 200, &v)
	w.Must(http.MethodPost, api+"/homework/{hwr}/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, v.Submission.Version), 200, &v)
	w.ids["{sub}"] = v.Submission.ID.String()
	due := time.Now().In(kuzbass.Time).AddDate(0, 0, 3).Format("2006-01-02") + "T18:00"

	readers := map[string]int{"student1": 200, "parent1": 200, "teacher-s1": 200, "director-s1": 200,
		"teacher-s2": 404, "parent2": 404, "student2": 404, "kg-director-1": 404}
	teacher := map[string]int{"teacher-s1": 200, "teacher-s2": 404}
	pupil := map[string]int{"student1": 200, "student2": 404}
	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }
	add(expect("GET "+api+"/access", api+"/access", "", 200, nil)...)
	add(expect("POST "+api+"/homework", api+"/homework", `{"lesson_id":"{l1}","text":"Упр. 5","due_at":"`+due+`"}`, 403,
		map[string]int{"teacher-s1": 201, "teacher-s2": 404})...)
	// BOLA: another school's lesson, taught by teacher-s2.
	add(expect("POST "+api+"/homework", api+"/homework", `{"lesson_id":"{l6b}","text":"Упр. 5","due_at":"`+due+`"}`, 403,
		map[string]int{"teacher-s2": 201, "teacher-s1": 404})...)
	add(expect("GET "+api+"/homework", api+"/homework?pupil={student1}", "", 403,
		map[string]int{"student1": 200, "parent1": 200, "teacher-s1": 404, "director-s1": 404, "teacher-s2": 404,
			"parent2": 404, "student2": 404, "kg-director-1": 404})...)
	// 6А's homework: ward1's guardian reads it too (ward1 studies in 6А).
	add(expect("GET "+api+"/homework/{id}", api+"/homework/{hw}", "", 403, with(readers, "guardian1", 200))...)
	// BOLA: another school's homework.
	add(expect("GET "+api+"/homework/{id}", api+"/homework/{hwb}", "", 403,
		map[string]int{"student2": 200, "parent2": 200, "teacher-s2": 200, "student1": 404, "parent1": 404, "teacher-s1": 404,
			"director-s1": 404, "kg-director-1": 404})...)
	add(expect("PATCH "+api+"/homework/{id}", api+"/homework/{hwc}", `{"version":1,"text":"Упр. 6","due_at":"`+due+`"}`, 403, teacher)...)
	add(expect("POST "+api+"/homework/{id}/cancel", api+"/homework/{hwx}/cancel", `{"version":1,"reason":"перенос урока"}`, 403, teacher)...)
	add(expect("POST "+api+"/homework/{id}/files", api+"/homework/{hw}/files", `{"name":"b.pdf","content_type":"application/pdf","size":10}`, 403,
		map[string]int{"teacher-s1": 201, "teacher-s2": 404})...)
	add(expect("GET "+api+"/homework/{id}/submissions", api+"/homework/{hw}/submissions", "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("PUT "+api+"/homework/{id}/submission", api+"/homework/{hwd}/submission", `{"text":"ответ","version":0}`, 403, pupil)...)
	add(expect("POST "+api+"/homework/{id}/submission/files", api+"/homework/{hw}/submission/files",
		`{"name":"c.pdf","content_type":"application/pdf","size":10}`, 403, map[string]int{"student1": 201, "student2": 404})...)
	add(expect("POST "+api+"/homework/{id}/submission/submit", api+"/homework/{hws}/submission/submit", `{"version":1}`, 403, pupil)...)
	add(expect("POST "+api+"/homework/{id}/submission/take-back", api+"/homework/{hws}/submission/take-back", `{"version":2}`, 403, pupil)...)
	add(expect("POST "+api+"/files/{id}/confirm", api+"/files/{f1}/confirm", "", 403,
		map[string]int{"student1": 200, "parent1": 404, "teacher-s1": 404, "director-s1": 404, "teacher-s2": 404, "parent2": 404,
			"student2": 404, "kg-director-1": 404})...)
	add(expect("GET "+api+"/files/{id}", api+"/files/{f1}", "", 403, readers)...)
	add(expect("DELETE "+api+"/files/{id}", api+"/files/{f2}", "", 403,
		map[string]int{"student1": 204, "parent1": 404, "teacher-s1": 404, "director-s1": 404, "teacher-s2": 404, "parent2": 404,
			"student2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/submissions/{id}/review", api+"/submissions/{sub}/review", `{"decision":"returned","comment":"доработать","version":2}`, 403,
		map[string]int{"teacher-s1": 200, "teacher-s2": 404, "director-s1": 404, "kg-director-1": 404})...)
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
	routes := w.sys.Function(issuehomeworkapi.Name).(interface{ Routes() []httpx.Route }).Routes()
	authtest.CheckRoutes(t, routes)
	for _, rt := range routes {
		if !covered[rt.Method+" "+rt.Pattern] {
			t.Errorf("route %s %s has no row in the authorization matrix", rt.Method, rt.Pattern)
		}
	}
	t.Logf("%d authorization cases", len(rows))
}

// with is m and login's status.
func with(m map[string]int, login string, status int) map[string]int {
	out := maps.Clone(m)
	out[login] = status
	return out
}
