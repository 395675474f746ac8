package postgrade

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// maxGridDays bounds one grid.
const maxGridDays = 31

// grid: GET /api/post-grade/assignments/{id}/grid?from=&to= — the journal's
// page of an assignment: its teacher, the class teacher, the administration.
func (f *Function) grid(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	q := r.URL.Query()
	today := f.today()
	var fe []errs.FieldError
	from, to := dateSpan(q, today.AddDate(0, 0, -13), today, 14, maxGridDays, "период от from до to, не длиннее 31 дня", &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры", fe...)
	}
	a, err := f.assignment(ctx, id)
	if err != nil {
		return err
	}
	if a == nil {
		return notYours(theAssignment)
	}
	if err := require(ctx, PermJournalRead, journalOf(a.OrganisationID, a.ClassID, a.TeacherID), theAssignment); err != nil {
		return err
	}
	v := postgradeapi.GridView{Assignment: *a, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Lessons: []postgradeapi.Lesson{}, Pupils: []uuid.UUID{},
		Marks: map[string][]postgradeapi.Mark{}, Attendance: map[string]string{}}
	rows, err := f.db.Query(ctx, `SELECT id, to_char(lesson_date, 'YYYY-MM-DD'), lesson_no, coalesce(topic, '') FROM journal.lessons
		WHERE assignment_id = $1 AND lesson_date BETWEEN $2 AND $3 ORDER BY lesson_date, lesson_no`, a.ID, from, to)
	if err != nil {
		return err
	}
	for rows.Next() {
		l := postgradeapi.Lesson{AssignmentID: a.ID, ClassID: a.ClassID, SubjectID: a.SubjectID, TeacherID: a.TeacherID}
		var no int16
		if err := rows.Scan(&l.ID, &l.Date, &no, &l.Topic); err != nil {
			rows.Close()
			return err
		}
		l.No = int(no)
		v.Lessons = append(v.Lessons, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.db.Query(ctx, `SELECT DISTINCT student_id FROM journal.roster
		WHERE class_id = $1 AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $2) ORDER BY student_id`, a.ClassID, from, to)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s uuid.UUID
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		v.Pupils = append(v.Pupils, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.db.Query(ctx, `SELECT m.id, m.lesson_id, m.student_id, to_char(m.lesson_date, 'YYYY-MM-DD'), m.kind, m.value, m.passed, m.version, m.updated_at
		FROM journal.marks m JOIN journal.lessons l ON l.id = m.lesson_id
		WHERE l.assignment_id = $1 AND l.lesson_date BETWEEN $2 AND $3 AND m.deleted_at IS NULL ORDER BY m.created_at`, a.ID, from, to)
	if err != nil {
		return err
	}
	for rows.Next() {
		m := postgradeapi.Mark{SubjectID: a.SubjectID}
		var value *int16
		var version int32
		if err := rows.Scan(&m.ID, &m.LessonID, &m.StudentID, &m.Date, &m.Kind, &value, &m.Passed, &version, &m.UpdatedAt); err != nil {
			rows.Close()
			return err
		}
		m.Value, m.Version = intp(value), int(version)
		key := m.StudentID.String() + "/" + m.LessonID.String()
		v.Marks[key] = append(v.Marks[key], m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.db.Query(ctx, `SELECT a.student_id, a.lesson_id, a.status FROM journal.attendance a JOIN journal.lessons l ON l.id = a.lesson_id
		WHERE l.assignment_id = $1 AND l.lesson_date BETWEEN $2 AND $3`, a.ID, from, to)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s, l uuid.UUID
		var st string
		if err := rows.Scan(&s, &l, &st); err != nil {
			rows.Close()
			return err
		}
		v.Attendance[s.String()+"/"+l.String()] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}
