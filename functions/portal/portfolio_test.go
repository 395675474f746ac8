package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var scan = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// attachScan has login upload a scan to achievement id through the API
// (a ticket, the PUT to MinIO, the confirmation).
func attachScan(t *testing.T, w *world, login, id string) {
	t.Helper()
	code, body := w.api(login, http.MethodPost, "/api/build-portfolio/achievements/"+id+"/files",
		fmt.Sprintf(`{"name":"скан.pdf","content_type":"application/pdf","size":%d}`, len(scan)), nil)
	var tk struct {
		File    struct{ ID string }
		URL     string
		Headers map[string]string
	}
	if err := json.Unmarshal([]byte(body), &tk); code != http.StatusCreated || err != nil {
		t.Fatalf("ticket: %d %s", code, body)
	}
	req, _ := http.NewRequest(http.MethodPut, tk.URL, bytes.NewReader(scan))
	for k, v := range tk.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("put: %v %v", res, err)
	}
	if code, body := w.api(login, http.MethodPost, "/api/build-portfolio/files/"+tk.File.ID+"/confirm", "", nil); code != http.StatusOK {
		t.Fatalf("confirm the scan: %d %s", code, body)
	}
}

// confirmedDiploma has parent1 claim a diploma for student1 through the API,
// attach a scan and teacher-s1 confirm it; it returns the achievement's id.
func confirmedDiploma(t *testing.T, w *world, title string) string {
	t.Helper()
	code, body := w.api("parent1", http.MethodPost, "/api/build-portfolio/achievements", fmt.Sprintf(`{"owner_kind":"pupil","owner_id":%q,
		"category":"competition","title":%q,"level":"regional","result":"winner","awarded_on":"2026-10-12"}`, w.ids["student1"], title), nil)
	var a struct {
		ID      string
		Version int
	}
	if err := json.Unmarshal([]byte(body), &a); code != http.StatusCreated || err != nil {
		t.Fatalf("claim: %d %s", code, body)
	}
	attachScan(t, w, "parent1", a.ID)
	if code, body := w.api("teacher-s1", http.MethodPost, "/api/build-portfolio/achievements/"+a.ID+"/decision", `{"decision":"confirmed","version":1}`, nil); code != http.StatusOK {
		t.Fatalf("decide: %d %s", code, body)
	}
	return a.ID
}

// The portfolio pages: parent1 claims for student1 through the form (a bad
// date comes back with the form as typed), attaches a scan through the
// page's ticket; teacher-s1 sees it in the queue with the pupil's name and
// confirms it; parent1 exports the portfolio and shares an achievement;
// anyone verifies the credential at /verify and opens the link, which
// shows no name; the ministry revokes the credential and /verify says so;
// parent2 gets nothing of it.
func TestPortfolioPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	s1 := w.ids["student1"]
	parent := w.browser()
	start := parent.login("parent1", "/portfolio")
	if start.status != http.StatusOK || !strings.Contains(start.body, `id="nav-portfolio"`) || !strings.Contains(start.body, `href="/portfolio/`+s1+`"`) {
		t.Fatalf("parent1's portfolios: %d %.1500s", start.status, start.body)
	}
	if own := parent.get("/portfolio/" + s1); !strings.Contains(own.body, `href="/portfolio/`+s1+`/new"`) {
		t.Fatalf("student1's portfolio for parent1: %d %.1500s", own.status, own.body)
	}
	form := parent.get("/portfolio/" + s1 + "/new")
	csrf := csrfOf(t, form.body)
	fields := url.Values{"csrf": {csrf}, "owner_kind": {"pupil"}, "category": {"competition"}, "title": {"Конкурс «Юный инженер»"},
		"level": {"regional"}, "result": {"prize_winner"}, "awarded_on": {"12.10.2026"}, "document": {"Диплом № 17"}}
	bad := parent.post("/portfolio/"+s1+"/new", fields)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `class="field-error"`) || !strings.Contains(bad.body, "Юный инженер") {
		t.Fatalf("a bad date: %d %.1500s", bad.status, bad.body)
	}
	fields.Set("awarded_on", "2026-10-12")
	made := parent.post("/portfolio/"+s1+"/new", fields)
	m := regexp.MustCompile(`/achievements/([0-9a-f-]{36})\?done=claimed`).FindStringSubmatch(made.location)
	if made.status != http.StatusSeeOther || m == nil {
		t.Fatalf("the claim: %d %s %.800s", made.status, made.location, made.body)
	}
	id := m[1]
	page := parent.follow(made)
	if !strings.Contains(page.body, `id="upload-proof"`) || !strings.Contains(page.body, `id="withdraw-claim"`) {
		t.Fatalf("the claim's page: %.2000s", page.body)
	}
	ticket := parent.do(http.MethodPost, "/achievements/"+id+"/uploads", url.Values{"csrf": {csrf}, "name": {"диплом.pdf"},
		"content_type": {"application/pdf"}, "size": {fmt.Sprint(len(scan))}}, http.Header{"Accept": {"application/json"}, "Origin": {parent.origin}})
	var tk struct {
		File    struct{ ID string }
		URL     string
		Headers map[string]string
	}
	if err := json.Unmarshal([]byte(ticket.body), &tk); ticket.status != http.StatusCreated || err != nil {
		t.Fatalf("a ticket: %d %.500s", ticket.status, ticket.body)
	}
	req, _ := http.NewRequest(http.MethodPut, tk.URL, bytes.NewReader(scan))
	for k, v := range tk.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("put: %v %v", res, err)
	}
	if c := parent.do(http.MethodPost, "/achievements/files/"+tk.File.ID+"/confirm", url.Values{"csrf": {csrf}},
		http.Header{"Accept": {"application/json"}, "Origin": {parent.origin}}); c.status != http.StatusOK || !strings.Contains(c.body, `"state":"clean"`) {
		t.Fatalf("confirm the scan: %d %s", c.status, c.body)
	}

	teacher := w.browser()
	queue := teacher.login("teacher-s1", "/confirmations")
	if !strings.Contains(queue.body, `data-achievement-id="`+id+`"`) || !strings.Contains(queue.body, "Соколов Артём") || !strings.Contains(queue.body, "/achievements/files/"+tk.File.ID+"/download") {
		t.Fatalf("the queue: %.2500s", queue.body)
	}
	decided := teacher.post("/achievements/"+id+"/decision", url.Values{"csrf": {csrfOf(t, queue.body)}, "decision": {"confirmed"}, "version": {"1"}, "back": {"queue"}})
	if decided.status != http.StatusSeeOther || !strings.HasSuffix(decided.location, "/confirmations?done=decided") {
		t.Fatalf("the decision: %d %s %.800s", decided.status, decided.location, decided.body)
	}
	if after := teacher.follow(decided); !strings.Contains(after.body, `id="no-claims"`) {
		t.Fatalf("the queue after the decision: %.1500s", after.body)
	}

	folio := parent.get("/portfolio/" + s1)
	if !strings.Contains(folio.body, `data-achievement-id="`+id+`" data-state="confirmed"`) {
		t.Fatalf("the confirmed achievement: %.2500s", folio.body)
	}
	exported := parent.post("/portfolio/"+s1+"/export", url.Values{"csrf": {csrf}})
	m = regexp.MustCompile(`/credentials/([0-9a-f-]{36})\?done=exported`).FindStringSubmatch(exported.location)
	if exported.status != http.StatusSeeOther || m == nil {
		t.Fatalf("export: %d %s %.800s", exported.status, exported.location, exported.body)
	}
	cred := m[1]
	jsonFile := parent.get("/credentials/" + cred + "/download")
	jwtFile := parent.get("/credentials/" + cred + "/download?format=jwt")
	if !strings.Contains(jsonFile.header.Get("Content-Disposition"), "attachment") || !strings.Contains(jsonFile.body, "ClrCredential") || strings.Count(jwtFile.body, ".") != 2 {
		t.Fatalf("the downloads: %s %.300s / %.100s", jsonFile.header.Get("Content-Disposition"), jsonFile.body, jwtFile.body)
	}
	anyone := w.browser()
	for name, text := range map[string]string{"json": jsonFile.body, "jwt": jwtFile.body} {
		v := anyone.do(http.MethodPost, "/verify", url.Values{"text": {text}}, http.Header{"Origin": {anyone.origin}})
		if v.status != http.StatusOK || !strings.Contains(v.body, `data-valid="true"`) || !strings.Contains(v.body, "Конкурс «Юный инженер»") {
			t.Fatalf("/verify of the %s: %d %.1500s", name, v.status, v.body)
		}
	}
	if v := anyone.do(http.MethodPost, "/verify", url.Values{"text": {strings.Replace(jsonFile.body, "Юный", "Старый", 1)}}, http.Header{"Origin": {anyone.origin}}); !strings.Contains(v.body, `data-reason="signature"`) {
		t.Fatalf("/verify of a tampered credential: %.1500s", v.body)
	}

	shared := parent.post("/portfolio/"+s1+"/shares", url.Values{"csrf": {csrf}, "achievement": {id}, "days": {"7"}})
	link := regexp.MustCompile(`id="share-url" readonly value="[^"]*(/shared/[A-Za-z0-9_-]{43})"`).FindStringSubmatch(shared.body)
	if shared.status != http.StatusCreated || link == nil {
		t.Fatalf("the share: %d %.2000s", shared.status, shared.body)
	}
	if p := anyone.get(link[1]); p.status != http.StatusOK || !strings.Contains(p.body, "Конкурс «Юный инженер»") || strings.Contains(p.body, "Соколов") {
		t.Fatalf("the shared page: %d %.1500s", p.status, p.body)
	}

	foreign := w.browser()
	foreign.login("parent2", "/profile")
	for _, path := range []string{"/portfolio/" + s1, "/achievements/" + id, "/credentials/" + cred, "/portfolio/" + s1 + "/new"} {
		if p := foreign.get(path); p.status != http.StatusNotFound && p.status != http.StatusForbidden || strings.Contains(p.body, "Юный инженер") {
			t.Errorf("parent2 %s: %d", path, p.status)
		}
	}

	ministry := w.browser()
	cp := ministry.login("ministry", "/credentials/"+cred)
	if cp.status != http.StatusOK || !strings.Contains(cp.body, `id="revoke-form"`) {
		t.Fatalf("the ministry's page of the credential: %d %.1500s", cp.status, cp.body)
	}
	revoked := ministry.post("/credentials/"+cred+"/revoke", url.Values{"csrf": {csrfOf(t, cp.body)}, "reason": {"Диплом аннулирован организатором"}})
	if revoked.status != http.StatusOK || !strings.Contains(revoked.body, `data-status="revoked"`) {
		t.Fatalf("revocation: %d %.1500s", revoked.status, revoked.body)
	}
	if v := anyone.do(http.MethodPost, "/verify", url.Values{"text": {jsonFile.body}}, http.Header{"Origin": {anyone.origin}}); !strings.Contains(v.body, `data-reason="revoked"`) {
		t.Fatalf("/verify after the revocation: %.1500s", v.body)
	}
}

// TestBrowserPortfolio drives real headless Chromium through the issue's
// story: parent1 adds a competition diploma with a scan for student1 (the
// page uploads it straight to MinIO); teacher-s1, the class teacher,
// confirms it; parent1 exports the portfolio; /verify shows it valid; after
// the ministry revokes it, /verify shows it revoked.
func TestBrowserPortfolio(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	base := w.server.URL
	s1 := w.ids["student1"]
	do, text := drive(t, ctx)
	file := filepath.Join(t.TempDir(), "диплом.pdf")
	if err := os.WriteFile(file, scan, 0o600); err != nil {
		t.Fatal(err)
	}
	login := func(who, path, wait string) {
		t.Helper()
		do("log in as "+who+" at "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.ID("login-"+who)),
			chromedp.Click(chromedp.ID("login-"+who)), chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	logout := func() {
		t.Helper()
		do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-title")))
	}
	do("viewport", chromedp.EmulateViewport(390, 844))
	login("parent1", "/portfolio/"+s1, "#add-achievement")
	do("claim", chromedp.Click(chromedp.ID("add-achievement")), chromedp.WaitVisible(chromedp.ID("claim-form")),
		chromedp.SetValue(chromedp.ID("category"), "competition"),
		chromedp.SetValue(chromedp.ID("title"), "Региональный конкурс «Юный инженер»"),
		chromedp.SetValue(chromedp.ID("level"), "regional"), chromedp.SetValue(chromedp.ID("result"), "winner"),
		chromedp.SetValue(chromedp.ID("awarded_on"), "2026-10-12"), chromedp.SetValue(chromedp.ID("document"), "Диплом № 17"),
		chromedp.Click(chromedp.ID("claim-submit")), chromedp.WaitVisible(chromedp.ID("achievement-notice")))
	do("attach the scan", chromedp.SetUploadFiles(chromedp.CSS("#upload-proof"), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#upload-proof-progress li[data-state="clean"]`)))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`/achievements/([0-9a-f-]{36})`).FindStringSubmatch(loc)
	if id == nil {
		t.Fatalf("after the claim the browser is at %s", loc)
	}
	logout()

	login("teacher-s1", "/confirmations", `li.claim[data-achievement-id="`+id[1]+`"]`)
	do("confirm", chromedp.Click(chromedp.CSS(`li.claim[data-achievement-id="`+id[1]+`"] .confirm-claim`)), chromedp.WaitVisible(chromedp.ID("no-claims")))
	logout()

	login("parent1", "/portfolio/"+s1, `li.achievement[data-achievement-id="`+id[1]+`"][data-state="confirmed"]`)
	do("export", chromedp.Click(chromedp.ID("export-portfolio")), chromedp.WaitVisible(chromedp.ID("credential-json")))
	doc := evaluate[string](t, ctx, `document.getElementById('credential-json').value`)
	if !strings.Contains(doc, "ClrCredential") {
		t.Fatalf("the exported credential: %.300s", doc)
	}
	check := func(want string) {
		t.Helper()
		do("verify", chromedp.Navigate(base+"/verify"), chromedp.WaitVisible(chromedp.ID("verify-text")),
			chromedp.SetValue(chromedp.ID("verify-text"), doc), chromedp.Click(chromedp.ID("verify-submit")), chromedp.WaitVisible(chromedp.ID("verify-verdict")))
		if got := text("#verify-verdict"); got != want {
			t.Errorf("/verify says %q, want %q: %s", got, want, text("#verify-result"))
		}
	}
	check("Документ действителен")
	credentialPage := evaluate[string](t, ctx, `document.getElementById('credential-page').getAttribute('href')`)
	logout()

	login("ministry", credentialPage, "#revoke-form")
	do("revoke", chromedp.SetValue(chromedp.ID("revoke-reason"), "Диплом аннулирован организатором"),
		chromedp.Click(chromedp.ID("revoke-credential")), chromedp.WaitVisible(chromedp.ID("credential-notice")))
	logout()
	check("Документ недействителен")
	if p := text("#verify-problem"); !strings.Contains(p, "отозван") {
		t.Errorf("the reason shown: %q", p)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("/verify is wider than a phone (%v)", err)
	}
}

// The teacher's attestation pack: her confirmed achievements by kind, with
// the document and who confirmed each, on a page made for paper; the
// director reads it, a parent does not.
func TestAttestationPack(t *testing.T) {
	w := newWorld(t, worldOptions{})
	me := w.ids["teacher-s1"]
	code, body := w.api("teacher-s1", http.MethodPost, "/api/build-portfolio/achievements", `{"owner_kind":"teacher","category":"course",
		"title":"Функциональная грамотность на уроках математики","organiser":"КРИПКиПРО","hours":72,"awarded_on":"2026-10-30","document":"Удостоверение № 4217"}`, nil)
	id := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || id == nil {
		t.Fatalf("the claim: %d %s", code, body)
	}
	attachScan(t, w, "teacher-s1", id[1])
	if code, body := w.api("director-s1", http.MethodPost, "/api/build-portfolio/achievements/"+id[1]+"/decision", `{"decision":"confirmed","version":1}`, nil); code != http.StatusOK {
		t.Fatalf("the director's decision: %d %s", code, body)
	}
	teacher := w.browser()
	teacher.login("teacher-s1", "/portfolio/"+me)
	if p := teacher.get("/portfolio/" + me); !strings.Contains(p.body, `id="attestation-link"`) {
		t.Fatalf("teacher-s1's portfolio offers no attestation pack: %.1500s", p.body)
	}
	for _, login := range []string{"teacher-s1", "director-s1"} {
		b := teacher
		if login != "teacher-s1" {
			b = w.browser()
			b.login(login, "/profile")
		}
		p := b.get("/portfolio/" + me + "/attestation")
		for _, want := range []string{"Белова Наталья Сергеевна", "Повышение квалификации", "Функциональная грамотность", "72 ч", "Удостоверение № 4217", "подтверждено", `data-print`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("%s: the attestation pack lacks %q: %d %.2500s", login, want, p.status, p.body)
			}
		}
	}
	parent := w.browser()
	parent.login("parent1", "/profile")
	if p := parent.get("/portfolio/" + me + "/attestation"); p.status != http.StatusNotFound && p.status != http.StatusForbidden || strings.Contains(p.body, "Функциональная") {
		t.Fatalf("parent1 opens teacher-s1's attestation pack: %d", p.status)
	}
	css := teacher.get("/static/portal.css")
	if !strings.Contains(css.body, "@media print") {
		t.Fatal("no print styles")
	}
}

// The operator's page: a result the olympiad operator posted that the
// registry could not match (the middle name differs) waits there with the
// people of that name and birth date; the ministry matches it to student1,
// and it is in student1's portfolio. A director neither sees nor matches it.
func TestParkedResultsPage(t *testing.T) {
	w := newWorld(t, worldOptions{})
	op := w.sys.ServiceToken(t, "olympiad")
	req, _ := http.NewRequest(http.MethodPost, w.server.URL+"/api/build-portfolio/events", strings.NewReader(`{"result_id":"R-77",
		"olympiad":"Региональная олимпиада «Кузбасский математик»","level":"regional","result":"prize_winner","date":"2026-11-15",
		"participant":{"family_name":"Соколов","given_name":"Артём","middle_name":"Петрович","birth_date":"2015-05-20"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Type", "ru.kuzbass.eko.olympiad-result.posted.v1")
	req.Header.Set("Ce-Source", "/olympiad-operator")
	req.Header.Set("Ce-Id", "ev-77")
	req.Header.Set("Authorization", "Bearer "+op)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rc struct{ Outcome string }
	_ = json.NewDecoder(res.Body).Decode(&rc)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || rc.Outcome != "parked" {
		t.Fatalf("the operator's post: %d %+v", res.StatusCode, rc)
	}
	ministry := w.browser()
	p := ministry.login("ministry", "/operator/results")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="nav-operator-results"`) || !strings.Contains(p.body, "Соколов Артём Игоревич") {
		t.Fatalf("the ministry's page: %d %.2500s", p.status, p.body)
	}
	m := regexp.MustCompile(`action="/operator/results/([0-9a-f-]{36})/match"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no match form: %.2500s", p.body)
	}
	director := w.browser()
	if d := director.login("director-s1", "/operator/results"); d.status != http.StatusForbidden && d.status != http.StatusNotFound {
		t.Fatalf("director-s1 opens the operator's page: %d", d.status)
	}
	dp := director.get("/profile")
	if d := director.post("/operator/results/"+m[1]+"/match", url.Values{"csrf": {csrfOf(t, dp.body)}, "person_id": {w.ids["student1"]}}); d.status != http.StatusForbidden && d.status != http.StatusNotFound {
		t.Fatalf("director-s1 matches a result: %d", d.status)
	}
	done := ministry.post("/operator/results/"+m[1]+"/match", url.Values{"csrf": {csrfOf(t, p.body)}, "person_id": {w.ids["student1"]}})
	if done.status != http.StatusOK || !strings.Contains(done.body, `id="parked-notice"`) || !strings.Contains(done.body, `id="no-parked"`) {
		t.Fatalf("the match: %d %.2000s", done.status, done.body)
	}
	parent := w.browser()
	if f := parent.login("parent1", "/portfolio/"+w.ids["student1"]); !strings.Contains(f.body, `data-source="external"`) {
		t.Fatalf("the matched result is not in student1's portfolio: %.2000s", f.body)
	}
}
