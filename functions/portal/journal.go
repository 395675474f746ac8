package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The journal's pages: a teacher's lessons of a day, a lesson's column of the
// journal (marks typed from the keyboard, attendance, the topic — what changed
// saved at once, in one request), and a pupil's diary week with marks by
// subject and a trend chart. Every page calls the post-grade API with the
// user's token, which decides what the user may see and do; names come from
// the registry's class list, which the registry shows to those it allows.

func (f *Function) mountJournal(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/journal", auth.Authenticated, f.pageOf("journal", "Журнал", f.journalDay))
	rt.Handle(http.MethodGet, "/journal/assignments/{id}", auth.Authenticated, f.pageOf("grid", "Журнал класса", f.journalGrid))
	rt.Handle(http.MethodGet, "/journal/classes/{id}", auth.Authenticated, f.pageOf("classjournal", "Журнал класса", f.journalClass))
	rt.Handle(http.MethodGet, "/journal/assignments/{id}/term-marks", auth.Authenticated, f.pageOf("termmarks", "Отметки за период", f.journalTermMarks))
	rt.Handle(http.MethodPost, "/journal/assignments/{id}/term-marks", auth.Authenticated, f.pageOf("termmarks", "Отметки за период", f.confirmJournalMarks))
	rt.Handle(http.MethodGet, "/journal/lessons/{id}", auth.Authenticated, f.pageOf("lesson", "Урок", f.journalLesson))
	rt.Handle(http.MethodPost, "/journal/lessons/{id}", auth.Authenticated, f.pageOf("lesson", "Урок", f.saveJournalLesson))
	rt.Handle(http.MethodGet, "/children/{id}/diary", auth.Authenticated, f.pageOf("diary", "Дневник", f.childDiary))
	rt.Handle(http.MethodGet, "/diary", auth.Authenticated, f.pageOf("diary", "Дневник", f.ownDiary))
	rt.Handle(http.MethodGet, "/summary/journal", auth.Authenticated, f.pageOf("summary", "Сводка журнала", f.journalSummary))
}

// journalAPI is the post-grade API, or 503 when the portal was deployed without it.
func (f *Function) journalAPI() (*postgradeapi.Client, error) {
	if f.journal == nil {
		return nil, errs.User(errs.Unavailable, "Электронный журнал сейчас недоступен.")
	}
	return f.journal, nil
}

// journalPage is the post-grade client and the {id} of a journal page.
func (f *Function) journalPage(r *http.Request) (*postgradeapi.Client, uuid.UUID, error) {
	api, err := f.journalAPI()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
}

// refusedCells reads the post-grade API's refusal of a form's cells (400 or
// 409, each field naming "<list>[i]…", list being one of lists) into fields
// by pupil; ok is false for any other error.
func refusedCells(err error, pupilOf func(list string, i int) (string, bool), fields map[string]string) (status int, detail string, ok bool) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.Conflict) {
		return 0, "", false
	}
	for _, fe := range e.Fields {
		if list, i, ok := itemOf(fe.Field); ok {
			if pupil, ok := pupilOf(list, i); ok {
				fields[pupil] = fe.Message
			}
		}
	}
	return httpx.Status(e.Code), shownDetail(e), true
}

// itemOf reads list and i from "list[i]…".
func itemOf(field string) (list string, i int, ok bool) {
	list, rest, found := strings.Cut(field, "[")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)])
	return list, n, err == nil
}

// journalDay: GET /journal?date= — the teacher's lessons of the day (without
// a date, of today or else of the last day with lessons, saying which).
func (f *Function) journalDay(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.journalAPI()
	if err != nil {
		return err
	}
	day, err := api.Day(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		return err
	}
	d, _ := time.Parse(time.DateOnly, day.Date)
	pg.Data = struct {
		Date, Prev, Next, Today string
		Lessons                 []postgradeapi.TeacherLesson
	}{day.Date, d.AddDate(0, 0, -1).Format(time.DateOnly), d.AddDate(0, 0, 1).Format(time.DateOnly), day.Today, day.Items}
	return pg.render(w, http.StatusOK)
}

// gridRow is one pupil's row of the grid: a cell per lesson.
type gridRow struct {
	Name  string
	Cells []gridCell
}

type gridCell struct {
	Marks      []postgradeapi.Mark
	Attendance string
}

// journalGrid: GET /journal/assignments/{id}?from= — the class's journal in
// a subject: pupils × lessons of a fortnight; a lesson's header opens its
// column for entry.
func (f *Function) journalGrid(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	g, err := api.Grid(r.Context(), id, r.URL.Query().Get("from"))
	if err != nil {
		return err
	}
	name, err := f.pupilNames(pg, g.Assignment.OrganisationID, g.Assignment.ClassID)
	if err != nil {
		return err
	}
	rows := make([]gridRow, len(g.Pupils))
	for i, s := range g.Pupils {
		rows[i].Name = name(s)
		for _, l := range g.Lessons {
			key := s.String() + "/" + l.ID.String()
			rows[i].Cells = append(rows[i].Cells, gridCell{Marks: g.Marks[key], Attendance: g.Attendance[key]})
		}
	}
	slices.SortFunc(rows, func(a, b gridRow) int { return strings.Compare(a.Name, b.Name) })
	from, _ := time.Parse(time.DateOnly, g.From)
	pg.Data = struct {
		Grid       postgradeapi.GridView
		Rows       []gridRow
		Prev, Next string
	}{g, rows, from.AddDate(0, 0, -14).Format(time.DateOnly), from.AddDate(0, 0, 14).Format(time.DateOnly)}
	return pg.render(w, http.StatusOK)
}

// lessonRow is one pupil's row of a lesson's column.
type lessonRow struct {
	postgradeapi.JournalStudent
	Name string
}

// journalLesson: GET /journal/lessons/{id} — the lesson's column: inputs
// when post-grade says the user may edit it, the marks as they are otherwise.
func (f *Function) journalLesson(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderLesson(w, r, pg, http.StatusOK, "", nil)
}

func (f *Function) renderLesson(w http.ResponseWriter, r *http.Request, pg *page, status int, problem string, fields map[string]string) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	j, err := api.Journal(r.Context(), id)
	if err != nil {
		return err
	}
	name, err := f.pupilNames(pg, j.OrganisationID, j.Lesson.ClassID)
	if err != nil {
		return err
	}
	rows := make([]lessonRow, len(j.Students))
	for i, s := range j.Students {
		rows[i] = lessonRow{JournalStudent: s, Name: name(s.StudentID)}
	}
	slices.SortFunc(rows, func(a, b lessonRow) int { return strings.Compare(a.Name, b.Name) })
	typed, stored := map[string]string{}, map[string]string{}
	for _, row := range rows {
		stored[row.StudentID.String()] = row.Attendance
	}
	storedTopic, taken := j.Lesson.Topic, j.AttendanceTaken
	if r.Method == http.MethodPost { // a refused column comes back as it was typed
		taken = taken || r.PostForm.Get("attendance_taken") == "1"
		for i, row := range rows {
			typed[row.StudentID.String()] = r.PostForm.Get("mark_" + row.StudentID.String())
			if a := r.PostForm.Get("attendance_" + row.StudentID.String()); a != "" {
				rows[i].Attendance = a
			}
		}
		if topic, ok := r.PostForm["topic"]; ok {
			j.Lesson.Topic = topic[0]
		}
	}
	var homework []issuehomeworkapi.Homework
	if f.homework != nil {
		if homework, err = f.homework.Lesson(r.Context(), id); err != nil {
			f.log.WarnContext(r.Context(), "portal: the lesson's homework left out", "err", err)
		}
	}
	pg.Title = "Урок " + j.Lesson.Date
	pg.Data = struct {
		Homework []issuehomeworkapi.Homework
		MayIssue bool
		Journal  postgradeapi.JournalView
		Lesson   postgradeapi.Lesson
		Rows     []lessonRow
		Kinds    []postgradeapi.MarkKind
		Statuses []postgradeapi.Term
		Error    string
		Fields   map[string]string
		Typed    map[string]string // student → the mark typed, when the form comes back
		Stored   map[string]string // student → the attendance recorded, to send only what changes
		Topic    string            // the topic recorded
		Taken    bool              // the attendance box: recorded, or ticked in the form that came back
		Saved    bool
	}{homework, j.MayEdit && f.homework != nil, j, j.Lesson, rows, postgradeapi.MarkKinds, postgradeapi.AttendanceStatuses, problem, fields, typed, stored, storedTopic, taken,
		r.URL.Query().Get("saved") == "1"}
	return pg.render(w, status)
}

// pupilNames names the pupils of class at org from the registry's roster
// (names only), which the registry shows to the school's teachers and
// administration and refuses to anyone else; a pupil it does not name is
// «Ученик» and the start of the id.
func (f *Function) pupilNames(pg *page, org, class uuid.UUID) (func(uuid.UUID) string, error) {
	names := map[uuid.UUID]string{}
	pupils, err := f.registry.Roster(pg.r.Context(), org, class)
	if _, refused := errs.As(err); err != nil && !refused {
		return nil, err
	}
	for _, p := range pupils {
		names[p.ID] = p.FullName()
	}
	return func(id uuid.UUID) string {
		if n := names[id]; n != "" {
			return n
		}
		return "Ученик " + id.String()[:8]
	}, nil
}

// saveJournalLesson: POST /journal/lessons/{id} — what changed in the column,
// in one request (one transaction): the marks typed (new, of the column's
// kind), the attendance that differs from what the page showed as recorded,
// "everyone present" when the teacher ticks it, the topic when it changed.
func (f *Function) saveJournalLesson(w http.ResponseWriter, r *http.Request, pg *page) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	form := r.PostForm
	kind := form.Get("kind")
	var req postgradeapi.ColumnRequest
	fields := map[string]string{}
	for _, s := range form["student"] {
		if v := strings.TrimSpace(form.Get("mark_" + s)); v != "" {
			value, passed, ok := markInput(v)
			if !ok {
				fields[s] = "оценка — цифра от 1 до 5, «з» или «н»"
				continue
			}
			req.Marks = append(req.Marks, postgradeapi.MarkItem{StudentID: s, Kind: kind, Value: value, Passed: passed})
		}
		if st := form.Get("attendance_" + s); st != "" && st != form.Get("attendance_was_"+s) {
			req.Attendance = append(req.Attendance, postgradeapi.AttendanceItem{StudentID: s, Status: st})
		}
	}
	if len(fields) > 0 {
		return f.renderLesson(w, r, pg, http.StatusBadRequest, "Исправьте отмеченные оценки.", fields)
	}
	req.TakeAttendance = form.Get("attendance_taken") == "1" && form.Get("attendance_taken_was") != "1"
	if topic, ok := form["topic"]; ok && topic[0] != form.Get("topic_was") {
		req.Topic = &topic[0]
	}
	back := "/journal/lessons/" + id.String()
	if len(req.Marks) == 0 && len(req.Attendance) == 0 && !req.TakeAttendance && req.Topic == nil {
		http.Redirect(w, r, back+"?saved=1", http.StatusSeeOther) // nothing changed
		return nil
	}
	_, err = api.SaveColumn(r.Context(), id, req)
	pupilOf := func(list string, i int) (string, bool) {
		switch {
		case list == "marks" && i < len(req.Marks):
			return req.Marks[i].StudentID, true
		case list == "attendance" && i < len(req.Attendance):
			return req.Attendance[i].StudentID, true
		}
		return "", false
	}
	if status, detail, ok := refusedCells(err, pupilOf, fields); ok {
		return f.renderLesson(w, r, pg, status, detail, fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, back+"?saved=1", http.StatusSeeOther)
	return nil
}

// diaryView is the diary page.
type diaryView struct {
	Name       string
	Pupil      string // whose diary: the ?pupil= of its homework links
	Diary      postgradeapi.DiaryView
	Prev, Next string
	Charts     []subjectChart
}

// subjectChart is a subject's marks of the span as an SVG polyline.
type subjectChart struct {
	postgradeapi.SubjectTrend
	Points string // "x,y x,y …" in a 200×60 box
	Count  int
}

// childDiary: GET /children/{id}/diary?from= — a parent's (or staff's) view
// of a pupil's week; ownDiary: GET /diary — the student's own.
func (f *Function) childDiary(w http.ResponseWriter, r *http.Request, pg *page) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return f.renderDiary(w, r, pg, id)
}

func (f *Function) ownDiary(w http.ResponseWriter, r *http.Request, pg *page) error {
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	id, err := uuid.Parse(g.PersonID)
	if err != nil {
		return errs.User(errs.NotFound, "Дневник не найден.")
	}
	return f.renderDiary(w, r, pg, id)
}

func (f *Function) renderDiary(w http.ResponseWriter, r *http.Request, pg *page, student uuid.UUID) error {
	api, err := f.journalAPI()
	if err != nil {
		return err
	}
	d, err := api.Diary(r.Context(), student, r.URL.Query().Get("from"))
	if err != nil {
		return err
	}
	from, _ := time.Parse(time.DateOnly, d.From)
	dv := diaryView{Diary: d, Pupil: student.String(), Prev: from.AddDate(0, 0, -7).Format(time.DateOnly), Next: from.AddDate(0, 0, 7).Format(time.DateOnly)}
	if person, err := f.registry.Person(r.Context(), student); err == nil {
		dv.Name = person.FullName()
	}
	values := map[uuid.UUID][]int{}
	for _, day := range d.Days {
		for _, l := range day.Lessons {
			for _, m := range l.Marks {
				if m.Value != nil {
					values[l.SubjectID] = append(values[l.SubjectID], *m.Value)
				}
			}
		}
	}
	for _, s := range d.Subjects {
		dv.Charts = append(dv.Charts, subjectChart{SubjectTrend: s, Points: polyline(values[s.SubjectID]), Count: len(values[s.SubjectID])})
	}
	pg.Data = dv
	return pg.render(w, http.StatusOK)
}

// polyline places marks 1–5 left to right in a 200×60 box (5 at the top).
func polyline(vals []int) string {
	if len(vals) == 0 {
		return ""
	}
	var b strings.Builder
	step := 0.0
	if len(vals) > 1 {
		step = 190.0 / float64(len(vals)-1)
	}
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", 5+step*float64(i), 55-float64(v-1)*12.5)
	}
	return b.String()
}
