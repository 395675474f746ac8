package portal_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/inbox/inboxtest"
)

// wardWithAbsence has Kemerovo's guardianship authority make an adult of
// the registry with no account (so no fixture login's rights change)
// student1's guardian, delivers the registry's announcements and then the
// journal's chronic absence of student1 to guardianship.
func wardWithAbsence(t *testing.T, w *world) {
	t.Helper()
	var guardian string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT s.person_id::text FROM registry.staff s JOIN registry.people p ON p.id = s.person_id
		WHERE s.role = 'clerk' AND p.esia_oid IS NULL ORDER BY s.person_id LIMIT 1`).Scan(&guardian); err != nil {
		t.Fatal(err)
	}
	if code, body := w.api("opeka-kemerovo", http.MethodPost, "/api/registry/parent-links", `{"parent_id":"`+guardian+`","child_id":"`+w.ids["student1"]+
		`","relation":"guardian","kind":"guardian","document":"Постановление № 1234 от 02.12.2026"}`, nil); code != http.StatusCreated {
		t.Fatalf("the guardian's link: %d %s", code, body)
	}
	for w.sys.Deliver(t) > 0 {
	}
	b, _ := json.Marshal(postgradeapi.AbsenceEvent{StudentID: w.ids["student1"], ClassID: "00000000-0000-0000-0000-000000000006",
		OrganisationID: w.ids["school-1-kemerovo"], From: "2026-11-01", To: "2026-11-30", Absences: 24, Unexcused: 20, Lessons: 70, Threshold: 0.3})
	if code, body := inboxtest.Deliver(t, w.handler, "/api/guardianship/events", inboxtest.Event{ID: "ward-absence-1", Source: "/eko/post-grade",
		Type: postgradeapi.EventAbsenceChronic, Data: b}); code >= 300 {
		t.Fatalf("deliver: %d %s", code, body)
	}
}

// The guardianship authority's pages: opeka-kemerovo finds student1 among
// its wards with an open task, opens the file (the long absence with its
// numbers), records a visit (a visit in the future refused on the page)
// and closes the task; the education authority and a parent reach
// nothing.
func TestWardPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	wardWithAbsence(t, w)
	opeka := w.browser()
	p := opeka.login("opeka-kemerovo", "/wards")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="nav-wards"`) || !strings.Contains(p.body, `data-child-id="`+w.ids["student1"]+`" data-open-tasks="1"`) {
		t.Fatalf("the wards: %d %.1500s", p.status, p.body)
	}
	// The journal's «2» for the term in mathematics: a «low marks» task
	// naming the subject.
	var maths string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM journal.subjects WHERE name = 'Математика'`).Scan(&maths); err != nil {
		t.Fatal(err)
	}
	two := 2
	b, _ := json.Marshal(postgradeapi.TermMarkEvent{StudentID: w.ids["student1"], SubjectID: maths, ClassID: "00000000-0000-0000-0000-000000000006",
		PeriodID: "0191c0de-0000-7000-8000-00000000a001", Value: &two, ConfirmedAt: "2026-12-01T10:00:00Z"})
	if code, body := inboxtest.Deliver(t, w.handler, "/api/guardianship/events", inboxtest.Event{ID: "ward-mark-1", Source: "/eko/post-grade",
		Type: postgradeapi.EventTermMarkConfirmed, Data: b}); code >= 300 {
		t.Fatalf("deliver: %d %s", code, body)
	}
	p = opeka.get("/wards/" + w.ids["student1"])
	if !strings.Contains(p.body, "Соколов") || !strings.Contains(p.body, "24 пропусков из 70") || !strings.Contains(p.body, `data-kind="absence" data-state="open"`) ||
		!regexp.MustCompile(`data-kind="low_marks" data-state="open">[^<]*<p><strong>неудовлетворительные отметки за период</strong>(?s:.*?)class="small low-subjects">Математика<`).MatchString(p.body) {
		t.Fatalf("the file: %.3500s", p.body)
	}
	if !regexp.MustCompile(`id="ward-enrollments"><li class="timeline-entry" data-organisation-id="` + w.ids["school-1-kemerovo"] + `" data-current="true">МБОУ «СОШ № 1»: с `).MatchString(p.body) {
		t.Fatalf("the file's enrollments: %.3500s", p.body)
	}
	csrf := csrfOf(t, p.body)
	p = opeka.post("/wards/"+w.ids["student1"]+"/notes", url.Values{"csrf": {csrf}, "kind": {"visit"}, "visited_on": {"2099-01-01"}, "text": {"Посещение"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="ward-error"`) {
		t.Fatalf("a visit in the future: %d %.1000s", p.status, p.body)
	}
	p = opeka.follow(opeka.post("/wards/"+w.ids["student1"]+"/notes", url.Values{"csrf": {csrf}, "kind": {"visit"}, "visited_on": {"2026-12-01"},
		"text": {"Семья посещена: условия удовлетворительные"}}))
	if !strings.Contains(p.body, `id="ward-notice"`) || !strings.Contains(p.body, "Семья посещена") {
		t.Fatalf("the visit: %.2000s", p.body)
	}
	task := regexp.MustCompile(`data-task-id="(\d+)"`).FindStringSubmatch(p.body)
	if task == nil {
		t.Fatalf("no task on the page: %.2000s", p.body)
	}
	p = opeka.follow(opeka.post("/wards/"+w.ids["student1"]+"/tasks/"+task[1]+"/done", url.Values{"csrf": {csrf}, "outcome": {"Пропуски по болезни, справки есть"}}))
	if !strings.Contains(p.body, `data-kind="absence" data-state="done"`) {
		t.Fatalf("the task closed: %.2000s", p.body)
	}
	for _, login := range []string{"mun-kemerovo", "parent1"} {
		b := w.browser()
		b.login(login, "/profile")
		if p := b.get("/wards/" + w.ids["student1"]); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("%s opens the ward's file: %d", login, p.status)
		}
	}
}

// The story for the guardianship authority in Chromium, phone-
// sized: opeka-kemerovo sees a ward's long absence among its tasks and
// records a visit.
func TestBrowserWards(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	wardWithAbsence(t, w)
	base := w.server.URL
	do, text := drive(t, ctx)
	do("viewport", chromedp.EmulateViewport(390, 844))
	do("log in as opeka-kemerovo", chromedp.Navigate(base+"/wards"), chromedp.WaitVisible(chromedp.ID("login-opeka-kemerovo")),
		chromedp.Click(chromedp.ID("login-opeka-kemerovo")), chromedp.WaitVisible(chromedp.CSS(`li.ward[data-child-id="`+w.ids["student1"]+`"]`)))
	do("open the ward's file", chromedp.Click(chromedp.CSS(`li.ward[data-child-id="`+w.ids["student1"]+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`li.ward-task[data-kind="absence"][data-state="open"]`)))
	if s := text(`li.ward-task[data-kind="absence"]`); !strings.Contains(s, "24 пропусков из 70") {
		t.Fatalf("the long absence: %q", s)
	}
	if !evaluate[bool](t, ctx, `(() => { document.getElementById('visited_on').value = '2026-12-01';
		document.getElementById('note-text').value = 'Семья посещена: ребёнок болел, справка есть'; return true; })()`) {
		t.Fatal("the note form")
	}
	do("record the visit", chromedp.Click(chromedp.ID("ward-note")), chromedp.WaitVisible(chromedp.ID("ward-notice")))
	if s := text("#ward-notes"); !strings.Contains(s, "посещение 01.12.2026") || !strings.Contains(s, "справка есть") {
		t.Fatalf("the visit in the file: %q", s)
	}
}
