package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The ministry's side of the reports: the forms (each code's latest
// version; a new version checked, every error by its path, then stored)
// and drafting a campaign of one.

// formsView is the data of «Формы отчётности».
type formsView struct {
	Forms   []collectreportapi.Version
	Text    string                    // the definition as typed
	Preview *collectreportapi.Preview // a definition checked and sound
	Errors  []errs.FieldError         // a definition's errors, by path
	Saved   *collectreportapi.Version // a definition just stored
	Shipped []collectreportapi.Definition
	Error   string
}

// reportForms: GET /reports/forms.
func (f *Function) reportForms(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderForms(w, r, pg, http.StatusOK, formsView{})
}

func (f *Function) renderForms(w http.ResponseWriter, r *http.Request, pg *page, status int, d formsView) error {
	api, err := f.reportsAPI()
	if err != nil {
		return err
	}
	if err := ministryOnly(pg); err != nil {
		return err
	}
	if d.Forms, err = api.Definitions(r.Context()); err != nil {
		return err
	}
	if d.Text == "" && r.URL.Query().Get("example") != "" {
		b, _ := json.MarshalIndent(collectreportapi.ShippedForms()[0], "", "  ")
		d.Text = string(b)
	}
	pg.Data = d
	return pg.render(w, status)
}

// defineForm: POST /reports/forms (definition; action: preview or save) —
// the ministry checks a definition, or stores it as its code's next
// version; a definition with errors comes back as typed with each error by
// its path.
func (f *Function) defineForm(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.reportsAPI()
	if err != nil {
		return err
	}
	if err := f.checkFormUpTo(w, r, sessionFrom(r.Context()), maxReportForm); err != nil {
		return err
	}
	d := formsView{Text: r.PostForm.Get("definition")}
	var def collectreportapi.Definition
	dec := json.NewDecoder(strings.NewReader(d.Text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&def); err != nil {
		d.Error = "Это не JSON определения формы: " + err.Error()
		return f.renderForms(w, r, pg, http.StatusBadRequest, d)
	}
	status := http.StatusOK
	if r.PostForm.Get("action") == "save" {
		v, err := api.Define(r.Context(), def)
		if err == nil {
			d.Saved, d.Text = &v, ""
		}
		status, err = definitionRefusal(err, &d)
		if err != nil {
			return err
		}
	} else {
		p, err := api.Preview(r.Context(), def)
		if err == nil {
			d.Preview = &p
		}
		status, err = definitionRefusal(err, &d)
		if err != nil {
			return err
		}
	}
	return f.renderForms(w, r, pg, status, d)
}

// definitionRefusal puts a refusal of a definition on the page (its status);
// any other error is the error page's.
func definitionRefusal(err error, d *formsView) (int, error) {
	if err == nil {
		return http.StatusOK, nil
	}
	e, refused := errs.As(err)
	if !refused || e.Code == errs.NotFound {
		return 0, err
	}
	d.Error, d.Errors = e.Detail, e.Fields
	return httpx.Status(e.Code), nil
}

// campaignFormView is the data of the new campaign's form.
type campaignFormView struct {
	Forms  []collectreportapi.Version
	Kinds  map[string]string
	Form   url.Values
	Errors map[string]string
	Error  string
}

// newCampaign: GET /reports/campaigns/new.
func (f *Function) newCampaign(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderNewCampaign(w, r, pg, http.StatusOK, url.Values{"kind": {"school"}}, nil, "")
}

func (f *Function) renderNewCampaign(w http.ResponseWriter, r *http.Request, pg *page, status int, form url.Values, fields map[string]string, problem string) error {
	api, err := f.reportsAPI()
	if err != nil {
		return err
	}
	if err := ministryOnly(pg); err != nil {
		return err
	}
	forms, err := api.Definitions(r.Context())
	if err != nil {
		return err
	}
	pg.Data = campaignFormView{Forms: forms, Kinds: registryapi.OrganisationKindTitles, Form: form, Errors: fields, Error: problem}
	return pg.render(w, status)
}

// createCampaign: POST /reports/campaigns/new — a draft, listed on
// «Отчётность» with the button that opens it.
func (f *Function) createCampaign(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.reportsAPI()
	if err != nil {
		return err
	}
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	form := r.PostForm
	code, version, _ := strings.Cut(form.Get("form"), "/")
	req := collectreportapi.CampaignRequest{Code: code, Version: atoiOr(version, 0), Title: form.Get("title"),
		LegalBasis: form.Get("legal_basis"), LegalReference: form.Get("legal_reference"),
		OpensAt: form.Get("opens_at"), ClosesAt: form.Get("closes_at"), AllowLate: form.Get("allow_late") != "",
		Targets: collectreportapi.Targets{Kinds: form["kind"]}}
	if _, err := api.CreateCampaign(r.Context(), req); err != nil {
		if e, refused := errs.As(err); refused && e.Code != errs.NotFound {
			fields := map[string]string{}
			for _, fe := range e.Fields {
				fields[fe.Field] = fe.Message
			}
			return f.renderNewCampaign(w, r, pg, httpx.Status(e.Code), form, fields, e.Detail)
		}
		return err
	}
	http.Redirect(w, r, "/reports?done=drafted", http.StatusSeeOther)
	return nil
}

// ministryOnly puts the roles on the page, and refuses it to whoever does
// not define forms (as collect-report says).
func ministryOnly(pg *page) error {
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	acc, err := pg.Reports()
	if err != nil {
		return err
	}
	if !acc.Defines {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	return nil
}
