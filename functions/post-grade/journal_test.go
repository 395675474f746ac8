package postgrade_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	postgrade "github.com/kuzbass/eko/functions/post-grade"
)

// saved is the answer of POST /marks.
type saved struct{ Items []postgradeapi.Mark }

func TestMarksDiaryAndHistory(t *testing.T) {
	w := newWorld(t)
	// Teacher-s1 saves Monday's column for 6А: two marks for student1, a pass for another pupil.
	w.ids["{other}"] = w.classmate()
	var s saved
	w.must(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[
		{"student_id":"{student1}","kind":"oral","value":5},
		{"student_id":"{student1}","kind":"control","value":3},
		{"student_id":"{other}","kind":"homework","passed":true}]}`, http.StatusOK, &s)
	if len(s.Items) != 3 || s.Items[0].Version != 1 {
		t.Fatalf("saved %+v", s.Items)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, postgradeapi.EventGradePosted); n != 3 {
		t.Fatalf("grade.posted events: %d, want 3", n)
	}
	w.must(http.MethodPost, api+"/attendance", "teacher-s1", `{"lesson_id":"{l2}","items":[{"student_id":"{student1}","status":"late"}]}`,
		http.StatusNoContent, nil)
	w.must(http.MethodPatch, api+"/lessons/{l1}", "teacher-s1", `{"topic":"Дроби","homework":"№ 245"}`, http.StatusOK, nil)

	// The parent sees the week: topic, marks, lateness, the weighted average.
	from := monday().Format(time.DateOnly)
	var d postgradeapi.DiaryView
	w.must(http.MethodGet, api+"/diary/{student1}?from="+from, "parent1", "", http.StatusOK, &d)
	if len(d.Days) != 5 || d.Days[0].Lessons[0].Topic != "Дроби" || len(d.Days[0].Lessons[0].Marks) != 2 || d.Days[1].Lessons[0].Attendance != "late" {
		t.Fatalf("diary %+v", d)
	}
	// (5×1 + 3×3) / (1 + 3) = 3.5
	if len(d.Subjects) != 1 || d.Subjects[0].Average == nil || *d.Subjects[0].Average != 3.5 {
		t.Fatalf("averages %+v", d.Subjects)
	}

	// A change keeps the previous value, who and why.
	oral := s.Items[0]
	w.must(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l1}","items":[
		{"mark_id":%q,"version":1,"kind":"oral","value":4,"reason":"ошибка при вводе"}]}`, oral.ID), http.StatusOK, nil)
	var h struct{ Items []postgradeapi.HistoryEntry }
	w.must(http.MethodGet, api+"/marks/"+oral.ID.String()+"/history", "parent1", "", http.StatusOK, &h)
	if len(h.Items) != 2 || *h.Items[1].OldValue != 5 || *h.Items[1].NewValue != 4 || h.Items[1].Reason != "ошибка при вводе" ||
		h.Items[1].ActorID == nil || *h.Items[1].ActorID != w.ids["{teacher-s1}"] {
		b, _ := json.Marshal(h)
		t.Fatalf("history %s", b)
	}
	// A stale version: 409 naming the cell, and nothing of the batch is written.
	before := w.count(`SELECT count(*) FROM journal.marks`)
	code, body := w.call(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l1}","items":[
		{"student_id":"{student1}","kind":"oral","value":2},
		{"mark_id":%q,"version":1,"kind":"oral","value":3,"reason":"исправление"}]}`, oral.ID))
	if code != http.StatusConflict || !strings.Contains(body, oral.ID.String()) || !strings.Contains(body, `"current_version":2`) {
		t.Fatalf("stale version: %d %s", code, body)
	}
	if after := w.count(`SELECT count(*) FROM journal.marks`); after != before {
		t.Fatalf("a refused batch wrote marks: %d → %d", before, after)
	}
	// Deleting keeps the mark, marked deleted, with the reason.
	control := s.Items[1]
	w.must(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l1}","items":[
		{"mark_id":%q,"version":1,"delete":true,"reason":"работа переписана"}]}`, control.ID), http.StatusOK, nil)
	if n := w.count(`SELECT count(*) FROM journal.marks WHERE id = $1 AND deleted_at IS NOT NULL`, control.ID); n != 1 {
		t.Fatal("the deleted mark is gone")
	}
	w.must(http.MethodGet, api+"/diary/{student1}?from="+from, "student1", "", http.StatusOK, &d)
	if got := d.Days[0].Lessons[0].Marks; len(got) != 1 || *got[0].Value != 4 {
		t.Fatalf("diary after change and delete: %+v", got)
	}
	// The grid of the fortnight: 5 lessons; student1's Monday cell holds the changed mark, Tuesday's says late.
	var g postgradeapi.GridView
	w.must(http.MethodGet, api+"/assignments/{asg}/grid?from="+from, "teacher-s1", "", http.StatusOK, &g)
	cell := w.ids["{student1}"] + "/" + w.ids["{l1}"]
	if len(g.Lessons) != 5 || len(g.Marks[cell]) != 1 || *g.Marks[cell][0].Value != 4 || g.Attendance[w.ids["{student1}"]+"/"+w.ids["{l2}"]] != "late" {
		t.Fatalf("grid: %d lessons, cell %+v, attendance %v", len(g.Lessons), g.Marks[cell], g.Attendance)
	}
	if _, err := w.db.Pool.Exec(t.Context(), `UPDATE journal.mark_history SET reason = 'x'`); err == nil {
		t.Fatal("mark_history can be rewritten")
	}
}

// Two sessions save the same cell from the same version: one wins, the other
// gets a conflict; nothing is silently overwritten.
func TestSameCellTwice(t *testing.T) {
	w := newWorld(t)
	var s saved
	w.must(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l3}","items":[{"student_id":"{student1}","kind":"test","value":4}]}`,
		http.StatusOK, &s)
	id := s.Items[0].ID
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i, v := range []int{5, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = w.call(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l3}","items":[
				{"mark_id":%q,"version":1,"kind":"test","value":%d,"reason":"пересмотр"}]}`, id, v))
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("two saves of one cell: %v", codes)
	}
	if n := w.count(`SELECT count(*) FROM journal.mark_history WHERE mark_id = $1`, id); n != 2 {
		t.Fatalf("history entries %d, want 2 (posted, one change)", n)
	}
}

// Saves of one lesson running at once each leave the lesson's totals equal
// to its marks: none recounts over a snapshot that misses another's marks.
func TestLessonTotalsUnderConcurrentSaves(t *testing.T) {
	w := newWorld(t)
	const saves = 8
	var wg sync.WaitGroup
	codes := make([]int, saves)
	for i := range saves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = w.call(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l4}","items":[
				{"student_id":"{student1}","kind":"test","value":%d},{"student_id":"{student1}","kind":"oral","value":5}]}`, 2+i%4))
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("save %d: %d", i, c)
		}
	}
	var count int
	var weighted, weight float64
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT marks_count, marks_weighted, marks_weight FROM journal.lessons WHERE id = $1`, w.ids["{l4}"]).
		Scan(&count, &weighted, &weight); err != nil {
		t.Fatal(err)
	}
	// Each save: a test (weight 2) of 2…5 and an oral 5 (weight 1).
	wantWeighted := 0.0
	for i := range saves {
		wantWeighted += 2*float64(2+i%4) + 5
	}
	if count != 2*saves || weight != 3*saves || weighted != wantWeighted {
		t.Fatalf("the lesson's totals: %d marks, Σw %.1f, Σw·v %.1f; want %d, %d, %.1f", count, weight, weighted, 2*saves, 3*saves, wantWeighted)
	}
	// A change of kind and value, a deletion and a pass: the totals still
	// equal a count of the lesson's marks.
	var marks []string
	rows, err := w.db.Pool.Query(t.Context(), `SELECT id::text FROM journal.marks WHERE lesson_id = $1 ORDER BY kind, id LIMIT 2`, w.ids["{l4}"])
	if err != nil {
		t.Fatal(err)
	}
	if marks, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(marks) != 2 {
		t.Fatalf("two of the lesson's marks: %v %v", marks, err)
	}
	w.must(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l4}","items":[
		{"mark_id":%q,"version":1,"kind":"control","value":2,"reason":"пересмотр"},
		{"mark_id":%q,"version":1,"delete":true,"reason":"ошибка"},
		{"student_id":"{student1}","kind":"oral","passed":true}]}`, marks[0], marks[1]), http.StatusOK, nil)
	var drift int
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM journal.lessons l,
		    LATERAL (SELECT count(*) AS n, coalesce(sum(k.weight) FILTER (WHERE m.value IS NOT NULL), 0) AS w, coalesce(sum(k.weight * m.value), 0) AS ws
		             FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind WHERE m.lesson_id = l.id AND m.deleted_at IS NULL) s
		WHERE l.id = $1 AND (l.marks_count <> s.n OR l.marks_weight <> s.w OR l.marks_weighted <> s.ws)`, w.ids["{l4}"]).Scan(&drift); err != nil || drift != 0 {
		t.Fatalf("the lesson's totals drifted from its marks after a change, a deletion and a pass (%v)", err)
	}
}

func TestJournalBadInput(t *testing.T) {
	w := newWorld(t)
	w.semesters()
	var big strings.Builder
	big.WriteString(`{"lesson_id":"{l1}","items":[`)
	for i := 0; i < 10000; i++ {
		if i > 0 {
			big.WriteString(",")
		}
		big.WriteString(`{"student_id":"{student1}","kind":"oral","value":5}`)
	}
	big.WriteString(`]}`)
	cases := []struct {
		name, login, body string
		status            int
		field             string
	}{
		{"a six", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":6}]}`, 400, "items[0].value"},
		{"a zero", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":0}]}`, 400, "items[0].value"},
		{"value and pass", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":4,"passed":true}]}`, 400, "items[0].value"},
		{"unknown kind", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"essay","value":4}]}`, 400, "items[0].kind"},
		{"a pupil of another class", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student2}","kind":"oral","value":4}]}`, 400, "items[0].student_id"},
		{"a lesson of another school", "teacher-s1", `{"lesson_id":"{l6b}","items":[{"student_id":"{student2}","kind":"oral","value":4}]}`, 404, ""},
		{"teacher-s2 into school No. 1", "teacher-s2", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":4}]}`, 404, ""},
		{"a change without a reason", "teacher-s1", `{"lesson_id":"{l1}","items":[{"mark_id":"0193b6c0-0000-7000-8000-0000000000ff","version":1,"kind":"oral","value":4}]}`, 400, "items[0].reason"},
		{"10,000 marks at once", "teacher-s1", big.String(), 413, ""},
		{"no items", "teacher-s1", `{"lesson_id":"{l1}","items":[]}`, 400, "items"},
		{"unknown field", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":4,"weight":9}]}`, 400, ""},
	}
	before := w.count(`SELECT count(*) FROM journal.marks`)
	for _, c := range cases {
		code, body := w.call(http.MethodPost, api+"/marks", c.login, c.body)
		if code != c.status || (c.field != "" && !strings.Contains(body, `"field":"`+c.field+`"`)) {
			t.Errorf("%s: %d %.300s, want %d at %s", c.name, code, body, c.status, c.field)
		}
	}
	// A not-enrolled pupil anywhere in the batch refuses the whole batch.
	code, _ := w.call(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[
		{"student_id":"{student1}","kind":"oral","value":5},{"student_id":"{student2}","kind":"oral","value":5}]}`)
	if code != 400 {
		t.Errorf("mixed batch: %d", code)
	}
	if after := w.count(`SELECT count(*) FROM journal.marks`); after != before {
		t.Fatalf("refused requests wrote %d marks", after-before)
	}
	// A closed period refuses changes.
	var pid string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM journal.periods WHERE organisation_id = $1 AND $2::date BETWEEN starts_on AND ends_on`,
		w.ids["{school1}"], monday()).Scan(&pid); err != nil {
		t.Fatalf("the first semester holds the lessons' week: %v", err)
	}
	w.must(http.MethodPost, api+"/periods/"+pid+"/close", "director-s1", "", http.StatusNoContent, nil)
	code, body := w.call(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":5}]}`)
	if code != http.StatusConflict || !strings.Contains(body, "period_closed") {
		t.Fatalf("closed period: %d %s", code, body)
	}
}

func yearOf() int { return monday().Year() }

// The roster follows the registry's events: once student1 has left 6А, a mark
// for a lesson after that is refused; a redelivered event changes nothing twice.
func TestRosterFollowsEnrollmentEvents(t *testing.T) {
	w := newWorld(t)
	var enrollment, starts string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT enrollment_id::text, to_char(starts_on, 'YYYY-MM-DD') FROM journal.roster WHERE student_id = $1`,
		w.ids["{student1}"]).Scan(&enrollment, &starts); err != nil {
		t.Fatal(err)
	}
	left := monday().AddDate(0, 0, 1).Format(time.DateOnly) // Tuesday: Monday's lesson still counts, Wednesday's not
	data := map[string]any{"enrollment_id": enrollment, "person_id": w.ids["{student1}"], "organisation_id": w.ids["{school1}"],
		"class_id": w.ids["{6a}"], "academic_year": yearOf(), "starts_on": starts, "ends_on": left, "fields": []string{"ends_on"}}
	for range 2 {
		if code, body := w.deliver("left-1", registryapi.EventEnrollmentChanged, data); code != http.StatusNoContent {
			t.Fatalf("enrollment.changed: %d %s", code, body)
		}
	}
	if n := w.count(`SELECT count(*) FROM platform.processed_events WHERE consumer = $1 AND id = 'left-1'`, postgrade.Name); n != 1 {
		t.Fatalf("processed %d times", n)
	}
	w.must(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","kind":"oral","value":5}]}`, http.StatusOK, nil)
	code, body := w.call(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l3}","items":[{"student_id":"{student1}","kind":"oral","value":5}]}`)
	if code != http.StatusBadRequest || !strings.Contains(body, "not_enrolled") {
		t.Fatalf("a mark after leaving: %d %s", code, body)
	}
	if code, _ := w.deliver("bad-1", "ru.kuzbass.eko.person.created.v1", map[string]any{"person_id": w.ids["{student1}"], "fields": []string{"x"}}); code != http.StatusBadRequest {
		t.Fatalf("an event type not routed here: %d", code)
	}
}

// Term marks are suggested by the weighted average and confirmed by the
// teacher; a closed period refuses changes until the director permits them,
// and the permit is recorded with the change; absences past the threshold
// raise one absence.chronic signal.
func TestTermMarksPermitsAndChronicAbsence(t *testing.T) {
	w := newWorld(t)
	y := yearOf()
	w.semesters()
	var s saved
	w.must(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[
		{"student_id":"{student1}","kind":"oral","value":5},{"student_id":"{student1}","kind":"control","value":3}]}`, http.StatusOK, &s)
	// Without period_id: the period in course — the first semester in
	// October, the second in March, the last one ended in July.
	for day, want := range map[string]int{"10-07": 1, "03-02": 2, "07-15": 2} {
		at, _ := time.Parse(time.DateOnly, fmt.Sprintf("%d-%s", y, day))
		if day < "09" {
			at = at.AddDate(1, 0, 0)
		}
		w.f.Now = func() time.Time { return at.Add(10 * time.Hour) }
		var v postgradeapi.TermMarksView
		w.must(http.MethodGet, api+"/assignments/{asg}/term-marks", "teacher-s1", "", http.StatusOK, &v)
		if v.Period == nil || v.Period.No != want || len(v.Periods) != 2 || v.Assignment.ID.String() != w.ids["{asg}"] {
			t.Fatalf("on %s the period in course is %+v of %d, want no. %d", at.Format(time.DateOnly), v.Period, len(v.Periods), want)
		}
	}
	w.f.Now = nil
	if code, body := w.call(http.MethodPost, api+"/assignments/{asg}/term-marks", "teacher-s1", `{"items":[{"student_id":"{student1}","value":4}]}`); code != 400 || !strings.Contains(body, "period_id") {
		t.Fatalf("confirming without a period: %d %s", code, body)
	}
	var tm postgradeapi.TermMarksView
	w.must(http.MethodGet, api+"/assignments/{asg}/term-marks?period_id={p1}", "teacher-s1", "", http.StatusOK, &tm)
	var mine *postgradeapi.TermMark
	for i := range tm.Items {
		if tm.Items[i].StudentID.String() == w.ids["{student1}"] {
			mine = &tm.Items[i]
		}
	}
	if mine == nil || mine.Suggested == nil || *mine.Suggested != 3.5 || mine.Value != nil {
		t.Fatalf("suggested term mark %+v", mine)
	}
	w.must(http.MethodPost, api+"/assignments/{asg}/term-marks", "teacher-s1", `{"period_id":"{p1}","items":[{"student_id":"{student1}","value":4}]}`,
		http.StatusNoContent, nil)
	if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, postgradeapi.EventTermMarkConfirmed); n != 1 {
		t.Fatalf("term-mark.confirmed events: %d", n)
	}

	// Closed: refused; permitted by the director: accepted, and the history names the permit.
	w.must(http.MethodPost, api+"/periods/{p1}/close", "director-s1", "", http.StatusNoContent, nil)
	change := fmt.Sprintf(`{"lesson_id":"{l1}","items":[{"mark_id":%q,"version":1,"kind":"oral","value":4,"reason":"апелляция"}]}`, s.Items[0].ID)
	if code, body := w.call(http.MethodPost, api+"/marks", "teacher-s1", change); code != http.StatusConflict || !strings.Contains(body, "period_closed") {
		t.Fatalf("closed period: %d %s", code, body)
	}
	if code, _ := w.call(http.MethodPost, api+"/assignments/{asg}/term-marks", "teacher-s1", `{"period_id":"{p1}","items":[{"student_id":"{student1}","value":5}]}`); code != http.StatusConflict {
		t.Fatalf("term mark in a closed period: %d", code)
	}
	var permit struct{ ID string }
	w.must(http.MethodPost, api+"/periods/{p1}/permits", "director-s1", `{"assignment_id":"{asg}","reason":"апелляция родителей","hours":2}`, http.StatusCreated, &permit)
	w.must(http.MethodPost, api+"/marks", "teacher-s1", change, http.StatusOK, nil)
	var h struct{ Items []postgradeapi.HistoryEntry }
	w.must(http.MethodGet, api+"/marks/"+s.Items[0].ID.String()+"/history", "director-s1", "", http.StatusOK, &h)
	if last := h.Items[len(h.Items)-1]; last.PermitID == nil || *last.PermitID != permit.ID {
		t.Fatalf("the change under the permit: %+v", last)
	}

	// Chronic absence: a second week of lessons; absent on 3 of the first 10 → one signal.
	w.exec(`UPDATE journal.periods SET closed_at = NULL`)
	mon := monday().AddDate(0, 0, 7)
	var week2 struct{ Items []postgradeapi.Lesson }
	w.must(http.MethodPost, api+"/assignments/{asg}/timetable", "director-s1", fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":2,"from":%q,"to":%q}`,
		mon.Format(time.DateOnly), mon.AddDate(0, 0, 4).Format(time.DateOnly)), http.StatusCreated, &week2)
	for _, i := range []int{0, 1, 4, 3} {
		w.must(http.MethodPost, api+"/attendance", "teacher-s1", fmt.Sprintf(`{"lesson_id":%q,"items":[{"student_id":"{student1}","status":"absent_unexcused"}]}`,
			week2.Items[i].ID), http.StatusNoContent, nil)
		want := 0
		if i == 4 || i == 3 {
			want = 1 // at the tenth lesson: 3 of 10
		}
		if n := w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, postgradeapi.EventAbsenceChronic); n != want {
			t.Fatalf("after the absence on lesson %d: %d absence.chronic events, want %d", 6+i, n, want)
		}
	}
}

// Aggregates show a school's journal without pupils' data, to whom the
// territory belongs: lessons, those without attendance taken, marks, the
// average and the attendance rate.
func TestAggregates(t *testing.T) {
	w := newWorld(t)
	var posted saved
	w.must(http.MethodPost, api+"/marks", "teacher-s1", `{"lesson_id":"{l1}","items":[
		{"student_id":"{student1}","kind":"oral","value":5},{"student_id":"{student1}","kind":"control","value":3}]}`, http.StatusOK, &posted)
	w.must(http.MethodPost, api+"/attendance", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","status":"absent_illness"}]}`,
		http.StatusNoContent, nil)
	from, to := monday().Format(time.DateOnly), monday().AddDate(0, 0, 6).Format(time.DateOnly)
	var out postgradeapi.Aggregates
	code, body := w.call(http.MethodGet, api+"/aggregates?from="+from+"&to="+to, "mun-kemerovo", "")
	if code != 200 || strings.Contains(body, w.ids["{student1}"]) {
		t.Fatalf("Kemerovo's aggregates: %d %s", code, body)
	}
	_ = json.Unmarshal([]byte(body), &out)
	if len(out.Items) != 1 || out.Items[0].OrganisationID.String() != w.ids["{school1}"] {
		t.Fatalf("Kemerovo sees %+v, want school No. 1 only", out.Items)
	}
	a := out.Items[0]
	pupils := w.count(`SELECT count(*) FROM journal.roster WHERE class_id = $1`, w.ids["{6a}"])
	wantRate := math.Round((1-1/float64(pupils))*100) / 100 // over the one lesson with attendance taken
	if a.Lessons != 5 || a.LessonsWithoutAttendance != 4 || a.Marks != 2 || a.Average == nil || *a.Average != 3.5 || a.Absences != 1 ||
		a.AttendanceRate == nil || *a.AttendanceRate != wantRate {
		t.Fatalf("school No. 1: %+v (want 5 lessons, 4 without attendance, 2 marks, 3.5, 1 absence, rate %.2f)", a, wantRate)
	}
	w.must(http.MethodGet, api+"/aggregates?from="+from+"&to="+to, "mun-novokuznetsk", "", http.StatusOK, &out)
	for _, x := range out.Items {
		if x.OrganisationID.String() == w.ids["{school1}"] {
			t.Fatal("Novokuznetsk sees a Kemerovo school")
		}
	}
	// Sliced: the school's one class and one subject carry the same numbers;
	// a school outside the caller's territory is not found.
	span := "from=" + from + "&to=" + to
	for by, want := range map[string]string{"class": "{6a}", "subject": "{math}"} {
		var sliced postgradeapi.Aggregates
		w.must(http.MethodGet, api+"/aggregates?by="+by+"&"+span, "director-s1", "", http.StatusOK, &sliced)
		if len(sliced.Items) != 1 || sliced.By != by {
			t.Fatalf("by=%s: %+v", by, sliced)
		}
		x := sliced.Items[0]
		got := x.ClassID
		if by == "subject" {
			got = x.SubjectID
		}
		if got == nil || got.String() != w.ids[want] || x.Lessons != 5 || x.Marks != 2 || *x.Average != 3.5 || *x.AttendanceRate != wantRate {
			t.Fatalf("by=%s: %+v, want %s with the school's numbers", by, x, want)
		}
	}
	var one postgradeapi.Aggregates
	w.must(http.MethodGet, api+"/aggregates?organisation={school1}&"+span, "mun-kemerovo", "", http.StatusOK, &one)
	if len(one.Items) != 1 || one.Items[0].Lessons != 5 || one.Items[0].ClassID != nil || one.Items[0].SubjectID != nil {
		t.Fatalf("Kemerovo's school No. 1: %+v", one.Items)
	}
	for _, x := range []struct {
		login, school string
		status        int
	}{{"mun-novokuznetsk", "{school3}", 200}, {"mun-novokuznetsk", "{school1}", 404}, {"director-s1", "{school3}", 404}, {"ministry", "{school3}", 200}} {
		if code, _ := w.call(http.MethodGet, api+"/aggregates?organisation="+x.school+"&"+span, x.login, ""); code != x.status {
			t.Errorf("%s reads the aggregates of %s: %d, want %d", x.login, x.school, code, x.status)
		}
	}
	// By municipality: the ministry's region and a municipality's own add up
	// their schools; a school's administration has no such view.
	for _, login := range []string{"ministry", "mun-kemerovo"} {
		var byMun postgradeapi.Aggregates
		w.must(http.MethodGet, api+"/aggregates?by=municipality&"+span, login, "", http.StatusOK, &byMun)
		var kemerovo *postgradeapi.Aggregate
		for i, x := range byMun.Items {
			if x.OrganisationID != nil || x.MunicipalityID == nil {
				t.Fatalf("%s by municipality: a row %+v", login, x)
			}
			if x.MunicipalityID.String() == w.ids["{kemerovo}"] {
				kemerovo = &byMun.Items[i]
			}
		}
		if kemerovo == nil || kemerovo.Lessons != 5 || kemerovo.Marks != 2 || *kemerovo.Average != 3.5 || (login == "mun-kemerovo" && len(byMun.Items) != 1) {
			t.Fatalf("%s by municipality: %+v", login, byMun.Items)
		}
	}
	for _, x := range []struct{ login, query string }{{"director-s1", "by=municipality"}, {"ministry", "by=municipality&organisation={school1}"}} {
		if code, _ := w.call(http.MethodGet, api+"/aggregates?"+x.query+"&"+span, x.login, ""); code != 400 {
			t.Errorf("%s aggregates?%s: %d, want 400", x.login, x.query, code)
		}
	}
	// A deleted mark and a pupil marked present after all leave the totals.
	w.must(http.MethodPost, api+"/marks", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l1}","items":[{"mark_id":%q,"version":1,"delete":true,"reason":"ошибка ввода"}]}`,
		posted.Items[1].ID), http.StatusOK, nil)
	w.must(http.MethodPost, api+"/attendance", "teacher-s1", `{"lesson_id":"{l1}","items":[{"student_id":"{student1}","status":"present"}]}`,
		http.StatusNoContent, nil)
	var after postgradeapi.Aggregates
	w.must(http.MethodGet, api+"/aggregates?organisation={school1}&"+span, "director-s1", "", http.StatusOK, &after)
	if x := after.Items[0]; x.Marks != 1 || *x.Average != 5 || x.Absences != 0 || *x.AttendanceRate != 1 || x.LessonsWithoutAttendance != 4 {
		t.Fatalf("after the deletion and the correction: %+v, want 1 mark averaging 5, no absences, rate 1", x)
	}
	for _, q := range []string{"from=2026-13-01", "from=2020-01-01&to=2026-01-01", "municipality=nope", "by=student", "organisation=nope"} {
		if code, _ := w.call(http.MethodGet, api+"/aggregates?"+q, "ministry", ""); code != 400 {
			t.Errorf("aggregates?%s: %d, want 400", q, code)
		}
	}
}

// State final attestation results come from CSV: every bad line reported,
// nothing written; a good file loads in one transaction; the diary's readers
// see them.
func TestExamImport(t *testing.T) {
	w := newWorld(t)
	bad := "student_id;kind;subject;date;score;mark\n" +
		"{student1};oge;Математика;2026-05-20;;5\n" +
		"{student2};oge;Математика;2026-05-20;;4\n" + // another school's pupil
		"{student1};xyz;Русский язык;20.05.2026;;4\n" +
		"{student1};ege;Физика;2026-06-01;120;\n" +
		"{student1};ege;Химия;2026-06-01;;\n"
	code, body := w.call(http.MethodPost, api+"/organisations/{school1}/exam-results", "director-s1", bad)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a bad file: %d %s", code, body)
	}
	var p struct {
		Errors []struct {
			Row    int
			Column string
		}
	}
	_ = json.Unmarshal([]byte(body), &p)
	got := fmt.Sprint(p.Errors)
	if got != "[{3 student_id} {4 kind} {5 score} {6 score}]" {
		t.Fatalf("reported %s", got)
	}
	if n := w.count(`SELECT count(*) FROM journal.exam_results`); n != 0 {
		t.Fatalf("a refused file wrote %d results", n)
	}
	good := "student_id,kind,subject,date,score,mark\n{student1},oge,Математика,20.05.2026,,5\n{student1},oge,Русский язык,2026-05-24,28,4\n"
	w.must(http.MethodPost, api+"/organisations/{school1}/exam-results", "director-s1", good, http.StatusCreated, nil)
	var res struct{ Items []postgradeapi.ExamResult }
	w.must(http.MethodGet, api+"/exam-results/{student1}", "parent1", "", http.StatusOK, &res)
	if len(res.Items) != 2 || res.Items[0].Subject != "Математика" || *res.Items[0].Mark != 5 || *res.Items[1].Score != 28 {
		t.Fatalf("results %+v", res.Items)
	}
	if code, _ := w.call(http.MethodGet, api+"/exam-results/{student1}", "parent2", ""); code != http.StatusNotFound {
		t.Fatalf("parent2 reads student1's results: %d", code)
	}
	if code, _ := w.call(http.MethodPost, api+"/organisations/{school3}/exam-results", "director-s1", good); code != http.StatusNotFound {
		t.Fatalf("director-s1 imports into school No. 3: %d", code)
	}
}

// Year marks are suggested from the confirmed term marks, final marks from the
// year mark and the attestation's mark in the subject.
func TestYearAndFinalMarks(t *testing.T) {
	w := newWorld(t)
	w.semesters()
	for i, v := range []int{4, 5} {
		w.must(http.MethodPost, api+"/assignments/{asg}/term-marks", "teacher-s1",
			fmt.Sprintf(`{"period_id":"{p%d}","items":[{"student_id":"{student1}","value":%d}]}`, i+1, v), http.StatusNoContent, nil)
	}
	suggested := func(kind string) *float64 {
		var out struct{ Items []postgradeapi.YearMark }
		w.must(http.MethodGet, api+"/assignments/{asg}/year-marks?kind="+kind, "teacher-s1", "", http.StatusOK, &out)
		for _, m := range out.Items {
			if m.StudentID.String() == w.ids["{student1}"] {
				return m.Suggested
			}
		}
		t.Fatalf("student1 is not in the %s list", kind)
		return nil
	}
	if s := suggested("year"); s == nil || *s != 4.5 {
		t.Fatalf("year suggestion %v, want 4.5", s)
	}
	w.must(http.MethodPost, api+"/assignments/{asg}/year-marks", "teacher-s1", `{"kind":"year","items":[{"student_id":"{student1}","value":5}]}`,
		http.StatusNoContent, nil)
	w.must(http.MethodPost, api+"/organisations/{school1}/exam-results", "director-s1",
		"student_id;kind;subject;date;score;mark\n{student1};oge;Математика;2026-05-20;;4\n", http.StatusCreated, nil)
	if s := suggested("final"); s == nil || *s != 4.5 {
		t.Fatalf("final suggestion %v, want 4.5 (year 5, attestation 4)", s)
	}
	if code, _ := w.call(http.MethodGet, api+"/assignments/{asg}/year-marks?kind=term", "teacher-s1", ""); code != 400 {
		t.Fatalf("kind=term: %d", code)
	}
	if code, _ := w.call(http.MethodPost, api+"/assignments/{asg}/year-marks", "teacher-s1", `{"kind":"final","items":[{"student_id":"{student2}","value":5}]}`); code != 400 {
		t.Fatalf("a pupil of another class: %d", code)
	}
}

// The class teacher starts from the class: its subjects and teachers this
// year; another year has none; a malformed year is refused.
func TestClassAssignments(t *testing.T) {
	w := newWorld(t)
	var cj postgradeapi.ClassJournal
	w.must(http.MethodGet, api+"/classes/{6a}/assignments", "teacher-s1", "", http.StatusOK, &cj)
	if len(cj.Items) != 1 || cj.Items[0].ID.String() != w.ids["{asg}"] || cj.Items[0].Subject != "Математика" ||
		cj.Items[0].TeacherID.String() != w.ids["{teacher-s1}"] || cj.OrganisationID.String() != w.ids["{school1}"] {
		t.Fatalf("6А's subjects: %+v", cj)
	}
	w.must(http.MethodGet, api+"/classes/{6a}/assignments?year=2001", "director-s1", "", http.StatusOK, &cj)
	if len(cj.Items) != 0 || cj.AcademicYear != 2001 {
		t.Fatalf("6А in 2001: %+v", cj)
	}
	for _, q := range []string{"?year=99", "?year=next"} {
		if code, _ := w.call(http.MethodGet, api+"/classes/{6a}/assignments"+q, "director-s1", ""); code != 400 {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	if code, _ := w.call(http.MethodGet, api+"/classes/"+uuid.NewString()+"/assignments", "director-s1", ""); code != 404 {
		t.Errorf("an unknown class: %d, want 404", code)
	}
}

// Three school days in a row missed without a valid reason raise one
// absence.streak, whatever order the days are marked in: a day excused by
// illness breaks a streak, a streak that goes on is not signalled again,
// and a repeated save adds nothing.
func TestUnexcusedAbsenceStreak(t *testing.T) {
	w := newWorld(t)
	mon := monday().AddDate(0, 0, 14)
	var week struct{ Items []postgradeapi.Lesson }
	w.must(http.MethodPost, api+"/assignments/{asg}/timetable", "director-s1", fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":3,"from":%q,"to":%q}`,
		mon.Format(time.DateOnly), mon.AddDate(0, 0, 7).Format(time.DateOnly)), http.StatusCreated, &week)
	if len(week.Items) != 6 {
		t.Fatalf("%d lessons in the timetable", len(week.Items))
	}
	streaks := func() int {
		return w.count(`SELECT count(*) FROM platform.outbox WHERE type = $1`, postgradeapi.EventAbsenceStreak)
	}
	mark := func(day int, status string, want int) {
		t.Helper()
		w.must(http.MethodPost, api+"/attendance", "teacher-s1", fmt.Sprintf(`{"lesson_id":%q,"items":[{"student_id":"{student1}","status":%q}]}`,
			week.Items[day].ID, status), http.StatusNoContent, nil)
		if n := streaks(); n != want {
			t.Fatalf("after day %d %s: %d absence.streak events, want %d", day, status, n, want)
		}
	}
	mark(0, "absent_unexcused", 0)
	mark(1, "absent_illness", 0)
	mark(2, "absent_unexcused", 0)
	mark(4, "absent_unexcused", 0)
	mark(3, "absent_unexcused", 1) // Wednesday to Friday, the last day marked in between
	mark(3, "absent_unexcused", 1) // a double click
	mark(5, "absent_unexcused", 1) // the streak goes on into next Monday
	mark(1, "absent_unexcused", 1) // Tuesday turns out unexcused: the same streak, longer
	var data []byte
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT data FROM platform.outbox WHERE type = $1`, postgradeapi.EventAbsenceStreak).Scan(&data); err != nil {
		t.Fatal(err)
	}
	var ev postgradeapi.AbsenceStreakEvent
	if err := json.Unmarshal(data, &ev); err != nil || ev.From != week.Items[2].Date || ev.To != week.Items[4].Date || ev.Days != 3 ||
		ev.StudentID != w.ids["{student1}"] {
		t.Fatalf("the streak: %s", data)
	}
}
