package submitapplication

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// getAllocation: GET /api/submit-application/allocations/{id}?after=&limit=&outcome=&kindergarten=
//
// The run with a page of its results (in allocation order), each explained.
// The municipality (own) and the ministry read every result; the staff of a
// kindergarten the run offers places in read the applications directed to it.
// Anyone else: 404.
func (f *Function) getAllocation(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	q := r.URL.Query()
	var fe []errs.FieldError
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			fe = append(fe, field("limit", errs.Range, "от 1 до 500"))
		}
		limit = n
	}
	var after int64
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			fe = append(fe, field("after", errs.Format, "значение next из предыдущей страницы"))
		}
		after = n
	}
	outcome := q.Get("outcome")
	if outcome != "" && outcome != outcomeDirected && outcome != outcomeNotDirected {
		fe = append(fe, field("outcome", errs.Enum, "directed или not_directed"))
	}
	kgFilter := httpx.QueryID(q, "kindergarten", &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	var view *submitapplicationapi.AllocationView
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		run, err := loadRun(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if run == nil {
			return errs.User(errs.NotFound, "распределение не найдено")
		}
		all, only, err := allocationReader(ctx, tx, run)
		if err != nil {
			return err
		}
		if !all && len(only) == 0 {
			return errs.User(errs.NotFound, "распределение не найдено")
		}
		if view, err = loadAllocationView(ctx, tx, id); err != nil {
			return err
		}
		where, args := `r.run_id = $1 AND r.ordinal > $2`, []any{id, after}
		arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
		if outcome != "" {
			where += ` AND r.outcome = ` + arg(outcome)
		}
		if !all {
			where += ` AND r.kindergarten_id = ANY(` + arg(uuidArray(only)) + `::uuid[])`
		}
		if kgFilter != nil {
			where += ` AND (r.kindergarten_id = ` + arg(*kgFilter) + ` OR (r.outcome = 'not_directed' AND r.preferences @> ARRAY[` + arg(*kgFilter) + `::uuid]))`
		}
		page, err := loadResults(ctx, tx, id, where+` ORDER BY r.ordinal LIMIT `+arg(limit), args, limit)
		if err != nil {
			return err
		}
		view.Results = page
		return nil
	})
	if err != nil {
		return err
	}
	view.MayConfirm = view.Status == "draft" && runsMunicipality(ctx, view.MunicipalityID)
	httpx.WriteJSON(w, http.StatusOK, view)
	return nil
}

// listAllocations: GET /api/submit-application/allocations?municipality=&after=&limit=
// The runs the caller may read, newest first (keyset pages: pass next as after).
func (f *Function) listAllocations(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	reach := Rules.Reach(ctx, PermAllocationRead)
	var fe []errs.FieldError
	limit := defaultLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			fe = append(fe, field("limit", errs.Range, "от 1 до "+strconv.Itoa(maxLimit)))
		}
		limit = n
	}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	var scope []string
	if reach.Region {
		scope = append(scope, "true")
	}
	if len(reach.Municipalities) > 0 {
		scope = append(scope, "r.municipality_id = ANY("+arg(reach.Municipalities)+"::uuid[])")
	}
	if len(reach.Organisations) > 0 { // a kindergarten's staff: the runs that offer its places
		scope = append(scope, "EXISTS (SELECT 1 FROM applications.allocation_places p WHERE p.run_id = r.id AND p.kindergarten_id = ANY("+arg(reach.Organisations)+"::uuid[]))")
	}
	if len(scope) == 0 {
		return errs.E(errs.Forbidden, "your roles do not reach any allocation")
	}
	where := "(" + joinOr(scope) + ")"
	if m := httpx.QueryID(q, "municipality", &fe); m != nil {
		where += " AND r.municipality_id = " + arg(*m)
	}
	if s := q.Get("after"); s != "" {
		if a, err := uuid.Parse(s); err != nil {
			fe = append(fe, field("after", errs.Format, "значение next из предыдущей страницы"))
		} else {
			where += " AND r.id < " + arg(a)
		}
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	rows, err := f.db.Query(ctx, `SELECT `+runColumns+` FROM applications.allocation_runs r WHERE `+where+` ORDER BY r.id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return err
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (submitapplicationapi.AllocationView, error) { return scanRunView(row) })
	if err != nil {
		return err
	}
	out := submitapplicationapi.Page[submitapplicationapi.AllocationView]{Items: items}
	if out.Items == nil {
		out.Items = []submitapplicationapi.AllocationView{}
	}
	if len(items) == limit {
		out.Next = items[len(items)-1].ID.String()
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// allocationReader tells how the caller may read run: all of it (the
// municipality, the ministry), or only the results of the kindergartens
// returned (their staff, for kindergartens the run offers places in).
func allocationReader(ctx context.Context, tx pgx.Tx, run *allocationRun) (bool, []uuid.UUID, error) {
	// The municipality's own (its authority, the ministry): organisations'
	// grants do not reach a municipality.
	if Rules.Reaches(ctx, PermAllocationRead, access.Target{MunicipalityIDs: []string{run.municipality.String()}}) {
		return true, nil, nil
	}
	orgs := Rules.Reach(ctx, PermAllocationRead).Organisations
	if len(orgs) == 0 {
		return false, nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT kindergarten_id FROM applications.allocation_places WHERE run_id = $1 AND kindergarten_id = ANY($2::uuid[])`, run.id, orgs)
	if err != nil {
		return false, nil, err
	}
	only, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return false, only, err
}

const runColumns = `r.id, r.municipality_id, r.start_date, r.response_days, r.status, r.created_at, r.computed_at, r.computations,
	r.considered, r.directed, r.digest, r.confirmed_at,
	(SELECT coalesce(sum(places), 0) FROM applications.allocation_places p WHERE p.run_id = r.id)::int`

func scanRunView(row pgx.Row) (submitapplicationapi.AllocationView, error) {
	var v submitapplicationapi.AllocationView
	var start time.Time
	var digest []byte
	err := row.Scan(&v.ID, &v.MunicipalityID, &start, &v.ResponseDays, &v.Status, &v.CreatedAt, &v.ComputedAt, &v.Computations,
		&v.Considered, &v.Directed, &digest, &v.ConfirmedAt, &v.PlacesOffered)
	v.StartDate, v.Digest = start.Format(time.DateOnly), hex.EncodeToString(digest)
	return v, err
}

func loadAllocationView(ctx context.Context, q querier, id uuid.UUID) (*submitapplicationapi.AllocationView, error) {
	v, err := scanRunView(q.QueryRow(ctx, `SELECT `+runColumns+` FROM applications.allocation_runs r WHERE r.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("allocation %s: %w", id, err)
	}
	return &v, nil
}

// loadResults reads a page of results (where and args select them) and explains each.
func loadResults(ctx context.Context, tx pgx.Tx, run uuid.UUID, where string, args []any, limit int) (*submitapplicationapi.Page[submitapplicationapi.AllocationResultView], error) {
	rows, err := tx.Query(ctx, `SELECT r.ordinal, r.application_id, a.number, r.outcome, r.kindergarten_id, r.preference, r.age_band,
		r.group_type, r.privilege, r.preferences, r.reasons
		FROM applications.allocation_results r JOIN applications.applications a ON a.id = r.application_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("allocation %s: results: %w", run, err)
	}
	type stored struct {
		allocationResult
		number string
	}
	res, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (stored, error) {
		var s stored
		err := row.Scan(&s.ordinal, &s.app, &s.number, &s.outcome, &s.kindergarten, &s.preference, &s.band, &s.group, &s.privilege,
			&s.preferences, &s.reasons)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("allocation %s: results: %w", run, err)
	}
	var kgs []uuid.UUID
	for _, s := range res {
		kgs = append(kgs, s.preferences...)
	}
	rows, err = tx.Query(ctx, `SELECT kindergarten_id, age_band, group_type, places FROM applications.allocation_places
		WHERE run_id = $1 AND kindergarten_id = ANY($2::uuid[])`, run, uuidArray(kgs))
	if err != nil {
		return nil, fmt.Errorf("allocation %s: places: %w", run, err)
	}
	offered := map[placeKey]int{}
	for rows.Next() {
		var k placeKey
		var n int32
		if err := rows.Scan(&k.kindergarten, &k.band, &k.group, &n); err != nil {
			rows.Close()
			return nil, err
		}
		offered[k] = int(n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page := &submitapplicationapi.Page[submitapplicationapi.AllocationResultView]{Items: make([]submitapplicationapi.AllocationResultView, 0, len(res))}
	for _, s := range res {
		v := submitapplicationapi.AllocationResultView{Ordinal: int(s.ordinal), ApplicationID: s.app, Number: s.number, Outcome: s.outcome, KindergartenID: s.kindergarten,
			AgeBand: int(s.band), GroupType: s.group, Preferences: []submitapplicationapi.PreferenceResult{}}
		if s.preference != nil {
			p := int(*s.preference)
			v.Preference = &p
		}
		if s.privilege != nil {
			v.Privilege = *s.privilege
		}
		for i, reason := range s.reasons {
			v.Preferences = append(v.Preferences, submitapplicationapi.PreferenceResult{KindergartenID: s.preferences[i], Preference: i + 1, Result: reason,
				PlacesOffered: offered[placeKey{s.preferences[i], s.band, s.group}]})
		}
		v.Explanation = resultExplanation(v)
		page.Items = append(page.Items, v)
	}
	if len(res) == limit {
		page.Next = strconv.Itoa(int(res[len(res)-1].ordinal))
	}
	return page, nil
}

var ordinalWords = []string{"", "первым", "вторым", "третьим", "четвёртым", "пятым"}

// resultExplanation says, in Russian, which preference the application got
// and why the earlier ones did not come through.
func resultExplanation(v submitapplicationapi.AllocationResultView) string {
	group := fmt.Sprintf("для детей «%s» в группах %s", bandTitle(int16(v.AgeBand)), groupTitle(v.GroupType))
	var b strings.Builder
	if v.Outcome == outcomeDirected {
		fmt.Fprintf(&b, "Направлено в детский сад, выбранный %s: в нём нашлось свободное место %s.", ordinalWords[*v.Preference], group)
	} else {
		fmt.Fprintf(&b, "Направление не выдано: ни в одном из выбранных детских садов не осталось свободного места %s; заявление остаётся в очереди.", group)
	}
	for _, p := range v.Preferences {
		switch p.Result {
		case reasonNoPlaces:
			fmt.Fprintf(&b, " Детский сад, выбранный %s: мест %s в этом распределении нет.", ordinalWords[p.Preference], group)
		case reasonTaken:
			fmt.Fprintf(&b, " Детский сад, выбранный %s: все %s %s отданы заявлениям, стоящим в очереди выше.",
				ordinalWords[p.Preference], placesText(p.PlacesOffered), group)
		}
	}
	return b.String()
}

func groupTitle(g string) string {
	if t, ok := GroupTypeTitles[g]; ok {
		if g == "general" {
			return "общеразвивающей направленности"
		}
		return t
	}
	return g
}
