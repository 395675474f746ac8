package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// kgForm is the kindergarten application form parent1 sends for kid1.
func kgForm(w *world, csrf, key string, prefs ...string) url.Values {
	return url.Values{"csrf": {csrf}, "key": {key}, "service": {"kindergarten"}, "child_id": {w.ids["kid1"]},
		"preference": prefs, "desired_start": {fmt.Sprintf("%d-09-01", time.Now().Year()+1)}, "group_type": {"general"}}
}

var applicationPath = regexp.MustCompile(`^/applications/([0-9a-f-]{36})$`)

// TestApplicationPages walks the education services through the pages: a
// parent applies (a double click creates one application; a refusal comes back
// next to the field), the municipality sees it overdue, the kindergarten
// registers it, the parent sees the explained queue position, the municipality
// allocates and confirms, and the parent accepts the direction.
func TestApplicationPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	parent := w.browser()
	parent.login("parent1", "/applications")
	form := parent.get("/applications/new?service=kindergarten")
	if form.status != http.StatusOK || !strings.Contains(form.body, `value="`+w.ids["kid1"]+`"`) || !strings.Contains(form.body, w.ids["kg-1-kemerovo"]) {
		t.Fatalf("the kindergarten form: %d %.800s", form.status, form.body)
	}
	csrf := csrfOf(t, form.body)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form.body)[1]

	// A refusal of the API comes back as the form, the values kept, the reason shown.
	bad := parent.post("/applications", kgForm(w, csrf, key+"-bad", w.ids["school-1-kemerovo"]))
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `class="field-error" data-field="preferences"`) ||
		!strings.Contains(bad.body, "не является детским садом") {
		t.Fatalf("a school as a kindergarten: %d %.1500s", bad.status, bad.body)
	}
	// Sent twice (a double click): one application, the same page.
	first := parent.post("/applications", kgForm(w, csrf, key, w.ids["kg-1-kemerovo"], w.ids["kg-2-kemerovo"]))
	second := parent.post("/applications", kgForm(w, csrf, key, w.ids["kg-1-kemerovo"], w.ids["kg-2-kemerovo"]))
	if first.status != http.StatusSeeOther || first.location != second.location {
		t.Fatalf("submit: %d → %s, again → %s", first.status, first.location, second.location)
	}
	m := applicationPath.FindStringSubmatch(strings.TrimPrefix(first.location, w.public.String()))
	if m == nil {
		t.Fatalf("redirected to %s", first.location)
	}
	id := m[1]
	var n int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM applications.applications WHERE child_id = $1`, w.ids["kid1"]).Scan(&n); err != nil || n != 1 {
		t.Fatalf("applications of kid1: %d %v", n, err)
	}
	page := parent.follow(first)
	if !strings.Contains(page.body, `data-status="submitted"`) || !strings.Contains(page.body, `class="timeline-entry" data-status="submitted"`) {
		t.Fatalf("the application page: %.1500s", page.body)
	}
	list := parent.get("/applications")
	if !strings.Contains(list.body, `data-application-id="`+id+`"`) {
		t.Fatalf("parent1's list lacks the application: %.1000s", list.body)
	}

	// Past its deadline undecided, the municipality sees it as overdue work.
	w.exec(`UPDATE applications.applications SET deadline = now() - interval '1 hour' WHERE id = $1`, id)
	mun := w.browser()
	mun.login("mun-kemerovo", "/applications?overdue=true")
	overdue := mun.get("/applications?overdue=true")
	if overdue.status != http.StatusOK || !strings.Contains(overdue.body, `data-application-id="`+id+`"`) || !strings.Contains(overdue.body, "просрочено") {
		t.Fatalf("Kemerovo's overdue work: %d %.1500s", overdue.status, overdue.body)
	}
	other := w.browser()
	other.login("mun-novokuznetsk", "/applications?overdue=true")
	if p := other.get("/applications?overdue=true"); strings.Contains(p.body, id) {
		t.Fatal("Novokuznetsk sees Kemerovo's application")
	}
	if p := other.get("/applications/" + id); p.status != http.StatusNotFound {
		t.Fatalf("Novokuznetsk opens Kemerovo's application: %d", p.status)
	}

	// The kindergarten registers it: the parent sees the place and why.
	kg := w.browser()
	kg.login("kg-director-1", "/applications/"+id)
	view := kg.get("/applications/" + id)
	if !strings.Contains(view.body, `id="status-form"`) {
		t.Fatalf("the kindergarten's page has no actions: %.1500s", view.body)
	}
	done := kg.post("/applications/"+id+"/status", url.Values{"csrf": {csrfOf(t, view.body)}, "status": {"registered"}, "comment": {"документы проверены"}})
	if done.status != http.StatusSeeOther {
		t.Fatalf("register: %d %.800s", done.status, done.body)
	}
	page = parent.get("/applications/" + id)
	pos := regexp.MustCompile(`class="queue-position">(\d+)<`).FindStringSubmatch(page.body)
	if pos == nil || pos[1] != "1" || !strings.Contains(page.body, "документы проверены") || !strings.Contains(page.body, `class="queue-explanation"`) {
		t.Fatalf("the explained queue position: %.3000s", page.body)
	}
	// A parent gets no staff actions, only withdrawal.
	if strings.Contains(page.body, `value="registered"`) || !strings.Contains(page.body, `value="withdrawn"`) {
		t.Errorf("parent's actions: %.2000s", page.body)
	}

	// The municipality allocates one place in kindergarten 1 and confirms.
	alloc := mun.get("/allocations")
	if alloc.status != http.StatusOK || !strings.Contains(alloc.body, `id="allocation-form"`) {
		t.Fatalf("allocations page: %d %.800s", alloc.status, alloc.body)
	}
	run := mun.post("/allocations", url.Values{"csrf": {csrfOf(t, alloc.body)}, "municipality_id": {w.ids["kemerovo"]},
		"start_date": {fmt.Sprintf("%d-09-01", time.Now().Year()+1)}, "response_days": {"10"},
		"kindergarten_id": {w.ids["kg-1-kemerovo"]}, "age_band": {"5"}, "group_type": {"general"}, "places": {"1"}})
	if run.status != http.StatusSeeOther {
		t.Fatalf("create allocation: %d %.1500s", run.status, run.body)
	}
	draft := mun.follow(run)
	if !strings.Contains(draft.body, `data-outcome="directed"`) || !strings.Contains(draft.body, `id="allocation-confirm"`) {
		t.Fatalf("the draft: %.2000s", draft.body)
	}
	confirmed := mun.follow(mun.post(strings.TrimPrefix(run.location, w.public.String())+"/confirm", url.Values{"csrf": {csrfOf(t, draft.body)}}))
	if !strings.Contains(confirmed.body, `data-status="confirmed"`) {
		t.Fatalf("confirmed: %.1500s", confirmed.body)
	}
	// The parent accepts the direction.
	page = parent.get("/applications/" + id)
	if !strings.Contains(page.body, `id="direction-accept"`) {
		t.Fatalf("no direction to answer: %.3000s", page.body)
	}
	answer := parent.follow(parent.post("/applications/"+id+"/direction", url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"accept"}}))
	if !strings.Contains(answer.body, `id="done"`) || !strings.Contains(answer.body, `data-state="accepted"`) {
		t.Fatalf("after accepting: %.3000s", answer.body)
	}
	// Another family cannot answer it.
	p2 := w.browser()
	p2.login("parent2", "/applications")
	if p := p2.post("/applications/"+id+"/direction", url.Values{"csrf": {csrfOf(t, p2.get("/applications").body)}, "decision": {"decline"}}); p.status != http.StatusNotFound {
		t.Fatalf("parent2 answers parent1's direction: %d", p.status)
	}
}
