package collectreport_test

import (
	"net/http"
	"strings"
	"testing"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
)

const api = "/api/collect-report"

// form is a small definition in ОО-1's shape.
const form = `{"code": "oo1-pupils", "title": "Численность обучающихся",
  "sections": [{"id": "s1", "title": "Обучающиеся", "tables": [{"id": "pupils", "title": "Численность",
    "rows": [{"id": "g1", "title": "1 класс"}, {"id": "total", "title": "Всего"}],
    "columns": [{"id": "all", "title": "Всего", "type": "integer"}, {"id": "girls", "title": "из них девочек", "type": "integer"}]}]}],
  "rules": [{"id": "total", "expr": "pupils.total.all == pupils.g1.all", "message": "Строка «Всего» не равна сумме"}]}`

func newAPI(t *testing.T) *ekotest.API {
	w := ekotest.Open(t, ekotest.Options{Seed: 5})
	a := &ekotest.API{T: t, Sys: w, IDs: map[string]string{}}
	for _, i := range w.Fixtures.Identities {
		if !i.NoAccount {
			a.Must(http.MethodGet, "/api/registry/me", i.Login, "", http.StatusOK, nil)
		}
	}
	return a
}

// The ministry checks a definition, stores it as version 1, then 2; a
// definition with errors is refused with every error by its JSON path and
// nothing is stored.
func TestDefinitions(t *testing.T) {
	a := newAPI(t)
	var p collectreportapi.Preview
	a.Must(http.MethodPost, api+"/definitions/preview", "ministry", form, http.StatusOK, &p)
	if p.Code != "oo1-pupils" || len(p.Cells) != 4 || p.Cells[0] != "pupils.g1.all" || p.Rules != 1 {
		t.Fatalf("the preview: %+v", p)
	}
	var v1, v2 collectreportapi.Version
	a.Must(http.MethodPost, api+"/definitions", "ministry", form, http.StatusCreated, &v1)
	a.Must(http.MethodPost, api+"/definitions", "ministry", strings.Replace(form, "Численность обучающихся", "Численность обучающихся (ред. 2)", 1), http.StatusCreated, &v2)
	if v1.Version != 1 || v2.Version != 2 || v2.Cells != 4 || v1.CreatedBy == "" {
		t.Fatalf("the versions: %+v %+v", v1, v2)
	}
	var list []collectreportapi.Version
	a.Must(http.MethodGet, api+"/definitions", "director-s1", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].Version != 2 {
		t.Fatalf("the latest versions: %+v", list)
	}
	var got collectreportapi.Version
	a.Must(http.MethodGet, api+"/definitions/oo1-pupils/versions/1", "mun-kemerovo", "", http.StatusOK, &got)
	if got.Title != "Численность обучающихся" || len(got.Definition.Sections) != 1 {
		t.Fatalf("version 1: %+v", got)
	}

	bad := strings.NewReplacer(`"id": "girls"`, `"id": "all"`, `pupils.total.all == pupils.g1.all`, `pupils.total.al == 1`).Replace(form)
	code, body := a.Call(http.MethodPost, api+"/definitions", "ministry", bad)
	pr := a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonDuplicate))
	paths := map[string]bool{}
	for _, e := range pr.Errors {
		paths[e.Field] = true
	}
	if !paths["sections[0].tables[0].columns[1].id"] {
		t.Fatalf("the errors by path: %s", body)
	}
	if n := a.Count(`SELECT count(*) FROM reports.definitions`); n != 2 {
		t.Fatalf("%d definitions stored, want 2", n)
	}
	code, body = a.Call(http.MethodPost, api+"/definitions/preview", "ministry", strings.Replace(form, `pupils.total.all == pupils.g1.all`, `pupils.total.al == 1`, 1))
	a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonRule))
	code, body = a.Call(http.MethodPost, api+"/definitions", "ministry", `{"code":"x","sections":"no"}`)
	a.Refused(code, body, http.StatusBadRequest, "")
}

var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

// TestAuthorizationMatrix: every route × every fixture login.
func TestAuthorizationMatrix(t *testing.T) {
	a := newAPI(t)
	a.Must(http.MethodPost, api+"/definitions", "ministry", form, http.StatusCreated, nil)
	readers := map[string]int{"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200, "director-s1": 200, "kg-director-1": 200, "college-director-1": 200}
	var rows []authtest.Case
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/definitions/preview", api+"/definitions/preview", form, 403, map[string]int{"ministry": 200})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/definitions", api+"/definitions", form, 403, map[string]int{"ministry": 201})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/definitions", api+"/definitions", "", 403, readers)...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/definitions/{code}/versions/{version}", api+"/definitions/oo1-pupils/versions/1", "", 403, readers)...)
	c := campaign(a, "Приказ", false)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	s1 := a.One(`SELECT s.id::text FROM reports.submissions s JOIN registry.organisations o ON o.id = s.organisation_id WHERE o.code = 'school-1-kemerovo'`)
	draft := campaign(a, "Приказ", false)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/campaigns", api+"/campaigns", `{"code":"oo1-pupils","version":1,"title":"x",
		"opens_at":"2026-12-01T00:00","closes_at":"2026-12-02T00:00","targets":{"kinds":["school"]}}`, 403, map[string]int{"ministry": 201})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/campaigns", api+"/campaigns", "", 403, readers)...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/access", api+"/access", "", 200, map[string]int{"": 401})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/campaigns/{id}/open", api+"/campaigns/"+draft.ID.String()+"/open", "", 403, map[string]int{"ministry": 200})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/campaigns/{id}/submissions", api+"/campaigns/"+c.ID.String()+"/submissions", "", 403, readers)...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/submissions/{id}", api+"/submissions/"+s1, "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "mun-novokuznetsk": 404, "kg-director-1": 404})...)
	rows = append(rows, authtest.Expect(everyone, "PUT "+api+"/submissions/{id}", api+"/submissions/"+s1, `{"values":{},"version":1}`, 403,
		map[string]int{"director-s1": 200, "kg-director-1": 404})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/submissions/{id}/submit", api+"/submissions/"+s1+"/submit", `{"version":2}`, 403,
		map[string]int{"director-s1": 200, "kg-director-1": 404})...)
	// s3: school No. 1's submission, submitted, for the reviewers' rows.
	c3 := campaign(a, "Приказ", false)
	a.Must(http.MethodPost, api+"/campaigns/"+c3.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	s3 := a.One(`SELECT s.id::text FROM reports.submissions s JOIN registry.organisations o ON o.id = s.organisation_id
		WHERE o.code = 'school-1-kemerovo' AND s.campaign_id = $1`, c3.ID)
	a.Must(http.MethodPost, api+"/submissions/"+s3+"/submit", "director-s1", `{"version":1}`, http.StatusOK, nil)
	reviewers := map[string]int{"ministry": 200, "mun-kemerovo": 409, "mun-novokuznetsk": 404} // rows run in the order of everyone: the ministry first
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/submissions/{id}/return", api+"/submissions/"+s3+"/return",
		`{"version":2,"comments":{"pupils.g1.all":"Проверьте"}}`, 403, reviewers)...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/submissions/{id}/approve", api+"/submissions/"+s3+"/approve", `{"version":2}`, 403,
		map[string]int{"mun-kemerovo": 409, "ministry": 409, "mun-novokuznetsk": 404})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/submissions/{id}/reopen", api+"/submissions/"+s3+"/reopen", `{"version":2,"reason":"x"}`, 403,
		map[string]int{"mun-kemerovo": 409, "ministry": 409, "mun-novokuznetsk": 404})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/submissions/{id}/reviews", api+"/submissions/"+s3+"/reviews", "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "mun-novokuznetsk": 404, "kg-director-1": 404})...)
	summaries := map[string]int{"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200}
	for _, route := range []string{"dashboard", "consolidation", "export.xlsx", "export.csv"} {
		rows = append(rows, authtest.Expect(everyone, "GET "+api+"/campaigns/{id}/"+route, api+"/campaigns/"+c3.ID.String()+"/"+route, "", 403, summaries)...)
	}
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/submissions/{id}/template.xlsx", api+"/submissions/"+s1+"/template.xlsx", "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "director-s1": 200, "mun-novokuznetsk": 404, "kg-director-1": 404})...)
	// Not a workbook: the filler is told so (422); anyone else never reaches it.
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/submissions/{id}/upload", api+"/submissions/"+s1+"/upload?version=2", "not a workbook", 403,
		map[string]int{"director-s1": 422, "kg-director-1": 404})...)
	// s4: school No. 1's submission in draft, for asking its prefill again.
	c4 := campaign(a, "Приказ", false)
	a.Must(http.MethodPost, api+"/campaigns/"+c4.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	s4 := a.One(`SELECT s.id::text FROM reports.submissions s JOIN registry.organisations o ON o.id = s.organisation_id
		WHERE o.code = 'school-1-kemerovo' AND s.campaign_id = $1`, c4.ID)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/submissions/{id}/prefill", api+"/submissions/"+s4+"/prefill", `{"version":1}`, 403,
		map[string]int{"director-s1": 200, "kg-director-1": 404})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/campaigns/{id}/drift", api+"/campaigns/"+c3.ID.String()+"/drift", "", 403,
		map[string]int{"ministry": 200})...)
	kemerovo := a.One(`SELECT municipality_id::text FROM registry.organisations WHERE code = 'school-1-kemerovo'`)
	territory := api + "/campaigns/" + c3.ID.String() + "/territories/" + kemerovo
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/campaigns/{id}/territories", api+"/campaigns/"+c3.ID.String()+"/territories", "", 403, summaries)...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/campaigns/{id}/territories/{municipality}", territory, "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 404})...)
	// Not every school's report is approved: Kemerovo is told so; nobody else reaches it.
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/campaigns/{id}/territories/{municipality}/submit", territory+"/submit", `{"version":0}`, 403,
		map[string]int{"mun-kemerovo": 422, "mun-novokuznetsk": 404})...)
	for _, step := range []string{"approve", "return"} { // nothing sent yet: the ministry's step is stale
		rows = append(rows, authtest.Expect(everyone, "POST "+api+"/campaigns/{id}/territories/{municipality}/"+step, territory+"/"+step, `{"version":0,"comment":"x"}`, 403,
			map[string]int{"ministry": 409})...)
	}
	authtest.Run(t, rows, a.Sys.Function(collectreportapi.Name).(interface{ Routes() []httpx.Route }).Routes(), a.Call)
}
