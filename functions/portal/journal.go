package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The journal's pages: a teacher's lessons of a day, a lesson's column of the
// journal (marks typed from the keyboard, attendance, the topic — saved at
// once), and a pupil's diary week with marks by subject and a trend chart.
// Every page calls the post-grade API with the user's token; names come from
// the registry's class list, which the registry shows to those it allows.

const journalAPI = "/api/post-grade"

func (f *Function) mountJournal(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/journal", auth.Authenticated, f.journalDay)
	rt.Handle(http.MethodGet, "/journal/assignments/{id}", auth.Authenticated, f.journalGrid)
	rt.Handle(http.MethodGet, "/journal/classes/{id}", auth.Authenticated, f.journalClass)
	rt.Handle(http.MethodGet, "/journal/assignments/{id}/term-marks", auth.Authenticated, f.journalTermMarks)
	rt.Handle(http.MethodPost, "/journal/assignments/{id}/term-marks", auth.Authenticated, f.confirmJournalMarks)
	rt.Handle(http.MethodGet, "/journal/lessons/{id}", auth.Authenticated, f.journalLesson)
	rt.Handle(http.MethodPost, "/journal/lessons/{id}", auth.Authenticated, f.saveJournalLesson)
	rt.Handle(http.MethodGet, "/children/{id}/diary", auth.Authenticated, f.childDiary)
	rt.Handle(http.MethodGet, "/diary", auth.Authenticated, f.ownDiary)
	rt.Handle(http.MethodGet, "/summary/journal", auth.Authenticated, f.journalSummary)
}

func (f *Function) journalClient() (*apiClient, error) {
	if f.journal == nil {
		return nil, errs.User(errs.Unavailable, "Электронный журнал сейчас недоступен.")
	}
	return f.journal, nil
}

// journalPage is the post-grade client and the {id} of a journal page.
func (f *Function) journalPage(r *http.Request) (*apiClient, uuid.UUID, error) {
	api, err := f.journalClient()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
}

// refusedCells reads the post-grade API's refusal of a column's items (400 or
// 409, each naming "items[i]…") into fields by pupil; ok is false for any
// other error.
func refusedCells[T any](err error, items []T, pupil func(T) string, fields map[string]string) (status int, detail string, ok bool) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.Conflict) {
		return 0, "", false
	}
	for _, fe := range e.Fields {
		if i, ok := itemIndex(fe.Field); ok && i < len(items) {
			fields[pupil(items[i])] = fe.Message
		}
	}
	return httpx.Status(e.Code), e.Detail, true
}

// journalDay: GET /journal?date= — the teacher's lessons of the day.
func (f *Function) journalDay(w http.ResponseWriter, r *http.Request) error {
	api, err := f.journalClient()
	if err != nil {
		return err
	}
	p := principal(r)
	q := url.Values{}
	if d := r.URL.Query().Get("date"); d != "" {
		q.Set("date", d)
	}
	var day struct {
		Date  string
		Items []postgradeapi.TeacherLesson
	}
	if err := api.get(r.Context(), p.Token, journalAPI+"/lessons", q, &day); err != nil {
		return err
	}
	g, err := f.registry.grants(r.Context(), p.Token)
	if err != nil {
		return err
	}
	d, _ := time.Parse(time.DateOnly, day.Date)
	v := f.baseView(r, "journal", "Журнал")
	f.withRoles(r, &v, g.Grants)
	v.Data = struct {
		Date, Prev, Next string
		Lessons          []postgradeapi.TeacherLesson
	}{day.Date, d.AddDate(0, 0, -1).Format(time.DateOnly), d.AddDate(0, 0, 1).Format(time.DateOnly), day.Items}
	f.render(w, http.StatusOK, "journal", v)
	return nil
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
func (f *Function) journalGrid(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	p := principal(r)
	q := url.Values{}
	if from := r.URL.Query().Get("from"); from != "" {
		q.Set("from", from)
	}
	var g postgradeapi.GridView
	if err := api.get(r.Context(), p.Token, journalAPI+"/assignments/"+id.String()+"/grid", q, &g); err != nil {
		return err
	}
	grants, err := f.registry.grants(r.Context(), p.Token)
	if err != nil {
		return err
	}
	name := f.pupilNames(r, g.Assignment.ClassID, grants.Grants)
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
	v := f.baseView(r, "grid", "Журнал класса")
	f.withRoles(r, &v, grants.Grants)
	v.Data = struct {
		Grid       postgradeapi.GridView
		Rows       []gridRow
		Prev, Next string
	}{g, rows, from.AddDate(0, 0, -14).Format(time.DateOnly), from.AddDate(0, 0, 14).Format(time.DateOnly)}
	f.render(w, http.StatusOK, "grid", v)
	return nil
}

// lessonRow is one pupil's row of a lesson's column.
type lessonRow struct {
	postgradeapi.JournalStudent
	Name string
}

// journalLesson: GET /journal/lessons/{id} — the lesson's column.
func (f *Function) journalLesson(w http.ResponseWriter, r *http.Request) error {
	return f.renderLesson(w, r, http.StatusOK, "", nil)
}

func (f *Function) renderLesson(w http.ResponseWriter, r *http.Request, status int, problem string, fields map[string]string) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	p := principal(r)
	var j postgradeapi.JournalView
	if err := api.get(r.Context(), p.Token, journalAPI+"/lessons/"+id.String()+"/journal", nil, &j); err != nil {
		return err
	}
	g, err := f.registry.grants(r.Context(), p.Token)
	if err != nil {
		return err
	}
	name := f.pupilNames(r, j.Lesson.ClassID, g.Grants)
	rows := make([]lessonRow, len(j.Students))
	for i, s := range j.Students {
		rows[i] = lessonRow{JournalStudent: s, Name: name(s.StudentID)}
	}
	slices.SortFunc(rows, func(a, b lessonRow) int { return strings.Compare(a.Name, b.Name) })
	kinds := make([]string, 0, len(j.Kinds))
	for k := range j.Kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	typed := map[string]string{}
	if r.Method == http.MethodPost { // a refused column comes back as it was typed
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
	v := f.baseView(r, "lesson", "Урок "+j.Lesson.Date)
	f.withRoles(r, &v, g.Grants)
	v.Data = struct {
		Lesson   postgradeapi.Lesson
		Rows     []lessonRow
		Kinds    []string
		Statuses []string
		Error    string
		Fields   map[string]string
		Typed    map[string]string // student → the mark typed, when the form comes back
		Saved    bool
	}{j.Lesson, rows, kinds, []string{"present", "absent_illness", "absent_excused", "absent_unexcused", "late"}, problem, fields, typed,
		r.URL.Query().Get("saved") == "1"}
	f.render(w, status, "lesson", v)
	return nil
}

// pupilNames names the pupils of class from the registry's roster (names
// only), which the registry shows to the school's teachers and
// administration; a pupil it does not name is «Ученик» and the start of the id.
func (f *Function) pupilNames(r *http.Request, class uuid.UUID, grants []access.Grant) func(uuid.UUID) string {
	names := map[uuid.UUID]string{}
	for _, g := range grants {
		if g.OrganisationID == "" || g.Role == access.Parent || g.Role == access.Student {
			continue
		}
		org, err := uuid.Parse(g.OrganisationID)
		if err != nil {
			continue
		}
		pupils, err := f.registry.roster(r.Context(), principal(r).Token, org, class)
		if err != nil {
			continue
		}
		for _, p := range pupils {
			names[p.ID] = p.FullName()
		}
		if len(names) > 0 {
			break
		}
	}
	return func(id uuid.UUID) string {
		if n := names[id]; n != "" {
			return n
		}
		return "Ученик " + id.String()[:8]
	}
}

// saveJournalLesson: POST /journal/lessons/{id} — the column as typed: a new
// mark per pupil (value, the column's kind), attendance, the topic; the marks
// go in one request (one transaction), then attendance, then the topic.
func (f *Function) saveJournalLesson(w http.ResponseWriter, r *http.Request) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	form, token := r.PostForm, principal(r).Token
	kind := form.Get("kind")
	var marks []postgradeapi.MarkItem
	var attendance []postgradeapi.AttendanceItem
	fields := map[string]string{}
	for _, s := range form["student"] {
		if v := strings.TrimSpace(form.Get("mark_" + s)); v != "" {
			value, passed, ok := markInput(v)
			if !ok {
				fields[s] = "оценка — цифра от 1 до 5, «з» или «н»"
				continue
			}
			marks = append(marks, postgradeapi.MarkItem{StudentID: s, Kind: kind, Value: value, Passed: passed})
		}
		if st := form.Get("attendance_" + s); st != "" {
			attendance = append(attendance, postgradeapi.AttendanceItem{StudentID: s, Status: st})
		}
	}
	if len(fields) > 0 {
		return f.renderLesson(w, r, http.StatusBadRequest, "Исправьте отмеченные оценки.", fields)
	}
	if len(marks) > 0 {
		err := api.send(r.Context(), token, http.MethodPost, journalAPI+"/marks", postgradeapi.MarksRequest{LessonID: id.String(), Items: marks}, nil, nil)
		if status, detail, ok := refusedCells(err, marks, func(m postgradeapi.MarkItem) string { return m.StudentID }, fields); ok {
			return f.renderLesson(w, r, status, detail, fields)
		}
		if err != nil {
			return err
		}
	}
	if len(attendance) > 0 {
		if err := api.send(r.Context(), token, http.MethodPost, journalAPI+"/attendance", postgradeapi.AttendanceRequest{LessonID: id.String(), Items: attendance}, nil, nil); err != nil {
			return err
		}
	}
	if topic, ok := form["topic"]; ok {
		if err := api.send(r.Context(), token, http.MethodPatch, journalAPI+"/lessons/"+id.String(), postgradeapi.TopicRequest{Topic: &topic[0]}, nil, nil); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/journal/lessons/"+id.String()+"?saved=1", http.StatusSeeOther)
	return nil
}

// itemIndex reads i from "items[i]…".
func itemIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "items[")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)])
	return n, err == nil
}

// diaryView is the diary page.
type diaryView struct {
	Name       string
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
func (f *Function) childDiary(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return f.renderDiary(w, r, id)
}

func (f *Function) ownDiary(w http.ResponseWriter, r *http.Request) error {
	g, err := f.registry.grants(r.Context(), principal(r).Token)
	if err != nil {
		return err
	}
	id, err := uuid.Parse(g.PersonID)
	if err != nil {
		return errs.User(errs.NotFound, "Дневник не найден.")
	}
	return f.renderDiary(w, r, id)
}

func (f *Function) renderDiary(w http.ResponseWriter, r *http.Request, student uuid.UUID) error {
	api, err := f.journalClient()
	if err != nil {
		return err
	}
	p := principal(r)
	q := url.Values{}
	if from := r.URL.Query().Get("from"); from != "" {
		q.Set("from", from)
	}
	var d postgradeapi.DiaryView
	if err := api.get(r.Context(), p.Token, journalAPI+"/diary/"+student.String(), q, &d); err != nil {
		return err
	}
	g, err := f.registry.grants(r.Context(), p.Token)
	if err != nil {
		return err
	}
	from, _ := time.Parse(time.DateOnly, d.From)
	dv := diaryView{Diary: d, Prev: from.AddDate(0, 0, -7).Format(time.DateOnly), Next: from.AddDate(0, 0, 7).Format(time.DateOnly)}
	if person, err := f.registry.person(r.Context(), p.Token, student); err == nil {
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
	v := f.baseView(r, "diary", "Дневник")
	f.withRoles(r, &v, g.Grants)
	v.Data = dv
	f.render(w, http.StatusOK, "diary", v)
	return nil
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
