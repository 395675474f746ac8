package submitapplication

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/inbox/inboxtest"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// enroll enrolls child in organisation org from starts through the
// registry's API as login, delivers the registry's events and returns the
// enrollment's id.
func (w *world) enroll(login, child, org, starts string) string {
	w.t.Helper()
	body := fmt.Sprintf(`{"person_id":%q,"organisation_id":%q,"academic_year":%d,"starts_on":%q}`,
		child, w.ids[org], kuzbass.AcademicYearOf(time.Now()), starts)
	var e struct {
		ID string `json:"id"`
	}
	w.must(w.reg, http.MethodPost, "/api/registry/enrollments", login, body, nil, http.StatusCreated, &e)
	w.sys.Deliver()
	return e.ID
}

// kemerovoDay is today in Kemerovo shifted by days, as YYYY-MM-DD.
func kemerovoDay(days int) string {
	return time.Now().In(kemerovo).AddDate(0, 0, days).Format(time.DateOnly)
}

// The case the issue was filed on, and the rule of the law: the sibling
// right counts only in a kindergarten the brother or sister attends, as the
// registry knows it, with no certificate; it begins and ends with the
// sibling's enrollment, through the registry's events, each moved position
// recorded with its cause; a brother at school gives no right anywhere.
func TestSiblingRightWhereTheSiblingStudies(t *testing.T) {
	w := newWorld(t)
	w.sys.Deliver() // the links the world made
	start := nextYearSept1()
	prefs := []string{"{kg1}", "{kg2}"}
	band := 3
	a := w.kgSubmit("parent2", w.kgChildren("parent2", 1, "2024-01-10")[0], prefs, start, "")
	kids := w.kgChildren("parent1", 2, "2024-01-20") // B applies; S, the older sister, will attend kindergarten 1
	b := w.kgSubmit("parent1", kids[0], prefs, start, "")
	w.sys.Deliver()
	w.setStatus("kg-director-1", a, "registered")
	w.setStatus("kg-director-1", b, "registered")
	apps := []submitapplicationapi.Application{a, b}

	// B's brother student1 (parent1's) attends school 1: no right anywhere.
	w.wantOrder("{kg1}", band, "AB", apps...)
	w.wantOrder("{kg2}", band, "AB", apps...)
	if v := w.queueOf("parent1", b); v.Kindergartens[0].Privilege != nil || v.Kindergartens[1].Privilege != nil {
		t.Fatalf("a brother at school gave a right: %+v", v.Kindergartens)
	}

	// S enrolled in kindergarten 1: B's right there, only there.
	enrollment := w.enroll("kg-director-1", kids[1], "{kg1}", kemerovoDay(-1))
	w.wantOrder("{kg1}", band, "BA", apps...)
	w.wantOrder("{kg2}", band, "AB", apps...)
	m := w.wantMove(b, "{kg1}", 2, 1, causeOwnSiblingRight)
	if m.privilege == nil || *m.privilege != "sibling" {
		t.Fatalf("B's cause names %v", m.privilege)
	}
	if m := w.wantMove(a, "{kg1}", 1, 2, causeSiblingRightAhead); m.trigger == nil || *m.trigger != b.ID.String() {
		t.Fatalf("A's trigger %v", m.trigger)
	}
	w.wantMove(b, "{kg2}", 0, 2, causeEntered) // nothing moved in kindergarten 2
	v := w.queueOf("parent1", b)
	p1, p2 := v.Kindergartens[0], v.Kindergartens[1]
	if p1.Privilege == nil || p1.Privilege.Kind != "sibling" || p2.Privilege != nil {
		t.Fatalf("B's privileges per kindergarten: %+v / %+v", p1.Privilege, p2.Privilege)
	}
	if !strings.HasPrefix(p1.PrivilegeBasis, "Сестра Очередникова ") || !strings.Contains(p1.PrivilegeBasis, "посещает этот детский сад") || p2.PrivilegeBasis != "" {
		t.Fatalf("B's bases: %q / %q", p1.PrivilegeBasis, p2.PrivilegeBasis)
	}
	if h := p1.History[0]; h.Cause != string(causeOwnSiblingRight) || !strings.Contains(h.Explanation, "Брат или сестра") {
		t.Fatalf("B's history: %+v", h)
	}
	// The other family sees why, without B's family or application.
	qa := w.queueOf("parent2", a)
	if h := qa.Kindergartens[0].History[0]; h.Cause != string(causeSiblingRightAhead) || strings.Contains(h.Explanation, b.Number) {
		t.Fatalf("A's history: %+v", h)
	}
	if raw, _ := json.Marshal(qa); strings.Contains(string(raw), "Очередникова") || strings.Contains(string(raw), b.ID.String()) {
		t.Fatalf("A's queue view reveals B's family: %s", raw)
	}

	// S leaves kindergarten 1 (her enrollment ended yesterday): the right
	// ends, A is first again.
	w.must(w.reg, http.MethodPatch, "/api/registry/enrollments/"+enrollment, "kg-director-1",
		fmt.Sprintf(`{"ends_on":%q,"reason":"Приказ № 12 об отчислении"}`, kemerovoDay(-1)), nil, http.StatusOK, nil)
	w.sys.Deliver()
	w.wantOrder("{kg1}", band, "AB", apps...)
	w.wantMove(b, "{kg1}", 1, 2, causeOwnSiblingRightEnded)
	w.wantMove(a, "{kg1}", 2, 1, causeSiblingRightEndedAhead)
	w.checkQueues()
}

// deliverRegistryEvent posts one of the registry's events to the function
// as the event delivery does.
func (w *world) deliverRegistryEvent(id, typ string, at time.Time, data any) (int, string) {
	w.t.Helper()
	return inboxtest.Deliver(w.t, http.HandlerFunc(w.f.Handle), api+"/events",
		inboxtest.Event{ID: id, Source: events.Source(registryapi.Name), Type: typ, Time: at, Data: data})
}

// twoFamilies registers, in kindergarten 1's queue (age band 3), parent2's
// child A and then parent1's child B, whose sister (returned, not enrolled
// anywhere yet) is parent1's child too.
func twoFamilies(t *testing.T) (w *world, a, b submitapplicationapi.Application, sister string) {
	w = newWorld(t)
	w.sys.Deliver()
	start := nextYearSept1()
	a = w.kgSubmit("parent2", w.kgChildren("parent2", 1, "2024-01-10")[0], []string{"{kg1}"}, start, "")
	kids := w.kgChildren("parent1", 2, "2024-01-20")
	b = w.kgSubmit("parent1", kids[0], []string{"{kg1}"}, start, "")
	w.sys.Deliver()
	w.setStatus("kg-director-1", a, "registered")
	w.setStatus("kg-director-1", b, "registered")
	return w, a, b, kids[1]
}

// The registry's events arrive twice and out of order: each is applied
// once, and an older one delivered late changes nothing.
func TestSiblingEventsTwiceAndOutOfOrder(t *testing.T) {
	w, a, b, sister := twoFamilies(t)
	apps := []submitapplicationapi.Application{a, b}

	t0 := time.Now()
	enrollment := registryapi.EnrollmentEvent{EnrollmentID: "0190a000-0000-7000-8000-00000000e001", PersonID: sister, OrganisationID: w.ids["{kg1}"],
		AcademicYear: kuzbass.AcademicYearOf(t0), StartsOn: kemerovoDay(-30)}
	ended := enrollment
	yesterday := kemerovoDay(-1)
	ended.EndsOn = &yesterday
	changed := registryapi.EnrollmentChangedEvent{EnrollmentEvent: ended, Fields: []string{"ends_on"}}

	// The end arrives first, then the older start: the sister is not there.
	for _, c := range []struct {
		id, typ string
		at      time.Time
		data    any
	}{
		{"e-2", registryapi.EventEnrollmentChanged, t0.Add(time.Second), changed},
		{"e-1", registryapi.EventEnrollmentCreated, t0, enrollment},
		{"e-1", registryapi.EventEnrollmentCreated, t0, enrollment},
	} {
		if code, resp := w.deliverRegistryEvent(c.id, c.typ, c.at, c.data); code != http.StatusNoContent {
			t.Fatalf("%s: %d %s", c.id, code, resp)
		}
	}
	w.wantOrder("{kg1}", 3, "AB", apps...)
	if n := w.count(`SELECT count(*) FROM applications.enrollments WHERE enrollment_id = $1 AND ends_on IS NOT NULL`, enrollment.EnrollmentID); n != 1 {
		t.Fatalf("the late start overwrote the end: %d", n)
	}
	// A newer start (enrolled again) counts once, however often delivered.
	again := enrollment
	again.EnrollmentID = "0190a000-0000-7000-8000-00000000e002"
	for range 2 {
		if code, resp := w.deliverRegistryEvent("e-3", registryapi.EventEnrollmentCreated, t0.Add(2*time.Second), again); code != http.StatusNoContent {
			t.Fatalf("e-3: %d %s", code, resp)
		}
	}
	w.wantOrder("{kg1}", 3, "BA", apps...)
	if n := w.count(`SELECT count(*) FROM applications.queue_history WHERE application_id = $1 AND cause = $2`, b.ID, causeOwnSiblingRight); n != 1 {
		t.Fatalf("B's right recorded %d times", n)
	}
	// Only EKO's own delivery may post them, and only valid ones.
	if code, _ := w.deliverRegistryEvent("e-4", registryapi.EventEnrollmentCreated, t0, map[string]any{"enrollment_id": "x"}); code != http.StatusBadRequest {
		t.Fatalf("invalid event: %d", code)
	}
	w.checkQueues()
}

// A day passing ends (or begins) an enrollment with no event: the daily
// maintenance pass recalculates the rights it moves.
func TestSiblingRightDailyPass(t *testing.T) {
	w, a, b, sister := twoFamilies(t)
	apps := []submitapplicationapi.Application{a, b}
	w.enroll("kg-director-1", sister, "{kg1}", kemerovoDay(-10))
	w.wantOrder("{kg1}", 3, "BA", apps...)

	// The enrollment's last day was yesterday, as if a day had passed.
	w.exec(`UPDATE applications.enrollments SET ends_on = $2::date WHERE person_id = $1`, sister, kemerovoDay(-1))
	rep, err := w.f.Maintain(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SiblingRights != 1 {
		t.Fatalf("the daily pass moved %d applications, want 1", rep.SiblingRights)
	}
	w.wantOrder("{kg1}", 3, "AB", apps...)
	w.wantMove(b, "{kg1}", 1, 2, causeOwnSiblingRightEnded)
	// Once a day.
	if rep, err := w.f.Maintain(context.Background(), time.Now()); err != nil || rep.SiblingRights != 0 {
		t.Fatalf("a second pass the same day: %+v %v", rep, err)
	}
}

// A claim the registry cannot confirm waits in the municipality's list of
// claims to decide; a staff decision, per kindergarten, takes it out.
func TestUndecidedSiblingClaims(t *testing.T) {
	w := newWorld(t)
	w.sys.Deliver()
	start := nextYearSept1()
	other := w.kgChildren("parent2", 1, "2024-01-20")[0]
	kids := w.kgChildren("parent1", 2, "2024-01-20")
	claimed := w.kgSubmit("parent2", other, []string{"{kg1}", "{kg2}"}, start, `,"privileges":[{"kind":"sibling","document":"справка: брат посещает детский сад № 1"}]`)
	known := w.kgSubmit("parent1", kids[0], []string{"{kg1}"}, start, `,"privileges":[{"kind":"sibling","document":"справка из детского сада № 1"}]`)
	w.sys.Deliver()
	w.setStatus("kg-director-1", claimed, "registered")
	w.setStatus("kg-director-1", known, "registered")
	// known's sister attends kindergarten 1: the registry confirms its claim.
	w.enroll("kg-director-1", kids[1], "{kg1}", kemerovoDay(-3))

	list := func() []string {
		var page struct {
			Items []submitapplicationapi.Application `json:"items"`
		}
		w.must(w.f.Handle, http.MethodGet, api+"/applications?undecided_privilege=true", "mun-kemerovo", "", nil, 200, &page)
		var out []string
		for _, a := range page.Items {
			out = append(out, a.Number)
		}
		return out
	}
	got := list()
	if len(got) != 1 || got[0] != claimed.Number {
		t.Fatalf("undecided claims: %v, want only %s", got, claimed.Number)
	}
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+claimed.ID.String()+"/privileges", "mun-kemerovo", siblingBody("{kg1}", true), nil, 200, nil)
	if got := list(); len(got) != 0 {
		t.Fatalf("after the decision: %v", got)
	}
	if code, resp := w.call(w.f.Handle, http.MethodGet, api+"/applications?undecided_privilege=yes", "mun-kemerovo", "", nil); code != 400 {
		t.Fatalf("a bad filter: %d %s", code, resp)
	}
}

// First grade: a sibling basis the registry shows (a brother enrolled in
// that school) is confirmed at once with no document; one it does not show
// needs the document, which the school checks.
func TestFirstGradeSiblingFromTheRegistry(t *testing.T) {
	w := newWorld(t)
	w.sys.Deliver() // grader1's link to parent1, whose son student1 attends school 1
	var a submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodPost, api+"/applications", "parent1", firstGradeBody("{grader1}", "{school1}", "sibling", ""),
		map[string]string{"Idempotency-Key": "fg-sib"}, http.StatusCreated, &a)
	var data struct {
		BasisConfirmed bool   `json:"basis_confirmed"`
		BasisSource    string `json:"basis_source"`
	}
	if err := json.Unmarshal(a.Data, &data); err != nil || !data.BasisConfirmed || data.BasisSource != "registry" {
		t.Fatalf("basis: %+v %v: %s", data, err, a.Data)
	}
	// parent2's son has no brother or sister in school 1.
	code, resp := w.submit("parent2", "fg-nosib", firstGradeBody("{grader2}", "{school1}", "sibling", ""))
	refused(t, code, resp, http.StatusUnprocessableEntity, "first_grade.basis_document", "no_sibling")
	code, resp = w.submit("parent2", "fg-doc", firstGradeBody("{grader2}", "{school1}", "sibling", `,"basis_document":"справка о брате"`))
	if code != http.StatusCreated || !strings.Contains(resp, `\"basis_source\":\"document\"`) && !strings.Contains(resp, `"basis_source":"document"`) {
		t.Fatalf("with a document: %d %s", code, resp)
	}
}
