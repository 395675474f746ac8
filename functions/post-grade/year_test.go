package postgrade_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/events"
	postgrade "github.com/kuzbass/eko/functions/post-grade"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// seededDay is the Monday on or after 7 December of this academic year: a
// day of the second quarter, after the first has closed.
func seededDay() time.Time {
	d := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, (8-int(d.Weekday()))%7)
}

// yearWorld is a world whose journal holds the seeded school year up to day.
func yearWorld(t *testing.T, seed uint64, day time.Time) *ekotest.World {
	t.Helper()
	return ekotest.Open(t, ekotest.Options{Seed: seed, Today: day, Year: true})
}

// inconsistencies counts what the write paths never leave: lesson totals
// that disagree with the lesson's marks and attendance, marks without their
// 'posted' history or whose version has no history entry, and term marks
// that are not the rounded weighted average of the period's marks.
const inconsistencies = `SELECT
	(SELECT count(*) FROM journal.lessons l WHERE
	    marks_count <> (SELECT count(*) FROM journal.marks m WHERE m.lesson_id = l.id AND m.deleted_at IS NULL)
	 OR abs(marks_weighted - coalesce((SELECT sum(k.weight * m.value) FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind
	        WHERE m.lesson_id = l.id AND m.deleted_at IS NULL), 0)) > 1e-6
	 OR abs(marks_weight - coalesce((SELECT sum(k.weight) FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind
	        WHERE m.lesson_id = l.id AND m.deleted_at IS NULL AND m.value IS NOT NULL), 0)) > 1e-6
	 OR absences <> (SELECT count(*) FROM journal.attendance a WHERE a.lesson_id = l.id AND a.status LIKE 'absent_%')
	 OR (attendance_taken_at IS NOT NULL AND pupils <> (SELECT count(*) FROM journal.roster r WHERE r.class_id = l.class_id
	        AND r.starts_on <= l.lesson_date AND (r.ends_on IS NULL OR r.ends_on >= l.lesson_date))))
	+ (SELECT count(*) FROM journal.marks m WHERE NOT EXISTS (SELECT 1 FROM journal.mark_history h
	        WHERE h.mark_id = m.id AND h.action = 'posted' AND h.version = 1)
	    OR NOT EXISTS (SELECT 1 FROM journal.mark_history h WHERE h.mark_id = m.id AND h.version = m.version AND h.new_value = m.value))
	+ (SELECT count(*) FROM journal.term_marks t WHERE t.value <> (SELECT round(sum(k.weight * m.value) / sum(k.weight))
	        FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind JOIN journal.periods p ON p.id = t.period_id
	        WHERE m.student_id = t.student_id AND m.subject_id = t.subject_id AND m.lesson_date BETWEEN p.starts_on AND p.ends_on))`

// TestSeededYear: the seed's school year is one the write paths could have
// left — lessons only on school days up to today, marks and attendance only
// before today, every total, history and term mark consistent, the chronic
// absentees signalled through the attendance path's check — and the fixture
// logins see it through the API at once.
func TestSeededYear(t *testing.T) {
	day := seededDay()
	w := yearWorld(t, 7, day)
	count := func(sql string, args ...any) int { t.Helper(); return w.DB.Count(t, sql, args...) }
	year := kuzbass.AcademicYearOf(day)
	autumn := time.Date(year, time.November, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		what string
		sql  string
		args []any
		want int
	}{
		{"lessons on Sundays", `SELECT count(*) FROM journal.lessons WHERE extract(isodow FROM lesson_date) = 7`, nil, 0},
		{"lessons in the autumn holidays or on 4 November", `SELECT count(*) FROM journal.lessons WHERE lesson_date BETWEEN $1 AND $2`,
			[]any{autumn, autumn.AddDate(0, 0, 3)}, 0},
		{"lessons after today", `SELECT count(*) FROM journal.lessons WHERE lesson_date > $1`, []any{day}, 0},
		{"marks or attendance from today on", `SELECT (SELECT count(*) FROM journal.marks WHERE lesson_date >= $1) +
			(SELECT count(*) FROM journal.attendance WHERE lesson_date >= $1)`, []any{day}, 0},
		{"a teacher with two lessons at once", `SELECT count(*) FROM (SELECT 1 FROM journal.lessons
			GROUP BY teacher_id, lesson_date, lesson_no HAVING count(*) > 1) x`, nil, 0},
		{"schools whose first period is open", `SELECT count(*) FROM journal.periods WHERE no = 1 AND closed_at IS NULL`, nil, 0},
		{"inconsistent totals, histories or term marks", inconsistencies, nil, 0},
		{"chronic-absence signals without their event", `SELECT (SELECT count(*) FROM journal.absence_signals) -
			(SELECT count(*) FROM platform.outbox WHERE type = $1)`, []any{postgradeapi.EventAbsenceChronic}, 0},
	} {
		if n := count(c.sql, c.args...); n != c.want {
			t.Errorf("%s: %d, want %d", c.what, n, c.want)
		}
	}
	for _, c := range []struct {
		what string
		sql  string
		min  int
	}{
		{"lessons", `SELECT count(*) FROM journal.lessons`, 5000},
		{"lessons with homework", `SELECT count(*) FROM journal.lessons WHERE homework IS NOT NULL`, 2000},
		{"marks", `SELECT count(*) FROM journal.marks`, 20000},
		{"marks of each value 2–5", `SELECT min(n) FROM (SELECT count(*) AS n FROM journal.marks GROUP BY value HAVING value BETWEEN 2 AND 5) x`, 500},
		{"changed marks with the reason", `SELECT count(*) FROM journal.mark_history WHERE action = 'changed' AND reason <> ''`, 10},
		{"absences for illness", `SELECT count(*) FROM journal.attendance WHERE status = 'absent_illness'`, 500},
		{"term marks", `SELECT count(*) FROM journal.term_marks`, 1000},
		{"chronic-absence signals", `SELECT count(*) FROM journal.absence_signals`, 1},
		{"schools counting in trimesters", `SELECT count(DISTINCT organisation_id) FROM journal.periods WHERE kind = 'trimester'`, 0},
	} {
		if n := count(c.sql); n < c.min || n == 0 && c.min > 0 {
			t.Errorf("%s: %d, want at least %d", c.what, n, c.min)
		}
	}

	// teacher-s1 has lessons today, and none of them is marked yet.
	call := func(login, path string, out any) {
		t.Helper()
		rec := w.Call(t, login, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s as %s: %d %s", path, login, rec.Code, rec.Body)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	var lessons postgradeapi.TeacherDay
	call("teacher-s1", api+"/lessons?date="+day.Format(time.DateOnly), &lessons)
	if len(lessons.Items) == 0 {
		t.Fatalf("teacher-s1 has no lessons on %s", day.Format(time.DateOnly))
	}
	// parent1 sees student1's marks of the last two weeks, with averages.
	s1, _ := w.Fixtures.Identity("student1")
	student1 := w.Person(t, s1)
	var diary postgradeapi.DiaryView
	call("parent1", fmt.Sprintf(api+"/diary/%s?from=%s&to=%s", student1, day.AddDate(0, 0, -14).Format(time.DateOnly),
		day.AddDate(0, 0, -1).Format(time.DateOnly)), &diary)
	marks, averaged := 0, 0
	for _, d := range diary.Days {
		for _, l := range d.Lessons {
			marks += len(l.Marks)
		}
	}
	for _, s := range diary.Subjects {
		if s.Average != nil {
			averaged++
		}
	}
	if marks == 0 || averaged == 0 {
		t.Errorf("student1's diary of the last two weeks: %d marks, %d subjects with an average", marks, averaged)
	}
	// The ministry's summary of the quarter by municipality has both municipalities.
	var agg postgradeapi.Aggregates
	call("ministry", fmt.Sprintf(api+"/aggregates?by=municipality&from=%s&to=%s", day.AddDate(0, 0, -30).Format(time.DateOnly),
		day.AddDate(0, 0, -1).Format(time.DateOnly)), &agg)
	if len(agg.Items) != 2 {
		t.Fatalf("the ministry's summary: %d municipalities, want 2: %+v", len(agg.Items), agg)
	}
	for _, a := range agg.Items {
		if a.Lessons == 0 || a.Marks == 0 || a.Average == nil || a.AttendanceRate == nil || *a.AttendanceRate > 0.99 || *a.AttendanceRate < 0.8 {
			t.Errorf("a municipality's summary is not a lived-in one: %+v", a)
		}
	}
}

// TestSeededYearIsReproducible: the same SEED_RANDOM makes the same year,
// another makes another.
func TestSeededYearIsReproducible(t *testing.T) {
	day := seededDay()
	shape := func(seed uint64) string {
		w := yearWorld(t, seed, day)
		var s string
		if err := w.DB.Pool.QueryRow(context.Background(), `SELECT concat_ws(' ',
			    (SELECT count(*) FROM journal.lessons), (SELECT count(*) FROM journal.marks),
			    (SELECT string_agg(n::text, ',' ORDER BY value) FROM (SELECT value, count(*) AS n FROM journal.marks GROUP BY value) x),
			    (SELECT count(*) FROM journal.attendance), (SELECT count(*) FROM journal.mark_history))`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, c := shape(3), shape(3), shape(4)
	if a != b {
		t.Errorf("the same seed made two years: %s and %s", a, b)
	}
	if a == c {
		t.Errorf("seeds 3 and 4 made the same year: %s", a)
	}
}

// TestTopUpYear: a later day's top-up adds the lessons since, fills the
// past lessons no teacher touched and leaves the touched ones as the
// teacher left them; a second top-up on the same day writes nothing.
func TestTopUpYear(t *testing.T) {
	day := seededDay()
	w := yearWorld(t, 7, day)
	ctx := context.Background()
	count := func(sql string, args ...any) int { t.Helper(); return w.DB.Count(t, sql, args...) }
	// teacher-s1 marks one pupil in her first lesson of the seeded day.
	var lessons postgradeapi.TeacherDay
	rec := w.Call(t, "teacher-s1", httptest.NewRequest(http.MethodGet, api+"/lessons?date="+day.Format(time.DateOnly), nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &lessons); err != nil || len(lessons.Items) == 0 {
		t.Fatalf("teacher-s1's lessons: %d %s", rec.Code, rec.Body)
	}
	w.Function(postgrade.Name).(*postgrade.Function).Now = func() time.Time { return day.Add(10 * time.Hour) }
	touched := lessons.Items[0].ID
	var pupil string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT student_id::text FROM journal.roster WHERE class_id = $1 LIMIT 1`, lessons.Items[0].ClassID).Scan(&pupil); err != nil {
		t.Fatal(err)
	}
	five := 5
	body, _ := json.Marshal(postgradeapi.MarksRequest{LessonID: touched.String(),
		Items: []postgradeapi.MarkItem{{StudentID: pupil, Kind: "oral", Value: &five}}})
	req := httptest.NewRequest(http.MethodPost, api+"/marks", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if rec := w.Call(t, "teacher-s1", req); rec.Code != http.StatusOK && rec.Code != http.StatusCreated {
		t.Fatalf("teacher-s1 marks a pupil: %d %s", rec.Code, rec.Body)
	}
	weekBefore := count(`SELECT count(*) FROM journal.lessons WHERE lesson_date BETWEEN $1 AND $2`, day.AddDate(0, 0, -7), day.AddDate(0, 0, -1))

	later := day.AddDate(0, 0, 9) // Wednesday of the next week
	opts := postgrade.YearOptions{Today: later, Seed: 7, Outbox: outbox.New(events.Default())}
	st, err := postgrade.TopUpYear(ctx, w.DB.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Lessons == 0 || st.Filled == 0 || st.Marks == 0 || !st.Through.Equal(later) {
		t.Fatalf("the top-up: %+v", st)
	}
	if n := count(`SELECT count(*) FROM journal.lessons WHERE lesson_date BETWEEN $1 AND $2`, day, day.AddDate(0, 0, 6)); n != weekBefore {
		t.Errorf("the topped-up week has %d lessons; the week before had %d: the timetable did not carry on", n, weekBefore)
	}
	if n := count(`SELECT count(*) FROM journal.marks WHERE lesson_id = $1`, touched); n != 1 {
		t.Errorf("the lesson teacher-s1 marked has %d marks after the top-up, want her 1", n)
	}
	if n := count(`SELECT count(*) FROM journal.lessons WHERE lesson_date = $1 AND id <> $2 AND attendance_taken_at IS NULL`, day, touched); n != 0 {
		t.Errorf("%d lessons of the seeded day stayed unfilled after the top-up", n)
	}
	if n := count(`SELECT count(*) FROM journal.marks WHERE lesson_date >= $1`, later); n != 0 {
		t.Errorf("%d marks from the top-up's today on", n)
	}
	if n := count(inconsistencies); n != 0 {
		t.Errorf("after the top-up: %d inconsistent totals, histories or term marks", n)
	}
	again, err := postgrade.TopUpYear(ctx, w.DB.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Lessons+again.Filled+again.Marks+again.Absences != 0 {
		t.Errorf("a second top-up on the same day wrote %+v", again)
	}
}
