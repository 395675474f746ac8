package postgrade

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/errs"
)

// The diary's homework: issue-homework's events kept as the diary needs
// them (journal.homework, journal.homework_work), each applied once, the
// newest version winning over one delivered late.

// keepHomework applies homework.issued, changed or cancelled in tx.
func keepHomework(ctx context.Context, tx pgx.Tx, data []byte) error {
	var h issuehomeworkapi.HomeworkEvent
	if err := json.Unmarshal(data, &h); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO journal.homework (homework_id, lesson_id, class_id, text, due_at, submission_expected, marked, pupils, status, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (homework_id) DO UPDATE SET lesson_id = EXCLUDED.lesson_id, class_id = EXCLUDED.class_id, text = EXCLUDED.text,
		    due_at = EXCLUDED.due_at, submission_expected = EXCLUDED.submission_expected, marked = EXCLUDED.marked, pupils = EXCLUDED.pupils,
		    status = EXCLUDED.status, version = EXCLUDED.version
		WHERE journal.homework.version < EXCLUDED.version`,
		h.HomeworkID, h.LessonID, h.ClassID, h.Text, h.DueAt, h.SubmissionExpected, h.Marked, h.Pupils, h.Status, int32(h.Version))
	if err != nil {
		return fmt.Errorf("keep homework %s: %w", h.HomeworkID, err)
	}
	return nil
}

// keepWork applies homework-work.changed in tx.
func keepWork(ctx context.Context, tx pgx.Tx, data []byte) error {
	var wk issuehomeworkapi.WorkEvent
	if err := json.Unmarshal(data, &wk); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO journal.homework_work (homework_id, pupil_id, state, attempt, late, mark, version, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (homework_id, pupil_id) DO UPDATE SET state = EXCLUDED.state, attempt = EXCLUDED.attempt, late = EXCLUDED.late,
		    mark = EXCLUDED.mark, version = EXCLUDED.version, changed_at = EXCLUDED.changed_at
		WHERE journal.homework_work.version < EXCLUDED.version`,
		wk.HomeworkID, wk.PupilID, wk.State, int32(wk.Attempt), wk.Late, int16p(wk.Mark), int32(wk.Version), wk.ChangedAt)
	if err != nil {
		return fmt.Errorf("keep work on %s: %w", wk.HomeworkID, err)
	}
	return nil
}

// homeworkTasks adds to each lesson of byLesson the homework issued for it
// to student (for the class or for the student alone, not cancelled), with
// the student's work on it.
func homeworkTasks(ctx context.Context, q querier, student uuid.UUID, byLesson map[uuid.UUID]*postgradeapi.DiaryLesson) error {
	if len(byLesson) == 0 {
		return nil
	}
	lessons := make([]uuid.UUID, 0, len(byLesson))
	for id := range byLesson {
		lessons = append(lessons, id)
	}
	rows, err := q.Query(ctx, `SELECT h.homework_id, h.lesson_id, h.text, h.due_at, h.submission_expected, h.marked,
		    coalesce(w.state, 'assigned'), coalesce(w.late, false), w.mark
		FROM journal.homework h
		LEFT JOIN journal.homework_work w ON w.homework_id = h.homework_id AND w.pupil_id = $1
		WHERE h.lesson_id = ANY($2) AND h.status = 'issued' AND (h.pupils = '{}' OR $1 = ANY(h.pupils))
		ORDER BY h.due_at, h.homework_id`, student, lessons)
	if err != nil {
		return fmt.Errorf("diary: homework: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t postgradeapi.HomeworkTask
		var lesson uuid.UUID
		var mark *int16
		if err := rows.Scan(&t.HomeworkID, &lesson, &t.Text, &t.DueAt, &t.SubmissionExpected, &t.Marked, &t.State, &t.Late, &mark); err != nil {
			return err
		}
		t.Mark, t.StateTitle = intp(mark), issuehomeworkapi.SubmissionStates[t.State]
		if dl := byLesson[lesson]; dl != nil {
			dl.Tasks = append(dl.Tasks, t)
		}
	}
	return rows.Err()
}
