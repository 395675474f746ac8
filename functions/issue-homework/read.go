package issuehomework

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// get: GET /api/issue-homework/homework/{id}[?pupil=] — for its pupils
// (with their own work), their parents (with the child's: ?pupil= names the
// child when several are in the class), its teacher, the school's
// administration and the class teacher.
func (f *Function) get(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	h, err := foundHomework(ctx, f.db, id)
	if err != nil {
		return err
	}
	pupil, err := f.readerPupil(ctx, h, r.URL.Query().Get("pupil"))
	if err != nil {
		return err
	}
	view, err := f.view(ctx, f.db, h, pupil)
	return httpx.Reply(w, http.StatusOK, view, err)
}

// readerPupil checks that the caller may read h and returns the pupil whose
// work the caller reads with it: the named one, or the caller's own (a pupil)
// or child (a parent) among h's pupils; uuid.Nil for a reader by office.
func (f *Function) readerPupil(ctx context.Context, h *homework, named string) (uuid.UUID, error) {
	if named != "" {
		p, err := uuid.Parse(named)
		if err != nil {
			return uuid.Nil, errs.Fields("неверный ученик", field("pupil", errs.Format, "идентификатор ученика"))
		}
		ok, err := isRecipient(ctx, f.db, h.ID, p)
		if err != nil {
			return uuid.Nil, err
		}
		if !ok {
			return uuid.Nil, notYours(theHomework)
		}
		return p, require(ctx, PermRead, pupilWork(p, h.OrganisationID, h.ClassID, h.TeacherID), theHomework)
	}
	for _, s := range Rules.Reach(ctx, PermRead).Persons {
		p, err := uuid.Parse(s)
		if err != nil {
			continue
		}
		ok, err := isRecipient(ctx, f.db, h.ID, p)
		if err != nil {
			return uuid.Nil, err
		}
		if ok {
			return p, require(ctx, PermRead, pupilWork(p, h.OrganisationID, h.ClassID, h.TeacherID), theHomework)
		}
	}
	return uuid.Nil, require(ctx, PermRead, classHomework(h.OrganisationID, h.ClassID, h.TeacherID), theHomework)
}

// view is h as the caller sees it: its files, whether the caller may change
// it, and pupil's work (uuid.Nil: none).
func (f *Function) view(ctx context.Context, q querier, h *homework, pupil uuid.UUID) (issuehomeworkapi.Homework, error) {
	v := h.Homework
	var err error
	if v.Files, err = filesOf(ctx, q, h.ID, nil); err != nil {
		return v, fmt.Errorf("homework %s: files: %w", h.ID, err)
	}
	v.MayEdit = h.Status == "issued" && f.Time().Before(h.DueAt) && Rules.Reaches(ctx, PermIssue, teaching(h.OrganisationID, h.TeacherID))
	if pupil != uuid.Nil {
		s, err := submissionOf(ctx, q, h, pupil)
		if err != nil {
			return v, err
		}
		v.Submission = s
	}
	return v, nil
}

// submissionOf is pupil's work on h with its files, receipts and reviews
// (state assigned when nothing is saved yet).
func submissionOf(ctx context.Context, q querier, h *homework, pupil uuid.UUID) (*issuehomeworkapi.Submission, error) {
	s := &issuehomeworkapi.Submission{HomeworkID: h.ID, PupilID: pupil, State: issuehomeworkapi.Assigned,
		Files: []issuehomeworkapi.File{}, Receipts: []issuehomeworkapi.Receipt{}, Reviews: []issuehomeworkapi.Review{}}
	err := q.QueryRow(ctx, `SELECT id, state, attempt, text, version, updated_at FROM homework.submissions WHERE homework_id = $1 AND pupil_id = $2`,
		h.ID, pupil).Scan(&s.ID, &s.State, &s.Attempt, &s.Text, &s.Version, &s.UpdatedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		s.StateTitle = issuehomeworkapi.SubmissionStates[s.State]
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("submission of %s: %w", h.ID, err)
	}
	s.StateTitle = issuehomeworkapi.SubmissionStates[s.State]
	if s.Files, err = filesOf(ctx, q, h.ID, &s.ID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT attempt, received_at, late, files, taken_back_at FROM homework.attempts
		WHERE submission_id = $1 ORDER BY attempt DESC`, s.ID)
	if err != nil {
		return nil, err
	}
	if s.Receipts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (issuehomeworkapi.Receipt, error) {
		var rc issuehomeworkapi.Receipt
		err := row.Scan(&rc.Attempt, &rc.ReceivedAt, &rc.Late, &rc.Files, &rc.TakenBackAt)
		return rc, err
	}); err != nil {
		return nil, err
	}
	if len(s.Receipts) > 0 && s.State != issuehomeworkapi.Draft {
		s.Late = s.Receipts[0].Late
	}
	if s.Reviews, err = reviewsOf(ctx, q, s.ID); err != nil {
		return nil, err
	}
	return s, nil
}

// reviewsOf lists the reviews of a submission, newest first.
func reviewsOf(ctx context.Context, q querier, submission uuid.UUID) ([]issuehomeworkapi.Review, error) {
	rows, err := q.Query(ctx, `SELECT id, attempt, decision, mark, coalesce(comment, ''), reviewed_at, journal FROM homework.reviews
		WHERE submission_id = $1 ORDER BY reviewed_at DESC, id DESC`, submission)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (issuehomeworkapi.Review, error) {
		var rv issuehomeworkapi.Review
		var mark *int16
		err := row.Scan(&rv.ID, &rv.Attempt, &rv.Decision, &mark, &rv.Comment, &rv.ReviewedAt, &rv.Journal)
		if mark != nil {
			m := int(*mark)
			rv.Mark = &m
		}
		rv.JournalTitle = issuehomeworkapi.JournalTitles[rv.Journal]
		return rv, err
	})
}

// listLimit bounds a homework list.
const listLimit = 200

// list: GET /api/issue-homework/homework?pupil=[&from=] — a pupil's homework
// due from a day (default: four weeks ago), soonest due first, each with the
// state of the pupil's work: for the pupil and the parents.
// GET …/homework?lesson= — the homework due by a lesson, for its teacher
// and the school's readers.
func (f *Function) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	if l := q.Get("lesson"); l != "" {
		return f.lessonList(w, r, l)
	}
	pupil, err := uuid.Parse(q.Get("pupil"))
	if err != nil {
		return errs.Fields("укажите ученика", field("pupil", errs.Required, "идентификатор ученика"))
	}
	from := f.Time().AddDate(0, 0, -28)
	if s := q.Get("from"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, kemerovoZone)
		if err != nil {
			return errs.Fields("неверная дата", field("from", errs.Format, "дата ГГГГ-ММ-ДД"))
		}
		from = d
	}
	if err := require(ctx, PermRead, pupilsList(pupil), thePupil); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT `+homeworkColumns+`, s.id, coalesce(s.state, 'assigned'), coalesce(s.attempt, 0), coalesce(s.version, 0),
		    rv.decision, rv.mark, rv.journal
		FROM homework.recipients r
		JOIN homework.homework h ON h.id = r.homework_id
		LEFT JOIN homework.submissions s ON s.homework_id = h.id AND s.pupil_id = r.pupil_id
		LEFT JOIN LATERAL (SELECT decision, mark, journal FROM homework.reviews WHERE submission_id = s.id ORDER BY reviewed_at DESC, id DESC LIMIT 1) rv ON true
		WHERE r.pupil_id = $1 AND r.due_at >= $2
		ORDER BY r.due_at, r.homework_id LIMIT $3`, pupil, from, listLimit)
	if err != nil {
		return err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (issuehomeworkapi.Homework, error) {
		var h homework
		s := &issuehomeworkapi.Submission{PupilID: pupil, Files: []issuehomeworkapi.File{}, Receipts: []issuehomeworkapi.Receipt{}, Reviews: []issuehomeworkapi.Review{}}
		var sid *uuid.UUID
		var decision, journal *string
		var mark *int16
		err := row.Scan(&h.ID, &h.OrganisationID, &h.ClassID, &h.SubjectID, &h.TeacherID, &h.LessonID, &h.LessonDate,
			&h.Text, &h.DueAt, &h.CutoffAt, &h.SubmissionExpected, &h.Marked, &h.MarkKind, &h.Pupils, &h.Status, &h.Version, &h.IssuedAt, &h.ChangedAt,
			&sid, &s.State, &s.Attempt, &s.Version, &decision, &mark, &journal)
		if sid != nil {
			s.ID = *sid
		}
		s.HomeworkID, s.StateTitle = h.ID, issuehomeworkapi.SubmissionStates[s.State]
		if decision != nil {
			rv := issuehomeworkapi.Review{Decision: *decision, Journal: *journal, JournalTitle: issuehomeworkapi.JournalTitles[*journal]}
			if mark != nil {
				m := int(*mark)
				rv.Mark = &m
			}
			s.Reviews = append(s.Reviews, rv)
		}
		if h.Pupils == nil {
			h.Pupils = []uuid.UUID{}
		}
		h.Files, h.Submission = []issuehomeworkapi.File{}, s
		return h.Homework, err
	})
	if err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, out, nil)
}

// lessonList is the homework due by lesson, oldest issued first; a lesson
// the caller's grants do not reach is not found (whether or not it has any).
func (f *Function) lessonList(w http.ResponseWriter, r *http.Request, lesson string) error {
	ctx := r.Context()
	id, err := uuid.Parse(lesson)
	if err != nil {
		return errs.Fields("неверный урок", field("lesson", errs.Format, "идентификатор урока"))
	}
	rows, err := f.db.Query(ctx, `SELECT `+homeworkColumns+` FROM homework.homework h WHERE h.lesson_id = $1 ORDER BY h.issued_at, h.id LIMIT $2`, id, listLimit)
	if err != nil {
		return err
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*homework, error) { return scanHomework(row) })
	if err != nil {
		return err
	}
	out := make([]issuehomeworkapi.Homework, 0, len(found))
	for _, h := range found {
		if err := require(ctx, PermRead, classHomework(h.OrganisationID, h.ClassID, h.TeacherID), theLesson); err != nil {
			return err
		}
		v, err := f.view(ctx, f.db, h, uuid.Nil)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return httpx.Reply(w, http.StatusOK, out, nil)
}

// classWork: GET /api/issue-homework/homework/{id}/submissions — every pupil
// the homework is for with the state of the work (who has not submitted,
// who is late): its teacher; the administration and the class teacher read.
func (f *Function) classWork(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	h, err := foundHomework(ctx, f.db, id)
	if err != nil {
		return err
	}
	if err := require(ctx, PermReview, classHomework(h.OrganisationID, h.ClassID, h.TeacherID), theHomework); err != nil {
		return err
	}
	out := issuehomeworkapi.ClassWork{Pupils: []issuehomeworkapi.Submission{}}
	if out.Homework, err = f.view(ctx, f.db, h, uuid.Nil); err != nil {
		return err
	}
	pupils, err := collectIDs(f.db.Query(ctx, `SELECT pupil_id FROM homework.recipients WHERE homework_id = $1 ORDER BY pupil_id`, id))
	if err != nil {
		return err
	}
	for _, p := range pupils {
		s, err := submissionOf(ctx, f.db, h, p)
		if err != nil {
			return err
		}
		out.Pupils = append(out.Pupils, *s)
	}
	slices.SortStableFunc(out.Pupils, func(a, b issuehomeworkapi.Submission) int { return stateOrder(a.State) - stateOrder(b.State) })
	return httpx.Reply(w, http.StatusOK, out, nil)
}

// stateOrder puts the work waiting for review first.
func stateOrder(s string) int {
	return slices.Index([]string{issuehomeworkapi.Submitted, issuehomeworkapi.Returned, issuehomeworkapi.Draft, issuehomeworkapi.Assigned, issuehomeworkapi.Accepted}, s)
}

func collectIDs(rows pgx.Rows, err error) ([]uuid.UUID, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}
