package portal

import (
	"net/http"

	"github.com/google/uuid"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The juvenile-affairs commissions' pages: the cases the user reaches (the
// commission its municipality's, the school's administration its pupils')
// and one case — the commission records a decision with its measures and
// closes the case, the school reports on the measures. kdn decides
// everything with the user's token; the portal renders its answers. A
// parent sees the child's case, its state only, on the child's page.

func (f *Function) mountKDN(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/kdn", auth.Authenticated, f.pageOf("kdncases", "КДН и ЗП", f.kdnCases))
	rt.Handle(http.MethodGet, "/kdn/cases/{id}", auth.Authenticated, f.pageOf("kdncase", "Дело", f.kdnCase))
	rt.Handle(http.MethodPost, "/kdn/cases/{id}/decision", auth.Authenticated, f.pageOf("kdncase", "Дело", f.kdnDecide))
	rt.Handle(http.MethodPost, "/kdn/cases/{id}/close", auth.Authenticated, f.pageOf("kdncase", "Дело", f.kdnClose))
	rt.Handle(http.MethodPost, "/kdn/cases/{id}/report", auth.Authenticated, f.pageOf("kdncase", "Дело", f.kdnReport))
	rt.Handle(http.MethodGet, "/kdn/referrals/new", auth.Authenticated, f.pageOf("kdnrefer", "Представление в КДН", f.kdnReferForm))
	rt.Handle(http.MethodPost, "/kdn/referrals", auth.Authenticated, f.pageOf("kdnrefer", "Представление в КДН", f.kdnRefer))
}

// kdnAPI is the kdn API, or 503 when the portal was deployed without it.
func (f *Function) kdnAPI() (*kdnapi.Client, error) {
	if f.kdn == nil {
		return nil, errs.User(errs.Unavailable, "Раздел комиссии по делам несовершеннолетних сейчас недоступен.")
	}
	return f.kdn, nil
}

// kdnPage is the kdn API and what kdn lets the user do, for a page that
// shows the user's roles.
func (f *Function) kdnPage(pg *page) (*kdnapi.Client, kdnapi.Access, error) {
	api, err := f.kdnAPI()
	if err != nil {
		return nil, kdnapi.Access{}, err
	}
	if _, err := pg.withRoles(); err != nil {
		return nil, kdnapi.Access{}, err
	}
	acc, err := pg.Cases()
	return api, acc, err
}

// kdnCasesView is the data of «КДН и ЗП».
type kdnCasesView struct {
	Access kdnapi.Access
	Cases  []kdnapi.Case
}

// kdnCases: GET /kdn.
func (f *Function) kdnCases(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, acc, err := f.kdnPage(pg)
	if err != nil {
		return err
	}
	list, err := api.Cases(r.Context())
	if err != nil {
		return err
	}
	pg.Data = kdnCasesView{Access: acc, Cases: list}
	return pg.render(w, http.StatusOK)
}

// kdnCaseView is the data of one case's page.
type kdnCaseView struct {
	C      kdnapi.Case
	Access kdnapi.Access
	Notice string
	Error  string
}

var kdnNotices = map[string]string{
	"referred": "Представление направлено в комиссию.",
	"decided":  "Решение записано.",
	"closed":   "Дело закрыто.",
	"reported": "Отчёт о мерах направлен.",
}

// kdnCase: GET /kdn/cases/{id}.
func (f *Function) kdnCase(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderKDNCase(w, r, pg, http.StatusOK, kdnNotices[r.URL.Query().Get("done")], "")
}

func (f *Function) renderKDNCase(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	api, acc, err := f.kdnPage(pg)
	if err != nil {
		return err
	}
	c, err := api.Case(r.Context(), id)
	if err != nil {
		return err
	}
	if c.Pupil != nil {
		pg.Title = "Дело: " + c.Pupil.FullName
	}
	pg.Data = kdnCaseView{C: c, Access: acc, Notice: notice, Error: problem}
	return pg.render(w, status)
}

// kdnStep posts one step and shows the case again: done, or the refusal.
func (f *Function) kdnStep(w http.ResponseWriter, r *http.Request, pg *page, done string, do func(api *kdnapi.Client, id uuid.UUID) error) error {
	return postStep(f, w, r, f.kdnAPI, do, func(status int, problem string) error { return f.renderKDNCase(w, r, pg, status, "", problem) },
		func(id uuid.UUID) string { return "/kdn/cases/" + id.String() + "?done=" + done })
}

// kdnDecide: POST /kdn/cases/{id}/decision (version, meeting_on, text, and
// measure, responsible, deadline repeated).
func (f *Function) kdnDecide(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.kdnStep(w, r, pg, "decided", func(api *kdnapi.Client, id uuid.UUID) error {
		form := r.PostForm
		req := kdnapi.DecisionRequest{Version: atoiOr(form.Get("version"), -1), MeetingOn: form.Get("meeting_on"), Text: form.Get("text")}
		for i, m := range form["measure"] {
			if m == "" {
				continue
			}
			req.Measures = append(req.Measures, kdnapi.Measure{Measure: m, Responsible: formAtOr(form["responsible"], i), Deadline: formAtOr(form["deadline"], i)})
		}
		_, err := api.Decide(r.Context(), id, req)
		return err
	})
}

// kdnClose: POST /kdn/cases/{id}/close (version, outcome).
func (f *Function) kdnClose(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.kdnStep(w, r, pg, "closed", func(api *kdnapi.Client, id uuid.UUID) error {
		_, err := api.Close(r.Context(), id, kdnapi.CloseRequest{Version: atoiOr(r.PostForm.Get("version"), -1), Outcome: r.PostForm.Get("outcome")})
		return err
	})
}

// kdnReport: POST /kdn/cases/{id}/report (text).
func (f *Function) kdnReport(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.kdnStep(w, r, pg, "reported", func(api *kdnapi.Client, id uuid.UUID) error {
		_, err := api.Report(r.Context(), id, kdnapi.ReportRequest{Text: r.PostForm.Get("text")})
		return err
	})
}

func formAtOr(v []string, i int) string {
	if i < len(v) {
		return v[i]
	}
	return ""
}

// kdnReferView is the data of the school's referral form.
type kdnReferView struct {
	Pupil        *registryapi.Person
	Organisation uuid.UUID
	Statement    string
	Error        string
}

// kdnReferForm: GET /kdn/referrals/new?pupil=&organisation= — the school's
// administration writes the statement about its pupil (the link stands by
// each pupil of the class's journal). The registry must show the caller
// the pupil, and kdn decides whether the caller refers for the school.
func (f *Function) kdnReferForm(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderKDNRefer(w, r, pg, http.StatusOK, r.URL.Query().Get("pupil"), r.URL.Query().Get("organisation"), "", "")
}

func (f *Function) renderKDNRefer(w http.ResponseWriter, r *http.Request, pg *page, status int, pupil, org, statement, problem string) error {
	_, acc, err := f.kdnPage(pg)
	if err != nil {
		return err
	}
	pupilID, err1 := uuid.Parse(pupil)
	orgID, err2 := uuid.Parse(org)
	if !acc.Refers || err1 != nil || err2 != nil {
		return errs.User(errs.NotFound, "Ученик не найден среди учащихся вашей школы.")
	}
	p, err := f.registry.Person(r.Context(), pupilID)
	if err != nil {
		return err
	}
	pg.Title = "Представление в КДН: " + p.FullName()
	pg.Data = kdnReferView{Pupil: p, Organisation: orgID, Statement: statement, Error: problem}
	return pg.render(w, status)
}

// kdnRefer: POST /kdn/referrals (pupil_id, organisation_id, statement) —
// the case opened (or joined) and shown.
func (f *Function) kdnRefer(w http.ResponseWriter, r *http.Request, pg *page) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, err := f.kdnAPI()
	if err != nil {
		return err
	}
	pupil, org, statement := r.PostForm.Get("pupil_id"), r.PostForm.Get("organisation_id"), r.PostForm.Get("statement")
	pupilID, err1 := uuid.Parse(pupil)
	orgID, err2 := uuid.Parse(org)
	if err1 != nil || err2 != nil {
		return errs.User(errs.NotFound, "Ученик не найден среди учащихся вашей школы.")
	}
	c, err := api.Refer(r.Context(), kdnapi.ReferralRequest{PupilID: pupilID, OrganisationID: orgID, Statement: statement})
	if err != nil {
		return refusedOn(err, func(status int, problem string) error {
			return f.renderKDNRefer(w, r, pg, status, pupil, org, statement, problem)
		})
	}
	http.Redirect(w, r, "/kdn/cases/"+c.ID.String()+"?done=referred", http.StatusSeeOther)
	return nil
}
