package portal_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/inbox/inboxtest"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// chronicAbsence delivers the journal's absence.chronic for student1 to
// kdn, as the relay does, and returns the case it opened.
func chronicAbsence(t *testing.T, w *world) string {
	t.Helper()
	b, _ := json.Marshal(postgradeapi.AbsenceEvent{StudentID: w.ids["student1"], ClassID: "00000000-0000-0000-0000-000000000006",
		OrganisationID: w.ids["school-1-kemerovo"], From: "2026-11-01", To: "2026-11-30", Absences: 22, Unexcused: 19, Lessons: 64, Threshold: 0.3})
	if code, body := inboxtest.Deliver(t, w.handler, "/api/kdn/events", inboxtest.Event{ID: "absence-1", Source: "/eko/post-grade",
		Type: postgradeapi.EventAbsenceChronic, Data: b}); code >= 300 {
		t.Fatalf("deliver: %d %s", code, body)
	}
	var id string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM kdn.cases WHERE pupil_id = $1`, w.ids["student1"]).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The commission's pages: kdn-kemerovo finds the case the journal's signal
// opened, with the pupil's name and the absences, records a decision with
// a measure and later closes the case; the school's director reports on
// the measure; parent1 sees on student1's page that a case exists and its
// state, and nothing of the decision; parent2 and the education authority
// reach nothing.
func TestKDNPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	id := chronicAbsence(t, w)
	kdn := w.browser()
	p := kdn.login("kdn-kemerovo", "/kdn")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="nav-kdn"`) || !strings.Contains(p.body, `data-case-id="`+id+`"`) {
		t.Fatalf("the commission's cases: %d %.1500s", p.status, p.body)
	}
	p = kdn.get("/kdn/cases/" + id)
	if !strings.Contains(p.body, "Соколов") || !strings.Contains(p.body, "22 пропусков из 64 уроков") || !strings.Contains(p.body, `id="kdn-decision-form"`) {
		t.Fatalf("the case: %.3000s", p.body)
	}
	csrf := csrfOf(t, p.body)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(p.body)[1]
	form := url.Values{"csrf": {csrf}, "version": {version}, "meeting_on": {"2026-12-10"}, "text": {"Поставить на профилактический учёт"},
		"measure": {"Беседы с семьёй", ""}, "responsible": {"МБОУ «СОШ № 1»", ""}, "deadline": {"2026-12-01", ""}}
	p = kdn.post("/kdn/cases/"+id+"/decision", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="kdn-error"`) {
		t.Fatalf("a deadline before the meeting: %d %.1500s", p.status, p.body)
	}
	form.Set("deadline", "2027-02-01")
	form["deadline"] = []string{"2027-02-01", ""}
	p = kdn.follow(kdn.post("/kdn/cases/"+id+"/decision", form))
	if !strings.Contains(p.body, `id="kdn-notice"`) || !strings.Contains(p.body, `data-state="decided"`) || !strings.Contains(p.body, "Беседы с семьёй — МБОУ") {
		t.Fatalf("decided: %.2000s", p.body)
	}

	director := w.browser()
	p = director.login("director-s1", "/kdn/cases/"+id)
	if !strings.Contains(p.body, `id="kdn-report-form"`) || strings.Contains(p.body, `id="kdn-decision-form"`) {
		t.Fatalf("the school's view of the case: %.2000s", p.body)
	}
	p = director.follow(director.post("/kdn/cases/"+id+"/report", url.Values{"csrf": {csrfOf(t, p.body)}, "text": {"Проведены две беседы, пропусков нет"}}))
	if !strings.Contains(p.body, "Проведены две беседы") {
		t.Fatalf("the report: %.2000s", p.body)
	}

	parent := w.browser()
	p = parent.login("parent1", "/children/"+w.ids["student1"])
	if !strings.Contains(p.body, `id="child-referrals"`) || !strings.Contains(p.body, "комиссия приняла решение") || strings.Contains(p.body, "профилактический") {
		t.Fatalf("parent1's view: %.2000s", p.body)
	}
	if p = parent.get("/kdn/cases/" + id); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
		t.Fatalf("parent1 opens the case: %d", p.status)
	}
	for _, login := range []string{"parent2", "mun-kemerovo"} {
		b := w.browser()
		b.login(login, "/profile")
		if p := b.get("/kdn/cases/" + id); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("%s opens the case: %d", login, p.status)
		}
	}
	p = kdn.get("/kdn/cases/" + id)
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(p.body)[1]
	p = kdn.follow(kdn.post("/kdn/cases/"+id+"/close", url.Values{"csrf": {csrf}, "version": {version}, "outcome": {"Снят с учёта"}}))
	if !strings.Contains(p.body, `data-state="closed"`) || strings.Contains(p.body, `id="kdn-close-form"`) {
		t.Fatalf("closed: %.2000s", p.body)
	}
}

// The story in Chromium, phone-sized, on the lived-in year:
// kdn-kemerovo finds a case the journal's chronic-absence signal opened and
// records the commission's decision with a measure; parent1 sees on
// student1's page that a case exists and its state, and nothing of any
// decision.
func TestBrowserKDN(t *testing.T) {
	ctx := headless(t)
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	w := newWorld(t, worldOptions{year: day})
	for w.sys.Deliver(t) > 0 {
	}
	var id string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT c.id::text FROM kdn.cases c JOIN registry.organisations o ON o.id = c.organisation_id
		WHERE o.municipality_id = $1 AND c.reason = 'chronic_absence' AND c.state = 'open' ORDER BY c.opened_at LIMIT 1`, w.ids["kemerovo"]).Scan(&id); err != nil {
		t.Fatalf("the seeded year raised no chronic absence in Kemerovo: %v", err)
	}
	base := w.server.URL
	do, text := drive(t, ctx)
	login := func(who, path, wait string) {
		t.Helper()
		do("log in as "+who+" at "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.ID("login-"+who)),
			chromedp.Click(chromedp.ID("login-"+who)), chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	typeIn := func(sel, value string) {
		t.Helper()
		if !evaluate[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; return true; })()`, sel, value)) {
			t.Fatalf("no field %s", sel)
		}
	}
	do("viewport", chromedp.EmulateViewport(390, 844))
	login("kdn-kemerovo", "/kdn", `li.kdn-case[data-case-id="`+id+`"]`)
	do("open the case", chromedp.Click(chromedp.CSS(`li.kdn-case[data-case-id="`+id+`"] a`)), chromedp.WaitVisible(chromedp.ID("kdn-decision-form")))
	if s := text("#kdn-signals"); !strings.Contains(s, "пропусков из") {
		t.Fatalf("the case's signal: %q", s)
	}
	typeIn("#meeting_on", day.AddDate(0, 0, 3).Format(time.DateOnly))
	typeIn("#decision-text", "Поставить на профилактический учёт")
	typeIn(`.measure-line input[name="measure"]`, "Индивидуальная профилактическая работа с семьёй")
	typeIn(`.measure-line input[name="responsible"]`, "Образовательная организация")
	typeIn(`.measure-line input[name="deadline"]`, day.AddDate(0, 2, 0).Format(time.DateOnly))
	do("decide", chromedp.Click(chromedp.ID("kdn-decide")), chromedp.WaitVisible(chromedp.ID("kdn-notice")))
	if s := evaluate[string](t, ctx, `document.getElementById('kdn-state').dataset.state`); s != "decided" {
		t.Fatalf("the case's state: %q", s)
	}
	do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-title")))

	login("parent1", "/children/"+w.ids["student1"], "#child-referrals")
	if s := text("#child-referrals"); !strings.Contains(s, "на рассмотрении комиссии") || strings.Contains(s, "учёт") {
		t.Fatalf("parent1 sees: %q", s)
	}
}

// The school's referral from the class's journal: the director finds the
// link by student1's name, a statement too short is refused on the page
// with what was written kept, a proper one opens the case and shows it;
// the class teacher (not the administration) has no link and no form.
func TestKDNReferralPage(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	var class string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT class_id::text FROM journal.lessons WHERE id = $1`, lesson).Scan(&class); err != nil {
		t.Fatal(err)
	}
	director := w.browser()
	p := director.login("director-s1", "/journal/classes/"+class)
	link := regexp.MustCompile(`data-person-id="` + w.ids["student1"] + `"><a [^>]*>[^<]*</a> · <a class="refer-link small" href="([^"]+)"`).FindStringSubmatch(p.body)
	if link == nil {
		t.Fatalf("no referral link by student1 in the class's journal: %.3000s", p.body)
	}
	p = director.get(html.UnescapeString(link[1]))
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="refer-pupil"`) || !strings.Contains(p.body, "Соколов Артём") {
		t.Fatalf("the form: %d %.2000s", p.status, p.body)
	}
	form := url.Values{"csrf": {csrfOf(t, p.body)}, "pupil_id": {w.ids["student1"]}, "organisation_id": {w.ids["school-1-kemerovo"]}, "statement": {"Прогулы"}}
	p = director.post("/kdn/referrals", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="refer-error"`) || !strings.Contains(p.body, ">Прогулы</textarea>") {
		t.Fatalf("a statement too short: %d %.2000s", p.status, p.body)
	}
	if n := w.count(`SELECT count(*) FROM kdn.cases`); n != 0 {
		t.Fatalf("%d cases after a refused referral", n)
	}
	form.Set("statement", "Ученик с ноября пропускает уроки без уважительной причины; беседы с матерью результата не дали.")
	p = director.follow(director.post("/kdn/referrals", form))
	if !strings.Contains(p.body, `id="kdn-notice"`) || !strings.Contains(p.body, "беседы с матерью") || !strings.Contains(p.body, `id="kdn-report-form"`) {
		t.Fatalf("the case after the referral: %d %.2000s", p.status, p.body)
	}
	if n := w.count(`SELECT count(*) FROM kdn.cases WHERE pupil_id = $1 AND reason = 'referral'`, w.ids["student1"]); n != 1 {
		t.Fatalf("%d cases opened by the referral", n)
	}
	teacher := w.browser()
	p = teacher.login("teacher-s1", "/journal/classes/"+class)
	if p.status != http.StatusOK || strings.Contains(p.body, "refer-link") {
		t.Fatalf("the class teacher's journal: %d, a referral link: %v", p.status, strings.Contains(p.body, "refer-link"))
	}
	if p = teacher.get(html.UnescapeString(link[1])); p.status != http.StatusNotFound {
		t.Fatalf("the class teacher opens the form: %d", p.status)
	}
}
