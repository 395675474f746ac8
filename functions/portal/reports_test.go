package portal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// reportCampaign stores the shipped ОО-1 and drafts its campaign for the
// region's schools, open now for a week, as the lived-in seed does; it
// returns the campaign's id.
func reportCampaign(t *testing.T, w *world) string {
	t.Helper()
	def, _ := json.Marshal(collectreportapi.ShippedForms()[0])
	if code, body := w.api("ministry", http.MethodPost, "/api/collect-report/definitions", string(def), nil); code != http.StatusCreated {
		t.Fatalf("the definition: %d %s", code, body)
	}
	now := time.Now().In(kuzbass.Time)
	code, body := w.api("ministry", http.MethodPost, "/api/collect-report/campaigns", fmt.Sprintf(`{"code":"oo1","version":1,
		"title":"ОО-1 на начало учебного года","legal_basis":"Федеральное статистическое наблюдение, форма № ОО-1",
		"opens_at":%q,"closes_at":%q,"targets":{"kinds":["school"]}}`, now.Add(-time.Hour).Format("2006-01-02T15:04"),
		now.AddDate(0, 0, 7).Format("2006-01-02T15:04")), nil)
	id := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || id == nil {
		t.Fatalf("the campaign: %d %s", code, body)
	}
	return id[1]
}

// formNamed is every named input of a page's form with its value, as a
// browser would post it untouched (selects are set by the test).
func formNamed(t *testing.T, body, formID string) url.Values {
	t.Helper()
	i := strings.Index(body, `id="`+formID+`"`)
	if i < 0 {
		t.Fatalf("no form %s on the page", formID)
	}
	part := body[i:]
	part = part[:strings.Index(part, "</form>")]
	out := url.Values{}
	for _, m := range regexp.MustCompile(`<input ([^>]*)>`).FindAllStringSubmatch(part, -1) {
		name := regexp.MustCompile(`name="([^"]*)"`).FindStringSubmatch(m[1])
		value := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(m[1])
		if name == nil || strings.Contains(m[1], `type="file"`) {
			continue
		}
		v := ""
		if value != nil {
			v = value[1]
		}
		out.Add(name[1], html.UnescapeString(v))
	}
	return out
}

// The reports' pages: the ministry opens the drafted campaign; director-s1
// lands on the school's report with EKO's numbers in place, changes one
// without a reason (refused, the reason asked beside the cell), with one
// (saved), and sends it; Kemerovo sees completeness and the report and
// returns a cell with a comment; the director fixes it and sends again;
// Kemerovo approves it; the ministry sees the totals. Parent1 has no
// reports at all.
func TestReportPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	id := reportCampaign(t, w)
	ministry := w.browser()
	p := ministry.login("ministry", "/reports")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="nav-reports"`) || !strings.Contains(p.body, `data-campaign-id="`+id+`" data-state="draft"`) {
		t.Fatalf("the ministry's reports: %d %.500s", p.status, p.body)
	}
	p = ministry.follow(ministry.post("/reports/campaigns/"+id+"/open", url.Values{"csrf": {csrfOf(t, p.body)}}))
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="campaign-notice"`) || !strings.Contains(p.body, `id="dashboard"`) {
		t.Fatalf("after opening: %d %.800s", p.status, p.body)
	}

	director := w.browser()
	p = director.login("director-s1", "/reports/campaigns/"+id)
	if p.status != http.StatusOK || !strings.Contains(p.url.Path, "/reports/submissions/") || !strings.Contains(p.body, `data-prefilled=`) {
		t.Fatalf("director-s1's report: %d %s %.500s", p.status, p.url, p.body)
	}
	report := p.url.Path
	form := formNamed(t, p.body, "report-form")
	teachers := form.Get("v.staff.teachers.all")
	if teachers == "" || form.Get("v.pupils.total.all") == "" || form.Get("v.pupils.total.all") == "0" {
		t.Fatalf("not prefilled: %v", form)
	}
	// The workbook to fill offline, and an upload that is not one.
	if x := director.get(report + "/template"); x.status != http.StatusOK || !strings.HasPrefix(x.body, "PK") {
		t.Fatalf("the template: %d %.100s", x.status, x.body)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("csrf", form.Get("csrf"))
	_ = mw.WriteField("version", form.Get("version"))
	fw, _ := mw.CreateFormFile("file", "отчёт.xlsx")
	_, _ = fw.Write([]byte("это не книга"))
	_ = mw.Close()
	p = director.send(http.MethodPost, report+"/upload", &mp, http.Header{"Content-Type": {mw.FormDataContentType()}, "Origin": {director.origin}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "это не книга Excel") {
		t.Fatalf("not a workbook: %d %.1000s", p.status, p.body)
	}
	form.Set("v.staff.teachers.all", teachers+"0")
	form.Set("v.second_shift", "0")
	for _, r := range []string{"director", "deputies", "teachers"} {
		form.Set("v.staff."+r+".vacancies", "0")
	}
	form.Set("action", "save")
	p = director.post(report, form)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="report-error"`) ||
		!regexp.MustCompile(`name="why.staff.teachers.all" value="" class="why"[^>]*aria-label`).MatchString(p.body) ||
		strings.Contains(regexp.MustCompile(`name="why.staff.teachers.all"[^>]*>`).FindString(p.body), "hidden") {
		t.Fatalf("a correction without a reason: %d %.2000s", p.status, p.body)
	}
	form.Set("why.staff.teachers.all", "Совместители не внесены в реестр")
	form.Set("action", "submit")
	p = director.follow(director.post(report, form))
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-state="submitted"`) || !strings.Contains(p.body, "Совместители не внесены в реестр") {
		t.Fatalf("sent: %d %.1500s", p.status, p.body)
	}

	kemerovo := w.browser()
	p = kemerovo.login("mun-kemerovo", "/reports/campaigns/"+id)
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="dashboard"`) || !strings.Contains(p.body, `href="`+report+`"`) {
		t.Fatalf("Kemerovo's campaign page: %d %.1500s", p.status, p.body)
	}
	p = kemerovo.get(report)
	review := formNamed(t, p.body, "review-form")
	review.Set("decision", "return")
	review.Set("cell", "second_shift")
	review.Set("comment", "Во вторую смену учатся 3-и классы — проверьте")
	p = kemerovo.follow(kemerovo.post(report+"/review", review))
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-state="returned"`) {
		t.Fatalf("returned: %d %.1500s", p.status, p.body)
	}

	p = director.get(report)
	if !strings.Contains(p.body, "Проверяющий: Во вторую смену") || !strings.Contains(p.body, `id="returned-note"`) {
		t.Fatalf("the returned report: %.2000s", p.body)
	}
	form = formNamed(t, p.body, "report-form")
	form.Set("v.second_shift", "56")
	form.Set("action", "submit")
	p = director.follow(director.post(report, form))
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-state="submitted"`) {
		t.Fatalf("sent again: %d %.1500s", p.status, p.body)
	}
	p = kemerovo.get(report)
	review = formNamed(t, p.body, "review-form")
	review.Set("decision", "approve")
	p = kemerovo.follow(kemerovo.post(report+"/review", review))
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-state="approved"`) {
		t.Fatalf("approved: %d %.1500s", p.status, p.body)
	}

	// Nobody else decides on it or fills it.
	foreign := w.browser()
	p = foreign.login("mun-novokuznetsk", report)
	if p.status != http.StatusNotFound {
		t.Fatalf("Novokuznetsk opens a Kemerovo school's report: %d", p.status)
	}
	review.Set("csrf", csrfOf(t, foreign.get("/profile").body))
	if p = foreign.post(report+"/review", review); p.status != http.StatusNotFound && p.status != http.StatusConflict {
		t.Fatalf("Novokuznetsk decides on it: %d", p.status)
	}
	form.Set("csrf", csrfOf(t, foreign.get("/profile").body))
	if p = foreign.post(report, form); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
		t.Fatalf("Novokuznetsk saves it: %d", p.status)
	}
	// Kemerovo cannot send its consolidation while other schools' reports
	// wait: the page says so.
	p = kemerovo.get("/reports/campaigns/" + id)
	send := formNamed(t, p.body, "send-territory-form")
	p = kemerovo.post("/reports/campaigns/"+id+"/territories/"+w.ids["kemerovo"], send)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "приняты 1 отчётов") {
		t.Fatalf("Kemerovo sends its consolidation early: %d %.1500s", p.status, p.body)
	}

	p = ministry.get("/reports/campaigns/" + id)
	if !regexp.MustCompile(`data-cell="second_shift"><td>[^<]*</td><td class="nowrap">56</td>`).MatchString(p.body) {
		t.Fatalf("the ministry's totals: %.3000s", p.body)
	}
	p = ministry.follow(ministry.post("/reports/campaigns/"+id+"/drift", url.Values{"csrf": {csrfOf(t, p.body)}}))
	if p.status != http.StatusOK || !strings.Contains(p.body, "Сверка выполнена: данные ЭКО не изменились") {
		t.Fatalf("the drift check: %d %.1000s", p.status, p.body)
	}
	x := ministry.get("/reports/campaigns/" + id + "/export?format=xlsx")
	if x.status != http.StatusOK || !strings.HasPrefix(x.body, "PK") {
		t.Fatalf("the export: %d %.100s", x.status, x.body)
	}
	parent := w.browser()
	p = parent.login("parent1", "/profile")
	if strings.Contains(p.body, `id="nav-reports"`) {
		t.Fatal("parent1 has the reports in the menu")
	}
	if p = parent.get(report); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
		t.Fatalf("parent1 opens a school's report: %d", p.status)
	}
}

// The story in Chromium, phone-sized: the ministry opens the
// campaign; director-s1 sees the report prefilled, corrects one cell with a
// reason (asked for beside the cell as soon as the number differs) and
// sends it; Kemerovo returns another cell with a comment; the director
// fixes it and sends it again; Kemerovo approves it; the ministry downloads
// the consolidated workbook, which the test reads back.
func TestBrowserReports(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	base := w.server.URL
	id := reportCampaign(t, w)
	do, text := drive(t, ctx)
	login := func(who, path, wait string) {
		t.Helper()
		do("log in as "+who+" at "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.ID("login-"+who)),
			chromedp.Click(chromedp.ID("login-"+who)), chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	logout := func() {
		t.Helper()
		do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-title")))
	}
	// typeIn puts value into the named field as typing would: the page's
	// script sees an input event.
	typeIn := func(name, value string) {
		t.Helper()
		if !evaluate[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector('[name="%s"]'); if (!e) return false;
			e.focus(); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, name, value)) {
			t.Fatalf("no field %s on the page", name)
		}
	}
	do("viewport", chromedp.EmulateViewport(390, 844))

	login("ministry", "/reports", `li.campaign[data-campaign-id="`+id+`"] .open-campaign`)
	do("open the campaign", chromedp.Click(chromedp.CSS(`li.campaign[data-campaign-id="`+id+`"] .open-campaign`)), chromedp.WaitVisible(chromedp.ID("campaign-notice")))
	logout()

	login("director-s1", "/reports/campaigns/"+id, "#report-form")
	teachers := evaluate[string](t, ctx, `document.querySelector('input[name="v.staff.teachers.all"]').dataset.prefilled`)
	pupils := evaluate[string](t, ctx, `document.querySelector('input[name="v.pupils.total.all"]').value`)
	if teachers == "" || pupils == "" || pupils == "0" {
		t.Fatalf("not prefilled: teachers %q, pupils %q", teachers, pupils)
	}
	if evaluate[bool](t, ctx, `!document.querySelector('input[name="why.staff.teachers.all"]').hidden`) {
		t.Fatal("a reason asked for before anything changed")
	}
	typeIn("v.staff.teachers.all", teachers+"1")
	do("the reason is asked beside the cell", chromedp.WaitVisible(chromedp.CSS(`input[name="why.staff.teachers.all"]`)))
	typeIn("why.staff.teachers.all", "Совместители не внесены в реестр")
	for name, v := range map[string]string{"second_shift": "0", "staff.director.vacancies": "0", "staff.deputies.vacancies": "0", "staff.teachers.vacancies": "1"} {
		typeIn("v."+name, v)
	}
	do("send", chromedp.Click(chromedp.ID("submit-report")), chromedp.WaitVisible(chromedp.CSS(`#report-state[data-state="submitted"]`)))
	report := evaluate[string](t, ctx, `location.pathname`)
	logout()

	login("mun-kemerovo", report, "#review-form")
	typeIn("cell", "second_shift") // the first line's select
	typeIn("comment", "Во вторую смену учатся третьи классы — проверьте")
	do("return the second shift", chromedp.Click(chromedp.ID("return-report")), chromedp.WaitVisible(chromedp.CSS(`#report-state[data-state="returned"]`)))
	logout()

	login("director-s1", report, "#returned-note")
	if c := text(`[data-cell="second_shift"] .reviewer-comment`); !strings.Contains(c, "третьи классы") {
		t.Fatalf("the comment beside the cell: %q", c)
	}
	if ro := evaluate[bool](t, ctx, `document.querySelector('input[name="v.pupils.total.all"]').readOnly`); !ro {
		t.Fatal("a cell not returned may be changed")
	}
	typeIn("v.second_shift", "56")
	do("fix it and send again", chromedp.Click(chromedp.ID("submit-report")), chromedp.WaitVisible(chromedp.CSS(`#report-state[data-state="submitted"]`)))
	logout()

	login("mun-kemerovo", report, "#review-form")
	do("approve", chromedp.Click(chromedp.ID("approve-report")), chromedp.WaitVisible(chromedp.CSS(`#report-state[data-state="approved"]`)))
	logout()

	login("ministry", "/reports/campaigns/"+id, "#export-xlsx")
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById('export-xlsx').href).then(r => r.arrayBuffer()).then(b => {
		let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the workbook: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the consolidated workbook: %v", err)
	}
	defer book.Close()
	rows, err := book.GetRows("Свод")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) >= 3 {
			got[r[0]] = r[2]
		}
	}
	if got["second_shift"] != "56" || got["staff.teachers.all"] != teachers+"1" || got["pupils.total.all"] != pupils {
		t.Fatalf("the workbook's totals: second shift %q, teachers %q (want %s1), pupils %q (want %s)", got["second_shift"], got["staff.teachers.all"], teachers, got["pupils.total.all"], pupils)
	}
}

// The ministry's forms and campaigns: a definition with errors comes back
// as typed with each error by its path, nothing stored; a sound one is
// checked, then stored as version 1; a campaign of it is drafted from the
// form (a bad period comes back under its field) and listed with the
// button that opens it. A director has neither page, and a post of either
// is refused by collect-report.
func TestReportFormsPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ministry := w.browser()
	p := ministry.login("ministry", "/reports/forms")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="definition-form"`) {
		t.Fatalf("the forms page: %d %.1000s", p.status, p.body)
	}
	csrf := csrfOf(t, p.body)
	bad := `{"code":"ok-1","title":"Кадры","sections":[{"id":"s1","title":"Кадры","fields":[{"id":"teachers","title":"Учителя","type":"money"}]}],
		"rules":[{"id":"r1","expr":"teachers >","message":"x"}]}`
	p = ministry.post("/reports/forms", url.Values{"csrf": {csrf}, "definition": {bad}, "action": {"save"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `<code>sections[0].fields[0].type</code>`) || !strings.Contains(p.body, "ok-1") {
		t.Fatalf("a bad definition: %d %.2000s", p.status, p.body)
	}
	if n := w.count(`SELECT count(*) FROM reports.definitions`); n != 0 {
		t.Fatalf("%d definitions stored from a bad one", n)
	}
	good := strings.Replace(strings.Replace(bad, `"money"`, `"integer"`, 1), `"teachers >"`, `"teachers >= 0"`, 1)
	p = ministry.post("/reports/forms", url.Values{"csrf": {csrf}, "definition": {good}, "action": {"preview"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="definition-preview"`) {
		t.Fatalf("the preview: %d %.1500s", p.status, p.body)
	}
	p = ministry.post("/reports/forms", url.Values{"csrf": {csrf}, "definition": {good}, "action": {"save"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "форма ok-1, версия 1") {
		t.Fatalf("saved: %d %.1500s", p.status, p.body)
	}
	form := url.Values{"csrf": {csrf}, "form": {"ok-1/1"}, "title": {"Кадры на 1 января"}, "legal_basis": {"Приказ министерства № 12"},
		"opens_at": {"2027-01-10T09:00"}, "closes_at": {"2027-01-09T18:00"}, "kind": {"school", "kindergarten"}}
	p = ministry.post("/reports/campaigns/new", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "окончание позже начала") || !strings.Contains(p.body, `value="Кадры на 1 января"`) {
		t.Fatalf("a bad period: %d %.1500s", p.status, p.body)
	}
	form.Set("closes_at", "2027-01-20T18:00")
	p = ministry.follow(ministry.post("/reports/campaigns/new", form))
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="reports-notice"`) || !strings.Contains(p.body, "Кадры на 1 января") ||
		!strings.Contains(p.body, `class="open-campaign"`) {
		t.Fatalf("the draft: %d %.1500s", p.status, p.body)
	}
	director := w.browser()
	p = director.login("director-s1", "/reports/forms")
	if p.status != http.StatusNotFound {
		t.Fatalf("director-s1 opens the forms page: %d", p.status)
	}
	csrf = csrfOf(t, director.get("/profile").body)
	if p = director.post("/reports/forms", url.Values{"csrf": {csrf}, "definition": {good}, "action": {"save"}}); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("director-s1 stores a definition: %d", p.status)
	}
	form.Set("csrf", csrf)
	if p = director.post("/reports/campaigns/new", form); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("director-s1 drafts a campaign: %d", p.status)
	}
}
