package portal

import (
	"context"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The reports' pages: the campaigns the user takes part in; a campaign's
// page — the ministry opens a draft and checks drift, the ministry and the
// municipalities see completeness by municipality, the consolidation and
// the exports, and take the steps on each municipality's consolidation; and
// one organisation's report (reportform.go), filled by its administration
// and reviewed up the hierarchy. collect-report decides everything with
// the user's token; the portal renders its answers.

func (f *Function) mountReports(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/reports", auth.Authenticated, f.pageOf("reports", "Отчётность", f.reportCampaigns))
	rt.Handle(http.MethodGet, "/reports/forms", auth.Authenticated, f.pageOf("reportforms", "Формы отчётности", f.reportForms))
	rt.Handle(http.MethodPost, "/reports/forms", auth.Authenticated, f.pageOf("reportforms", "Формы отчётности", f.defineForm))
	rt.Handle(http.MethodGet, "/reports/campaigns/new", auth.Authenticated, f.pageOf("newcampaign", "Новая кампания", f.newCampaign))
	rt.Handle(http.MethodPost, "/reports/campaigns/new", auth.Authenticated, f.pageOf("newcampaign", "Новая кампания", f.createCampaign))
	rt.Handle(http.MethodGet, "/reports/campaigns/{id}", auth.Authenticated, f.pageOf("campaign", "Кампания", f.campaignPage))
	rt.Handle(http.MethodPost, "/reports/campaigns/{id}/open", auth.Authenticated, f.pageOf("campaign", "Кампания", f.openCampaign))
	rt.Handle(http.MethodPost, "/reports/campaigns/{id}/drift", auth.Authenticated, f.pageOf("campaign", "Кампания", f.checkDrift))
	rt.Handle(http.MethodPost, "/reports/campaigns/{id}/territories/{municipality}", auth.Authenticated,
		f.pageOf("campaign", "Кампания", f.territoryStep))
	rt.Handle(http.MethodGet, "/reports/campaigns/{id}/export", auth.Authenticated, f.exportCampaign)
	rt.Handle(http.MethodGet, "/reports/submissions/{id}", auth.Authenticated, f.pageOf("report", "Отчёт", f.reportPage))
	rt.Handle(http.MethodPost, "/reports/submissions/{id}", auth.Authenticated, f.pageOf("report", "Отчёт", f.fillReport))
	rt.Handle(http.MethodPost, "/reports/submissions/{id}/review", auth.Authenticated, f.pageOf("report", "Отчёт", f.reviewReport))
	rt.Handle(http.MethodPost, "/reports/submissions/{id}/upload", auth.Authenticated, f.pageOf("report", "Отчёт", f.uploadReport))
	rt.Handle(http.MethodGet, "/reports/submissions/{id}/template", auth.Authenticated, f.reportTemplate)
}

// reportsAPI is the collect-report API, or 503 when the portal was deployed without it.
func (f *Function) reportsAPI() (*collectreportapi.Client, error) {
	if f.reports == nil {
		return nil, errs.User(errs.Unavailable, "Отчётность сейчас недоступна.")
	}
	return f.reports, nil
}

// reportsOf is the collect-report client and the {id} of a page.
func (f *Function) reportsOf(r *http.Request) (*collectreportapi.Client, uuid.UUID, error) {
	api, err := f.reportsAPI()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
}

// stateTitles name a report's states for people.
var stateTitles = map[string]string{
	collectreportapi.Draft:     "заполняется",
	collectreportapi.Submitted: "отправлен",
	collectreportapi.Returned:  "возвращён на доработку",
	collectreportapi.Approved:  "принят",
	collectreportapi.Reopened:  "открыт снова",
	"open":                     "идёт сбор",
	"":                         "не отправлен",
}

// campaignsView is the data of «Отчётность».
type campaignsView struct {
	Access    collectreportapi.Access
	Campaigns []collectreportapi.Campaign
	Notice    string
	Error     string
}

// reportCampaigns: GET /reports — the campaigns the user takes part in (the
// ministry: all, drafts with the button that opens them).
func (f *Function) reportCampaigns(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderCampaigns(w, r, pg, http.StatusOK, "")
}

func (f *Function) renderCampaigns(w http.ResponseWriter, r *http.Request, pg *page, status int, problem string) error {
	api, err := f.reportsAPI()
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
	list, err := api.Campaigns(r.Context())
	if err != nil {
		return err
	}
	pg.Data = campaignsView{Access: acc, Campaigns: list, Error: problem, Notice: campaignNotices[r.URL.Query().Get("done")]}
	return pg.render(w, status)
}

// campaignView is the data of a campaign's page.
type campaignView struct {
	C           collectreportapi.Campaign
	Access      collectreportapi.Access
	Dashboard   *collectreportapi.Dashboard
	Territories []collectreportapi.Territory
	Reports     []reportRow
	Totals      *collectreportapi.Consolidation
	// Municipality is whose reports are listed (the chosen one, or the
	// official's own).
	Municipality *uuid.UUID
	Notice       string
	Error        string
}

// reportRow is one organisation's report in a campaign's list.
type reportRow struct {
	S    collectreportapi.Submission
	Name string
}

var campaignNotices = map[string]string{
	"drafted":  "Кампания создана как черновик: откройте сбор, когда всё готово.",
	"opened":   "Кампания открыта: отчёты организаций созданы и заполнены данными ЭКО.",
	"drift":    "Сверка с данными ЭКО выполнена.",
	"submit":   "Свод отправлен в министерство.",
	"approve":  "Свод муниципалитета принят.",
	"return":   "Свод возвращён муниципалитету.",
	"nodrifts": "Сверка выполнена: данные ЭКО не изменились.",
}

// campaignPage: GET /reports/campaigns/{id} — for those who review, the
// campaign's completeness, its municipalities' consolidations, the reports
// and the totals; for an organisation's administration, its report.
func (f *Function) campaignPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderCampaign(w, r, pg, http.StatusOK, campaignNotices[r.URL.Query().Get("done")], "")
}

func (f *Function) renderCampaign(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
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
	campaigns, err := api.Campaigns(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(campaigns, func(c collectreportapi.Campaign) bool { return c.ID == id })
	if i < 0 {
		return errs.User(errs.NotFound, "Кампания не найдена среди ваших.")
	}
	d := campaignView{C: campaigns[i], Access: acc, Notice: notice, Error: problem}
	pg.Title = d.C.Title
	if d.C.State == "open" {
		if !acc.Reviews { // an organisation's administration: its report
			list, err := api.Submissions(ctx, id, nil)
			if err != nil {
				return err
			}
			if len(list) == 1 && status == http.StatusOK {
				http.Redirect(w, r, "/reports/submissions/"+list[0].ID.String(), http.StatusSeeOther)
				return nil
			}
			for _, s := range list {
				d.Reports = append(d.Reports, reportRow{S: s, Name: s.OrganisationID.String()})
			}
		}
		if acc.Reviews {
			dash, err := api.Dashboard(ctx, id, nil)
			if err != nil {
				return err
			}
			d.Dashboard = &dash
			if d.Territories, err = api.Territories(ctx, id); err != nil {
				return err
			}
			totals, err := api.Consolidation(ctx, id, nil)
			if err != nil {
				return err
			}
			d.Totals = &totals
			// The reports of one municipality: the one chosen, or the
			// official's own.
			if m, err := uuid.Parse(r.URL.Query().Get("municipality")); err == nil {
				d.Municipality = &m
			} else if len(d.Territories) == 1 {
				d.Municipality = &d.Territories[0].MunicipalityID
			}
			if d.Municipality != nil {
				list, err := api.Submissions(ctx, id, d.Municipality)
				if err != nil {
					return err
				}
				names := f.organisationNames(ctx, *d.Municipality)
				for _, s := range list {
					name := names[s.OrganisationID]
					if name == "" {
						name = s.OrganisationID.String()
					}
					d.Reports = append(d.Reports, reportRow{S: s, Name: name})
				}
				slices.SortFunc(d.Reports, func(a, b reportRow) int { return strings.Compare(a.Name, b.Name) })
			}
		}
	}
	pg.Data = d
	return pg.render(w, status)
}

// organisationNames are the short names of a municipality's organisations
// (none when the registry does not answer: the page shows ids).
func (f *Function) organisationNames(ctx context.Context, mun uuid.UUID) map[uuid.UUID]string {
	out := map[uuid.UUID]string{}
	list, err := f.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Municipality: mun})
	if err != nil {
		f.log.WarnContext(ctx, "portal: organisations' names left out", "err", err)
	}
	for _, o := range list {
		out[o.ID] = o.ShortName
	}
	return out
}

// atoiOr is s as a number, or or.
func atoiOr(s string, or int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		return n
	}
	return or
}

// reportsForm checks a form posted to a reports page and returns the
// client and the {id} it names.
func (f *Function) reportsForm(w http.ResponseWriter, r *http.Request, limit int64) (*collectreportapi.Client, uuid.UUID, error) {
	if err := f.checkFormUpTo(w, r, sessionFrom(r.Context()), limit); err != nil {
		return nil, uuid.Nil, err
	}
	return f.reportsOf(r)
}

// openCampaign: POST /reports/campaigns/{id}/open — the ministry opens a
// draft: every target's report, prefilled.
func (f *Function) openCampaign(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.reportsForm(w, r, 16<<10)
	if err != nil {
		return err
	}
	if _, err := api.OpenCampaign(r.Context(), id); err != nil {
		return refusedOn(err, func(status int, problem string) error { return f.renderCampaigns(w, r, pg, status, problem) })
	}
	http.Redirect(w, r, "/reports/campaigns/"+id.String()+"?done=opened", http.StatusSeeOther)
	return nil
}

// checkDrift: POST /reports/campaigns/{id}/drift — the ministry checks the
// reports sent in against EKO's data now.
func (f *Function) checkDrift(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.reportsForm(w, r, 16<<10)
	if err != nil {
		return err
	}
	check, err := api.CheckDrift(r.Context(), id)
	if err != nil {
		return refusedOn(err, func(status int, problem string) error { return f.renderCampaign(w, r, pg, status, "", problem) })
	}
	done := "nodrifts"
	if check.Cells > 0 {
		done = "drift"
	}
	http.Redirect(w, r, "/reports/campaigns/"+id.String()+"?done="+done, http.StatusSeeOther)
	return nil
}

// territoryStep: POST /reports/campaigns/{id}/territories/{municipality}
// (step: submit, approve or return; version; comment).
func (f *Function) territoryStep(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.reportsForm(w, r, 16<<10)
	if err != nil {
		return err
	}
	mun, err := uuid.Parse(r.PathValue("municipality"))
	if err != nil {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	step := r.PostForm.Get("step")
	if step != "submit" && step != "approve" && step != "return" {
		return errs.User(errs.Invalid, "Неизвестное действие.")
	}
	req := collectreportapi.TerritoryRequest{Version: atoiOr(r.PostForm.Get("version"), -1), Comment: r.PostForm.Get("comment")}
	if _, err := api.DecideTerritory(r.Context(), id, mun, step, req); err != nil {
		return refusedOn(err, func(status int, problem string) error { return f.renderCampaign(w, r, pg, status, "", problem) })
	}
	http.Redirect(w, r, "/reports/campaigns/"+id.String()+"?done="+step, http.StatusSeeOther)
	return nil
}

// exportCampaign: GET /reports/campaigns/{id}/export?format=xlsx|csv[&charset=windows-1251]
// — the consolidation's file, as collect-report writes it.
func (f *Function) exportCampaign(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.reportsOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	format, charset := q.Get("format"), q.Get("charset")
	if format != "xlsx" && format != "csv" {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	if charset != "" && charset != "windows-1251" {
		charset = ""
	}
	file, err := api.Export(r.Context(), id, nil, format, charset)
	if err != nil {
		return err
	}
	return sendFile(w, file, "svod-"+id.String()[:8]+"."+format)
}

// sendFile answers with a file collect-report made, as an attachment.
func sendFile(w http.ResponseWriter, file *httpx.File, name string) error {
	w.Header().Set("Content-Type", file.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(file.Body)
	return err
}
