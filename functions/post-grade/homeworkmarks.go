package postgrade

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/outbox"
)

// Homework marks: the mark a teacher gave in issue-homework lands in the
// journal exactly once.
//
// homework.reviewed carries the review; an accepted one with a mark places
// the mark of that pupil for that homework in the column of the homework's
// lesson, or — on a re-review — changes the mark placed before, with the
// reason «повторная проверка»; the history names the attempt. A mark is keyed
// by (homework, pupil), and the review it stands for is kept with it, so a
// redelivered event has no second effect and an older review delivered late
// changes nothing. When the lesson's period is closed the mark waits in
// journal.deferred_homework_marks and is placed when the director's permit
// opens the period for the lesson's assignment. Each outcome is told back as
// homework-mark.recorded (placed, deferred, or superseded when a later review
// of the same work came first).

// homeworkReview is a review as the journal keeps it before placing it.
type homeworkReview struct {
	review, homework, pupil, lesson uuid.UUID
	kind                            string
	value                           int
	attempt                         int
	reviewer                        *uuid.UUID
	reviewedAt                      time.Time
}

// applyHomeworkReview applies homework.reviewed in tx.
func (f *Function) applyHomeworkReview(ctx context.Context, tx pgx.Tx, rv issuehomeworkapi.ReviewedEvent) error {
	if rv.Decision != issuehomeworkapi.Accept || rv.Mark == nil {
		return nil
	}
	if _, ok := markKinds[rv.MarkKind]; !ok {
		return errs.E(errs.Invalid, "homework.reviewed: unknown mark kind %q", rv.MarkKind)
	}
	hr := homeworkReview{review: rv.ReviewID, homework: rv.HomeworkID, pupil: rv.PupilID, lesson: rv.LessonID, kind: rv.MarkKind,
		value: *rv.Mark, attempt: rv.Attempt, reviewedAt: rv.ReviewedAt}
	if rv.ReviewerID != uuid.Nil {
		hr.reviewer = &rv.ReviewerID
	}
	lc, err := lessonContext(ctx, tx, hr.lesson)
	if err != nil {
		return err
	}
	if lc == nil {
		return errs.E(errs.Invalid, "homework.reviewed: lesson %s is not in the journal", hr.lesson)
	}
	// The newest review of this homework and pupil wins.
	var newer bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM journal.marks WHERE homework_id = $1 AND student_id = $2 AND deleted_at IS NULL
		    AND homework_reviewed_at >= $3)
		OR EXISTS (SELECT 1 FROM journal.deferred_homework_marks WHERE homework_id = $1 AND student_id = $2 AND reviewed_at >= $3)`,
		hr.homework, hr.pupil, hr.reviewedAt).Scan(&newer); err != nil {
		return err
	}
	if newer {
		return f.recordHomeworkMark(ctx, tx, hr, postgradeapi.HomeworkMarkSuperseded, nil, lc.at)
	}
	if lc.closed && lc.permit == nil {
		if _, err := tx.Exec(ctx, `INSERT INTO journal.deferred_homework_marks (homework_id, student_id, review_id, lesson_id, kind, value, attempt,
			    reviewer_id, reviewed_at, deferred_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp())
			ON CONFLICT (homework_id, student_id) DO UPDATE SET review_id = EXCLUDED.review_id, kind = EXCLUDED.kind, value = EXCLUDED.value,
			    attempt = EXCLUDED.attempt, reviewer_id = EXCLUDED.reviewer_id, reviewed_at = EXCLUDED.reviewed_at, deferred_at = EXCLUDED.deferred_at`,
			hr.homework, hr.pupil, hr.review, hr.lesson, hr.kind, int16(hr.value), int32(hr.attempt), hr.reviewer, hr.reviewedAt); err != nil {
			return fmt.Errorf("defer homework mark: %w", err)
		}
		return f.recordHomeworkMark(ctx, tx, hr, postgradeapi.HomeworkMarkDeferred, nil, lc.at)
	}
	return f.placeHomeworkMark(ctx, tx, lc, hr)
}

// placeHomeworkMark writes hr's mark into the open (or permitted) lesson lc:
// a new mark, or the change of the one placed for the same homework and
// pupil; the deferred entry, if any, is done with.
func (f *Function) placeHomeworkMark(ctx context.Context, tx pgx.Tx, lc *lessonCtx, hr homeworkReview) error {
	c := caller{subject: "issue-homework:" + hr.review.String()}
	if hr.reviewer != nil {
		c.person = *hr.reviewer
	}
	mw := &markWriter{tx: tx, lesson: lc.lesson, caller: c, permit: lc.permit, role: "teacher", at: lc.at}
	value := hr.value
	item := postgradeapi.MarkItem{Kind: hr.kind, Value: &value, Reason: fmt.Sprintf("домашнее задание, попытка %d", hr.attempt)}
	var id uuid.UUID
	var version int
	err := tx.QueryRow(ctx, `SELECT id, version FROM journal.marks WHERE homework_id = $1 AND student_id = $2 AND deleted_at IS NULL FOR UPDATE`,
		hr.homework, hr.pupil).Scan(&id, &version)
	var ev outbox.Event
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var m postgradeapi.Mark
		m, ev = mw.post(hr.pupil, item)
		if err := mw.flush(ctx); err != nil {
			return err
		}
		id = m.ID
	case err != nil:
		return err
	default:
		item.MarkID, item.Version = id.String(), version
		item.Reason = fmt.Sprintf("повторная проверка (попытка %d)", hr.attempt)
		if _, ev, err = mw.change(ctx, "mark", item); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE journal.marks SET homework_id = $2, homework_reviewed_at = $3 WHERE id = $1`, id, hr.homework, hr.reviewedAt); err != nil {
		return fmt.Errorf("place homework mark: %w", err)
	}
	if err := mw.addTotals(ctx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM journal.deferred_homework_marks WHERE homework_id = $1 AND student_id = $2`, hr.homework, hr.pupil); err != nil {
		return err
	}
	if _, err := f.outbox.Enqueue(ctx, tx, ev); err != nil {
		return err
	}
	return f.recordHomeworkMark(ctx, tx, hr, postgradeapi.HomeworkMarkPlaced, &id, lc.at)
}

// recordHomeworkMark tells issue-homework where hr's mark stands.
func (f *Function) recordHomeworkMark(ctx context.Context, tx pgx.Tx, hr homeworkReview, state string, mark *uuid.UUID, at time.Time) error {
	_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: postgradeapi.EventHomeworkMarkRecorded, Source: source, Subject: hr.pupil.String(),
		Data: postgradeapi.HomeworkMarkEvent{ReviewID: hr.review, HomeworkID: hr.homework, PupilID: hr.pupil, State: state, MarkID: mark, RecordedAt: at}})
	return err
}

// placeDeferredHomeworkMarks places, in tx, the homework marks waiting in the
// closed period of org from..to for the lessons of assignment (a permit has
// just opened it).
func (f *Function) placeDeferredHomeworkMarks(ctx context.Context, tx pgx.Tx, assignment uuid.UUID, from, to time.Time) (int, error) {
	rows, err := tx.Query(ctx, `SELECT d.homework_id, d.student_id, d.review_id, d.lesson_id, d.kind, d.value, d.attempt, d.reviewer_id, d.reviewed_at
		FROM journal.deferred_homework_marks d JOIN journal.lessons l ON l.id = d.lesson_id
		WHERE l.assignment_id = $1 AND l.lesson_date BETWEEN $2 AND $3
		ORDER BY d.lesson_id, d.student_id FOR UPDATE OF d`, assignment, from, to)
	if err != nil {
		return 0, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (homeworkReview, error) {
		var hr homeworkReview
		var value int16
		var attempt int32
		err := row.Scan(&hr.homework, &hr.pupil, &hr.review, &hr.lesson, &hr.kind, &value, &attempt, &hr.reviewer, &hr.reviewedAt)
		hr.value, hr.attempt = int(value), int(attempt)
		return hr, err
	})
	if err != nil {
		return 0, err
	}
	for _, hr := range list {
		lc, err := lessonContext(ctx, tx, hr.lesson)
		if err != nil {
			return 0, err
		}
		if err := f.placeHomeworkMark(ctx, tx, lc, hr); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
