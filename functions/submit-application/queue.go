package submitapplication

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

// The kindergarten queue.
//
// A kindergarten application in status registered stands in the queue of each
// of its preferred kindergartens (1..5), in its age band: the child's full
// years of age on 1 September of the year of the desired start date
// (applications.kindergarten_age_band). Within one queue (kindergarten, age
// band) applications stand in order of the best confirmed privilege
// (extraordinary, first_priority, sibling, none — an unconfirmed privilege
// counts for nothing), then receipt time, then sequence.
//
// applications.queue_positions holds every queued application's current
// position in each of its queues. requeue keeps it equal to what the
// applications say (the view applications.kindergarten_queue_entries) in the
// transaction of every change that can move a queue, recalculates the queues
// the change touches, and records every position that changed, with its
// cause, in applications.queue_history.
//
// Locking, always in this order, so that concurrent changes never deadlock:
//  1. the rows of the changed applications (FOR UPDATE, by id), taken by the caller;
//  2. the municipality's queues: shared by a recalculation of a few queues,
//     exclusive by a recalculation of many (an allocation being confirmed, a
//     batch of archived applications), in order of the lock key;
//  3. each touched queue, exclusive, in order of the lock key (only under a
//     shared municipality lock).
//
// A transaction recalculates once (one call to requeue), after its own row
// changes, so it never takes queue locks in two rounds.

// Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
const (
	lockNamespaceQueue        = 0x4b47_5101 // one queue: (kindergarten, age band)
	lockNamespaceMunicipality = 0x4b47_4d01 // every queue of a municipality
)

// maxQueueLocks is how many single-queue locks a transaction takes at most;
// beyond it, the municipality's queues are locked as a whole (the lock table
// of PostgreSQL is sized for tens of locks per transaction, not thousands).
const maxQueueLocks = 64

// queueKey names one queue.
type queueKey struct {
	kindergarten uuid.UUID
	band         int16
}

// changeKind is what happened to an application that may move queues.
type changeKind int

const (
	changeRegistered         changeKind = iota + 1 // registered: enters its queues
	changeReturned                                 // registered again after a declined or expired direction
	changeLeft                                     // left status registered (withdrawn, refused, directed, …)
	changePrivilegeConfirmed                       // staff confirmed a claimed privilege
	changePrivilegeRevoked                         // staff revoked a confirmed privilege
	changeChoice                                   // the parent changed kindergartens, desired start or group type
	changeSibling                                  // the registry's facts moved a sibling right (families.go)
)

// queueChange is what happened to one application in the transaction.
type queueChange struct {
	kind      changeKind
	status    submitapplicationapi.Status // changeLeft: the status it left with
	privilege string                      // changePrivilege*: the privilege's kind
}

// queueEntry is one application's place in one queue.
type queueEntry struct {
	app       uuid.UUID
	key       queueKey
	position  *int32
	privilege *string
	rank      int16
}

// queueMove is a position change found by a recalculation.
type queueMove struct {
	queueEntry
	from *int32
}

// historyRow is one row of applications.queue_history.
type historyRow struct {
	app        uuid.UUID
	key        queueKey
	fromBand   *int16
	from, to   *int32
	cause      cause
	privilege  *string
	leftStatus *string
	trigger    *uuid.UUID
	changedAt  time.Time
}

// requeue brings the queue entries of the changed applications in line with
// their rows (the caller has locked and updated them in tx), recalculates every
// queue they left, joined or moved in, and records every position change with
// its cause, all in tx. at is the time the history records (zero: the
// database clock).
func requeue(ctx context.Context, tx pgx.Tx, changes map[uuid.UUID]queueChange, at time.Time) error {
	if len(changes) == 0 {
		return nil
	}
	ids := make([]string, 0, len(changes))
	for id := range changes {
		ids = append(ids, id.String())
	}

	// The queues the applications stand in now and will stand in: their keys
	// cannot change meanwhile, because the caller holds the applications' rows.
	rows, err := tx.Query(ctx, `
		SELECT municipality_id, kindergarten_id, age_band FROM applications.queue_positions WHERE application_id = ANY($1::uuid[])
		UNION
		SELECT municipality_id, kindergarten_id, age_band FROM applications.kindergarten_queue_entries WHERE application_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return fmt.Errorf("queue: touched queues: %w", err)
	}
	var munis []uuid.UUID
	var keys []queueKey
	for rows.Next() {
		var m uuid.UUID
		var k queueKey
		if err := rows.Scan(&m, &k.kindergarten, &k.band); err != nil {
			rows.Close()
			return err
		}
		if !slices.Contains(munis, m) {
			munis = append(munis, m)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("queue: touched queues: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	if err := lockQueues(ctx, tx, munis, keys); err != nil {
		return err
	}
	if at.IsZero() {
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			return err
		}
	}

	// The changed applications' entries before the change, with positions read
	// under the locks.
	old, err := scanEntries(tx.Query(ctx, `SELECT application_id, kindergarten_id, age_band, position, privilege, privilege_rank
		FROM applications.queue_positions WHERE application_id = ANY($1::uuid[])`, ids))
	if err != nil {
		return fmt.Errorf("queue: entries before: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM applications.queue_positions WHERE application_id = ANY($1::uuid[])`, ids); err != nil {
		return fmt.Errorf("queue: remove entries: %w", err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO applications.queue_positions (application_id, kindergarten_id, age_band, preference, municipality_id,
		    group_type, desired_start, privilege, privilege_rank, received_at, seq)
		SELECT application_id, kindergarten_id, age_band, preference, municipality_id, group_type, desired_start,
		       privilege, privilege_rank, received_at, seq
		FROM applications.kindergarten_queue_entries WHERE application_id = ANY($1::uuid[])`, ids); err != nil {
		return fmt.Errorf("queue: add entries: %w", err)
	}
	moves, err := recalculate(ctx, tx, keys)
	if err != nil {
		return err
	}
	history := explainMoves(changes, old, moves, at)
	return writeHistory(ctx, tx, history)
}

// lockQueues takes the advisory locks of the queues keys of municipalities
// munis, in the documented order.
func lockQueues(ctx context.Context, tx pgx.Tx, munis []uuid.UUID, keys []queueKey) error {
	muniKeys := make([]int32, 0, len(munis))
	for _, m := range munis {
		muniKeys = append(muniKeys, lockKey(m[:]))
	}
	queueKeys := make([]int32, 0, len(keys))
	for _, k := range keys {
		queueKeys = append(queueKeys, k.lockKey())
	}
	slices.Sort(muniKeys)
	muniKeys = slices.Compact(muniKeys)
	slices.Sort(queueKeys)
	queueKeys = slices.Compact(queueKeys)
	whole := len(queueKeys) > maxQueueLocks
	fn := "pg_advisory_xact_lock_shared"
	if whole {
		fn = "pg_advisory_xact_lock"
	}
	// unnest yields the array in order, so the locks are taken in that order.
	if _, err := tx.Exec(ctx, `SELECT `+fn+`($1, k) FROM unnest($2::int4[]) AS k`, lockNamespaceMunicipality, muniKeys); err != nil {
		return fmt.Errorf("queue: lock municipality queues: %w", err)
	}
	if whole {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int4[]) AS k`, lockNamespaceQueue, queueKeys); err != nil {
		return fmt.Errorf("queue: lock queues: %w", err)
	}
	return nil
}

// lockMunicipalityQueues locks every queue of municipality m for the rest of
// tx (an allocation being confirmed). The caller has locked the rows it
// changes before.
func lockMunicipalityQueues(ctx context.Context, tx pgx.Tx, m uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockNamespaceMunicipality, lockKey(m[:])); err != nil {
		return fmt.Errorf("queue: lock municipality queues: %w", err)
	}
	return nil
}

// lockKey is the advisory lock key of b. Two objects sharing a key only wait
// for each other needlessly.
func lockKey(b []byte) int32 {
	h := fnv.New32a()
	_, _ = h.Write(b)
	return int32(h.Sum32())
}

func (k queueKey) lockKey() int32 {
	return lockKey(append(k.kindergarten[:], byte(k.band)))
}

func scanEntries(rows pgx.Rows, err error) ([]queueEntry, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (queueEntry, error) {
		var e queueEntry
		err := row.Scan(&e.app, &e.key.kindergarten, &e.key.band, &e.position, &e.privilege, &e.rank)
		return e, err
	})
}

// recalculateSQL numbers every queue of the given keys afresh and updates the
// positions that differ, returning them with the position before (NULL for an
// entry just added).
const recalculateSQL = `
WITH ranked AS (
	SELECT application_id, kindergarten_id, position,
	       row_number() OVER (PARTITION BY kindergarten_id, age_band ORDER BY privilege_rank, received_at, seq)::int AS fresh
	FROM applications.queue_positions
	WHERE (kindergarten_id, age_band) IN (SELECT * FROM unnest($1::uuid[], $2::int2[]))
)
UPDATE applications.queue_positions q SET position = r.fresh
FROM ranked r
WHERE q.application_id = r.application_id AND q.kindergarten_id = r.kindergarten_id AND q.position IS DISTINCT FROM r.fresh
RETURNING q.application_id, q.kindergarten_id, q.age_band, q.position, q.privilege, q.privilege_rank, r.position`

// recalculate renumbers the queues keys and returns every position that changed.
func recalculate(ctx context.Context, tx pgx.Tx, keys []queueKey) ([]queueMove, error) {
	kgs := make([]string, len(keys))
	bands := make([]int16, len(keys))
	for i, k := range keys {
		kgs[i], bands[i] = k.kindergarten.String(), k.band
	}
	rows, err := tx.Query(ctx, recalculateSQL, kgs, bands)
	if err != nil {
		return nil, fmt.Errorf("queue: recalculate: %w", err)
	}
	moves, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (queueMove, error) {
		var m queueMove
		err := row.Scan(&m.app, &m.key.kindergarten, &m.key.band, &m.position, &m.privilege, &m.rank, &m.from)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("queue: recalculate: %w", err)
	}
	return moves, nil
}

// triggerMove is how a changed application moved in one queue: from and to
// are nil where it was not, or is no longer, in that queue.
type triggerMove struct {
	app      uuid.UUID
	change   queueChange
	from, to *int32
	rank     int16
	priv     *string
}

// explainMoves turns a recalculation into history rows: the changed
// applications' own entries (entered, left, moved between age bands, moved by
// their own privilege) and every other application's move, caused by a
// changed application that went past it.
func explainMoves(changes map[uuid.UUID]queueChange, old []queueEntry, moves []queueMove, at time.Time) []historyRow {
	var out []historyRow
	oldOf := map[uuid.UUID]map[uuid.UUID]queueEntry{} // application → kindergarten → entry
	for _, e := range old {
		if oldOf[e.app] == nil {
			oldOf[e.app] = map[uuid.UUID]queueEntry{}
		}
		oldOf[e.app][e.key.kindergarten] = e
	}
	newOf := map[uuid.UUID]map[uuid.UUID]queueMove{}
	triggers := map[queueKey][]triggerMove{}
	var others []queueMove
	for _, m := range moves {
		if _, changed := changes[m.app]; !changed {
			others = append(others, m)
			continue
		}
		if newOf[m.app] == nil {
			newOf[m.app] = map[uuid.UUID]queueMove{}
		}
		newOf[m.app][m.key.kindergarten] = m
	}

	ids := make([]uuid.UUID, 0, len(changes))
	for id := range changes {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareUUID)
	for _, id := range ids {
		ch := changes[id]
		// The kindergartens it was or is in, in a stable order.
		var kgs []uuid.UUID
		for kg := range oldOf[id] {
			kgs = append(kgs, kg)
		}
		for kg := range newOf[id] {
			if _, ok := oldOf[id][kg]; !ok {
				kgs = append(kgs, kg)
			}
		}
		slices.SortFunc(kgs, compareUUID)
		for _, kg := range kgs {
			o, wasIn := oldOf[id][kg]
			n, isIn := newOf[id][kg]
			row := historyRow{app: id, changedAt: at}
			switch {
			case wasIn && !isIn:
				row.key, row.from = o.key, o.position
				row.cause = ownLeaveCause(ch)
				if ch.kind == changeLeft {
					s := string(ch.status)
					row.leftStatus = &s
				}
				triggers[o.key] = append(triggers[o.key], triggerMove{app: id, change: ch, from: o.position, rank: o.rank, priv: o.privilege})
			case !wasIn && isIn:
				row.key, row.to = n.key, n.position
				row.cause = ownEnterCause(ch)
				triggers[n.key] = append(triggers[n.key], triggerMove{app: id, change: ch, to: n.position, rank: n.rank, priv: n.privilege})
			case o.key.band != n.key.band:
				row.key, row.from, row.to = n.key, o.position, n.position
				band := o.key.band
				row.fromBand, row.cause = &band, causeAgeBandChanged
				triggers[o.key] = append(triggers[o.key], triggerMove{app: id, change: ch, from: o.position, rank: o.rank, priv: o.privilege})
				triggers[n.key] = append(triggers[n.key], triggerMove{app: id, change: ch, to: n.position, rank: n.rank, priv: n.privilege})
			default:
				triggers[n.key] = append(triggers[n.key], triggerMove{app: id, change: ch, from: o.position, to: n.position, rank: n.rank, priv: n.privilege})
				if eq(o.position, n.position) {
					continue
				}
				row.key, row.from, row.to = n.key, o.position, n.position
				row.cause = causeRecalculated
				if !eqText(o.privilege, n.privilege) {
					row.cause, row.privilege = ownPrivilegeCause(ch, o.privilege, n.privilege)
				}
			}
			out = append(out, row)
		}
	}

	for _, m := range others {
		row := historyRow{app: m.app, key: m.key, from: m.from, to: m.position, changedAt: at, cause: causeRecalculated}
		if t, ok := passer(triggers[m.key], m); ok {
			row.trigger = &t.app
			row.cause, row.privilege, row.leftStatus = otherCause(t, m)
		}
		out = append(out, row)
	}
	return out
}

// passer finds the changed application that went past m in its queue: one
// that came from behind it (or from outside) to ahead of it when m moved
// down, or one that was ahead of it and left or fell behind it when m moved
// up. Of several, the one nearest the head of the queue.
func passer(ts []triggerMove, m queueMove) (triggerMove, bool) {
	if m.from == nil || m.position == nil {
		return triggerMove{}, false
	}
	from, to := *m.from, *m.position
	var best triggerMove
	var bestAt int32
	found := false
	for _, t := range ts {
		var at int32
		switch {
		case to > from && t.to != nil && *t.to < to && (t.from == nil || *t.from > from):
			at = *t.to
		case to < from && t.from != nil && *t.from < from && (t.to == nil || *t.to > to):
			at = *t.from
		default:
			continue
		}
		if !found || at < bestAt {
			best, bestAt, found = t, at, true
		}
	}
	return best, found
}

func compareUUID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

func eq(a, b *int32) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func eqText(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// writeHistory appends rows to applications.queue_history with COPY.
func writeHistory(ctx context.Context, tx pgx.Tx, rows []historyRow) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"applications", "queue_history"},
		[]string{"application_id", "kindergarten_id", "age_band", "from_band", "from_position", "to_position", "cause", "privilege",
			"left_status", "trigger_application_id", "changed_at"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.app, r.key.kindergarten, r.key.band, r.fromBand, r.from, r.to, string(r.cause), r.privilege,
				r.leftStatus, r.trigger, r.changedAt}, nil
		}))
	if err != nil {
		return fmt.Errorf("queue: write %d history rows: %w", len(rows), err)
	}
	return nil
}

// uuidArray is ids as a query parameter for uuid[] (pgx's exec mode encodes
// uuid.UUID slices only through text).
func uuidArray(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}
