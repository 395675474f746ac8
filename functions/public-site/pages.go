package publicsite

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

//go:embed templates/*.html templates/site.css
var files embed.FS

var funcs = template.FuncMap{
	"kind": func(k string) string { return registryapi.OrganisationKindTitles[k] },
	"date": func(s string) string {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t.Format("02.01.2006")
		}
		return s
	},
	"datetime": func(t time.Time) string { return t.In(kuzbass.Time).Format("02.01.2006 15:04") },
	"add":      func(a, b int) int { return a + b },
	"form":     func(f string) string { return collegeapi.FormTitles[f] },
}

// pages are the site's templates, each parsed with the layout.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"home", "organisations", "organisation", "opendata", "kgqueue", "programmes", "firstgrade", "admission", "error"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}()

// view is what the layout renders: the page's title and data.
type view struct {
	Title   string
	Page    string
	Updated time.Time
	Data    any
}

// render is page name of the site's layout with v.
func render(name string, v view) ([]byte, error) {
	var b bytes.Buffer
	err := pages[name].ExecuteTemplate(&b, "layout", v)
	return b.Bytes(), err
}

// page serves a page made by data from the snapshot, cached as cached
// serves it.
func (f *Function) page(name string, data func(d *directory, r *http.Request) (string, any, error)) httpx.HandlerFunc {
	return f.cached(func(d *directory, r *http.Request) (*rendered, error) {
		title, v, err := data(d, r)
		if err != nil {
			return nil, err
		}
		b, err := render(name, view{Title: title, Page: name, Updated: d.loaded, Data: v})
		if err != nil {
			return nil, err
		}
		return &rendered{body: b, contentType: "text/html; charset=utf-8"}, nil
	})
}

// serveError renders a refusal as a page in Russian with its status; a
// fault is logged and shown without its details.
func (f *Function) serveError(w http.ResponseWriter, r *http.Request, err error) {
	p := httpx.ProblemOf(err)
	msg := p.Detail
	if p.Status >= 500 && errs.CodeOf(err) != errs.Unavailable {
		f.log.Error("public-site", "path", r.URL.Path, "err", err)
		msg = "Что-то пошло не так. Попробуйте ещё раз позже."
	}
	var e *errs.Error
	if errors.As(err, &e) {
		for _, fe := range e.Fields {
			r, n := utf8.DecodeRuneInString(fe.Message)
			msg += " " + string(unicode.ToUpper(r)) + fe.Message[n:] + "."
		}
	}
	b, _ := render("error", view{Title: "Ошибка", Page: "error", Data: msg})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

// css: GET /public-site/static/site.css.
func (f *Function) css(w http.ResponseWriter, r *http.Request) error {
	b, _ := files.ReadFile("templates/site.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err := w.Write(b)
	return err
}

// homeView is the front page: the directory's kinds with their counts.
type homeView struct {
	Kinds []kindCount
	Total int
}

type kindCount struct {
	Kind  string
	Count int
}

// home: GET /public-site/.
func (f *Function) home(d *directory, _ *http.Request) (string, any, error) {
	counts := map[string]int{}
	for _, e := range d.orgs {
		counts[e.Kind]++
	}
	v := homeView{Total: len(d.orgs)}
	for _, k := range registryapi.OrganisationKinds {
		if counts[k] > 0 {
			v.Kinds = append(v.Kinds, kindCount{k, counts[k]})
		}
	}
	return "Образование Кузбасса", v, nil
}

// perPage is how many organisations a page of the directory lists.
const perPage = 50

// listView is a page of the directory.
type listView struct {
	Municipalities []registryapi.Municipality
	Kinds          []string
	Q              query
	Found          []*entry
	Total          int
	Page, Pages    int
	Prev, Next     string
}

// organisations: GET /public-site/organisations?municipality=&kind=&q=&page=
func (f *Function) organisations(d *directory, r *http.Request) (string, any, error) {
	in := r.URL.Query()
	var q query
	var fe []errs.FieldError
	if s := in.Get("municipality"); s != "" {
		if m, bad := d.municipality(s); bad != nil {
			fe = append(fe, *bad)
		} else {
			q.Municipality = m.ID
		}
	}
	if q.Kind = in.Get("kind"); q.Kind != "" && !slices.Contains(registryapi.OrganisationKinds, q.Kind) {
		fe = append(fe, errs.FieldError{Field: "kind", Code: errs.Enum, Message: "такого вида организаций нет"})
	}
	if q.Text = strings.TrimSpace(in.Get("q")); utf8.RuneCountInString(q.Text) > 100 || !utf8.ValidString(q.Text) {
		fe = append(fe, errs.FieldError{Field: "q", Code: errs.Length, Message: "поисковый запрос — не длиннее 100 символов"})
	}
	page := 1
	if s := in.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			fe = append(fe, errs.FieldError{Field: "page", Code: errs.Format, Message: "номер страницы — число от 1"})
		}
		page = n
	}
	if len(fe) > 0 {
		return "", nil, errs.Fields("Неверный запрос к справочнику.", fe...)
	}
	found := d.find(q)
	v := listView{Municipalities: d.municipalities, Kinds: registryapi.OrganisationKinds, Q: q, Total: len(found), Page: page,
		Pages: max(1, (len(found)+perPage-1)/perPage)}
	if from := (page - 1) * perPage; from < len(found) {
		v.Found = found[from:min(len(found), from+perPage)]
	}
	link := func(p int) string {
		u := url.Values{}
		if q.Municipality != uuid.Nil {
			u.Set("municipality", q.Municipality.String())
		}
		if q.Kind != "" {
			u.Set("kind", q.Kind)
		}
		if q.Text != "" {
			u.Set("q", q.Text)
		}
		if p > 1 {
			u.Set("page", strconv.Itoa(p))
		}
		return "/" + Name + "/organisations?" + u.Encode()
	}
	if page > 1 {
		v.Prev = link(page - 1)
	}
	if page < v.Pages {
		v.Next = link(page + 1)
	}
	return "Справочник образовательных организаций", v, nil
}

// organisation: GET /public-site/organisations/{id}.
func (f *Function) organisation(d *directory, r *http.Request) (string, any, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	i, ok := d.byID[id]
	if err != nil || !ok {
		return "", nil, errs.User(errs.NotFound, "Такой организации нет в справочнике.")
	}
	e := &d.orgs[i]
	return e.ShortName, e, nil
}
