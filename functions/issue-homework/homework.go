package issuehomework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// maxPupils bounds the chosen pupils of an individual task.
const maxPupils = 60

// issue: POST /api/issue-homework/homework — the lesson's teacher issues
// homework for it (the journal decides whose lesson it is and lists its
// class); 201 with the homework and homework.issued in the same transaction.
func (f *Function) issue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in issuehomeworkapi.HomeworkRequest
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	lesson, err := uuid.Parse(in.LessonID)
	if err != nil {
		fe = append(fe, field("lesson_id", errs.Format, "идентификатор урока"))
	}
	h, fe := f.checkHomework(in, &issuehomeworkapi.Homework{SubmissionExpected: true}, fe)
	var pupils []uuid.UUID
	for i, s := range in.Pupils {
		id, err := uuid.Parse(s)
		if err != nil {
			fe = append(fe, field("pupils["+strconv.Itoa(i)+"]", errs.Format, "идентификатор ученика"))
			continue
		}
		if !slices.Contains(pupils, id) {
			pupils = append(pupils, id)
		}
	}
	if len(pupils) > maxPupils {
		fe = append(fe, field("pupils", errs.Range, "не больше "+strconv.Itoa(maxPupils)+" учеников"))
	}
	if len(fe) > 0 {
		return errs.Fields("домашнее задание заполнено с ошибками", fe...)
	}

	// The journal, asked with the teacher's token, says whose lesson it is
	// and who is in the class on its date.
	j, err := f.journal.Journal(ctx, lesson)
	if err != nil {
		if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Forbidden) {
			return notYours(theLesson)
		}
		return err
	}
	if err := require(ctx, PermIssue, teaching(j.OrganisationID, j.Lesson.TeacherID), theLesson); err != nil {
		return err
	}
	class := make([]uuid.UUID, len(j.Students))
	for i, s := range j.Students {
		class[i] = s.StudentID
	}
	recipients := class
	if len(pupils) > 0 {
		for i, p := range pupils {
			if !slices.Contains(class, p) {
				fe = append(fe, field("pupils["+strconv.Itoa(i)+"]", issuehomeworkapi.ReasonNotInClass, "ученика нет в классе этого урока"))
			}
		}
		recipients = pupils
	}
	if len(fe) > 0 {
		return unprocessable("задание нельзя выдать этим ученикам", fe...)
	}
	if len(recipients) == 0 {
		return unprocessable("в классе этого урока нет учеников", field("lesson_id", issuehomeworkapi.ReasonNotInClass, "в классе нет учеников на дату урока"))
	}

	h.ID = uuid.Must(uuid.NewV7())
	h.OrganisationID, h.ClassID, h.SubjectID, h.TeacherID = j.OrganisationID, j.Lesson.ClassID, j.Lesson.SubjectID, j.Lesson.TeacherID
	h.LessonID, h.LessonDate, h.Pupils, h.Status, h.Version = lesson, j.Lesson.Date, pupils, "issued", 1
	if h.Pupils == nil {
		h.Pupils = []uuid.UUID{}
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO homework.homework (id, organisation_id, class_id, subject_id, teacher_id, lesson_id, lesson_date,
			    text, due_at, cutoff_at, submission_expected, marked, mark_kind, pupils, status, version, issued_at, changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8, $9, $10, $11, $12, nullif($13, ''), $14, 'issued', 1, clock_timestamp(), clock_timestamp())
			RETURNING issued_at, changed_at`,
			h.ID, h.OrganisationID, h.ClassID, h.SubjectID, h.TeacherID, h.LessonID, h.LessonDate, h.Text, h.DueAt, h.CutoffAt,
			h.SubmissionExpected, h.Marked, h.MarkKind, h.Pupils).Scan(&h.IssuedAt, &h.ChangedAt); err != nil {
			return fmt.Errorf("issue homework: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO homework.recipients (homework_id, pupil_id, due_at) SELECT $1, unnest($2::uuid[]), $3`, h.ID, recipients, h.DueAt); err != nil {
			return fmt.Errorf("issue homework: pupils: %w", err)
		}
		return f.announce(ctx, tx, issuehomeworkapi.EventIssued, &h.Homework)
	})
	if err != nil {
		return err
	}
	h.Files, h.MayEdit = []issuehomeworkapi.File{}, true
	return httpx.Reply(w, http.StatusCreated, h.Homework, nil)
}

// checkHomework validates the fields of in common to issuing and changing,
// over cur (the homework as it stands, or its defaults), and returns the
// result with the field errors appended to fe.
func (f *Function) checkHomework(in issuehomeworkapi.HomeworkRequest, cur *issuehomeworkapi.Homework, fe []errs.FieldError) (*homework, []errs.FieldError) {
	h := &homework{Homework: *cur}
	text, ok := plainText(in.Text)
	h.Text = text
	switch n := utf8.RuneCountInString(h.Text); {
	case n == 0:
		fe = append(fe, field("text", errs.Required, "напишите, что задано"))
	case n > 5000:
		fe = append(fe, field("text", errs.Length, "не длиннее 5000 символов"))
	case !ok:
		fe = append(fe, field("text", errs.Format, "недопустимые символы"))
	}
	now := f.Time()
	due, err := parseMoment(in.DueAt)
	switch {
	case err != nil:
		fe = append(fe, field("due_at", errs.Format, "дата и время: ГГГГ-ММ-ДДTЧЧ:ММ (время Кемерово) или RFC 3339"))
	case !due.After(now):
		fe = append(fe, field("due_at", issuehomeworkapi.ReasonPast, "срок сдачи уже прошёл"))
	default:
		h.DueAt = due
	}
	h.CutoffAt = nil
	if in.CutoffAt != "" {
		cut, err := parseMoment(in.CutoffAt)
		switch {
		case err != nil:
			fe = append(fe, field("cutoff_at", errs.Format, "дата и время: ГГГГ-ММ-ДДTЧЧ:ММ (время Кемерово) или RFC 3339"))
		case !due.IsZero() && cut.Before(due):
			fe = append(fe, field("cutoff_at", issuehomeworkapi.ReasonOrder, "крайний срок приёма не может быть раньше срока сдачи"))
		default:
			h.CutoffAt = &cut
		}
	}
	if in.SubmissionExpected != nil {
		h.SubmissionExpected = *in.SubmissionExpected
	}
	if in.Marked != nil {
		h.Marked = *in.Marked
	}
	h.MarkKind = ""
	if h.Marked {
		h.MarkKind = cmpOr(in.MarkKind, "homework")
		if !slices.ContainsFunc(postgradeapi.MarkKinds, func(k postgradeapi.MarkKind) bool { return k.Code == h.MarkKind }) {
			fe = append(fe, field("mark_kind", issuehomeworkapi.ReasonKind, "вид работы журнала: oral, homework, independent, test, control, dictation"))
		}
		if !h.SubmissionExpected {
			fe = append(fe, field("submission_expected", issuehomeworkapi.ReasonNotExpected, "оценивается только задание, которое сдают"))
		}
	} else if in.MarkKind != "" {
		fe = append(fe, field("mark_kind", issuehomeworkapi.ReasonUnexpected, "вид работы указывается только для задания с оценкой"))
	}
	return h, fe
}

// plainText is raw as stored (cleanText) and whether it is plain text: valid
// UTF-8 with no control characters but line breaks and tabs.
func plainText(raw string) (string, bool) {
	s := cleanText(raw)
	return s, utf8.ValidString(raw) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
}

// cleanText is s as stored: line breaks made \n, trailing spaces of lines
// and blank lines at either end removed.
func cleanText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n ")
}

// parseMoment reads RFC 3339, or "YYYY-MM-DDTHH:MM" in Kemerovo time.
func parseMoment(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04", s, kuzbass.Time)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// change: PATCH /api/issue-homework/homework/{id} — its teacher changes it
// before the due time, naming the version seen; the previous state is kept
// in the history; homework.changed.
func (f *Function) change(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in issuehomeworkapi.HomeworkRequest
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	if in.LessonID != "" {
		fe = append(fe, field("lesson_id", issuehomeworkapi.ReasonState, "урок задания не меняется: отмените его и выдайте новое"))
	}
	if len(in.Pupils) > 0 {
		fe = append(fe, field("pupils", issuehomeworkapi.ReasonState, "учеников задания не меняют: отмените его и выдайте новое"))
	}
	var out *homework
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		h, err := f.editable(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		n, fe := f.checkHomework(in, &h.Homework, fe)
		if len(fe) > 0 {
			return errs.Fields("домашнее задание заполнено с ошибками", fe...)
		}
		if err := keepHistory(ctx, tx, h, "changed", ""); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE homework.homework SET text = $2, due_at = $3, cutoff_at = $4, submission_expected = $5, marked = $6,
			    mark_kind = nullif($7, ''), version = version + 1, changed_at = clock_timestamp()
			WHERE id = $1 RETURNING version, changed_at`, id, n.Text, n.DueAt, n.CutoffAt, n.SubmissionExpected, n.Marked, n.MarkKind).
			Scan(&n.Version, &n.ChangedAt); err != nil {
			return fmt.Errorf("change homework %s: %w", id, err)
		}
		if !n.DueAt.Equal(h.DueAt) {
			if _, err := tx.Exec(ctx, `UPDATE homework.recipients SET due_at = $2 WHERE homework_id = $1`, id, n.DueAt); err != nil {
				return fmt.Errorf("change homework %s: %w", id, err)
			}
		}
		out = n
		return f.announce(ctx, tx, issuehomeworkapi.EventChanged, &n.Homework)
	})
	if err != nil {
		return err
	}
	return f.reply(w, r, out)
}

// cancel: POST /api/issue-homework/homework/{id}/cancel {version, reason}.
func (f *Function) cancel(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in issuehomeworkapi.CancelRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	reason := strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > 500 {
		return errs.Fields("укажите причину отмены", field("reason", errs.Required, "причина отмены, до 500 символов"))
	}
	var out *homework
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		h, err := f.editable(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		if err := keepHistory(ctx, tx, h, "cancelled", reason); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `UPDATE homework.homework SET status = 'cancelled', version = version + 1, changed_at = clock_timestamp()
			WHERE id = $1 RETURNING version, changed_at`, id).Scan(&h.Version, &h.ChangedAt); err != nil {
			return err
		}
		h.Status = "cancelled"
		out = h
		return f.announce(ctx, tx, issuehomeworkapi.EventCancelled, &h.Homework)
	})
	if err != nil {
		return err
	}
	return f.reply(w, r, out)
}

// anyVersion is the version of a step that changes no field of a homework
// (attaching a file): any version does.
const anyVersion = -1

// editable locks homework id for its teacher's change: issued, before its
// due time, at the version the teacher saw (or anyVersion).
func (f *Function) editable(ctx context.Context, tx pgx.Tx, id uuid.UUID, version int) (*homework, error) {
	h, err := loadHomework(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, notYours(theHomework)
	}
	if err := require(ctx, PermIssue, teaching(h.OrganisationID, h.TeacherID), theHomework); err != nil {
		return nil, err
	}
	switch {
	case h.Status != "issued":
		return nil, unprocessable("задание отменено", field("version", issuehomeworkapi.ReasonClosed, "отменённое задание не меняется"))
	case !f.Time().Before(h.DueAt):
		return nil, unprocessable("срок сдачи прошёл: задание больше не меняется", field("due_at", issuehomeworkapi.ReasonDue, "срок сдачи прошёл"))
	case version != anyVersion && version != h.Version:
		return nil, stale("Задание или его срок", h.Version, "")
	}
	return h, nil
}

// keepHistory records h as it was before action.
func keepHistory(ctx context.Context, tx pgx.Tx, h *homework, action, reason string) error {
	state, err := json.Marshal(h.Homework)
	if err != nil {
		return err
	}
	c := callerOf(ctx)
	_, err = tx.Exec(ctx, `INSERT INTO homework.homework_history (homework_id, version, action, state, reason, actor_subject, actor_id, at)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, clock_timestamp())`, h.ID, h.Version, action, state, reason, c.subject, nullUUID(c.person))
	return err
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// announce writes the homework event typ of h in tx.
func (f *Function) announce(ctx context.Context, tx pgx.Tx, typ string, h *issuehomeworkapi.Homework) error {
	_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: typ, Source: source, Subject: h.ID.String(), Data: issuehomeworkapi.HomeworkEvent{
		HomeworkID: h.ID, OrganisationID: h.OrganisationID, ClassID: h.ClassID, SubjectID: h.SubjectID, TeacherID: h.TeacherID,
		LessonID: h.LessonID, LessonDate: h.LessonDate, Text: h.Text, DueAt: h.DueAt, SubmissionExpected: h.SubmissionExpected,
		Marked: h.Marked, MarkKind: h.MarkKind, Pupils: h.Pupils, Status: h.Status, Version: h.Version}})
	return err
}

// reply answers h as the caller sees it.
func (f *Function) reply(w http.ResponseWriter, r *http.Request, h *homework) error {
	view, err := f.view(r.Context(), f.db, h, uuid.Nil)
	return httpx.Reply(w, http.StatusOK, view, err)
}
