package submitapplication

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

const api = "/api/submit-application"

var kgChildSeq = 0

var childNames = []string{"Анна", "Вера", "Галина", "Дарья", "Елена", "Жанна", "Зоя", "Инна", "Ксения", "Лидия", "Мария", "Нина",
	"Ольга", "Полина", "Раиса", "Софья", "Таисия", "Ульяна", "Фаина", "Юлия", "Яна"}

// kgChildren adds n children of parent, born a day apart from birth, and
// signs parent in again (grants are cached per token).
func (w *world) kgChildren(parent string, n int, birth string) []string {
	w.t.Helper()
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for i := 0; i < n; i++ {
		kgChildSeq++
		ids = append(ids, w.addChild("Очередникова", childNames[kgChildSeq%len(childNames)], "Игоревна", b.AddDate(0, 0, i).Format(time.DateOnly),
			"F", "{"+parent+"}", "mother", "II-ЛО", fmt.Sprintf("9%05d", kgChildSeq)))
	}
	w.signIn(parent)
	return ids
}

// kgSubmit submits a kindergarten application as login and returns it.
func (w *world) kgSubmit(login, child string, prefs []string, start, privileges string) submitapplicationapi.Application {
	w.t.Helper()
	var a submitapplicationapi.Application
	kgChildSeq++
	w.must(w.f.Handle, http.MethodPost, api+"/applications", login, kindergartenBody(child, prefs, start, "general", privileges),
		map[string]string{"Idempotency-Key": fmt.Sprintf("kg-%d", kgChildSeq)}, http.StatusCreated, &a)
	return a
}

func (w *world) setStatus(login string, a submitapplicationapi.Application, status string) {
	w.t.Helper()
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+a.ID.String()+"/status", login, statusBody(status, "", ""), nil, http.StatusOK, nil)
}

// privilegeBody is a decision on a claimed privilege; a sibling claim is
// confirmed in kindergarten 1 ({kg1}).
func privilegeBody(kind string, confirmed bool) string {
	if kind == "sibling" && confirmed {
		return siblingBody("{kg1}", true)
	}
	return fmt.Sprintf(`{"kind":%q,"confirmed":%t,"comment":"документы проверены"}`, kind, confirmed)
}

// siblingBody is a decision on a sibling claim in kindergarten kg.
func siblingBody(kg string, confirmed bool) string {
	return fmt.Sprintf(`{"kind":"sibling","confirmed":%t,"kindergarten_id":%q,"comment":"документы проверены"}`, confirmed, kg)
}

func (w *world) queueOf(login string, a submitapplicationapi.Application) submitapplicationapi.QueueView {
	w.t.Helper()
	var v submitapplicationapi.QueueView
	w.must(w.f.Handle, http.MethodGet, api+"/applications/"+a.ID.String()+"/queue", login, "", nil, http.StatusOK, &v)
	return v
}

// order lists the numbers of the applications in the queue of kindergarten kg
// (a placeholder) and band, by position.
func (w *world) order(kg string, band int, apps ...submitapplicationapi.Application) []string {
	w.t.Helper()
	rows, err := w.db.Pool.Query(context.Background(), `SELECT a.number FROM applications.queue_positions q
		JOIN applications.applications a ON a.id = q.application_id
		WHERE q.kindergarten_id = $1 AND q.age_band = $2 ORDER BY q.position`, w.ids[kg], band)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	names := map[string]string{}
	for i, a := range apps {
		names[a.Number] = string(rune('A' + i))
	}
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		if names[n] != "" {
			n = names[n]
		}
		out = append(out, n)
	}
	return out
}

func (w *world) wantOrder(kg string, band int, want string, apps ...submitapplicationapi.Application) {
	w.t.Helper()
	if got := strings.Join(w.order(kg, band, apps...), ""); got != want {
		w.t.Fatalf("queue %s band %d: %s, want %s", kg, band, got, want)
	}
}

// lastMove is the newest history row of a in the queue of kindergarten kg.
type move struct {
	from, to  *int32
	cause     string
	privilege *string
	trigger   *string
}

func (w *world) lastMove(a submitapplicationapi.Application, kg string) move {
	w.t.Helper()
	var m move
	err := w.db.Pool.QueryRow(context.Background(), `SELECT from_position, to_position, cause, privilege, trigger_application_id::text
		FROM applications.queue_history WHERE application_id = $1 AND kindergarten_id = $2 ORDER BY id DESC LIMIT 1`, a.ID, w.ids[kg]).
		Scan(&m.from, &m.to, &m.cause, &m.privilege, &m.trigger)
	if err != nil {
		w.t.Fatalf("history of %s in %s: %v", a.Number, kg, err)
	}
	return m
}

func (w *world) wantMove(a submitapplicationapi.Application, kg string, from, to int32, c cause) move {
	w.t.Helper()
	m := w.lastMove(a, kg)
	if m.cause != string(c) || !eq(m.from, ptr32(from)) || !eq(m.to, ptr32(to)) {
		w.t.Fatalf("%s in %s: last move %v→%v %s, want %d→%d %s", a.Number, kg, str32(m.from), str32(m.to), m.cause, from, to, c)
	}
	return m
}

// ptr32 is &n, or nil for 0 (no position).
func ptr32(n int32) *int32 {
	if n == 0 {
		return nil
	}
	return &n
}

func str32(p *int32) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// checkQueues asserts the queue's invariants over the whole database: the
// entries are exactly what the applications say, every queue is numbered
// 1..n in order (privilege, receipt, sequence), and each application's
// newest history row ends where it stands now (or outside the queue).
func (w *world) checkQueues() {
	w.t.Helper()
	for name, sql := range map[string]string{
		"entries differ from the applications": `SELECT count(*) FROM (
			(SELECT application_id, kindergarten_id, age_band, privilege_rank, preference FROM applications.queue_positions
			 EXCEPT SELECT application_id, kindergarten_id, age_band, privilege_rank, preference FROM applications.kindergarten_queue_entries)
			UNION ALL
			(SELECT application_id, kindergarten_id, age_band, privilege_rank, preference FROM applications.kindergarten_queue_entries
			 EXCEPT SELECT application_id, kindergarten_id, age_band, privilege_rank, preference FROM applications.queue_positions)) x`,
		"positions out of order": `SELECT count(*) FROM (SELECT position,
			row_number() OVER (PARTITION BY kindergarten_id, age_band ORDER BY privilege_rank, received_at, seq) AS n
			FROM applications.queue_positions) x WHERE position IS DISTINCT FROM n`,
		"history does not end at the position": `SELECT count(*) FROM (
			SELECT DISTINCT ON (h.application_id, h.kindergarten_id) h.application_id, h.kindergarten_id, h.age_band, h.to_position
			FROM applications.queue_history h ORDER BY h.application_id, h.kindergarten_id, h.id DESC) last
			FULL JOIN applications.queue_positions p ON p.application_id = last.application_id AND p.kindergarten_id = last.kindergarten_id
			WHERE p.position IS DISTINCT FROM last.to_position OR (p.age_band IS NOT NULL AND p.age_band <> last.age_band)`,
	} {
		if n := w.count(sql); n != 0 {
			w.t.Fatalf("queue invariant broken: %s (%d rows)", name, n)
		}
	}
}

// Unconfirmed privileges count for nothing; confirming one moves its
// application ahead, and both it and those it overtook record why; a
// withdrawal ahead moves the others up; a revoked privilege moves it back.
func TestQueueOrderAndPrivileges(t *testing.T) {
	w := newWorld(t)
	kids := w.kgChildren("parent1", 4, "2024-01-10")
	start := nextYearSept1()
	prefs := []string{"{kg1}", "{kg2}"}
	a := w.kgSubmit("parent1", kids[0], prefs, start, "")
	b := w.kgSubmit("parent1", kids[1], prefs, start, `,"privileges":[{"kind":"sibling","document":"справка: брат посещает детский сад № 1"}]`)
	c := w.kgSubmit("parent1", kids[2], prefs, start, `,"privileges":[{"kind":"extraordinary","document":"удостоверение судьи № 123"}]`)
	d := w.kgSubmit("parent1", kids[3], prefs, start, "")
	apps := []submitapplicationapi.Application{a, b, c, d}
	band := 3 // born in January 2024: 3 full years on 1 September 2027
	for _, x := range apps {
		w.setStatus("kg-director-1", x, "registered")
	}
	w.wantOrder("{kg1}", band, "ABCD", apps...)
	w.wantOrder("{kg2}", band, "ABCD", apps...)
	w.wantMove(d, "{kg1}", 0, 4, causeEntered)

	// C's extraordinary privilege confirmed: C first; A and B overtaken.
	var v submitapplicationapi.QueueView
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+c.ID.String()+"/privileges", "mun-kemerovo", privilegeBody("extraordinary", true), nil, 200, &v)
	if v.Privilege == nil || v.Privilege.Kind != "extraordinary" || *v.Kindergartens[0].Position != 1 {
		t.Fatalf("after confirming: %+v", v)
	}
	w.wantOrder("{kg1}", band, "CABD", apps...)
	w.wantOrder("{kg2}", band, "CABD", apps...)
	w.wantMove(c, "{kg1}", 3, 1, causeOwnPrivilegeConfirmed)
	m := w.wantMove(a, "{kg1}", 1, 2, causePrivilegeConfirmedAhead)
	if m.privilege == nil || *m.privilege != "extraordinary" || m.trigger == nil || *m.trigger != c.ID.String() {
		t.Fatalf("A's cause names %v, trigger %v", m.privilege, m.trigger)
	}
	w.wantMove(b, "{kg2}", 2, 3, causePrivilegeConfirmedAhead)
	w.wantMove(d, "{kg1}", 0, 4, causeEntered) // D did not move

	// The parent sees it explained, without the other family's application.
	qa := w.queueOf("parent1", a)
	h := qa.Kindergartens[0].History[0]
	if h.Cause != string(causePrivilegeConfirmedAhead) || !strings.Contains(h.Explanation, "внеочередным") ||
		strings.Contains(h.Explanation, c.Number) || h.Privilege != "extraordinary" {
		t.Fatalf("A's newest history entry: %+v", h)
	}
	if raw, _ := json.Marshal(qa); strings.Contains(string(raw), c.ID.String()) || strings.Contains(string(raw), c.Number) {
		t.Fatalf("A's queue view reveals C: %s", raw)
	}
	if p := qa.Kindergartens[0]; *p.Position != 2 || p.QueueLength != 4 || *p.AheadWithPrivilege != 1 || *p.AheadEarlier != 0 {
		t.Fatalf("A's place: %+v", p)
	}

	// B's sibling privilege, confirmed in kindergarten 1: there B is ahead
	// of A, behind C; in kindergarten 2, which no brother or sister
	// attends, nothing moves.
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+b.ID.String()+"/privileges", "kg-director-1", privilegeBody("sibling", true), nil, 200, nil)
	w.wantOrder("{kg1}", band, "CBAD", apps...)
	w.wantOrder("{kg2}", band, "CABD", apps...)
	if p := w.queueOf("parent1", b).Kindergartens; p[0].Privilege == nil || p[0].Privilege.Kind != "sibling" || p[1].Privilege != nil ||
		!strings.Contains(p[0].PrivilegeBasis, "по документу") {
		t.Fatalf("B's privilege per kindergarten: %+v / %+v", p[0], p[1])
	}
	w.wantMove(a, "{kg1}", 2, 3, causePrivilegeConfirmedAhead)
	w.wantMove(b, "{kg1}", 3, 2, causeOwnPrivilegeConfirmed)
	// Confirming again changes nothing.
	before := w.count(`SELECT count(*) FROM applications.queue_history`)
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+b.ID.String()+"/privileges", "kg-director-1", privilegeBody("sibling", true), nil, 200, nil)
	if n := w.count(`SELECT count(*) FROM applications.queue_history`); n != before {
		t.Fatalf("a repeated confirmation wrote %d history rows", n-before)
	}

	// C withdrawn by the parent: everyone behind moves up.
	w.setStatus("parent1", c, "withdrawn")
	w.wantOrder("{kg1}", band, "BAD", apps...)
	w.wantMove(b, "{kg1}", 2, 1, causeAheadWithdrawn)
	w.wantMove(a, "{kg1}", 3, 2, causeAheadWithdrawn)
	w.wantMove(d, "{kg2}", 4, 3, causeAheadWithdrawn)
	if m := w.lastMove(c, "{kg1}"); m.cause != string(causeLeft) || m.to != nil || *m.from != 1 {
		t.Fatalf("C's own move %+v", m)
	}
	if e := w.queueOf("parent1", d).Kindergartens[1].History[0]; !strings.Contains(e.Explanation, "отозвано") || !strings.Contains(e.Explanation, "было 4, стало 3") {
		t.Fatalf("D's explanation: %s", e.Explanation)
	}

	// B's privilege revoked: B falls behind A again.
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+b.ID.String()+"/privileges", "mun-kemerovo", privilegeBody("sibling", false), nil, 200, nil)
	w.wantOrder("{kg1}", band, "ABD", apps...)
	w.wantMove(b, "{kg1}", 1, 2, causeOwnPrivilegeRevoked)
	w.wantMove(a, "{kg1}", 2, 1, causePrivilegeRevokedAhead)
	if n := w.count(`SELECT count(*) FROM applications.privilege_decisions`); n != 3 {
		t.Fatalf("%d privilege decisions recorded, want 3", n)
	}
	w.checkQueues()
}

// An application received earlier but registered later stands ahead; a new
// application with a confirmed privilege enters ahead of those without.
func TestQueueEntryCauses(t *testing.T) {
	w := newWorld(t)
	kids := w.kgChildren("parent1", 4, "2024-02-01")
	start := nextYearSept1()
	p := w.kgSubmit("parent1", kids[0], []string{"{kg1}"}, start, "")
	q := w.kgSubmit("parent1", kids[1], []string{"{kg1}"}, start, "")
	r := w.kgSubmit("parent1", kids[2], []string{"{kg1}"}, start, "")
	s := w.kgSubmit("parent1", kids[3], []string{"{kg2}", "{kg1}"}, start, `,"privileges":[{"kind":"first_priority","document":"справка о службе в полиции"}]`)
	apps := []submitapplicationapi.Application{p, q, r, s}
	w.setStatus("kg-director-1", q, "registered")
	w.setStatus("kg-director-1", r, "registered")
	w.wantOrder("{kg1}", 3, "BC", apps...)
	w.setStatus("kg-director-1", p, "registered")
	w.wantOrder("{kg1}", 3, "ABC", apps...)
	w.wantMove(q, "{kg1}", 1, 2, causeEarlierRegisteredAhead)
	w.wantMove(r, "{kg1}", 2, 3, causeEarlierRegisteredAhead)

	// S's privilege is confirmed while it is checked, then S is registered.
	w.setStatus("mun-kemerovo", s, "checking")
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+s.ID.String()+"/privileges", "mun-kemerovo", privilegeBody("first_priority", true), nil, 200, nil)
	w.wantOrder("{kg1}", 3, "ABC", apps...)
	w.setStatus("mun-kemerovo", s, "registered")
	w.wantOrder("{kg1}", 3, "DABC", apps...)
	w.wantMove(s, "{kg1}", 0, 1, causeEntered)
	w.wantMove(s, "{kg2}", 0, 1, causeEntered)
	for i, x := range []submitapplicationapi.Application{p, q, r} {
		m := w.wantMove(x, "{kg1}", int32(i+1), int32(i+2), causePrivilegedAhead)
		if m.privilege == nil || *m.privilege != "first_priority" {
			t.Fatalf("privilege named: %v", m.privilege)
		}
	}
	v := w.queueOf("parent1", r)
	if len(v.Kindergartens) != 1 || len(v.Kindergartens[0].History) != 3 {
		t.Fatalf("R's view: %+v", v)
	}
	var causes []string
	for _, h := range v.Kindergartens[0].History {
		causes = append(causes, h.Cause)
	}
	if strings.Join(causes, ",") != "privileged_ahead,earlier_registered_ahead,entered" {
		t.Fatalf("R's history, newest first: %v", causes)
	}
	pl := v.Kindergartens[0]
	if *pl.Position != 4 || *pl.AheadWithPrivilege != 1 || *pl.AheadEarlier != 2 || !strings.Contains(pl.Explanation, "4-е место из 4") {
		t.Fatalf("R's place: %+v", pl)
	}
	// Who may see it: the addressed kindergarten and the municipality; not
	// another parent, nor a school's director.
	w.queueOf("kg-director-1", r)
	w.queueOf("mun-kemerovo", r)
	w.queueOf("ministry", r)
	for _, login := range []string{"parent2", "director-s1", "mun-novokuznetsk"} {
		w.must(w.f.Handle, http.MethodGet, api+"/applications/"+r.ID.String()+"/queue", login, "", nil, 404, nil)
	}
	w.checkQueues()
}

// A new desired start moves the application to another age band; removing
// and adding a kindergarten takes it out of and back into that queue; others
// record why they moved. Bad choices are refused and write nothing.
func TestQueueChoiceChanges(t *testing.T) {
	w := newWorld(t)
	kids := w.kgChildren("parent1", 3, "2024-03-01")
	start := nextYearSept1()
	prefs := []string{"{kg1}", "{kg2}"}
	a := w.kgSubmit("parent1", kids[0], prefs, start, "")
	b := w.kgSubmit("parent1", kids[1], prefs, start, "")
	c := w.kgSubmit("parent1", kids[2], prefs, start, "")
	apps := []submitapplicationapi.Application{a, b, c}
	for _, x := range apps {
		w.setStatus("kg-director-1", x, "registered")
	}
	patch := func(login string, x submitapplicationapi.Application, body string, want int) submitapplicationapi.QueueView {
		t.Helper()
		var v submitapplicationapi.QueueView
		var out any = &v
		if want != 200 {
			out = nil
		}
		w.must(w.f.Handle, http.MethodPatch, api+"/applications/"+x.ID.String()+"/kindergarten", login, body, nil, want, out)
		return v
	}
	choice := func(prefs []string, start string) string {
		q := make([]string, len(prefs))
		for i, p := range prefs {
			q[i] = `"` + p + `"`
		}
		return fmt.Sprintf(`{"preferences":[%s],"desired_start":%q,"group_type":"general"}`, strings.Join(q, ","), start)
	}
	later := fmt.Sprintf("%d-09-01", time.Now().Year()+2)

	// A year later: A is 4 on that 1 September.
	v := patch("parent1", a, choice(prefs, later), 200)
	if v.AgeBand != 4 || *v.Kindergartens[0].Position != 1 || v.Kindergartens[0].AgeBand != 4 {
		t.Fatalf("A after the new start: %+v", v)
	}
	w.wantOrder("{kg1}", 3, "BC", apps...)
	w.wantOrder("{kg1}", 4, "A", apps...)
	w.wantMove(a, "{kg1}", 1, 1, causeAgeBandChanged)
	w.wantMove(b, "{kg1}", 2, 1, causeAheadMovedOut)
	w.wantMove(c, "{kg2}", 3, 2, causeAheadMovedOut)
	if h := w.queueOf("parent1", a).Kindergartens[0].History[0]; h.FromAgeBand == nil || *h.FromAgeBand != 3 || h.AgeBand != 4 ||
		!strings.Contains(h.Explanation, "«3 года»") || !strings.Contains(h.Explanation, "«4 года»") {
		t.Fatalf("A's band change: %+v", h)
	}

	// B drops kindergarten 1, then chooses it again.
	v = patch("parent1", b, choice([]string{"{kg2}"}, start), 200)
	if len(v.Kindergartens) != 2 || v.Kindergartens[1].Preference != 0 || v.Kindergartens[1].Position != nil {
		t.Fatalf("B's view after dropping kindergarten 1: %+v", v.Kindergartens)
	}
	w.wantOrder("{kg1}", 3, "C", apps...)
	w.wantMove(b, "{kg1}", 1, 0, causePreferencesChanged)
	w.wantMove(c, "{kg1}", 2, 1, causeAheadMovedOut)
	patch("parent1", b, choice([]string{"{kg2}", "{kg1}"}, start), 200)
	w.wantOrder("{kg1}", 3, "BC", apps...)
	w.wantMove(b, "{kg1}", 0, 1, causePreferencesChanged)
	w.wantMove(c, "{kg1}", 1, 2, causeEarlierJoinedAhead)
	// The same choice again changes nothing.
	patch("parent1", b, choice([]string{"{kg2}", "{kg1}"}, start), 200)
	if n := w.count(`SELECT count(*) FROM applications.kindergarten_choice_changes`); n != 3 {
		t.Fatalf("%d choice changes recorded, want 3", n)
	}

	// Refused: nothing written.
	history := w.count(`SELECT count(*) FROM applications.queue_history`)
	six := []string{"{kg1}", "{kg2}", "{kg1n}", "{school1}", "{school2}", "{dod1}"}
	for _, tc := range []struct {
		name, login, body string
		status            int
		field, code       string
	}{
		{"six preferences", "parent1", choice(six, start), 400, "preferences", "max"},
		{"no preferences", "parent1", choice(nil, start), 400, "preferences", "required"},
		{"bad date", "parent1", choice(prefs, "01.09.2027"), 400, "desired_start", "format"},
		{"unknown field", "parent1", `{"preferences":["{kg1}"],"desired_start":"` + start + `","group_type":"general","status":"enrolled"}`, 400, "status", "unknown"},
		{"unknown kindergarten", "parent1", choice([]string{"{kg1}", "99999999-8888-7777-6666-555555555555"}, start), 422, "preferences[1]", "not_found"},
		{"a school", "parent1", choice([]string{"{school1}"}, start), 422, "preferences[0]", "kind"},
		{"another municipality", "parent1", choice([]string{"{kg1n}"}, start), 422, "preferences[0]", "municipality"},
		{"two municipalities", "parent1", choice([]string{"{kg1}", "{kg1n}"}, start), 422, "preferences[1]", "municipality"},
		{"start in the past", "parent1", choice(prefs, "2020-09-01"), 422, "desired_start", "range"},
		{"someone else's application", "parent2", choice(prefs, start), 404, "", ""},
		{"staff", "kg-director-1", choice(prefs, start), 403, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, resp := w.call(w.f.Handle, http.MethodPatch, api+"/applications/"+c.ID.String()+"/kindergarten", tc.login, tc.body, nil)
			refused(t, code, resp, tc.status, tc.field, tc.code)
		})
	}
	if n := w.count(`SELECT count(*) FROM applications.queue_history`); n != history {
		t.Fatalf("refused changes wrote %d history rows", n-history)
	}
	if n := w.count(`SELECT count(*) FROM applications.kindergarten_choice_changes`); n != 3 {
		t.Fatalf("refused changes were recorded: %d", n)
	}
	// A directed application's choice is fixed.
	w.setStatus("kg-director-1", c, "directed")
	w.must(w.f.Handle, http.MethodPatch, api+"/applications/"+c.ID.String()+"/kindergarten", "parent1", choice(prefs, later), nil, 409, nil)
	w.checkQueues()
}

// Registrations, privilege decisions and withdrawals of applications sharing
// queues, all at once: no deadlock, no error, and every queue numbered in
// order with each history ending where the application stands.
func TestQueueConcurrentRecalculation(t *testing.T) {
	w := newWorld(t)
	const n = 16
	kids := w.kgChildren("parent1", n, "2024-04-01")
	start := nextYearSept1()
	var apps []submitapplicationapi.Application
	for i, kid := range kids {
		prefs := []string{"{kg1}", "{kg2}"}
		if i%2 == 1 {
			prefs = []string{"{kg2}", "{kg1}"}
		}
		priv := ""
		if i%4 == 0 {
			priv = `,"privileges":[{"kind":"sibling","document":"справка о сестре"}]`
		}
		apps = append(apps, w.kgSubmit("parent1", kid, prefs, start, priv))
	}
	deadlocks := func() int {
		conns := w.db.Pool.AcquireAllIdle(context.Background())
		for _, c := range conns {
			_, _ = c.Exec(context.Background(), `SELECT pg_stat_force_next_flush()`)
			c.Release()
		}
		return w.count(`SELECT deadlocks::int FROM pg_stat_database WHERE datname = current_database()`)
	}
	before := deadlocks()
	run := func(steps []func() (int, string)) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan string, len(steps))
		for _, step := range steps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code, resp := step(); code != 200 {
					errs <- fmt.Sprintf("%d %s", code, resp)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("concurrent step failed: %s", e)
		}
	}
	call := func(login, path, body string) func() (int, string) {
		return func() (int, string) { return w.call(w.f.Handle, http.MethodPost, path, login, body, nil) }
	}
	var steps []func() (int, string)
	for i, a := range apps {
		login := "kg-director-1"
		if i%2 == 1 {
			login = "mun-kemerovo"
		}
		steps = append(steps, call(login, api+"/applications/"+a.ID.String()+"/status", statusBody("registered", "", "")))
	}
	run(steps)
	w.checkQueues()
	steps = nil
	later := fmt.Sprintf(`{"preferences":["{kg1}","{kg2}"],"desired_start":"%d-09-01","group_type":"general"}`, time.Now().Year()+2)
	for i, a := range apps {
		path := api + "/applications/" + a.ID.String()
		switch i % 4 {
		case 0:
			steps = append(steps, call("mun-kemerovo", path+"/privileges", privilegeBody("sibling", true)))
		case 1:
			steps = append(steps, call("parent1", path+"/status", statusBody("withdrawn", "", "")))
		case 2:
			steps = append(steps, func() (int, string) { // out of the queue and back
				if code, resp := call("kg-director-1", path+"/status", statusBody("documents_requested", "", ""))(); code != 200 {
					return code, resp
				}
				return call("kg-director-1", path+"/status", statusBody("registered", "", ""))()
			})
		case 3:
			steps = append(steps, func() (int, string) {
				return w.call(w.f.Handle, http.MethodPatch, path+"/kindergarten", "parent1", later, nil)
			})
		}
	}
	run(steps)
	w.checkQueues()
	// Privileged first, then the others by receipt; the moved ones in band 4.
	if got, want := len(w.order("{kg1}", 3)), n/2; got != want {
		t.Fatalf("%d applications in band 3 of kindergarten 1, want %d", got, want)
	}
	if got, want := len(w.order("{kg2}", 4)), n/4; got != want {
		t.Fatalf("%d applications in band 4 of kindergarten 2, want %d", got, want)
	}
	if after := deadlocks(); after != before {
		t.Fatalf("%d deadlocks while recalculating", after-before)
	}
}

// The services in numbers, as collect-report prefills them: a registered
// application counts in each kindergarten's queue it names, first choice or
// not, in its age band; one still checked waits nowhere; every application
// counts among those addressed to each kindergarten it names, by service,
// status and channel, received in the span; no child is named.
func TestServiceCounts(t *testing.T) {
	w := newWorld(t)
	kids := w.kgChildren("parent1", 3, "2024-02-01")
	start := nextYearSept1()
	p := w.kgSubmit("parent1", kids[0], []string{"{kg1}"}, start, "")
	q := w.kgSubmit("parent1", kids[1], []string{"{kg2}", "{kg1}"}, start, "")
	w.kgSubmit("parent1", kids[2], []string{"{kg1}"}, start, "") // still submitted: waits nowhere yet
	w.setStatus("kg-director-1", p, "registered")
	w.setStatus("mun-kemerovo", q, "checking")
	w.setStatus("mun-kemerovo", q, "registered")
	var counts []submitapplicationapi.OrganisationCounts
	w.must(w.f.Handle, http.MethodPost, api+"/counts", "ministry", w.expand(`{"organisations":["{kg1}","{kg2}","{kg1}"]}`), nil, http.StatusOK, &counts)
	if len(counts) != 2 || counts[0].OrganisationID.String() != w.ids["{kg1}"] {
		t.Fatalf("counts: %+v", counts)
	}
	queued := func(c submitapplicationapi.OrganisationCounts) (all, first int) {
		for _, b := range c.Queue {
			all, first = all+b.All, first+b.FirstChoice
		}
		return all, first
	}
	if all, first := queued(counts[0]); all != 2 || first != 1 {
		t.Errorf("kindergarten 1: %d waiting, %d first choice; want 2, 1", all, first)
	}
	if all, first := queued(counts[1]); all != 1 || first != 1 {
		t.Errorf("kindergarten 2: %d waiting, %d first choice; want 1, 1", all, first)
	}
	want := w.count(`SELECT age_band FROM applications.queue_positions WHERE application_id = $1 LIMIT 1`, p.ID)
	if len(counts[0].Queue) != 1 || counts[0].Queue[0].AgeBand != want {
		t.Errorf("kindergarten 1's bands: %+v, the application's band %d", counts[0].Queue, want)
	}
	received := map[string]int{}
	for _, a := range counts[0].Applications {
		received[string(a.Status)] += a.Received
	}
	if received["registered"] != 2 || received["submitted"] != 1 || len(received) != 2 {
		t.Errorf("applications to kindergarten 1: %v", received)
	}
	// A span before any of them: none received.
	w.must(w.f.Handle, http.MethodPost, api+"/counts", "kg-director-1", w.expand(`{"organisations":["{kg1}"],"from":"2020-01-01","to":"2020-12-31"}`), nil, http.StatusOK, &counts)
	if len(counts[0].Applications) != 0 || len(counts[0].Queue) != 1 {
		t.Errorf("kindergarten 1 in 2020: %+v", counts[0])
	}
	for body, want := range map[string]int{
		`{"organisations":[]}`: http.StatusBadRequest,
		`{"organisations":["{kg1}"],"from":"2026-12-01","to":"2026-11-01"}`: http.StatusBadRequest,
		`{"organisations":["{kg1}"],"from":"01.12.2026"}`:                   http.StatusBadRequest,
	} {
		w.must(w.f.Handle, http.MethodPost, api+"/counts", "ministry", w.expand(body), nil, want, nil)
	}
}
