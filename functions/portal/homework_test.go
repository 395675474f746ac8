package portal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// homeworkLesson has director-s1 assign teacher-s1 to mathematics in 6А
// (student1's class) with lessons on the school days of the next five
// weeks; it returns the first lesson after today and its date.
func homeworkLesson(t *testing.T, w *world) (id, date string) {
	t.Helper()
	var class string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT class_id::text FROM journal.roster WHERE student_id = $1`, w.ids["student1"]).Scan(&class); err != nil {
		t.Fatalf("student1 on the journal's roster: %v", err)
	}
	today := kuzbass.Date(time.Now())
	code, body := w.api("director-s1", http.MethodPost, "/api/post-grade/assignments", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,
		"teacher_id":%q,"class_id":%q,"subject_id":"0193b6c0-0000-7000-8000-000000000003"}`, w.ids["school-1-kemerovo"], kuzbass.AcademicYearOf(today), w.ids["teacher-s1"], class), nil)
	asg := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || asg == nil {
		t.Fatalf("assignment: %d %s", code, body)
	}
	code, body = w.api("director-s1", http.MethodPost, "/api/post-grade/assignments/"+asg[1]+"/timetable",
		fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":3,"from":%q,"to":%q}`, today.AddDate(0, 0, 1).Format(time.DateOnly), today.AddDate(0, 0, 35).Format(time.DateOnly)), nil)
	var lessons struct {
		Items []struct {
			ID   string `json:"id"`
			Date string `json:"date"`
		}
	}
	if err := json.Unmarshal([]byte(body), &lessons); code != http.StatusCreated || err != nil || len(lessons.Items) == 0 {
		t.Fatalf("lessons: %d %v %s", code, err, body)
	}
	return lessons.Items[0].ID, lessons.Items[0].Date
}

// TestHomeworkPages: teacher-s1 issues homework from the lesson's page
// (a refused due time comes back with the form as typed); it stands on the
// lesson's page, in student1's and parent1's lists and in the diary; a
// pupil of another class and a stranger's script get «Не найдено»; the
// pages' scripts get refusals as problem+json and never without the form
// token.
func TestHomeworkPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	lesson, date := homeworkLesson(t, w)
	teacher := w.browser()
	teacher.login("teacher-s1", "/journal/lessons/"+lesson)
	page := teacher.get("/journal/lessons/" + lesson)
	if !strings.Contains(page.body, `id="issue-homework"`) {
		t.Fatalf("the lesson's page offers no homework: %d %.1500s", page.status, page.body)
	}
	form := teacher.get("/journal/lessons/" + lesson + "/homework")
	if form.status != http.StatusOK || !strings.Contains(form.body, `id="issue-form"`) || !strings.Contains(form.body, "Соколов Артём Игоревич") {
		t.Fatalf("the issue form: %d %.1500s", form.status, form.body)
	}
	csrf := csrfOf(t, form.body)
	fields := url.Values{"csrf": {csrf}, "text": {"№ 245, 247\nСм. https://example.ru/zadachi"}, "due_at": {"2020-01-01T08:00"},
		"submission_expected": {"1"}, "marked": {"1"}, "mark_kind": {"homework"}}
	bad := teacher.post("/journal/lessons/"+lesson+"/homework", fields)
	if bad.status != http.StatusBadRequest && bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("a due time in the past: %d %.1500s", bad.status, bad.body)
	}
	if !strings.Contains(bad.body, `class="field-error"`) || !strings.Contains(bad.body, "№ 245, 247") {
		t.Fatalf("the refused form does not come back as typed: %.2500s", bad.body)
	}
	fields.Set("due_at", date+"T08:00")
	issued := teacher.post("/journal/lessons/"+lesson+"/homework", fields)
	m := regexp.MustCompile(`/homework/([0-9a-f-]{36})\?done=issued`).FindStringSubmatch(issued.location)
	if issued.status != http.StatusSeeOther || m == nil {
		t.Fatalf("issue: %d %s %.1500s", issued.status, issued.location, issued.body)
	}
	hw := m[1]
	shown := teacher.follow(issued)
	for _, want := range []string{`id="homework-notice"`, `id="upload-material"`, `id="class-list"`, `<a href="https://example.ru/zadachi" rel="noopener noreferrer nofollow"`, "№ 245, 247<br>"} {
		if !strings.Contains(shown.body, want) {
			t.Errorf("the teacher's homework page lacks %s", want)
		}
	}
	if csp := shown.header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' http://") {
		t.Errorf("the page's scripts may not reach the object store: %s", csp)
	}
	if page := teacher.get("/journal/lessons/" + lesson); !strings.Contains(page.body, `data-homework-id="`+hw+`"`) {
		t.Errorf("the lesson's page does not list the homework")
	}

	// The teacher's script: a ticket for a file of the task.
	noToken := teacher.do(http.MethodPost, "/homework/"+hw+"/uploads", url.Values{"for": {"material"}, "name": {"a.pdf"}, "content_type": {"application/pdf"}, "size": {"10"}},
		http.Header{"Accept": {"application/json"}, "Origin": {teacher.origin}})
	if noToken.status != http.StatusForbidden || !strings.HasPrefix(noToken.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("a ticket without the form token: %d %s %.300s", noToken.status, noToken.header.Get("Content-Type"), noToken.body)
	}
	ticket := teacher.do(http.MethodPost, "/homework/"+hw+"/uploads", url.Values{"csrf": {csrf}, "for": {"material"}, "name": {"задачи.pdf"},
		"content_type": {"application/pdf"}, "size": {"10"}}, http.Header{"Accept": {"application/json"}, "Origin": {teacher.origin}})
	if ticket.status != http.StatusCreated || !strings.Contains(ticket.body, `"url":"http`) {
		t.Errorf("a ticket: %d %.500s", ticket.status, ticket.body)
	}
	tooBig := teacher.do(http.MethodPost, "/homework/"+hw+"/uploads", url.Values{"csrf": {csrf}, "for": {"material"}, "name": {"кино.mp4"},
		"content_type": {"video/mp4"}, "size": {"900000000"}}, http.Header{"Accept": {"application/json"}, "Origin": {teacher.origin}})
	if tooBig.status < 400 || tooBig.status >= 500 || !strings.Contains(tooBig.body, `"detail"`) {
		t.Errorf("a film as homework: %d %.500s", tooBig.status, tooBig.body)
	}

	w.sys.Deliver(t) // homework.issued reaches the diary
	pupil := w.browser()
	pupil.login("student1", "/homework")
	list := pupil.get("/homework")
	if list.status != http.StatusOK || !regexp.MustCompile(`data-group="due"[^>]*>\s*<li class="homework-item" data-homework-id="`+hw).MatchString(list.body) {
		t.Fatalf("student1's list: %d %.2500s", list.status, list.body)
	}
	if !strings.Contains(list.body, `id="nav-homework"`) {
		t.Errorf("no «Домашние задания» in student1's navigation")
	}
	own := pupil.get("/homework/" + hw)
	if !strings.Contains(own.body, `id="work-form"`) || !strings.Contains(own.body, `id="upload-work"`) || strings.Contains(own.body, `id="class-list"`) {
		t.Fatalf("student1's homework page: %d %.2500s", own.status, own.body)
	}
	diary := pupil.get("/diary?from=" + date)
	if !strings.Contains(diary.body, `class="small diary-task" data-homework-id="`+hw+`" data-state="assigned"`) {
		t.Errorf("the diary does not show the task: %.2500s", diary.body)
	}

	parent := w.browser()
	parent.login("parent1", "/homework")
	plist := parent.get("/homework")
	if !strings.Contains(plist.body, `data-homework-id="`+hw+`"`) || !strings.Contains(plist.body, "<h2>Соколов Артём</h2>") {
		t.Errorf("parent1's list: %.2500s", plist.body)
	}
	if p := parent.get("/homework/" + hw + "?pupil=" + w.ids["student1"]); p.status != http.StatusOK || strings.Contains(p.body, `id="work-form"`) || !strings.Contains(p.body, `id="work"`) {
		t.Errorf("parent1 reads the child's work without a form to change it: %d %.1500s", p.status, p.body)
	}

	// Another class's pupil: nothing, whichever way asked.
	other := w.browser()
	other.login("student2", "/profile")
	if p := other.get("/homework/" + hw); p.status != http.StatusNotFound || strings.Contains(p.body, "№ 245") {
		t.Errorf("student2 opens 6А's homework: %d", p.status)
	}
	ocsrf := csrfOf(t, other.get("/profile").body)
	refused := other.do(http.MethodPost, "/homework/"+hw+"/uploads", url.Values{"csrf": {ocsrf}, "for": {"work"}, "name": {"a.txt"},
		"content_type": {"text/plain"}, "size": {"10"}}, http.Header{"Accept": {"application/json"}, "Origin": {other.origin}})
	if refused.status != http.StatusNotFound || !strings.HasPrefix(refused.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("student2's ticket for 6А's homework: %d %s %.300s", refused.status, refused.header.Get("Content-Type"), refused.body)
	}
	if p := other.get("/homework/" + hw + "/review"); p.status != http.StatusNotFound {
		t.Errorf("student2 opens the review queue: %d", p.status)
	}
	// Every other form of the homework, posted by the wrong person: refused,
	// nothing written.
	for _, c := range []struct {
		who  *browser
		path string
		form url.Values
	}{
		{other, "/homework/" + hw + "/work", url.Values{"action": {"submit"}, "text": {"чужое"}, "version": {"0"}}},
		{parent, "/homework/" + hw + "/work", url.Values{"action": {"submit"}, "text": {"за ребёнка"}, "version": {"0"}}},
		{other, "/journal/lessons/" + lesson + "/homework", url.Values{"text": {"чужое"}, "due_at": {date + "T08:00"}}},
		{pupil, "/journal/lessons/" + lesson + "/homework", url.Values{"text": {"сам себе"}, "due_at": {date + "T08:00"}}},
	} {
		c.form.Set("csrf", csrfOf(t, c.who.get("/profile").body))
		if p := c.who.post(c.path, c.form); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("POST %s by another: %d %.300s", c.path, p.status, p.body)
		}
	}
	hw2, file := issueFor(t, w, lesson, date)
	pcsrf := csrfOf(t, pupil.get("/profile").body)
	if p := other.do(http.MethodPost, "/homework/files/"+file+"/confirm", url.Values{"csrf": {ocsrf}}, http.Header{"Accept": {"application/json"}, "Origin": {other.origin}}); p.status != http.StatusNotFound {
		t.Errorf("student2 confirms the teacher's file: %d %.300s", p.status, p.body)
	}
	if p := pupil.get("/homework/files/" + file + "/download"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "http://") || !strings.Contains(p.location, "X-Amz-Signature") {
		t.Errorf("student1 downloads the task's file: %d %s", p.status, p.location)
	}
	if p := other.get("/homework/files/" + file + "/download"); p.status != http.StatusNotFound || p.location != "" {
		t.Errorf("student2 downloads 6А's file: %d %s", p.status, p.location)
	}
	// student1 submits a text; student2 and parent1 may not review it.
	sub := pupil.post("/homework/"+hw+"/work", url.Values{"csrf": {pcsrf}, "action": {"submit"}, "text": {"Ответ: 42"}, "version": {"0"}})
	if sub.status != http.StatusSeeOther || !strings.HasSuffix(sub.location, "?done=submitted") {
		t.Fatalf("student1 submits: %d %s %s", sub.status, sub.location, alertOf(sub.body))
	}
	receipt := pupil.follow(sub)
	if !strings.Contains(receipt.body, `id="receipts"`) || !strings.Contains(receipt.body, `data-state="submitted"`) {
		t.Fatalf("no receipt after submitting: %.2500s", receipt.body)
	}
	var submission string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT id::text FROM homework.submissions WHERE homework_id = $1`, hw).Scan(&submission); err != nil {
		t.Fatal(err)
	}
	for _, who := range []*browser{other, parent, pupil} {
		form := url.Values{"csrf": {csrfOf(t, who.get("/profile").body)}, "homework": {hw}, "decision": {"accepted"}, "mark": {"5"}, "version": {"1"}}
		if p := who.post("/homework/submissions/"+submission+"/review", form); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("a review by a non-teacher: %d %.300s", p.status, p.body)
		}
	}
	if n := w.count(`SELECT count(*) FROM homework.reviews`); n != 0 {
		t.Errorf("%d reviews written by non-teachers", n)
	}

	// The teacher changes the task (the earlier text kept), then cancels it;
	// the pupil and another pupil may not.
	for _, who := range []*browser{pupil, other} {
		form := url.Values{"csrf": {csrfOf(t, who.get("/profile").body)}, "action": {"cancel"}, "reason": {"не хочу"}, "version": {"1"}}
		if p := who.post("/homework/"+hw+"/change", form); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("a pupil cancels the homework: %d %.300s", p.status, p.body)
		}
	}
	tcsrf := csrfOf(t, teacher.get("/profile").body)
	changed := teacher.post("/homework/"+hw+"/change", url.Values{"csrf": {tcsrf}, "action": {"change"}, "version": {"1"},
		"text": {"№ 245, 247, 249"}, "due_at": {date + "T08:00"}, "mark_kind": {"homework"}})
	if changed.status != http.StatusSeeOther || !strings.HasSuffix(changed.location, "?done=changed") {
		t.Fatalf("the teacher changes the task: %d %s %s", changed.status, changed.location, alertOf(changed.body))
	}
	if n := w.count(`SELECT count(*) FROM homework.homework_history WHERE homework_id = $1 AND action = 'changed' AND state->>'text' LIKE '№ 245, 247%'`, hw); n != 1 {
		t.Errorf("the earlier text is not kept: %d", n)
	}
	stale := teacher.post("/homework/"+hw+"/change", url.Values{"csrf": {tcsrf}, "action": {"cancel"}, "version": {"1"}, "reason": {"урок перенесён"}})
	if stale.status != http.StatusConflict || !strings.Contains(alertOf(stale.body), "обновите") {
		t.Errorf("a cancel naming the old version: %d %s", stale.status, alertOf(stale.body))
	}
	cancelled := teacher.follow(teacher.post("/homework/"+hw+"/change", url.Values{"csrf": {tcsrf}, "action": {"cancel"}, "version": {"2"}, "reason": {"урок перенесён"}}))
	if !strings.Contains(cancelled.body, `data-status="cancelled"`) {
		t.Errorf("after cancelling: %.1500s", cancelled.body)
	}

	// The task's file: another class's pupil may not take it away; the
	// teacher does, and it no longer opens.
	if p := other.post("/homework/files/"+file+"/remove", url.Values{"csrf": {ocsrf}, "homework": {hw2}}); p.status != http.StatusNotFound {
		t.Errorf("student2 removes the teacher's file: %d", p.status)
	}
	removed := teacher.post("/homework/files/"+file+"/remove", url.Values{"csrf": {tcsrf}, "homework": {hw2}})
	if removed.status != http.StatusSeeOther || !strings.HasSuffix(removed.location, "/homework/"+hw2+"?done=removed") {
		t.Fatalf("the teacher removes the task's file: %d %s %s", removed.status, removed.location, alertOf(removed.body))
	}
	if p := pupil.get("/homework/files/" + file + "/download"); p.status == http.StatusSeeOther {
		t.Errorf("the removed file still opens: %s", p.location)
	}
	if n := w.count(`SELECT count(*) FROM homework.files WHERE homework_id = $1 AND submission_id IS NOT NULL`, hw); n != 0 {
		t.Errorf("%d pupil files recorded after refusals", n)
	}
}

// issueFor has teacher-s1 issue a marked homework due by lesson on date
// (through the API) and attach a small PDF to it, uploaded to the object
// store by its ticket and confirmed; it returns the homework's and the
// file's ids.
func issueFor(t *testing.T, w *world, lesson, date string) (hw, file string) {
	t.Helper()
	code, body := w.api("teacher-s1", http.MethodPost, "/api/issue-homework/homework",
		fmt.Sprintf(`{"lesson_id":%q,"text":"Задачи № 1–3","due_at":%q,"marked":true}`, lesson, date+"T08:00"), nil)
	var h struct{ ID string }
	if err := json.Unmarshal([]byte(body), &h); code != http.StatusCreated || err != nil {
		t.Fatalf("issue: %d %v %s", code, err, body)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	code, body = w.api("teacher-s1", http.MethodPost, "/api/issue-homework/homework/"+h.ID+"/files",
		fmt.Sprintf(`{"name":"задачи.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), nil)
	var tk struct {
		File    struct{ ID string }
		URL     string
		Headers map[string]string
	}
	if err := json.Unmarshal([]byte(body), &tk); code != http.StatusCreated || err != nil {
		t.Fatalf("ticket: %d %v %s", code, err, body)
	}
	req, err := http.NewRequest(http.MethodPut, tk.URL, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tk.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("put: %v %v", res, err)
	}
	res.Body.Close()
	if code, body := w.api("teacher-s1", http.MethodPost, "/api/issue-homework/files/"+tk.File.ID+"/confirm", "", nil); code != http.StatusOK || !strings.Contains(body, `"state":"clean"`) {
		t.Fatalf("confirm: %d %s", code, body)
	}
	return h.ID, tk.File.ID
}

// alertOf is the text of a page's alert (what was refused), or the page.
func alertOf(body string) string {
	if m := regexp.MustCompile(`(?s)role="alert">(.*?)</`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return body
}

// TestBrowserHomework drives real headless Chromium through a homework's
// whole life: teacher-s1 issues it from the lesson's page and attaches a
// PDF (uploaded by the page straight to MinIO through the presigned URL,
// with progress); student1 uploads a file the same way and submits, and the
// receipt shows the file's SHA-256; the teacher returns the work with a
// comment; the pupil resubmits; the teacher accepts it with 5 typed from the
// keyboard; parent1 sees the 5 in student1's diary, once.
func TestBrowserHomework(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	lesson, date := homeworkLesson(t, w)
	base := w.server.URL
	do, text := drive(t, ctx)
	dir := t.TempDir()
	task, work := filepath.Join(dir, "задачи.pdf"), filepath.Join(dir, "решение.txt")
	if err := os.WriteFile(task, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	workBytes := []byte("Решение: x = 42, потому что 6 · 7 = 42.\n")
	if err := os.WriteFile(work, workBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	login := func(who, path string, wait string) {
		t.Helper()
		do("log in as "+who+" at "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.ID("login-"+who)),
			chromedp.Click(chromedp.ID("login-"+who)), chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	logout := func() {
		t.Helper()
		do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-title")))
	}

	do("viewport", chromedp.EmulateViewport(390, 844))
	login("teacher-s1", "/journal/lessons/"+lesson, "#issue-homework")
	do("issue", chromedp.Click(chromedp.ID("issue-homework")), chromedp.WaitVisible(chromedp.ID("issue-form")),
		chromedp.SetValue(chromedp.ID("homework-text"), "Решите задачи из файла.\nОтвет пришлите файлом."),
		chromedp.Click(chromedp.ID("marked")), chromedp.Click(chromedp.ID("issue-submit")), chromedp.WaitVisible(chromedp.ID("homework-notice")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/homework/([0-9a-f-]{36})`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after issuing the browser is at %s", loc)
	}
	hw := m[1]
	do("attach the task's file", chromedp.SetUploadFiles(chromedp.CSS("#upload-material"), []string{task}),
		chromedp.WaitVisible(chromedp.CSS(`#upload-material-progress li[data-state="clean"]`)))
	if v := evaluate[int](t, ctx, `document.querySelector('#upload-material-progress progress').value`); v != 100 {
		t.Errorf("the task's upload progress ends at %d", v)
	}
	logout()

	login("student1", "/homework", `li.homework-item[data-homework-id="`+hw+`"]`)
	do("open the homework", chromedp.Click(chromedp.CSS(`li.homework-item[data-homework-id="`+hw+`"] a.homework-link`)),
		chromedp.WaitVisible(chromedp.ID("work-form")), chromedp.WaitVisible(chromedp.CSS(`#homework-task a[href^="/homework/files/"]`)))
	do("upload the work's file", chromedp.SetUploadFiles(chromedp.CSS("#upload-work"), []string{work}),
		chromedp.WaitVisible(chromedp.CSS(`#upload-work-progress li[data-state="clean"]`)))
	do("submit", chromedp.SetValue(chromedp.ID("work-text"), "Ответ в файле."), chromedp.Click(chromedp.ID("work-submit")),
		chromedp.WaitVisible(chromedp.ID("receipts")))
	sum := sha256.Sum256(workBytes)
	if got := text(`#receipts li[data-attempt="1"] code.sha256`); got != hex.EncodeToString(sum[:]) {
		t.Errorf("the receipt's SHA-256 %q, want %x", got, sum)
	}
	if s := text("#work-state"); s != "сдано" {
		t.Errorf("after submitting the work is %q", s)
	}
	logout()

	login("teacher-s1", "/homework/"+hw+"/review", "#review-queue")
	do("return it with a comment", chromedp.SetValue(chromedp.CSS(`#review-queue textarea`), "Покажите ход решения."),
		chromedp.Click(chromedp.CSS(`#review-queue .review-return`)), chromedp.WaitVisible(chromedp.ID("review-empty")))
	logout()

	login("student1", "/homework/"+hw, "#work-form")
	if s := text("#work-state"); s != "возвращено на доработку" {
		t.Errorf("the returned work is %q", s)
	}
	if c := text("#reviews"); !strings.Contains(c, "Покажите ход решения.") {
		t.Errorf("the teacher's comment is not shown: %q", c)
	}
	do("resubmit", chromedp.SetValue(chromedp.ID("work-text"), "Ход решения: 6 · 7 = 42."), chromedp.Click(chromedp.ID("work-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#receipts li[data-attempt="2"]`)))
	logout()

	login("teacher-s1", "/homework/"+hw+"/review", ".review-item")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.classList.contains('review-mark')`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the queue does not put the focus on the mark: %v", err)
	}
	do("accept with 5 from the keyboard", chromedp.KeyEvent("5"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("review-empty")))
	if r := text("#reviewed"); !strings.Contains(r, "принято, оценка 5") {
		t.Errorf("after accepting: %q", r)
	}
	logout()

	for w.sys.Deliver(t) > 0 { // the review to the journal, its answer back, the diary's read model
	}
	if n := w.count(`SELECT count(*) FROM journal.marks WHERE student_id = $1 AND lesson_id = $2 AND value = 5`, w.ids["student1"], lesson); n != 1 {
		t.Fatalf("%d fives of student1 in the journal, want 1", n)
	}
	login("parent1", "/children/"+w.ids["student1"]+"/diary?from="+date, "#diary-days")
	li := `li[data-lesson-id="` + lesson + `"]`
	fives := evaluate[int](t, ctx, `[...document.querySelectorAll('`+li+` .marks .mark')].filter(e => e.textContent.trim() === '5').length`)
	if fives != 1 {
		t.Errorf("student1's diary shows %d fives for the lesson, want 1: %s", fives, text(li))
	}
	if s := text(li + ` .diary-task`); !strings.Contains(s, "принято") {
		t.Errorf("the diary's task says %q", s)
	}
	if wide := evaluate[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
		t.Errorf("the diary scrolls sideways on a 390 px screen")
	}
}
