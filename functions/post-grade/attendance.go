package postgrade

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// attendanceStatuses are the codes of postgradeapi.AttendanceStatuses and their titles.
var attendanceStatuses = func() map[string]string {
	m := map[string]string{}
	for _, t := range postgradeapi.AttendanceStatuses {
		m[t.Code] = t.Title
	}
	return m
}()

// markAttendance: POST /api/post-grade/attendance — the lesson's teacher, one
// transaction for the class.
func (f *Function) markAttendance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in postgradeapi.AttendanceRequest
	if err := httpx.DecodeJSON(w, r, &in, maxMarksBody); err != nil {
		return err
	}
	lessonID, err := lessonSave(in.LessonID, len(in.Items), "учеников")
	if err != nil {
		return err
	}
	if fe := checkAttendance("items", in.Items); len(fe) > 0 {
		return errs.Fields("посещаемость не сохранена", fe...)
	}
	c := callerOf(ctx)
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		lc, err := f.editableLesson(ctx, tx, c, lessonID)
		if err != nil {
			return err
		}
		evs, err := f.writeAttendance(ctx, tx, lc, c, "items", in.Items)
		if err != nil {
			return err
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkAttendance validates the items of a save on their own; list names
// them in field errors.
func checkAttendance(list string, items []postgradeapi.AttendanceItem) []errs.FieldError {
	var fe []errs.FieldError
	for i, it := range items {
		name := list + "[" + strconv.Itoa(i) + "]"
		if _, err := uuid.Parse(it.StudentID); err != nil {
			fe = append(fe, field(name+".student_id", errs.Format, "идентификатор ученика в формате UUID"))
		}
		if _, ok := attendanceStatuses[it.Status]; !ok {
			fe = append(fe, field(name+".status", errs.Enum, "present, absent_illness, absent_excused, absent_unexcused или late"))
		}
	}
	return fe
}

// writeAttendance records that attendance of the lesson was taken, with the
// items (checked with checkAttendance) as the pupils' attendance — none
// means everyone present as recorded — and returns the events: one
// attendance.marked per item, absence.chronic where an absence passed the
// threshold. The lesson is locked from here to the end of tx: saves of its
// attendance follow one another, so that each counts the absences all the
// others committed.
func (f *Function) writeAttendance(ctx context.Context, tx pgx.Tx, lc *lessonCtx, c caller, list string, items []postgradeapi.AttendanceItem) ([]outbox.Event, error) {
	l, date := lc.lesson, lc.date
	var at time.Time
	if err := tx.QueryRow(ctx, `SELECT clock_timestamp() FROM journal.lessons WHERE id = $1 FOR UPDATE`, l.ID).Scan(&at); err != nil {
		return nil, err
	}
	evs := make([]outbox.Event, 0, len(items))
	students := make([]uuid.UUID, len(items))
	for i, it := range items {
		students[i], _ = uuid.Parse(it.StudentID)
		if !lc.enrolled[students[i]] {
			return nil, errs.Fields("посещаемость не сохранена",
				field(list+"["+strconv.Itoa(i)+"].student_id", postgradeapi.ReasonNotEnrolled, "ученик не числится в этом классе на "+date.Format("02.01.2006")))
		}
		var err error
		if it.Status == "present" {
			_, err = tx.Exec(ctx, `DELETE FROM journal.attendance WHERE lesson_id = $1 AND student_id = $2`, l.ID, students[i])
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO journal.attendance (lesson_id, student_id, lesson_date, status, marked_by, marked_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (lesson_id, student_id) DO UPDATE SET status = EXCLUDED.status, marked_by = EXCLUDED.marked_by, marked_at = EXCLUDED.marked_at`,
				l.ID, students[i], date, it.Status, c.subject, at)
		}
		if err != nil {
			return nil, err
		}
		evs = append(evs, outbox.Event{Type: postgradeapi.EventAttendanceMarked, Source: source, Subject: students[i].String(), Data: postgradeapi.AttendanceEvent{
			LessonID: l.ID.String(), StudentID: students[i].String(), ClassID: l.ClassID.String(), SubjectID: l.SubjectID.String(),
			Date: l.Date, Status: it.Status, MarkedAt: at.UTC().Format(time.RFC3339Nano)}})
	}
	if _, err := tx.Exec(ctx, `UPDATE journal.lessons SET attendance_taken_at = $2, pupils = $3,
		    absences = (SELECT count(*) FROM journal.attendance WHERE lesson_id = $1 AND status LIKE 'absent_%')
		WHERE id = $1`, l.ID, at, len(lc.enrolled)); err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.Status == "present" || it.Status == "late" {
			continue
		}
		ev, err := f.attendance.chronicAbsence(ctx, tx, lc.org, l.ClassID, students[i], date)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			evs = append(evs, *ev)
		}
		if it.Status != "absent_unexcused" {
			continue
		}
		if ev, err = f.attendance.absenceStreak(ctx, tx, lc.org, l.ClassID, students[i], date); err != nil {
			return nil, err
		}
		if ev != nil {
			evs = append(evs, *ev)
		}
	}
	return evs, nil
}

// absenceStreak returns the absence.streak event when the run of school
// days (days with the class's lessons) around date on each of which student
// missed every marked lesson without a valid reason has just reached
// StreakDays: once per run, whatever order its days are marked in and
// however long it grows (a run that already holds a signalled first day is
// not signalled again).
func (o AttendanceOptions) absenceStreak(ctx context.Context, tx pgx.Tx, org, class, student uuid.UUID, date time.Time) (*outbox.Event, error) {
	rows, err := tx.Query(ctx, `SELECT ls.lesson_date,
		    count(*) FILTER (WHERE ls.attendance_taken_at IS NOT NULL) > 0
		    AND count(*) FILTER (WHERE ls.attendance_taken_at IS NOT NULL) = count(a.status) FILTER (WHERE a.status = 'absent_unexcused')
		FROM journal.lessons ls LEFT JOIN journal.attendance a ON a.lesson_id = ls.id AND a.student_id = $2
		WHERE ls.class_id = $1 AND ls.lesson_date BETWEEN $3::date - 60 AND $3::date + 60
		GROUP BY ls.lesson_date ORDER BY ls.lesson_date`, class, student, date)
	if err != nil {
		return nil, err
	}
	type day struct {
		Date   time.Time
		Missed bool
	}
	days, err := pgx.CollectRows(rows, pgx.RowToStructByPos[day])
	if err != nil {
		return nil, err
	}
	at := slices.IndexFunc(days, func(d day) bool { return d.Date.Equal(date) })
	if at < 0 || !days[at].Missed {
		return nil, nil
	}
	first, last := at, at
	for first > 0 && days[first-1].Missed {
		first--
	}
	for last < len(days)-1 && days[last+1].Missed {
		last++
	}
	if n := last - first + 1; n < o.StreakDays {
		return nil, nil
	}
	from, to := days[first].Date.Format(time.DateOnly), days[last].Date.Format(time.DateOnly)
	var signalled bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM journal.absence_signals WHERE student_id = $1 AND span_key BETWEEN $2 AND $3)`,
		student, "streak:"+from, "streak:"+to).Scan(&signalled); err != nil || signalled {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO journal.absence_signals (student_id, span_key, absences, lessons, signalled_at)
		VALUES ($1, $2, $3, 0, clock_timestamp())`, student, "streak:"+from, int32(last-first+1)); err != nil {
		return nil, err
	}
	ev := postgradeapi.AbsenceStreakEvent{StudentID: student.String(), ClassID: class.String(), OrganisationID: org.String(),
		From: from, To: to, Days: last - first + 1}
	return &outbox.Event{Type: postgradeapi.EventAbsenceStreak, Source: source, Subject: student.String(), Data: ev}, nil
}

// chronicAbsence returns the absence.chronic event when student's absences
// from the class's lessons in the period of date (or the 30 days up to it,
// without periods) have just reached the threshold; once per pupil and span.
func (o AttendanceOptions) chronicAbsence(ctx context.Context, tx pgx.Tx, org, class, student uuid.UUID, date time.Time) (*outbox.Event, error) {
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
		WHERE ls.class_id = $1 AND ls.lesson_date BETWEEN $3 AND $4`, class, student, from, date).Scan(&lessons, &absences, &unexcused); err != nil {
		return nil, err
	}
	if lessons < o.ChronicMinLessons || float64(absences) < o.ChronicShare*float64(lessons) {
		return nil, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO journal.absence_signals (student_id, span_key, absences, lessons, signalled_at)
		VALUES ($1, $2, $3, $4, clock_timestamp()) ON CONFLICT DO NOTHING`, student, key, int32(absences), int32(lessons))
	if err != nil || tag.RowsAffected() == 0 {
		return nil, err
	}
	ev := postgradeapi.AbsenceEvent{StudentID: student.String(), ClassID: class.String(), OrganisationID: org.String(),
		From: from.Format(time.DateOnly), To: date.Format(time.DateOnly), Absences: absences, Unexcused: unexcused, Lessons: lessons,
		Threshold: o.ChronicShare}
	if period != nil {
		ev.PeriodID = period.String()
	}
	return &outbox.Event{Type: postgradeapi.EventAbsenceChronic, Source: source, Subject: student.String(), Data: ev}, nil
}
