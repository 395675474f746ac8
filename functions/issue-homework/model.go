package issuehomework

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// homework is a stored homework.
type homework struct {
	issuehomeworkapi.Homework
}

const homeworkColumns = `h.id, h.organisation_id, h.class_id, h.subject_id, h.teacher_id, h.lesson_id, to_char(h.lesson_date, 'YYYY-MM-DD'),
	h.text, h.due_at, h.cutoff_at, h.submission_expected, h.marked, coalesce(h.mark_kind, ''), h.pupils, h.status, h.version, h.issued_at, h.changed_at`

// scanHomework scans homeworkColumns, then the row's further columns into extra.
func scanHomework(row pgx.Row, extra ...any) (*homework, error) {
	var h homework
	err := row.Scan(append([]any{&h.ID, &h.OrganisationID, &h.ClassID, &h.SubjectID, &h.TeacherID, &h.LessonID, &h.LessonDate,
		&h.Text, &h.DueAt, &h.CutoffAt, &h.SubmissionExpected, &h.Marked, &h.MarkKind, &h.Pupils, &h.Status, &h.Version, &h.IssuedAt, &h.ChangedAt}, extra...)...)
	if h.Pupils == nil {
		h.Pupils = []uuid.UUID{}
	}
	h.Files = []issuehomeworkapi.File{}
	return &h, err
}

// loadHomework reads homework id (lock: FOR UPDATE); nil when there is none.
func loadHomework(ctx context.Context, q querier, id uuid.UUID, lock bool) (*homework, error) {
	sql := `SELECT ` + homeworkColumns + ` FROM homework.homework h WHERE h.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	h, err := scanHomework(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("homework %s: %w", id, err)
	}
	return h, nil
}

// foundHomework is homework id, or the refusal of one that does not exist.
func foundHomework(ctx context.Context, q querier, id uuid.UUID) (*homework, error) {
	h, err := loadHomework(ctx, q, id, false)
	if err == nil && h == nil {
		err = notYours(theHomework)
	}
	return h, err
}

// isRecipient reports whether pupil is one of the pupils h is for.
func isRecipient(ctx context.Context, q querier, h uuid.UUID, pupil uuid.UUID) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM homework.recipients WHERE homework_id = $1 AND pupil_id = $2)`, h, pupil).Scan(&ok)
	return ok, err
}

// fileColumns are a file's columns as scanFile reads them.
const fileColumns = `f.id, f.name, f.content_type, f.size, f.sha256, f.state, coalesce(f.refusal, ''), f.confirmed_at`

func scanFile(row pgx.CollectableRow) (issuehomeworkapi.File, error) {
	var f issuehomeworkapi.File
	var sum []byte
	err := row.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &sum, &f.State, &f.Refusal, &f.ConfirmedAt)
	if sum != nil {
		f.SHA256 = hex.EncodeToString(sum)
	}
	return f, err
}

// filesOf lists the files of homework h (submission nil: the teacher's),
// except removed ones, in upload order.
func filesOf(ctx context.Context, q querier, h uuid.UUID, submission *uuid.UUID) ([]issuehomeworkapi.File, error) {
	rows, err := q.Query(ctx, `SELECT `+fileColumns+` FROM homework.files f
		WHERE f.homework_id = $1 AND f.submission_id IS NOT DISTINCT FROM $2 AND f.state <> 'removed' ORDER BY f.created_at, f.id`, h, submission)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanFile)
}

// stale is the refusal of a step that names a version other than the
// object's current one: a 409 with the current version (and state).
func stale(what string, current int, state string) error {
	e := &errs.Error{Code: errs.Conflict, ForUser: true,
		Detail: what + " изменились с тех пор, как вы открыли страницу: обновите её",
		Extra:  map[string]any{issuehomeworkapi.MemberCurrentVersion: current}}
	if state != "" {
		e.Extra[issuehomeworkapi.MemberCurrentState] = state
	}
	return e
}

// unprocessable is a 422 for a field the domain refuses.
func unprocessable(detail string, fe ...errs.FieldError) error {
	return &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: detail, Fields: fe}
}

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

// kemerovoZone is the time zone dates and times are shown and read in.
var kemerovoZone = kuzbass.Time
