package postgrade_test

import (
	"net/http"
	"strings"
	"testing"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
)

// TestColumnSavesWhatChangedInOneTransaction: the lesson page's one request.
// Marks alone leave the lesson's attendance untaken and announce no
// attendance; a column with one bad cell writes nothing of the column — not
// its good marks, not its attendance, not its topic; attendance that differs
// is written and announced for those pupils only; taking attendance with
// everyone present is recorded; the journal says what the caller may do.
func TestColumnSavesWhatChangedInOneTransaction(t *testing.T) {
	w := newWorld(t)
	w.ids["{other}"] = w.classmate()
	attendance := func(lesson string) (taken bool, absences, rows, events int) {
		t.Helper()
		if err := w.db.Pool.QueryRow(t.Context(), `SELECT attendance_taken_at IS NOT NULL, absences FROM journal.lessons WHERE id = $1`,
			w.ids[lesson]).Scan(&taken, &absences); err != nil {
			t.Fatal(err)
		}
		rows = w.count(`SELECT count(*) FROM journal.attendance WHERE lesson_id = $1`, w.ids[lesson])
		events = w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND data->>'lesson_id' = $2`, postgradeapi.EventAttendanceMarked, w.ids[lesson])
		return
	}

	// What the teacher may do, before anything is saved.
	var j postgradeapi.JournalView
	w.must(http.MethodGet, api+"/lessons/{l1}/journal", "teacher-s1", "", http.StatusOK, &j)
	if !j.MayEdit || j.MayChangeClosedPeriod || j.PeriodClosed || j.AttendanceTaken {
		t.Fatalf("the teacher's lesson: may_edit %v, closed %v, may change closed %v, attendance taken %v", j.MayEdit, j.PeriodClosed, j.MayChangeClosedPeriod, j.AttendanceTaken)
	}
	w.must(http.MethodGet, api+"/lessons/{l1}/journal", "director-s1", "", http.StatusOK, &j)
	if j.MayEdit {
		t.Fatal("the director may edit a teacher's lesson column")
	}

	// Marks only: attendance stays untaken, no attendance.marked.
	var s postgradeapi.ColumnSaved
	w.must(http.MethodPost, api+"/lessons/{l1}/column", "teacher-s1",
		`{"marks":[{"student_id":"{student1}","kind":"oral","value":5},{"student_id":"{other}","kind":"test","value":4}]}`, http.StatusOK, &s)
	if len(s.Marks) != 2 || s.AttendanceTaken {
		t.Fatalf("saved %+v", s)
	}
	if taken, _, rows, events := attendance("{l1}"); taken || rows != 0 || events != 0 {
		t.Fatalf("a marks-only save took attendance: taken %v, %d rows, %d events", taken, rows, events)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, postgradeapi.EventGradePosted); n != 2 {
		t.Fatalf("grade.posted: %d, want 2", n)
	}

	// One bad cell among good ones: nothing of the column is written.
	code, body := w.call(http.MethodPost, api+"/lessons/{l2}/column", "teacher-s1", `{"topic":"Проценты",
		"marks":[{"student_id":"{student1}","kind":"oral","value":4},{"student_id":"{other}","kind":"oral","value":6}],
		"attendance":[{"student_id":"{student1}","status":"absent_illness"}]}`)
	if code != http.StatusBadRequest || !strings.Contains(body, `"marks[1].value"`) {
		t.Fatalf("a 6 in the column: %d %s", code, body)
	}
	code, body = w.call(http.MethodPost, api+"/lessons/{l2}/column", "teacher-s1", `{"topic":"Проценты",
		"marks":[{"student_id":"{student1}","kind":"oral","value":4}],
		"attendance":[{"student_id":"{student1}","status":"absent_illness"},{"student_id":"{student2}","status":"late"}]}`)
	if code != http.StatusBadRequest || !strings.Contains(body, `"attendance[1].student_id"`) || !strings.Contains(body, "не числится") {
		t.Fatalf("another class's pupil in the column: %d %s", code, body)
	}
	if taken, _, rows, events := attendance("{l2}"); taken || rows != 0 || events != 0 ||
		w.count(`SELECT count(*) FROM journal.marks WHERE lesson_id = $1`, w.ids["{l2}"]) != 0 ||
		w.count(`SELECT count(*) FROM journal.lessons WHERE id = $1 AND topic IS NOT NULL`, w.ids["{l2}"]) != 0 {
		t.Fatalf("a refused column wrote something: attendance taken %v, %d rows, %d events", taken, rows, events)
	}

	// Attendance that differs: written and announced for that pupil only.
	w.must(http.MethodPost, api+"/lessons/{l2}/column", "teacher-s1", `{"topic":"Проценты",
		"attendance":[{"student_id":"{student1}","status":"absent_illness"}]}`, http.StatusOK, &s)
	if !s.AttendanceTaken || s.Topic != "Проценты" {
		t.Fatalf("saved %+v", s)
	}
	if taken, absences, rows, events := attendance("{l2}"); !taken || absences != 1 || rows != 1 || events != 1 {
		t.Fatalf("attendance of one pupil: taken %v, %d absences, %d rows, %d events", taken, absences, rows, events)
	}
	// Back to present: the record goes, the lesson keeps its attendance taken.
	w.must(http.MethodPost, api+"/lessons/{l2}/column", "teacher-s1", `{"attendance":[{"student_id":"{student1}","status":"present"}]}`, http.StatusOK, nil)
	if taken, absences, rows, events := attendance("{l2}"); !taken || absences != 0 || rows != 0 || events != 2 {
		t.Fatalf("back to present: taken %v, %d absences, %d rows, %d events", taken, absences, rows, events)
	}

	// Everyone present: the teacher says so, and the lesson counts as taken.
	w.must(http.MethodPost, api+"/lessons/{l3}/column", "teacher-s1", `{"take_attendance":true}`, http.StatusOK, &s)
	if taken, _, rows, events := attendance("{l3}"); !s.AttendanceTaken || !taken || rows != 0 || events != 0 {
		t.Fatalf("everyone present: taken %v, %d rows, %d events", taken, rows, events)
	}
	w.must(http.MethodGet, api+"/lessons/{l3}/journal", "teacher-s1", "", http.StatusOK, &j)
	if !j.AttendanceTaken {
		t.Fatal("the journal does not say attendance was taken")
	}

	// Nothing to save, or another school's lesson.
	if code, body := w.call(http.MethodPost, api+"/lessons/{l4}/column", "teacher-s1", `{}`); code != http.StatusBadRequest {
		t.Fatalf("an empty column: %d %s", code, body)
	}
	if code, _ := w.call(http.MethodPost, api+"/lessons/{l6b}/column", "teacher-s1", `{"topic":"чужой урок"}`); code != http.StatusNotFound {
		t.Fatalf("another school's lesson: %d", code)
	}

	// A closed period: the column is refused and nothing written, until the
	// director's permit, which the journal names.
	w.semesters()
	w.must(http.MethodPost, api+"/periods/{p1}/close", "director-s1", "", http.StatusNoContent, nil)
	w.must(http.MethodGet, api+"/lessons/{l5}/journal", "teacher-s1", "", http.StatusOK, &j)
	if !j.PeriodClosed || j.MayEdit || j.MayChangeClosedPeriod {
		t.Fatalf("a closed period: closed %v, may_edit %v, may change closed %v", j.PeriodClosed, j.MayEdit, j.MayChangeClosedPeriod)
	}
	if code, body := w.call(http.MethodPost, api+"/lessons/{l5}/column", "teacher-s1",
		`{"marks":[{"student_id":"{student1}","kind":"oral","value":5}]}`); code != http.StatusConflict || !strings.Contains(body, "закрыт") {
		t.Fatalf("a column in a closed period: %d %s", code, body)
	}
	if n := w.count(`SELECT count(*) FROM journal.marks WHERE lesson_id = $1`, w.ids["{l5}"]); n != 0 {
		t.Fatalf("a refused column in a closed period wrote %d marks", n)
	}
	w.must(http.MethodPost, api+"/periods/{p1}/permits", "director-s1", `{"assignment_id":"{asg}","reason":"исправление ошибки","hours":2}`, http.StatusCreated, nil)
	w.must(http.MethodGet, api+"/lessons/{l5}/journal", "teacher-s1", "", http.StatusOK, &j)
	if !j.MayEdit || !j.MayChangeClosedPeriod {
		t.Fatalf("under a permit: may_edit %v, may change closed %v", j.MayEdit, j.MayChangeClosedPeriod)
	}
	w.must(http.MethodPost, api+"/lessons/{l5}/column", "teacher-s1", `{"marks":[{"student_id":"{student1}","kind":"oral","value":5}]}`, http.StatusOK, nil)
	if n := w.count(`SELECT count(*) FROM journal.mark_history h JOIN journal.marks m ON m.id = h.mark_id WHERE m.lesson_id = $1 AND h.permit_id IS NOT NULL`,
		w.ids["{l5}"]); n != 1 {
		t.Fatalf("the permit is not recorded with the mark: %d", n)
	}
}
