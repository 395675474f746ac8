package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// sessionTokens reads the sealed access and refresh tokens of the only
// session of login's person (their ciphertexts differ whenever they change).
func sessionTokens(t *testing.T, w *world) (access, refresh string, expires time.Time) {
	t.Helper()
	var a, r []byte
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT access_token, coalesce(refresh_token, ''), expires_at FROM portal.sessions
		ORDER BY created_at DESC LIMIT 1`).Scan(&a, &r, &expires); err != nil {
		t.Fatal(err)
	}
	return string(a), string(r), expires
}

// TestSessionRenewal: with offline_access the session outlives its access
// token — renewed silently under the row's lock, once for concurrent
// requests of one browser (the provider rotates refresh tokens, so a second
// renewal with the same one would have ended the session).
func TestSessionRenewal(t *testing.T) {
	w := newWorld(t, worldOptions{tokenTTL: 3 * time.Second, refreshTTL: time.Minute})
	b := w.browser()
	if p := b.login("parent1", "/children"); p.status != http.StatusOK {
		t.Fatalf("login: %d", p.status)
	}
	access, refresh, expires := sessionTokens(t, w)
	if refresh == "" {
		t.Fatal("the session keeps no refresh token: the portal did not ask for offline_access or did not keep it")
	}
	time.Sleep(3500 * time.Millisecond) // the access token has expired
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() { codes[i] = b.get("/children").status })
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("request %d after the access token expired: %d, want the page (renewed)", i, c)
		}
	}
	access2, refresh2, expires2 := sessionTokens(t, w)
	if access2 == access || refresh2 == refresh || !expires2.After(expires) {
		t.Errorf("the session was not renewed: tokens rewritten %v %v, expiry %v → %v", access2 != access, refresh2 != refresh, expires, expires2)
	}
	if refresh2 == "" {
		t.Error("concurrent requests renewed twice: the second renewal used the rotated refresh token and ended the session")
	}
}

// TestFormAfterSessionEnded: a column typed while the session ran out is
// not lost — the post sends the teacher through login and, once she is
// back, the column is saved; a form without the session's CSRF token is
// refused, and another person's login drops the kept form.
func TestFormAfterSessionEnded(t *testing.T) {
	w := newWorld(t, worldOptions{tokenTTL: 4 * time.Second, refreshTTL: 5 * time.Second})
	lesson := mathLesson(t, w)
	teacher := w.browser()
	teacher.login("teacher-s1", "/journal/lessons/"+lesson)
	page := teacher.get("/journal/lessons/" + lesson)
	csrf := csrfOf(t, page.body)
	time.Sleep(6 * time.Second) // the access token and the refresh token have both expired
	form := url.Values{"csrf": {csrf}, "kind": {"oral"}, "topic": {"Деление дробей"}, "topic_was": {""},
		"student": {w.ids["student1"]}, "mark_" + w.ids["student1"]: {"5"}}
	marks := func() int {
		return w.db.Count(t, `SELECT count(*) FROM journal.marks WHERE lesson_id = $1 AND student_id = $2`, lesson, w.ids["student1"])
	}

	// Not the session's form: refused, nothing kept.
	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Set("csrf", strings.Repeat("A", 43))
	if p := teacher.post("/journal/lessons/"+lesson, forged); p.status != http.StatusForbidden || w.db.Count(t, `SELECT count(*) FROM portal.logins`) != 0 {
		t.Fatalf("a forged late form: %d, logins kept %d", p.status, w.db.Count(t, `SELECT count(*) FROM portal.logins`))
	}

	// The teacher's own late form: to login, then saved.
	p := teacher.post("/journal/lessons/"+lesson, form)
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, w.issuer) {
		t.Fatalf("a form after the session ended: %d → %s, want the provider's login", p.status, p.location)
	}
	if n := marks(); n != 0 {
		t.Fatalf("saved before the login: %d marks", n)
	}
	p = teacher.follow(p)
	id := p.url.Query().Get("authRequestID")
	p = teacher.do(http.MethodPost, w.issuer+"/login", url.Values{"authRequestID": {id}, "login": {"teacher-s1"}}, nil)
	for p.location != "" && !strings.Contains(p.location, "/auth/callback") {
		p = teacher.get(p.location)
	}
	p = teacher.follow(teacher.get(p.location))
	if p.status != http.StatusOK || !strings.Contains(p.url.Path, "/journal/lessons/"+lesson) || !strings.Contains(p.body, `id="saved"`) {
		t.Fatalf("back from the login: %d at %s: %.1500s", p.status, p.url, p.body)
	}
	if n := marks(); n != 1 {
		t.Fatalf("after the login the column has %d marks of student1, want the typed 5", n)
	}
	if topic := w.db.Count(t, `SELECT count(*) FROM journal.lessons WHERE id = $1 AND topic = 'Деление дробей'`, lesson); topic != 1 {
		t.Error("the typed topic was not saved")
	}

	// Another person logs in on the same browser: the kept form is dropped.
	time.Sleep(6 * time.Second)
	page = teacher.get("/journal/lessons/" + lesson)
	if page.status != http.StatusSeeOther {
		t.Fatalf("the session should have ended again: %d", page.status)
	}
	form.Set("csrf", csrf2(t, w))
	form.Set("mark_"+w.ids["student1"], "3")
	p = teacher.follow(teacher.post("/journal/lessons/"+lesson, form))
	id = p.url.Query().Get("authRequestID")
	p = teacher.do(http.MethodPost, w.issuer+"/login", url.Values{"authRequestID": {id}, "login": {"director-s1"}}, nil)
	p = teacher.follow(p)
	director, _ := w.sys.Fixtures.Identity("director-s1")
	if n := w.db.Count(t, `SELECT count(*) FROM portal.sessions WHERE subject = $1`, director.OID); n != 1 {
		t.Fatalf("director-s1 did not log in on the teacher's browser (%d sessions): %d at %s", n, p.status, p.url)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM journal.marks WHERE lesson_id = $1 AND value = 3`, lesson); n != 0 {
		t.Errorf("another person's login saved the kept form (%d marks of 3)", n)
	}
}

// csrf2 is the CSRF token of the newest session (its form token does not
// change when the session is renewed or ends).
func csrf2(t *testing.T, w *world) string {
	t.Helper()
	var s string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT csrf_token FROM portal.sessions ORDER BY created_at DESC LIMIT 1`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
