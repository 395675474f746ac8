package registry_test

import (
	"encoding/json"
	"net/http"
	"testing"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// The registry's counts are what collect-report prefills from: pupils by
// grade, age and gender and staff by role, each agreeing with the rows they
// count; a kindergarten's children have no grade; one organisation the
// caller may not read refuses the request whole.
func TestCountsForReports(t *testing.T) {
	w := newFixtureWorld(t)
	school1, kg1, school3 := w.ids["{school1}"], w.ids["{kg1}"], w.ids["{school3}"]
	counts := func(login, body string) (int, []registryapi.OrganisationCounts) {
		t.Helper()
		code, resp := w.call(http.MethodPost, "/api/registry/counts", login, body)
		var out []registryapi.OrganisationCounts
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(resp), &out); err != nil {
				t.Fatal(err)
			}
		}
		return code, out
	}
	code, list := counts("ministry", `{"organisations":["`+school1+`","`+kg1+`","`+school1+`"],"as_of":"2026-11-22"}`)
	if code != http.StatusOK || len(list) != 2 || list[0].OrganisationID.String() != school1 || list[1].OrganisationID.String() != kg1 {
		t.Fatalf("%d %+v", code, list)
	}
	for _, oc := range list {
		var all, girls, graded int
		for _, p := range oc.Pupils {
			all += p.N
			if p.Gender == "F" {
				girls += p.N
			}
			if p.Grade != nil {
				graded += p.N
			}
		}
		const active = ` FROM registry.enrollments e JOIN registry.people p ON p.id = e.person_id
			WHERE e.organisation_id = $1 AND e.starts_on <= '2026-11-22' AND (e.ends_on IS NULL OR e.ends_on >= '2026-11-22')`
		id := oc.OrganisationID.String()
		if want := w.db.Count(t, `SELECT count(*)`+active, id); all != want || want == 0 {
			t.Errorf("%s: %d pupils counted, %d enrolled", id, all, want)
		}
		if want := w.db.Count(t, `SELECT count(*)`+active+` AND p.gender = 'F'`, id); girls != want {
			t.Errorf("%s: %d girls counted, %d enrolled", id, girls, want)
		}
		if id == kg1 && graded != 0 {
			t.Errorf("a kindergarten's children in grades: %d", graded)
		}
		if id == school1 && graded != all {
			t.Errorf("school 1: %d of %d pupils in grades", graded, all)
		}
		teachers := w.db.Count(t, `SELECT count(DISTINCT person_id) FROM registry.staff WHERE organisation_id = $1 AND role = 'teacher'
			AND starts_on <= '2026-11-22' AND (ends_on IS NULL OR ends_on >= '2026-11-22')`, id)
		if oc.Staff["teacher"] != teachers {
			t.Errorf("%s: %d teachers counted, %d on staff", id, oc.Staff["teacher"], teachers)
		}
	}
	// student1, born 2015-05-20, is 11 on the day.
	found := false
	for _, p := range list[0].Pupils {
		found = found || (p.Age == 11 && p.Gender == "M" && p.N > 0)
	}
	if !found {
		t.Errorf("no 11-year-old boy counted at school 1: %+v", list[0].Pupils)
	}
	if code, _ := counts("mun-kemerovo", `{"organisations":["`+school1+`","`+school3+`"]}`); code != http.StatusNotFound {
		t.Errorf("Kemerovo's official counting a Novokuznetsk school: %d", code)
	}
	for body, want := range map[string]int{
		`{"organisations":[]}`: http.StatusBadRequest,
		`{"organisations":["` + school1 + `"],"as_of":"22.11.2026"}`: http.StatusBadRequest,
		`{"organisations":["00000000-0000-0000-0000-000000000001"]}`: http.StatusNotFound,
	} {
		if code, _ := counts("ministry", body); code != want {
			t.Errorf("%s: %d, want %d", body, code, want)
		}
	}
}
