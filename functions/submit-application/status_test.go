package submitapplication

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

func TestStatusTable(t *testing.T) {
	codes := map[int]submitapplicationapi.Status{}
	for s, info := range submitapplicationapi.Statuses {
		if prev, dup := codes[info.EPGUCode]; dup {
			t.Errorf("EPGU code %d used by %s and %s", info.EPGUCode, prev, s)
		}
		codes[info.EPGUCode] = s
		if info.Title == "" {
			t.Errorf("%s has no title", s)
		}
	}
	for _, c := range []int{120, 130, 150, 170, 180, 190, 210, 220, 230, 240, 250} {
		if _, ok := codes[c]; !ok {
			t.Errorf("EPGU code %d has no status", c)
		}
	}
	for from, tos := range Transitions {
		for _, to := range append([]submitapplicationapi.Status{from}, tos...) {
			if _, ok := submitapplicationapi.Statuses[to]; !ok {
				t.Errorf("transition %s → %s names an unknown status", from, to)
			}
			if to == submitapplicationapi.Submitted && to != from {
				t.Errorf("nothing moves back to submitted")
			}
		}
	}
	// The partial unique index lists exactly the active statuses.
	sql, err := os.ReadFile("migrations/00001_applications.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`applications_active_uniq[^;]*WHERE status IN \(([^)]*)\)`).FindSubmatch(sql)
	if m == nil {
		t.Fatal("applications_active_uniq not found in the migration")
	}
	var inIndex []string
	for _, s := range strings.Split(string(m[1]), ",") {
		inIndex = append(inIndex, strings.Trim(strings.TrimSpace(s), "'"))
	}
	active := activeStrings()
	slices.Sort(inIndex)
	slices.Sort(active)
	if !slices.Equal(inIndex, active) {
		t.Fatalf("index lists %v, Active is %v", inIndex, active)
	}
}

func TestAgeAndWindows(t *testing.T) {
	birth := time.Date(2021, 2, 28, 0, 0, 0, 0, time.UTC)
	if y, m := ageOn(birth, time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)); y != 6 || m != 6 {
		t.Fatalf("age %d %d", y, m)
	}
	for n, want := range map[int]string{1: "1 год 0 мес.", 3: "3 года 0 мес.", 6: "6 лет 0 мес.", 11: "11 лет 0 мес.", 21: "21 год 0 мес."} {
		if got := ageText(n, 0); got != want {
			t.Errorf("ageText(%d) = %q", n, got)
		}
	}
	mun, other := uuid.New(), uuid.New()
	now := time.Date(2027, 4, 1, 10, 0, 0, 0, time.UTC)
	list := []window{
		{academicYear: 2027, no: 1, opens: now.Add(-time.Hour), closes: now.Add(time.Hour)},
		{academicYear: 2027, no: 2, opens: now.Add(48 * time.Hour), closes: now.Add(96 * time.Hour)},
		{academicYear: 2027, municipality: &mun, no: 1, opens: now.Add(24 * time.Hour), closes: now.Add(30 * time.Hour)},
	}
	if w, ok := pick(list, other, false, now); !ok || w.no != 1 {
		t.Fatalf("region-wide window 1: %v %v", w, ok)
	}
	if _, ok := pick(list, other, true, now); ok {
		t.Fatal("general basis admitted in window 1")
	}
	if _, ok := pick(list, mun, false, now); ok {
		t.Fatal("a municipality's own window does not override the region's")
	}
	if next, ok := nextOpening(list, mun, false, now); !ok || !next.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("next opening %v", next)
	}
	if w, ok := pick(list, mun, true, now.Add(50*time.Hour)); !ok || w.no != 2 {
		t.Fatalf("window 2 for everyone: %v %v", w, ok)
	}
}

func statusBody(status, reason, comment string) string {
	b, _ := json.Marshal(submitapplicationapi.StatusRequest{Status: status, Reason: reason, Comment: comment})
	return string(b)
}

// parent1Applies files a first-grade application for grader1 to school
// No. 1 and a kindergarten one for kid1 to kindergarten No. 1.
func parent1Applies(w *world) (fg, kg submitapplicationapi.Application) {
	w.t.Helper()
	w.must(w.f.Handle, http.MethodPost, "/api/submit-application/applications", "parent1", firstGradeBody("{grader1}", "{school1}", "territory", ""),
		map[string]string{"Idempotency-Key": "fg"}, 201, &fg)
	w.must(w.f.Handle, http.MethodPost, "/api/submit-application/applications", "parent1", kindergartenBody("{kid1}", []string{"{kg1}"}, nextYearSept1(), "general", ""),
		map[string]string{"Idempotency-Key": "kg"}, 201, &kg)
	return fg, kg
}

func TestStatusTransitions(t *testing.T) {
	w := newWorld(t)
	fg, kg := parent1Applies(w)
	fgPath := "/api/submit-application/applications/" + fg.ID.String() + "/status"
	kgPath := "/api/submit-application/applications/" + kg.ID.String() + "/status"

	steps := []struct {
		path, login, body string
		status            int
		want              submitapplicationapi.Status
	}{
		{fgPath, "director-s1", statusBody("checking", "", "проверяем адрес регистрации"), 200, submitapplicationapi.Checking},
		{fgPath, "director-s1", statusBody("registered", "", ""), 200, submitapplicationapi.Registered},
		{fgPath, "director-s1", statusBody("refused", "documents_not_provided", ""), 422, ""}, // first grade: only for lack of places
		{fgPath, "director-s1", statusBody("refused", "", ""), 400, ""},                       // a refusal needs its reason
		{fgPath, "mun-kemerovo", statusBody("refused", "no_places", ""), 403, ""},             // the school decides
		{fgPath, "parent1", statusBody("enrolled", "", ""), 403, ""},                          // the parent only withdraws
		{fgPath, "director-s1", statusBody("submitted", "", ""), 400, ""},
		{fgPath, "director-s1", statusBody("refused", "no_places", "все места в 1-х классах заняты"), 200, submitapplicationapi.Refused},
		{fgPath, "director-s1", statusBody("checking", "", ""), 409, ""}, // refused is final but for archiving
		{fgPath, "director-s1", statusBody("archived", "", ""), 200, submitapplicationapi.Archived},
		{kgPath, "kg-director-1", statusBody("registered", "", ""), 200, submitapplicationapi.Registered},
		{kgPath, "mun-kemerovo", statusBody("directed", "", ""), 200, submitapplicationapi.Directed},
		{kgPath, "ministry", statusBody("enrolled", "", ""), 403, ""},
		{kgPath, "director-s1", statusBody("enrolled", "", ""), 404, ""},
		{kgPath, "parent1", statusBody("withdrawn", "", "переезжаем"), 200, submitapplicationapi.Withdrawn},
	}
	for i, s := range steps {
		code, resp := w.call(w.f.Handle, http.MethodPost, s.path, s.login, s.body, nil)
		if code != s.status {
			t.Fatalf("step %d (%s %s): %d, want %d: %s", i, s.login, s.body, code, s.status, resp)
		}
		if s.want != "" {
			var a submitapplicationapi.Application
			_ = json.Unmarshal([]byte(resp), &a)
			if a.Status != s.want || a.History[len(a.History)-1].Status != s.want || a.EPGUStatusCode != submitapplicationapi.Statuses[s.want].EPGUCode {
				t.Fatalf("step %d: %s", i, resp)
			}
		}
	}
	var a submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications/"+fg.ID.String(), "parent1", "", nil, 200, &a)
	var got []string
	for _, h := range a.History {
		got = append(got, string(h.Status))
	}
	if strings.Join(got, ",") != "submitted,checking,registered,refused,archived" || a.History[3].Reason != "no_places" || a.History[3].ActorRole != "director" {
		t.Fatalf("history %+v", a.History)
	}
	// Every change is one status-changed event with its EPGU code.
	rows, err := w.db.Pool.Query(t.Context(), `SELECT data->>'status', (data->>'epgu_status_code')::int FROM platform.outbox
		WHERE type = $1 AND subject = $2 ORDER BY seq`, submitapplicationapi.EventStatusChanged, fg.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	var evs []string
	for rows.Next() {
		var st string
		var code int
		_ = rows.Scan(&st, &code)
		if submitapplicationapi.Statuses[submitapplicationapi.Status(st)].EPGUCode != code {
			t.Fatalf("event %s carries code %d", st, code)
		}
		evs = append(evs, st)
	}
	if strings.Join(evs, ",") != "checking,registered,refused,archived" {
		t.Fatalf("events %v", evs)
	}
	// Withdrawn frees the child's place: a new queue application is accepted.
	if code, resp := w.submit("parent1", "kg-again", kindergartenBody("{kid1}", []string{"{kg2}"}, nextYearSept1(), "general", "")); code != 201 {
		t.Fatalf("after withdrawal: %d %s", code, resp)
	}
}

func TestList(t *testing.T) {
	w := newWorld(t)
	for i, b := range []struct{ login, body string }{
		{"parent1", firstGradeBody("{grader1}", "{school1}", "territory", "")},
		{"parent1", firstGradeBody("{grader1}", "{school2}", "territory", "")},
		{"parent1", kindergartenBody("{kid1}", []string{"{kg2}", "{kg1}"}, nextYearSept1(), "general", "")},
		{"parent2", additionalBody("{student2}", "{prog1n}")},
	} {
		if code, resp := w.submit(b.login, string(rune('a'+i)), b.body); code != 201 {
			t.Fatalf("%d: %d %s", i, code, resp)
		}
	}
	count := func(login, query string) int {
		var p submitapplicationapi.Page[submitapplicationapi.Application]
		w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications"+query, login, "", nil, 200, &p)
		return len(p.Items)
	}
	for _, c := range []struct {
		login, query string
		want         int
	}{
		{"ministry", "", 4},
		{"mun-kemerovo", "", 3},
		{"mun-novokuznetsk", "", 1},
		{"director-s1", "", 1},
		{"kg-director-1", "", 1}, // addressed to kindergarten 1 as the second preference
		{"parent1", "", 3},
		{"parent2", "", 1},
		{"parent1", "?service=kindergarten", 1},
		{"mun-kemerovo", "?organisation={school2}", 1},
		{"director-s1", "?organisation={school2}", 0}, // filters never widen the scope
		{"ministry", "?status=submitted&municipality={kemerovo}", 3},
	} {
		if got := count(c.login, w.expand(c.query)); got != c.want {
			t.Errorf("%s %s: %d items, want %d", c.login, c.query, got, c.want)
		}
	}
	// Keyset pages.
	var p submitapplicationapi.Page[submitapplicationapi.Application]
	seen := map[string]bool{}
	after := ""
	for i := 0; i < 5; i++ {
		w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications?limit=1&after="+after, "ministry", "", nil, 200, &p)
		for _, a := range p.Items {
			seen[a.ID.String()] = true
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if len(seen) != 4 {
		t.Fatalf("paged through %d applications, want 4", len(seen))
	}
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications?limit=1000", "ministry", "", nil, 400, nil)
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications?status=lost", "ministry", "", nil, 400, nil)
	// Reads of a child's applications are audited.
	if n := w.count(`SELECT count(*) FROM platform.audit_log WHERE object = 'applications.application' AND subject_person_id = $1`, w.ids["{grader1}"]); n < 2 {
		t.Fatalf("%d audit records of grader1's applications", n)
	}
}

// awaitsDecision is the rule of decided_at seen from the status alone: what
// the portal marks overdue past the deadline.
func TestAwaitsDecision(t *testing.T) {
	for _, c := range []struct {
		service submitapplicationapi.Service
		status  submitapplicationapi.Status
		want    bool
	}{
		{submitapplicationapi.Kindergarten, submitapplicationapi.Submitted, true}, {submitapplicationapi.Kindergarten, submitapplicationapi.DocumentsRequested, true}, {submitapplicationapi.Kindergarten, submitapplicationapi.Registered, false},
		{submitapplicationapi.FirstGrade, submitapplicationapi.Checking, true}, {submitapplicationapi.FirstGrade, submitapplicationapi.Registered, true}, {submitapplicationapi.FirstGrade, submitapplicationapi.Enrolled, false},
		{submitapplicationapi.AdditionalEducation, submitapplicationapi.Registered, false}, {submitapplicationapi.AdditionalEducation, submitapplicationapi.Withdrawn, false}, {submitapplicationapi.FirstGrade, submitapplicationapi.Refused, false},
	} {
		if got := awaitsDecision(c.service, c.status); got != c.want {
			t.Errorf("%s in %s: %v, want %v", c.service, c.status, got, c.want)
		}
	}
}

// TestAllowedMovesAreTheMovesAccepted: what an application says a caller may
// move it to is what changeStatus accepts from that caller — the school (not
// the municipality) on first grade, with no_places as the only ground of a
// refusal; the applicant only withdraws; the ministry only reads; each move
// offered is then accepted, and a status not offered is refused.
func TestAllowedMovesAreTheMovesAccepted(t *testing.T) {
	w := newWorld(t)
	fg, kg := parent1Applies(w)
	moves := func(id uuid.UUID, login string) map[string][]string {
		t.Helper()
		var a submitapplicationapi.Application
		w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications/"+id.String(), login, "", nil, 200, &a)
		out := map[string][]string{}
		for _, m := range a.AllowedMoves {
			var reasons []string
			for _, r := range m.Reasons {
				reasons = append(reasons, r.Code)
			}
			out[string(m.Status)] = reasons
		}
		return out
	}
	cases := []struct {
		id    uuid.UUID
		login string
		want  string // the statuses offered, sorted, with the grounds of a refusal
	}{
		{fg.ID, "director-s1", "checking documents_requested refused:no_places registered withdrawn"},
		{fg.ID, "mun-kemerovo", ""},
		{fg.ID, "ministry", ""},
		{fg.ID, "parent1", "withdrawn"},
		{kg.ID, "kg-director-1", "checking documents_requested refused:age,documents_not_provided,no_places,not_eligible registered withdrawn"},
		{kg.ID, "mun-kemerovo", "checking documents_requested refused:age,documents_not_provided,no_places,not_eligible registered withdrawn"},
		{kg.ID, "parent1", "withdrawn"},
	}
	for _, c := range cases {
		var got []string
		for st, reasons := range moves(c.id, c.login) {
			if len(reasons) > 0 {
				st += ":" + strings.Join(reasons, ",")
			}
			got = append(got, st)
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s on %s: offered %q, want %q", c.login, c.id, strings.Join(got, " "), c.want)
		}
	}
	// What is offered is accepted; what is not, refused.
	w.must(w.f.Handle, http.MethodPost, "/api/submit-application/applications/"+fg.ID.String()+"/status", "director-s1",
		statusBody("refused", "no_places", ""), nil, 200, nil)
	if code, _ := w.call(w.f.Handle, http.MethodPost, "/api/submit-application/applications/"+kg.ID.String()+"/status", "parent1",
		statusBody("registered", "", ""), nil); code != http.StatusForbidden {
		t.Fatalf("a move not offered to the parent: %d", code)
	}
	if m := moves(fg.ID, "director-s1"); len(m) != 1 || m["archived"] != nil {
		t.Fatalf("after the refusal the school is offered %v, want archived only", m)
	} else if _, ok := m["archived"]; !ok {
		t.Fatalf("after the refusal the school is offered %v, want archived", m)
	}
	if a := w.count(`SELECT count(*) FROM applications.applications WHERE id = $1 AND status = 'refused'`, fg.ID); a != 1 {
		t.Fatal("the offered refusal was not made")
	}
}
