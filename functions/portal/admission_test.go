package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// collegeAdmission opens the campaign of ГПОУ «КПТ» (college-1-kemerovo)
// for next September with one specialty of one budget place, and has
// guardian1 apply for ward1 (an average mark of 4.8) and parent1 for
// student1 (4.5) from the API; it returns the specialty's id and the two
// applications' ids and numbers.
func collegeAdmission(t *testing.T, w *world) (specialty string, ward, student [2]string) {
	t.Helper()
	var college string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM registry.organisations WHERE code = 'college-1-kemerovo'`).Scan(&college); err != nil {
		t.Fatal(err)
	}
	w.ids["college-1-kemerovo"] = college
	year, today := kuzbass.AcademicYearOf(time.Now())+1, kuzbass.Date(time.Now())
	if code, body := w.api("ministry", http.MethodPut, "/api/college/admission/campaigns", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,
		"opens_on":%q,"closes_on":%q,"max_choices":2}`, college, year, today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 1, 0).Format(time.DateOnly)), nil); code != http.StatusOK {
		t.Fatalf("the campaign: %d %s", code, body)
	}
	code, body := w.api("ministry", http.MethodPost, "/api/college/specialties", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"code":"09.02.07",
		"title":"Информационные системы и программирование","form":"full_time","after_grade":9,"duration":"3 года 10 месяцев","budget_places":1,"paid_places":0}`, college, year), nil)
	m := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || m == nil {
		t.Fatalf("the specialty: %d %s", code, body)
	}
	specialty = m[1]
	apply := func(login, child, mark string) [2]string {
		code, body := w.api(login, http.MethodPost, "/api/college/admission/applications", fmt.Sprintf(`{"organisation_id":%q,"applicant_id":%q,
			"choices":[%q],"certificate_number":"04224 0007777","average_mark":%q}`, college, w.ids[child], specialty, mark), nil)
		m := regexp.MustCompile(`"id":"([0-9a-f-]{36})","number":"([^"]+)"`).FindStringSubmatch(body)
		if code != http.StatusCreated || m == nil {
			t.Fatalf("%s applies: %d %s", login, code, body)
		}
		return [2]string{m[1], m[2]}
	}
	return specialty, apply("guardian1", "ward1", "4.8"), apply("parent1", "student1", "4.5")
}

// rowOf is a list page's row of an application number: its position and
// whether it is recommended.
func rowOf(t *testing.T, body, number string) (position string, recommended bool) {
	t.Helper()
	m := regexp.MustCompile(`data-number="` + regexp.QuoteMeta(number) + `" data-position="(\d+)" data-recommended="(true|false)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row of %s: %.3000s", number, body)
	}
	return m[1], m[2] == "true"
}

// The admission's pages: parent1 applies for student1 from the page (a
// mark out of range refused on it), the college's admissions office sees
// the list with names ranked by the rule, confirms both certificates from
// the page; parent1's consent makes student1 recommended, ward1's (ranked
// higher) takes the one place over, the order enrols ward1; the steps of
// one are refused to the others.
func TestAdmissionPages(t *testing.T) {
	w := newWorld(t, worldOptions{})
	specialty, ward, _ := collegeAdmission(t, w)
	// parent1's application of the API aside, student2's parent applies
	// from the page: a mistyped mark first.
	parent := w.browser()
	p := parent.login("parent2", "/admission?college="+w.ids["college-1-kemerovo"])
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="nav-admission"`) || !strings.Contains(p.body, `id="admission-form"`) {
		t.Fatalf("the form: %d %.2000s", p.status, p.body)
	}
	csrf := csrfOf(t, p.body)
	form := url.Values{"csrf": {csrf}, "college": {w.ids["college-1-kemerovo"]}, "applicant_id": {w.ids["student2"]}, "choice1": {specialty},
		"average_mark": {"6"}, "certificate_number": {"04224 0009999"}}
	p = parent.post("/admission/applications", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="admission-error"`) || !strings.Contains(p.body, `value="04224 0009999"`) {
		t.Fatalf("a mark out of range: %d %.2000s", p.status, p.body)
	}
	form.Set("average_mark", "4,2")
	p = parent.follow(parent.post("/admission/applications", form))
	number := regexp.MustCompile(`data-number="(СПО-[0-9-]+)" data-status="submitted"`).FindStringSubmatch(p.body)
	if !strings.Contains(p.body, `id="admission-notice"`) || number == nil || !strings.Contains(p.body, `data-position="3"`) {
		t.Fatalf("applied: %.3000s", p.body)
	}

	office := w.browser()
	p = office.login("college-director-1", "/admission/office")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="nav-admission-office"`) || !strings.Contains(p.body, `data-specialty-id="`+specialty+`"`) {
		t.Fatalf("the office: %d %.2000s", p.status, p.body)
	}
	listPath := "/admission/office/specialties/" + specialty
	p = office.get(listPath)
	if pos, _ := rowOf(t, p.body, ward[1]); pos != "1" || !strings.Contains(p.body, "Фёдоров Никита") || !strings.Contains(p.body, "Соколов Артём") {
		t.Fatalf("the list: %.3000s", p.body)
	}
	// Confirming from the page, each certificate as read.
	ocsrf := csrfOf(t, p.body)
	for _, app := range regexp.MustCompile(`name="application_id" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(p.body, -1) {
		p = office.follow(office.post(listPath+"/confirm", url.Values{"csrf": {ocsrf}, "application_id": {app[1]}, "average_mark": {"4.5"}}))
		if !strings.Contains(p.body, `id="list-notice"`) {
			t.Fatalf("confirm %s: %.2000s", app[1], p.body)
		}
	}
	// Everyone confirmed at 4.5 now: the receipt time ranks ward1 first.
	// parent1 consents from the page: student1 is recommended.
	p = w.browser().login("parent1", "/admission")
	var studentApp string
	if m := regexp.MustCompile(`data-application-id="([0-9a-f-]{36})" data-number="[^"]+" data-status="submitted"`).FindStringSubmatch(p.body); m != nil {
		studentApp = m[1]
	} else {
		t.Fatalf("parent1's applications: %.3000s", p.body)
	}
	pb := w.browser()
	pb.login("parent1", "/admission")
	p = pb.follow(pb.post("/admission/applications/"+studentApp+"/consent", url.Values{"csrf": {csrfOf(t, pb.get("/admission").body)}, "specialty_id": {specialty}}))
	if !strings.Contains(p.body, `id="admission-notice"`) || !strings.Contains(p.body, `data-recommended="true" data-consent="true"`) {
		t.Fatalf("parent1's consent: %.3000s", p.body)
	}
	// A foreign parent cannot consent for student1, nor the office confirm
	// another college's, nor a school's director order.
	other := w.browser()
	p = other.login("parent2", "/admission")
	if p = other.post("/admission/applications/"+studentApp+"/consent", url.Values{"csrf": {csrfOf(t, p.body)}, "specialty_id": {specialty}}); p.status != http.StatusNotFound {
		t.Fatalf("parent2 consents for student1: %d", p.status)
	}
	if p = other.post("/admission/applications/"+studentApp+"/consent/withdraw", url.Values{"csrf": {csrfOf(t, other.get("/admission").body)}}); p.status != http.StatusNotFound {
		t.Fatalf("parent2 withdraws student1's consent: %d", p.status)
	}
	dir := w.browser()
	p = dir.login("director-s1", "/profile")
	for _, path := range []string{listPath + "/confirm", listPath + "/order"} {
		if p := dir.post(path, url.Values{"csrf": {csrfOf(t, dir.get("/profile").body)}, "application_id": {studentApp}, "average_mark": {"5"}, "group_name": {"ИСП-27-1"}}); p.status != http.StatusNotFound {
			t.Fatalf("director-s1 %s: %d", path, p.status)
		}
	}
	if _, rec := rowOf(t, office.get(listPath).body, number[1]); rec {
		t.Fatal("student2, without consent, recommended")
	}
	// ward1 consents (API): ranked higher, ward1 takes the place over.
	if code, body := w.api("guardian1", http.MethodPost, "/api/college/admission/applications/"+ward[0]+"/consent", `{"specialty_id":"`+specialty+`"}`, nil); code != http.StatusOK {
		t.Fatalf("ward1's consent: %d %s", code, body)
	}
	p = office.get(listPath)
	if _, rec := rowOf(t, p.body, ward[1]); !rec || strings.Count(p.body, `data-recommended="true"`) != 1 {
		t.Fatalf("after ward1's consent: %.3000s", p.body)
	}
	p = office.follow(office.post(listPath+"/order", url.Values{"csrf": {ocsrf}, "group_name": {"ИСП-27-1"}}))
	if !strings.Contains(p.body, `id="order"`) || !regexp.MustCompile(`id="order-enrolled"><li data-application-id="`+ward[0]+`">Фёдоров Никита`).MatchString(p.body) {
		t.Fatalf("the order: %.3000s", p.body)
	}
	// parent1 withdraws the consent; the page says so.
	p = pb.follow(pb.post("/admission/applications/"+studentApp+"/consent/withdraw", url.Values{"csrf": {csrfOf(t, pb.get("/admission").body)}}))
	if !strings.Contains(p.body, `id="admission-notice"`) || strings.Contains(p.body, `data-consent="true"`) {
		t.Fatalf("withdrawn: %.3000s", p.body)
	}
}

// The story in Chromium: the college's admissions office opens a
// specialty's list ranked by the rule, confirms a certificate, and a
// consent to enrol moves the budget place from one applicant to another.
func TestBrowserAdmission(t *testing.T) {
	ctx := headless(t)
	w := newWorld(t, worldOptions{})
	specialty, ward, student := collegeAdmission(t, w)
	for _, id := range []string{ward[0], student[0]} {
		if code, body := w.api("college-director-1", http.MethodPatch, "/api/college/admission/applications/"+id, `{"average_mark":"4.5"}`, nil); code != http.StatusOK {
			t.Fatalf("confirm: %d %s", code, body)
		}
	}
	base := w.server.URL
	do, text := drive(t, ctx)
	do("log in as college-director-1", chromedp.Navigate(base+"/admission/office"), chromedp.WaitVisible(chromedp.ID("login-college-director-1")),
		chromedp.Click(chromedp.ID("login-college-director-1")), chromedp.WaitVisible(chromedp.CSS(`a.office-specialty[data-specialty-id="`+specialty+`"]`)))
	do("open the list", chromedp.Click(chromedp.CSS(`a.office-specialty[data-specialty-id="`+specialty+`"]`)), chromedp.WaitVisible(chromedp.ID("admission-list")))
	order := func() string {
		return evaluate[string](t, ctx, `[...document.querySelectorAll('tr.ranked')].map(r => r.dataset.number + (r.dataset.recommended === 'true' ? '*' : '')).join(' ')`)
	}
	// Equal marks: ward1 applied first.
	if got, want := order(), ward[1]+" "+student[1]; got != want {
		t.Fatalf("the list: %q, want %q", got, want)
	}
	if code, body := w.api("parent1", http.MethodPost, "/api/college/admission/applications/"+student[0]+"/consent", `{"specialty_id":"`+specialty+`"}`, nil); code != http.StatusOK {
		t.Fatalf("student1's consent: %d %s", code, body)
	}
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("admission-list")))
	if got, want := order(), ward[1]+" "+student[1]+"*"; got != want {
		t.Fatalf("after student1's consent: %q, want %q", got, want)
	}
	if code, body := w.api("guardian1", http.MethodPost, "/api/college/admission/applications/"+ward[0]+"/consent", `{"specialty_id":"`+specialty+`"}`, nil); code != http.StatusOK {
		t.Fatalf("ward1's consent: %d %s", code, body)
	}
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("admission-list")))
	if got, want := order(), ward[1]+"* "+student[1]; got != want {
		t.Fatalf("after ward1's consent: %q, want %q", got, want)
	}
	if s := text("#admission-list"); !strings.Contains(s, "Фёдоров Никита") || !strings.Contains(s, "рекомендован") {
		t.Fatalf("the list's text: %q", s)
	}
}
