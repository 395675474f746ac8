package portal

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// serve is the portal's handler: security headers, the session of the cookie,
// the router, and problem responses turned into pages (a missing session on a
// page becomes a redirect to the login).
func (f *Function) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", f.csp)
	if f.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	ctx := r.Context()
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		if c, err := r.Cookie(f.sessionCookie()); err == nil {
			s, err := f.store.load(ctx, c.Value, f.now())
			if err != nil {
				f.renderError(w, r.WithContext(ctx), err)
				return
			}
			if s == nil {
				f.clearCookie(w, f.sessionCookie()) // expired or unknown: drop it
			}
			ctx = withSession(ctx, s)
		}
	}
	r = r.WithContext(ctx)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		// Not a page: an API path no function serves (in the all-in-one process the
		// portal is mounted at "/"); API clients keep their problem+json answer.
		f.router.ServeHTTP(w, r)
		return
	}
	pw := &pageWriter{ResponseWriter: w}
	f.router.ServeHTTP(pw, r)
	if pw.problem {
		f.renderProblem(w, r, pw.status, pw.body.Bytes())
	}
}

// pageWriter passes responses through, except problem responses (what
// httpx.WriteError writes for a returned error or a refused request), which it
// holds back so that serve can answer with a page instead.
type pageWriter struct {
	http.ResponseWriter
	wrote   bool
	problem bool
	status  int
	body    bytes.Buffer
}

func (pw *pageWriter) WriteHeader(code int) {
	if pw.wrote || pw.problem {
		return
	}
	if code >= 400 && strings.HasPrefix(pw.Header().Get("Content-Type"), "application/problem+json") {
		pw.problem, pw.status = true, code
		return
	}
	pw.wrote = true
	pw.ResponseWriter.WriteHeader(code)
}

func (pw *pageWriter) Write(b []byte) (int, error) {
	if pw.problem {
		if pw.body.Len() < 64<<10 {
			pw.body.Write(b)
		}
		return len(b), nil
	}
	if !pw.wrote {
		pw.WriteHeader(http.StatusOK)
	}
	return pw.ResponseWriter.Write(b)
}

// renderError answers err as a page.
func (f *Function) renderError(w http.ResponseWriter, r *http.Request, err error) {
	p := httpx.ProblemOf(err)
	if p.Status >= 500 {
		f.log.ErrorContext(r.Context(), "portal: request failed", "method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	}
	f.renderProblem(w, r, p.Status, mustJSON(p))
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// renderProblem answers a problem as a page. Without a valid session a page
// request (GET) is sent to the login, which returns to the page afterwards.
func (f *Function) renderProblem(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	var p httpx.Problem
	_ = json.Unmarshal(body, &p)
	h := w.Header()
	h.Del("WWW-Authenticate")
	h.Del("Content-Length")
	h.Del("Content-Type")
	if status == http.StatusUnauthorized {
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
	v := f.baseView(r, "error", errorTitle(status))
	v.Status = status
	v.Message = errorMessage(status)
	if hasCyrillic(p.Detail) && strings.TrimSuffix(p.Detail, ".") != v.Title {
		v.Detail = p.Detail
	}
	v.Retry = status == http.StatusUnauthorized || strings.HasPrefix(r.URL.Path, "/auth/")
	f.render(w, status, "error", v)
}

func errorTitle(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "Неверный запрос"
	case http.StatusUnauthorized:
		return "Нужно войти"
	case http.StatusForbidden:
		return "Доступ запрещён"
	case http.StatusNotFound:
		return "Не найдено"
	case http.StatusMethodNotAllowed:
		return "Действие недоступно"
	case http.StatusRequestEntityTooLarge:
		return "Слишком большой запрос"
	case http.StatusTooManyRequests:
		return "Слишком много запросов"
	case http.StatusServiceUnavailable:
		return "Сервис временно недоступен"
	}
	if status >= 500 {
		return "Ошибка на сервере"
	}
	return "Запрос не выполнен"
}

func errorMessage(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "Сеанс завершён. Войдите через Госуслуги ещё раз."
	case http.StatusForbidden:
		return "У вас нет доступа к этой странице или действию."
	case http.StatusNotFound:
		return "Такой страницы нет, или у вас нет к ней доступа."
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return "Попробуйте ещё раз через минуту."
	}
	if status >= 500 {
		return "Мы уже знаем об ошибке. Попробуйте ещё раз позже."
	}
	return ""
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

var errCSRF = errs.User(errs.Forbidden, "Форма устарела или отправлена с другого сайта. Обновите страницу и повторите действие.")

// checkForm guards every POST: the Origin header, when present, must be the
// portal's own, and the form must carry the session's CSRF token (compared in
// constant time). It parses the (bounded) form.
func (f *Function) checkForm(w http.ResponseWriter, r *http.Request, s *session) error {
	if o := r.Header.Get("Origin"); o != "" && o != f.origin {
		f.log.Warn("portal: form from a foreign origin refused", "origin", o, "path", r.URL.Path)
		return errCSRF
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errs.User(errs.TooLarge, "Форма слишком большая.")
		}
		return errs.User(errs.Invalid, "Форма не прочитана.")
	}
	tok := r.PostForm.Get("csrf")
	if s == nil || tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
		f.log.Warn("portal: form without a valid CSRF token refused", "path", r.URL.Path)
		return errCSRF
	}
	return nil
}

// static: GET /static/{name} — the stylesheet.
func (f *Function) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return errs.E(errs.NotFound, "not found")
	}
	b, err := fs.ReadFile(staticFiles, "static/"+name)
	if err != nil {
		return errs.E(errs.NotFound, "not found")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
	return nil
}

// home: GET / — the cabinet starts at the profile.
func (f *Function) home(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
	return nil
}

// principal is the verified user of a page (the router has checked the session's token).
func principal(r *http.Request) *auth.Principal { return auth.PrincipalFrom(r.Context()) }
