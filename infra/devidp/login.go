package devidp

import (
	"html/template"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/kuzbass/eko/infra/fixtures"
)

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Вход через ЕСИА (тестовый стенд)</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.3rem 0;padding:.6rem;text-align:left;font-size:1rem}
small{color:#666}</style></head>
<body><h1 id="login-title">Вход через ЕСИА (тестовый стенд)</h1>
<p>Тестовый стенд: выберите учётную запись. Пароль не нужен — этот поставщик удостоверений работает только на этой машине.</p>
{{if .Error}}<p id="login-error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login" id="login-form">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<label for="login">Логин</label> <input id="login" name="login" autocomplete="username">
<button type="submit" id="login-submit">Войти</button>
{{range .Identities}}<button type="submit" name="login" value="{{.Login}}" id="login-{{.Login}}">{{.FullName}} <small>{{.Login}}{{if not .Trusted}} · упрощённая учётная запись{{end}}</small></button>
{{end}}</form></body></html>`))

type loginView struct {
	ID         string
	Error      string
	Identities []fixtures.Identity
}

func (s *Server) accounts() []fixtures.Identity {
	var out []fixtures.Identity
	for _, i := range s.set.Identities {
		if !i.NoAccount {
			out = append(out, i)
		}
	}
	return out
}

// loginPage: GET /login?authRequestID=…
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	if _, err := s.storage.AuthRequestByID(r.Context(), id); err != nil {
		http.Error(w, "неизвестный или устаревший запрос входа", http.StatusBadRequest)
		return
	}
	s.renderLogin(w, http.StatusOK, loginView{ID: id, Identities: s.accounts()})
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, v loginView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = loginTemplate.Execute(w, v)
}

// login: POST /login — completes the auth request for the chosen login and
// returns the browser to the provider, which redirects to the client with a code.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("authRequestID")
	login := ""
	for _, v := range r.PostForm["login"] { // the clicked button or the typed login
		if v != "" {
			login = v
		}
	}
	i, ok := s.set.Identity(login)
	if !ok || i.NoAccount {
		s.renderLogin(w, http.StatusUnauthorized, loginView{ID: id, Error: "Нет такой учётной записи: " + login, Identities: s.accounts()})
		return
	}
	if err := s.storage.completeLogin(id, i.OID); err != nil {
		http.Error(w, "неизвестный или устаревший запрос входа", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(s.provider)(r.Context(), id), http.StatusFound)
}
