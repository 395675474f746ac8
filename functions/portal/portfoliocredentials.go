package portal

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

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
	api, id, err := f.folioOf(r)
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
	api, id, err := f.folioOf(r)
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
		return refusedOn(err, func(status int, problem string) error { return f.renderCredential(w, r, pg, status, "", problem) })
	}
	return f.renderCredential(w, r, pg, http.StatusOK, "Документ отозван: проверка теперь показывает, что он недействителен.", "")
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
