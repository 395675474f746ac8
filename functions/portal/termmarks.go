package portal

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

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

// yearTab reports whether tab is one of the marks for the whole year
// (postgradeapi.YearMarkKinds), with its heading; any other tab is a period's id.
func yearTab(tab string) (heading string, ok bool) {
	for _, k := range postgradeapi.YearMarkKinds {
		if k.Code == tab {
			return k.Title, true
		}
	}
	return "", false
}

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
func (f *Function) journalTermMarks(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderTermMarks(w, r, pg, http.StatusOK, "", nil)
}

func (f *Function) renderTermMarks(w http.ResponseWriter, r *http.Request, pg *page, status int, problem string, fields map[string]string) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	ctx, tab := r.Context(), r.URL.Query().Get("period")
	heading, isYear := yearTab(tab)
	period := ""
	if tab != "" && !isYear {
		period = tab
	}
	tv, err := api.TermMarks(ctx, id, period)
	if err != nil {
		return err
	}
	page := termMarksPage{AssignmentID: id.String(), Period: tv.Period, Error: problem, Fields: fields, Saved: r.URL.Query().Get("saved") == "1",
		MayConfirm: tv.MayConfirm}
	marks := tv.Items
	if isYear {
		yv, err := api.YearMarks(ctx, id, tab)
		if err != nil {
			return err
		}
		marks = make([]postgradeapi.ConfirmedMark, len(yv.Items))
		for i, m := range yv.Items {
			marks[i] = m.ConfirmedMark
		}
		page.Period, page.Query, page.Heading, page.MayConfirm = nil, tab, heading, yv.MayConfirm
	} else if tv.Period != nil {
		page.Query = tv.Period.ID.String()
		page.Heading = fmt.Sprintf("Отметки за %d %s", tv.Period.No, postgradeapi.TitleOf(postgradeapi.PeriodKinds, tv.Period.Kind))
	}
	for _, pr := range tv.Periods {
		page.Tabs = append(page.Tabs, markTab{Label: fmt.Sprintf("%d %s", pr.No, postgradeapi.TitleOf(postgradeapi.PeriodKinds, pr.Kind)), Query: pr.ID.String(),
			Current: pr.ID.String() == page.Query, Closed: pr.ClosedAt != nil})
	}
	page.Tabs = append(page.Tabs, markTab{Label: "Год", Query: "year", Current: page.Query == "year"},
		markTab{Label: "Итог", Query: "final", Current: page.Query == "final"})

	name, err := f.pupilNames(pg, tv.Assignment.OrganisationID, tv.Assignment.ClassID)
	if err != nil {
		return err
	}
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
	pg.Data = page
	return pg.render(w, status)
}

// confirmJournalMarks: POST /journal/assignments/{id}/term-marks?period= —
// the marks typed that differ from the confirmed ones go to the API in one
// request (one transaction).
func (f *Function) confirmJournalMarks(w http.ResponseWriter, r *http.Request, pg *page) error {
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
	_, isYear := yearTab(tab)
	if !isYear {
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
		return f.renderTermMarks(w, r, pg, http.StatusBadRequest, "Исправьте отмеченные отметки.", fields)
	}
	back := "/journal/assignments/" + id.String() + "/term-marks?period=" + url.QueryEscape(tab)
	if len(items) == 0 {
		http.Redirect(w, r, back+"&saved=1", http.StatusSeeOther)
		return nil
	}
	if isYear {
		err = api.ConfirmYearMarks(r.Context(), id, postgradeapi.YearMarksRequest{Kind: tab, Items: items})
	} else {
		err = api.ConfirmTermMarks(r.Context(), id, postgradeapi.TermMarksRequest{PeriodID: tab, Items: items})
	}
	pupilOf := func(list string, i int) (string, bool) {
		if list == "items" && i < len(items) {
			return items[i].StudentID, true
		}
		return "", false
	}
	if status, detail, ok := refusedCells(err, pupilOf, fields); ok {
		return f.renderTermMarks(w, r, pg, status, detail, fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, back+"&saved=1", http.StatusSeeOther)
	return nil
}
