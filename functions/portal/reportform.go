package portal

import (
	"io"
	"net/http"
	"slices"
	"strings"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// reportView is the data of one organisation's report: the form laid out
// with its values, what the user may do with it now, and its history.
type reportView struct {
	S          collectreportapi.Submission
	C          collectreportapi.Campaign
	FormTitle  string
	Org        string
	Sections   []sectionView
	Editable   bool // the organisation fills it now
	Reviews    bool // the user reviews reports (a municipality, the ministry)
	Cells      []cellOption
	Violations []collectreportapi.Violation
	History    []collectreportapi.Review
	Notice     string
	Error      string
}

type sectionView struct {
	Title  string
	Fields []cellView
	Tables []tableView
}

type tableView struct {
	Title   string
	Columns []string
	Rows    []rowView
}

type rowView struct {
	Title string
	Cells []cellView
}

type cellOption struct{ Name, Title string }

// cellView is one cell as the page shows it.
type cellView struct {
	Name, Title, Type, Unit, Value string
	Choices                        []string
	Required                       bool
	Open                           bool // may be changed now
	Prefill                        *collectreportapi.Provenance
	Correction                     *collectreportapi.Correction
	Drift                          *collectreportapi.Drift
	Comment                        string // the reviewer's, on a returned cell
	Why                            string // the correction's reason as typed
	ShowWhy                        bool   // the value differs from EKO's
	Error                          string
}

var reportNotices = map[string]string{
	"saved":     "Черновик сохранён.",
	"submitted": "Отчёт отправлен.",
	"refilled":  "Данные ЭКО обновлены.",
	"returned":  "Отчёт возвращён на доработку.",
	"approved":  "Отчёт принят.",
	"reopened":  "Отчёт открыт снова.",
	"uploaded":  "Книга загружена и сохранена как черновик.",
}

// reportPage: GET /reports/submissions/{id}.
func (f *Function) reportPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderReport(w, r, pg, http.StatusOK, reportNotices[r.URL.Query().Get("done")], "", nil, nil)
}

// renderReport shows the report; typed (the form as posted) and the
// violations when a step was refused.
func (f *Function) renderReport(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string,
	typed map[string][]string, violations []collectreportapi.Violation) error {
	ctx := r.Context()
	api, id, err := f.reportsOf(r)
	if err != nil {
		return err
	}
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	acc, err := pg.Reports()
	if err != nil {
		return err
	}
	s, err := api.Submission(ctx, id)
	if err != nil {
		return err
	}
	campaigns, err := api.Campaigns(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(campaigns, func(c collectreportapi.Campaign) bool { return c.ID == s.CampaignID })
	if i < 0 {
		return errs.User(errs.NotFound, "Отчёт не найден среди ваших.")
	}
	def, err := api.Definition(ctx, campaigns[i].Code, campaigns[i].Version)
	if err != nil {
		return err
	}
	d := reportView{S: s, C: campaigns[i], FormTitle: def.Title, Org: s.OrganisationID.String(), Reviews: acc.Reviews,
		Editable:   acc.Fills && (s.State == collectreportapi.Draft || s.State == collectreportapi.Returned),
		Violations: violations, Notice: notice, Error: problem}
	if o, err := f.registry.Organisation(ctx, s.OrganisationID); err == nil {
		d.Org = o.ShortName
	}
	if d.History, err = api.Reviews(ctx, id); err != nil {
		return err
	}
	cellErrors := map[string]string{}
	for _, v := range violations {
		if v.Cell != "" {
			cellErrors[v.Cell] = v.Message
		}
	}
	returned := map[string]bool{}
	for _, c := range s.ReturnedCells {
		returned[c] = true
	}
	cell := func(name, title, typ, unit string, choices []string, required bool) cellView {
		c := cellView{Name: name, Title: title, Type: typ, Unit: unit, Choices: choices, Required: required, Value: s.Values[name],
			Open: d.Editable && (s.State == collectreportapi.Draft || returned[name]), Comment: s.Comments[name], Error: cellErrors[name]}
		if p, ok := s.Prefill[name]; ok {
			c.Prefill = &p
		}
		if k, ok := s.Corrections[name]; ok {
			c.Correction, c.Why = &k, k.Comment
		}
		if dr, ok := s.Drift[name]; ok {
			c.Drift = &dr
		}
		if typed != nil {
			c.Value = first(typed["v."+name])
			if w := first(typed["why."+name]); w != "" {
				c.Why = w
			}
		}
		c.ShowWhy = c.Prefill != nil && c.Value != c.Prefill.Value
		d.Cells = append(d.Cells, cellOption{Name: name, Title: title})
		return c
	}
	for _, sec := range def.Definition.Sections {
		sv := sectionView{Title: sec.Title}
		for _, fl := range sec.Fields {
			sv.Fields = append(sv.Fields, cell(fl.ID, fl.Title, fl.Type, fl.Unit, fl.Choices, fl.Required))
		}
		for _, t := range sec.Tables {
			tv := tableView{Title: t.Title}
			for _, col := range t.Columns {
				tv.Columns = append(tv.Columns, col.Title)
			}
			for _, row := range t.Rows {
				rv := rowView{Title: row.Title}
				for _, col := range t.Columns {
					rv.Cells = append(rv.Cells, cell(t.ID+"."+row.ID+"."+col.ID, t.Title+": "+row.Title+" — "+col.Title, col.Type, col.Unit, nil, t.Required))
				}
				tv.Rows = append(tv.Rows, rv)
			}
			sv.Tables = append(sv.Tables, tv)
		}
		d.Sections = append(d.Sections, sv)
	}
	pg.Title = d.Org + " — " + d.C.Title
	pg.Data = d
	return pg.render(w, status)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// postedValues are the cells of a posted report (v.<cell>) and the
// corrections' reasons (why.<cell>), empty ones left out.
func postedValues(form map[string][]string) (values, why map[string]string) {
	values, why = map[string]string{}, map[string]string{}
	for k, v := range form {
		val := strings.TrimSpace(first(v))
		switch {
		case val == "":
		case strings.HasPrefix(k, "v."):
			values[k[2:]] = val
		case strings.HasPrefix(k, "why."):
			why[k[4:]] = val
		}
	}
	return values, why
}

// maxReportForm bounds a posted report: a 500-cell form with its reasons.
const maxReportForm = 1 << 20

// fillReport: POST /reports/submissions/{id} (action: save, submit or
// refill; version; v.<cell>; why.<cell>) — the organisation saves its
// draft, sends it (saved first), or asks EKO's numbers again. The page's
// script autosaves the same way, asking for JSON.
func (f *Function) fillReport(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.reportsForm(w, r, maxReportForm)
	if err != nil {
		return err
	}
	ctx := r.Context()
	form := r.PostForm
	version := atoiOr(form.Get("version"), -1)
	autosave := strings.Contains(r.Header.Get("Accept"), "application/json")
	refused := func(err error) error {
		if autosave {
			return err
		}
		return refusedOn(err, func(status int, problem string) error {
			return f.renderReport(w, r, pg, status, "", problem, form, collectreportapi.ViolationsOf(err))
		})
	}
	if form.Get("action") == "refill" {
		if _, err := api.Refill(ctx, id, version); err != nil {
			return refused(err)
		}
		http.Redirect(w, r, "/reports/submissions/"+id.String()+"?done=refilled", http.StatusSeeOther)
		return nil
	}
	values, why := postedValues(form)
	saved, err := api.Save(ctx, id, collectreportapi.SaveRequest{Values: values, Version: version, Corrections: why})
	if err != nil {
		return refused(err)
	}
	if autosave {
		return httpx.Reply(w, http.StatusOK, map[string]any{"version": saved.Version, "saved_at": saved.UpdatedAt}, nil)
	}
	done := "saved"
	if form.Get("action") == "submit" {
		if _, err := api.Submit(ctx, id, saved.Version); err != nil {
			return refused(err)
		}
		done = "submitted"
	}
	http.Redirect(w, r, "/reports/submissions/"+id.String()+"?done="+done, http.StatusSeeOther)
	return nil
}

// reviewReport: POST /reports/submissions/{id}/review (decision: return,
// approve or reopen; version; cell and comment, repeated, for a return;
// reason and cell for reopening).
func (f *Function) reviewReport(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.reportsForm(w, r, 64<<10)
	if err != nil {
		return err
	}
	ctx := r.Context()
	form := r.PostForm
	version := atoiOr(form.Get("version"), -1)
	var done string
	switch form.Get("decision") {
	case "return":
		comments := map[string]string{}
		cells, notes := form["cell"], form["comment"]
		for i, c := range cells {
			if i < len(notes) && c != "" && strings.TrimSpace(notes[i]) != "" {
				comments[c] = notes[i]
			}
		}
		done = "returned"
		_, err = api.Return(ctx, id, collectreportapi.ReturnRequest{Version: version, Comments: comments})
	case "approve":
		done = "approved"
		_, err = api.Approve(ctx, id, version)
	case "reopen":
		done = "reopened"
		var cells []string
		for _, c := range form["cell"] {
			if c != "" {
				cells = append(cells, c)
			}
		}
		_, err = api.Reopen(ctx, id, collectreportapi.ReopenRequest{Version: version, Reason: form.Get("reason"), Cells: cells})
	default:
		return errs.User(errs.Invalid, "Неизвестное решение.")
	}
	if err != nil {
		return refusedOn(err, func(status int, problem string) error {
			return f.renderReport(w, r, pg, status, "", problem, nil, nil)
		})
	}
	http.Redirect(w, r, "/reports/submissions/"+id.String()+"?done="+done, http.StatusSeeOther)
	return nil
}

// maxWorkbook bounds an uploaded workbook (collect-report takes 5 MiB).
const maxWorkbook = 6 << 20

// uploadReport: POST /reports/submissions/{id}/upload (multipart: version,
// file) — a workbook filled offline becomes the draft.
func (f *Function) uploadReport(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.reportsForm(w, r, maxWorkbook)
	if err != nil {
		return err
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return f.renderReport(w, r, pg, http.StatusBadRequest, "", "Выберите файл .xlsx.", nil, nil)
	}
	defer file.Close()
	body, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	up, err := api.Upload(r.Context(), id, atoiOr(r.PostForm.Get("version"), -1), body)
	if err != nil {
		return refusedOn(err, func(status int, problem string) error {
			return f.renderReport(w, r, pg, status, "", problem, nil, collectreportapi.ViolationsOf(err))
		})
	}
	if len(up.Violations) > 0 {
		return f.renderReport(w, r, pg, http.StatusOK, reportNotices["uploaded"]+" Правила формы пока не выполнены — см. ниже.", "", nil, up.Violations)
	}
	http.Redirect(w, r, "/reports/submissions/"+id.String()+"?done=uploaded", http.StatusSeeOther)
	return nil
}

// reportTemplate: GET /reports/submissions/{id}/template — the workbook to
// fill offline.
func (f *Function) reportTemplate(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.reportsOf(r)
	if err != nil {
		return err
	}
	file, err := api.Template(r.Context(), id)
	if err != nil {
		return err
	}
	return sendFile(w, file, "otchet-"+id.String()[:8]+".xlsx")
}
