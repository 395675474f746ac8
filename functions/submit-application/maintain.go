package submitapplication

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/db"
)

// maintainBatch is how many applications one maintenance transaction changes.
const maintainBatch = 500

// archiveAge is the age at which a kindergarten application is archived.
const archiveAge = 7

// archivable are the statuses Maintain archives a kindergarten application
// from when the child turns archiveAge: those the transition table lets move
// to archived. An application still under review is left to staff, who refuse
// it; a directed one is left to the kindergarten.
var archivable = []submitapplicationapi.Status{submitapplicationapi.Registered, submitapplicationapi.DirectionDeclined, submitapplicationapi.DirectionExpired}

// MaintenanceReport counts what a Maintain pass changed.
type MaintenanceReport struct {
	Expired  int // directions not answered in time: application now direction_expired
	Archived int // kindergarten applications of children who turned 7
	// SiblingRights counts applications whose queues moved because a
	// brother's or sister's enrollment began or ended (checked once a day).
	SiblingRights int
}

// Maintain does what the clock asks of the kindergarten queue, as of now:
//
//   - a direction not answered by its deadline expires: the application
//     becomes direction_expired;
//   - the kindergarten application of a child who has turned 7 (Kemerovo
//     date) in a status listed in archivable is archived, and its queues are
//     recalculated with the cause recorded;
//   - once a (Kemerovo) day, the sibling rights are checked against the
//     enrollments that began or ended (reconcileSiblingRights).
//
// Each change gets a status_history entry (actor "system") and an
// application.status-changed event, in batches of maintainBatch per
// transaction. Rows another transaction holds are skipped and taken on the
// next pass, so Maintain never waits for a user, and concurrent passes (several
// instances) do not change an application twice.
func (f *Function) Maintain(ctx context.Context, now time.Time) (MaintenanceReport, error) {
	var rep MaintenanceReport
	for {
		n, err := f.expireDirections(ctx, now)
		rep.Expired += n
		if err != nil {
			return rep, fmt.Errorf("maintain: expire directions: %w", err)
		}
		if n < maintainBatch {
			break
		}
	}
	for {
		n, err := f.archiveGrownUp(ctx, now)
		rep.Archived += n
		if err != nil {
			return rep, fmt.Errorf("maintain: archive at %d: %w", archiveAge, err)
		}
		if n < maintainBatch {
			break
		}
	}
	day := now.In(kemerovo).Format(time.DateOnly)
	f.siblingsMu.Lock()
	due := f.siblingsCheckedOn != day
	f.siblingsMu.Unlock()
	if due {
		n, err := f.reconcileSiblingRights(ctx)
		rep.SiblingRights = n
		if err != nil {
			return rep, fmt.Errorf("maintain: %w", err)
		}
		f.siblingsMu.Lock()
		f.siblingsCheckedOn = day
		f.siblingsMu.Unlock()
	}
	return rep, nil
}

// lockedApplications runs the query (whose rows are applications, FOR UPDATE
// SKIP LOCKED) and scans them.
func lockedApplications(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]*application, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*application, error) { return scanApplication(row) })
}

func (f *Function) expireDirections(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		n, err = f.expireDue(ctx, tx, now, maintainBatch)
		return err
	})
	return n, err
}

// expireDue expires, in tx, up to limit directions whose time to answer has
// passed by now (as maintenance does).
func (f *Function) expireDue(ctx context.Context, tx pgx.Tx, now time.Time, limit int) (int, error) {
	apps, err := lockedApplications(ctx, tx, `SELECT `+appColumns+` FROM applications.applications a
		WHERE a.status = 'directed' AND EXISTS (SELECT 1 FROM applications.directions d
		    WHERE d.application_id = a.id AND d.state = 'issued' AND d.respond_by <= $1)
		ORDER BY a.id LIMIT $2 FOR UPDATE OF a SKIP LOCKED`, now, limit)
	if err != nil || len(apps) == 0 {
		return 0, err
	}
	moves := make([]statusMove, len(apps))
	ids := make([]uuid.UUID, len(apps))
	for i, a := range apps {
		moves[i] = statusMove{app: a, to: submitapplicationapi.DirectionExpired,
			comment: "Срок ответа на направление истёк; чтобы вернуться в очередь, обратитесь в детский сад или управление образования"}
		ids[i] = a.ID
	}
	if _, err := tx.Exec(ctx, `UPDATE applications.directions SET state = 'expired' WHERE application_id = ANY($1::uuid[]) AND state = 'issued'`, uuidArray(ids)); err != nil {
		return 0, err
	}
	return len(apps), f.moveStatuses(ctx, tx, moves, systemActor, now)
}

func (f *Function) archiveGrownUp(ctx context.Context, now time.Time) (int, error) {
	today := now.In(kemerovo)
	cutoff := turnedOnOrBefore(today, archiveAge)
	statuses := make([]string, len(archivable))
	for i, s := range archivable {
		statuses[i] = string(s)
	}
	var n int
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		apps, err := lockedApplications(ctx, tx, `SELECT `+appColumns+` FROM applications.applications a
			WHERE a.service = 'kindergarten' AND a.child_birth_date <= $1 AND a.status = ANY($2)
			ORDER BY a.id LIMIT $3 FOR UPDATE SKIP LOCKED`, cutoff, statuses, maintainBatch)
		if err != nil || len(apps) == 0 {
			n = 0
			return err
		}
		moves := make([]statusMove, len(apps))
		changes := map[uuid.UUID]queueChange{}
		for i, a := range apps {
			moves[i] = statusMove{app: a, to: submitapplicationapi.Archived, reason: "age",
				comment: fmt.Sprintf("Ребёнку исполнилось %d лет: заявление в детский сад переведено в архив автоматически", archiveAge)}
			if a.Status == submitapplicationapi.Registered {
				changes[a.ID] = queueChange{kind: changeLeft, status: submitapplicationapi.Archived}
			}
		}
		n = len(apps)
		if err := f.moveStatuses(ctx, tx, moves, systemActor, now); err != nil {
			return err
		}
		return requeue(ctx, tx, changes, now)
	})
	return n, err
}

// turnedOnOrBefore is the latest birth date of a child who is years old on
// day. A child born on 29 February has the birthday on 28 February of a
// common year (the period ends on the last day of the month).
func turnedOnOrBefore(day time.Time, years int) time.Time {
	y, m, d := day.Date()
	if m == time.February && d == time.Date(y, time.March, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Date(y-years, time.March, 0, 0, 0, 0, 0, time.UTC) // the last day of February
	}
	return time.Date(y-years, m, d, 0, 0, 0, 0, time.UTC)
}
