package submitapplication

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

// placesBody is an allocation request body for Kemerovo.
func placesBody(w *world, start string, days int, places ...string) string {
	return fmt.Sprintf(`{"municipality_id":%q,"start_date":%q,"response_days":%d,"places":[%s]}`,
		w.ids["{kemerovo}"], start, days, strings.Join(places, ","))
}

func place(kg string, band int, group string, n int) string {
	return fmt.Sprintf(`{"kindergarten_id":%q,"age_band":%d,"group_type":%q,"places":%d}`, kg, band, group, n)
}

// resultsOf reads every result of run, as «number:outcome:kindergarten:reasons».
func (w *world) resultsOf(run string) []string {
	w.t.Helper()
	rows, err := w.db.Pool.Query(context.Background(), `SELECT a.number || ':' || r.outcome || ':' || coalesce(r.kindergarten_id::text, '-')
		|| ':' || array_to_string(r.reasons, ',') FROM applications.allocation_results r JOIN applications.applications a ON a.id = r.application_id
		WHERE r.run_id = $1 ORDER BY r.ordinal`, run)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// The allocation: queue order (privilege, receipt), first preference with a
// free place in the age band and group type, explained; deterministic and
// re-runnable; confirmed only as reviewed; directions answered or expired.
func TestAllocationAndDirections(t *testing.T) {
	w := newWorld(t)
	kids := w.kgChildren("parent1", 6, "2024-05-01")
	toddler := w.kgChildren("parent1", 1, "2025-05-01")[0] // 2 full years on 1 September 2027
	start := nextYearSept1()
	later := fmt.Sprintf("%d-09-01", time.Now().Year()+2)
	a := w.kgSubmit("parent1", kids[0], []string{"{kg1}", "{kg2}"}, start, "")
	b := w.kgSubmit("parent1", kids[1], []string{"{kg1}", "{kg2}"}, start, `,"privileges":[{"kind":"extraordinary","document":"удостоверение"}]`)
	c := w.kgSubmit("parent1", kids[2], []string{"{kg1}"}, start, "")
	d := w.kgSubmit("parent1", kids[3], []string{"{kg2}", "{kg1}"}, start, "")
	e := w.kgSubmit("parent1", kids[4], []string{"{kg1}", "{kg2}"}, later, "") // wants to start a year later
	g := w.kgSubmit("parent1", kids[5], []string{"{kg1}", "{kg2}"}, start, "") // not registered yet
	f := w.kgSubmit("parent1", toddler, []string{"{kg1}"}, start, "")
	for _, x := range []submitapplicationapi.Application{a, b, c, d, e, f} {
		w.setStatus("kg-director-1", x, "registered")
	}
	w.must(w.f.Handle, http.MethodPost, api+"/applications/"+b.ID.String()+"/privileges", "mun-kemerovo", privilegeBody("extraordinary", true), nil, 200, nil)
	w.wantOrder("{kg1}", 3, "BACD", a, b, c, d)

	places := []string{place(w.ids["{kg1}"], 3, "general", 2), place(w.ids["{kg2}"], 3, "general", 1), place(w.ids["{kg1}"], 2, "general", 0),
		place(w.ids["{kg2}"], 3, "short_stay", 5)}
	var run submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodPost, api+"/allocations", "mun-kemerovo", placesBody(w, start, 10, places...), nil, 201, &run)
	if run.Status != "draft" || run.Considered != 5 || run.Directed != 3 || run.PlacesOffered != 8 || run.Digest == "" {
		t.Fatalf("draft %+v", run)
	}
	kg1, kg2 := w.ids["{kg1}"], w.ids["{kg2}"]
	want := []string{
		b.Number + ":directed:" + kg1 + ":directed",
		a.Number + ":directed:" + kg1 + ":directed",
		c.Number + ":not_directed:-:taken",
		d.Number + ":directed:" + kg2 + ":directed",
		f.Number + ":not_directed:-:no_places",
	}
	if got := w.resultsOf(run.ID.String()); !slices.Equal(got, want) {
		t.Fatalf("results\n%v\nwant\n%v", got, want)
	}
	var page submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String(), "mun-kemerovo", "", nil, 200, &page)
	if len(page.Results.Items) != 5 {
		t.Fatalf("page %+v", page.Results)
	}
	if x := page.Results.Items[2]; x.Number != c.Number || !strings.Contains(x.Explanation, "все 2 места") ||
		!strings.Contains(x.Explanation, "стоящим в очереди выше") || x.Preferences[0].Result != reasonTaken || x.Preferences[0].PlacesOffered != 2 {
		t.Fatalf("C's result: %+v", x)
	}
	if x := page.Results.Items[3]; *x.Preference != 1 || !strings.Contains(x.Explanation, "выбранный первым") {
		t.Fatalf("D's result: %+v", x)
	}
	if x := page.Results.Items[4]; !strings.Contains(x.Explanation, "мест для детей «2 года»") || !strings.Contains(x.Explanation, "нет") {
		t.Fatalf("F's result: %+v", x)
	}

	// Determinism: recomputing, or a second run on the same inputs, gives
	// the same draft; other places give another; the first places again, the first draft.
	first := w.resultsOf(run.ID.String())
	var again submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo", "", nil, 200, &again)
	if again.Digest != run.Digest || again.Computations != 2 || !slices.Equal(w.resultsOf(run.ID.String()), first) {
		t.Fatalf("recomputed draft differs: %s vs %s", again.Digest, run.Digest)
	}
	var twin submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodPost, api+"/allocations", "mun-kemerovo", placesBody(w, start, 10, places...), nil, 201, &twin)
	if twin.Digest != run.Digest || !slices.Equal(w.resultsOf(twin.ID.String()), first) {
		t.Fatal("a second run on the same inputs differs")
	}
	more := fmt.Sprintf(`{"places":[%s,%s]}`, place(kg1, 3, "general", 3), place(kg2, 3, "general", 1))
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo", more, nil, 200, &again)
	if again.Digest == run.Digest || again.Directed != 4 {
		t.Fatalf("changed places, same draft: %+v", again)
	}
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo", fmt.Sprintf(`{"places":[%s]}`, strings.Join(places, ",")), nil, 200, &again)
	if again.Digest != run.Digest || !slices.Equal(w.resultsOf(run.ID.String()), first) {
		t.Fatal("the first places again give another draft")
	}

	// Who reads: the kindergarten's staff only the applications directed to
	// it; a school's director and another municipality nothing.
	var staff submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String(), "kg-director-1", "", nil, 200, &staff)
	if len(staff.Results.Items) != 2 || staff.Results.Items[0].KindergartenID.String() != kg1 || staff.Results.Items[1].KindergartenID.String() != kg1 {
		t.Fatalf("kindergarten 1 reads %+v", staff.Results.Items)
	}
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String(), "ministry", "", nil, 200, nil)
	for _, login := range []string{"director-s1", "mun-novokuznetsk"} {
		w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String(), login, "", nil, 404, nil)
	}
	var p1, p2 submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String()+"?limit=3&outcome=directed", "mun-kemerovo", "", nil, 200, &p1)
	if len(p1.Results.Items) != 3 || p1.Results.Items[2].Number != d.Number {
		t.Fatalf("directed page: %+v", p1.Results)
	}
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String()+"?limit=3&outcome=directed&after="+p1.Results.Next, "mun-kemerovo", "", nil, 200, &p2)
	if len(p2.Results.Items) != 0 || p2.Results.Next != "" {
		t.Fatalf("after the last directed: %+v", p2.Results)
	}
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String()+"?limit=2", "mun-kemerovo", "", nil, 200, &p1)
	w.must(w.f.Handle, http.MethodGet, api+"/allocations/"+run.ID.String()+"?limit=2&after="+p1.Results.Next, "mun-kemerovo", "", nil, 200, &p2)
	if len(p1.Results.Items) != 2 || p2.Results.Items[0].Ordinal != 3 {
		t.Fatalf("pages: %+v / %+v", p1.Results, p2.Results)
	}
	var list submitapplicationapi.Page[submitapplicationapi.AllocationView]
	w.must(w.f.Handle, http.MethodGet, api+"/allocations", "kg-director-1", "", nil, 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("kindergarten 1 lists %d runs, want 2", len(list.Items))
	}
	w.must(w.f.Handle, http.MethodGet, api+"/allocations", "mun-novokuznetsk", "", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("Novokuznetsk lists %d Kemerovo runs", len(list.Items))
	}

	// The queue changes after the draft: confirming it is refused, nothing issued.
	w.setStatus("kg-director-1", g, "registered")
	code, resp := w.call(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/confirm", "mun-kemerovo", "", nil)
	if code != 409 || !strings.Contains(resp, "current_digest") {
		t.Fatalf("confirming a stale draft: %d %s", code, resp)
	}
	if n := w.count(`SELECT count(*) FROM applications.applications WHERE status = 'directed'`); n != 0 {
		t.Fatalf("%d directed by a refused confirmation", n)
	}
	events := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, submitapplicationapi.EventStatusChanged)
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo", "", nil, 200, nil)
	var confirmed submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/confirm", "mun-kemerovo", "", nil, 200, &confirmed)
	if confirmed.Status != "confirmed" || confirmed.ConfirmedAt == nil || confirmed.Directed != 3 {
		t.Fatalf("confirmed %+v", confirmed)
	}
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/confirm", "mun-kemerovo", "", nil, 409, nil)
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo", "", nil, 409, nil)
	// Each directed application: status, history, event naming the kindergarten, direction; out of the queue.
	for _, x := range []struct {
		app submitapplicationapi.Application
		kg  string
	}{{a, kg1}, {b, kg1}, {d, kg2}} {
		var got submitapplicationapi.Application
		w.must(w.f.Handle, http.MethodGet, api+"/applications/"+x.app.ID.String(), "parent1", "", nil, 200, &got)
		if got.Status != submitapplicationapi.Directed || got.History[len(got.History)-1].Status != submitapplicationapi.Directed || got.History[len(got.History)-1].Comment == "" {
			t.Fatalf("%s: %+v", x.app.Number, got)
		}
		if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject = $2 AND data->>'status' = 'directed'
			AND data->>'organisation_id' = $3 AND (data->>'epgu_status_code')::int = 180`, submitapplicationapi.EventStatusChanged, x.app.ID.String(), x.kg); n != 1 {
			t.Fatalf("%s: %d directed events", x.app.Number, n)
		}
		if n := w.count(`SELECT count(*) FROM applications.directions WHERE application_id = $1 AND kindergarten_id = $2 AND state = 'issued'
			AND allocation_id = $3 AND respond_by = applications.direction_respond_by(issued_at, 10)`, x.app.ID, x.kg, run.ID); n != 1 {
			t.Fatalf("%s: %d directions", x.app.Number, n)
		}
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, submitapplicationapi.EventStatusChanged); n != events+3 {
		t.Fatalf("%d events for 3 directions", n-events)
	}
	w.wantOrder("{kg1}", 3, "CG", a, b, c, d, e, f, g)
	w.wantMove(c, "{kg1}", 3, 1, causeAheadDirected)
	if h := w.queueOf("parent1", c).Kindergartens[0].History[0]; !strings.Contains(h.Explanation, "(2), получили направления") {
		t.Fatalf("C's explanation: %s", h.Explanation)
	}
	w.checkQueues()

	// The parents answer.
	va := w.queueOf("parent1", a)
	if va.Direction == nil || va.Direction.State != "issued" || !strings.Contains(va.Note, "ответьте на него до") {
		t.Fatalf("A's direction: %+v %s", va.Direction, va.Note)
	}
	answer := func(login string, x submitapplicationapi.Application, decision string, want int) submitapplicationapi.QueueView {
		t.Helper()
		var v submitapplicationapi.QueueView
		var out any
		if want == 200 {
			out = &v
		}
		w.must(w.f.Handle, http.MethodPost, api+"/applications/"+x.ID.String()+"/direction", login, `{"decision":"`+decision+`"}`, nil, want, out)
		return v
	}
	history := w.count(`SELECT count(*) FROM applications.status_history`)
	answer("parent2", a, "accept", 404) // someone else's application
	answer("parent1", a, "maybe", 400)
	answer("parent1", c, "accept", 409) // no direction
	answer("mun-kemerovo", a, "accept", 403)
	if n := w.count(`SELECT count(*) FROM applications.status_history`); n != history {
		t.Fatal("refused answers were recorded")
	}
	if v := answer("parent1", a, "accept", 200); v.Status != submitapplicationapi.Directed || v.Direction.State != "accepted" || v.Direction.AnsweredAt == nil {
		t.Fatalf("accepted: %+v", v)
	}
	answer("parent1", a, "accept", 200)
	if n := w.count(`SELECT count(*) FROM applications.status_history WHERE application_id = $1 AND status = 'directed'`, a.ID); n != 2 {
		t.Fatalf("%d directed history entries of A, want 2 (issued, accepted)", n)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE subject = $1 AND data->>'previous_status' = 'directed' AND data->>'status' = 'directed'`, a.ID.String()); n != 1 {
		t.Fatalf("%d acceptance events", n)
	}
	if v := answer("parent1", d, "decline", 200); v.Status != submitapplicationapi.DirectionDeclined || v.Direction.State != "declined" {
		t.Fatalf("declined: %+v", v)
	}

	// B does not answer in time.
	now := time.Now()
	w.f.Now = func() time.Time { return now.AddDate(0, 0, 12) }
	answer("parent1", b, "accept", 409)
	rep, err := w.f.Maintain(context.Background(), now.AddDate(0, 0, 12))
	if err != nil || rep.Expired != 1 || rep.Archived != 0 {
		t.Fatalf("maintain: %+v %v", rep, err)
	}
	var got submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodGet, api+"/applications/"+b.ID.String(), "parent1", "", nil, 200, &got)
	if got.Status != submitapplicationapi.DirectionExpired || got.History[len(got.History)-1].ActorRole != "system" {
		t.Fatalf("B after the deadline: %+v", got)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE subject = $1 AND data->>'status' = 'direction_expired'`, b.ID.String()); n != 1 {
		t.Fatalf("%d expiry events", n)
	}
	w.must(w.f.Handle, http.MethodGet, api+"/applications/"+a.ID.String(), "parent1", "", nil, 200, &got)
	if got.Status != submitapplicationapi.Directed {
		t.Fatalf("an accepted direction expired: %s", got.Status)
	}
	if rep, _ := w.f.Maintain(context.Background(), now.AddDate(0, 0, 12)); rep.Expired != 0 {
		t.Fatalf("expired twice: %+v", rep)
	}

	// D, who declined, is put back in the queue: by its receipt, after C
	// and ahead of G.
	w.setStatus("kg-director-1", d, "registered")
	w.wantOrder("{kg1}", 3, "CDG", a, b, c, d, e, f, g)
	w.wantMove(d, "{kg1}", 0, 2, causeReturned)
	w.wantMove(g, "{kg1}", 2, 3, causeEarlierRegisteredAhead)
	w.wantMove(c, "{kg1}", 3, 1, causeAheadDirected) // C did not move
	w.checkQueues()
}

// Bad allocation input is answered 4xx with a machine code and a Russian
// message, and writes nothing.
func TestAllocationBadInput(t *testing.T) {
	w := newWorld(t)
	start := nextYearSept1()
	kg1 := w.ids["{kg1}"]
	ok := place(kg1, 3, "general", 2)
	for _, c := range []struct {
		name, login, body string
		status            int
		field, code       string
	}{
		{"unknown kindergarten", "mun-kemerovo", placesBody(w, start, 10, ok, place("99999999-8888-7777-6666-555555555555", 3, "general", 1)), 422, "places[1].kindergarten_id", "not_found"},
		{"kindergarten of another municipality", "mun-kemerovo", placesBody(w, start, 10, place(w.ids["{kg1n}"], 3, "general", 1)), 422, "places[0].kindergarten_id", "municipality"},
		{"a school", "mun-kemerovo", placesBody(w, start, 10, place(w.ids["{school1}"], 3, "general", 1)), 422, "places[0].kindergarten_id", "kind"},
		{"negative places", "mun-kemerovo", placesBody(w, start, 10, place(kg1, 3, "general", -1)), 400, "places[0].places", "min"},
		{"age band 9", "mun-kemerovo", placesBody(w, start, 10, place(kg1, 9, "general", 1)), 400, "places[0].age_band", "range"},
		{"group type", "mun-kemerovo", placesBody(w, start, 10, place(kg1, 3, "nursery", 1)), 400, "places[0].group_type", "enum"},
		{"twice the same group", "mun-kemerovo", placesBody(w, start, 10, ok, ok), 400, "places[1]", "duplicate"},
		{"no places", "mun-kemerovo", placesBody(w, start, 10), 400, "places", "required"},
		{"no response period", "mun-kemerovo", placesBody(w, start, 0, ok), 400, "response_days", "range"},
		{"bad start date", "mun-kemerovo", placesBody(w, "1 сентября", 10, ok), 400, "start_date", "format"},
		{"missing number of places", "mun-kemerovo", placesBody(w, start, 10, `{"kindergarten_id":"`+kg1+`","age_band":3,"group_type":"general"}`), 400, "places[0].places", "required"},
		{"unknown field", "mun-kemerovo", `{"municipality_id":"` + w.ids["{kemerovo}"] + `","start_date":"` + start + `","response_days":5,"places":[` + ok + `],"force":true}`, 400, "force", "unknown"},
		{"another municipality's run", "mun-novokuznetsk", placesBody(w, start, 10, ok), 404, "", ""},
		{"the ministry", "ministry", placesBody(w, start, 10, ok), 403, "", ""},
		{"kindergarten staff", "kg-director-1", placesBody(w, start, 10, ok), 403, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, resp := w.call(w.f.Handle, http.MethodPost, api+"/allocations", c.login, c.body, nil)
			refused(t, code, resp, c.status, c.field, c.code)
		})
	}
	if n := w.count(`SELECT count(*) FROM applications.allocation_runs`); n != 0 {
		t.Fatalf("%d runs written by refused requests", n)
	}
	// A draft recomputed with bad places keeps its places.
	var run submitapplicationapi.AllocationView
	w.must(w.f.Handle, http.MethodPost, api+"/allocations", "mun-kemerovo", placesBody(w, start, 10, ok), nil, 201, &run)
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo", `{"places":[`+place(kg1, 3, "general", -5)+`]}`, nil, 400, nil)
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-kemerovo",
		`{"places":[`+place(w.ids["{kg1n}"], 3, "general", 5)+`]}`, nil, 422, nil)
	w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/recompute", "mun-novokuznetsk", "", nil, 404, nil)
	if n := w.count(`SELECT places FROM applications.allocation_places WHERE run_id = $1`, run.ID); n != 2 {
		t.Fatalf("places now %d", n)
	}
	if n := w.count(`SELECT computations FROM applications.allocation_runs WHERE id = $1`, run.ID); n != 1 {
		t.Fatalf("%d computations after refused recomputes", n)
	}
}

// Privilege decisions that are refused write nothing.
func TestPrivilegeBadInput(t *testing.T) {
	w := newWorld(t)
	kid := w.kgChildren("parent1", 1, "2024-06-01")[0]
	a := w.kgSubmit("parent1", kid, []string{"{kg1}"}, nextYearSept1(), `,"privileges":[{"kind":"sibling","document":"справка"}]`)
	var fg submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodPost, api+"/applications", "parent1", firstGradeBody("{grader1}", "{school1}", "territory", ""),
		map[string]string{"Idempotency-Key": "fg"}, 201, &fg)
	path := api + "/applications/" + a.ID.String() + "/privileges"
	for _, c := range []struct {
		name, login, path, body string
		status                  int
		field, code             string
	}{
		{"an unclaimed privilege", "kg-director-1", path, privilegeBody("first_priority", true), 422, "kind", "not_claimed"},
		{"an unknown privilege", "kg-director-1", path, privilegeBody("vip", true), 400, "kind", "enum"},
		{"no decision", "kg-director-1", path, `{"kind":"sibling"}`, 400, "confirmed", "required"},
		{"a long comment", "kg-director-1", path, `{"kind":"sibling","confirmed":true,"comment":"` + strings.Repeat("я", 1001) + `"}`, 400, "comment", "length"},
		{"not a kindergarten application", "director-s1", api + "/applications/" + fg.ID.String() + "/privileges", privilegeBody("sibling", true), 422, "kind", "service"},
		{"the parent", "parent1", path, privilegeBody("sibling", true), 403, "", ""},
		{"the ministry", "ministry", path, privilegeBody("sibling", true), 403, "", ""},
		{"a school's director", "director-s1", path, privilegeBody("sibling", true), 404, "", ""},
		{"another municipality", "mun-novokuznetsk", path, privilegeBody("sibling", true), 404, "", ""},
		{"a sibling right without its kindergarten", "kg-director-1", path, `{"kind":"sibling","confirmed":true}`, 400, "kindergarten_id", "required"},
		{"a sibling right in a kindergarten not chosen", "mun-kemerovo", path, siblingBody("{kg2}", true), 422, "kindergarten_id", "not_chosen"},
		{"an extraordinary right in one kindergarten", "mun-kemerovo", path, `{"kind":"extraordinary","confirmed":true,"kindergarten_id":"{kg1}"}`, 400, "kindergarten_id", "unexpected"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, resp := w.call(w.f.Handle, http.MethodPost, c.path, c.login, c.body, nil)
			refused(t, code, resp, c.status, c.field, c.code)
		})
	}
	if n := w.count(`SELECT count(*) FROM applications.privilege_decisions`); n != 0 {
		t.Fatalf("%d decisions written", n)
	}
	var data string
	_ = w.db.Pool.QueryRow(context.Background(), `SELECT data::text FROM applications.applications WHERE id = $1`, a.ID).Scan(&data)
	if !strings.Contains(data, `"confirmed": false`) {
		t.Fatalf("data changed: %s", data)
	}
	var raw json.RawMessage
	w.must(w.f.Handle, http.MethodPost, path, "kg-director-1", privilegeBody("sibling", true), nil, 200, &raw)
}

// A kindergarten application is archived when the child turns 7, its queue
// recalculated with the cause; one still under review is left to staff.
func TestMaintainArchivesAtSeven(t *testing.T) {
	w := newWorld(t)
	old := w.kgChildren("parent1", 2, "2020-01-15")   // 7 on 15 and 16 January 2027
	young := w.kgChildren("parent1", 1, "2020-03-01") // 7 on 1 March 2027
	start := fmt.Sprintf("%d-01-10", time.Now().Year()+1)
	a := w.kgSubmit("parent1", old[0], []string{"{kg1}"}, start, "")
	b := w.kgSubmit("parent1", young[0], []string{"{kg1}"}, start, "")
	c := w.kgSubmit("parent1", old[1], []string{"{kg1}"}, start, "") // stays under review
	w.setStatus("kg-director-1", a, "registered")
	w.setStatus("kg-director-1", b, "registered")
	w.setStatus("kg-director-1", c, "checking")
	w.wantOrder("{kg1}", 7, "AB", a, b)

	if rep, err := w.f.Maintain(context.Background(), time.Now()); err != nil || rep.Archived != 0 {
		t.Fatalf("maintain today: %+v %v", rep, err)
	}
	day := time.Date(time.Now().Year()+1, 1, 15, 10, 0, 0, 0, kemerovo)
	if rep, err := w.f.Maintain(context.Background(), day.AddDate(0, 0, -1)); err != nil || rep.Archived != 0 {
		t.Fatalf("the day before the birthday: %+v %v", rep, err)
	}
	rep, err := w.f.Maintain(context.Background(), day)
	if err != nil || rep.Archived != 1 {
		t.Fatalf("on the birthday: %+v %v", rep, err)
	}
	var got submitapplicationapi.Application
	w.must(w.f.Handle, http.MethodGet, api+"/applications/"+a.ID.String(), "parent1", "", nil, 200, &got)
	last := got.History[len(got.History)-1]
	if got.Status != submitapplicationapi.Archived || last.Reason != "age" || last.ActorRole != "system" || !strings.Contains(last.Comment, "7 лет") {
		t.Fatalf("A on its 7th birthday: %+v", got)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE subject = $1 AND data->>'status' = 'archived' AND data->>'reason' = 'age'`, a.ID.String()); n != 1 {
		t.Fatalf("%d archive events", n)
	}
	w.wantOrder("{kg1}", 7, "B", a, b)
	w.wantMove(b, "{kg1}", 2, 1, causeAheadArchived)
	w.must(w.f.Handle, http.MethodGet, api+"/applications/"+c.ID.String(), "parent1", "", nil, 200, &got)
	if got.Status != submitapplicationapi.Checking {
		t.Fatalf("an application under review was archived: %s", got.Status)
	}
	if rep, _ := w.f.Maintain(context.Background(), day.AddDate(0, 2, 0)); rep.Archived != 1 {
		t.Fatalf("B in March: %+v", rep)
	}
	w.checkQueues()
}

func TestAgeBandAndBirthdays(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		birth, start string
		band         int
	}{
		{"2024-01-10", "2027-09-01", 3},
		{"2024-09-01", "2027-09-01", 3}, // a birthday on 1 September counts
		{"2024-09-02", "2027-09-01", 2},
		{"2024-09-02", "2027-03-01", 2}, // the year of the start counts, not its day
		{"2024-02-29", "2027-09-01", 3},
		{"2027-06-01", "2027-08-15", 0},
		{"2027-10-01", "2027-12-15", 0}, // not born on 1 September of the start year
	} {
		if got := w.count(`SELECT applications.kindergarten_age_band($1::date, $2::date)`, c.birth, c.start); got != c.band {
			t.Errorf("born %s, start %s: band %d, want %d", c.birth, c.start, got, c.band)
		}
	}
	for day, want := range map[string]string{
		"2031-02-28": "2024-02-29", // born on 29 February: 7 on 28 February of a common year
		"2032-02-29": "2025-02-28",
		"2032-02-28": "2025-02-28",
		"2031-03-01": "2024-03-01",
	} {
		d, _ := time.Parse(time.DateOnly, day)
		if got := turnedOnOrBefore(d, 7).Format(time.DateOnly); got != want {
			t.Errorf("on %s the youngest seven-year-old was born %s, want %s", day, got, want)
		}
	}
}

// A direction issued by hand goes to the directing staff's own kindergarten
// (here the second preference), and the maintenance ticker started by Mount
// expires it once overdue; Stop ends the ticker.
func TestManualDirectionAndMaintenanceTicker(t *testing.T) {
	w := newWorld(t)
	kid := w.kgChildren("parent1", 1, "2024-08-01")[0]
	a := w.kgSubmit("parent1", kid, []string{"{kg2}", "{kg1}"}, nextYearSept1(), "")
	w.setStatus("kg-director-1", a, "registered")
	w.setStatus("kg-director-1", a, "directed")
	v := w.queueOf("parent1", a)
	if v.Direction == nil || v.Direction.KindergartenID.String() != w.ids["{kg1}"] || v.Direction.State != "issued" ||
		v.Direction.RespondBy.Sub(v.Direction.IssuedAt) < manualResponseDays*24*time.Hour || len(w.order("{kg1}", 3)) != 0 {
		t.Fatalf("manual direction: %+v", v.Direction)
	}
	w.exec(`UPDATE applications.directions SET respond_by = now() - interval '1 minute' WHERE application_id = $1`, a.ID)
	w.f.startMaintenance(20*time.Millisecond, nil)
	deadline := time.Now().Add(10 * time.Second)
	for w.count(`SELECT count(*) FROM applications.applications WHERE id = $1 AND status = 'direction_expired'`, a.ID) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the ticker did not expire the overdue direction")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.f.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM applications.directions WHERE application_id = $1 AND state = 'expired'`, a.ID); n != 1 {
		t.Fatalf("%d expired directions", n)
	}
}
