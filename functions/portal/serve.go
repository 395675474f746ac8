package portal

import (
	"crypto/subtle"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// serve is the portal's handler: security headers, the session of the cookie
// (renewed when its access token lapses; a form posted after it ended kept
// across a new login), the router (whose errors serveError answers as pages).
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
			s, err := f.store.load(ctx, c.Value, f.Time())
			if err == nil && s != nil {
				s, err = f.renew(ctx, s)
			}
			if err != nil {
				f.serveError(w, r.WithContext(ctx), err)
				return
			}
			switch {
			case s == nil:
				f.clearCookie(w, f.sessionCookie()) // unknown or past keeping: drop it
			case s.ended(f.Time()) && r.Method == http.MethodPost && !strings.HasPrefix(r.URL.Path, "/auth/"):
				if err := f.keepForm(w, r, s); err != nil {
					f.serveError(w, r.WithContext(ctx), err)
				}
				return
			case s.ended(f.Time()):
				s = nil // the cookie stays: a form posted later still finds its session
			}
			ctx = withSession(ctx, s)
		}
	}
	f.router.ServeHTTP(w, r.WithContext(ctx))
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

// shownDetail is what a page shows of a refusal: its detail when it is
// worded for the person at the screen (errs.Error.ForUser), otherwise the
// status's own words — never a detail meant for developers.
func shownDetail(e *errs.Error) string {
	if e.ForUser {
		return e.Detail
	}
	if m := errorMessage(httpx.Status(e.Code)); m != "" {
		return m
	}
	return "Запрос не принят: проверьте введённые данные и повторите."
}

var errCSRF = errs.User(errs.Forbidden, "Форма устарела или отправлена с другого сайта. Обновите страницу и повторите действие.")

// checkForm guards every POST: the Origin header, when present, must be the
// portal's own, and the form must carry the session's CSRF token (compared in
// constant time). It parses the (bounded) form.
func (f *Function) checkForm(w http.ResponseWriter, r *http.Request, s *session) error {
	return f.checkFormUpTo(w, r, s, 16<<10)
}

// checkFormUpTo is checkForm for a form of up to limit bytes: a report's
// many cells, or a file sent as multipart/form-data.
func (f *Function) checkFormUpTo(w http.ResponseWriter, r *http.Request, s *session, limit int64) error {
	if o := r.Header.Get("Origin"); o != "" && o != f.origin {
		f.log.Warn("portal: form from a foreign origin refused", "origin", o, "path", r.URL.Path)
		return errCSRF
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	parse := r.ParseForm
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		parse = func() error { return r.ParseMultipartForm(limit) }
	}
	if err := parse(); err != nil {
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
