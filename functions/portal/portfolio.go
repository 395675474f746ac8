package portal

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

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

// folioForm checks a form posted to a portfolio page (its origin and
// token) and returns the build-portfolio client and the {id} it names.
func (f *Function) folioForm(w http.ResponseWriter, r *http.Request) (*buildportfolioapi.Client, uuid.UUID, error) {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return nil, uuid.Nil, err
	}
	api, err := f.folioAPI()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
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
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
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

// claimView is the data of the claim form.
type claimView struct {
	OwnerID    uuid.UUID
	Name       string
	Teacher    bool
	Categories []buildportfolioapi.Category
	Levels     []buildportfolioapi.Term
	Results    []buildportfolioapi.Term
	Form       url.Values
	Errors     map[string]string
	Error      string
}

// claimForm: GET /portfolio/{id}/new — the form of a claim.
func (f *Function) claimForm(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderClaim(w, r, pg, http.StatusOK, url.Values{}, nil, "")
}

func (f *Function) renderClaim(w http.ResponseWriter, r *http.Request, pg *page, status int, form url.Values, fields map[string]string, problem string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	acc, err := pg.Portfolio()
	if err != nil {
		return err
	}
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	teacher := acc.Teacher && g.PersonID == id.String() && !containsID(acc.Pupils, id)
	if !teacher && !containsID(acc.Pupils, id) {
		return errs.User(errs.NotFound, "Портфолио не найдено среди ваших.")
	}
	d := claimView{OwnerID: id, Name: f.ownerName(pg, id), Teacher: teacher, Levels: buildportfolioapi.Levels,
		Results: buildportfolioapi.Results, Form: form, Errors: fields, Error: problem}
	kind := buildportfolioapi.OwnerPupil
	if teacher {
		kind = buildportfolioapi.OwnerTeacher
	}
	for _, c := range buildportfolioapi.Categories {
		if c.Owner == kind {
			d.Categories = append(d.Categories, c)
		}
	}
	pg.Data = d
	return pg.render(w, status)
}

// claimAchievement: POST /portfolio/{id}/new — the claim is made and its
// page opens, where the scans are added.
func (f *Function) claimAchievement(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	req := buildportfolioapi.ClaimRequest{OwnerID: id.String(), OwnerKind: form.Get("owner_kind"), Category: form.Get("category"),
		Title: form.Get("title"), Level: form.Get("level"), Result: form.Get("result"), Organiser: form.Get("organiser"),
		AwardedOn: form.Get("awarded_on"), Document: form.Get("document"), Description: form.Get("description")}
	if h := strings.TrimSpace(form.Get("hours")); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			return f.renderClaim(w, r, pg, http.StatusBadRequest, form, map[string]string{"hours": "часы — целое число"}, "Достижение не добавлено.")
		}
		req.Hours = &n
	}
	a, err := api.Claim(r.Context(), req)
	if err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			fields := map[string]string{}
			for _, fe := range e.Fields {
				fields[fe.Field] = fe.Message
			}
			return f.renderClaim(w, r, pg, httpx.Status(e.Code), form, fields, e.Detail)
		}
		return err
	}
	http.Redirect(w, r, "/achievements/"+a.ID.String()+"?done=claimed", http.StatusSeeOther)
	return nil
}

// achievementView is the data of one achievement's page.
type achievementView struct {
	A        buildportfolioapi.Achievement
	Name     string
	Notice   string
	Error    string
	Accepted []string
	Owner    bool // the owner's side: may export it once confirmed
}

var achievementNotices = map[string]string{
	"claimed":   "Достижение добавлено. Приложите скан документа — без него его не подтвердят.",
	"decided":   "Решение сохранено.",
	"withdrawn": "Заявка отозвана.",
}

// achievementPage: GET /achievements/{id}.
func (f *Function) achievementPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderAchievement(w, r, pg, http.StatusOK, achievementNotices[r.URL.Query().Get("done")], "")
}

func (f *Function) renderAchievement(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := api.Achievement(r.Context(), id)
	if err != nil {
		return err
	}
	acc, err := pg.Portfolio()
	if err != nil {
		return err
	}
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	d := achievementView{A: a, Name: f.ownerName(pg, a.OwnerID), Notice: notice, Error: problem, Accepted: proofTypes,
		Owner: containsID(acc.Pupils, a.OwnerID) || g.PersonID == a.OwnerID.String()}
	pg.Title = a.Title
	pg.Data = d
	return pg.render(w, status)
}

// proofTypes are the proof scans' types, for the file input's accept.
var proofTypes = []string{"application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic", ".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic"}

// decideClaim: POST /achievements/{id}/decision — the confirmer
// confirms or rejects (with the reason); back to the queue or the page.
func (f *Function) decideClaim(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	version, _ := strconv.Atoi(form.Get("version"))
	if _, err := api.Decision(r.Context(), id, form.Get("decision"), form.Get("reason"), version); err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderAchievement(w, r, pg, httpx.Status(e.Code), "", problemText(e))
		}
		return err
	}
	next := "/achievements/" + id.String() + "?done=decided"
	if form.Get("back") == "queue" {
		next = "/confirmations?done=decided"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// problemText is a refusal's words for people: its first field's message, or its detail.
func problemText(e *errs.Error) string {
	if len(e.Fields) > 0 && e.Fields[0].Message != "" {
		return e.Detail + ": " + e.Fields[0].Message
	}
	return e.Detail
}

// withdrawClaim: POST /achievements/{id}/withdraw.
func (f *Function) withdrawClaim(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	if _, err := api.Withdraw(r.Context(), id, version); err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderAchievement(w, r, pg, httpx.Status(e.Code), "", problemText(e))
		}
		return err
	}
	http.Redirect(w, r, "/achievements/"+id.String()+"?done=withdrawn", http.StatusSeeOther)
	return nil
}

// exportAchievement: POST /achievements/{id}/export — its Open
// Badges credential; on to the credential's page.
func (f *Function) exportAchievement(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	c, err := api.ExportAchievement(r.Context(), id)
	if err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderAchievement(w, r, pg, httpx.Status(e.Code), "", problemText(e))
		}
		return err
	}
	http.Redirect(w, r, "/credentials/"+c.ID.String()+"?done=exported", http.StatusSeeOther)
	return nil
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
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderPortfolio(w, r, pg, httpx.Status(e.Code), portfolioView{Error: problemText(e)})
		}
		return err
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
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderPortfolio(w, r, pg, httpx.Status(e.Code), portfolioView{Error: problemText(e)})
		}
		return err
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

// proofTicket: POST /achievements/{id}/uploads (name,
// content_type, size) — a ticket for one proof scan, for the page's script. JSON.
func (f *Function) proofTicket(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	size, err := strconv.ParseInt(r.PostForm.Get("size"), 10, 64)
	if err != nil {
		return errs.User(errs.Invalid, "Размер файла не указан.")
	}
	t, err := api.Upload(r.Context(), id, buildportfolioapi.UploadRequest{Name: r.PostForm.Get("name"), ContentType: r.PostForm.Get("content_type"), Size: size})
	return httpx.Reply(w, http.StatusCreated, t, err)
}

// confirmProof: POST /achievements/files/{id}/confirm — the scan is in the
// store; build-portfolio checks its bytes. JSON.
func (f *Function) confirmProof(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	file, err := api.ConfirmFile(r.Context(), id)
	return httpx.Reply(w, http.StatusOK, file, err)
}

// downloadProof: GET /achievements/files/{id}/download — to the short-lived
// link build-portfolio signs after its access check.
func (f *Function) downloadProof(w http.ResponseWriter, r *http.Request) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := api.Download(r.Context(), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, d.URL, http.StatusSeeOther)
	return nil
}

// credentialView is the data of a credential's page.
type credentialView struct {
	C        buildportfolioapi.Credential
	Document string // indented, to copy
	Notice   string
	Error    string
}

// credentialPage: GET /credentials/{id} — an issued credential:
// its text to copy, downloads, its status; the revocation form for whoever
// may revoke it (the owner's side, the ministry).
func (f *Function) credentialPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	notice := ""
	if r.URL.Query().Get("done") == "exported" {
		notice = portfolioNotices["exported"]
	}
	return f.renderCredential(w, r, pg, http.StatusOK, notice, "")
}

func (f *Function) renderCredential(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := api.Credential(r.Context(), id)
	if err != nil {
		return err
	}
	pg.Data = credentialView{C: c, Document: indentJSON(c.Document), Notice: notice, Error: problem}
	return pg.render(w, status)
}

// downloadCredential: GET /credentials/{id}/download[?format=jwt]
// — the credential as a file: JSON with its proof, or the VC-JWT.
func (f *Function) downloadCredential(w http.ResponseWriter, r *http.Request) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := api.Credential(r.Context(), id)
	if err != nil {
		return err
	}
	name, body, ct := "eko-credential-"+id.String()[:8]+".json", []byte(indentJSON(c.Document)), "application/vc+ld+json"
	if r.URL.Query().Get("format") == "jwt" {
		name, body, ct = "eko-credential-"+id.String()[:8]+".jwt", []byte(c.JWT), "application/jwt"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(body)
	return err
}

// revokeCredential: POST /credentials/{id}/revoke (reason).
func (f *Function) revokeCredential(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	if _, err := api.Revoke(r.Context(), id, r.PostForm.Get("reason")); err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderCredential(w, r, pg, httpx.Status(e.Code), "", problemText(e))
		}
		return err
	}
	return f.renderCredential(w, r, pg, http.StatusOK, "Документ отозван: проверка теперь показывает, что он недействителен.", "")
}

// claimRow is a claim of the queue with its owner named.
type claimRow struct {
	buildportfolioapi.Achievement
	Name string
}

// confirmations: GET /confirmations — the claims waiting for the user's decision.
func (f *Function) confirmations(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	list, err := api.Claims(r.Context())
	if err != nil {
		return err
	}
	rows := make([]claimRow, 0, len(list))
	for _, a := range list {
		rows = append(rows, claimRow{Achievement: a, Name: f.ownerName(pg, a.OwnerID)})
	}
	notice := ""
	if r.URL.Query().Get("done") == "decided" {
		notice = achievementNotices["decided"]
	}
	pg.Data = struct {
		Claims []claimRow
		Notice string
	}{rows, notice}
	return pg.render(w, http.StatusOK)
}

// renderPublic renders a page of a route without login: with the
// navigation when someone is signed in, bare otherwise.
func (f *Function) renderPublic(w http.ResponseWriter, pg *page, status int) error {
	if auth.PrincipalFrom(pg.r.Context()) != nil {
		return pg.render(w, status)
	}
	f.render(w, status, pg.Page, pg.view)
	return nil
}

// sharedPage: GET /shared/{token} — what a share link shows.
func (f *Function) sharedPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	s, err := api.Shared(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	pg.Data = s
	return f.renderPublic(w, pg, http.StatusOK)
}

// verifyView is the data of /verify.
type verifyView struct {
	Text   string
	Result *buildportfolioapi.Verification
	// CredentialID is the issued credential's id in EKO, for the link to
	// its page (where the ministry revokes it).
	CredentialID string
	Error        string
}

// verifyForm: GET /verify — paste or upload a credential.
func (f *Function) verifyForm(w http.ResponseWriter, r *http.Request, pg *page) error {
	pg.Data = verifyView{}
	return f.renderPublic(w, pg, http.StatusOK)
}

// maxCredentialForm bounds what /verify reads: a whole portfolio's
// credential and the form around it.
const maxCredentialForm = 600 << 10

// verifyCredential: POST /verify (text, or a file) — the verification's
// answer: valid, who issued it, what it states, or exactly why not. Nothing
// is changed by it, so it needs no login and no form token; a form from
// another site is refused all the same.
func (f *Function) verifyCredential(w http.ResponseWriter, r *http.Request, pg *page) error {
	if o := r.Header.Get("Origin"); o != "" && o != f.origin {
		return errCSRF
	}
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCredentialForm)
	d := verifyView{}
	var raw []byte
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxCredentialForm); err != nil {
			return errs.User(errs.TooLarge, "Файл больше 512 КиБ — это не документ ЭКО.")
		}
		if file, _, err := r.FormFile("file"); err == nil {
			raw, err = io.ReadAll(file)
			_ = file.Close()
			if err != nil {
				return err
			}
		}
		if len(raw) == 0 {
			raw = []byte(r.PostFormValue("text"))
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return errs.User(errs.TooLarge, "Текст больше 512 КиБ — это не документ ЭКО.")
		}
		raw = []byte(r.PostForm.Get("text"))
	}
	d.Text = strings.TrimSpace(string(raw))
	if d.Text == "" {
		d.Error = "Вставьте текст документа или выберите файл."
		pg.Data = d
		return f.renderPublic(w, pg, http.StatusBadRequest)
	}
	v, err := api.Verify(r.Context(), []byte(d.Text))
	if err != nil {
		if e, refused := errs.As(err); refused {
			d.Error = e.Detail
			pg.Data = d
			return f.renderPublic(w, pg, httpx.Status(e.Code))
		}
		return err
	}
	d.Result = &v
	if id, ok := strings.CutPrefix(v.CredentialID, "urn:uuid:"); ok && strings.HasSuffix(v.IssuerID, "/api/"+buildportfolioapi.Name+"/issuer") {
		if _, err := uuid.Parse(id); err == nil {
			d.CredentialID = id
		}
	}
	if len(d.Text) > 20000 {
		d.Text = "" // not sent back into the form: the page stays small
	}
	pg.Data = d
	return f.renderPublic(w, pg, http.StatusOK)
}

// indentJSON renders JSON indented for people; what is not JSON as it is.
func indentJSON(b []byte) string {
	var out strings.Builder
	if err := jsonIndent(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

func jsonIndent(w *strings.Builder, b []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	w.Write(buf.Bytes())
	return nil
}

// attestationGroup is one kind of a teacher's achievements on the pack.
type attestationGroup struct {
	Code, Title string
	Items       []buildportfolioapi.Achievement
}

// attestation: GET /portfolio/{id}/attestation — a teacher's confirmed
// achievements by kind, each with its document and who confirmed it when,
// as a page to print (or save as PDF from the browser) for the
// attestation commission; for whoever reads the teacher's portfolio.
func (f *Function) attestation(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := api.Portfolio(r.Context(), id)
	if err != nil {
		return err
	}
	d := struct {
		OwnerID      uuid.UUID
		Name, School string
		At           time.Time
		Groups       []attestationGroup
	}{OwnerID: id, Name: f.ownerName(pg, id), At: f.Time()}
	if d.Name == "Моё портфолио" {
		if me, err := f.registry.Person(r.Context(), id); err == nil {
			d.Name = me.FullName()
		}
	}
	for _, c := range buildportfolioapi.Categories {
		if c.Owner != buildportfolioapi.OwnerTeacher {
			continue
		}
		g := attestationGroup{Code: c.Code, Title: c.Title}
		for _, a := range p.Achievements {
			if a.OwnerKind == buildportfolioapi.OwnerTeacher && a.Category == c.Code && a.State == buildportfolioapi.Confirmed {
				g.Items = append(g.Items, a)
				if d.School == "" && a.OrganisationID != nil {
					if o, err := f.registry.Organisation(r.Context(), *a.OrganisationID); err == nil {
						d.School = o.ShortName
					}
				}
			}
		}
		if len(g.Items) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	if len(d.Groups) == 0 && !slices.ContainsFunc(p.Achievements, func(a buildportfolioapi.Achievement) bool { return a.OwnerKind == buildportfolioapi.OwnerTeacher }) {
		if acc, err := pg.Portfolio(); err != nil || !acc.Teacher {
			return errs.User(errs.NotFound, "Портфолио педагога не найдено.")
		}
	}
	pg.Title = "Портфолио для аттестации: " + d.Name
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// parkedHit is a registry person who may be a parked result's participant.
type parkedHit struct {
	registryapi.PersonHit
	Parked uuid.UUID
}

// parkedItem is a parked result with the people the registry finds by its
// participant's name and birth date.
type parkedItem struct {
	P    buildportfolioapi.ParkedResult
	Hits []parkedHit
}

// parkedResults: GET /operator/results — the ministry's list of the other
// systems' results nobody matched, each with the registry's people of that
// full name and birth date to choose from.
func (f *Function) parkedResults(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderParked(w, r, pg, http.StatusOK, "", "")
}

func (f *Function) renderParked(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	list, err := api.Parked(r.Context())
	if err != nil {
		return err
	}
	items := make([]parkedItem, 0, len(list))
	for _, p := range list {
		it := parkedItem{P: p}
		hits, err := f.registry.SearchPeople(r.Context(), p.Result.Participant.FamilyName, p.Result.Participant.GivenName, p.Result.Participant.BirthDate)
		if err == nil {
			for _, h := range hits {
				it.Hits = append(it.Hits, parkedHit{PersonHit: h, Parked: p.ID})
			}
		}
		items = append(items, it)
	}
	pg.Data = struct {
		Items         []parkedItem
		Notice, Error string
	}{items, notice, problem}
	return pg.render(w, status)
}

// matchResult: POST /operator/results/{id}/match (person_id).
func (f *Function) matchResult(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	person, err := uuid.Parse(r.PostForm.Get("person_id"))
	if err != nil {
		return errs.User(errs.Invalid, "Форма не прочитана.")
	}
	if _, err := api.MatchParked(r.Context(), id, person); err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			return f.renderParked(w, r, pg, httpx.Status(e.Code), "", problemText(e))
		}
		return err
	}
	return f.renderParked(w, r, pg, http.StatusOK, "Результат сопоставлен: достижение в портфолио ученика.", "")
}
