package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/kuzbass/eko/shared/db"
)

// renewAhead is how long before its access token expires a session is
// renewed: a page's calls to the APIs never carry a token about to lapse.
const renewAhead = time.Minute

// renew gives s a new access token from its refresh token when the current
// one has expired or is about to. It renews under the session row's lock, so
// that the concurrent requests of one browser renew once and all use the
// result (the provider rotates refresh tokens: a second renewal with the
// same one would be refused). A refresh token the provider refuses is
// dropped, and the session ends with its access token; an unreachable
// provider is a 503, the session kept for the next try.
func (f *Function) renew(ctx context.Context, s *session) (*session, error) {
	now := f.Time()
	if s.RefreshToken == "" || s.ExpiresAt.After(now.Add(renewAhead)) {
		return s, nil
	}
	var out *session
	err := db.InTx(ctx, f.store.db, func(tx pgx.Tx) error {
		cur, err := f.store.scanSession(ctx, s.idHash, tx.QueryRow(ctx, `SELECT `+sessionColumns+` FROM portal.sessions
			WHERE id_hash = $1 FOR UPDATE`, s.idHash))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // ended meanwhile (logout)
		}
		if err != nil {
			return err
		}
		out = cur
		if cur.RefreshToken == "" || cur.ExpiresAt.After(now.Add(renewAhead)) {
			return nil // another request renewed it while this one waited
		}
		p, err := f.idp.get(ctx)
		if err != nil {
			return err
		}
		tok, err := f.oauth2Config(p).TokenSource(f.idp.ctx(ctx), &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
		var refused *oauth2.RetrieveError
		switch {
		case errors.As(err, &refused) && refused.Response != nil && refused.Response.StatusCode < 500:
			f.log.Info("portal: the provider refused to renew a session; it ends with its access token", "error", refused.ErrorCode)
			return f.store.dropRefresh(ctx, tx, cur)
		case err != nil:
			return unavailableIdP(err)
		}
		pr, err := f.verifier.Verify(ctx, tok.AccessToken)
		if err != nil || pr.Subject != cur.Subject || pr.Service {
			f.log.Warn("portal: a renewed access token was not accepted; the session ends", "err", err)
			return f.store.dropRefresh(ctx, tx, cur)
		}
		cur.AccessToken, cur.ExpiresAt = tok.AccessToken, pr.Expires
		if !tok.Expiry.IsZero() && tok.Expiry.Before(cur.ExpiresAt) {
			cur.ExpiresAt = tok.Expiry
		}
		if tok.RefreshToken != "" {
			cur.RefreshToken = tok.RefreshToken
		}
		if raw, _ := tok.Extra("id_token").(string); raw != "" {
			if _, err := p.Verifier(&oidc.Config{ClientID: f.web.ClientID, Now: f.Time}).Verify(f.idp.ctx(ctx), raw); err == nil {
				cur.IDToken = raw
			}
		}
		return f.store.saveTokens(ctx, tx, cur)
	})
	return out, err
}

// dropRefresh forgets s's refresh token (in tx): the session ends with its access token.
func (st *store) dropRefresh(ctx context.Context, tx pgx.Tx, s *session) error {
	s.RefreshToken = ""
	_, err := tx.Exec(ctx, `UPDATE portal.sessions SET refresh_token = NULL WHERE id_hash = $1`, s.idHash)
	return err
}

// saveTokens stores s's renewed tokens and expiry (in tx).
func (st *store) saveTokens(ctx context.Context, tx pgx.Tx, s *session) error {
	at, err := st.pdata.Seal(s.AccessToken)
	if err != nil {
		return err
	}
	it, err := st.pdata.Seal(s.IDToken)
	if err != nil {
		return err
	}
	rt, err := st.sealOptional(s.RefreshToken)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE portal.sessions SET access_token = $2, id_token = $3, refresh_token = $4, expires_at = $5 WHERE id_hash = $1`,
		s.idHash, at, it, rt, s.ExpiresAt)
	return err
}

// keepForm answers a form posted after its session ended: when it is the
// session's own form (the session's CSRF token, this site's origin), it is
// kept — sealed, with the login it starts — and the user is sent to log in;
// once the same person is back, the callback posts it again (resume), so
// what was typed is saved. Anything else is refused as a form of no session.
func (f *Function) keepForm(w http.ResponseWriter, r *http.Request, ended *session) error {
	if err := f.checkForm(w, r, ended); err != nil {
		return err
	}
	form := url.Values{}
	for k, v := range r.PostForm {
		if k != "csrf" {
			form[k] = v
		}
	}
	return f.beginLogin(w, r, &login{ReturnTo: safeReturn(r.URL.Path), ResumeSubject: ended.Subject,
		Resume: &resumedForm{Path: r.URL.RequestURI(), Form: form}})
}

// resume posts a kept form again, as the browser would have, in the new
// session (cookie id, s) — the handler's answer goes to the browser.
func (f *Function) resume(w http.ResponseWriter, r *http.Request, id string, s *session, kept *resumedForm) {
	form := url.Values(kept.Form)
	form.Set("csrf", s.CSRF)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, kept.Path, strings.NewReader(form.Encode()))
	if err != nil {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: f.sessionCookie(), Value: id})
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	f.serve(w, req)
}
