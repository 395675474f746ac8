package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/auth/authtest"
)

// TestAuthorizationMatrix: every portal route × every fixture login × own and
// foreign objects, through a real login at the development identity provider.
// A page the caller may not see answers 404 (another family's child, another
// organisation) or 403; the data behind it never appears.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t, worldOptions{})
	logins := []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
		"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1"}
	// The education services' objects: parent1's kindergarten application for
	// kid1 (kindergartens 1 and 2 of Kemerovo) and a Kemerovo allocation draft
	// offering a place in kindergarten 1.
	start := fmt.Sprintf("%d-09-01", time.Now().Year()+1)
	code, body := w.api("parent1", http.MethodPost, "/api/submit-application/applications",
		fmt.Sprintf(`{"service":"kindergarten","child_id":%q,"kindergarten":{"preferences":[%q,%q],"desired_start":%q,"group_type":"general"}}`,
			w.ids["kid1"], w.ids["kg-1-kemerovo"], w.ids["kg-2-kemerovo"], start), map[string]string{"Idempotency-Key": "matrix"})
	app := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || app == nil {
		t.Fatalf("parent1's application: %d %s", code, body)
	}
	code, body = w.api("mun-kemerovo", http.MethodPost, "/api/submit-application/allocations",
		fmt.Sprintf(`{"municipality_id":%q,"start_date":%q,"response_days":10,"places":[{"kindergarten_id":%q,"age_band":5,"group_type":"general","places":2}]}`,
			w.ids["kemerovo"], start, w.ids["kg-1-kemerovo"]), nil)
	run := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || run == nil {
		t.Fatalf("Kemerovo's allocation: %d %s", code, body)
	}
	appPath, runPath := "/applications/"+app[1], "/allocations/"+run[1]
	// The reports: the ОО-1 campaign, open; school No. 1's report.
	campaign := reportCampaign(t, w)
	if code, body := w.api("ministry", http.MethodPost, "/api/collect-report/campaigns/"+campaign+"/open", "", nil); code != http.StatusOK {
		t.Fatalf("open the campaign: %d %s", code, body)
	}
	var report string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM reports.submissions WHERE campaign_id = $1 AND organisation_id = $2`,
		campaign, w.ids["school-1-kemerovo"]).Scan(&report); err != nil {
		t.Fatal(err)
	}
	campaignPath, reportPath := "/reports/campaigns/"+campaign, "/reports/submissions/"+report
	// A commission's case: student1's, opened by the journal's signal.
	casePath := "/kdn/cases/" + chronicAbsence(t, w)
	// A ward: student1 under teacher-s1's guardianship, with a task.
	wardWithAbsence(t, w)
	wardPath := "/wards/" + w.ids["student1"]
	day := lessonMonday().Format("2006-01-02")
	lessonID := mathLesson(t, w)
	lessonPath := "/journal/lessons/" + lessonID
	var asgID string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT assignment_id::text FROM journal.lessons WHERE id = $1`, lessonID).Scan(&asgID); err != nil {
		t.Fatal(err)
	}
	gridPath := "/journal/assignments/" + asgID + "?from=" + day
	termPath := "/journal/assignments/" + asgID + "/term-marks"
	var classID string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT class_id::text FROM journal.lessons WHERE id = $1`, lessonID).Scan(&classID); err != nil {
		t.Fatal(err)
	}
	classPath := "/journal/classes/" + classID
	// Homework of 6А due by a lesson of the same assignment next week, with
	// the teacher's file.
	code, body = w.api("director-s1", http.MethodPost, "/api/post-grade/assignments/"+asgID+"/timetable",
		fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":2,"from":%q,"to":%q}`, time.Now().AddDate(0, 0, 1).Format(time.DateOnly), time.Now().AddDate(0, 0, 35).Format(time.DateOnly)), nil)
	next := regexp.MustCompile(`"id":"([0-9a-f-]{36})".*?"date":"([0-9-]{10})"`).FindStringSubmatch(body)
	if code != http.StatusCreated || next == nil {
		t.Fatalf("next week's lessons: %d %s", code, body)
	}
	hw, hwFile := issueFor(t, w, next[1], next[2])
	hwPath, reviewPath, filePath, issuePath := "/homework/"+hw, "/homework/"+hw+"/review", "/homework/files/"+hwFile+"/download", lessonPath+"/homework"
	diary1, diary2 := "/children/"+w.ids["student1"]+"/diary?from="+day, "/children/"+w.ids["student2"]+"/diary?from="+day
	diaryW := "/children/" + w.ids["ward1"] + "/diary?from=" + day
	// student1's portfolio: a confirmed diploma with its scan, exported, shared.
	ach := confirmedDiploma(t, w, "Конкурс «Юный инженер»")
	var proof, credential, share string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT id::text FROM portfolio.files WHERE achievement_id = $1`, ach).Scan(&proof); err != nil {
		t.Fatal(err)
	}
	code, body = w.api("parent1", http.MethodPost, "/api/build-portfolio/people/"+w.ids["student1"]+"/credential", "", nil)
	if m := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body); code == http.StatusCreated && m != nil {
		credential = m[1]
	} else {
		t.Fatalf("export: %d %s", code, body)
	}
	code, body = w.api("parent1", http.MethodPost, "/api/build-portfolio/people/"+w.ids["student1"]+"/shares", `{"achievements":["`+ach+`"]}`, nil)
	if m := regexp.MustCompile(`"token":"([A-Za-z0-9_-]{43})"`).FindStringSubmatch(body); code == http.StatusCreated && m != nil {
		share = m[1]
	} else {
		t.Fatalf("share: %d %s", code, body)
	}
	folio1, folio2, claimPath := "/portfolio/"+w.ids["student1"], "/portfolio/"+w.ids["student2"], "/portfolio/"+w.ids["student1"]+"/new"
	achPath, proofPath, credPath, credFile := "/achievements/"+ach, "/achievements/files/"+proof+"/download", "/credentials/"+credential, "/credentials/"+credential+"/download"

	// The colleges' admission: ГПОУ «КПТ»'s specialty with two applicants.
	specialty, _, _ := collegeAdmission(t, w)
	admissionList := "/admission/office/specialties/" + specialty

	referPath := "/kdn/referrals/new?pupil=" + w.ids["student1"] + "&organisation=" + w.ids["school-1-kemerovo"]
	type call struct{ route, path string }
	calls := []call{
		{"GET /{$}", "/"},
		{"GET /profile", "/profile"},
		{"GET /children", "/children"},
		{"GET /children/{id}", "/children/" + w.ids["student1"]},
		{"GET /children/{id}", "/children/" + w.ids["student2"]},
		{"GET /children/{id}", "/children/" + w.ids["ward1"]},
		{"GET /children/{id}/audit", "/children/" + w.ids["student1"] + "/audit"},
		{"GET /children/{id}/audit", "/children/" + w.ids["student2"] + "/audit"},
		{"GET /organisation", "/organisation"},
		{"GET /organisations/{id}", "/organisations/" + w.ids["school-1-kemerovo"]},
		{"GET /organisations/{id}", "/organisations/" + w.ids["school-3-novokuznetsk"]},
		{"GET /applications", "/applications"},
		{"GET /applications/new", "/applications/new?service=kindergarten"},
		{"GET /applications/{id}", appPath},
		{"GET /allocations", "/allocations"},
		{"GET /allocations/{id}", runPath},
		{"GET /journal", "/journal?date=" + day},
		{"GET /journal/lessons/{id}", lessonPath},
		{"GET /journal/assignments/{id}", gridPath},
		{"GET /journal/assignments/{id}/term-marks", termPath},
		{"GET /journal/classes/{id}", classPath},
		{"GET /children/{id}/diary", diary1},
		{"GET /children/{id}/diary", diary2},
		{"GET /children/{id}/diary", diaryW},
		{"GET /diary", "/diary?from=" + day},
		{"GET /summary/journal", "/summary/journal?from=" + day},
		{"GET /homework", "/homework"},
		{"GET /homework/{id}", hwPath},
		{"GET /homework/{id}/review", reviewPath},
		{"GET /homework/files/{id}/download", filePath},
		{"GET /journal/lessons/{id}/homework", issuePath},
		{"GET /portfolio", "/portfolio"},
		{"GET /portfolio/{id}", folio1},
		{"GET /portfolio/{id}", folio2},
		{"GET /portfolio/{id}/new", claimPath},
		{"GET /portfolio/{id}/attestation", "/portfolio/" + w.ids["teacher-s1"] + "/attestation"},
		{"GET /achievements/{id}", achPath},
		{"GET /achievements/files/{id}/download", proofPath},
		{"GET /credentials/{id}", credPath},
		{"GET /credentials/{id}/download", credFile},
		{"GET /confirmations", "/confirmations"},
		{"GET /operator/results", "/operator/results"},
		{"GET /shared/{token}", "/shared/" + share},
		{"GET /verify", "/verify"},
		{"GET /reports", "/reports"},
		{"GET /reports/forms", "/reports/forms"},
		{"GET /reports/campaigns/new", "/reports/campaigns/new"},
		{"GET /reports/campaigns/{id}", campaignPath},
		{"GET /reports/campaigns/{id}/export", campaignPath + "/export?format=csv"},
		{"GET /reports/submissions/{id}", reportPath},
		{"GET /reports/submissions/{id}/template", reportPath + "/template"},
		{"GET /kdn", "/kdn"},
		{"GET /kdn/cases/{id}", casePath},
		{"GET /kdn/referrals/new", referPath},
		{"GET /wards", "/wards"},
		{"GET /wards/{id}", wardPath},
		{"GET /admission", "/admission"},
		{"GET /admission/office", "/admission/office"},
		{"GET /admission/office/specialties/{id}", admissionList},
	}
	// What each login may see — exactly what the registry lets it read; every
	// other (login, path) must be refused. Organisation cards are public
	// information for any signed-in user; their class lists are not (checked below).
	s1, s2 := w.ids["student1"], w.ids["student2"]
	sch1, sch3 := "/organisations/"+w.ids["school-1-kemerovo"], "/organisations/"+w.ids["school-3-novokuznetsk"]
	allowed := map[string][]string{}
	for _, l := range logins {
		// The admission's page shows the colleges taking applications to
		// anyone, and the user's own and children's applications.
		allowed[l] = []string{"/", "/profile", "/children", sch1, sch3, "/applications/new?service=kindergarten", "/shared/" + share, "/verify", "/admission"}
	}
	own := func(paths []string, logins ...string) {
		for _, l := range logins {
			allowed[l] = append(allowed[l], paths...)
		}
	}
	own([]string{"/organisation"}, "ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
		"opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "college-director-1")
	own([]string{"/children/" + s1}, "ministry", "mun-kemerovo", "director-s1", "teacher-s1", "parent1", "student1")
	own([]string{"/children/" + s2}, "ministry", "mun-novokuznetsk", "teacher-s2", "parent2", "student2")
	// ward1: his guardian by the authority's act, as a parent.
	own([]string{"/children/" + w.ids["ward1"]}, "ministry", "mun-kemerovo", "director-s1", "teacher-s1", "guardian1")
	own([]string{"/children/" + s1 + "/audit"}, "ministry", "parent1", "student1")
	own([]string{"/children/" + s2 + "/audit"}, "ministry", "parent2", "student2")
	// Applications: whoever the submit-application API lets read them.
	own([]string{"/applications"}, "ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "kg-director-1", "parent1", "parent2", "guardian1", "college-director-1")
	own([]string{appPath}, "ministry", "mun-kemerovo", "kg-director-1", "parent1")
	own([]string{"/allocations"}, "ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "kg-director-1", "college-director-1")
	own([]string{runPath}, "ministry", "mun-kemerovo", "kg-director-1")
	// The journal: whoever the post-grade API lets in.
	own([]string{"/journal?date=" + day}, "director-s1", "teacher-s1", "teacher-s2", "kg-director-1", "college-director-1")
	own([]string{lessonPath, gridPath, termPath, classPath}, "director-s1", "teacher-s1")
	own([]string{diary1}, "director-s1", "teacher-s1", "parent1", "student1")
	own([]string{diary2}, "teacher-s2", "parent2", "student2")
	own([]string{diaryW}, "director-s1", "teacher-s1", "guardian1")
	own([]string{"/diary?from=" + day}, "student1", "student2")
	own([]string{"/summary/journal?from=" + day}, "ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "kg-director-1", "college-director-1")
	// Homework: whoever the issue-homework API lets in.
	own([]string{"/homework"}, "teacher-s1", "teacher-s2", "parent1", "student1", "parent2", "student2", "guardian1")
	own([]string{hwPath, filePath}, "director-s1", "teacher-s1", "parent1", "student1", "guardian1") // guardian1: his ward studies in 6А
	own([]string{reviewPath}, "director-s1", "teacher-s1")
	own([]string{issuePath}, "teacher-s1")
	// Portfolios: whoever the build-portfolio API lets in.
	own([]string{"/portfolio"}, "parent1", "student1", "parent2", "student2", "teacher-s1", "teacher-s2", "guardian1")
	own([]string{folio1, achPath, proofPath}, "parent1", "student1", "teacher-s1", "director-s1")
	own([]string{folio2}, "parent2", "student2")
	own([]string{claimPath}, "parent1", "student1")
	own([]string{"/portfolio/" + w.ids["teacher-s1"] + "/attestation"}, "teacher-s1")
	own([]string{credPath, credFile}, "parent1", "student1", "ministry")
	own([]string{"/confirmations"}, "teacher-s1", "teacher-s2", "director-s1", "kg-director-1", "college-director-1")
	own([]string{"/operator/results"}, "ministry")
	// Reports: whoever the collect-report API lets in.
	own([]string{"/reports"}, "ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "kg-director-1", "college-director-1")
	own([]string{"/reports/forms", "/reports/campaigns/new"}, "ministry")
	own([]string{campaignPath, campaignPath + "/export?format=csv"}, "ministry", "mun-kemerovo", "mun-novokuznetsk")
	own([]string{campaignPath}, "director-s1") // its report
	own([]string{reportPath, reportPath + "/template"}, "ministry", "mun-kemerovo", "director-s1")
	// The commission's cases: whoever the kdn API lets in.
	own([]string{"/kdn"}, "kdn-kemerovo", "director-s1", "kg-director-1", "college-director-1")
	own([]string{casePath}, "kdn-kemerovo", "director-s1")
	own([]string{referPath}, "director-s1")
	// The wards: the guardianship authority's officials only.
	own([]string{"/wards", wardPath}, "opeka-kemerovo")
	// The admissions office: the college's administration only.
	own([]string{"/admission/office", admissionList}, "college-director-1")
	// Who sees student1's name on school No. 1's card: the class list is shown to
	// the administration and officials of the territory, and to the class teacher
	// of 6А; student1 sees only their own name (in the page header).
	seesSchool1Pupils := map[string]bool{"ministry": true, "mun-kemerovo": true, "director-s1": true, "teacher-s1": true, "student1": true}

	covered := map[string]bool{"GET /static/{name}": true, "GET /auth/login": true, "GET /auth/callback": true,
		"POST /auth/logout": true, "POST /role": true, // exercised by the login, CSRF and role-switch tests
		// exercised, each by its own user and by a foreign one, in TestApplicationPages
		"POST /applications": true, "POST /applications/{id}/status": true, "POST /applications/{id}/direction": true,
		"POST /allocations": true, "POST /allocations/{id}/confirm": true,
		"POST /journal/lessons/{id}":                true, // by teacher-s1 and parent2 in TestJournalPages
		"POST /journal/assignments/{id}/term-marks": true, // by teacher-s1, teacher-s2 and parent1 in TestTermMarkPages
		// by their own users and foreign ones in TestHomeworkPages
		"POST /journal/lessons/{id}/homework": true, "POST /homework/{id}/uploads": true, "POST /homework/{id}/work": true, "POST /homework/{id}/change": true,
		"POST /homework/files/{id}/confirm": true, "POST /homework/files/{id}/remove": true, "POST /homework/submissions/{id}/review": true,
		// by their own users and a foreign one in TestPortfolioPages and TestBrowserPortfolio
		"POST /portfolio/{id}/new": true, "POST /portfolio/{id}/export": true, "POST /portfolio/{id}/shares": true, "POST /shares/{id}/revoke": true,
		"POST /achievements/{id}/decision": true, "POST /achievements/{id}/withdraw": true, "POST /achievements/{id}/export": true,
		"POST /achievements/{id}/uploads": true, "POST /achievements/files/{id}/confirm": true, "POST /credentials/{id}/revoke": true, "POST /verify": true,
		"POST /operator/results/{id}/match": true, // by the ministry and a foreign user in TestParkedResultsPage
		// by their own users and foreign ones in TestReportPages
		"POST /reports/campaigns/{id}/open": true, "POST /reports/campaigns/{id}/drift": true, "POST /reports/campaigns/{id}/territories/{municipality}": true,
		"POST /reports/submissions/{id}": true, "POST /reports/submissions/{id}/review": true, "POST /reports/submissions/{id}/upload": true,
		"POST /reports/forms": true, "POST /reports/campaigns/new": true, // in TestReportFormsPages
		"POST /kdn/cases/{id}/decision": true, "POST /kdn/cases/{id}/close": true, "POST /kdn/cases/{id}/report": true, // in TestKDNPages
		"POST /kdn/referrals":    true,                                             // in TestKDNReferralPage
		"POST /wards/{id}/notes": true, "POST /wards/{id}/tasks/{task}/done": true, // in TestWardPages
		// by their own users and foreign ones in TestAdmissionPages
		"POST /admission/applications": true, "POST /admission/applications/{id}/consent": true, "POST /admission/applications/{id}/consent/withdraw": true,
		"POST /admission/office/specialties/{id}/confirm": true, "POST /admission/office/specialties/{id}/order": true}
	var got []string
	for _, login := range logins {
		b := w.browser()
		b.login(login, "/profile")
		for _, c := range calls {
			covered[c.route] = true
			p := b.get(c.path)
			ok := false
			for _, a := range allowed[login] {
				ok = ok || a == c.path
			}
			switch {
			case ok && p.status != http.StatusOK && !((c.path == "/" || c.path == filePath || c.path == proofPath || c.path == "/portfolio" || c.path == campaignPath) && p.status == http.StatusSeeOther):
				t.Errorf("%s %s: %d, want 200", login, c.path, p.status)
			case !ok && p.status != http.StatusNotFound && p.status != http.StatusForbidden:
				t.Errorf("%s %s: %d, want 404 or 403", login, c.path, p.status)
			case !ok && (strings.Contains(p.body, "Лебедева Дарья") && login != "parent2" || strings.Contains(p.body, "Соколов Артём") && login != "parent1" && login != "student1"):
				t.Errorf("%s %s: a refused page shows a child's name", login, c.path)
			}
			if c.path == sch1 && p.status == http.StatusOK && strings.Contains(p.body, "Соколов Артём") != seesSchool1Pupils[login] {
				t.Errorf("%s %s: school No. 1's pupils shown = %v", login, c.path, !seesSchool1Pupils[login])
			}
			got = append(got, fmt.Sprintf("%s %s %d", login, strings.NewReplacer(s1, "{student1}", s2, "{student2}").Replace(c.path), p.status))
		}
	}
	for _, r := range w.portal.Routes() {
		if !covered[r.Method+" "+r.Pattern] {
			t.Errorf("portal route %s %s has no row in the matrix", r.Method, r.Pattern)
		}
	}
	authtest.CheckRoutes(t, w.portal.Routes())
	sort.Strings(got)
	if t.Failed() {
		t.Logf("observed:\n%s", strings.Join(got, "\n"))
	}
	_ = url.Values{}
}
