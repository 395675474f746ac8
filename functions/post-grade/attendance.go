package postgrade

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// AttendanceRequest is the body of POST /api/post-grade/attendance: a
// lesson's absences and lateness; "present" clears a student's record.
type AttendanceRequest struct {
	LessonID string           `json:"lesson_id"`
	Items    []AttendanceItem `json:"items"`
}

// AttendanceItem is one student's attendance of the lesson.
type AttendanceItem struct {
	StudentID string `json:"student_id"`
	Status    string `json:"status"` // present | absent_illness | absent_excused | absent_unexcused | late
}

var attendanceStatuses = map[string]string{
	"present": "присутствовал", "absent_illness": "болел", "absent_excused": "отсутствовал по уважительной причине",
	"absent_unexcused": "отсутствовал без уважительной причины", "late": "опоздал",
}

// AttendanceEvent is the data of attendance.marked.
type AttendanceEvent struct {
	LessonID  string `json:"lesson_id"`
	StudentID string `json:"student_id"`
	ClassID   string `json:"class_id"`
	SubjectID string `json:"subject_id"`
	Date      string `json:"date"`
	Status    string `json:"status"`
	MarkedAt  string `json:"marked_at"`
}

// markAttendance: POST /api/post-grade/attendance — the lesson's teacher, one
// transaction for the class.
func (f *Function) markAttendance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in AttendanceRequest
	if err := httpx.DecodeJSON(w, r, &in, maxMarksBody); err != nil {
		return err
	}
	lessonID, err := uuid.Parse(in.LessonID)
	if err != nil {
		return errs.Fields("неверный запрос", field("lesson_id", "format", "идентификатор урока в формате UUID"))
	}
	if len(in.Items) == 0 || len(in.Items) > maxMarkItems {
		return errs.Fields("неверный запрос", field("items", "count", "от 1 до "+strconv.Itoa(maxMarkItems)+" учеников"))
	}
	var fe []errs.FieldError
	students := make([]uuid.UUID, len(in.Items))
	for i, it := range in.Items {
		name := "items[" + strconv.Itoa(i) + "]"
		if students[i], err = uuid.Parse(it.StudentID); err != nil {
			fe = append(fe, field(name+".student_id", "format", "идентификатор ученика в формате UUID"))
		}
		if _, ok := attendanceStatuses[it.Status]; !ok {
			fe = append(fe, field(name+".status", "enum", "present, absent_illness, absent_excused, absent_unexcused или late"))
		}
	}
	if len(fe) > 0 {
		return errs.Fields("посещаемость не сохранена", fe...)
	}
	c := callerOf(ctx)
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		l, org, err := f.lesson(ctx, tx, lessonID)
		if err != nil {
			return err
		}
		if l == nil || !c.teaches(org, l.TeacherID) {
			return errs.E(errs.NotFound, "урок не найден среди ваших")
		}
		if err := openPeriod(ctx, tx, org, l.Date); err != nil {
			return err
		}
		date, _ := time.Parse(time.DateOnly, l.Date)
		enrolled, err := classOn(ctx, tx, l.ClassID, date)
		if err != nil {
			return err
		}
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			return err
		}
		evs := make([]outbox.Event, 0, len(in.Items))
		for i, it := range in.Items {
			if !enrolled[students[i]] {
				return errs.Fields("посещаемость не сохранена",
					field("items["+strconv.Itoa(i)+"].student_id", "not_enrolled", "ученик не числится в этом классе на "+date.Format("02.01.2006")))
			}
			if it.Status == "present" {
				_, err = tx.Exec(ctx, `DELETE FROM journal.attendance WHERE lesson_id = $1 AND student_id = $2`, l.ID, students[i])
			} else {
				_, err = tx.Exec(ctx, `INSERT INTO journal.attendance (lesson_id, student_id, lesson_date, status, marked_by, marked_at)
					VALUES ($1, $2, $3, $4, $5, $6)
					ON CONFLICT (lesson_id, student_id) DO UPDATE SET status = EXCLUDED.status, marked_by = EXCLUDED.marked_by, marked_at = EXCLUDED.marked_at`,
					l.ID, students[i], date, it.Status, c.subject, at)
			}
			if err != nil {
				return err
			}
			evs = append(evs, outbox.Event{Type: EventAttendanceMarked, Source: source, Subject: students[i].String(), Data: AttendanceEvent{
				LessonID: l.ID.String(), StudentID: students[i].String(), ClassID: l.ClassID.String(), SubjectID: l.SubjectID.String(),
				Date: l.Date, Status: it.Status, MarkedAt: at.UTC().Format(time.RFC3339Nano)}})
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
