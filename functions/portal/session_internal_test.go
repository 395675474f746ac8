package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/pdata"
)

func newStore(t *testing.T) (*store, *dbtest.Database) {
	t.Helper()
	d := dbtest.MustOpen(t, Schema())
	p, err := pdata.Open(pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey})
	if err != nil {
		t.Fatal(err)
	}
	return &store{db: d.Pool, pdata: p}, d
}

func TestSessionStore(t *testing.T) {
	st, d := newStore(t)
	ctx := context.Background()
	now := time.Now()
	s := &session{Subject: "1000000007", AccessToken: "a.access.token", IDToken: "an.id.token", RefreshToken: "a.refresh.token", CSRF: randomToken(),
		ExpiresAt: now.Add(time.Hour), KeepUntil: now.Add(12 * time.Hour)}
	id, err := st.create(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != 32 {
		t.Fatalf("session id %q is not 256 random bits", id)
	}
	sum := sha256.Sum256(raw)
	var at, it, rt, hash []byte
	if err := d.Pool.QueryRow(ctx, `SELECT id_hash, access_token, id_token, refresh_token FROM portal.sessions`).Scan(&hash, &at, &it, &rt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hash, sum[:]) {
		t.Errorf("stored key is not SHA-256 of the id")
	}
	if bytes.Contains(at, []byte("a.access.token")) || bytes.Contains(it, []byte("an.id.token")) || bytes.Contains(rt, []byte("a.refresh.token")) {
		t.Errorf("tokens stored in the clear")
	}

	got, err := st.load(ctx, id, now)
	if err != nil || got == nil || got.AccessToken != "a.access.token" || got.IDToken != "an.id.token" || got.RefreshToken != "a.refresh.token" ||
		got.CSRF != s.CSRF || got.Subject != s.Subject || got.ended(now) {
		t.Fatalf("load: %+v, %v", got, err)
	}
	if err := st.setRole(ctx, got.idHash, "parent"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.load(ctx, id, now); got.ActiveRole != "parent" {
		t.Errorf("active role %q", got.ActiveRole)
	}
	// Expiry: from the access token's expiry on the session has ended (a
	// late form may still be resumed); from keep_until on it is gone.
	for _, at := range []time.Time{s.ExpiresAt, s.ExpiresAt.Add(time.Second)} {
		if got, err := st.load(ctx, id, at); got == nil || err != nil || !got.ended(at) {
			t.Errorf("load at %v: %+v, %v", at, got, err)
		}
	}
	for _, at := range []time.Time{s.KeepUntil, s.KeepUntil.Add(time.Second)} {
		if got, err := st.load(ctx, id, at); got != nil || err != nil {
			t.Errorf("load at %v: %+v, %v", at, got, err)
		}
	}
	// Ids that are not ids never reach the database.
	for _, bad := range []string{"", "x", id + "A", id[:42] + "!", base64.RawURLEncoding.EncodeToString(make([]byte, 31))} {
		if got, err := st.load(ctx, bad, now); got != nil || err != nil {
			t.Errorf("load(%q): %+v, %v", bad, got, err)
		}
	}
	// Logout.
	if err := st.delete(ctx, got.idHash); err != nil {
		t.Fatal(err)
	}
	if got, err := st.load(ctx, id, now); got != nil || err != nil {
		t.Errorf("after delete: %+v, %v", got, err)
	}
	// A session sealed with a key that has left the ring is no session, and is removed.
	old, _ := st.create(ctx, &session{Subject: "x", AccessToken: "t", IDToken: "i", CSRF: randomToken(), ExpiresAt: now.Add(time.Hour), KeepUntil: now.Add(time.Hour)})
	other, err := pdata.Open(pdata.Config{Keys: "k2:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), HashKey: pdata.DevHashKey})
	if err != nil {
		t.Fatal(err)
	}
	rotated := &store{db: st.db, pdata: other}
	if got, err := rotated.load(ctx, old, now); got != nil || err != nil {
		t.Errorf("session with an unknown key: %+v, %v", got, err)
	}
	var n int
	_ = d.Pool.QueryRow(ctx, `SELECT count(*) FROM portal.sessions`).Scan(&n)
	if n != 0 {
		t.Errorf("%d unusable sessions left", n)
	}
}

func TestLoginStoreIsSingleUse(t *testing.T) {
	st, d := newStore(t)
	ctx := context.Background()
	now := time.Now()
	l := &login{State: randomToken(), Nonce: randomToken(), Verifier: "verifier-verifier-verifier-verifier-verifier", ReturnTo: "/children", ExpiresAt: now.Add(10 * time.Minute)}
	id, err := st.startLogin(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	_ = d.Pool.QueryRow(ctx, `SELECT verifier FROM portal.logins`).Scan(&sealed)
	if bytes.Contains(sealed, []byte("verifier-verifier")) {
		t.Errorf("PKCE verifier stored in the clear")
	}
	got, err := st.takeLogin(ctx, id, now)
	if err != nil || got == nil || got.State != l.State || got.Nonce != l.Nonce || got.Verifier != l.Verifier || got.ReturnTo != "/children" {
		t.Fatalf("take: %+v, %v", got, err)
	}
	if again, err := st.takeLogin(ctx, id, now); again != nil || err != nil {
		t.Errorf("a login was taken twice: %+v, %v", again, err)
	}
	// An expired login is refused (and removed all the same).
	id, _ = st.startLogin(ctx, &login{State: "s", Nonce: "n", Verifier: "v", ReturnTo: "/", ExpiresAt: now.Add(time.Minute)})
	if got, err := st.takeLogin(ctx, id, now.Add(2*time.Minute)); got != nil || err != nil {
		t.Errorf("expired login: %+v, %v", got, err)
	}
	// Purge removes what has expired.
	_, _ = st.startLogin(ctx, &login{State: "s", Nonce: "n", Verifier: "v", ReturnTo: "/", ExpiresAt: now.Add(-time.Minute)})
	_, _ = st.create(ctx, &session{Subject: "x", AccessToken: "t", IDToken: "i", CSRF: randomToken(), ExpiresAt: now.Add(-2 * time.Minute), KeepUntil: now.Add(-time.Minute)})
	live, _ := st.create(ctx, &session{Subject: "y", AccessToken: "t", IDToken: "i", CSRF: randomToken(), ExpiresAt: now.Add(time.Hour), KeepUntil: now.Add(time.Hour)})
	ended, _ := st.create(ctx, &session{Subject: "z", AccessToken: "t", IDToken: "i", CSRF: randomToken(), ExpiresAt: now.Add(-time.Minute), KeepUntil: now.Add(time.Hour)})
	n, err := st.purge(ctx, now)
	if err != nil || n != 2 {
		t.Errorf("purge: %d, %v", n, err)
	}
	if s, _ := st.load(ctx, live, now); s == nil {
		t.Errorf("purge removed a live session")
	}
	if s, _ := st.load(ctx, ended, now); s == nil {
		t.Errorf("purge removed an ended session still kept for a late form")
	}
	// A login that resumes a form keeps it sealed, with whose it is.
	id, _ = st.startLogin(ctx, &login{State: "s", Nonce: "n", Verifier: "v", ReturnTo: "/journal", ExpiresAt: now.Add(time.Minute),
		ResumeSubject: "1000000001", Resume: &resumedForm{Path: "/journal/lessons/x", Form: map[string][]string{"mark-1": {"5"}, "topic": {"Дроби"}}}})
	_ = d.Pool.QueryRow(ctx, `SELECT resume FROM portal.logins WHERE id_hash = $1`, idHash(id)).Scan(&sealed)
	if bytes.Contains(sealed, []byte("Дроби")) || bytes.Contains(sealed, []byte("mark-1")) {
		t.Errorf("a kept form stored in the clear")
	}
	if got, err := st.takeLogin(ctx, id, now); err != nil || got.ResumeSubject != "1000000001" || got.Resume == nil ||
		got.Resume.Path != "/journal/lessons/x" || got.Resume.Form["topic"][0] != "Дроби" {
		t.Errorf("a login with a kept form: %+v, %v", got, err)
	}
}

func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/profile",
		"/children":             "/children",
		"/children/x?after=5":   "/children/x?after=5",
		"//evil.example":        "/profile",
		"/\\evil.example":       "/profile",
		"https://evil.example/": "/profile",
		"javascript:alert(1)":   "/profile",
		"children":              "/profile",
		"/auth/logout":          "/profile",
		"/a\r\nSet-Cookie: x=y": "/profile",
	} {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPublicURL(t *testing.T) {
	for in, origin := range map[string]string{
		"http://127.0.0.1:8080":   "http://127.0.0.1:8080",
		"https://eko.example/":    "https://eko.example",
		"https://EKO.example:443": "https://eko.example",
		"http://[::1]:8080":       "http://[::1]:8080",
	} {
		u, err := parsePublicURL(in)
		if err != nil || originOf(u) != origin {
			t.Errorf("%s: origin %q, %v; want %q", in, originOf(u), err, origin)
		}
	}
	for _, bad := range []string{"", "eko.example", "ftp://eko.example", "https://eko.example/portal", "https://u:p@eko.example", "https://eko.example/?x=1"} {
		if _, err := parsePublicURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
