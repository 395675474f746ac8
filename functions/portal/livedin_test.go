package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// TestLivedInYear: on the seeded year the fixture logins see EKO at work
// without scripting anything — teacher-s1 today's lessons (on a Sunday her
// last day's, with the page saying so), parent1 student1's marks and
// averages and kid1's place in the kindergarten queue, kg-director-1 the
// applications to her kindergarten, mun-kemerovo a confirmed allocation, the
// ministry and the director summaries of the journal.
func TestLivedInYear(t *testing.T) {
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	day = day.AddDate(0, 0, (8-int(day.Weekday()))%7) // a Monday
	w := newWorld(t, worldOptions{year: day})
	w.sys.SetClock(t, postgradeapi.Name, func() time.Time { return day.Add(3 * time.Hour) }) // 10:00 in Kemerovo

	teacher := w.browser()
	teacher.login("teacher-s1", "/journal")
	p := teacher.get("/journal")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="lessons"`) || strings.Contains(p.body, "lessons-last-day") {
		t.Fatalf("teacher-s1's journal on a Monday of the seeded year: %d %.2000s", p.status, p.body)
	}
	w.sys.SetClock(t, postgradeapi.Name, func() time.Time { return day.AddDate(0, 0, 6).Add(3 * time.Hour) }) // the Sunday after
	p = teacher.get("/journal")
	if !strings.Contains(p.body, `id="lessons-last-day"`) || !strings.Contains(p.body, "Журнал: "+day.Format("02.01.2006")) ||
		!strings.Contains(p.body, `id="lessons"`) {
		t.Fatalf("teacher-s1's journal on the Sunday after: the page does not show her last day (%s) and say so: %.2000s", day.Format("02.01.2006"), p.body)
	}

	parent := w.browser()
	parent.login("parent1", "/children")
	p = parent.get("/children/" + w.ids["student1"] + "/diary?from=" + day.AddDate(0, 0, -7).Format(time.DateOnly))
	if p.status != http.StatusOK || !strings.Contains(p.body, `class="mark`) {
		t.Fatalf("student1's diary for parent1 in the seeded year has no marks: %d %.3000s", p.status, p.body)
	}

	p = parent.get("/applications?service=kindergarten")
	id := between(p.body, `data-application-id="`, `"`)
	if id == "" {
		t.Fatalf("parent1 has no kindergarten application in the seeded year: %.2000s", p.body)
	}
	p = parent.get("/applications/" + id)
	if !strings.Contains(p.body, `class="queue-place card"`) {
		t.Fatalf("kid1's application shows no place in a queue: %.3000s", p.body)
	}
	// Her brother attends a school: her claimed sibling right counts in no
	// kindergarten, and the page says where it would.
	if strings.Contains(p.body, `class="queue-privilege"`) || !strings.Contains(p.body, "только в детском саду, который посещает брат или сестра") {
		t.Fatalf("kid1's queue and her sibling claim: %.4000s", p.body)
	}

	director := w.browser()
	director.login("kg-director-1", "/applications")
	p = director.get("/applications?service=kindergarten")
	if n := strings.Count(p.body, `class="application`); n < 5 {
		t.Fatalf("kg-director-1 sees %d kindergarten applications in the seeded year: %.2000s", n, p.body)
	}
	municipal := w.browser()
	municipal.login("mun-kemerovo", "/allocations")
	p = municipal.get("/allocations")
	if !strings.Contains(p.body, `class="allocation"`) {
		t.Fatalf("mun-kemerovo sees no allocation in the seeded year: %.2000s", p.body)
	}
	// kid1's claim waits among the claims the municipality has to decide.
	if p = municipal.get("/applications?undecided_privilege=true"); !strings.Contains(p.body, `data-application-id="`+id+`"`) {
		t.Fatalf("kid1's sibling claim is not among Kemerovo's claims to decide: %.2000s", p.body)
	}

	for _, login := range []string{"ministry", "director-s1"} {
		b := w.browser()
		b.login(login, "/summary/journal")
		p = b.get("/summary/journal?from=" + day.AddDate(0, 0, -14).Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, -1).Format(time.DateOnly))
		if p.status != http.StatusOK || strings.Contains(p.body, "summary-empty") {
			t.Fatalf("%s's journal summary of the seeded fortnight: %d %.2000s", login, p.status, p.body)
		}
	}
	livedInHomework(t, w, day, parent, teacher)
	livedInPortfolio(t, w, parent, teacher)
	livedInReports(t, w)
	livedInCases(t, w)
	livedInAdmission(t, w)
	livedInWards(t, w)
}

// livedInWards: the seed's guardianships reached the guardianship
// authority through the registry's announcements; Kemerovo's officials see
// exactly Kemerovo's wards, the fixture guardian's ward1 among them, and
// guardian1 reads his diary.
func livedInWards(t *testing.T, w *world) {
	t.Helper()
	for w.sys.Deliver(t) > 0 {
	}
	kemerovo := w.count(`SELECT count(DISTINCT l.child_id) FROM registry.parent_links l JOIN registry.enrollments e ON e.person_id = l.child_id
		JOIN registry.organisations o ON o.id = e.organisation_id WHERE l.kind = 'guardian' AND o.municipality_id = $1 AND e.ends_on IS NULL`, w.ids["kemerovo"])
	if n := w.count(`SELECT count(*) FROM guardianship.wards`); n != w.count(`SELECT count(DISTINCT child_id) FROM registry.parent_links WHERE kind = 'guardian'`) || n == 0 {
		t.Fatalf("%d wards in guardianship", n)
	}
	code, body := w.api("opeka-kemerovo", http.MethodGet, "/api/guardianship/wards", "", nil)
	if code != http.StatusOK || strings.Count(body, `"child_id"`) != kemerovo || kemerovo == 0 {
		t.Fatalf("Kemerovo's guardianship officials see %d of its %d wards: %d %.300s", strings.Count(body, `"child_id"`), kemerovo, code, body)
	}
	// The fixture guardian's ward among them, and the guardian acting for him.
	if !strings.Contains(body, `"child_id":"`+w.ids["ward1"]+`"`) {
		t.Fatalf("ward1 is not among Kemerovo's wards: %.300s", body)
	}
	if code, body := w.api("guardian1", http.MethodGet, "/api/post-grade/diary/"+w.ids["ward1"], "", nil); code != http.StatusOK {
		t.Fatalf("guardian1 reads ward1's diary: %d %.300s", code, body)
	}
}

// livedInCases: the seeded year's chronic-absence signals reached the
// juvenile-affairs commissions as cases, one open case per pupil; the
// seed's history (cases closed last year, student1's referral before
// Kemerovo's commission) is there; Kemerovo's commission sees its
// municipality's and no other; parent1 sees that student1's case exists.
func livedInCases(t *testing.T, w *world) {
	t.Helper()
	for w.sys.Deliver(t) > 0 {
	}
	pupils := w.count(`SELECT count(DISTINCT data->>'student_id') FROM platform.outbox WHERE type = 'ru.kuzbass.eko.absence.chronic.v1'`)
	if n := w.count(`SELECT count(DISTINCT data->>'student_id') FROM platform.outbox o WHERE type = 'ru.kuzbass.eko.absence.chronic.v1'
		AND EXISTS (SELECT 1 FROM kdn.cases c WHERE c.pupil_id::text = o.data->>'student_id' AND c.state <> 'closed')`); n != pupils || n == 0 {
		t.Fatalf("%d of %d pupils' chronic absences have an open case", n, pupils)
	}
	if n := w.count(`SELECT count(*) FROM kdn.cases WHERE state = 'closed' AND outcome <> ''`); n == 0 {
		t.Fatal("no case closed last year")
	}
	code, body := w.api("kdn-kemerovo", http.MethodGet, "/api/kdn/cases", "", nil)
	kemerovo := w.count(`SELECT count(*) FROM kdn.cases c JOIN registry.organisations o ON o.id = c.organisation_id
		WHERE o.municipality_id = $1`, w.ids["kemerovo"])
	if code != http.StatusOK || strings.Count(body, `"pupil_id"`) != kemerovo || !strings.Contains(body, `"pupil_id":"`+w.ids["student1"]+`"`) {
		t.Fatalf("Kemerovo's commission sees %d of its %d cases: %d %.300s", strings.Count(body, `"pupil_id"`), kemerovo, code, body)
	}
	parent := w.browser()
	p := parent.login("parent1", "/children/"+w.ids["student1"])
	if !strings.Contains(p.body, `id="child-referrals"`) || !strings.Contains(p.body, "на рассмотрении комиссии") {
		t.Fatalf("parent1 does not see student1's case: %.2000s", p.body)
	}
}

// livedInReports: the report season as seeded — the ministry finds ОО-1 and
// 85-К drafted and opens ОО-1 from the page; director-s1 then finds the
// school's report with its pupils already counted from the registry.
func livedInReports(t *testing.T, w *world) {
	t.Helper()
	ministry := w.browser()
	p := ministry.login("ministry", "/reports")
	if n := strings.Count(p.body, `data-state="draft"`); n != 2 || !strings.Contains(p.body, "ОО-1") || !strings.Contains(p.body, "85-К") {
		t.Fatalf("the ministry's seeded campaigns: %d drafts: %.2000s", n, p.body)
	}
	m := regexp.MustCompile(`data-campaign-id="([0-9a-f-]{36})" data-state="draft">\s*<p><strong>ОО-1`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no ОО-1 draft: %.2000s", p.body)
	}
	id := m[1]
	p = ministry.follow(ministry.post("/reports/campaigns/"+id+"/open", url.Values{"csrf": {csrfOf(t, p.body)}}))
	if !strings.Contains(p.body, `id="campaign-notice"`) {
		t.Fatalf("opening the seeded ОО-1: %d %.2000s", p.status, p.body)
	}
	director := w.browser()
	p = director.login("director-s1", "/reports/campaigns/"+id)
	pupils := between(p.body, `name="v.pupils.total.all" value="`, `"`)
	if !strings.Contains(p.url.Path, "/reports/submissions/") || pupils == "" || pupils == "0" {
		t.Fatalf("director-s1's seeded report: %s, pupils %q: %.2000s", p.url, pupils, p.body)
	}
}

// livedInPortfolio: the seeded portfolios — student1's confirmed diploma,
// last year's honours built from EKO's year marks, and a claim waiting in
// teacher-s1's queue; teacher-s1's own category; pupils of the region with
// claims in every state.
func livedInPortfolio(t *testing.T, w *world, parent, teacher *browser) {
	t.Helper()
	p := parent.get("/portfolio/" + w.ids["student1"])
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-state="confirmed" data-source="claim"`) ||
		!strings.Contains(p.body, `data-state="confirmed" data-source="eko"`) || !strings.Contains(p.body, "Отличник учёбы") ||
		!strings.Contains(p.body, `data-state="claimed"`) || !strings.Contains(p.body, `data-state="confirmed" data-source="external"`) {
		t.Fatalf("student1's seeded portfolio for parent1: %d %.3000s", p.status, p.body)
	}
	q := teacher.get("/confirmations")
	if !strings.Contains(q.body, "Соколов Артём") || strings.Contains(q.body, `id="no-claims"`) {
		t.Fatalf("teacher-s1's queue has no seeded claim of student1: %.2000s", q.body)
	}
	own := teacher.get("/portfolio/" + w.ids["teacher-s1"])
	if !strings.Contains(own.body, "квалификационная категория") {
		t.Fatalf("teacher-s1's seeded portfolio: %.2000s", own.body)
	}
	for _, c := range []struct{ what, sql string }{
		{"confirmed claims", `SELECT count(*) FROM portfolio.achievements WHERE source = 'claim' AND state = 'confirmed'`},
		{"waiting claims", `SELECT count(*) FROM portfolio.achievements WHERE source = 'claim' AND state = 'claimed'`},
		{"rejected claims with a reason", `SELECT count(*) FROM portfolio.steps WHERE action = 'rejected' AND reason <> ''`},
		{"honours built from EKO's facts", `SELECT count(*) FROM portfolio.achievements WHERE source = 'eko' AND category = 'year_honours'`},
		{"results the olympiad operator posted", `SELECT count(*) FROM portfolio.achievements WHERE source = 'external' AND source_system = 'olympiad'`},
	} {
		if n := w.count(c.sql); n < 3 {
			t.Errorf("the seeded portfolios have %d %s", n, c.what)
		}
	}
}

// livedInHomework: the seeded homework of the fixture logins' classes is in
// every state the table of steps allows, its marks reached the journal by
// the events (one per accepted marked work, each review told «placed»),
// parent1 finds student1's in several groups, and teacher-s1 has works to
// review.
func livedInHomework(t *testing.T, w *world, day time.Time, parent, teacher *browser) {
	t.Helper()
	w.sys.SetClock(t, issuehomeworkapi.Name, func() time.Time { return day.Add(3 * time.Hour) })
	for w.sys.Deliver(t) > 0 {
	}
	for _, c := range []struct{ what, sql string }{
		{"drafts", `SELECT count(*) FROM homework.submissions WHERE state = 'draft' AND attempt = 0`},
		{"works waiting for review", `SELECT count(*) FROM homework.submissions WHERE state = 'submitted' AND attempt = 1`},
		{"resubmitted works", `SELECT count(*) FROM homework.submissions WHERE state = 'submitted' AND attempt = 2`},
		{"returned works", `SELECT count(*) FROM homework.submissions WHERE state = 'returned'`},
		{"accepted works with a mark", `SELECT count(*) FROM homework.submissions s JOIN homework.reviews r ON r.submission_id = s.id WHERE s.state = 'accepted' AND r.mark IS NOT NULL`},
		{"accepted works without one", `SELECT count(*) FROM homework.submissions s JOIN homework.homework h ON h.id = s.homework_id WHERE s.state = 'accepted' AND NOT h.marked`},
		{"works taken back", `SELECT count(*) FROM homework.attempts WHERE taken_back_at IS NOT NULL`},
		{"late attempts", `SELECT count(*) FROM homework.attempts WHERE late`},
		{"overdue work never started", `SELECT count(*) FROM homework.recipients r JOIN homework.homework h ON h.id = r.homework_id
			WHERE h.submission_expected AND h.status = 'issued' AND h.due_at < $1::timestamptz - interval '1 day' AND NOT EXISTS (SELECT FROM homework.submissions s WHERE s.homework_id = h.id AND s.pupil_id = r.pupil_id)`},
		{"homework due ahead", `SELECT count(*) FROM homework.homework WHERE due_at > $1::timestamptz`},
		{"cancelled homework", `SELECT count(*) FROM homework.homework WHERE status = 'cancelled'`},
		{"individual tasks", `SELECT count(*) FROM homework.homework WHERE cardinality(pupils) > 0`},
	} {
		args := []any{}
		if strings.Contains(c.sql, "$1") {
			args = append(args, day)
		}
		if n := w.count(c.sql, args...); n == 0 {
			t.Errorf("the seeded homework has no %s", c.what)
		}
	}
	marked := w.count(`SELECT count(*) FROM homework.reviews WHERE mark IS NOT NULL`)
	if placed := w.count(`SELECT count(*) FROM homework.reviews WHERE mark IS NOT NULL AND journal = 'placed'`); placed != marked {
		t.Errorf("%d of the %d seeded marks are told placed in the journal", placed, marked)
	}
	if n := w.count(`SELECT count(*) FROM journal.marks WHERE homework_id IS NOT NULL AND deleted_at IS NULL`); n != marked {
		t.Errorf("the journal holds %d homework marks, the seeded reviews gave %d", n, marked)
	}
	p := parent.get("/homework")
	if p.status != http.StatusOK || strings.Count(p.body, `class="list homework-group"`) < 2 {
		t.Errorf("parent1's homework list in the seeded year: %d %.3000s", p.status, p.body)
	}
	var hw string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT h.id::text FROM homework.homework h JOIN homework.submissions s ON s.homework_id = h.id
		WHERE h.teacher_id = $1 AND s.state = 'submitted' LIMIT 1`, w.ids["teacher-s1"]).Scan(&hw); err != nil {
		t.Fatalf("teacher-s1 has no work to review in the seeded year: %v", err)
	}
	if p := teacher.get("/homework/" + hw + "/review"); p.status != http.StatusOK || !strings.Contains(p.body, `id="review-queue"`) {
		t.Errorf("teacher-s1's review queue: %d %.2000s", p.status, p.body)
	}
}

// between is the text of s after the first from, up to to ("" without from).
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	return s[:strings.Index(s, to)]
}

// livedInAdmission: the seeded campaign at ГПОУ «КПТ» — its admissions
// office finds each specialty's list with the applicants' names, ranked by
// the average mark (then the test, then the receipt), and no more
// recommended than the budget places.
func livedInAdmission(t *testing.T, w *world) {
	t.Helper()
	for w.sys.Deliver(t) > 0 {
	}
	office := w.browser()
	p := office.login("college-director-1", "/admission/office")
	links := regexp.MustCompile(`href="(/admission/office/specialties/[0-9a-f-]{36})"`).FindAllStringSubmatch(p.body, -1)
	if p.status != http.StatusOK || len(links) != 4 {
		t.Fatalf("the college's office: %d, %d specialties: %.2000s", p.status, len(links), p.body)
	}
	applicants := 0
	for _, l := range links {
		p = office.get(l[1])
		rows := regexp.MustCompile(`<tr class="ranked"[^>]*>\s*<td>\d+</td><td>СПО-[0-9-]+</td><td>([^<]+)</td>\s*<td>(?:([0-9.]+)|<form)`).FindAllStringSubmatch(p.body, -1)
		applicants += len(rows)
		budget := regexp.MustCompile(`бюджетных мест (\d+)`).FindStringSubmatch(p.body)
		if budget == nil {
			t.Fatalf("%s: no budget places: %.2000s", l[1], p.body)
		}
		places, _ := strconv.Atoi(budget[1])
		if n := strings.Count(p.body, `data-recommended="true"`); p.status != http.StatusOK || n > places {
			t.Fatalf("%s: %d, %d recommended of %d places: %.2000s", l[1], p.status, n, places, p.body)
		}
	}
	if applicants == 0 || applicants != w.count(`SELECT count(*) FROM college.choices c JOIN college.applications a ON a.id = c.application_id
		JOIN registry.organisations o ON o.id = a.organisation_id WHERE o.code = 'college-1-kemerovo'`) {
		t.Fatalf("%d applicants' lines on the office's lists", applicants)
	}
}
