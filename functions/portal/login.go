package portal

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kuzbass/eko/shared/errs"
)

// provider is the identity provider (ESIA or its broker; the development
// provider locally). Discovery happens on first use and is retried at most once
// a second until it succeeds, so the portal starts while the provider is down.
type provider struct {
	issuer string
	client *http.Client

	mu         sync.Mutex
	p          *oidc.Provider
	endSession string
	lastTry    time.Time
}

func newProvider(issuer string, client *http.Client) *provider {
	return &provider{issuer: issuer, client: client}
}

func (pv *provider) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, pv.client)
}

// get returns the discovered provider.
func (pv *provider) get(ctx context.Context) (*oidc.Provider, error) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	if pv.p != nil {
		return pv.p, nil
	}
	if time.Since(pv.lastTry) < time.Second {
		return nil, errIdPDown
	}
	pv.lastTry = time.Now()
	dctx, cancel := context.WithTimeout(pv.ctx(context.WithoutCancel(ctx)), 5*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, pv.issuer)
	if err != nil {
		return nil, unavailableIdP(err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta)
	pv.p, pv.endSession = p, meta.EndSession
	return p, nil
}

// endSessionURL is the provider's end_session_endpoint, or "" when discovery has none.
func (pv *provider) endSessionURL() string {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	return pv.endSession
}

var errIdPDown = errs.User(errs.Unavailable, "Вход через Госуслуги временно недоступен. Попробуйте через минуту.")

// unavailableIdP keeps the cause for the log and shows the user errIdPDown.
func unavailableIdP(err error) error {
	return fmt.Errorf("portal: identity provider: %v: %w", err, errIdPDown)
}

func (f *Function) oauth2Config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     f.web.ClientID,
		ClientSecret: f.web.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  f.web.PublicURL + "/auth/callback",
		Scopes:       f.web.Scopes,
	}
}

// safeReturn accepts only a path on this site ("/children?x=1"), never another
// origin ("//evil", "https://…", "/\\evil"); anything else goes to /profile.
func safeReturn(next string) string {
	if next == "" || len(next) > 512 || next[0] != '/' || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "/auth/") {
		return "/profile"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/profile"
	}
	return next
}

// login: GET /auth/login?next=/children — starts the authorization-code flow
// with PKCE (S256), state and nonce, and redirects to the provider.
func (f *Function) login(w http.ResponseWriter, r *http.Request) error {
	return f.beginLogin(w, r, &login{ReturnTo: safeReturn(r.URL.Query().Get("next"))})
}

// beginLogin stores l (given its return path, and a form to resume) with a
// fresh state, nonce and PKCE verifier, and redirects to the provider.
func (f *Function) beginLogin(w http.ResponseWriter, r *http.Request, l *login) error {
	ctx := r.Context()
	p, err := f.idp.get(ctx)
	if err != nil {
		return err
	}
	l.State, l.Nonce, l.Verifier, l.ExpiresAt = randomToken(), randomToken(), oauth2.GenerateVerifier(), f.Time().Add(f.web.LoginTTL)
	id, err := f.store.startLogin(ctx, l)
	if err != nil {
		return err
	}
	f.setCookie(w, f.loginCookie(), id, int(f.web.LoginTTL/time.Second))
	target := f.oauth2Config(p).AuthCodeURL(l.State, oidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(l.Verifier))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}

var (
	errLoginLost = errs.User(errs.Invalid, "Сеанс входа не найден или устарел (вход начат в другом окне или слишком давно). Начните вход заново.")
	errLoginBad  = errs.User(errs.Invalid, "Не удалось завершить вход через Госуслуги: ответ службы входа не прошёл проверку. Начните вход заново.")
)

// callback: GET /auth/callback?code=…&state=… — the provider's answer. The
// state must be the one stored for this browser's login (its cookie); the code
// is exchanged with the PKCE verifier; the ID token is verified (issuer,
// audience = client id, expiry, signature) and must carry the login's nonce.
// Then a new server-side session replaces any previous one of this browser.
func (f *Function) callback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	c, err := r.Cookie(f.loginCookie())
	if err != nil {
		return errLoginLost
	}
	f.clearCookie(w, f.loginCookie())
	l, err := f.store.takeLogin(ctx, c.Value, f.Time())
	if err != nil {
		return err
	}
	if l == nil {
		return errLoginLost
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.State)) != 1 {
		f.log.Warn("portal: login callback with a foreign state")
		return errLoginBad
	}
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return errs.User(errs.Forbidden, "Вход через Госуслуги отменён.")
		}
		f.log.Warn("portal: identity provider refused the login", "error", e, "description", q.Get("error_description"))
		return errs.User(errs.Invalid, "Служба входа отказала во входе. Попробуйте ещё раз.")
	}
	code := q.Get("code")
	if code == "" || len(code) > 4096 {
		return errLoginBad
	}
	p, err := f.idp.get(ctx)
	if err != nil {
		return err
	}
	tok, err := f.oauth2Config(p).Exchange(f.idp.ctx(ctx), code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		f.log.Warn("portal: code exchange failed", "err", err)
		return errLoginBad
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" || tok.AccessToken == "" {
		f.log.Warn("portal: token response without id_token or access_token")
		return errLoginBad
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: f.web.ClientID, Now: f.Time}).Verify(f.idp.ctx(ctx), rawID)
	if err != nil {
		f.log.Warn("portal: ID token rejected", "err", err)
		return errLoginBad
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		f.log.Warn("portal: ID token nonce differs from the login's")
		return errLoginBad
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			f.log.Warn("portal: at_hash does not match the access token", "err", err)
			return errLoginBad
		}
	}
	// The access token is what every page presents to the registry: check now
	// that the API accepts it, and that it names the same person.
	pr, err := f.verifier.Verify(ctx, tok.AccessToken)
	if err != nil {
		if errs.CodeOf(err) == errs.Unavailable {
			return err
		}
		f.log.Warn("portal: access token rejected", "err", err)
		return errLoginBad
	}
	if pr.Subject != idt.Subject || pr.Service {
		f.log.Warn("portal: access token and ID token name different subjects")
		return errLoginBad
	}
	expires := pr.Expires
	if !tok.Expiry.IsZero() && tok.Expiry.Before(expires) {
		expires = tok.Expiry
	}
	if !expires.After(f.Time()) {
		return errLoginBad
	}
	// No session fixation: whatever session this browser had ends here.
	if old, err := r.Cookie(f.sessionCookie()); err == nil {
		if h := idHash(old.Value); h != nil {
			_ = f.store.delete(ctx, h)
		}
	}
	s := &session{Subject: idt.Subject, AccessToken: tok.AccessToken, IDToken: rawID, RefreshToken: tok.RefreshToken,
		CSRF: randomToken(), ExpiresAt: expires, KeepUntil: f.Time().Add(f.web.SessionMaxAge)}
	if s.KeepUntil.Before(expires) {
		s.KeepUntil = expires
	}
	id, err := f.store.create(ctx, s)
	if err != nil {
		return err
	}
	f.setCookie(w, f.sessionCookie(), id, int(s.KeepUntil.Sub(f.Time())/time.Second)+1)
	w.Header().Set("Cache-Control", "no-store")
	if l.Resume != nil {
		if l.ResumeSubject == s.Subject {
			f.resume(w, r, id, s, l.Resume)
			return nil
		}
		f.log.Info("portal: a form kept across a login was dropped: another person logged in")
	}
	http.Redirect(w, r, l.ReturnTo, http.StatusSeeOther)
	return nil
}

// logout: POST /auth/logout — ends the session and, when the provider's
// discovery has an end_session_endpoint, the provider's session too.
func (f *Function) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s := sessionFrom(ctx)
	if s == nil {
		f.clearCookie(w, f.sessionCookie())
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if err := f.checkForm(w, r, s); err != nil {
		return err
	}
	if err := f.store.delete(ctx, s.idHash); err != nil {
		return err
	}
	f.clearCookie(w, f.sessionCookie())
	target := "/"
	if _, err := f.idp.get(ctx); err == nil {
		if es := f.idp.endSessionURL(); es != "" {
			if u, err := url.Parse(es); err == nil {
				v := u.Query()
				v.Set("id_token_hint", s.IDToken)
				v.Set("client_id", f.web.ClientID)
				v.Set("post_logout_redirect_uri", f.web.PublicURL+"/")
				u.RawQuery = v.Encode()
				target = u.String()
			}
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
