package postgrade

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// saveColumn: POST /api/post-grade/lessons/{id}/column — the lesson's teacher
// saves what changed in its column: new and changed marks, the attendance
// that differs from what is recorded, the topic. One transaction: every cell
// is checked, any refused one refuses the column and nothing is written; only
// the attendance sent is written (and announced), and a column without
// attendance leaves the lesson's attendance as it was — not taken, if it was not.
func (f *Function) saveColumn(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	if r.ContentLength > maxMarksBody {
		return errs.User(errs.TooLarge, "за раз сохраняется один урок: не больше %d оценок и %d отметок посещаемости", maxMarkItems, maxMarkItems)
	}
	var in postgradeapi.ColumnRequest
	if err := httpx.DecodeJSON(w, r, &in, maxMarksBody); err != nil {
		return err
	}
	var fe []errs.FieldError
	if len(in.Marks) > maxMarkItems {
		fe = append(fe, field("marks", postgradeapi.ReasonCount, "не больше "+strconv.Itoa(maxMarkItems)+" оценок одного урока"))
	}
	if len(in.Attendance) > maxMarkItems {
		fe = append(fe, field("attendance", postgradeapi.ReasonCount, "не больше "+strconv.Itoa(maxMarkItems)+" учеников"))
	}
	if in.Topic != nil && utf8.RuneCountInString(*in.Topic) > 500 {
		fe = append(fe, field("topic", errs.Length, "не длиннее 500 символов"))
	}
	if len(fe) == 0 {
		fe = append(checkMarks("marks", in.Marks), checkAttendance("attendance", in.Attendance)...)
	}
	if len(fe) > 0 {
		return errs.Fields("урок не сохранён: исправьте отмеченные ячейки", fe...)
	}
	attendance := len(in.Attendance) > 0 || in.TakeAttendance
	if len(in.Marks) == 0 && !attendance && in.Topic == nil {
		return errs.Fields("урок не сохранён", field("marks", errs.Required, "нечего сохранять: ни оценок, ни посещаемости, ни темы"))
	}
	c := callerOf(ctx)
	out := postgradeapi.ColumnSaved{Marks: []postgradeapi.Mark{}}
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		out.Marks = out.Marks[:0]
		lc, err := lessonContext(ctx, tx, id)
		if err != nil {
			return err
		}
		if lc == nil {
			return notYours(theLesson)
		}
		if err := require(ctx, PermTeach, teaching(lc.org, lc.lesson.TeacherID), theLesson); err != nil {
			return err
		}
		// The topic is the lesson's plan, not a mark: a closed period does
		// not keep it (as PATCH lessons/{id}); marks and attendance it does.
		if (len(in.Marks) > 0 || attendance) && lc.closed && lc.permit == nil {
			return errPeriodClosed
		}
		// Marks first, as POST marks does (mark rows, then the lesson's
		// totals), then attendance (the lesson): saves of one lesson lock
		// in the same order and never deadlock.
		var evs []outbox.Event
		if len(in.Marks) > 0 {
			if out.Marks, evs, err = writeMarks(ctx, tx, lc, c, "marks", in.Marks); err != nil {
				return err
			}
		}
		if attendance {
			marked, err := f.writeAttendance(ctx, tx, lc, c, "attendance", in.Attendance)
			if err != nil {
				return err
			}
			evs = append(evs, marked...)
		}
		out.Topic, out.AttendanceTaken = lc.lesson.Topic, lc.attendanceTaken || attendance
		if in.Topic != nil {
			out.Topic = strings.TrimSpace(*in.Topic)
			if _, err := tx.Exec(ctx, `UPDATE journal.lessons SET topic = NULLIF($2, '') WHERE id = $1`, id, out.Topic); err != nil {
				return err
			}
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}
