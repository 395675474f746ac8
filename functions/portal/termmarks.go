package portal

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/errs"
)

// The confirmation page of an assignment's term, year and final marks: each
// pupil with the mark the journal suggests and the confirmed one; the
// teacher types corrections over the suggestions and confirms the class at
// once. ?period= names a period of the school (the one in course by
// default), "year" or "final".

// markTab is a tab of the page: a period, the year, the final marks.
type markTab struct {
	Label, Query string
	Current      bool
	Closed       bool
}

// confirmRow is a pupil's row: what is confirmed, what the input holds.
type confirmRow struct {
	postgradeapi.ConfirmedMark
	Name  string
	Input string // the confirmed mark, else the suggestion rounded
	Was   string // the confirmed mark as typed, "" if none
}

type termMarksPage struct {
	AssignmentID string
	Tabs         []markTab
	Query        string // the current tab's ?period=
	Heading      string
	Period       *postgradeapi.Period
	Rows         []confirmRow
	MayConfirm   bool
	Error        string
	Fields       map[string]string
	Saved        bool
}

// yearTabs are the tabs of marks for the whole year, with their headings;
// any other tab is a period's id.
var yearTabs = map[string]string{"year": "Годовые отметки", "final": "Итоговые отметки"}

var periodKinds = map[string]string{"quarter": "четверть", "trimester": "триместр", "semester": "полугодие"}

// markText renders a confirmed mark as the teacher types it.
func markText(value *int, passed *bool) string {
	switch {
	case value != nil:
		return strconv.Itoa(*value)
	case passed != nil && *passed:
		return "з"
	case passed != nil:
		return "н"
	}
	return ""
}

// markInput reads a mark typed into the journal: a digit, «з» or «+» for a
// pass, «н» or «-» for a fail. The scale is the API's to check.
func markInput(s string) (value *int, passed *bool, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "зач", "з", "+":
		yes := true
		return nil, &yes, true
	case "незач", "н", "-":
		no := false
		return nil, &no, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil, nil, false
	}
	return &n, nil, true
}

// journalTermMarks: GET /journal/assignments/{id}/term-marks?period=
func (f *Function) journalTermMarks(w http.ResponseWriter, r *http.Request) error {
	return f.renderTermMarks(w, r, http.StatusOK, "", nil)
}

func (f *Function) renderTermMarks(w http.ResponseWriter, r *http.Request, status int, problem string, fields map[string]string) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	p, tab := principal(r), r.URL.Query().Get("period")
	base := journalAPI + "/assignments/" + id.String()
	q := url.Values{}
	heading, yearTab := yearTabs[tab]
	if tab != "" && !yearTab {
		q.Set("period_id", tab)
	}
	var tv postgradeapi.TermMarksView
	if err := api.get(r.Context(), p.Token, base+"/term-marks", q, &tv); err != nil {
		return err
	}
	page := termMarksPage{AssignmentID: id.String(), Period: tv.Period, Error: problem, Fields: fields, Saved: r.URL.Query().Get("saved") == "1"}
	marks := tv.Items
	if yearTab {
		var yv struct{ Items []postgradeapi.YearMark }
		if err := api.get(r.Context(), p.Token, base+"/year-marks", url.Values{"kind": {tab}}, &yv); err != nil {
			return err
		}
		marks = make([]postgradeapi.ConfirmedMark, len(yv.Items))
		for i, m := range yv.Items {
			marks[i] = m.ConfirmedMark
		}
		page.Period, page.Query, page.Heading = nil, tab, heading
	} else if tv.Period != nil {
		page.Query = tv.Period.ID.String()
		page.Heading = fmt.Sprintf("Отметки за %d %s", tv.Period.No, periodKinds[tv.Period.Kind])
	}
	for _, pr := range tv.Periods {
		page.Tabs = append(page.Tabs, markTab{Label: fmt.Sprintf("%d %s", pr.No, periodKinds[pr.Kind]), Query: pr.ID.String(),
			Current: pr.ID.String() == page.Query, Closed: pr.ClosedAt != nil})
	}
	page.Tabs = append(page.Tabs, markTab{Label: "Год", Query: "year", Current: page.Query == "year"},
		markTab{Label: "Итог", Query: "final", Current: page.Query == "final"})

	g, err := f.registry.grants(r.Context(), p.Token)
	if err != nil {
		return err
	}
	page.MayConfirm = g.PersonID == tv.Assignment.TeacherID.String() && page.Query != ""
	name := f.pupilNames(r, tv.Assignment.ClassID, g.Grants)
	for _, m := range marks {
		row := confirmRow{ConfirmedMark: m, Name: name(m.StudentID), Was: markText(m.Value, m.Passed)}
		row.Input = row.Was
		if row.Input == "" && m.Suggested != nil {
			row.Input = strconv.Itoa(int(math.Round(*m.Suggested)))
		}
		if typed, ok := r.PostForm["mark_"+m.StudentID.String()]; ok && r.Method == http.MethodPost {
			row.Input = typed[0] // a refused form comes back as it was typed
		}
		page.Rows = append(page.Rows, row)
	}
	slices.SortFunc(page.Rows, func(a, b confirmRow) int { return strings.Compare(a.Name, b.Name) })
	v := f.baseView(r, "termmarks", "Отметки за период")
	f.withRoles(r, &v, g.Grants)
	v.Data = page
	f.render(w, status, "termmarks", v)
	return nil
}

// confirmJournalMarks: POST /journal/assignments/{id}/term-marks?period= —
// the marks typed that differ from the confirmed ones go to the API in one
// request (one transaction).
func (f *Function) confirmJournalMarks(w http.ResponseWriter, r *http.Request) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	tab := r.URL.Query().Get("period")
	if tab == "" {
		return errs.User(errs.Invalid, "Не выбран период.")
	}
	_, yearTab := yearTabs[tab]
	if !yearTab {
		if _, err := uuid.Parse(tab); err != nil {
			return errs.User(errs.Invalid, "Не выбран период.")
		}
	}
	form := r.PostForm
	var items []postgradeapi.ConfirmItem
	fields := map[string]string{}
	for _, s := range form["student"] {
		typed := strings.TrimSpace(form.Get("mark_" + s))
		if typed == "" || typed == form.Get("was_"+s) {
			continue
		}
		value, passed, ok := markInput(typed)
		if !ok {
			fields[s] = "отметка — цифра от 1 до 5, «з» или «н»"
			continue
		}
		items = append(items, postgradeapi.ConfirmItem{StudentID: s, Value: value, Passed: passed})
	}
	if len(fields) > 0 {
		return f.renderTermMarks(w, r, http.StatusBadRequest, "Исправьте отмеченные отметки.", fields)
	}
	back := "/journal/assignments/" + id.String() + "/term-marks?period=" + url.QueryEscape(tab)
	if len(items) == 0 {
		http.Redirect(w, r, back+"&saved=1", http.StatusSeeOther)
		return nil
	}
	path, body := journalAPI+"/assignments/"+id.String()+"/term-marks", any(postgradeapi.TermMarksRequest{PeriodID: tab, Items: items})
	if yearTab {
		path, body = journalAPI+"/assignments/"+id.String()+"/year-marks", postgradeapi.YearMarksRequest{Kind: tab, Items: items}
	}
	err = api.send(r.Context(), principal(r).Token, http.MethodPost, path, body, nil, nil)
	if status, detail, ok := refusedCells(err, items, func(c postgradeapi.ConfirmItem) string { return c.StudentID }, fields); ok {
		return f.renderTermMarks(w, r, status, detail, fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, back+"&saved=1", http.StatusSeeOther)
	return nil
}
