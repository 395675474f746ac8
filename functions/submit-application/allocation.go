package submitapplication

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Allocation campaigns.
//
// A municipality offers places per (kindergarten, age band, group type) and
// runs an allocation: every application in its queue whose desired start is
// on or before the run's start date takes part. Each kindergarten ranks the
// children in its own queue (the privilege that counts in that kindergarten,
// then receipt time, then sequence), and the places go by applicant-proposing
// deferred acceptance (Gale–Shapley; Abdulkadiroğlu & Sönmez, 2003): no child
// is refused a kindergarten whose place went to a child behind it in that
// kindergarten's queue (stable), no place stays free that a child who listed
// it wanted (non-wasteful), and listing kindergartens in one's true order is
// always best for a family. When every kindergarten ranks the children alike
// it gives what a single pass in queue order gives. allocate is a pure
// function of the places and the queues, so a draft recomputed from the same
// inputs is the same draft, to the byte (the digest says so). Confirming a
// draft recomputes it under the municipality's queue lock and issues its
// directions only if the digest is unchanged; otherwise the queue changed
// since the official reviewed it.

// Reasons a preference was or was not given, per preference in order.
const (
	reasonDirected = "directed"  // the application was directed here
	reasonNoPlaces = "no_places" // the run offers no places in this kindergarten for the age band and group type
	reasonTaken    = "taken"     // the places offered went to applications ahead in the queue
)

// Outcomes of an allocation for an application.
const (
	outcomeDirected    = "directed"
	outcomeNotDirected = "not_directed"
)

// placeKey is one group of places: a kindergarten, an age band, a group type.
type placeKey struct {
	kindergarten uuid.UUID
	band         int16
	group        string
}

// candidate is an application taking part in an allocation, in the order
// the results list them (the best privilege it has anywhere, receipt, sequence).
type candidate struct {
	app         uuid.UUID
	band        int16
	group       string
	privilege   *string
	preferences []uuid.UUID
	// ranks[i] is the rank of the privilege that counts in preferences[i]
	// (1 extraordinary … 4 none); nil: the same in every kindergarten.
	ranks []int16
	// arrival is the candidate's place by receipt time and sequence: what
	// decides between equal privileges in every queue.
	arrival int
}

// rank is the candidate's privilege rank in its i-th preference.
func (c *candidate) rank(i int) int16 {
	if c.ranks == nil {
		return 4
	}
	return c.ranks[i]
}

// allocationResult is the outcome of an allocation for one candidate, with
// its explanation: reasons[i] says why preferences[i] was or was not given,
// for every preference up to the one given.
type allocationResult struct {
	ordinal      int32
	app          uuid.UUID
	outcome      string
	kindergarten *uuid.UUID
	preference   *int16
	band         int16
	group        string
	privilege    *string
	preferences  []uuid.UUID
	reasons      []string
}

// allocate directs the candidates by deferred acceptance: each free
// candidate proposes to its next preference; a group of places (the
// kindergarten, the candidate's age band and group type) holds the best
// proposers by that kindergarten's queue order up to its places and turns
// away the rest, who propose further. It ends when nobody is turned away
// with preferences left. Every preference up to the one given is explained:
// directed, no places offered there, or taken — its places went to children
// ahead in that kindergarten's queue. Results are in the candidates' order;
// places is not changed.
func allocate(cands []candidate, places map[placeKey]int) []allocationResult {
	type proposal struct{ cand, pref int }
	ahead := func(a, b proposal) bool { // a stands before b in the queue of the kindergarten both proposed to
		ra, rb := cands[a.cand].rank(a.pref), cands[b.cand].rank(b.pref)
		if ra != rb {
			return ra < rb
		}
		return cands[a.cand].arrival < cands[b.cand].arrival
	}
	held := map[placeKey][]proposal{} // each kept in queue order
	next := make([]int, len(cands))
	reasons := make([][]string, len(cands))
	free := make([]int, len(cands))
	for i := range cands {
		free[i] = i
	}
	for len(free) > 0 {
		i := free[len(free)-1]
		free = free[:len(free)-1]
		c := &cands[i]
		for next[i] < len(c.preferences) {
			j := next[i]
			next[i]++
			k := placeKey{c.preferences[j], c.band, c.group}
			if places[k] <= 0 {
				reasons[i] = append(reasons[i], reasonNoPlaces)
				continue
			}
			p := proposal{i, j}
			list := held[k]
			at := len(list)
			for at > 0 && ahead(p, list[at-1]) {
				at--
			}
			if at >= places[k] { // every place went to children ahead of it here
				reasons[i] = append(reasons[i], reasonTaken)
				continue
			}
			list = append(list[:at], append([]proposal{p}, list[at:]...)...)
			reasons[i] = append(reasons[i], reasonDirected)
			if len(list) > places[k] { // the last held is turned away and proposes further
				out := list[len(list)-1]
				list = list[:len(list)-1]
				reasons[out.cand][len(reasons[out.cand])-1] = reasonTaken
				free = append(free, out.cand)
			}
			held[k] = list
			break
		}
	}
	out := make([]allocationResult, len(cands))
	for i, c := range cands {
		r := allocationResult{ordinal: int32(i + 1), app: c.app, outcome: outcomeNotDirected, band: c.band, group: c.group,
			privilege: c.privilege, preferences: c.preferences, reasons: reasons[i]}
		if r.reasons == nil {
			r.reasons = []string{}
		}
		if n := len(r.reasons); n > 0 && r.reasons[n-1] == reasonDirected {
			pref := int16(n)
			r.outcome, r.kindergarten, r.preference = outcomeDirected, &c.preferences[n-1], &pref
		}
		out[i] = r
	}
	return out
}

// digestOf is the SHA-256 of results in order — each application, its age
// band and group type, the kindergarten given and why each preference was or
// was not: what makes two drafts the same.
func digestOf(results []allocationResult) []byte {
	h := sha256.New()
	var buf [4]byte
	for _, r := range results {
		h.Write(r.app[:])
		if r.kindergarten != nil {
			h.Write(r.kindergarten[:])
		} else {
			h.Write(uuid.Nil[:])
		}
		binary.BigEndian.PutUint32(buf[:], uint32(r.band))
		h.Write(buf[:])
		h.Write([]byte(r.group))
		binary.BigEndian.PutUint32(buf[:], uint32(len(r.reasons)))
		h.Write(buf[:])
		for _, reason := range r.reasons {
			h.Write([]byte(reason))
			h.Write([]byte{0})
		}
	}
	return h.Sum(nil)
}

// allocationRun is a row of applications.allocation_runs.
type allocationRun struct {
	id           uuid.UUID
	municipality uuid.UUID
	startDate    time.Time
	responseDays int16
	status       string
	digest       []byte
	computedAt   *time.Time
}

// loadRun reads a run; with lock, FOR UPDATE. Nil when there is none.
func loadRun(ctx context.Context, tx pgx.Tx, id uuid.UUID, lock bool) (*allocationRun, error) {
	sql := `SELECT id, municipality_id, start_date, response_days, status, digest, computed_at FROM applications.allocation_runs WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var run allocationRun
	err := tx.QueryRow(ctx, sql, id).Scan(&run.id, &run.municipality, &run.startDate, &run.responseDays, &run.status, &run.digest, &run.computedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("allocation %s: %w", id, err)
	}
	return &run, nil
}

// loadPlaces reads the places a run offers.
func loadPlaces(ctx context.Context, tx pgx.Tx, run uuid.UUID) (map[placeKey]int, error) {
	rows, err := tx.Query(ctx, `SELECT kindergarten_id, age_band, group_type, places FROM applications.allocation_places WHERE run_id = $1`, run)
	if err != nil {
		return nil, fmt.Errorf("allocation %s: places: %w", run, err)
	}
	defer rows.Close()
	places := map[placeKey]int{}
	for rows.Next() {
		var k placeKey
		var n int32
		if err := rows.Scan(&k.kindergarten, &k.band, &k.group, &n); err != nil {
			return nil, err
		}
		places[k] = int(n)
	}
	return places, rows.Err()
}

// loadCandidates reads the applications of the municipality's queue whose
// desired start is on or before start, each with its preferences in order
// and the privilege rank that counts in each, and returns them in the order
// results are listed: the best privilege an application has anywhere, then
// receipt time and sequence (its arrival).
func loadCandidates(ctx context.Context, tx pgx.Tx, municipality uuid.UUID, start time.Time) ([]candidate, error) {
	rows, err := tx.Query(ctx, `
		SELECT application_id, kindergarten_id, age_band, group_type, privilege, privilege_rank
		FROM applications.queue_positions
		WHERE municipality_id = $1 AND desired_start <= $2
		ORDER BY received_at, seq, preference`, municipality, start)
	if err != nil {
		return nil, fmt.Errorf("allocation: queue of %s: %w", municipality, err)
	}
	defer rows.Close()
	var cands []candidate
	var best []int16
	var app, kg uuid.UUID
	var band, rank int16
	var group string
	var privilege *string
	for rows.Next() {
		if err := rows.Scan(&app, &kg, &band, &group, &privilege, &rank); err != nil {
			return nil, err
		}
		if n := len(cands); n > 0 && cands[n-1].app == app {
			c := &cands[n-1]
			c.preferences, c.ranks = append(c.preferences, kg), append(c.ranks, rank)
			if rank < best[n-1] {
				best[n-1], c.privilege = rank, privilege
			}
			continue
		}
		cands = append(cands, candidate{app: app, band: band, group: group, privilege: privilege, preferences: []uuid.UUID{kg},
			ranks: []int16{rank}, arrival: len(cands)})
		best = append(best, rank)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("allocation: queue of %s: %w", municipality, err)
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return int(best[a.arrival]) - int(best[b.arrival]) })
	return cands, nil
}

// computeRun allocates run's places to its municipality's queue as it stands
// in tx, without storing anything.
func computeRun(ctx context.Context, tx pgx.Tx, run *allocationRun) ([]allocationResult, error) {
	places, err := loadPlaces(ctx, tx, run.id)
	if err != nil {
		return nil, err
	}
	cands, err := loadCandidates(ctx, tx, run.municipality, run.startDate)
	if err != nil {
		return nil, err
	}
	return allocate(cands, places), nil
}

// storeDraft computes run (locked by the caller) and replaces its stored
// results with the new ones, in tx. It returns the results.
func storeDraft(ctx context.Context, tx pgx.Tx, run *allocationRun) ([]allocationResult, error) {
	results, err := computeRun(ctx, tx, run)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM applications.allocation_results WHERE run_id = $1`, run.id); err != nil {
		return nil, fmt.Errorf("allocation %s: clear draft: %w", run.id, err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"applications", "allocation_results"},
		[]string{"run_id", "ordinal", "application_id", "outcome", "kindergarten_id", "preference", "age_band", "group_type", "privilege",
			"preferences", "reasons"},
		pgx.CopyFromSlice(len(results), func(i int) ([]any, error) {
			r := &results[i]
			return []any{run.id, r.ordinal, r.app, r.outcome, r.kindergarten, r.preference, r.band, r.group, r.privilege, r.preferences, r.reasons}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("allocation %s: store draft: %w", run.id, err)
	}
	directed := 0
	for _, r := range results {
		if r.outcome == outcomeDirected {
			directed++
		}
	}
	run.digest = digestOf(results)
	if _, err := tx.Exec(ctx, `UPDATE applications.allocation_runs
		SET computed_at = clock_timestamp(), computations = computations + 1, considered = $2, directed = $3, digest = $4
		WHERE id = $1`, run.id, len(results), directed, run.digest); err != nil {
		return nil, fmt.Errorf("allocation %s: %w", run.id, err)
	}
	return results, nil
}

// allocationTimeout bounds the statements of an allocation transaction: a
// municipality-wide queue takes seconds, not the milliseconds of a request.
const allocationTimeout = "120s"

// allocationWorkMem lets the queue of a municipality (hundreds of thousands
// of entries) be sorted in memory.
const allocationWorkMem = "64MB"

// longStatements sets tx up for municipality-wide work.
func longStatements(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true), set_config('work_mem', $2, true)`, allocationTimeout, allocationWorkMem)
	return err
}
