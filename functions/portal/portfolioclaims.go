package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

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
	api, id, err := f.folioOf(r)
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
		return refusedOn(err, func(status int, problem string) error { return f.renderAchievement(w, r, pg, status, "", problem) })
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
		return refusedOn(err, func(status int, problem string) error { return f.renderAchievement(w, r, pg, status, "", problem) })
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
		return refusedOn(err, func(status int, problem string) error { return f.renderAchievement(w, r, pg, status, "", problem) })
	}
	http.Redirect(w, r, "/credentials/"+c.ID.String()+"?done=exported", http.StatusSeeOther)
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
	api, id, err := f.folioOf(r)
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
