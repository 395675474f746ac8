package submitapplication

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

func TestWindowsAsData(t *testing.T) {
	w := newWorld(t)
	year := 2027

	// Anyone, even without a token, reads when admission opens.
	var list submitapplicationapi.Page[submitapplicationapi.WindowView]
	w.must(w.f.Handle, http.MethodGet, api+"/windows?year=2027", "", "", nil, http.StatusOK, &list)
	if len(list.Items) != 3 {
		t.Fatalf("windows of 2027: %d, want 3: %+v", len(list.Items), list.Items)
	}
	w.must(w.f.Handle, http.MethodGet, api+"/windows?year=2027&municipality={novokuznetsk}", "", "", nil, http.StatusOK, &list)
	if len(list.Items) != 2 || list.Items[0].MunicipalityID == nil || list.Items[1].MunicipalityID != nil {
		t.Fatalf("Novokuznetsk's windows: its own window 1 and the region's window 2, got %+v", list.Items)
	}

	// Novokuznetsk's window 1 opens in five days: parent2 is refused now…
	body := firstGradeBody("{grader2}", "{school3}", "territory", "")
	if code, resp := w.submit("parent2", "nk-1", body); code != http.StatusUnprocessableEntity {
		t.Fatalf("before the window: %d %s", code, resp)
	}
	// …its education authority opens it now, and the same request is accepted at once.
	at := func(d time.Duration) string { return time.Now().Add(d).Format(time.RFC3339) }
	put := func(login, body string) (int, string) {
		return w.call(w.f.Handle, http.MethodPut, api+"/windows", login, body, nil)
	}
	open := fmt.Sprintf(`{"academic_year":%d,"municipality_id":"{novokuznetsk}","window_no":1,"opens_at":%q,"closes_at":%q}`,
		year, at(-time.Minute), at(24*time.Hour))
	if code, resp := put("mun-novokuznetsk", open); code != http.StatusOK {
		t.Fatalf("open Novokuznetsk's window 1: %d %s", code, resp)
	}
	if code, resp := w.submit("parent2", "nk-2", body); code != http.StatusCreated {
		t.Fatalf("after the window opened: %d %s", code, resp)
	}
	if n := w.count(`SELECT count(*) FROM applications.enrollment_windows WHERE municipality_id = $1::uuid`, w.ids["{novokuznetsk}"]); n != 1 {
		t.Fatalf("the window was moved, not added: %d rows", n)
	}

	cases := []struct {
		name, login, body string
		status            int
		code              string
	}{
		{"another municipality", "mun-kemerovo", open, http.StatusNotFound, "not_found"},
		{"the region's defaults by a municipality", "mun-kemerovo",
			fmt.Sprintf(`{"academic_year":%d,"window_no":2,"opens_at":%q,"closes_at":%q}`, year, at(time.Hour), at(48*time.Hour)),
			http.StatusForbidden, "forbidden"},
		{"a parent", "parent1", open, http.StatusForbidden, "forbidden"},
		{"window 2 before window 1", "mun-novokuznetsk",
			fmt.Sprintf(`{"academic_year":%d,"municipality_id":"{novokuznetsk}","window_no":2,"opens_at":%q,"closes_at":%q}`,
				year, at(-time.Hour), at(48*time.Hour)), http.StatusUnprocessableEntity, "unprocessable"},
		{"closes before it opens", "ministry",
			fmt.Sprintf(`{"academic_year":%d,"window_no":2,"opens_at":%q,"closes_at":%q}`, year, at(2*time.Hour), at(time.Hour)),
			http.StatusBadRequest, "invalid"},
		{"window 3", "ministry",
			fmt.Sprintf(`{"academic_year":%d,"window_no":3,"opens_at":%q,"closes_at":%q}`, year, at(time.Hour), at(2*time.Hour)),
			http.StatusBadRequest, "invalid"},
		{"a year long past", "ministry",
			fmt.Sprintf(`{"academic_year":2019,"window_no":1,"opens_at":%q,"closes_at":%q}`, at(time.Hour), at(2*time.Hour)),
			http.StatusBadRequest, "invalid"},
		{"not a time", "ministry", `{"academic_year":2027,"window_no":1,"opens_at":"31.03.2027","closes_at":"2027-06-30T18:00:00+07:00"}`,
			http.StatusBadRequest, "invalid"},
		{"unknown field", "ministry", `{"academic_year":2027,"window_no":1,"opens":"x"}`, http.StatusBadRequest, "invalid"},
	}
	before := w.count(`SELECT count(*) FROM applications.enrollment_windows`)
	for _, c := range cases {
		code, resp := put(c.login, c.body)
		if code != c.status || parseProblem(t, resp).Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, code, resp, c.status, c.code)
		}
	}
	if after := w.count(`SELECT count(*) FROM applications.enrollment_windows`); after != before {
		t.Fatalf("refused changes wrote windows: %d → %d", before, after)
	}
	var moved int
	w.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM applications.enrollment_windows
		WHERE municipality_id = $1::uuid AND window_no = 2`, w.ids["{novokuznetsk}"]).Scan(&moved)
	if moved != 0 {
		t.Fatal("a refused window 2 stayed")
	}
}

func TestProgrammesAndCapacity(t *testing.T) {
	w := newWorld(t)
	var p submitapplicationapi.Programme
	w.must(w.f.Handle, http.MethodPost, api+"/programmes", "mun-kemerovo",
		`{"organisation_id":"{dod1}","name":"Судомоделирование","age_from":5,"age_to":12,"capacity":1}`, nil, http.StatusCreated, &p)
	if p.Capacity == nil || *p.Capacity != 1 || *p.FreePlaces != 1 || p.Status != "open" {
		t.Fatalf("created: %+v", p)
	}
	w.ids["{boats}"] = p.ID.String()

	bad := []struct {
		name, login, method, path, body string
		status                          int
	}{
		{"a school is not an additional-education organisation", "mun-kemerovo", http.MethodPost, api + "/programmes",
			`{"organisation_id":"{school1}","name":"Кружок"}`, http.StatusUnprocessableEntity},
		{"another municipality's organisation", "mun-novokuznetsk", http.MethodPost, api + "/programmes",
			`{"organisation_id":"{dod1}","name":"Кружок"}`, http.StatusNotFound},
		{"ages outside 5–18", "mun-kemerovo", http.MethodPost, api + "/programmes",
			`{"organisation_id":"{dod1}","name":"Кружок","age_from":3}`, http.StatusBadRequest},
		{"ages reversed", "mun-kemerovo", http.MethodPost, api + "/programmes",
			`{"organisation_id":"{dod1}","name":"Кружок","age_from":12,"age_to":7}`, http.StatusBadRequest},
		{"no name", "mun-kemerovo", http.MethodPost, api + "/programmes", `{"organisation_id":"{dod1}"}`, http.StatusBadRequest},
		{"zero capacity", "mun-kemerovo", http.MethodPatch, api + "/programmes/{boats}", `{"capacity":0}`, http.StatusBadRequest},
		{"status unknown", "mun-kemerovo", http.MethodPatch, api + "/programmes/{boats}", `{"status":"paused"}`, http.StatusBadRequest},
		{"a parent", "parent1", http.MethodPatch, api + "/programmes/{boats}", `{"capacity":5}`, http.StatusForbidden},
		{"another municipality changes it", "mun-novokuznetsk", http.MethodPatch, api + "/programmes/{boats}", `{"capacity":5}`, http.StatusNotFound},
	}
	before := w.count(`SELECT count(*) FROM applications.programmes`)
	for _, c := range bad {
		if code, resp := w.call(w.f.Handle, c.method, c.path, c.login, c.body, nil); code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, code, resp, c.status)
		}
	}
	if n := w.count(`SELECT count(*) FROM applications.programmes`); n != before {
		t.Fatalf("refused requests wrote programmes: %d → %d", before, n)
	}

	// Families browse the catalogue by age.
	var list submitapplicationapi.Page[submitapplicationapi.Programme]
	w.must(w.f.Handle, http.MethodGet, api+"/programmes?municipality={kemerovo}&age=6&status=open", "parent1", "", nil, http.StatusOK, &list)
	names := map[string]bool{}
	for _, p := range list.Items {
		names[p.Name] = true
	}
	if !names["Судомоделирование"] || names["Робототехника"] || names["Хор"] {
		t.Fatalf("programmes open to a 6-year-old in Kemerovo: %v", names)
	}

	// Two children apply for the one place; the organisation enrolls both at once: one wins.
	var apps [2]submitapplicationapi.Application
	for i, c := range []struct{ login, child string }{{"parent1", "{grader1}"}, {"parent2", "{grader2}"}} {
		w.must(w.f.Handle, http.MethodPost, api+"/applications", c.login, additionalBody(c.child, "{boats}"),
			map[string]string{"Idempotency-Key": "boats-" + c.login}, http.StatusCreated, &apps[i])
		w.setStatus("mun-kemerovo", apps[i], "registered")
	}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = w.call(w.f.Handle, http.MethodPost, api+"/applications/"+apps[i].ID.String()+"/status", "mun-kemerovo",
				`{"status":"enrolled"}`, nil)
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("enrolling two into one place: %v, want one 200 and one 409", codes)
	}
	if n := w.count(`SELECT count(*) FROM applications.applications WHERE status = 'enrolled' AND target_key = 'programme:' || $1`, w.ids["{boats}"]); n != 1 {
		t.Fatalf("enrolled: %d, want 1", n)
	}
	// Capacity never drops below the enrolled; raising it frees a place for the other child.
	if code, resp := w.call(w.f.Handle, http.MethodPatch, api+"/programmes/{boats}", "mun-kemerovo", `{"status":"closed"}`, nil); code != 200 {
		t.Fatalf("close: %d %s", code, resp)
	}
	w.must(w.f.Handle, http.MethodPatch, api+"/programmes/{boats}", "mun-kemerovo", `{"capacity":2,"status":"open"}`, nil, http.StatusOK, &p)
	if *p.FreePlaces != 1 || p.Enrolled != 1 {
		t.Fatalf("after raising capacity: %+v", p)
	}
	loser := apps[0]
	if codes[0] == 200 {
		loser = apps[1]
	}
	w.setStatus("mun-kemerovo", loser, "enrolled")
	if code, resp := w.call(w.f.Handle, http.MethodPatch, api+"/programmes/{boats}", "mun-kemerovo", `{"capacity":1}`, nil); code != http.StatusConflict {
		t.Fatalf("capacity below the enrolled: %d %s", code, resp)
	}
}

func TestCertificates(t *testing.T) {
	w := newWorld(t)
	var c, again submitapplicationapi.Certificate
	w.must(w.f.Handle, http.MethodPost, api+"/certificates", "parent1", `{"child_id":"{grader1}"}`, nil, http.StatusCreated, &c)
	w.must(w.f.Handle, http.MethodPost, api+"/certificates", "parent1", `{"child_id":"{grader1}"}`, nil, http.StatusOK, &again)
	if c.Number != again.Number || !certificateNumber.MatchString(c.Number) {
		t.Fatalf("certificate %q then %q", c.Number, again.Number)
	}
	birth, _ := time.Parse(time.DateOnly, firstGrader)
	if c.ValidUntil != birth.AddDate(18, 0, 0).Format(time.DateOnly) {
		t.Fatalf("valid until %s", c.ValidUntil)
	}
	toddler := w.kgChildren("parent1", 1, "2024-07-01")[0]
	for _, x := range []struct {
		login, body string
		status      int
	}{
		{"parent2", `{"child_id":"{grader1}"}`, http.StatusNotFound},
		{"parent1", `{"child_id":"` + toddler + `"}`, http.StatusUnprocessableEntity},
		{"parent1", `{"child_id":"nope"}`, http.StatusBadRequest},
		{"director-s1", `{"child_id":"{grader1}"}`, http.StatusForbidden},
	} {
		if code, resp := w.call(w.f.Handle, http.MethodPost, api+"/certificates", x.login, x.body, nil); code != x.status {
			t.Errorf("%s %s: %d %s, want %d", x.login, x.body, code, resp, x.status)
		}
	}
	if n := w.count(`SELECT count(*) FROM applications.certificates`); n != 1 {
		t.Fatalf("certificates: %d, want 1", n)
	}
	for _, x := range []struct {
		login, query string
		status       int
	}{
		{"parent1", "child={grader1}", 200},
		{"ministry", "child={grader1}", 200},
		{"parent2", "child={grader1}", 404},
		{"director-s1", "number=" + c.Number, 200},
		{"parent2", "number=" + c.Number, 403},
		{"director-s1", "number=ДО-42-9999999", 404},
		{"director-s1", "number=42", 400},
		{"ministry", "", 400},
	} {
		if code, resp := w.call(w.f.Handle, http.MethodGet, api+"/certificates?"+x.query, x.login, "", nil); code != x.status {
			t.Errorf("GET certificates?%s as %s: %d %s, want %d", x.query, x.login, code, resp, x.status)
		}
	}
}

func TestOverdueAndStatistics(t *testing.T) {
	w := newWorld(t)
	// Kemerovo: a first-grade application decided in time, a kindergarten one
	// registered late, an additional-education one overdue, and one from EPGU
	// still within its deadline; nothing in Novokuznetsk.
	var fg, kg, ae submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodPost, api+"/applications", "parent1", firstGradeBody("{grader1}", "{school1}", "territory", ""),
		map[string]string{"Idempotency-Key": "st-fg"}, http.StatusCreated, &fg)
	kid := w.kgChildren("parent1", 1, "2024-07-01")[0]
	kg = w.kgSubmit("parent1", kid, []string{"{kg1}"}, nextYearSept1(), "")
	var chess submitapplicationapi.Programme
	w.must(w.f.Handle, http.MethodPost, api+"/programmes", "mun-kemerovo", `{"organisation_id":"{dod1}","name":"Шахматы","age_from":5}`,
		nil, http.StatusCreated, &chess)
	w.must(w.f.Handle, http.MethodPost, api+"/applications", "parent2", additionalBody("{grader2}", chess.ID.String()),
		map[string]string{"Idempotency-Key": "st-ae"}, http.StatusCreated, &ae)
	if code, resp := w.postEvent("epgu", "st-epgu", submitapplicationapi.EventEPGUSubmitted, epguData("90000001", "155-666-777 14", "{school2}"), false); code >= 300 {
		t.Fatalf("EPGU: %d %s", code, resp)
	}
	w.setStatus("director-s1", fg, "registered")
	w.setStatus("director-s1", fg, "enrolled")
	w.exec(`UPDATE applications.applications SET deadline = now() - interval '1 day' WHERE id = ANY($1::uuid[])`,
		[]string{kg.ID.String(), ae.ID.String()})
	w.setStatus("kg-director-1", kg, "registered")

	var page submitapplicationapi.Page[submitapplicationapi.Application]
	w.must(w.f.Handle, http.MethodGet, api+"/applications?overdue=true", "mun-kemerovo", "", nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != ae.ID {
		t.Fatalf("Kemerovo's overdue work: %+v, want only %s", page.Items, ae.Number)
	}
	// Each application says whether it is overdue, by the rule of the
	// overdue list: kg is past its deadline but decided, fg decided in time.
	if !page.Items[0].Overdue {
		t.Fatal("the overdue application does not say it is overdue")
	}
	for _, a := range []submitapplicationapi.Application{fg, kg} {
		var got submitapplicationapi.Application
		w.must(w.f.Handle, http.MethodGet, api+"/applications/"+a.ID.String(), "mun-kemerovo", "", nil, http.StatusOK, &got)
		if got.Overdue {
			t.Fatalf("%s says it is overdue (status %s, deadline %v)", got.Number, got.Status, got.Deadline)
		}
	}
	w.must(w.f.Handle, http.MethodGet, api+"/applications?overdue=true", "mun-novokuznetsk", "", nil, http.StatusOK, &page)
	if len(page.Items) != 0 {
		t.Fatalf("Novokuznetsk has no overdue work, got %d", len(page.Items))
	}
	if code, _ := w.call(w.f.Handle, http.MethodGet, api+"/applications?overdue=yes", "mun-kemerovo", "", nil); code != 400 {
		t.Fatalf("overdue=yes: %d", code)
	}

	// Statistics count in Kemerovo dates, which run seven hours ahead of UTC.
	today := time.Now().In(kemerovo).Format(time.DateOnly)
	var st submitapplicationapi.Statistics
	w.must(w.f.Handle, http.MethodGet, api+"/statistics?period=day&from="+today+"&to="+today, "ministry", "", nil, http.StatusOK, &st)
	if st.Totals.Applications != 4 || st.Totals.DecidedInTime != 1 || st.Totals.DecidedLate != 1 || st.Totals.OpenOverdue != 1 {
		t.Fatalf("region totals: %+v", st.Totals)
	}
	byChannel := map[string]int{}
	for _, c := range st.Counts {
		byChannel[c.Channel] += c.Count
		if c.Period != today {
			t.Errorf("period %q, want %s", c.Period, today)
		}
	}
	if byChannel["epgu"] != 1 || byChannel["cabinet"] != 3 {
		t.Fatalf("by channel: %v", byChannel)
	}
	w.must(w.f.Handle, http.MethodGet, api+"/statistics?from="+today+"&to="+today, "mun-novokuznetsk", "", nil, http.StatusOK, &st)
	if st.Totals.Applications != 0 || len(st.Compliance) != 0 {
		t.Fatalf("Novokuznetsk sees only its own (none): %+v", st)
	}
	for _, x := range []struct {
		login, query string
		status       int
	}{
		{"mun-kemerovo", "municipality={novokuznetsk}", 404},
		{"director-s1", "", 403},
		{"ministry", "from=2026-01-01&to=2025-01-01", 400},
		{"ministry", "from=2020-01-01&to=2026-01-01", 400},
		{"ministry", "period=week", 400},
		{"ministry", "from=01.01.2026", 400},
		{"ministry", "child={grader1}", 400},
	} {
		if code, resp := w.call(w.f.Handle, http.MethodGet, w.expand(api+"/statistics?"+x.query), x.login, "", nil); code != x.status {
			t.Errorf("statistics?%s as %s: %d %s, want %d", x.query, x.login, code, resp, x.status)
		}
	}

	// The export holds the same numbers.
	req := fmt.Sprintf("%s/statistics.xlsx?from=%s&to=%s", api, today, today)
	code, body := w.call(w.f.Handle, http.MethodGet, req, "mun-kemerovo", "", nil)
	if code != 200 {
		t.Fatalf("xlsx: %d %s", code, body)
	}
	book, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("the export is not a workbook: %v", err)
	}
	rows, err := book.GetRows("Заявления")
	if err != nil {
		t.Fatal(err)
	}
	total := rows[len(rows)-1]
	if total[0] != "Итого" || total[len(total)-1] != "4" {
		t.Fatalf("total row %v, want Итого … 4", total)
	}
	rows, err = book.GetRows("Сроки")
	if err != nil {
		t.Fatal(err)
	}
	sums := make([]int, 5)
	for _, r := range rows[1:] {
		for i := range sums {
			n, _ := strconv.Atoi(r[2+i])
			sums[i] += n
		}
	}
	if fmt.Sprint(sums) != "[1 1 1 1 0]" {
		t.Fatalf("compliance sheet sums (in time, late, overdue, open, closed) = %v, rows %v", sums, rows)
	}
}

// Authorization rows of the windows, programmes, certificates and statistics.
// The objects: a programme {svcprog} of Kemerovo's additional-education
// organisation and parent1's child {grader1}'s certificate.
func init() {
	matrixParts = append(matrixParts, func(w *world) []row {
		var p submitapplicationapi.Programme
		w.must(w.f.Handle, http.MethodPost, api+"/programmes", "mun-kemerovo", `{"organisation_id":"{dod1}","name":"Фотостудия","capacity":10}`,
			nil, http.StatusCreated, &p)
		w.ids["{svcprog}"] = p.ID.String()
		w.must(w.f.Handle, http.MethodPost, api+"/certificates", "parent1", `{"child_id":"{grader1}"}`, nil, http.StatusCreated, nil)
		win := fmt.Sprintf(`{"academic_year":2027,"municipality_id":"{kemerovo}","window_no":2,"opens_at":%q,"closes_at":%q}`,
			time.Now().Add(72*time.Hour).Format(time.RFC3339), time.Now().Add(30*24*time.Hour).Format(time.RFC3339))
		var rows []row
		add := func(r ...row) { rows = append(rows, r...) }
		add(expect("GET "+api+"/windows", api+"/windows?year=2027", "", 200, map[string]int{"": 200})...)
		add(expect("PUT "+api+"/windows", api+"/windows", win, 403, map[string]int{
			"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 404})...)
		// A school's first-grade places: public to read; set by its administration or its municipality.
		add(expect("GET "+api+"/first-grade/places", api+"/first-grade/places", "", 200, map[string]int{"": 200})...)
		places := fmt.Sprintf(`{"organisation_id":"{school1}","academic_year":%d,"places":50}`, kuzbass.AcademicYearOf(time.Now())+1)
		add(expect("PUT "+api+"/first-grade/places", api+"/first-grade/places", places, 403, map[string]int{
			"director-s1": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 404, "kg-director-1": 404})...)
		// The additional-education catalogue is public (the public site shows it).
		add(expect("GET "+api+"/programmes", api+"/programmes?organisation={dod1}", "", 200, map[string]int{"": 200})...)
		add(expect("POST "+api+"/programmes", api+"/programmes", `{"organisation_id":"{dod1}","name":"Кружок"}`, 403, map[string]int{
			"mun-kemerovo": 201, "mun-novokuznetsk": 404, "director-s1": 404, "kg-director-1": 404})...)
		add(expect("PATCH "+api+"/programmes/{id}", api+"/programmes/{svcprog}", `{"capacity":12}`, 403, map[string]int{
			"mun-kemerovo": 200, "mun-novokuznetsk": 404, "director-s1": 404, "kg-director-1": 404})...)
		add(expect("POST "+api+"/certificates", api+"/certificates", `{"child_id":"{grader1}"}`, 403, map[string]int{
			"parent1": 200, "parent2": 404})...)
		add(expect("GET "+api+"/certificates", api+"/certificates?child={grader1}", "", 403, map[string]int{
			"parent1": 200, "ministry": 200, "parent2": 404, "director-s1": 404, "kg-director-1": 404})...)
		for _, path := range []string{"/statistics", "/statistics.xlsx"} {
			add(expect("GET "+api+path, api+path, "", 403, map[string]int{
				"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200})...)
		}
		return rows
	})
}

// A school's first grade: its director sets the planned places, the public
// list counts the applications in its ranked list and those enrolled, the
// free places never below zero; bad places, years and organisations are
// refused by field, nothing written.
func TestFirstGradePlaces(t *testing.T) {
	w := newWorld(t)
	next := kuzbass.AcademicYearOf(time.Now()) + 1
	body := func(org string, year, places int) string {
		return fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"places":%d}`, org, year, places)
	}
	var p submitapplicationapi.FirstGradePlaces
	w.must(w.f.Handle, http.MethodPut, api+"/first-grade/places", "director-s1", body("{school1}", next, 50), nil, http.StatusOK, &p)
	if p.Places != 50 || p.Free != 50 || p.Enrolled != 0 {
		t.Fatalf("school No. 1's places: %+v", p)
	}
	for field, b := range map[string]string{
		"places":          body("{school1}", next, -1),
		"academic_year":   body("{school1}", next+5, 25),
		"organisation_id": body("{kg1}", next, 25),
	} {
		code, resp := w.call(w.f.Handle, http.MethodPut, api+"/first-grade/places", "mun-kemerovo", b, nil)
		if code != http.StatusBadRequest || !strings.Contains(resp, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", field, code, resp)
		}
	}
	// An application to school No. 1 for next September counts.
	w.must(w.f.Handle, http.MethodPost, api+"/applications", "parent1", firstGradeBody("{grader1}", "{school1}", "territory", ""),
		map[string]string{"Idempotency-Key": "places-1"}, http.StatusCreated, nil)
	var list struct {
		Items []submitapplicationapi.FirstGradePlaces
	}
	w.must(w.f.Handle, http.MethodGet, api+"/first-grade/places?municipality={kemerovo}", "", "", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Places != 50 || list.Items[0].Applications != 1 || list.Items[0].Free != 50 {
		t.Fatalf("Kemerovo's first grades: %+v", list.Items)
	}
	if n := w.count(`SELECT count(*) FROM applications.first_grade_places`); n != 1 {
		t.Fatalf("%d rows after the refusals", n)
	}
}
