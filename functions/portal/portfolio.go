package portal

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The portfolio pages: a pupil's (for the pupil and the parents) or a
// teacher's portfolio with its achievements, claims and their proof scans,
// exports as verifiable credentials and share links; one achievement with
// its steps, where a claim gets its scans and the confirmer decides; the
// confirmer's queue; and two pages without login — what a share link shows,
// and /verify, where anyone checks a credential. build-portfolio decides
// everything with the user's token; the portal renders its answers.

func (f *Function) mountPortfolio(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/portfolio", auth.Authenticated, f.pageOf("portfolios", "Портфолио", f.portfolios))
	rt.Handle(http.MethodGet, "/portfolio/{id}", auth.Authenticated, f.pageOf("portfolio", "Портфолио", f.portfolioPage))
	rt.Handle(http.MethodGet, "/portfolio/{id}/new", auth.Authenticated, f.pageOf("claim", "Новое достижение", f.claimForm))
	rt.Handle(http.MethodGet, "/portfolio/{id}/attestation", auth.Authenticated, f.pageOf("attestation", "Портфолио для аттестации", f.attestation))
	rt.Handle(http.MethodPost, "/portfolio/{id}/new", auth.Authenticated, f.pageOf("claim", "Новое достижение", f.claimAchievement))
	rt.Handle(http.MethodPost, "/portfolio/{id}/export", auth.Authenticated, f.pageOf("portfolio", "Портфолио", f.exportPortfolio))
	rt.Handle(http.MethodPost, "/portfolio/{id}/shares", auth.Authenticated, f.pageOf("portfolio", "Портфолио", f.sharePortfolio))
	rt.Handle(http.MethodPost, "/shares/{id}/revoke", auth.Authenticated, f.pageOf("portfolio", "Портфолио", f.revokeShare))
	rt.Handle(http.MethodGet, "/achievements/{id}", auth.Authenticated, f.pageOf("achievement", "Достижение", f.achievementPage))
	rt.Handle(http.MethodPost, "/achievements/{id}/decision", auth.Authenticated, f.pageOf("achievement", "Достижение", f.decideClaim))
	rt.Handle(http.MethodPost, "/achievements/{id}/withdraw", auth.Authenticated, f.pageOf("achievement", "Достижение", f.withdrawClaim))
	rt.Handle(http.MethodPost, "/achievements/{id}/export", auth.Authenticated, f.pageOf("achievement", "Достижение", f.exportAchievement))
	rt.Handle(http.MethodPost, "/achievements/{id}/uploads", auth.Authenticated, f.proofTicket)
	rt.Handle(http.MethodPost, "/achievements/files/{id}/confirm", auth.Authenticated, f.confirmProof)
	rt.Handle(http.MethodGet, "/achievements/files/{id}/download", auth.Authenticated, f.downloadProof)
	rt.Handle(http.MethodGet, "/credentials/{id}", auth.Authenticated, f.pageOf("credential", "Документ", f.credentialPage))
	rt.Handle(http.MethodGet, "/credentials/{id}/download", auth.Authenticated, f.downloadCredential)
	rt.Handle(http.MethodPost, "/credentials/{id}/revoke", auth.Authenticated, f.pageOf("credential", "Документ", f.revokeCredential))
	rt.Handle(http.MethodGet, "/confirmations", auth.Authenticated, f.pageOf("confirmations", "Подтверждение достижений", f.confirmations))
	rt.Handle(http.MethodGet, "/operator/results", auth.Authenticated, f.pageOf("parked", "Результаты без владельца", f.parkedResults))
	rt.Handle(http.MethodPost, "/operator/results/{id}/match", auth.Authenticated, f.pageOf("parked", "Результаты без владельца", f.matchResult))
	// Without login: what a share link shows, and the verification of a credential.
	rt.Handle(http.MethodGet, "/shared/{token}", auth.Public, f.pageOf("shared", "Достижения", f.sharedPage))
	rt.Handle(http.MethodGet, "/verify", auth.Public, f.pageOf("verify", "Проверка документа об достижениях", f.verifyForm))
	rt.Handle(http.MethodPost, "/verify", auth.Public, f.pageOf("verify", "Проверка документа об достижениях", f.verifyCredential))
}

// folioAPI is the build-portfolio API, or 503 when the portal was deployed without it.
func (f *Function) folioAPI() (*buildportfolioapi.Client, error) {
	if f.folio == nil {
		return nil, errs.User(errs.Unavailable, "Портфолио сейчас недоступно.")
	}
	return f.folio, nil
}

// folioOf is the build-portfolio client and the {id} of a page.
func (f *Function) folioOf(r *http.Request) (*buildportfolioapi.Client, uuid.UUID, error) {
	api, err := f.folioAPI()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
}

// folioForm checks a form posted to a portfolio page (its origin and
// token) and returns the build-portfolio client and the {id} it names.
func (f *Function) folioForm(w http.ResponseWriter, r *http.Request) (*buildportfolioapi.Client, uuid.UUID, error) {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return nil, uuid.Nil, err
	}
	return f.folioOf(r)
}

// refusedOn shows a refusal of build-portfolio on the page it came from
// (render, with the refusal's status and words); anything else — a
// missing object included — is the error page's.
func refusedOn(err error, render func(status int, problem string) error) error {
	if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
		return render(httpx.Status(e.Code), problemText(e))
	}
	return err
}

// postStep is one step posted from the page of the path's {id}: the form
// checked, the function's client (or its 503), do with the id; then the
// page again at back(id) (with its «done» notice), or the refusal shown on
// the page by again.
func postStep[C any](f *Function, w http.ResponseWriter, r *http.Request, client func() (C, error), do func(api C, id uuid.UUID) error,
	again func(status int, problem string) error, back func(id uuid.UUID) string) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, err := client()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := do(api, id); err != nil {
		return refusedOn(err, again)
	}
	http.Redirect(w, r, back(id), http.StatusSeeOther)
	return nil
}

// portfolioLink is one portfolio the user keeps.
type portfolioLink struct {
	ID   uuid.UUID
	Name string
}

// portfolios: GET /portfolio — the portfolios the user keeps (one's own,
// the children's); with one, that portfolio.
func (f *Function) portfolios(w http.ResponseWriter, r *http.Request, pg *page) error {
	acc, err := pg.Portfolio()
	if err != nil {
		return err
	}
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	var links []portfolioLink
	for _, p := range acc.Pupils {
		links = append(links, portfolioLink{ID: p, Name: f.ownerName(pg, p)})
	}
	if me, err := uuid.Parse(g.PersonID); err == nil && acc.Teacher && !containsID(acc.Pupils, me) {
		links = append(links, portfolioLink{ID: me, Name: "Моё портфолио педагога"})
	}
	switch len(links) {
	case 0:
		return errs.User(errs.NotFound, "Портфолио нет.")
	case 1:
		http.Redirect(w, r, "/portfolio/"+links[0].ID.String(), http.StatusSeeOther)
		return nil
	}
	pg.Data = links
	return pg.render(w, http.StatusOK)
}

func containsID(list []uuid.UUID, id uuid.UUID) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// ownerName names a portfolio's owner for the user: «Моё портфолио», a
// child's name from the grants, or the registry's name of a pupil the user
// decides on.
func (f *Function) ownerName(pg *page, owner uuid.UUID) string {
	g, err := pg.Grants()
	if err == nil && g.PersonID == owner.String() {
		return "Моё портфолио"
	}
	if err == nil {
		if n := childNameOf(g.Grants, owner.String()); n != "" {
			return n
		}
	}
	if p, err := f.registry.Person(pg.r.Context(), owner); err == nil {
		return p.FullName()
	}
	return "Портфолио"
}

// portfolioView is the data of a portfolio's page.
type portfolioView struct {
	OwnerID     uuid.UUID
	Name        string
	Owner       bool // the user keeps it (the pupil, a parent, the teacher)
	Teacher     bool // a teacher's portfolio: the attestation pack is offered
	Confirmed   []buildportfolioapi.Achievement
	Waiting     []buildportfolioapi.Achievement
	Closed      []buildportfolioapi.Achievement // rejected, withdrawn
	Credentials []buildportfolioapi.Credential
	Shares      []buildportfolioapi.Share
	NewShare    *buildportfolioapi.Share // made just now: its URL is shown once
	Notice      string
	Error       string
}

// portfolioPage: GET /portfolio/{id}.
func (f *Function) portfolioPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderPortfolio(w, r, pg, http.StatusOK, portfolioView{Notice: portfolioNotices[r.URL.Query().Get("done")]})
}

var portfolioNotices = map[string]string{
	"exported": "Документ выпущен: скачайте его или проверьте на странице «Проверка документа».",
	"unshared": "Ссылка отозвана: по ней больше ничего не видно.",
}

func (f *Function) renderPortfolio(w http.ResponseWriter, r *http.Request, pg *page, status int, d portfolioView) error {
	api, id, err := f.folioOf(r)
	if err != nil {
		return err
	}
	if d.OwnerID != uuid.Nil {
		id = d.OwnerID
	}
	p, err := api.Portfolio(r.Context(), id)
	if err != nil {
		return err
	}
	d.OwnerID, d.Name = id, f.ownerName(pg, id)
	for _, a := range p.Achievements {
		d.Teacher = d.Teacher || a.OwnerKind == buildportfolioapi.OwnerTeacher
		switch a.State {
		case buildportfolioapi.Confirmed:
			d.Confirmed = append(d.Confirmed, a)
		case buildportfolioapi.Claimed:
			d.Waiting = append(d.Waiting, a)
		default:
			d.Closed = append(d.Closed, a)
		}
	}
	if list, err := api.Credentials(r.Context(), id); err == nil {
		d.Owner, d.Credentials = true, list
		if sh, err := api.Shares(r.Context(), id); err == nil {
			d.Shares = sh
		}
	} else if _, refused := errs.As(err); !refused {
		return err
	}
	pg.Title = "Портфолио: " + d.Name
	pg.Data = d
	return pg.render(w, status)
}

// exportPortfolio: POST /portfolio/{id}/export — the CLR credential of the
// confirmed achievements ticked (none ticked: all).
func (f *Function) exportPortfolio(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	c, err := api.ExportPortfolio(r.Context(), id, buildportfolioapi.ExportRequest{Achievements: r.PostForm["achievement"]})
	if err != nil {
		return refusedOn(err, func(status int, problem string) error {
			return f.renderPortfolio(w, r, pg, status, portfolioView{Error: problem})
		})
	}
	http.Redirect(w, r, "/credentials/"+c.ID.String()+"?done=exported", http.StatusSeeOther)
	return nil
}

// sharePortfolio: POST /portfolio/{id}/shares — a link to the ticked
// achievements; its URL is shown on this answer only.
func (f *Function) sharePortfolio(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(r.PostForm.Get("days"))
	s, err := api.Share(r.Context(), id, buildportfolioapi.ShareRequest{Achievements: r.PostForm["achievement"], Days: days})
	if err != nil {
		return refusedOn(err, func(status int, problem string) error {
			return f.renderPortfolio(w, r, pg, status, portfolioView{Error: problem})
		})
	}
	s.URL = f.web.PublicURL + "/shared/" + s.Token
	return f.renderPortfolio(w, r, pg, http.StatusCreated, portfolioView{NewShare: &s,
		Notice: "Ссылка создана. Скопируйте её сейчас: позже её не показать, только отозвать."})
}

// revokeShare: POST /shares/{id}/revoke (owner) — back to the portfolio.
func (f *Function) revokeShare(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	if err := api.Unshare(r.Context(), id); err != nil {
		return err
	}
	owner, err := uuid.Parse(r.PostForm.Get("owner"))
	if err != nil {
		return errs.User(errs.Invalid, "Форма не прочитана.")
	}
	http.Redirect(w, r, "/portfolio/"+owner.String()+"?done=unshared", http.StatusSeeOther)
	return nil
}
