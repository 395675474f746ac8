package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds the browser the browser tests drive: CHROMIUM_PATH, else the
// first of the usual names on PATH. A missing browser fails the test (it does
// not skip it): `make test` installs Chromium.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CHROMIUM_PATH=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("Chromium is not installed: the browser tests need a real Chromium. Run the tests with `make test`, which installs it (or `apt-get install -y chromium`, or set CHROMIUM_PATH).")
	return ""
}

// headless starts a fresh headless Chromium for the test, with its own profile.
func headless(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	}
	// Generous: on two busy cores Chromium alone can take tens of seconds to start.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	return bctx
}

// drive returns the two helpers of a browser test: do runs steps (and on
// failure stops the test with where the browser is and what it shows), text
// reads the text of a selector.
// evaluate runs a script in the page and decodes its result.
func evaluate[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("%.80s: %v", script, err)
	}
	return v
}

func drive(t *testing.T, ctx context.Context) (do func(what string, steps ...chromedp.Action[chromedp.Void]), text func(sel string) string) {
	do = func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s: %v (at %s)\n%.3000s", what, err, loc, html)
		}
	}
	text = func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	return do, text
}

// TestBrowserParentSeesOwnChildrenOnly drives real headless Chromium through the
// real login page of the development identity provider: parent1 logs in, sees
// student1 and kid1 on «Мои дети», opens student1's page, and gets «Не найдено»
// for student2's id.
func TestBrowserParentSeesOwnChildrenOnly(t *testing.T) {
	ctx := headless(t) // first: without Chromium the test fails at once
	w := newWorld(t, worldOptions{})
	base := w.server.URL

	do, text := drive(t, ctx)
	location := func() string {
		t.Helper()
		l, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	// A phone-sized screen.
	do("viewport", chromedp.EmulateViewport(390, 844))

	// Not signed in: the cabinet sends the browser to the provider's login page.
	do("open «Мои дети»", chromedp.Navigate(base+"/children"), chromedp.WaitVisible(chromedp.ID("login-parent1")))
	if l := location(); !strings.HasPrefix(l, w.issuer+"/login") {
		t.Fatalf("not on the provider's login page: %s", l)
	}
	do("log in as parent1", chromedp.Click(chromedp.ID("login-parent1")), chromedp.WaitVisible(chromedp.ID("children")))
	if l := location(); l != base+"/children" {
		t.Errorf("after login the browser is at %s, want %s/children", l, base)
	}
	children := text("#children")
	for _, name := range []string{"Соколов Артём Игоревич", "Соколова Мария Игоревна", "6А"} {
		if !strings.Contains(children, name) {
			t.Errorf("«Мои дети» lacks %q: %s", name, children)
		}
	}
	if strings.Contains(children, "Лебедева") {
		t.Errorf("«Мои дети» shows another family's child")
	}
	if user := text("#user-name"); user != "Соколова Анна Сергеевна" {
		t.Errorf("signed in as %q", user)
	}
	// Usable on a phone: nothing wider than the screen.
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("«Мои дети» scrolls sideways on a 390 px screen (%v)", err)
	}
	// The session cookie as the browser keeps it: HttpOnly, SameSite=Lax, host-only.
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range res.Cookies {
		if c.Name == "eko_session" {
			found = true
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/" || len(c.Value) != 43 {
				t.Errorf("session cookie %+v", c)
			}
		}
		if strings.Contains(c.Value, ".") && strings.Count(c.Value, ".") == 2 {
			t.Errorf("cookie %s holds a token", c.Name)
		}
	}
	if !found {
		t.Errorf("no eko_session cookie in the browser: %+v", res.Cookies)
	}
	if js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || strings.Contains(js, "eko_session") {
		t.Errorf("the session cookie is readable from JavaScript: %q %v", js, err)
	}

	// student1's page, by clicking the link.
	student1 := w.ids["student1"]
	do("open student1", chromedp.Click(chromedp.CSS(`li[data-child-id="`+student1+`"] a.child-link`)), chromedp.WaitVisible(chromedp.ID("child-name")))
	if l := location(); l != base+"/children/"+student1 {
		t.Errorf("student1's page is at %s", l)
	}
	if name := text("#child-name"); name != "Соколов Артём Игоревич" {
		t.Errorf("child page shows %q", name)
	}
	if snils := text("#child-snils"); snils != "***-***-*** 90" {
		t.Errorf("child SNILS shown as %q, want masked", snils)
	}

	// Who looked at student1's data: at least this very visit.
	do("open the audit log", chromedp.Click(chromedp.ID("child-audit-link")), chromedp.WaitVisible(chromedp.ID("audit")))
	audit := text("#audit")
	if !strings.Contains(audit, "Вы") || !strings.Contains(audit, "Просмотр: профиль") || !strings.Contains(audit, "127.0.0.1") {
		t.Errorf("audit log: %s", audit)
	}

	// student2 belongs to another family: «Не найдено», and none of the data.
	do("open student2", chromedp.Navigate(base+"/children/"+w.ids["student2"]), chromedp.WaitVisible(chromedp.ID("error-page")))
	status, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("error-page"), "data-status"))
	if err != nil || status.Value != "404" {
		t.Errorf("student2's page status %+v %v", status, err)
	}
	if h := text("#error-page h1"); h != "Не найдено" {
		t.Errorf("student2's page says %q", h)
	}
	if body := text("body"); strings.Contains(body, "Лебедева") || strings.Contains(body, "Дарья") {
		t.Errorf("the 404 page shows student2's data: %s", body)
	}

	// Logging out ends the session here and at the provider, which returns the
	// browser to the portal, which asks for a login again.
	do("log out", chromedp.Navigate(base+"/profile"), chromedp.WaitVisible(chromedp.ID("logout")),
		chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-title")))
	var n int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM portal.sessions WHERE subject = '1000000007'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("sessions of parent1 after logout: %d %v", n, err)
	}
	do("a page after logout", chromedp.Navigate(base+"/children"), chromedp.WaitVisible(chromedp.ID("login-title")))
}

// TestBrowserParentApplies: parent1, in real headless Chromium, applies for a
// kindergarten place for kid1 from the cabinet, lands on the application's
// timeline, and — once the kindergarten has registered it — sees the explained
// queue position.
func TestBrowserParentApplies(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	base := w.server.URL
	do, text := drive(t, ctx)

	do("viewport", chromedp.EmulateViewport(390, 844))
	do("log in as parent1", chromedp.Navigate(base+"/applications"), chromedp.WaitVisible(chromedp.ID("login-parent1")),
		chromedp.Click(chromedp.ID("login-parent1")), chromedp.WaitVisible(chromedp.ID("apply-links")))
	do("open the kindergarten form", chromedp.Click(chromedp.ID("apply-kindergarten")), chromedp.WaitVisible(chromedp.ID("apply-form")))
	start := fmt.Sprintf("%d-09-01", time.Now().Year()+1)
	do("fill it in",
		chromedp.SetValue(chromedp.ID("child"), w.ids["kid1"]),
		chromedp.SetValue(chromedp.ID("preference-1"), w.ids["kg-1-kemerovo"]),
		chromedp.SetValue(chromedp.ID("desired-start"), start),
		chromedp.Click(chromedp.ID("apply-submit")),
		chromedp.WaitVisible(chromedp.ID("application-number")))
	number := text("#application-number")
	if !regexp.MustCompile(`^ДС-\d{4}-\d{7}$`).MatchString(number) {
		t.Fatalf("application number %q", number)
	}
	if s := text("#application-status"); !strings.Contains(s, "Заявление получено") {
		t.Errorf("status %q", s)
	}
	if s := text("#timeline"); !strings.Contains(s, "Заявление получено") {
		t.Errorf("timeline %q", s)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndexByte(loc, '/')+1:]

	// The kindergarten registers the application (through the API).
	if code, body := w.api("kg-director-1", http.MethodPost, "/api/submit-application/applications/"+id+"/status",
		`{"status":"registered"}`, nil); code != http.StatusOK {
		t.Fatalf("register: %d %s", code, body)
	}
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("queue")))
	if p := text(`#queue .queue-position`); p != "1" {
		t.Errorf("queue position %q, want 1", p)
	}
	if e := text(`#queue .queue-explanation`); e == "" {
		t.Error("the queue position is not explained")
	}
	if s := text("#timeline"); !strings.Contains(s, "зарегистрировано") {
		t.Errorf("timeline after registration %q", s)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("the application page scrolls sideways on a 390 px screen (%v)", err)
	}
}

// TestBrowserTeacherMarksParentSees: teacher-s1, in headless Chromium, opens
// the lesson from the journal's day, types a mark for student1 from the
// keyboard, moves to the neighbour with Enter (↑ from the last row), types
// theirs and saves the column; after signing out, parent1 signs in and sees
// the mark in student1's diary.
func TestBrowserTeacherMarksParentSees(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	lesson := mathLesson(t, w)
	day := lessonMonday().Format(time.DateOnly)
	base := w.server.URL
	do, text := drive(t, ctx)

	do("viewport", chromedp.EmulateViewport(390, 844))
	do("log in as teacher-s1", chromedp.Navigate(base+"/journal?date="+day), chromedp.WaitVisible(chromedp.ID("login-teacher-s1")),
		chromedp.Click(chromedp.ID("login-teacher-s1")), chromedp.WaitVisible(chromedp.ID("lessons")))
	do("open the lesson", chromedp.Click(chromedp.CSS(`li[data-lesson-id="`+lesson+`"] a.lesson-link`)), chromedp.WaitVisible(chromedp.ID("journal-grid")))
	row := `tr[data-student-id="` + w.ids["student1"] + `"]`
	do("type the column",
		chromedp.SetValue(chromedp.ID("topic"), "Сложение дробей"),
		chromedp.SetValue(chromedp.ID("kind"), "test"),
		chromedp.Click(chromedp.CSS(row+" input.mark-input")),
		chromedp.SendKeys(chromedp.CSS(row+" input.mark-input"), "4"))
	// From the keyboard to the neighbour: Enter (or ↑ from the last row)
	// moves to the next pupil's mark without submitting.
	pos := evaluate[struct{ Index, Count int }](t, ctx, `(function(){var a=[...document.querySelectorAll('input.mark-input')];
		return {Index: a.indexOf(document.activeElement), Count: a.length};})()`)
	key, want := kb.Enter, pos.Index+1
	if pos.Index == pos.Count-1 {
		key, want = kb.ArrowUp, pos.Index-1
	}
	do("move to the neighbour", chromedp.KeyEvent(key))
	if moved := evaluate[string](t, ctx, `document.activeElement.id`); pos.Count < 2 || moved != fmt.Sprintf("mark-%d", want+1) {
		t.Fatalf("after %q on mark-%d of %d the focus is on %q", key, pos.Index+1, pos.Count, moved)
	}
	do("type the neighbour's mark", chromedp.KeyEvent("3"))
	neighbour := evaluate[string](t, ctx, `document.activeElement.closest('tr').dataset.studentId`)
	do("save", chromedp.Click(chromedp.ID("lesson-save")), chromedp.WaitVisible(chromedp.ID("saved")))
	if m := text(row + " td.marks"); !strings.Contains(m, "4") {
		t.Fatalf("the saved column shows %q for student1", m)
	}
	if m := text(`tr[data-student-id="` + neighbour + `"] td.marks`); !strings.Contains(m, "3") {
		t.Fatalf("the saved column shows %q for the neighbour %s typed by keyboard", m, neighbour)
	}
	do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-title")))

	diary := base + "/children/" + w.ids["student1"] + "/diary?from=" + day
	do("parent1 opens student1's diary", chromedp.Navigate(diary), chromedp.WaitVisible(chromedp.ID("login-parent1")),
		chromedp.Click(chromedp.ID("login-parent1")), chromedp.WaitVisible(chromedp.ID("diary-days")))
	lessonText := text(`li[data-lesson-id="` + lesson + `"]`)
	if !strings.Contains(lessonText, "Сложение дробей") || !strings.Contains(lessonText, "4") {
		t.Fatalf("student1's diary shows %q", lessonText)
	}
	if avg := text("#diary-subjects .average"); avg != "4.00" {
		t.Errorf("the average %q, want 4.00", avg)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("the diary scrolls sideways on a 390 px screen (%v)", err)
	}
}

// TestBrowserColumnSurvivesTheSession: with a short token lifetime (four seconds) the
// teacher's session ends while she types a column; saving sends her through
// the login page, and once she is back the column she typed is saved.
func TestBrowserColumnSurvivesTheSession(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{tokenTTL: 4 * time.Second, refreshTTL: 5 * time.Second})
	lesson := mathLesson(t, w)
	base := w.server.URL
	do, text := drive(t, ctx)
	row := `tr[data-student-id="` + w.ids["student1"] + `"]`
	do("log in as teacher-s1 and open the lesson", chromedp.Navigate(base+"/journal/lessons/"+lesson), chromedp.WaitVisible(chromedp.ID("login-teacher-s1")),
		chromedp.Click(chromedp.ID("login-teacher-s1")), chromedp.WaitVisible(chromedp.ID("journal-grid")))
	do("type the column", chromedp.SetValue(chromedp.ID("topic"), "Деление дробей"),
		chromedp.Click(chromedp.CSS(row+" input.mark-input")), chromedp.SendKeys(chromedp.CSS(row+" input.mark-input"), "4"))
	time.Sleep(6 * time.Second) // both tokens have expired: the session has ended
	do("save: the provider asks to log in again", chromedp.Click(chromedp.ID("lesson-save")), chromedp.WaitVisible(chromedp.ID("login-teacher-s1")))
	do("log in again: the column is saved", chromedp.Click(chromedp.ID("login-teacher-s1")), chromedp.WaitVisible(chromedp.ID("saved")))
	if m := text(row + " td.marks"); !strings.Contains(m, "4") {
		t.Fatalf("after logging in again student1's cell shows %q, want the typed 4", m)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM journal.lessons WHERE id = $1 AND topic = 'Деление дробей'`, lesson); n != 1 {
		t.Error("the typed topic was lost")
	}
}
