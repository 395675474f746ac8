package portal_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// lessonMonday is the first Monday of October of the current academic year.
func lessonMonday() time.Time {
	d := time.Date(kuzbass.AcademicYearOf(time.Now()), time.October, 1, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, (8-int(d.Weekday()))%7)
}

// mathLesson has director-s1 assign teacher-s1 to mathematics in 6А and put a
// lesson on lessonMonday; it returns the lesson's id.
func mathLesson(t *testing.T, w *world) string {
	t.Helper()
	var class string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT class_id::text FROM journal.roster WHERE student_id = $1`, w.ids["student1"]).Scan(&class); err != nil {
		t.Fatalf("student1 on the journal's roster: %v", err)
	}
	return teacherS1Lesson(t, w, class, 2)
}

// teacherS1Lesson has director-s1 assign teacher-s1 to mathematics in a class
// of school No. 1 and put a lesson (number no) on lessonMonday; it returns the
// lesson's id.
func teacherS1Lesson(t *testing.T, w *world, class string, no int) string {
	t.Helper()
	return teacherS1LessonOn(t, w, class, no, lessonMonday())
}

// teacherS1LessonOn is teacherS1Lesson on day (a Monday).
func teacherS1LessonOn(t *testing.T, w *world, class string, no int, day time.Time) string {
	t.Helper()
	code, body := w.api("director-s1", http.MethodPost, "/api/post-grade/assignments", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,
		"teacher_id":%q,"class_id":%q,"subject_id":"0193b6c0-0000-7000-8000-000000000003"}`, w.ids["school-1-kemerovo"], day.Year(), w.ids["teacher-s1"], class), nil)
	asg := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || asg == nil {
		t.Fatalf("assignment: %d %s", code, body)
	}
	code, body = w.api("director-s1", http.MethodPost, "/api/post-grade/assignments/"+asg[1]+"/timetable",
		fmt.Sprintf(`{"weekdays":[1],"lesson_no":%d,"from":%q,"to":%q}`, no, day.Format(time.DateOnly), day.Format(time.DateOnly)), nil)
	lesson := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || lesson == nil {
		t.Fatalf("lesson: %d %s", code, body)
	}
	return lesson[1]
}

// TestJournalPages: teacher-s1 opens the day, types a column of marks and
// attendance and saves it at once; a mark off the scale comes back next to the
// pupil; parent1 and student1 see the mark in the diary, parent2 does not.
func TestJournalPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	day := lessonMonday().Format(time.DateOnly)
	teacher := w.browser()
	teacher.login("teacher-s1", "/journal?date="+day)
	list := teacher.get("/journal?date=" + day)
	if !strings.Contains(list.body, `data-lesson-id="`+lesson+`"`) {
		t.Fatalf("the teacher's day: %d %.1500s", list.status, list.body)
	}
	page := teacher.get("/journal/lessons/" + lesson)
	if page.status != http.StatusOK || !strings.Contains(page.body, "Соколов Артём Игоревич") || !strings.Contains(page.body, `name="mark_`+w.ids["student1"]+`"`) {
		t.Fatalf("the lesson's column: %d %.2000s", page.status, page.body)
	}
	csrf := csrfOf(t, page.body)
	form := url.Values{"csrf": {csrf}, "topic": {"Десятичные дроби"}, "kind": {"control"}, "student": {w.ids["student1"]},
		"mark_" + w.ids["student1"]: {"7"}, "attendance_" + w.ids["student1"]: {"present"}}
	bad := teacher.post("/journal/lessons/"+lesson, form)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "пятибалльной") ||
		!regexp.MustCompile(`name="mark_`+w.ids["student1"]+`"[^>]*value="7"`).MatchString(bad.body) || !strings.Contains(bad.body, `value="Десятичные дроби"`) {
		t.Fatalf("a seven, to come back as typed with the topic: %d %.2000s", bad.status, bad.body)
	}
	form.Set("mark_"+w.ids["student1"], "5")
	saved := teacher.follow(teacher.post("/journal/lessons/"+lesson, form))
	if !strings.Contains(saved.body, `id="saved"`) || !strings.Contains(saved.body, `class="mark"`) {
		t.Fatalf("after saving: %.2000s", saved.body)
	}
	// The class's journal: the lesson's column with student1's 5.
	var asg string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT assignment_id::text FROM journal.lessons WHERE id = $1`, lesson).Scan(&asg); err != nil {
		t.Fatal(err)
	}
	grid := teacher.get("/journal/assignments/" + asg + "?from=" + day)
	if grid.status != http.StatusOK || !strings.Contains(grid.body, `href="/journal/lessons/`+lesson+`"`) || !strings.Contains(grid.body, `title="Контрольная работа">5</span>`) {
		t.Fatalf("the class's journal: %d %.2000s", grid.status, grid.body)
	}
	var n int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM journal.marks WHERE student_id = $1 AND value = 5 AND kind = 'control'`,
		w.ids["student1"]).Scan(&n); err != nil || n != 1 {
		t.Fatalf("marks stored: %d %v", n, err)
	}

	parent := w.browser()
	parent.login("parent1", "/children")
	diary := parent.get("/children/" + w.ids["student1"] + "/diary?from=" + day)
	if diary.status != http.StatusOK || !strings.Contains(diary.body, "Десятичные дроби") || !strings.Contains(diary.body, `<span class="mark" title="Контрольная работа">5</span>`) ||
		!strings.Contains(diary.body, "<polyline") {
		t.Fatalf("parent1's diary of student1: %d %.3000s", diary.status, diary.body)
	}
	student := w.browser()
	student.login("student1", "/diary?from="+day)
	if own := student.get("/diary?from=" + day); !strings.Contains(own.body, "Десятичные дроби") {
		t.Fatalf("student1's own diary: %d %.1500s", own.status, own.body)
	}
	other := w.browser()
	other.login("parent2", "/children")
	if p := other.get("/children/" + w.ids["student1"] + "/diary?from=" + day); p.status != http.StatusNotFound || strings.Contains(p.body, "Десятичные") {
		t.Fatalf("parent2 reads student1's diary: %d", p.status)
	}
	if p := other.post("/journal/lessons/"+lesson, url.Values{"csrf": {csrfOf(t, other.get("/children").body)}, "kind": {"oral"},
		"student": {w.ids["student1"]}, "mark_" + w.ids["student1"]: {"2"}}); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("parent2 posts a mark: %d", p.status)
	}
}

// TestTermMarkPages: teacher-s1 opens the term marks of 6А in mathematics,
// finds the weighted average typed in, corrects it and confirms; unchanged
// rows are not confirmed again; a mark off the scale comes back next to the
// pupil; the director reads without inputs; a closed period refuses a
// correction with the reason; the year tab suggests from the term marks;
// another school's teacher and a parent are refused and write nothing.
func TestTermMarkPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	y := lessonMonday().Year()
	code, body := w.api("director-s1", http.MethodPost, "/api/post-grade/periods", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"kind":"semester",
		"periods":[{"starts_on":"%d-09-01","ends_on":"%d-12-31"},{"starts_on":"%d-01-09","ends_on":"%d-05-31"}]}`, w.ids["school-1-kemerovo"], y, y, y, y+1, y+1), nil)
	if code != http.StatusCreated {
		t.Fatalf("periods: %d %s", code, body)
	}
	code, body = w.api("teacher-s1", http.MethodPost, "/api/post-grade/marks", fmt.Sprintf(`{"lesson_id":%q,"items":[
		{"student_id":%q,"kind":"control","value":4},{"student_id":%q,"kind":"oral","value":5}]}`, lesson, w.ids["student1"], w.ids["student1"]), nil)
	if code != http.StatusOK {
		t.Fatalf("marks: %d %s", code, body)
	}
	var asg, p1 string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT assignment_id::text FROM journal.lessons WHERE id = $1`, lesson).Scan(&asg); err != nil {
		t.Fatal(err)
	}
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM journal.periods WHERE no = 1`).Scan(&p1); err != nil {
		t.Fatal(err)
	}
	path := "/journal/assignments/" + asg + "/term-marks"
	// confirmed is how many term marks there are and when the last was confirmed.
	confirmed := func() (rows int, last string) {
		t.Helper()
		if err := w.db.Pool.QueryRow(t.Context(), `SELECT count(*), coalesce(max(confirmed_at)::text, '') FROM journal.term_marks`).Scan(&rows, &last); err != nil {
			t.Fatal(err)
		}
		return rows, last
	}

	teacher := w.browser()
	teacher.login("teacher-s1", path)
	if p := teacher.get(path); p.status != http.StatusOK || !strings.Contains(p.body, "1 полугодие") || !strings.Contains(p.body, "2 полугодие") {
		t.Fatalf("the period in course: %d %.2000s", p.status, p.body)
	}
	page := teacher.get(path + "?period=" + p1)
	input := `name="mark_` + w.ids["student1"] + `"`
	// (3·4 + 1·5) / 4 = 4.25, typed in as 4.
	if page.status != http.StatusOK || !strings.Contains(page.body, "Соколов Артём Игоревич") || !strings.Contains(page.body, "4.25") ||
		!regexp.MustCompile(input+`[^>]*value="4"`).MatchString(page.body) {
		t.Fatalf("the term marks of 6А: %d %.3000s", page.status, page.body)
	}
	form := url.Values{"csrf": {csrfOf(t, page.body)}}
	for _, m := range regexp.MustCompile(`name="student" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(page.body, -1) {
		form.Add("student", m[1])
	}
	if len(form["student"]) < 2 {
		t.Fatalf("pupils on the page: %v", form["student"])
	}
	form.Set("mark_"+w.ids["student1"], "7")
	if bad := teacher.post(path+"?period="+p1, form); bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "пятибалльной") ||
		!regexp.MustCompile(input+`[^>]*value="7"`).MatchString(bad.body) {
		t.Fatalf("a seven, to come back as typed: %d %.2000s", bad.status, bad.body)
	}
	if n, _ := confirmed(); n != 0 {
		t.Fatalf("a refused confirmation wrote %d marks", n)
	}
	form.Set("mark_"+w.ids["student1"], "5")
	saved := teacher.follow(teacher.post(path+"?period="+p1, form))
	if !strings.Contains(saved.body, `id="saved"`) || !regexp.MustCompile(input+`[^>]*value="5"`).MatchString(saved.body) {
		t.Fatalf("after confirming: %.3000s", saved.body)
	}
	n, at := confirmed()
	if n != 1 {
		t.Fatalf("confirmed %d marks, want student1's one", n)
	}
	// The same form again: nothing changed, nothing confirmed anew.
	form.Set("csrf", csrfOf(t, saved.body))
	form.Set("was_"+w.ids["student1"], "5")
	teacher.follow(teacher.post(path+"?period="+p1, form))
	if n, again := confirmed(); n != 1 || again != at {
		t.Fatalf("an unchanged mark confirmed again: %d marks, last at %s, was %s", n, again, at)
	}
	year := teacher.get(path + "?period=year")
	if year.status != http.StatusOK || !strings.Contains(year.body, "Годовые отметки") || !regexp.MustCompile(input+`[^>]*value="5"`).MatchString(year.body) {
		t.Fatalf("the year's suggestion: %d %.3000s", year.status, year.body)
	}

	director := w.browser()
	director.login("director-s1", path)
	if p := director.get(path + "?period=" + p1); p.status != http.StatusOK || strings.Contains(p.body, input) || !strings.Contains(p.body, `<span class="confirmed">5</span>`) {
		t.Fatalf("the director's view: %d %.3000s", p.status, p.body)
	}
	if code, body := w.api("director-s1", http.MethodPost, "/api/post-grade/periods/"+p1+"/close", "", nil); code != http.StatusNoContent {
		t.Fatalf("close: %d %s", code, body)
	}
	page = teacher.get(path + "?period=" + p1)
	form.Set("csrf", csrfOf(t, page.body))
	form.Set("mark_"+w.ids["student1"], "4")
	if p := teacher.post(path+"?period="+p1, form); p.status != http.StatusConflict || !strings.Contains(p.body, "закрыт") {
		t.Fatalf("a closed period: %d %.2000s", p.status, p.body)
	}

	for _, login := range []string{"teacher-s2", "parent1"} {
		b := w.browser()
		b.login(login, "/profile")
		if p := b.get(path + "?period=" + p1); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("%s reads the term marks: %d", login, p.status)
		}
		f := url.Values{"csrf": {csrfOf(t, b.get("/profile").body)}, "student": {w.ids["student1"]}, "mark_" + w.ids["student1"]: {"2"}}
		if p := b.post(path+"?period="+p1, f); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("%s confirms a term mark: %d", login, p.status)
		}
	}
	var v int
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT value FROM journal.term_marks WHERE student_id = $1`, w.ids["student1"]).Scan(&v); err != nil || v != 5 {
		t.Fatalf("student1's term mark: %d %v, want 5", v, err)
	}
}

// TestJournalSummary: the director sees the school's classes and subjects,
// a municipal authority its schools and, through a school's link, its
// classes, the ministry a municipality it picks — counts, averages and
// attendance, never a pupil's name; teachers, parents and another
// territory's officials are refused.
func TestJournalSummary(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	day := lessonMonday().Format(time.DateOnly)
	code, body := w.api("teacher-s1", http.MethodPost, "/api/post-grade/marks", fmt.Sprintf(`{"lesson_id":%q,"items":[
		{"student_id":%q,"kind":"control","value":4},{"student_id":%q,"kind":"oral","value":5}]}`, lesson, w.ids["student1"], w.ids["student1"]), nil)
	if code != http.StatusOK {
		t.Fatalf("marks: %d %s", code, body)
	}
	var school, class string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT o.short_name, c.name FROM registry.organisations o JOIN registry.classes c ON c.organisation_id = o.id
		WHERE c.id = (SELECT class_id FROM journal.lessons WHERE id = $1)`, lesson).Scan(&school, &class); err != nil {
		t.Fatal(err)
	}
	span := "from=" + day + "&to=" + day
	noPupils := func(login string, p page) {
		t.Helper()
		if strings.Contains(p.body, "Соколов") || strings.Contains(p.body, w.ids["student1"]) {
			t.Errorf("%s's summary shows a pupil: %.2000s", login, p.body)
		}
	}
	// (3·4 + 1·5) / 4 = 4.25 over the one lesson.
	director := w.browser()
	director.login("director-s1", "/profile")
	p := director.get("/summary/journal?" + span)
	if p.status != http.StatusOK || !regexp.MustCompile(`<td>`+class+`</td><td>1</td>`).MatchString(p.body) || !strings.Contains(p.body, `<td class="average">4.25</td>`) {
		t.Fatalf("the director's summary by class: %d %.3000s", p.status, p.body)
	}
	noPupils("director-s1", p)
	if p := director.get("/summary/journal?by=subject&" + span); p.status != http.StatusOK || !strings.Contains(p.body, "<td>Математика</td>") {
		t.Fatalf("the director's summary by subject: %d %.3000s", p.status, p.body)
	}

	mun := w.browser()
	mun.login("mun-kemerovo", "/profile")
	p = mun.get("/summary/journal?" + span)
	link := regexp.MustCompile(`<a href="(/summary/journal\?[^"]+)">` + regexp.QuoteMeta(school) + `</a>`).FindStringSubmatch(p.body)
	if p.status != http.StatusOK || link == nil {
		t.Fatalf("Kemerovo's summary: %d %.3000s", p.status, p.body)
	}
	noPupils("mun-kemerovo", p)
	if p := mun.get(strings.ReplaceAll(link[1], "&amp;", "&")); p.status != http.StatusOK || !strings.Contains(p.body, "<td>"+class+"</td>") {
		t.Fatalf("Kemerovo's school No. 1 by class: %d %.3000s", p.status, p.body)
	}

	ministry := w.browser()
	ministry.login("ministry", "/profile")
	var kemerovo string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT name FROM registry.municipalities WHERE id = $1`, w.ids["kemerovo"]).Scan(&kemerovo); err != nil {
		t.Fatal(err)
	}
	// The region by municipality, Kemerovo's row opening its schools.
	if p := ministry.get("/summary/journal?" + span); p.status != http.StatusOK || !strings.Contains(p.body, ">"+kemerovo+"</a></td><td>1</td>") {
		t.Fatalf("the ministry's first view: %d %.3000s", p.status, p.body)
	}
	if p := ministry.get("/summary/journal?municipality=" + w.ids["kemerovo"] + "&" + span); p.status != http.StatusOK || !strings.Contains(p.body, ">"+school+"</a>") {
		t.Fatalf("the ministry's view of Kemerovo: %d %.3000s", p.status, p.body)
	}

	for login, path := range map[string]string{"teacher-s1": "/summary/journal?" + span, "parent1": "/summary/journal?" + span,
		"mun-novokuznetsk": "/summary/journal?organisation=" + w.ids["school-1-kemerovo"] + "&" + span} {
		b := w.browser()
		b.login(login, "/profile")
		if p := b.get(path); p.status != http.StatusForbidden && p.status != http.StatusNotFound || strings.Contains(p.body, "4.25") {
			t.Errorf("%s %s: %d", login, path, p.status)
		}
	}
}

// TestSubjectTeacherSeesNames: teacher-s1 leads 6А but also teaches another
// class of the school; that class's column names its pupils from the
// registry's roster (names only), and reading them is in each pupil's audit.
func TestSubjectTeacherSeesNames(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := t.Context()
	var class, pupil, family string
	if err := w.db.Pool.QueryRow(ctx, `SELECT r.class_id::text, p.id::text, p.family_name FROM journal.roster r
		JOIN registry.people p ON p.id = r.student_id JOIN registry.classes c ON c.id = r.class_id
		WHERE c.organisation_id = $1 AND r.class_id <> (SELECT class_id FROM journal.roster WHERE student_id = $2)
		ORDER BY c.name, p.family_name LIMIT 1`, w.ids["school-1-kemerovo"], w.ids["student1"]).Scan(&class, &pupil, &family); err != nil {
		t.Fatalf("another class of school No. 1 with pupils: %v", err)
	}
	lesson := teacherS1Lesson(t, w, class, 3)
	// The class list with birth dates stays closed to a subject teacher.
	if code, _ := w.api("teacher-s1", http.MethodGet, "/api/registry/organisations/"+w.ids["school-1-kemerovo"]+"/students?class="+class, "", nil); code != http.StatusNotFound {
		t.Fatalf("teacher-s1 reads another class's list: %d, want 404", code)
	}
	teacher := w.browser()
	teacher.login("teacher-s1", "/journal")
	p := teacher.get("/journal/lessons/" + lesson)
	if p.status != http.StatusOK || !strings.Contains(p.body, family) || strings.Contains(p.body, "Ученик ") {
		t.Fatalf("the column of another class: %d %.3000s", p.status, p.body)
	}
	var n int
	if err := w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object = 'registry.class-roster'`, pupil).Scan(&n); err != nil || n == 0 {
		t.Fatalf("the roster read in %s's audit: %d %v", family, n, err)
	}
}

// TestClassJournalPage: the class teacher opens 6А from «Моя организация»:
// its subjects with their teachers and each pupil's diary; the director too;
// another school's teacher and a parent are refused.
func TestClassJournalPage(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	var class string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT class_id::text FROM journal.lessons WHERE id = $1`, lesson).Scan(&class); err != nil {
		t.Fatal(err)
	}
	path := "/journal/classes/" + class
	teacher := w.browser()
	teacher.login("teacher-s1", "/organisation")
	if org := teacher.get("/organisation"); !strings.Contains(org.body, `href="`+path+`"`) {
		t.Fatalf("«Моя организация» of 6А's class teacher has no link to the class's journal: %.3000s", org.body)
	}
	for _, login := range []string{"teacher-s1", "director-s1"} {
		b := teacher
		if login != "teacher-s1" {
			b = w.browser()
			b.login(login, "/profile")
		}
		p := b.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, "<td>Математика</td><td>Белова Наталья Сергеевна</td>") ||
			!strings.Contains(p.body, `<a href="/children/`+w.ids["student1"]+`/diary">Соколов Артём Игоревич</a>`) {
			t.Fatalf("%s: the class's journal: %d %.3000s", login, p.status, p.body)
		}
	}
	for _, login := range []string{"teacher-s2", "parent1"} {
		b := w.browser()
		b.login(login, "/profile")
		if p := b.get(path); p.status != http.StatusNotFound && p.status != http.StatusForbidden || strings.Contains(p.body, "Соколов") {
			t.Errorf("%s opens 6А's journal: %d", login, p.status)
		}
	}
}

// formOf reads the lesson page's form as a browser would submit it untouched:
// its hidden fields, each select's chosen option, each text input's value
// and the ticked checkboxes.
func formOf(t *testing.T, body string) url.Values {
	t.Helper()
	i := strings.Index(body, `id="lesson-form"`)
	if i < 0 {
		t.Fatalf("no lesson form on the page: %.1500s", body)
	}
	body = body[i : strings.Index(body[i:], "</form>")+i]
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="(?:hidden|text)" name="([^"]+)"[^>]*? value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		form.Add(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<select name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(body, -1) {
		chosen := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2])
		if chosen == nil {
			chosen = regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(m[2])
		}
		form.Set(m[1], chosen[1])
	}
	for _, m := range regexp.MustCompile(`<input type="checkbox" name="([^"]+)"[^>]*value="([^"]*)" checked>`).FindAllStringSubmatch(body, -1) {
		form.Set(m[1], m[2])
	}
	return form
}

// TestLessonPageSendsWhatChanged: the lesson page sends the column in one
// request with only what changed. Marks typed into an untouched column leave
// the lesson's attendance untaken and announce no attendance; a changed
// select records that pupil's attendance only; a column with one bad cell
// writes nothing of it; the director sees the column without inputs.
func TestLessonPageSendsWhatChanged(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	teacher := w.browser()
	teacher.login("teacher-s1", "/journal/lessons/"+lesson)
	state := func() (taken bool, rows, events, marks int) {
		t.Helper()
		if err := w.db.Pool.QueryRow(t.Context(), `SELECT attendance_taken_at IS NOT NULL,
			    (SELECT count(*) FROM journal.attendance WHERE lesson_id = $1),
			    (SELECT count(*) FROM platform.outbox WHERE type = 'ru.kuzbass.eko.attendance.marked.v1' AND data->>'lesson_id' = $1::text),
			    (SELECT count(*) FROM journal.marks WHERE lesson_id = $1)
			FROM journal.lessons WHERE id = $1`, lesson).Scan(&taken, &rows, &events, &marks); err != nil {
			t.Fatal(err)
		}
		return
	}
	students := regexp.MustCompile(`name="student" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(teacher.get("/journal/lessons/"+lesson).body, -1)
	if len(students) < 3 {
		t.Fatalf("pupils on the page: %d", len(students))
	}
	s1, s2, s3 := students[0][1], students[1][1], students[2][1]

	form := formOf(t, teacher.get("/journal/lessons/"+lesson).body)
	form.Set("mark_"+s1, "5")
	form.Set("mark_"+s2, "4")
	if p := teacher.follow(teacher.post("/journal/lessons/"+lesson, form)); !strings.Contains(p.body, `id="saved"`) {
		t.Fatalf("marks only: %.2000s", p.body)
	}
	if taken, rows, events, marks := state(); taken || rows != 0 || events != 0 || marks != 2 {
		t.Fatalf("marks only: attendance taken %v, %d rows, %d events, %d marks", taken, rows, events, marks)
	}

	form = formOf(t, teacher.get("/journal/lessons/"+lesson).body)
	form.Set("attendance_"+s3, "absent_illness")
	teacher.follow(teacher.post("/journal/lessons/"+lesson, form))
	if taken, rows, events, marks := state(); !taken || rows != 1 || events != 1 || marks != 2 {
		t.Fatalf("one absence: attendance taken %v, %d rows, %d events, %d marks", taken, rows, events, marks)
	}

	form = formOf(t, teacher.get("/journal/lessons/"+lesson).body)
	form.Set("mark_"+s1, "4")
	form.Set("mark_"+s2, "6")
	form.Set("attendance_"+s1, "late")
	form.Set("topic", "Проценты")
	if p := teacher.post("/journal/lessons/"+lesson, form); p.status != http.StatusBadRequest || !strings.Contains(p.body, "пятибалльной") {
		t.Fatalf("a six in the column: %d %.2000s", p.status, p.body)
	}
	if taken, rows, events, marks := state(); !taken || rows != 1 || events != 1 || marks != 2 ||
		w.count(`SELECT count(*) FROM journal.lessons WHERE id = $1 AND topic IS NOT NULL`, lesson) != 0 {
		t.Fatalf("a refused column wrote: attendance taken %v, %d rows, %d events, %d marks", taken, rows, events, marks)
	}

	director := w.browser()
	director.login("director-s1", "/journal/lessons/"+lesson)
	if p := director.get("/journal/lessons/" + lesson); p.status != http.StatusOK || strings.Contains(p.body, `name="mark_`) ||
		!strings.Contains(p.body, "болел(а)") {
		t.Fatalf("the director's view of the column: %d %.2000s", p.status, p.body)
	}
}
