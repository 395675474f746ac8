package guardianship

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/russian"
)

// receive: POST /api/guardianship/events — the registry's links, placements
// and enrollments, the journal's chronic absence; each applied once.
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var apply func(tx pgx.Tx) error
	decode := func(v any) error {
		if err := json.Unmarshal(ev.Data(), v); err != nil {
			return errs.E(errs.Invalid, "event data: %v", err)
		}
		return nil
	}
	switch ev.Type() {
	case registryapi.EventParentLinkCreated:
		var l registryapi.ParentLinkEvent
		if err := decode(&l); err != nil {
			return err
		}
		if l.Kind != registryapi.KindGuardian && l.Kind != registryapi.KindFoster {
			break // a parent: not a ward
		}
		apply = func(tx pgx.Tx) error { return ward(ctx, tx, l.ChildID, l.Kind, ev.Time()) }
	case registryapi.EventCarePlacementCreated:
		var p registryapi.CarePlacementEvent
		if err := decode(&p); err != nil {
			return err
		}
		apply = func(tx pgx.Tx) error { return ward(ctx, tx, p.ChildID, "institution", ev.Time()) }
	case registryapi.EventEnrollmentCreated, registryapi.EventEnrollmentChanged:
		var e registryapi.EnrollmentChangedEvent
		if err := decode(&e); err != nil {
			return err
		}
		apply = func(tx pgx.Tx) error { return f.enrollment(ctx, tx, ev.ID(), e) }
	case postgradeapi.EventTermMarkConfirmed:
		var m postgradeapi.TermMarkEvent
		if err := decode(&m); err != nil {
			return err
		}
		apply = func(tx pgx.Tx) error { return f.termMark(ctx, tx, m) }
	case postgradeapi.EventAbsenceChronic:
		var a postgradeapi.AbsenceEvent
		if err := decode(&a); err != nil {
			return err
		}
		apply = func(tx pgx.Tx) error {
			due := kuzbass.Date(f.Time()).AddDate(0, 0, f.opts.AbsenceDays)
			return task(ctx, tx, a.StudentID, "absence", due, ev.ID(),
				fmt.Sprintf("%d пропусков из %d уроков (%d без уважительной причины) с %s по %s", a.Absences, a.Lessons, a.Unexcused, a.From, a.To))
		}
	default:
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes the registry's parent-link.created, "+
			"care-placement.created and enrollment.*, and post-grade's absence.chronic and term-mark.confirmed", ev.Type())
	}
	if !auth.IsOwnDelivery(ctx) {
		return errs.E(errs.Forbidden, "EKO's events are accepted only from EKO's own event delivery")
	}
	if err := f.outbox.Catalogue.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	if apply == nil {
		apply = func(pgx.Tx) error { return nil }
	}
	if _, err := inbox.Apply(ctx, f.db, Name, ev, apply); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ward keeps a child as a ward (the first act's kind stays).
func ward(ctx context.Context, tx pgx.Tx, child, kind string, at time.Time) error {
	if at.IsZero() {
		at = time.Now()
	}
	_, err := tx.Exec(ctx, `INSERT INTO guardianship.wards (child_id, kind, since) VALUES ($1::uuid, $2, $3) ON CONFLICT DO NOTHING`, child, kind, at)
	return err
}

// task raises a task about child when the child is a ward; eventID makes it once.
func task(ctx context.Context, tx pgx.Tx, child, kind string, due time.Time, eventID, details string) error {
	_, err := tx.Exec(ctx, `INSERT INTO guardianship.tasks (child_id, kind, state, due_on, details, event_id, opened_at)
		SELECT child_id, $2, 'open', $3, $4, $5, clock_timestamp() FROM guardianship.wards WHERE child_id = $1::uuid
		ON CONFLICT (event_id) DO NOTHING`, child, kind, due, details, eventID)
	return err
}

// enrollment keeps where every pupil studies (the latest state of an
// enrollment wins); a ward's enrollment ended with no other one raises the
// «left school» task, due after the days allowed; a ward's new enrollment
// closes it.
func (f *Function) enrollment(ctx context.Context, tx pgx.Tx, eventID string, e registryapi.EnrollmentChangedEvent) error {
	var ends *string
	if e.EndsOn != nil && *e.EndsOn != "" {
		ends = e.EndsOn
	}
	if _, err := tx.Exec(ctx, `INSERT INTO guardianship.enrollments (enrollment_id, person_id, organisation_id, starts_on, ends_on)
		VALUES ($1::uuid, $2::uuid, $3::uuid, $4::date, $5::date)
		ON CONFLICT (enrollment_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on`,
		e.EnrollmentID, e.PersonID, e.OrganisationID, e.StartsOn, ends); err != nil {
		return err
	}
	var studies bool
	// Studying today, in Kemerovo: an enrollment that ended yesterday is over.
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM guardianship.enrollments WHERE person_id = $1::uuid
		AND (ends_on IS NULL OR ends_on >= $2))`, e.PersonID, kuzbass.Date(f.Time())).Scan(&studies); err != nil {
		return err
	}
	if studies {
		_, err := tx.Exec(ctx, `UPDATE guardianship.tasks SET state = 'done', done_at = clock_timestamp(), done_by = 'system:registry',
			outcome = 'зачислен в организацию' WHERE child_id = $1::uuid AND kind = 'left_school' AND state = 'open'`, e.PersonID)
		return err
	}
	if ends == nil {
		return nil
	}
	end, err := time.Parse(time.DateOnly, *ends)
	if err != nil {
		return errs.E(errs.Invalid, "event data: ends_on %q", *ends)
	}
	return task(ctx, tx, e.PersonID, "left_school", end.AddDate(0, 0, f.opts.NoSchoolDays), eventID, "выбыл "+end.Format("02.01.2006"))
}

// termMark keeps a ward's term mark in a subject (the latest confirmation
// wins, whatever order the deliveries come in) and keeps the period's «low
// marks» task: opened with the first mark at or below the threshold (or a
// failed pass), naming every such subject, closed by itself when the last
// of them is corrected. Other children's marks are not kept.
func (f *Function) termMark(ctx context.Context, tx pgx.Tx, m postgradeapi.TermMarkEvent) error {
	at, err := time.Parse(time.RFC3339Nano, m.ConfirmedAt)
	if err != nil {
		return errs.E(errs.Invalid, "event data: confirmed_at %q", m.ConfirmedAt)
	}
	low := m.Value != nil && *m.Value <= f.opts.LowMark || m.Passed != nil && !*m.Passed
	tag, err := tx.Exec(ctx, `INSERT INTO guardianship.term_marks (child_id, period_id, subject_id, low, confirmed_at)
		SELECT child_id, $2::uuid, $3::uuid, $4, $5 FROM guardianship.wards WHERE child_id = $1::uuid
		ON CONFLICT (child_id, period_id, subject_id) DO UPDATE SET low = EXCLUDED.low, confirmed_at = EXCLUDED.confirmed_at
		WHERE guardianship.term_marks.confirmed_at <= EXCLUDED.confirmed_at`, m.StudentID, m.PeriodID, m.SubjectID, low, at)
	if err != nil || tag.RowsAffected() == 0 {
		return err // not a ward, or an older confirmation
	}
	key := "low_marks:" + m.StudentID + ":" + m.PeriodID
	var subjects []uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(subject_id ORDER BY subject_id), '{}') FROM guardianship.term_marks
		WHERE child_id = $1::uuid AND period_id = $2::uuid AND low`, m.StudentID, m.PeriodID).Scan(&subjects); err != nil {
		return err
	}
	if len(subjects) == 0 {
		_, err := tx.Exec(ctx, `UPDATE guardianship.tasks SET subjects = '{}', state = 'done', done_at = clock_timestamp(), done_by = 'system:journal',
			outcome = 'отметки исправлены' WHERE event_id = $1 AND state = 'open'`, key)
		return err
	}
	details := fmt.Sprintf("неудовлетворительные отметки за период: %d %s", len(subjects), russian.Plural(len(subjects), "предмет", "предмета", "предметов"))
	due := kuzbass.Date(f.Time()).AddDate(0, 0, f.opts.LowMarkDays)
	// A corrected period that gets a low mark again reopens its task.
	_, err = tx.Exec(ctx, `INSERT INTO guardianship.tasks (child_id, kind, state, due_on, details, event_id, opened_at, subjects)
		VALUES ($1::uuid, 'low_marks', 'open', $2, $3, $4, clock_timestamp(), $5)
		ON CONFLICT (event_id) DO UPDATE SET details = EXCLUDED.details, subjects = EXCLUDED.subjects,
			state = 'open', done_at = NULL, done_by = NULL, outcome = '',
			due_on = CASE WHEN guardianship.tasks.state = 'open' THEN guardianship.tasks.due_on ELSE EXCLUDED.due_on END
		WHERE guardianship.tasks.state = 'open' OR guardianship.tasks.done_by = 'system:journal'`,
		m.StudentID, due, details, key, subjects)
	return err
}
