package issuehomework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// The pupil's steps on the own work (Microsoft Teams-like allowed
// transitions): save a draft (assigned, draft or returned → draft), submit
// (draft or returned → submitted, a new attempt with its receipt), take back
// before review (submitted → draft). The teacher's: return (submitted →
// returned) and accept (submitted, or accepted again with another mark →
// accepted). Every step names the version it saw.

// submission is a pupil's work as stored.
type submission struct {
	id       uuid.UUID
	homework uuid.UUID
	pupil    uuid.UUID
	state    string
	attempt  int
	text     string
	version  int
}

// pupilOf is the caller as a pupil: the registry person of the account.
func pupilOf(ctx context.Context) (uuid.UUID, error) {
	p := access.PersonOf(ctx)
	if p == nil {
		return uuid.Nil, notYours(theHomework)
	}
	return *p, nil
}

// ownHomework locks homework id for pupil's step on the own work: the
// pupil's own (the object check), one the homework is for, still taking
// work (issued, expecting a submission, before the cut-off).
func (f *Function) ownHomework(ctx context.Context, tx pgx.Tx, id, pupil uuid.UUID) (*homework, error) {
	if err := require(ctx, PermSubmit, ownWork(pupil), theHomework); err != nil {
		return nil, err
	}
	h, err := loadHomework(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, notYours(theHomework)
	}
	ok, err := isRecipient(ctx, tx, id, pupil)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notYours(theHomework)
	}
	switch {
	case h.Status != "issued":
		return nil, unprocessable("задание отменено учителем", field("homework", issuehomeworkapi.ReasonClosed, "задание отменено"))
	case !h.SubmissionExpected:
		return nil, unprocessable("это задание не сдают в электронном виде", field("homework", issuehomeworkapi.ReasonNotExpected, "сдача работы не предусмотрена"))
	case h.CutoffAt != nil && !f.Time().Before(*h.CutoffAt):
		return nil, unprocessable("приём работ по заданию закрыт", field("homework", issuehomeworkapi.ReasonClosed,
			"крайний срок приёма прошёл "+h.CutoffAt.In(kemerovoZone).Format("02.01.2006 15:04")))
	}
	return h, nil
}

// lockSubmission locks pupil's work on homework h (nil when nothing is saved).
func lockSubmission(ctx context.Context, tx pgx.Tx, h, pupil uuid.UUID) (*submission, error) {
	s := &submission{homework: h, pupil: pupil}
	err := tx.QueryRow(ctx, `SELECT id, state, attempt, text, version FROM homework.submissions WHERE homework_id = $1 AND pupil_id = $2 FOR UPDATE`,
		h, pupil).Scan(&s.id, &s.state, &s.attempt, &s.text, &s.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// draftOf locks pupil's work on h for a change, creating the draft when
// nothing is saved yet (at version 0, which the first save names). Only a
// draft or a returned work changes.
func draftOf(ctx context.Context, tx pgx.Tx, h, pupil uuid.UUID, version int, check bool) (*submission, error) {
	s, err := lockSubmission(ctx, tx, h, pupil)
	if err != nil {
		return nil, err
	}
	if s == nil {
		if check && version != 0 {
			return nil, stale("Работа или её состояние", 0, issuehomeworkapi.Assigned)
		}
		s = &submission{id: uuid.Must(uuid.NewV7()), homework: h, pupil: pupil, state: issuehomeworkapi.Draft}
		// At version 0 still: a draft made for a file (the upload path) has
		// no text yet, and the page that uploaded it saves its text naming 0.
		if err := tx.QueryRow(ctx, `INSERT INTO homework.submissions (id, homework_id, pupil_id, state, version, updated_at)
			VALUES ($1, $2, $3, 'draft', 0, clock_timestamp())
			ON CONFLICT (homework_id, pupil_id) DO NOTHING RETURNING version`, s.id, h, pupil).Scan(&s.version); err != nil {
			if errors.Is(err, pgx.ErrNoRows) { // a concurrent first step made it
				if check {
					return nil, stale("Работа или её состояние", 0, issuehomeworkapi.Draft)
				}
				// A file needs no version: it goes to the draft the other made
				// (two files picked at once are both taken).
				return draftOf(ctx, tx, h, pupil, version, check)
			}
			return nil, fmt.Errorf("submission: %w", err)
		}
		return s, nil
	}
	if check && version != s.version {
		return nil, stale("Работа или её состояние", s.version, s.state)
	}
	if s.state != issuehomeworkapi.Draft && s.state != issuehomeworkapi.Returned {
		return nil, notNow(s, "работа уже сдана: чтобы изменить её, заберите её до проверки")
	}
	return s, nil
}

// notNow refuses a step s's state does not allow: a 409 with its state.
func notNow(s *submission, detail string) error {
	return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: issuehomeworkapi.ReasonState, Detail: detail,
		Extra: map[string]any{issuehomeworkapi.MemberCurrentVersion: s.version, issuehomeworkapi.MemberCurrentState: s.state}}
}

// saveDraft: PUT /api/issue-homework/homework/{id}/submission {text, version}.
func (f *Function) saveDraft(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in issuehomeworkapi.DraftRequest
	if err := httpx.DecodeJSON(w, r, &in, 128<<10); err != nil {
		return err
	}
	text, ok := plainText(in.Text)
	switch {
	case utf8.RuneCountInString(text) > 20000:
		return errs.Fields("слишком длинный текст", field("text", errs.Length, "не длиннее 20 000 символов"))
	case !ok:
		return errs.Fields("недопустимые символы", field("text", errs.Format, "недопустимые символы"))
	}
	pupil, err := pupilOf(ctx)
	if err != nil {
		return err
	}
	return f.step(w, ctx, id, pupil, func(tx pgx.Tx, h *homework) error {
		s, err := draftOf(ctx, tx, h.ID, pupil, in.Version, true)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE homework.submissions SET text = $2, state = 'draft', version = version + 1, updated_at = clock_timestamp()
			WHERE id = $1`, s.id, text)
		return err
	})
}

// step runs the pupil's change of the own work on homework id in one
// transaction and answers the homework with the work as it then stands.
func (f *Function) step(w http.ResponseWriter, ctx context.Context, id, pupil uuid.UUID, change func(tx pgx.Tx, h *homework) error) error {
	var out issuehomeworkapi.Homework
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		h, err := f.ownHomework(ctx, tx, id, pupil)
		if err != nil {
			return err
		}
		if err := change(tx, h); err != nil {
			return err
		}
		if out, err = f.view(ctx, tx, h, pupil); err != nil {
			return err
		}
		return f.announceWork(ctx, tx, out.Submission)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// announceWork writes homework-work.changed of s as it now stands, with the
// latest accepted mark.
func (f *Function) announceWork(ctx context.Context, tx pgx.Tx, s *issuehomeworkapi.Submission) error {
	ev := issuehomeworkapi.WorkEvent{HomeworkID: s.HomeworkID, PupilID: s.PupilID, State: s.State, Attempt: s.Attempt, Late: s.Late,
		Version: s.Version, ChangedAt: s.UpdatedAt}
	for _, rv := range s.Reviews {
		if rv.Decision == issuehomeworkapi.Accept {
			ev.Mark = rv.Mark
			break
		}
	}
	_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: issuehomeworkapi.EventWorkChanged, Source: source, Subject: s.PupilID.String(), Data: ev})
	return err
}

// move runs a pupil's step on the own saved work: it names the version it
// saw, and the work must be in one of the states from (notFrom says why
// not); missing is the refusal when nothing is saved yet. It answers as step.
func (f *Function) move(w http.ResponseWriter, r *http.Request, id uuid.UUID, from []string, notFrom string, missing error,
	change func(tx pgx.Tx, h *homework, s *submission) error) error {
	ctx := r.Context()
	var in issuehomeworkapi.SubmitRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	pupil, err := pupilOf(ctx)
	if err != nil {
		return err
	}
	return f.step(w, ctx, id, pupil, func(tx pgx.Tx, h *homework) error {
		s, err := lockSubmission(ctx, tx, h.ID, pupil)
		switch {
		case err != nil:
			return err
		case s == nil:
			return missing
		case in.Version != s.version:
			return stale("Работа или её состояние", s.version, s.state)
		case !slices.Contains(from, s.state):
			return notNow(s, notFrom)
		}
		return change(tx, h, s)
	})
}

// submit: POST …/homework/{id}/submission/submit {version} — the work is
// submitted as a new attempt with its receipt: the database's time of
// receipt, late or not, and the SHA-256 of every file.
func (f *Function) submit(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	empty := unprocessable("нечего сдавать: напишите ответ или приложите файл", field("text", errs.Required, "работа пуста"))
	return f.move(w, r, id, []string{issuehomeworkapi.Draft, issuehomeworkapi.Returned}, "работа уже сдана", empty,
		func(tx pgx.Tx, h *homework, s *submission) error {
			ctx := r.Context()
			files, err := receiptFiles(ctx, tx, s.id)
			if err != nil {
				return err
			}
			if strings.TrimSpace(s.text) == "" && len(files) == 0 {
				return empty
			}
			list, err := json.Marshal(files)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO homework.attempts (submission_id, attempt, text, files, received_at, late)
				VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp() > $5)`, s.id, s.attempt+1, s.text, list, h.DueAt); err != nil {
				return fmt.Errorf("submit: %w", err)
			}
			_, err = tx.Exec(ctx, `UPDATE homework.submissions SET state = 'submitted', attempt = attempt + 1, version = version + 1,
				updated_at = clock_timestamp() WHERE id = $1`, s.id)
			return err
		})
}

// receiptFiles are the confirmed files of a submission as its receipt lists
// them; a file still uploading refuses the submission.
func receiptFiles(ctx context.Context, tx pgx.Tx, submission uuid.UUID) ([]issuehomeworkapi.ReceiptFile, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, size, coalesce(encode(sha256, 'hex'), ''), state FROM homework.files
		WHERE submission_id = $1 AND state IN ('uploading', 'clean') ORDER BY created_at, id`, submission)
	if err != nil {
		return nil, err
	}
	files := []issuehomeworkapi.ReceiptFile{}
	uploading := false
	for rows.Next() {
		var rf issuehomeworkapi.ReceiptFile
		var state string
		if err := rows.Scan(&rf.ID, &rf.Name, &rf.Size, &rf.SHA256, &state); err != nil {
			rows.Close()
			return nil, err
		}
		uploading = uploading || state == "uploading"
		files = append(files, rf)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if uploading {
		return nil, unprocessable("файлы ещё загружаются: дождитесь окончания загрузки", field("files", issuehomeworkapi.ReasonFileMissing, "файл не загружен до конца"))
	}
	return files, nil
}

// takeBack: POST …/homework/{id}/submission/take-back {version} — before
// the teacher reviews it, the pupil takes the work back to change it; its
// receipt stays, marked taken back.
func (f *Function) takeBack(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	return f.move(w, r, id, []string{issuehomeworkapi.Submitted}, "забрать можно только сданную и ещё не проверенную работу", notYours(theSubmission),
		func(tx pgx.Tx, h *homework, s *submission) error {
			ctx := r.Context()
			if _, err := tx.Exec(ctx, `UPDATE homework.attempts SET taken_back_at = clock_timestamp() WHERE submission_id = $1 AND attempt = $2`,
				s.id, s.attempt); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE homework.submissions SET state = 'draft', version = version + 1, updated_at = clock_timestamp() WHERE id = $1`, s.id)
			return err
		})
}
