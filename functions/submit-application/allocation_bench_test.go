package submitapplication

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
)

// Volume of BenchmarkAllocate100k.
const (
	benchKindergartens = 1_000
	benchApplications  = 100_000
)

// allocationWorld is the test world with benchKindergartens kindergartens in
// Kemerovo and benchApplications registered kindergarten applications in its
// queue (COPY; the queue itself is built by requeue in one transaction, as a
// bulk registration would), and the places of a campaign: 0–3 general, 0–1
// short-stay and now and then a compensating place per kindergarten and age band.
func allocationWorld(b *testing.B) (w *world, mun uuid.UUID, kgs []uuid.UUID, places []submitapplicationapi.PlaceOffer) {
	w = newWorld(b)
	ctx := context.Background()
	mun = uuid.MustParse(w.ids["{kemerovo}"])
	rnd := rand.New(rand.NewPCG(4, 2027))

	began := time.Now()
	orgRows := make([][]any, benchKindergartens)
	for i := range orgRows {
		id := uuid.New()
		kgs = append(kgs, id)
		name := fmt.Sprintf("МБДОУ «Детский сад № %d»", 1000+i)
		orgRows[i] = []any{id, fmt.Sprintf("bench-kg-%d", i), "kindergarten", name, name, fmt.Sprintf("77%08d", i), fmt.Sprintf("177%010d", i), mun}
	}
	if _, err := w.db.Pool.CopyFrom(ctx, pgx.Identifier{"registry", "organisations"},
		[]string{"id", "code", "kind", "full_name", "short_name", "inn", "ogrn", "municipality_id"}, pgx.CopyFromRows(orgRows)); err != nil {
		b.Fatal(err)
	}

	// Popular kindergartens are chosen more often (Zipf), the rest evenly.
	zipf := rand.NewZipf(rnd, 1.2, 8, benchKindergartens-1)
	pick := func() uuid.UUID {
		if rnd.IntN(2) == 0 {
			return kgs[zipf.Uint64()]
		}
		return kgs[rnd.IntN(benchKindergartens)]
	}
	starts := []string{"2027-03-01", "2027-06-01", "2027-09-01"}
	received := time.Now().Add(-2 * 365 * 24 * time.Hour)
	birthFrom := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	appRows := make([][]any, benchApplications)
	var linkRows, enrollRows [][]any
	benchSiblingEnrollments = nil
	ids := make([]uuid.UUID, benchApplications)
	for i := range appRows {
		id, _ := uuid.NewV7()
		ids[i] = id
		n := 1 + rnd.IntN(5)
		var prefs []uuid.UUID
		for len(prefs) < n {
			if k := pick(); !containsUUID(prefs, k) {
				prefs = append(prefs, k)
			}
		}
		group := "general"
		switch r := rnd.IntN(100); {
		case r < 10:
			group = "short_stay"
		case r < 15:
			group = "compensating"
		}
		// Privileges that differ between kindergartens: a brother or sister
		// the registry shows in one of the chosen kindergartens (one in
		// eight), a sibling claim staff confirmed in one (one in thirty).
		privileges := "[]"
		child := uuid.New()
		switch r := rnd.IntN(1000); {
		case r < 30:
			privileges = `[{"kind":"extraordinary","document":"удостоверение","confirmed":true}]`
		case r < 80:
			privileges = `[{"kind":"first_priority","document":"справка","confirmed":true}]`
		case r < 113:
			privileges = `[{"kind":"sibling","document":"справка","confirmed":true,"kindergartens":["` + prefs[rnd.IntN(n)].String() + `"]}]`
		case r < 150:
			privileges = `[{"kind":"sibling","document":"справка","confirmed":false}]`
		case r < 275:
			parent, sib := uuid.New(), uuid.New()
			linkRows = append(linkRows, []any{uuid.New(), parent, child, received}, []any{uuid.New(), parent, sib, received})
			e := registryapi.EnrollmentEvent{EnrollmentID: uuid.NewString(), PersonID: sib.String(), OrganisationID: prefs[rnd.IntN(n)].String(),
				AcademicYear: 2026, StartsOn: "2026-09-01"}
			benchSiblingEnrollments = append(benchSiblingEnrollments, e)
			enrollRows = append(enrollRows, []any{uuid.MustParse(e.EnrollmentID), sib, uuid.MustParse(e.OrganisationID), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), received})
		}
		quoted := make([]string, n)
		for j, p := range prefs {
			quoted[j] = `"` + p.String() + `"`
		}
		data := fmt.Sprintf(`{"preferences":[%s],"desired_start":%q,"group_type":%q,"privileges":%s}`,
			strings.Join(quoted, ","), starts[rnd.IntN(len(starts))], group, privileges)
		seq := int64(1_000_000 + i)
		at := received.Add(time.Duration(i) * 500 * time.Millisecond)
		appRows[i] = []any{id, seq, fmt.Sprintf("ДС-2025-%07d", seq), "kindergarten", "cabinet", child, child.String(),
			birthFrom.AddDate(0, 0, rnd.IntN(5*365+240)), fmt.Sprintf("bench-parent-%d", i), prefs[0], prefs, mun, "queue:" + mun.String(),
			"registered", at, at, data, fmt.Sprintf("bench-%d", i), []byte{1}}
	}
	if _, err := w.db.Pool.CopyFrom(ctx, pgx.Identifier{"applications", "applications"},
		[]string{"id", "seq", "number", "service", "channel", "child_id", "child_key", "child_birth_date", "applicant_subject",
			"target_organisation_id", "organisation_ids", "municipality_id", "target_key", "status", "received_at", "updated_at", "data",
			"idempotency_key", "request_hash"}, pgx.CopyFromRows(appRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := w.db.Pool.CopyFrom(ctx, pgx.Identifier{"applications", "family_links"}, []string{"link_id", "parent_id", "child_id", "event_time"},
		pgx.CopyFromRows(linkRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := w.db.Pool.CopyFrom(ctx, pgx.Identifier{"applications", "enrollments"},
		[]string{"enrollment_id", "person_id", "organisation_id", "starts_on", "event_time"}, pgx.CopyFromRows(enrollRows)); err != nil {
		b.Fatal(err)
	}
	w.exec(`SELECT setval('applications.application_seq', 2000000)`)
	w.exec(`ANALYZE applications.applications; ANALYZE applications.family_links; ANALYZE applications.enrollments`)
	copied := time.Since(began)

	began = time.Now()
	changes := make(map[uuid.UUID]queueChange, len(ids))
	for _, id := range ids {
		changes[id] = queueChange{kind: changeRegistered}
	}
	if err := db.InTx(ctx, w.db.Pool, func(tx pgx.Tx) error {
		if err := longStatements(ctx, tx); err != nil {
			return err
		}
		return requeue(ctx, tx, changes, time.Time{})
	}); err != nil {
		b.Fatal(err)
	}
	w.exec(`ANALYZE applications.queue_positions`)
	b.Logf("seeded %d kindergartens and %d applications in %v; queue of %d entries built in %v", benchKindergartens, benchApplications,
		copied.Round(time.Millisecond), w.count(`SELECT count(*) FROM applications.queue_positions`), time.Since(began).Round(time.Millisecond))

	for _, kg := range kgs {
		for band := 0; band <= 6; band++ {
			offer := func(group string, n int) {
				places = append(places, submitapplicationapi.PlaceOffer{KindergartenID: kg.String(), AgeBand: &band, GroupType: group, Places: &n})
			}
			offer("general", rnd.IntN(4))
			offer("short_stay", rnd.IntN(2))
			if rnd.IntN(10) == 0 {
				offer("compensating", 1)
			}
		}
	}
	return w, mun, kgs, places
}

// benchSiblingEnrollments are the enrollments of the brothers and sisters
// allocationWorld made, as the registry announces them.
var benchSiblingEnrollments []registryapi.EnrollmentEvent

func containsUUID(list []uuid.UUID, id uuid.UUID) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// newDraft stores a run with places (no draft computed yet) and returns it.
func newDraft(b *testing.B, w *world, mun uuid.UUID, places []submitapplicationapi.PlaceOffer) *allocationRun {
	ctx := context.Background()
	var fe []errs.FieldError
	p, _ := checkPlaces(places, &fe)
	if len(fe) > 0 {
		b.Fatalf("places: %v", fe)
	}
	id, _ := uuid.NewV7()
	var run *allocationRun
	if err := db.InTx(ctx, w.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO applications.allocation_runs (id, municipality_id, start_date, response_days, status, created_by, created_at)
			VALUES ($1, $2, '2027-09-01', 10, 'draft', 'bench', now())`, id, mun); err != nil {
			return err
		}
		if err := storePlaces(ctx, tx, id, p); err != nil {
			return err
		}
		var err error
		run, err = loadRun(ctx, tx, id, false)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	return run
}

// BenchmarkAllocate100k measures an allocation of benchApplications queued
// applications over benchKindergartens kindergartens (about 21,000 groups of
// places), on the real PostgreSQL:
//
//   - draft: compute the draft (read the queue in order, allocate) and store
//     it (replace the results with COPY), one transaction — the issue's
//     "allocate in under 10 seconds";
//   - create: the whole POST /allocations, with every kindergarten checked in
//     the registry;
//   - confirm: POST …/confirm of a fresh draft: the draft recomputed under the
//     municipality's lock, every direction issued (status, history, event,
//     direction) and the queue recalculated with its causes.
func BenchmarkAllocate100k(b *testing.B) {
	w, mun, _, places := allocationWorld(b)
	ctx := context.Background()

	b.Run("draft", func(b *testing.B) {
		run := newDraft(b, w, mun, places)
		var results []allocationResult
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := db.InTx(ctx, w.db.Pool, func(tx pgx.Tx) error {
				if err := longStatements(ctx, tx); err != nil {
					return err
				}
				r, err := loadRun(ctx, tx, run.id, true)
				if err != nil {
					return err
				}
				results, err = storeDraft(ctx, tx, r)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		directed := 0
		for _, r := range results {
			if r.outcome == outcomeDirected {
				directed++
			}
		}
		b.ReportMetric(float64(len(results)), "applications")
		b.ReportMetric(float64(directed), "directed")
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/allocation")
	})

	b.Run("create", func(b *testing.B) {
		body := fmt.Sprintf(`{"municipality_id":%q,"start_date":"2027-09-01","response_days":10,"places":%s}`, mun, mustJSON(places))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w.must(w.f.Handle, http.MethodPost, api+"/allocations", "mun-kemerovo", body, nil, http.StatusCreated, nil)
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/allocation")
	})

	b.Run("confirm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			var run submitapplicationapi.AllocationView
			body := fmt.Sprintf(`{"municipality_id":%q,"start_date":"2027-09-01","response_days":10,"places":%s}`, mun, mustJSON(places))
			w.must(w.f.Handle, http.MethodPost, api+"/allocations", "mun-kemerovo", body, nil, http.StatusCreated, &run)
			history := w.count(`SELECT count(*) FROM applications.queue_history`)
			b.StartTimer()
			w.must(w.f.Handle, http.MethodPost, api+"/allocations/"+run.ID.String()+"/confirm", "mun-kemerovo", "", nil, http.StatusOK, nil)
			b.StopTimer()
			b.Logf("confirmed %d directions; %d queue history rows written", run.Directed, w.count(`SELECT count(*) FROM applications.queue_history`)-history)
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/confirm")
	})
}

// BenchmarkSiblingEnrollment measures what one brother's or sister's
// enrollment change costs the queue, through the real event path: the
// registry's enrollment.changed delivered to the events endpoint (the inbox
// record, the kept enrollment, the brothers and sisters found, their
// applications compared with the rule and their queues recalculated with
// the causes recorded), in the queue of allocationWorld (benchApplications
// over benchKindergartens). Each change ends an enrollment yesterday or opens
// it again, so every one moves a queue. It reports the median and the 99th
// percentile.
func BenchmarkSiblingEnrollment(b *testing.B) {
	w, _, _, _ := allocationWorld(b)
	list := benchSiblingEnrollments
	if len(list) == 0 {
		b.Fatal("no sibling enrollments")
	}
	yesterday := kemerovoDay(-1)
	at := time.Now()
	var took []time.Duration
	moved := w.count(`SELECT count(*) FROM applications.queue_history`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := list[i%len(list)]
		if (i/len(list))%2 == 0 {
			e.EndsOn = &yesterday
		}
		at = at.Add(time.Millisecond)
		began := time.Now()
		code, resp := w.deliverRegistryEvent(uuid.NewString(), registryapi.EventEnrollmentChanged, at,
			registryapi.EnrollmentChangedEvent{EnrollmentEvent: e, Fields: []string{"ends_on"}})
		took = append(took, time.Since(began))
		if code != http.StatusNoContent {
			b.Fatalf("%d %s", code, resp)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(w.count(`SELECT count(*) FROM applications.queue_history`)-moved)/float64(b.N), "moves/change")
}
