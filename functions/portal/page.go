package portal

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	collegeapi "github.com/kuzbass/eko/functions/college/api"
	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"
	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// page is one page being answered: the layout's view, and the caller's
// grants, asked of the registry at most once per request.
type page struct {
	view
	f      *Function
	r      *http.Request
	grants *access.Grants
	// What the caller may open in the journal and do with the education
	// services, as post-grade and submit-application answer it.
	journal  once[postgradeapi.Access]
	services once[submitapplicationapi.Access]
	homework once[issuehomeworkapi.Access]
	folio    once[buildportfolioapi.Access]
	reports  once[collectreportapi.Access]
	cases    once[kdnapi.Access]
	wards    once[guardianshipapi.Access]
	entry    once[collegeapi.Access]
}

// once is another function's answer, asked at most once per request.
type once[T any] struct{ v *T }

// get is the answer, asked of ask at the first use; a failed ask is asked
// again at the next.
func (o *once[T]) get(ask func() (T, error)) (T, error) {
	if o.v == nil {
		v, err := ask()
		if err != nil {
			return v, err
		}
		o.v = &v
	}
	return *o.v, nil
}

// pageFunc is a page's handler: the wrapper has started its page, named
// and titled; the handler fills Data (and may retitle it) and renders it.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *page) error

// pageOf wraps the handler of the page name (its template) titled title.
func (f *Function) pageOf(name, title string, h pageFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h(w, r, &page{view: f.baseView(r, name, title), f: f, r: r})
	}
}

// Grants are the caller's grants, from the registry at the first use.
func (p *page) Grants() (*access.Grants, error) {
	if p.grants == nil {
		g, err := p.f.registry.MyGrants(p.r.Context())
		if err != nil {
			return nil, err
		}
		p.grants = g
	}
	return p.grants, nil
}

// Journal is what the caller may open in the journal, as post-grade
// decides it; nothing without post-grade.
func (p *page) Journal() (postgradeapi.Access, error) {
	if p.f.journal == nil {
		return postgradeapi.Access{}, nil
	}
	return p.journal.get(func() (postgradeapi.Access, error) { return p.f.journal.Access(p.r.Context()) })
}

// Services is what the caller may do with the education services, as
// submit-application decides it; nothing without it.
func (p *page) Services() (submitapplicationapi.Access, error) {
	if p.f.services == nil {
		return submitapplicationapi.Access{}, nil
	}
	return p.services.get(func() (submitapplicationapi.Access, error) { return p.f.services.Access(p.r.Context()) })
}

// Homework is whose homework the caller follows and whether the caller
// issues it, as issue-homework decides it; nothing without it.
func (p *page) Homework() (issuehomeworkapi.Access, error) {
	if p.f.homework == nil {
		return issuehomeworkapi.Access{}, nil
	}
	return p.homework.get(func() (issuehomeworkapi.Access, error) { return p.f.homework.Access(p.r.Context()) })
}

// Portfolio is whose portfolios the caller keeps and whether the caller
// confirms claims, as build-portfolio decides it; nothing without it.
func (p *page) Portfolio() (buildportfolioapi.Access, error) {
	if p.f.folio == nil {
		return buildportfolioapi.Access{}, nil
	}
	return p.folio.get(func() (buildportfolioapi.Access, error) { return p.f.folio.Access(p.r.Context()) })
}

// Reports is what the caller does with the data collection, as
// collect-report decides it; nothing without it.
func (p *page) Reports() (collectreportapi.Access, error) {
	if p.f.reports == nil {
		return collectreportapi.Access{}, nil
	}
	return p.reports.get(func() (collectreportapi.Access, error) { return p.f.reports.Access(p.r.Context()) })
}

// Cases is what the caller does with the juvenile-affairs commissions'
// cases, as kdn decides it; nothing without it.
func (p *page) Cases() (kdnapi.Access, error) {
	if p.f.kdn == nil {
		return kdnapi.Access{}, nil
	}
	return p.cases.get(func() (kdnapi.Access, error) { return p.f.kdn.Access(p.r.Context()) })
}

// Wards is whether the caller keeps the guardianship authority's wards, as
// guardianship decides it; nothing without it.
func (p *page) Wards() (guardianshipapi.Access, error) {
	if p.f.wardship == nil {
		return guardianshipapi.Access{}, nil
	}
	return p.wards.get(func() (guardianshipapi.Access, error) { return p.f.wardship.Access(p.r.Context()) })
}

// Admission is what the caller does in the colleges' admission, as college
// answers it (nothing when the portal runs without college).
func (p *page) Admission() (collegeapi.Access, error) {
	if p.f.college == nil {
		return collegeapi.Access{}, nil
	}
	return p.entry.get(func() (collegeapi.Access, error) { return p.f.college.Access(p.r.Context()) })
}

// keepGrants keeps grants the handler already has (from /me), so that the
// page does not ask for them again.
func (p *page) keepGrants(personID string, grants []access.Grant) {
	p.grants = &access.Grants{PersonID: personID, Grants: grants}
}

// withRoles loads the grants and puts the role switcher and the sections of
// the caller's roles on the page: what a handler that decides by the active
// role calls before it decides.
func (p *page) withRoles() (*access.Grants, error) {
	g, err := p.Grants()
	if err != nil {
		return nil, err
	}
	if p.Roles == nil {
		p.withNavigation(g.Grants)
	}
	return g, nil
}

// render answers with the page, with the caller's roles in its layout.
func (p *page) render(w http.ResponseWriter, status int) error {
	if _, err := p.withRoles(); err != nil {
		return err
	}
	p.f.render(w, status, p.Page, p.view)
	return nil
}

// serveError answers an error of the portal's routes — a handler's, a
// refused request's, an unknown path's — with a page; an API path no
// function serves (the portal is mounted at "/") keeps its problem+json.
// Without a valid session a page request (GET) is sent to the login, which
// returns to the page afterwards.
func (f *Function) serveError(w http.ResponseWriter, r *http.Request, err error) {
	// The pages' scripts ask for JSON, and get their refusals so.
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpx.WriteError(w, r, err)
		return
	}
	p := httpx.ProblemOf(err)
	if p.Status >= 500 {
		f.log.ErrorContext(r.Context(), "portal: request failed", "method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Content-Type")
	if p.Status == http.StatusUnauthorized {
		if s := sessionFrom(r.Context()); s != nil {
			// The session's token no longer verifies (or the registry refused it):
			// the session is useless.
			_ = f.store.delete(r.Context(), s.idHash)
			f.clearCookie(w, f.sessionCookie())
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.Set("Cache-Control", "no-store")
			http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
	}
	if p.Status == http.StatusServiceUnavailable || p.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	v := f.baseView(r, "error", errorTitle(p.Status))
	// A refusal names nobody, not even the user: a page that is not theirs
	// to see says only that.
	v.User = ""
	v.Status = p.Status
	v.Message = errorMessage(p.Status)
	if e, ok := errs.As(err); ok && e.ForUser && strings.TrimSuffix(e.Detail, ".") != v.Title {
		v.Detail = e.Detail
	}
	v.Retry = p.Status == http.StatusUnauthorized || strings.HasPrefix(r.URL.Path, "/auth/")
	f.render(w, p.Status, "error", v)
}

// render executes a page into a buffer first, so a template error never sends half a page.
func (f *Function) render(w http.ResponseWriter, status int, name string, v view) {
	var buf bytes.Buffer
	t, ok := f.pages[name]
	if !ok {
		f.log.Error("portal: no such page template", "page", name)
		http.Error(w, "Внутренняя ошибка", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		f.log.Error("portal: render", "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Внутренняя ошибка"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
