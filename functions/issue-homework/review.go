package issuehomework

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// review: POST /api/issue-homework/submissions/{id}/review {decision, mark,
// comment, version} — the homework's teacher returns the latest attempt for
// rework (with a comment) or accepts it (with a mark when the homework is
// marked); an accepted work may be accepted again with another mark (a
// re-review). The review and homework.reviewed are written in one
// transaction; the journal places the mark from the event.
func (f *Function) review(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in issuehomeworkapi.ReviewRequest
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	comment, plain := plainText(in.Comment)
	var fe []errs.FieldError
	if !plain {
		fe = append(fe, field("comment", errs.Format, "недопустимые символы"))
	}
	switch in.Decision {
	case issuehomeworkapi.Return:
		if comment == "" {
			fe = append(fe, field("comment", errs.Required, "напишите, что доработать"))
		}
		if in.Mark != nil {
			fe = append(fe, field("mark", issuehomeworkapi.ReasonUnexpected, "возвращённая на доработку работа не оценивается"))
		}
	case issuehomeworkapi.Accept:
		if in.Mark != nil && (*in.Mark < 1 || *in.Mark > 5) {
			fe = append(fe, field("mark", issuehomeworkapi.ReasonScale, "оценка от 1 до 5"))
		}
	default:
		fe = append(fe, field("decision", errs.Enum, "returned — вернуть на доработку, accepted — принять"))
	}
	if utf8.RuneCountInString(comment) > 2000 {
		fe = append(fe, field("comment", errs.Length, "не длиннее 2000 символов"))
	}
	if len(fe) > 0 {
		return errs.Fields("решение по работе заполнено с ошибками", fe...)
	}

	var out issuehomeworkapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var s submission
		err := tx.QueryRow(ctx, `SELECT id, homework_id, pupil_id, state, attempt, text, version FROM homework.submissions WHERE id = $1 FOR UPDATE`, id).
			Scan(&s.id, &s.homework, &s.pupil, &s.state, &s.attempt, &s.text, &s.version)
		if errors.Is(err, pgx.ErrNoRows) {
			return notYours(theSubmission)
		}
		if err != nil {
			return err
		}
		h, err := loadHomework(ctx, tx, s.homework, false)
		if err != nil {
			return err
		}
		if err := require(ctx, PermReview, teaching(h.OrganisationID, h.TeacherID), theSubmission); err != nil {
			return err
		}
		if in.Version != s.version {
			return stale("Работа или её состояние", s.version, s.state)
		}
		switch {
		case s.state == issuehomeworkapi.Submitted:
		case s.state == issuehomeworkapi.Accepted && in.Decision == issuehomeworkapi.Accept && h.Marked:
			// A re-review: another mark for the accepted attempt.
		default:
			return notNow(&s, "работа сейчас не ждёт проверки ("+issuehomeworkapi.SubmissionStates[s.state]+")")
		}
		if in.Decision == issuehomeworkapi.Accept {
			switch {
			case h.Marked && in.Mark == nil:
				return errs.Fields("поставьте оценку", field("mark", errs.Required, "задание оценивается: оценка от 1 до 5"))
			case !h.Marked && in.Mark != nil:
				return errs.Fields("задание без оценки", field("mark", issuehomeworkapi.ReasonUnexpected, "задание выдано без оценки"))
			}
		}
		journal := issuehomeworkapi.JournalNone
		if in.Mark != nil {
			journal = issuehomeworkapi.JournalPending
		}
		c := callerOf(ctx)
		rv := issuehomeworkapi.ReviewedEvent{ReviewID: uuid.Must(uuid.NewV7()), HomeworkID: h.ID, SubmissionID: s.id, PupilID: s.pupil,
			LessonID: h.LessonID, Attempt: s.attempt, Decision: in.Decision, Mark: in.Mark, ReviewerID: c.person}
		if in.Mark != nil {
			rv.MarkKind = h.MarkKind
		}
		if err := tx.QueryRow(ctx, `INSERT INTO homework.reviews (id, submission_id, attempt, decision, mark, comment, reviewer_subject, reviewer_id, reviewed_at, journal)
			VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, clock_timestamp(), $9) RETURNING reviewed_at`,
			rv.ReviewID, s.id, s.attempt, in.Decision, in.Mark, comment, c.subject, nullUUID(c.person), journal).Scan(&rv.ReviewedAt); err != nil {
			return fmt.Errorf("review: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE homework.submissions SET state = $2, version = version + 1, updated_at = clock_timestamp() WHERE id = $1`,
			s.id, in.Decision); err != nil {
			return err
		}
		if _, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: issuehomeworkapi.EventReviewed, Source: source, Subject: s.pupil.String(), Data: rv}); err != nil {
			return err
		}
		view, err := submissionOf(ctx, tx, h, s.pupil)
		if err != nil {
			return err
		}
		out = *view
		return f.announceWork(ctx, tx, view)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}
