package submitapplication

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// Limits of an allocation request: the largest municipality has a few hundred
// kindergartens, each with up to 9 age bands × 3 group types.
const (
	maxPlaceOffers      = 30_000
	maxAllocationBody   = 4 << 20
	maxFieldErrors      = 50
	maxAgeBand          = 8
	maxPlacesPerGroup   = 10_000
	maxResponseDays     = 90
	registryLookupConns = 8
)

// createAllocation: POST /api/submit-application/allocations {municipality_id, start_date, response_days, places}
//
// The municipal authority (of that municipality only; 404 otherwise) creates
// an allocation run and gets its draft computed at once: 201 with the run.
// Places name kindergartens of the municipality (422 otherwise), age bands
// 0..8, group types and non-negative numbers (400 otherwise); nothing is
// written on any refusal.
func (f *Function) createAllocation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.AllocationRequest
	if err := httpx.DecodeJSON(w, r, &in, maxAllocationBody); err != nil {
		return err
	}
	var fe []errs.FieldError
	mun := uuidField("municipality_id", in.MunicipalityID, &fe)
	start := dateField("start_date", in.StartDate, &fe)
	checkResponseDays(in.ResponseDays, &fe)
	places, kgs := checkPlaces(in.Places, &fe)
	if len(fe) > 0 {
		return errs.Fields("распределение заполнено с ошибками", capFields(fe)...)
	}
	if !runsMunicipality(ctx, mun) {
		return errs.User(errs.NotFound, "муниципалитет не найден среди доступных вам")
	}
	if err := f.checkPlaceKindergartens(ctx, mun, kgs); err != nil {
		return err
	}
	pr := auth.PrincipalFrom(ctx)
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	view, err := f.runTx(ctx, id, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO applications.allocation_runs (id, municipality_id, start_date, response_days, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, 'draft', $5, clock_timestamp())`, id, mun, start, in.ResponseDays, pr.Subject); err != nil {
			return fmt.Errorf("allocation: create: %w", err)
		}
		if err := storePlaces(ctx, tx, id, places); err != nil {
			return err
		}
		run, err := loadRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		_, err = storeDraft(ctx, tx, run)
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/"+Name+"/allocations/"+id.String())
	httpx.WriteJSON(w, http.StatusCreated, view)
	return nil
}

// recomputeAllocation: POST /api/submit-application/allocations/{id}/recompute [{start_date, response_days, places}]
//
// The municipal authority recomputes a draft from the queue as it stands now,
// after replacing whatever the optional body gives; the new draft replaces
// the old one. The same inputs give the same draft (and digest). A confirmed
// run is 409.
func (f *Function) recomputeAllocation(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in submitapplicationapi.AllocationChange
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &in, maxAllocationBody); err != nil {
			return err
		}
	}
	var fe []errs.FieldError
	var start time.Time
	if in.StartDate != nil {
		start = dateField("start_date", *in.StartDate, &fe)
	}
	if in.ResponseDays != nil {
		checkResponseDays(*in.ResponseDays, &fe)
	}
	var places map[placeKey]int
	var kgs []kindergartenRef
	if in.Places != nil {
		places, kgs = checkPlaces(*in.Places, &fe)
	}
	if len(fe) > 0 {
		return errs.Fields("распределение заполнено с ошибками", capFields(fe)...)
	}
	mun, err := f.runMunicipality(ctx, id)
	if err != nil {
		return err
	}
	if in.Places != nil {
		if err := f.checkPlaceKindergartens(ctx, mun, kgs); err != nil {
			return err
		}
	}
	view, err := f.runTx(ctx, id, func(tx pgx.Tx) error {
		run, err := loadRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if run.status != "draft" {
			return errs.User(errs.Conflict, "распределение уже утверждено; пересчитать можно только черновик")
		}
		if in.StartDate != nil {
			run.startDate = start
		}
		if in.ResponseDays != nil {
			run.responseDays = int16(*in.ResponseDays)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications.allocation_runs SET start_date = $2, response_days = $3 WHERE id = $1`,
			id, run.startDate, run.responseDays); err != nil {
			return err
		}
		if in.Places != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM applications.allocation_places WHERE run_id = $1`, id); err != nil {
				return err
			}
			if err := storePlaces(ctx, tx, id, places); err != nil {
				return err
			}
		}
		_, err = storeDraft(ctx, tx, run)
		return err
	})
	return httpx.Reply(w, http.StatusOK, view, err)
}

// runTx runs fn in one transaction allowed long statements (it works on a
// whole municipality's queue) and returns the view of the run id as fn left it.
func (f *Function) runTx(ctx context.Context, id uuid.UUID, fn func(tx pgx.Tx) error) (*submitapplicationapi.AllocationView, error) {
	var view *submitapplicationapi.AllocationView
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if err := longStatements(ctx, tx); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		view, err = loadAllocationView(ctx, tx, id)
		return err
	})
	return view, err
}

// confirmAllocation: POST /api/submit-application/allocations/{id}/confirm
//
// The municipal authority confirms a draft. In one transaction, with the
// municipality's queues locked: the draft is recomputed, and only if it is
// unchanged (the same digest; 409 otherwise — recompute and review again)
// every directed application becomes directed with a response deadline
// (end of the run's response period, Kemerovo time), a direction, a history
// entry and an application.status-changed event, and leaves the queue, which
// is recalculated with the causes recorded. A confirmed run is 409.
func (f *Function) confirmAllocation(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	if _, err := f.runMunicipality(ctx, id); err != nil {
		return err
	}
	pr := auth.PrincipalFrom(ctx)
	view, err := f.runTx(ctx, id, func(tx pgx.Tx) error {
		run, err := loadRun(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if run.status != "draft" {
			return errs.User(errs.Conflict, "распределение уже утверждено")
		}
		if err := f.issueDirections(ctx, tx, run, requestActor(ctx, string(access.MunicipalOfficial)), time.Time{}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE applications.allocation_runs SET status = 'confirmed', confirmed_by = $2, confirmed_at = clock_timestamp()
			WHERE id = $1`, id, pr.Subject)
		return err
	})
	return httpx.Reply(w, http.StatusOK, view, err)
}

// issueDirections issues the directions of run's draft in tx (see
// confirmAllocation) at the moment at (zero: the database clock).
func (f *Function) issueDirections(ctx context.Context, tx pgx.Tx, run *allocationRun, who actor, at time.Time) error {
	// 1. The rows of the applications the draft directs, in id order.
	rows, err := tx.Query(ctx, `SELECT `+appColumns+` FROM applications.applications a
		WHERE a.id IN (SELECT application_id FROM applications.allocation_results WHERE run_id = $1 AND outcome = 'directed')
		ORDER BY a.id FOR UPDATE`, run.id)
	if err != nil {
		return fmt.Errorf("allocation %s: lock directed: %w", run.id, err)
	}
	apps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*application, error) { return scanApplication(row) })
	if err != nil {
		return fmt.Errorf("allocation %s: lock directed: %w", run.id, err)
	}
	// 2. Every queue of the municipality, then the draft again.
	if err := lockMunicipalityQueues(ctx, tx, run.municipality); err != nil {
		return err
	}
	fresh, err := computeRun(ctx, tx, run)
	if err != nil {
		return err
	}
	if d := digestOf(fresh); !bytes.Equal(d, run.digest) {
		return &errs.Error{Code: errs.Conflict, ForUser: true,
			Detail: "очередь изменилась после расчёта черновика (новые заявления, отзывы, льготы); пересчитайте черновик, проверьте его и утвердите снова",
			Extra:  map[string]any{submitapplicationapi.MemberDraftDigest: hex.EncodeToString(run.digest), submitapplicationapi.MemberCurrentDigest: hex.EncodeToString(d)}}
	}
	byID := make(map[uuid.UUID]*application, len(apps))
	for _, a := range apps {
		byID[a.ID] = a
	}
	var respondBy time.Time
	if err := tx.QueryRow(ctx, `SELECT t, applications.direction_respond_by(t, $1) FROM coalesce($2, clock_timestamp()) AS t`,
		int32(run.responseDays), nullTime(at)).Scan(&at, &respondBy); err != nil {
		return err
	}
	comment := "Выдано направление по распределению мест; ответьте на него до " + respondBy.In(kemerovo).Add(-time.Second).Format("02.01.2006") + " включительно"
	var moves []statusMove
	changes := map[uuid.UUID]queueChange{}
	for _, r := range fresh {
		if r.outcome != outcomeDirected {
			continue
		}
		a := byID[r.app]
		if a == nil || a.Status != submitapplicationapi.Registered {
			return fmt.Errorf("allocation %s: application %s directed by the draft is not registered", run.id, r.app)
		}
		moves = append(moves, statusMove{app: a, to: submitapplicationapi.Directed, comment: comment, organisation: *r.kindergarten})
		changes[a.ID] = queueChange{kind: changeLeft, status: submitapplicationapi.Directed}
	}
	if err := f.moveStatuses(ctx, tx, moves, who, at); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO applications.directions (application_id, kindergarten_id, age_band, group_type, allocation_id, issued_at, respond_by, state)
		SELECT application_id, kindergarten_id, age_band, group_type, run_id, $2, $3, 'issued'
		FROM applications.allocation_results WHERE run_id = $1 AND outcome = 'directed'`, run.id, at, respondBy); err != nil {
		return fmt.Errorf("allocation %s: directions: %w", run.id, err)
	}
	return requeue(ctx, tx, changes, at)
}

// runsMunicipality reports whether the caller is the municipal authority of m.
func runsMunicipality(ctx context.Context, m uuid.UUID) bool {
	return Rules.Reaches(ctx, PermAllocationRun, access.Target{MunicipalityIDs: []string{m.String()}})
}

// runMunicipality returns the municipality of run id, or 404 when there is no
// such run or the caller is not its municipal authority.
func (f *Function) runMunicipality(ctx context.Context, id uuid.UUID) (uuid.UUID, error) {
	var m uuid.UUID
	err := f.db.QueryRow(ctx, `SELECT municipality_id FROM applications.allocation_runs WHERE id = $1`, id).Scan(&m)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !runsMunicipality(ctx, m)) {
		return uuid.Nil, errs.User(errs.NotFound, "распределение не найдено")
	}
	return m, err
}

// kindergartenRef is a kindergarten named by the places, with the index of
// its first offer (for field errors).
type kindergartenRef struct {
	id    uuid.UUID
	index int
}

func dateField(name, s string, fe *[]errs.FieldError) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		*fe = append(*fe, field(name, errs.Format, "дата в формате ГГГГ-ММ-ДД"))
	}
	return d
}

func checkResponseDays(n int, fe *[]errs.FieldError) {
	if n < 1 || n > maxResponseDays {
		*fe = append(*fe, field("response_days", errs.Range, fmt.Sprintf("срок ответа на направление — от 1 до %d дней", maxResponseDays)))
	}
}

// checkPlaces validates the offers' shape and returns them as places, with
// the distinct kindergartens they name.
func checkPlaces(offers []submitapplicationapi.PlaceOffer, fe *[]errs.FieldError) (map[placeKey]int, []kindergartenRef) {
	switch {
	case len(offers) == 0:
		*fe = append(*fe, field("places", errs.Required, "укажите свободные места хотя бы в одной группе"))
		return nil, nil
	case len(offers) > maxPlaceOffers:
		*fe = append(*fe, field("places", submitapplicationapi.ReasonMax, fmt.Sprintf("не более %d строк мест", maxPlaceOffers)))
		return nil, nil
	}
	places := make(map[placeKey]int, len(offers))
	seen := map[uuid.UUID]bool{}
	var kgs []kindergartenRef
	for i, o := range offers {
		name := "places[" + strconv.Itoa(i) + "]"
		k := placeKey{kindergarten: uuidField(name+".kindergarten_id", o.KindergartenID, fe), group: o.GroupType}
		switch {
		case o.AgeBand == nil:
			*fe = append(*fe, field(name+".age_band", errs.Required, "возрастная группа: полных лет на 1 сентября (0–8)"))
		case *o.AgeBand < 0 || *o.AgeBand > maxAgeBand:
			*fe = append(*fe, field(name+".age_band", errs.Range, "возрастная группа: полных лет на 1 сентября, от 0 до 8"))
		default:
			k.band = int16(*o.AgeBand)
		}
		if !slices.Contains(groupTypes, o.GroupType) {
			*fe = append(*fe, field(name+".group_type", errs.Enum, "одно из: general, compensating, short_stay"))
		}
		switch {
		case o.Places == nil:
			*fe = append(*fe, field(name+".places", errs.Required, "число свободных мест"))
		case *o.Places < 0:
			*fe = append(*fe, field(name+".places", submitapplicationapi.ReasonMin, "число мест не может быть отрицательным"))
		case *o.Places > maxPlacesPerGroup:
			*fe = append(*fe, field(name+".places", submitapplicationapi.ReasonMax, fmt.Sprintf("не более %d мест в одной строке", maxPlacesPerGroup)))
		}
		if _, dup := places[k]; dup {
			*fe = append(*fe, field(name, submitapplicationapi.ReasonDuplicate, "места для этого детского сада, возрастной группы и вида группы уже указаны"))
		}
		if o.Places != nil {
			places[k] = *o.Places
		}
		if k.kindergarten != uuid.Nil && !seen[k.kindergarten] {
			seen[k.kindergarten] = true
			kgs = append(kgs, kindergartenRef{k.kindergarten, i})
		}
	}
	return places, kgs
}

func capFields(fe []errs.FieldError) []errs.FieldError {
	if len(fe) > maxFieldErrors {
		return fe[:maxFieldErrors]
	}
	return fe
}

// checkPlaceKindergartens asks the registry about every kindergarten the
// places name: each must be an open kindergarten of municipality m (422
// naming the first offer of each that is not).
func (f *Function) checkPlaceKindergartens(ctx context.Context, m uuid.UUID, kgs []kindergartenRef) error {
	type verdict struct {
		bad *errs.FieldError
		err error
	}
	verdicts := make([]verdict, len(kgs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(registryLookupConns, len(kgs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ref := kgs[i]
				name := "places[" + strconv.Itoa(ref.index) + "].kindergarten_id"
				o, bad, err := f.organisation(ctx, name, ref.id, "kindergarten", "детским садом")
				if bad == nil && err == nil && *o.MunicipalityID != m {
					fe := field(name, submitapplicationapi.ReasonMunicipality, "детский сад «"+o.ShortName+"» относится к другому муниципалитету")
					bad = &fe
				}
				verdicts[i] = verdict{bad, err}
			}
		}()
	}
	for i := range kgs {
		next <- i
	}
	close(next)
	wg.Wait()
	var fe []errs.FieldError
	for _, v := range verdicts {
		if v.err != nil {
			return v.err
		}
		if v.bad != nil {
			fe = append(fe, *v.bad)
		}
	}
	if len(fe) > 0 {
		return unprocessable("в распределении указаны детские сады, которые в нём участвовать не могут", capFields(fe)...)
	}
	return nil
}

// storePlaces writes places of run with COPY.
func storePlaces(ctx context.Context, tx pgx.Tx, run uuid.UUID, places map[placeKey]int) error {
	rows := make([][]any, 0, len(places))
	for k, n := range places {
		rows = append(rows, []any{run, k.kindergarten, k.band, k.group, int32(n)})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"applications", "allocation_places"},
		[]string{"run_id", "kindergarten_id", "age_band", "group_type", "places"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("allocation %s: places: %w", run, err)
	}
	return nil
}

// nullTime is t, or NULL for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
