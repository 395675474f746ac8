package postgrade

import (
	"context"
	"errors"
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
			return errs.User(errs.NotFound, "урок не найден среди ваших")
		}
		if _, err := openPeriod(ctx, tx, org, l.Date, l.AssignmentID); err != nil {
			return err
		}
		date, _ := time.Parse(time.DateOnly, l.Date)
		enrolled, err := classOn(ctx, tx, l.ClassID, date)
		if err != nil {
			return err
		}
		// The lesson is locked from here: saves of its attendance follow one
		// another, so that each counts the absences all the others committed.
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp() FROM journal.lessons WHERE id = $1 FOR UPDATE`, l.ID).Scan(&at); err != nil {
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
		if _, err := tx.Exec(ctx, `UPDATE journal.lessons SET attendance_taken_at = $2, pupils = $3,
			    absences = (SELECT count(*) FROM journal.attendance WHERE lesson_id = $1 AND status LIKE 'absent_%')
			WHERE id = $1`, l.ID, at, len(enrolled)); err != nil {
			return err
		}
		for i, it := range in.Items {
			if it.Status == "present" || it.Status == "late" {
				continue
			}
			ev, err := f.chronicAbsence(ctx, tx, org, l, students[i], date)
			if err != nil {
				return err
			}
			if ev != nil {
				evs = append(evs, *ev)
			}
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// AbsenceEvent is the data of absence.chronic.
type AbsenceEvent struct {
	StudentID      string  `json:"student_id"`
	ClassID        string  `json:"class_id"`
	OrganisationID string  `json:"organisation_id"`
	PeriodID       string  `json:"period_id,omitempty"`
	From           string  `json:"from"`
	To             string  `json:"to"`
	Absences       int     `json:"absences"`
	Unexcused      int     `json:"unexcused"`
	Lessons        int     `json:"lessons"`
	Threshold      float64 `json:"threshold"`
}

// chronicAbsence returns the absence.chronic event when student's absences
// from the class's lessons in the period of date (or the 30 days up to it,
// without periods) have just reached the threshold; once per pupil and span.
func (f *Function) chronicAbsence(ctx context.Context, tx pgx.Tx, org uuid.UUID, l *Lesson, student uuid.UUID, date time.Time) (*outbox.Event, error) {
	from, key := date.AddDate(0, 0, -29), "days:"+date.AddDate(0, 0, -29).Format(time.DateOnly)
	var period *uuid.UUID
	var starts time.Time
	err := tx.QueryRow(ctx, `SELECT id, starts_on FROM journal.periods WHERE organisation_id = $1 AND $2::date BETWEEN starts_on AND ends_on`, org, date).
		Scan(&period, &starts)
	switch {
	case err == nil:
		from, key = starts, period.String()
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, err
	}
	var lessons, absences, unexcused int
	if err := tx.QueryRow(ctx, `SELECT count(*),
		    count(a.status) FILTER (WHERE a.status LIKE 'absent_%'),
		    count(a.status) FILTER (WHERE a.status = 'absent_unexcused')
		FROM journal.lessons ls LEFT JOIN journal.attendance a ON a.lesson_id = ls.id AND a.student_id = $2
		WHERE ls.class_id = $1 AND ls.lesson_date BETWEEN $3 AND $4`, l.ClassID, student, from, date).Scan(&lessons, &absences, &unexcused); err != nil {
		return nil, err
	}
	if lessons < f.attendance.ChronicMinLessons || float64(absences) < f.attendance.ChronicShare*float64(lessons) {
		return nil, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO journal.absence_signals (student_id, span_key, absences, lessons, signalled_at)
		VALUES ($1, $2, $3, $4, clock_timestamp()) ON CONFLICT DO NOTHING`, student, key, int32(absences), int32(lessons))
	if err != nil || tag.RowsAffected() == 0 {
		return nil, err
	}
	ev := AbsenceEvent{StudentID: student.String(), ClassID: l.ClassID.String(), OrganisationID: org.String(),
		From: from.Format(time.DateOnly), To: date.Format(time.DateOnly), Absences: absences, Unexcused: unexcused, Lessons: lessons,
		Threshold: f.attendance.ChronicShare}
	if period != nil {
		ev.PeriodID = period.String()
	}
	return &outbox.Event{Type: EventAbsenceChronic, Source: source, Subject: student.String(), Data: ev}, nil
}
