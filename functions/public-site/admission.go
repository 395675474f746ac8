package publicsite

import (
	"net/http"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// admissionView is a specialty's ranked list and its college's name.
type admissionView struct {
	L       collegeapi.AdmissionList
	College string
}

// admissionList: GET /public-site/admission/{id} — a college specialty's
// ranked list as college answers it: application numbers, average marks,
// test points, consents, the recommended; no names. Lists move with every
// consent, so a page is kept a minute at most.
func (f *Function) admissionList(w http.ResponseWriter, r *http.Request) error {
	if f.opts.Colleges == nil {
		return errs.User(errs.Unavailable, "Конкурсные списки сейчас недоступны, попробуйте позже.")
	}
	id, err := httpx.PathUUID("id", r.PathValue("id"))
	if err != nil {
		return errs.User(errs.NotFound, "Такой специальности нет.")
	}
	l, err := f.opts.Colleges.List(r.Context(), id)
	if err != nil {
		return err
	}
	v := admissionView{L: l, College: "колледж"}
	if d := f.dir.Load(); d != nil {
		if i, ok := d.byID[l.Specialty.OrganisationID]; ok {
			v.College = d.orgs[i].ShortName
		}
	}
	b, err := render("admission", view{Title: "Конкурсный список: " + l.Specialty.Code + " " + l.Specialty.Title, Page: "admission", Data: v})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(b)
	return err
}
