package postgrade_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kuzbass/eko/shared/auth/authtest"
)

// everyone is every fixture login with an account and no token at all ("").
var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

// row is a case of the matrix.
type row = authtest.Case

// expect builds the rows of one call: logins in got get that status, no token
// 401, everyone else others.
func expect(route, path, body string, others int, got map[string]int) []row {
	return authtest.Expect(everyone, route, path, body, others, got)
}

// TestAuthorizationMatrix: every route × every fixture login × own and foreign
// objects. A teacher writes only into own lessons (teacher-s2 cannot post to
// school No. 1), a class teacher reads the class, a parent only own children, a
// student only self, officials get no pupil's journal; ids of others' objects
// answer 404.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	y := yearOf()
	w.semesters()
	var s saved
	w.must(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":5}]}`, http.StatusOK, &s)
	w.ids["{m1}"] = s.Items[0].ID.String()

	teach := map[string]int{"teacher-s1": 200, "director-s1": 404, "teacher-s2": 404, "kg-director-1": 404}
	readers := map[string]int{"parent1": 200, "student1": 200, "teacher-s1": 200, "director-s1": 200,
		"parent2": 404, "student2": 404, "teacher-s2": 404, "kg-director-1": 404}
	var rows []row
	add := func(r ...row) { rows = append(rows, r...) }
	add(expect("GET "+api+"/subjects", api+"/subjects", "", 200, nil)...)
	add(expect("GET "+api+"/access", api+"/access", "", 200, nil)...)
	add(expect("POST "+api+"/periods", api+"/periods", fmt.Sprintf(`{"organisation_id":"{school1}","academic_year":%d,"kind":"semester",
		"periods":[{"starts_on":"%d-09-01","ends_on":"%d-12-31"},{"starts_on":"%d-01-09","ends_on":"%d-05-31"}]}`, y+1, y+1, y+1, y+2, y+2),
		403, map[string]int{"director-s1": 201, "kg-director-1": 404})...)
	add(expect("POST "+api+"/periods/{id}/close", api+"/periods/{p2}/close", "", 403, map[string]int{"director-s1": 204, "kg-director-1": 404})...)
	add(expect("POST "+api+"/periods/{id}/permits", api+"/periods/{p2}/permits", `{"assignment_id":"{asg}","reason":"исправление ошибки","hours":2}`,
		403, map[string]int{"director-s1": 201, "kg-director-1": 404})...)
	add(expect("GET "+api+"/assignments/{id}/term-marks", api+"/assignments/{asg}/term-marks?period_id={p1}", "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/assignments/{id}/term-marks", api+"/assignments/{asg}/term-marks",
		`{"period_id":"{p1}","items":[{"student_id":"{student1}","value":5}]}`, 403,
		map[string]int{"teacher-s1": 204, "director-s1": 404, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("GET "+api+"/assignments/{id}/grid", api+"/assignments/{asg}/grid?from="+monday().Format("2006-01-02"), "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("GET "+api+"/assignments/{id}/year-marks", api+"/assignments/{asg}/year-marks?kind=year", "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/assignments/{id}/year-marks", api+"/assignments/{asg}/year-marks",
		`{"kind":"year","items":[{"student_id":"{student1}","value":5}]}`, 403,
		map[string]int{"teacher-s1": 204, "director-s1": 404, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/assignments", api+"/assignments", fmt.Sprintf(`{"organisation_id":"{school1}","academic_year":%d,
		"teacher_id":"{teacher-s1}","class_id":"{6a}","subject_id":"{russian}"}`, y), 403, map[string]int{"director-s1": 201, "kg-director-1": 404})...)
	add(expect("POST "+api+"/assignments/{id}/timetable", api+"/assignments/{asg}/timetable",
		fmt.Sprintf(`{"weekdays":[6],"lesson_no":3,"from":"%d-10-01","to":"%d-10-31"}`, y, y), 403, map[string]int{"director-s1": 201, "kg-director-1": 404})...)
	add(expect("GET "+api+"/lessons", api+"/lessons?date="+monday().Format("2006-01-02"), "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 200, "kg-director-1": 200, "college-director-1": 200})...)
	add(expect("GET "+api+"/classes/{id}/assignments", api+"/classes/{6a}/assignments", "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 404, "kg-director-1": 404})...)
	// BOLA: another school's class, whose class teacher is teacher-s2.
	add(expect("GET "+api+"/classes/{id}/assignments", api+"/classes/{6b}/assignments", "", 403,
		map[string]int{"teacher-s2": 200, "teacher-s1": 404, "director-s1": 404, "kg-director-1": 404})...)
	add(expect("PATCH "+api+"/lessons/{id}", api+"/lessons/{l1}", `{"topic":"Проценты"}`, 403, teach)...)
	add(expect("GET "+api+"/lessons/{id}/journal", api+"/lessons/{l1}/journal", "", 403,
		map[string]int{"teacher-s1": 200, "director-s1": 200, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/lessons/{id}/column", api+"/lessons/{l1}/column",
		`{"marks":[{"student_id":"{student1}","kind":"oral","value":3}],"attendance":[{"student_id":"{student1}","status":"late"}]}`, 403, teach)...)
	// BOLA: another school's lesson, taught by teacher-s2.
	add(expect("POST "+api+"/lessons/{id}/column", api+"/lessons/{l6b}/column", `{"topic":"Причастие"}`, 403,
		map[string]int{"teacher-s2": 200, "teacher-s1": 404, "director-s1": 404, "kg-director-1": 404})...)
	add(expect("POST "+api+"/marks", api+"/marks", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":4}]}`, 403, teach)...)
	add(expect("POST "+api+"/attendance", api+"/attendance", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","status":"absent_illness"}]}`, 403,
		map[string]int{"teacher-s1": 204, "director-s1": 404, "teacher-s2": 404, "kg-director-1": 404})...)
	add(expect("GET "+api+"/marks/{id}/history", api+"/marks/{m1}/history", "", 403, readers)...)
	add(expect("GET "+api+"/diary/{student_id}", api+"/diary/{student1}?from="+monday().Format("2006-01-02"), "", 403, readers)...)
	// BOLA: another family's, another school's pupil.
	add(expect("GET "+api+"/diary/{student_id}", api+"/diary/{student2}?from="+monday().Format("2006-01-02"), "", 403,
		map[string]int{"parent2": 200, "student2": 200, "teacher-s2": 200, "parent1": 404, "student1": 404, "teacher-s1": 404,
			"director-s1": 404, "kg-director-1": 404})...)
	from := monday().Format("2006-01-02")
	add(expect("GET "+api+"/aggregates", api+"/aggregates?from="+from, "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200, "director-s1": 200, "kg-director-1": 200, "college-director-1": 200})...)
	add(expect("GET "+api+"/aggregates", api+"/aggregates?from="+from+"&municipality={novokuznetsk}", "", 403,
		map[string]int{"ministry": 200, "mun-kemerovo": 404, "mun-novokuznetsk": 200, "director-s1": 404, "kg-director-1": 404})...)
	exam := "student_id;kind;subject;date;score;mark\n{student1};oge;Математика;2026-05-20;;5\n"
	add(expect("POST "+api+"/organisations/{id}/exam-results", api+"/organisations/{school1}/exam-results", exam, 403,
		map[string]int{"director-s1": 201, "kg-director-1": 404})...)
	add(expect("GET "+api+"/exam-results/{student_id}", api+"/exam-results/{student1}", "", 403, readers)...)
	add(expect("POST "+api+"/events", api+"/events", `{}`, 403, nil)...)

	covered := map[string]bool{}
	for i, r := range rows {
		covered[r.Route] = true
		code, body := w.call(r.Method(), r.Path, r.Login, r.Body)
		if code != r.Status {
			t.Errorf("row %d: %s as %q: %d, want %d: %.300s", i, r.Route, r.Login, code, r.Status, body)
		}
		if code >= 400 && !json.Valid([]byte(body)) {
			t.Errorf("row %d: not a problem body: %s", i, body)
		}
		if code >= 400 && strings.Contains(body, w.ids["{student1}"]) && r.Login != "parent1" && r.Login != "student1" {
			t.Errorf("row %d: a refusal names student1: %s", i, body)
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
