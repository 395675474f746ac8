package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

// tokenBytes is the entropy of session ids, CSRF tokens, states and nonces: 256 bits.
const tokenBytes = 32

// randomToken returns 256 random bits, base64url without padding (43 characters).
func randomToken() string {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("portal: random: %v", err)) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// idHash is what the database keeps of a cookie's id: SHA-256 of its 32 bytes.
// It returns nil for a value that is not a well-formed id, so that garbage in a
// cookie never reaches a query.
func idHash(cookieValue string) []byte {
	if len(cookieValue) != 43 {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cookieValue)
	if err != nil || len(raw) != tokenBytes {
		return nil
	}
	h := sha256.Sum256(raw)
	return h[:]
}

// session is one signed-in browser.
type session struct {
	idHash       []byte
	Subject      string
	AccessToken  string
	IDToken      string
	RefreshToken string // "" when the provider gave none (or it stopped working)
	CSRF         string
	ActiveRole   string
	CreatedAt    time.Time
	ExpiresAt    time.Time // the access token's expiry
	KeepUntil    time.Time // the row's end: renewals stop, a late form is no longer resumed
}

// ended says whether the session's access token has expired at now.
func (s *session) ended(now time.Time) bool { return !s.ExpiresAt.After(now) }

// login is a login in progress, between /auth/login and /auth/callback.
type login struct {
	idHash    []byte
	State     string
	Nonce     string
	Verifier  string // the PKCE code verifier
	ReturnTo  string
	ExpiresAt time.Time
	// Resume is a form posted after its session ended, posted again when
	// ResumeSubject has logged in; nil for an ordinary login.
	Resume        *resumedForm
	ResumeSubject string
}

// resumedForm is a form kept across a login.
type resumedForm struct {
	Path string              `json:"path"`
	Form map[string][]string `json:"form"`
}

// store keeps sessions and logins in the portal schema, tokens sealed.
type store struct {
	db    *pgxpool.Pool
	pdata *pdata.Protector
}

// create stores s under a new random id and returns the id for the cookie.
func (st *store) create(ctx context.Context, s *session) (string, error) {
	at, err := st.pdata.Seal(s.AccessToken)
	if err != nil {
		return "", err
	}
	it, err := st.pdata.Seal(s.IDToken)
	if err != nil {
		return "", err
	}
	rt, err := st.sealOptional(s.RefreshToken)
	if err != nil {
		return "", err
	}
	id := randomToken()
	s.idHash = idHash(id)
	_, err = st.db.Exec(ctx, `INSERT INTO portal.sessions (id_hash, subject, access_token, id_token, refresh_token, csrf_token, active_role,
		    expires_at, keep_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, s.idHash, s.Subject, at, it, rt, s.CSRF, s.ActiveRole, s.ExpiresAt, s.KeepUntil)
	if err != nil {
		return "", unavailable("create session", err)
	}
	return id, nil
}

// sessionColumns are what load reads of a session, in scanSession's order.
const sessionColumns = `subject, access_token, id_token, refresh_token, csrf_token, active_role, created_at, expires_at, keep_until`

// load returns the kept session whose id the cookie holds — its access token
// possibly expired (session.ended) — or nil.
func (st *store) load(ctx context.Context, cookieValue string, now time.Time) (*session, error) {
	h := idHash(cookieValue)
	if h == nil {
		return nil, nil
	}
	s, err := st.scanSession(ctx, h, st.db.QueryRow(ctx, `SELECT `+sessionColumns+` FROM portal.sessions
		WHERE id_hash = $1 AND keep_until > $2`, h, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// scanSession reads a session row and opens its tokens. A row sealed with a
// key that has left the ring (or damaged) is unusable: it is deleted and the
// user logs in again (nil, nil).
func (st *store) scanSession(ctx context.Context, h []byte, row pgx.Row) (*session, error) {
	s := &session{idHash: h}
	var at, it, rt []byte
	err := row.Scan(&s.Subject, &at, &it, &rt, &s.CSRF, &s.ActiveRole, &s.CreatedAt, &s.ExpiresAt, &s.KeepUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, unavailable("session store", err)
	}
	if s.AccessToken, err = st.pdata.Open(at); err == nil {
		if s.IDToken, err = st.pdata.Open(it); err == nil && rt != nil {
			s.RefreshToken, err = st.pdata.Open(rt)
		}
	}
	if err != nil {
		_ = st.delete(ctx, h)
		return nil, pgx.ErrNoRows
	}
	return s, nil
}

// sealOptional seals v, or returns nil for "".
func (st *store) sealOptional(v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	return st.pdata.Seal(v)
}

// delete ends a session. Deleting a session that does not exist is not an error.
func (st *store) delete(ctx context.Context, h []byte) error {
	if _, err := st.db.Exec(ctx, `DELETE FROM portal.sessions WHERE id_hash = $1`, h); err != nil {
		return fmt.Errorf("portal: delete session: %w", err)
	}
	return nil
}

// setRole records the active role of a session.
func (st *store) setRole(ctx context.Context, h []byte, role string) error {
	if _, err := st.db.Exec(ctx, `UPDATE portal.sessions SET active_role = $2 WHERE id_hash = $1`, h, role); err != nil {
		return fmt.Errorf("portal: set role: %w", err)
	}
	return nil
}

// startLogin stores a login in progress and returns the id for its cookie.
func (st *store) startLogin(ctx context.Context, l *login) (string, error) {
	v, err := st.pdata.Seal(l.Verifier)
	if err != nil {
		return "", err
	}
	var resume []byte
	if l.Resume != nil {
		b, err := json.Marshal(l.Resume)
		if err != nil {
			return "", err
		}
		if resume, err = st.pdata.Seal(string(b)); err != nil {
			return "", err
		}
	}
	id := randomToken()
	l.idHash = idHash(id)
	_, err = st.db.Exec(ctx, `INSERT INTO portal.logins (id_hash, state, nonce, verifier, return_to, expires_at, resume, resume_subject)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''))`, l.idHash, l.State, l.Nonce, v, l.ReturnTo, l.ExpiresAt, resume, l.ResumeSubject)
	if err != nil {
		return "", unavailable("session store", err)
	}
	return id, nil
}

// takeLogin removes and returns the unexpired login the cookie names, or nil:
// a login is answered once.
func (st *store) takeLogin(ctx context.Context, cookieValue string, now time.Time) (*login, error) {
	h := idHash(cookieValue)
	if h == nil {
		return nil, nil
	}
	l := &login{idHash: h}
	var v, resume []byte
	var resumeSubject *string
	err := st.db.QueryRow(ctx, `DELETE FROM portal.logins WHERE id_hash = $1
		RETURNING state, nonce, verifier, return_to, expires_at, resume, resume_subject`, h).
		Scan(&l.State, &l.Nonce, &v, &l.ReturnTo, &l.ExpiresAt, &resume, &resumeSubject)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("session store", err)
	}
	if !now.Before(l.ExpiresAt) {
		return nil, nil
	}
	if l.Verifier, err = st.pdata.Open(v); err != nil {
		return nil, nil
	}
	if resume != nil && resumeSubject != nil {
		if raw, err := st.pdata.Open(resume); err == nil && json.Unmarshal([]byte(raw), &l.Resume) == nil {
			l.ResumeSubject = *resumeSubject
		}
	}
	return l, nil
}

// purge deletes expired sessions and logins.
func (st *store) purge(ctx context.Context, now time.Time) (int64, error) {
	a, err := st.db.Exec(ctx, `DELETE FROM portal.sessions WHERE keep_until <= $1`, now)
	if err != nil {
		return 0, err
	}
	b, err := st.db.Exec(ctx, `DELETE FROM portal.logins WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, err
	}
	return a.RowsAffected() + b.RowsAffected(), nil
}

// Cookies. With an https public URL they are Secure and carry the __Host-
// prefix (Secure, Path=/, no Domain: no subdomain can set or read them).

func (f *Function) sessionCookie() string {
	if f.secure {
		return "__Host-eko_session"
	}
	return "eko_session"
}

func (f *Function) loginCookie() string {
	if f.secure {
		return "__Host-eko_login"
	}
	return "eko_login"
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site. Lax lets
// the cookie travel on the top-level redirect back from the identity provider,
// and keeps it off cross-site POSTs. maxAge < 0 deletes the cookie.
func (f *Function) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (f *Function) clearCookie(w http.ResponseWriter, name string) { f.setCookie(w, name, "", -1) }

// unavailable reports a failed dependency: the user sees a 503 page asking to
// retry, the log gets the cause.
func unavailable(op string, err error) error {
	return fmt.Errorf("portal: %s: %w: %w", op, err, errs.User(errs.Unavailable, "Сервис временно недоступен. Попробуйте через минуту."))
}

type sessionKey struct{}

func withSession(ctx context.Context, s *session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// sessionFrom returns the request's session, or nil.
func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// sessionToken is the portal Guard's Token: the access token of the session
// that serve loaded for the request.
func sessionToken(r *http.Request) (string, error) {
	s := sessionFrom(r.Context())
	if s == nil {
		return "", errs.User(errs.Unauthenticated, "Войдите через Госуслуги.")
	}
	return s.AccessToken, nil
}
