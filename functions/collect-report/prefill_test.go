package collectreport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
	"github.com/xuri/excelize/v2"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// The shipped ОО-1 opens prefilled from the registry: school No. 1's cells
// hold its pupils by grade and its staff, each with where it came from. A
// prefilled cell changes only with a comment (from the page; a workbook
// cannot give one); asking again takes the registry's new numbers except in
// the corrected cells; after approval, a check against the sources flags
// exactly the cells whose number changed.
func TestPrefillWithProvenance(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	def, _ := json.Marshal(collectreportapi.ShippedForms()[0])
	a.Must(http.MethodPost, api+"/definitions", "ministry", string(def), http.StatusCreated, nil)
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"oo1","version":1,"title":"ОО-1 на 20 сентября",
		"legal_basis":"Приказ Росстата об утверждении формы ОО-1","opens_at":%q,"closes_at":%q,"targets":{"kinds":["school"]}}`,
		now.Add(-time.Hour).Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04")), http.StatusCreated, &c)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)

	school1 := a.One(`SELECT id::text FROM registry.organisations WHERE code = 'school-1-kemerovo'`)
	const active = ` FROM registry.enrollments e JOIN registry.classes c ON c.id = e.class_id JOIN registry.people p ON p.id = e.person_id
		WHERE e.organisation_id = $1 AND e.starts_on <= current_date AND (e.ends_on IS NULL OR e.ends_on >= current_date) AND c.grade IS NOT NULL`
	var mine []collectreportapi.Submission
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/submissions", "director-s1", "", http.StatusOK, &mine)
	s := mine[0]
	pupils := a.Count(`SELECT count(*)`+active, school1)
	if s.Values["pupils.total.all"] != strconv.Itoa(pupils) || pupils == 0 {
		t.Fatalf("pupils prefilled: %q, enrolled %d", s.Values["pupils.total.all"], pupils)
	}
	// A grade with pupils, and one of them to move later.
	grade := a.One(`SELECT c.grade::text`+active+` GROUP BY c.grade ORDER BY count(*) DESC LIMIT 1`, school1)
	cell := "pupils.g" + grade + ".all"
	if want := a.Count(`SELECT count(*)`+active+` AND c.grade = $2`, school1, grade); s.Values[cell] != strconv.Itoa(want) {
		t.Fatalf("%s: %q, want %d", cell, s.Values[cell], want)
	}
	if p := s.Prefill["pupils.total.girls"]; p.Source != "registry.pupils?grade=1-11&gender=F" || p.AsOf == "" || p.At.IsZero() ||
		p.Value != strconv.Itoa(a.Count(`SELECT count(*)`+active+` AND p.gender = 'F'`, school1)) {
		t.Fatalf("provenance: %+v", p)
	}
	if s.Values["staff.teachers.all"] == "" || s.Values["second_shift"] != "" {
		t.Fatalf("staff prefilled, the school's own cells left: %v", s.Values)
	}

	// A correction needs its reason.
	values := map[string]string{}
	for k, v := range s.Values {
		values[k] = v
	}
	values["staff.teachers.all"] = strconv.Itoa(mustAtoi(t, s.Values["staff.teachers.all"]) + 2)
	body := func(version int, corrections string) string {
		b, _ := json.Marshal(values)
		return fmt.Sprintf(`{"values":%s,"version":%d,"corrections":{%s}}`, b, version, corrections)
	}
	code, resp := a.Call(http.MethodPut, api+"/submissions/"+s.ID.String(), "director-s1", body(s.Version, ""))
	a.Refused(code, resp, http.StatusUnprocessableEntity, string(collectreportapi.ReasonUncommented))
	var saved collectreportapi.Submission
	a.Must(http.MethodPut, api+"/submissions/"+s.ID.String(), "director-s1", body(s.Version, `"staff.teachers.all":"Двое совместителей не внесены в реестр"`), http.StatusOK, &saved)
	if fix := saved.Corrections["staff.teachers.all"]; fix.Comment != "Двое совместителей не внесены в реестр" || fix.Value != values["staff.teachers.all"] || fix.By == "" {
		t.Fatalf("the correction: %+v", saved.Corrections)
	}
	// Saving again keeps it without repeating the reason.
	values["second_shift"], values["staff.director.vacancies"], values["staff.deputies.vacancies"], values["staff.teachers.vacancies"] = "0", "0", "0", "1"
	a.Must(http.MethodPut, api+"/submissions/"+s.ID.String(), "director-s1", body(saved.Version, ""), http.StatusOK, &saved)
	if len(saved.Corrections) != 1 {
		t.Fatalf("corrections after a second save: %+v", saved.Corrections)
	}

	// A pupil of that grade leaves; asking again takes the new numbers but
	// keeps the corrected cell.
	leaver := a.One(`SELECT e.id::text`+active+` AND c.grade = $2 ORDER BY e.id LIMIT 1`, school1, grade)
	leave := func(enrollment string) {
		t.Helper()
		if _, err := a.Sys.DB.Pool.Exec(ctx, `UPDATE registry.enrollments SET ends_on = current_date - 1, starts_on = least(starts_on, current_date - 1) WHERE id = $1`, enrollment); err != nil {
			t.Fatal(err)
		}
	}
	leave(leaver)
	var refilled collectreportapi.Submission
	a.Must(http.MethodPost, api+"/submissions/"+s.ID.String()+"/prefill", "director-s1", fmt.Sprintf(`{"version":%d}`, saved.Version), http.StatusOK, &refilled)
	if refilled.Values[cell] != strconv.Itoa(mustAtoi(t, s.Values[cell])-1) || refilled.Values["pupils.total.all"] != strconv.Itoa(pupils-1) ||
		refilled.Values["staff.teachers.all"] != values["staff.teachers.all"] || refilled.Prefill[cell].Value != refilled.Values[cell] {
		t.Fatalf("refilled: %s %q total %q teachers %q", cell, refilled.Values[cell], refilled.Values["pupils.total.all"], refilled.Values["staff.teachers.all"])
	}
	var sent collectreportapi.Submission
	a.Must(http.MethodPost, api+"/submissions/"+s.ID.String()+"/submit", "director-s1", fmt.Sprintf(`{"version":%d}`, refilled.Version), http.StatusOK, &sent)
	a.Must(http.MethodPost, api+"/submissions/"+s.ID.String()+"/approve", "mun-kemerovo", fmt.Sprintf(`{"version":%d}`, sent.Version), http.StatusOK, nil)

	// After approval another pupil of that grade leaves: exactly that
	// grade's cell and the total drift (and the girls' when a girl left).
	var check collectreportapi.DriftCheck
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/drift", "ministry", "", http.StatusOK, &check)
	if check.Checked != 1 || check.Cells != 0 {
		t.Fatalf("nothing changed yet: %+v", check)
	}
	second := a.One(`SELECT e.id::text`+active+` AND c.grade = $2 AND p.gender = 'M' ORDER BY e.id LIMIT 1`, school1, grade)
	leave(second)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/drift", "ministry", "", http.StatusOK, &check)
	var approved collectreportapi.Submission
	a.Must(http.MethodGet, api+"/submissions/"+s.ID.String(), "director-s1", "", http.StatusOK, &approved)
	if check.Submissions != 1 || check.Cells != 2 || len(approved.Drift) != 2 || approved.State != collectreportapi.Approved {
		t.Fatalf("drift: %+v %+v", check, approved.Drift)
	}
	if d := approved.Drift[cell]; d.Was != refilled.Values[cell] || d.Now != strconv.Itoa(mustAtoi(t, refilled.Values[cell])-1) {
		t.Fatalf("%s drifted: %+v", cell, d)
	}
	if _, ok := approved.Drift["pupils.total.all"]; !ok {
		t.Fatalf("the total did not drift: %+v", approved.Drift)
	}

	// The region's workbook says where the numbers came from: each
	// prefilled column's source on its header, the school's own number with
	// its reason, and the drift, on their cells.
	rec := a.Sys.Call(t, "ministry", httptest.NewRequest(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/export.xlsx", nil))
	book, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("the workbook: %d %v", rec.Code, err)
	}
	notes, err := book.GetComments("Организации")
	if err != nil {
		t.Fatal(err)
	}
	var headers, reasons, drifts int
	for _, n := range notes {
		text := n.Text
		for _, p := range n.Paragraph {
			text += p.Text
		}
		switch {
		case strings.HasSuffix(n.Cell, "1") && len(n.Cell) <= 3 && strings.Contains(text, "registry."):
			headers++
		case strings.Contains(text, "Двое совместителей не внесены в реестр"):
			reasons++
		case strings.Contains(text, "стало"):
			drifts++
		}
	}
	if headers != 27 || reasons != 1 || drifts != 2 {
		t.Fatalf("the notes: %d headers, %d reasons, %d drifts: %+v", headers, reasons, drifts, notes)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// A form prefilled from the journal: the campaign opens with each school's
// lessons and marks over the last 30 days as post-grade's aggregates give
// them to the ministry, and no average where no mark was recorded.
func TestJournalPrefill(t *testing.T) {
	a := newAPI(t)
	def := `{"code":"journal-month","title":"Журнал за месяц","sections":[{"id":"s","title":"Журнал","fields":[
		{"id":"lessons","title":"Уроков","type":"integer"},{"id":"marks","title":"Отметок","type":"integer"},{"id":"avg","title":"Средний балл","type":"decimal"}]}],
		"prefill":{"lessons":"journal.lessons","marks":"journal.marks?days=30","avg":"journal.average"}}`
	a.Must(http.MethodPost, api+"/definitions", "ministry", def, http.StatusCreated, nil)
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"journal-month","version":1,"title":"Журнал","legal_basis":"Приказ",
		"opens_at":%q,"closes_at":%q,"targets":{"kinds":["school"]}}`, now.Add(-time.Hour).Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04")),
		http.StatusCreated, &c)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	school1 := a.One(`SELECT id::text FROM registry.organisations WHERE code = 'school-1-kemerovo'`)
	var agg postgradeapi.Aggregates
	a.Must(http.MethodGet, "/api/post-grade/aggregates?organisation="+school1, "ministry", "", http.StatusOK, &agg)
	lessons, marks := 0, 0
	var avg *float64
	for _, it := range agg.Items {
		lessons, marks, avg = it.Lessons, it.Marks, it.Average
	}
	var mine []collectreportapi.Submission
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/submissions", "director-s1", "", http.StatusOK, &mine)
	s := mine[0]
	if s.Values["lessons"] != strconv.Itoa(lessons) || s.Values["marks"] != strconv.Itoa(marks) || s.Prefill["lessons"].Source != "journal.lessons" {
		t.Fatalf("prefilled %v (%+v), the journal says %d lessons, %d marks", s.Values, s.Prefill, lessons, marks)
	}
	if _, prefilled := s.Prefill["avg"]; prefilled != (avg != nil) {
		t.Fatalf("the average prefilled %v, the journal's %v", prefilled, avg)
	}
}

// The shipped 85-К opens prefilled from the registry (children by age) and
// from the kindergarten queues (who waits for a place in each kindergarten),
// as submit-application counts them for the ministry.
func TestQueuePrefill(t *testing.T) {
	a := newAPI(t)
	def, _ := json.Marshal(collectreportapi.ShippedForms()[1])
	a.Must(http.MethodPost, api+"/definitions", "ministry", string(def), http.StatusCreated, nil)
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"dou-85k","version":1,"title":"85-К","legal_basis":"Приказ Росстата",
		"opens_at":%q,"closes_at":%q,"targets":{"kinds":["kindergarten"]}}`, now.Add(-time.Hour).Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04")),
		http.StatusCreated, &c)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	kg1 := a.One(`SELECT id::text FROM registry.organisations WHERE code = 'kg-1-kemerovo'`)
	var queues []submitapplicationapi.OrganisationCounts
	a.Must(http.MethodPost, "/api/submit-application/counts", "ministry", `{"organisations":["`+kg1+`"]}`, http.StatusOK, &queues)
	all, first := 0, 0
	for _, b := range queues[0].Queue {
		all, first = all+b.All, first+b.FirstChoice
	}
	var mine []collectreportapi.Submission
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/submissions", "kg-director-1", "", http.StatusOK, &mine)
	s := mine[0]
	if s.Values["waiting"] != strconv.Itoa(all) || s.Values["waiting_first"] != strconv.Itoa(first) || s.Prefill["waiting_first"].Source != "queue.waiting?first=true" {
		t.Fatalf("the queue prefilled: %q, %q (%+v); submit-application counts %d, %d", s.Values["waiting"], s.Values["waiting_first"], s.Prefill["waiting"], all, first)
	}
	children := a.Count(`SELECT count(*) FROM registry.enrollments WHERE organisation_id = $1 AND starts_on <= current_date AND (ends_on IS NULL OR ends_on >= current_date)`, kg1)
	if s.Values["children.total.all"] != strconv.Itoa(children) || children == 0 {
		t.Fatalf("children prefilled: %q, enrolled %d", s.Values["children.total.all"], children)
	}
}
