package submitapplication

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

func TestSubmitIdempotencyAndUniqueness(t *testing.T) {
	w := newWorld(t)
	body := firstGradeBody("{grader1}", "{school1}", "territory", "")

	code, resp := w.submit("parent1", "key-1", body)
	if code != http.StatusCreated {
		t.Fatalf("submit: %d %s", code, resp)
	}
	var app submitapplicationapi.Application
	_ = json.Unmarshal([]byte(resp), &app)
	if !regexp.MustCompile(`^1К-20[0-9]{2}-[0-9]{7}$`).MatchString(app.Number) || app.Status != submitapplicationapi.Submitted || app.ReceivedAt.IsZero() ||
		app.EPGUStatusCode != 120 || app.Window == nil || *app.Window != 1 || *app.AcademicYear != 2027 || app.Deadline == nil {
		t.Fatalf("created application %+v", app)
	}

	// The same key and body (a retry after a lost answer): the same application, 200.
	code, resp = w.submit("parent1", "key-1", strings.ReplaceAll(body, `,"`, `, "`))
	var again submitapplicationapi.Application
	_ = json.Unmarshal([]byte(resp), &again)
	if code != http.StatusOK || again.ID != app.ID || again.Number != app.Number || !again.ReceivedAt.Equal(app.ReceivedAt) {
		t.Fatalf("retry: %d %s", code, resp)
	}
	// The same key with another body: 422, nothing written.
	code, resp = w.submit("parent1", "key-1", firstGradeBody("{grader1}", "{school2}", "territory", ""))
	if p := parseProblem(t, resp); code != http.StatusUnprocessableEntity || p.Errors[0].Field != "Idempotency-Key" {
		t.Fatalf("reused key: %d %s", code, resp)
	}
	// Another key, the same child and school: 409 naming the existing one.
	code, resp = w.submit("parent1", "key-2", body)
	if p := parseProblem(t, resp); code != http.StatusConflict || p.ExistingID != app.ID.String() || p.ExistingNumber != app.Number ||
		!strings.Contains(p.Detail, app.Number) {
		t.Fatalf("second active application: %d %s", code, resp)
	}
	// Another school is another target.
	if code, resp := w.submit("parent1", "key-3", firstGradeBody("{grader1}", "{school2}", "territory", "")); code != http.StatusCreated {
		t.Fatalf("second school: %d %s", code, resp)
	}
	// Keys are per applicant: parent2 may use "key-1" for an own child.
	if code, resp := w.submit("parent2", "key-1", firstGradeBody("{grader2}", "{school1}", "sibling", `,"basis_document":"справка о брате, обучающемся в школе"`)); code != http.StatusCreated {
		t.Fatalf("parent2: %d %s", code, resp)
	}

	if n := w.count(`SELECT count(*) FROM applications.applications`); n != 3 {
		t.Fatalf("%d applications, want 3", n)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, submitapplicationapi.EventSubmitted); n != 3 {
		t.Fatalf("%d submitted events, want 3", n)
	}
	if n := w.count(`SELECT count(*) FROM applications.status_history WHERE application_id = $1 AND status = 'submitted'`, app.ID); n != 1 {
		t.Fatalf("%d first statuses, want 1", n)
	}
	var data string
	_ = w.db.Pool.QueryRow(t.Context(), `SELECT data::text FROM platform.outbox WHERE subject = $1`, app.ID.String()).Scan(&data)
	if !strings.Contains(data, app.Number) || !strings.Contains(data, `"epgu_status_code": 120`) {
		t.Fatalf("event data %s", data)
	}

	// The parent reads it with its history; the ranked list places it.
	var got submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications/"+app.ID.String(), "parent1", "", nil, 200, &got)
	if len(got.History) != 1 || got.History[0].Status != submitapplicationapi.Submitted || got.History[0].EPGUStatusCode != 120 {
		t.Fatalf("history %+v", got.History)
	}
	var rank submitapplicationapi.Ranking
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/first-grade/{school1}/ranking?number="+app.Number, "", "", nil, 200, &rank)
	if rank.Position == nil || *rank.Position != 1 || rank.Total != 2 || rank.Window != 1 {
		t.Fatalf("ranking %+v", rank)
	}
	if strings.Contains(fmt.Sprint(rank), "{grader1}") {
		t.Fatal("ranking reveals the child")
	}
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/first-grade/{school2}/ranking?number="+app.Number, "", "", nil, 404, nil)
}

// Concurrent retries of one submission produce one application; concurrent
// submissions of one child for one school with different keys produce one too.
func TestConcurrentSubmissions(t *testing.T) {
	w := newWorld(t)
	const n = 16
	run := func(key func(i int) string, body string) map[int]int {
		var mu sync.Mutex
		codes := map[int]int{}
		ids := map[string]bool{}
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, resp := w.submit("parent1", key(i), body)
				var a submitapplicationapi.Application
				_ = json.Unmarshal([]byte(resp), &a)
				mu.Lock()
				defer mu.Unlock()
				codes[code]++
				if a.ID.String() != "00000000-0000-0000-0000-000000000000" {
					ids[a.ID.String()] = true
				}
			}()
		}
		wg.Wait()
		if len(ids) > 1 {
			t.Fatalf("several applications answered: %v", ids)
		}
		return codes
	}
	codes := run(func(int) string { return "same-key" }, firstGradeBody("{grader1}", "{school1}", "territory", ""))
	if codes[201] != 1 || codes[200] != n-1 {
		t.Fatalf("retries with one key: %v", codes)
	}
	codes = run(func(i int) string { return fmt.Sprintf("key-%d", i) }, firstGradeBody("{grader1}", "{school2}", "territory", ""))
	if codes[201] != 1 || codes[409] != n-1 {
		t.Fatalf("different keys, one child and school: %v", codes)
	}
	if c := w.count(`SELECT count(*) FROM applications.applications`); c != 2 {
		t.Fatalf("%d applications, want 2", c)
	}
	if c := w.count(`SELECT count(*) FROM platform.outbox WHERE source = $1`, source); c != 2 {
		t.Fatalf("%d events, want 2", c)
	}
}

func TestServices(t *testing.T) {
	w := newWorld(t)
	// A kindergarten queue application with a privilege: stored unconfirmed.
	body := kindergartenBody("{kid1}", []string{"{kg1}", "{kg2}"}, nextYearSept1(), "general",
		`,"privileges":[{"kind":"sibling","document":"справка из детского сада № 1 о брате"}]`)
	code, resp := w.submit("parent1", "kg-1", body)
	var kg submitapplicationapi.Application
	_ = json.Unmarshal([]byte(resp), &kg)
	if code != 201 || !strings.HasPrefix(kg.Number, "ДС-") || len(kg.OrganisationIDs) != 2 || kg.OrganisationID.String() != w.ids["{kg1}"] ||
		!strings.Contains(string(kg.Data), `"confirmed":false`) || kg.Window != nil {
		t.Fatalf("kindergarten: %d %s", code, resp)
	}
	// One place in a municipality's queue per child.
	if code, resp := w.submit("parent1", "kg-2", kindergartenBody("{kid1}", []string{"{kg2}"}, nextYearSept1(), "short_stay", "")); code != 409 {
		t.Fatalf("second queue application: %d %s", code, resp)
	}
	// Additional education.
	code, resp = w.submit("parent1", "ae-1", additionalBody("{student1}", "{prog1}"))
	if code != 201 || !strings.Contains(resp, `"number":"ДО-`) {
		t.Fatalf("additional education: %d %s", code, resp)
	}
	// A child younger than 6.5 with the founder's permission.
	code, resp = w.submit("parent1", "fg-young", firstGradeBody("{kid1}", "{school1}", "territory", `,"founder_permission":"распоряжение управления образования № 15 от 01.03.2027"`))
	if code != 201 {
		t.Fatalf("founder permission: %d %s", code, resp)
	}
}

// Bad input is answered 4xx with a clear message and field errors, and writes nothing.
func TestBadInput(t *testing.T) {
	w := newWorld(t)
	fg := func(child, school, basis, extra string) string { return firstGradeBody(child, school, basis, extra) }
	kg := func(prefs []string, start, group, priv string) string {
		return kindergartenBody("{kid1}", prefs, start, group, priv)
	}
	six := []string{"{kg1}", "{kg2}", "{kg1n}", "{school1}", "{school2}", "{dod1}"}
	cases := []struct {
		name, login, key, body string
		status                 int
		field, code            string
	}{
		{"no idempotency key", "parent1", "", fg("{grader1}", "{school1}", "territory", ""), 400, "Idempotency-Key", "required"},
		{"idempotency key too long", "parent1", strings.Repeat("k", 101), fg("{grader1}", "{school1}", "territory", ""), 400, "Idempotency-Key", "length"},
		{"idempotency key with spaces", "parent1", "a b", fg("{grader1}", "{school1}", "territory", ""), 400, "Idempotency-Key", "format"},
		{"unknown field", "parent1", "k", `{"service":"first_grade","child_id":"{grader1}","admin":true}`, 400, "admin", "unknown"},
		{"malformed child id", "parent1", "k", fg("12345", "{school1}", "territory", ""), 400, "child_id", "format"},
		{"unknown service", "parent1", "k", `{"service":"university","child_id":"{grader1}"}`, 400, "service", "enum"},
		{"block of another service", "parent1", "k", `{"service":"first_grade","child_id":"{grader1}","kindergarten":{"preferences":[],"desired_start":"","group_type":""}}`, 400, "kindergarten", "unexpected"},
		{"a foreign child", "parent2", "k", fg("{grader1}", "{school1}", "territory", ""), 404, "", ""},
		{"an unknown child", "parent1", "k", fg("11111111-2222-3333-4444-555555555555", "{school1}", "territory", ""), 404, "", ""},
		{"bad basis", "parent1", "k", fg("{grader1}", "{school1}", "lottery", ""), 400, "first_grade.basis", "enum"},
		{"priority without its document", "parent1", "k", fg("{grader1}", "{school1}", "first_priority", ""), 400, "first_grade.basis_document", "required"},
		{"child too old for first grade", "parent1", "k", fg("{student1}", "{school1}", "territory", ""), 422, "child_id", "age"},
		{"child too young for first grade", "parent1", "k", fg("{kid1}", "{school1}", "territory", ""), 422, "child_id", "age"},
		{"outside the municipality's window", "parent1", "k", fg("{grader1}", "{school3}", "territory", ""), 422, "first_grade", "window_closed"},
		{"general basis before window 2", "parent1", "k", fg("{grader1}", "{school1}", "general", ""), 422, "first_grade", "window_closed"},
		{"unknown school", "parent1", "k", fg("{grader1}", "99999999-8888-7777-6666-555555555555", "territory", ""), 422, "first_grade.school_id", "not_found"},
		{"a kindergarten is not a school", "parent1", "k", fg("{grader1}", "{kg1}", "territory", ""), 422, "first_grade.school_id", "kind"},
		{"six preferences", "parent1", "k", kg(six, nextYearSept1(), "general", ""), 400, "kindergarten.preferences", "max"},
		{"no preferences", "parent1", "k", kg(nil, nextYearSept1(), "general", ""), 400, "kindergarten.preferences", "required"},
		{"a kindergarten twice", "parent1", "k", kg([]string{"{kg1}", "{kg1}"}, nextYearSept1(), "general", ""), 400, "kindergarten.preferences[1]", "duplicate"},
		{"unknown kindergarten", "parent1", "k", kg([]string{"{kg1}", "99999999-8888-7777-6666-555555555555"}, nextYearSept1(), "general", ""), 422, "kindergarten.preferences[1]", "not_found"},
		{"a school is not a kindergarten", "parent1", "k", kg([]string{"{school1}"}, nextYearSept1(), "general", ""), 422, "kindergarten.preferences[0]", "kind"},
		{"kindergartens of two municipalities", "parent1", "k", kg([]string{"{kg1}", "{kg1n}"}, nextYearSept1(), "general", ""), 422, "kindergarten.preferences[1]", "municipality"},
		{"privilege without document", "parent1", "k", kg([]string{"{kg1}"}, nextYearSept1(), "general", `,"privileges":[{"kind":"extraordinary"}]`), 400, "kindergarten.privileges[0].document", "required"},
		{"unknown privilege", "parent1", "k", kg([]string{"{kg1}"}, nextYearSept1(), "general", `,"privileges":[{"kind":"vip","document":"x"}]`), 400, "kindergarten.privileges[0].kind", "enum"},
		{"bad group type", "parent1", "k", kg([]string{"{kg1}"}, nextYearSept1(), "nursery", ""), 400, "kindergarten.group_type", "enum"},
		{"bad start date", "parent1", "k", kg([]string{"{kg1}"}, "01.09.2027", "general", ""), 400, "kindergarten.desired_start", "format"},
		{"start date in the past", "parent1", "k", kg([]string{"{kg1}"}, "2020-09-01", "general", ""), 422, "kindergarten.desired_start", "range"},
		{"too old for a kindergarten", "parent1", "k", kindergartenBody("{student1}", []string{"{kg1}"}, nextYearSept1(), "general", ""), 422, "child_id", "age"},
		{"seven by the desired start", "parent1", "k", kindergartenBody("{grader1}", []string{"{kg1}"}, "2027-11-10", "general", ""), 422, "child_id", "age"},
		{"unknown programme", "parent1", "k", additionalBody("{student1}", "99999999-8888-7777-6666-555555555555"), 422, "additional_education.programme_id", "not_found"},
		{"closed programme", "parent1", "k", additionalBody("{student1}", "{prog-closed}"), 422, "additional_education.programme_id", "closed"},
		{"too young for additional education", "parent1", "k", additionalBody("{kid1}", "{prog1}"), 422, "child_id", "age"},
		{"not a parent", "director-s1", "k", fg("{grader1}", "{school1}", "territory", ""), 403, "", ""},
		{"not JSON", "parent1", "k", `service=first_grade`, 400, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.key != "" {
				h["Idempotency-Key"] = c.key
			}
			code, resp := w.call(w.f.Handle, http.MethodPost, "/api/submit-application/applications", c.login, c.body, h)
			refused(t, code, resp, c.status, c.field, c.code)
		})
	}
	for _, table := range []string{"applications.applications", "applications.status_history", "platform.outbox WHERE source = '/eko/submit-application'"} {
		if n := w.count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Fatalf("%s has %d rows after refused input", table, n)
		}
	}
}

// A retry of a stored submission returns it even when its window has closed since.
func TestRetryAfterWindowCloses(t *testing.T) {
	w := newWorld(t)
	body := firstGradeBody("{grader1}", "{school1}", "territory", "")
	if code, resp := w.submit("parent1", "late", body); code != 201 {
		t.Fatalf("%d %s", code, resp)
	}
	w.exec(`UPDATE applications.enrollment_windows SET closes_at = now() - interval '1 minute', opens_at = now() - interval '2 hours' WHERE window_no = 1 AND municipality_id IS NULL`)
	// The cached windows still say open: the insert itself refuses, by the database clock.
	if code, resp := w.submit("parent1", "new", firstGradeBody("{grader1}", "{school2}", "territory", "")); code != 422 || !strings.Contains(resp, "window_closed") {
		t.Fatalf("new after close (cache stale): %d %s", code, resp)
	}
	if code, resp := w.submit("parent1", "late", body); code != 200 {
		t.Fatalf("retry after close: %d %s", code, resp)
	}
	w.f.windows.mu.Lock()
	w.f.windows.loaded = w.f.windows.loaded.Add(-windowTTL)
	w.f.windows.mu.Unlock()
	if code, resp := w.submit("parent1", "late", body); code != 200 {
		t.Fatalf("retry after close: %d %s", code, resp)
	}
	if code, resp := w.submit("parent1", "new2", firstGradeBody("{grader1}", "{school2}", "territory", "")); code != 422 || !strings.Contains(resp, "window_closed") {
		t.Fatalf("new after close: %d %s", code, resp)
	}
	if n := w.count(`SELECT count(*) FROM applications.applications`); n != 1 {
		t.Fatalf("%d applications, want 1", n)
	}
}

// Above capacity a submission is refused quickly with 503 and Retry-After, and nothing is written.
func TestOverloadIsShed(t *testing.T) {
	w := newWorld(t)
	*w.f.admit = *newAdmission(Limits{MaxInFlight: 1, QueueWait: 20 * time.Millisecond})
	leave, err := w.f.admit.enter(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/submit-application/applications", strings.NewReader(w.expand(firstGradeBody("{grader1}", "{school1}", "territory", ""))))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.tokens["parent1"])
	req.Header.Set("Idempotency-Key", "busy")
	rec := httptest.NewRecorder()
	start := time.Now()
	w.f.Handle(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || time.Since(start) > 2*time.Second {
		t.Fatalf("overloaded: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if n := w.count(`SELECT count(*) FROM applications.applications`); n != 0 {
		t.Fatalf("%d applications written while shedding", n)
	}
	leave()
	if code, resp := w.submit("parent1", "busy", firstGradeBody("{grader1}", "{school1}", "territory", "")); code != 201 {
		t.Fatalf("retry after the peak: %d %s", code, resp)
	}
}

// With every slot taken and the queue full, one more submission is refused at
// once: it does not wait out QueueWait.
func TestFullQueueRefusesAtOnce(t *testing.T) {
	a := newAdmission(Limits{MaxInFlight: 1, MaxQueue: 1, QueueWait: time.Hour})
	leave, err := a.enter(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	waiter := make(chan error, 1)
	go func() {
		leave, err := a.enter(t.Context())
		if err == nil {
			leave()
		}
		waiter <- err
	}()
	for a.waiting.Load() != 1 { // the waiter is queued
		time.Sleep(time.Millisecond)
	}
	refused := make(chan error, 1)
	go func() { _, err := a.enter(t.Context()); refused <- err }()
	select {
	case err := <-refused:
		if err != errOverloaded {
			t.Fatalf("beyond the queue: %v, want the overload refusal", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a submission beyond the queue waited for a slot")
	}
	leave() // the queued one gets the slot
	if err := <-waiter; err != nil {
		t.Fatalf("the queued submission: %v", err)
	}
}
