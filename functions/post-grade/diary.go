package postgrade

import (
	"context"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// journal: GET /api/post-grade/lessons/{id}/journal — the lesson's teacher,
// the class teacher of its class and the school's administration.
func (f *Function) journal(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	lc, err := lessonContext(ctx, f.db, id)
	if err != nil {
		return err
	}
	if lc == nil {
		return notYours(theLesson)
	}
	if err := require(ctx, PermJournalRead, journalOf(lc.org, lc.lesson.ClassID, lc.lesson.TeacherID), theLesson); err != nil {
		return err
	}
	l, enrolled := lc.lesson, lc.enrolled
	teaches := Rules.Reaches(ctx, PermTeach, teaching(lc.org, l.TeacherID))
	v := postgradeapi.JournalView{Lesson: *l, OrganisationID: lc.org, Kinds: markKinds, Statuses: attendanceStatuses,
		AttendanceTaken: lc.attendanceTaken, PeriodClosed: lc.closed,
		MayEdit: teaches && (!lc.closed || lc.permit != nil), MayChangeClosedPeriod: teaches && lc.closed && lc.permit != nil}
	byID := map[uuid.UUID]*postgradeapi.JournalStudent{}
	ids := make([]uuid.UUID, 0, len(enrolled))
	for s := range enrolled {
		ids = append(ids, s)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return compareUUID(a, b) })
	v.Students = make([]postgradeapi.JournalStudent, len(ids))
	for i, s := range ids {
		v.Students[i] = postgradeapi.JournalStudent{StudentID: s, Marks: []postgradeapi.Mark{}, Attendance: "present"}
		byID[s] = &v.Students[i]
	}
	rows, err := f.db.Query(ctx, `SELECT id, student_id, kind, value, passed, version, updated_at FROM journal.marks
		WHERE lesson_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		m := postgradeapi.Mark{LessonID: l.ID, Date: l.Date, SubjectID: l.SubjectID}
		var value *int16
		var version int32
		if err := rows.Scan(&m.ID, &m.StudentID, &m.Kind, &value, &m.Passed, &version, &m.UpdatedAt); err != nil {
			rows.Close()
			return err
		}
		m.Value, m.Version = intp(value), int(version)
		if s := byID[m.StudentID]; s != nil {
			s.Marks = append(s.Marks, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.db.Query(ctx, `SELECT student_id, status FROM journal.attendance WHERE lesson_id = $1`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s uuid.UUID
		var st string
		if err := rows.Scan(&s, &st); err != nil {
			rows.Close()
			return err
		}
		if js := byID[s]; js != nil {
			js.Attendance = st
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func compareUUID(a, b uuid.UUID) int {
	for i := range a {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return 0
}

// maxDiaryDays bounds one diary request.
const maxDiaryDays = 62

// diary: GET /api/post-grade/diary/{student_id}?from=&to= — the week by
// default. The student, the parents, the class teacher, the class's teachers
// and the school's administration; anyone else gets 404.
func (f *Function) diary(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	student, err := uuidParam("student_id", r.PathValue("student_id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	monday := f.today()
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	var fe []errs.FieldError
	from, to := dateSpan(q, monday, monday.AddDate(0, 0, 6), 7, maxDiaryDays, "период от from до to, не длиннее 62 дней", &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры дневника", fe...)
	}
	if err := f.requireDiary(ctx, student, from, to, theDiary); err != nil {
		return err
	}
	v := postgradeapi.DiaryView{StudentID: student, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Days: []postgradeapi.DiaryDay{}, Subjects: []postgradeapi.SubjectTrend{}}
	// The lessons of the classes the student was in on each day.
	rows, err := f.db.Query(ctx, `SELECT l.id, l.lesson_date, l.lesson_no, s.id, s.name, coalesce(l.topic, ''), coalesce(l.homework, ''),
		    coalesce(a.status, 'present')
		FROM journal.roster ro
		JOIN journal.lessons l ON l.class_id = ro.class_id AND l.lesson_date BETWEEN greatest(ro.starts_on, $2) AND least(coalesce(ro.ends_on, $3), $3)
		JOIN journal.subjects s ON s.id = l.subject_id
		LEFT JOIN journal.attendance a ON a.lesson_id = l.id AND a.student_id = ro.student_id
		WHERE ro.student_id = $1
		ORDER BY l.lesson_date, l.lesson_no, s.name`, student, from, to)
	if err != nil {
		return err
	}
	byLesson := map[uuid.UUID]*postgradeapi.DiaryLesson{}
	type pos struct{ day, lesson int }
	where := map[uuid.UUID]pos{}
	for rows.Next() {
		var dl postgradeapi.DiaryLesson
		var d time.Time
		var no int16
		if err := rows.Scan(&dl.LessonID, &d, &no, &dl.SubjectID, &dl.Subject, &dl.Topic, &dl.Homework, &dl.Attendance); err != nil {
			rows.Close()
			return err
		}
		dl.No, dl.Marks = int(no), []postgradeapi.Mark{}
		day := d.Format(time.DateOnly)
		if n := len(v.Days); n == 0 || v.Days[n-1].Date != day {
			v.Days = append(v.Days, postgradeapi.DiaryDay{Date: day})
		}
		di := len(v.Days) - 1
		v.Days[di].Lessons = append(v.Days[di].Lessons, dl)
		where[dl.LessonID] = pos{di, len(v.Days[di].Lessons) - 1}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for id, p := range where {
		byLesson[id] = &v.Days[p.day].Lessons[p.lesson]
	}
	if err := homeworkTasks(ctx, f.db, student, byLesson); err != nil {
		return err
	}
	// The student's marks of the span and of the span before, for the trend.
	span := to.Sub(from) + 24*time.Hour
	before := from.Add(-span)
	rows, err = f.db.Query(ctx, `SELECT m.id, m.lesson_id, m.lesson_date, m.subject_id, s.name, m.kind, m.value, m.passed, m.version, m.updated_at
		FROM journal.marks m JOIN journal.subjects s ON s.id = m.subject_id
		WHERE m.student_id = $1 AND m.lesson_date BETWEEN $2 AND $3 AND m.deleted_at IS NULL
		ORDER BY m.lesson_date, m.created_at`, student, before, to)
	if err != nil {
		return err
	}
	type sums struct{ now, nowW, prev, prevW float64 }
	trends := map[uuid.UUID]*postgradeapi.SubjectTrend{}
	acc := map[uuid.UUID]*sums{}
	var order []uuid.UUID
	for rows.Next() {
		var m postgradeapi.Mark
		var d time.Time
		var name string
		var value *int16
		var version int32
		if err := rows.Scan(&m.ID, &m.LessonID, &d, &m.SubjectID, &name, &m.Kind, &value, &m.Passed, &version, &m.UpdatedAt); err != nil {
			rows.Close()
			return err
		}
		m.Date, m.Value, m.Version = d.Format(time.DateOnly), intp(value), int(version)
		t := trends[m.SubjectID]
		if t == nil {
			t = &postgradeapi.SubjectTrend{SubjectID: m.SubjectID, Subject: name}
			trends[m.SubjectID], acc[m.SubjectID] = t, &sums{}
			order = append(order, m.SubjectID)
		}
		current := !d.Before(from)
		if current {
			t.Marks++
			if dl := byLesson[m.LessonID]; dl != nil {
				dl.Marks = append(dl.Marks, m)
			}
		}
		if m.Value == nil {
			continue // pass/fail does not enter the average
		}
		wgt, s := markKinds[m.Kind], acc[m.SubjectID]
		if current {
			s.now, s.nowW = s.now+wgt*float64(*m.Value), s.nowW+wgt
		} else {
			s.prev, s.prevW = s.prev+wgt*float64(*m.Value), s.prevW+wgt
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range order {
		t, s := trends[id], acc[id]
		t.Trend = "unknown"
		if s.nowW > 0 {
			a := round2(s.now / s.nowW)
			t.Average = &a
		}
		if s.prevW > 0 {
			p := round2(s.prev / s.prevW)
			t.Previous = &p
		}
		if t.Average != nil && t.Previous != nil {
			switch d := *t.Average - *t.Previous; {
			case d > 0.05:
				t.Trend = "up"
			case d < -0.05:
				t.Trend = "down"
			default:
				t.Trend = "flat"
			}
		}
		if t.Marks > 0 || t.Average != nil {
			v.Subjects = append(v.Subjects, *t)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// requireDiary is the object check of student's journal between from and
// to. The journal is the student's own (the student's, the parents') and,
// for each class the student was in then, that class's diary (diaryOf): the
// caller reaches it when a grant reaches any of them.
func (f *Function) requireDiary(ctx context.Context, student uuid.UUID, from, to time.Time, object string) error {
	// The student and the parents are answered without reading the roster.
	if err := Rules.Require(ctx, PermDiaryRead, access.Target{PersonID: student.String()}); !errs.Is(err, errs.NotFound) {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT ro.organisation_id, ro.class_id,
		    ARRAY(SELECT DISTINCT a.teacher_id FROM journal.assignments a WHERE a.class_id = ro.class_id)
		FROM journal.roster ro
		WHERE ro.student_id = $1 AND ro.starts_on <= $3 AND (ro.ends_on IS NULL OR ro.ends_on >= $2) AND ro.class_id IS NOT NULL`,
		student, from, to)
	if err != nil {
		return err
	}
	parts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (access.Target, error) {
		var org, class uuid.UUID
		var teachers []uuid.UUID
		err := row.Scan(&org, &class, &teachers)
		return diaryOf(student, org, class, teachers...), err
	})
	if err != nil {
		return err
	}
	for _, t := range parts {
		if err := Rules.Require(ctx, PermDiaryRead, t); !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return notYours(object)
}
