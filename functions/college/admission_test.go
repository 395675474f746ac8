package college_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// campaign is the body of PUT /admission/campaigns: taking applications
// from yesterday for a month, or over before today when closed.
func campaign(org string, year, max int, closed bool) string {
	today := kuzbass.Date(time.Now())
	opens, closes := today.AddDate(0, 0, -1), today.AddDate(0, 1, 0)
	if closed {
		opens, closes = today.AddDate(0, 0, -20), today.AddDate(0, 0, -10)
	}
	return fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"opens_on":%q,"closes_on":%q,"max_choices":%d}`,
		org, year, opens.Format(time.DateOnly), closes.Format(time.DateOnly), max)
}

// openAdmission opens org's campaign and two specialties: 09.02.07 with
// one budget place and 54.02.01 with an entrance test.
func openAdmission(t *testing.T, a *ekotest.API, org string, year int) (it, design collegeapi.Specialty) {
	a.Must(http.MethodPut, api+"/admission/campaigns", "ministry", campaign(org, year, 2, false), http.StatusOK, nil)
	a.Must(http.MethodPost, api+"/specialties", "ministry", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"code":"09.02.07",
		"title":"Информационные системы и программирование","form":"full_time","after_grade":9,"duration":"3 года 10 месяцев","budget_places":1,"paid_places":5}`,
		org, year), http.StatusCreated, &it)
	a.Must(http.MethodPost, api+"/specialties", "ministry", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"code":"54.02.01",
		"title":"Дизайн (по отраслям)","form":"full_time","after_grade":9,"duration":"3 года 10 месяцев","budget_places":1,"paid_places":0,
		"entrance_test":"творческое испытание: рисунок"}`, org, year), http.StatusCreated, &design)
	return it, design
}

func application(org, applicant, mark string, choices ...collegeapi.Specialty) string {
	ids := make([]string, len(choices))
	for i, c := range choices {
		ids[i] = `"` + c.ID.String() + `"`
	}
	return fmt.Sprintf(`{"organisation_id":%q,"applicant_id":%q,"choices":[%s],"certificate_number":"04224 0012345","average_mark":%q}`,
		org, applicant, strings.Join(ids, ","), mark)
}

// numbers are a list's application numbers in order, and which of them
// are recommended.
func numbers(l collegeapi.AdmissionList) (order, recommended []string) {
	for _, x := range l.Items {
		order = append(order, x.Number)
		if x.Recommended {
			recommended = append(recommended, x.Number)
		}
	}
	return order, recommended
}

// The admission campaign end to end: applications from the cabinet (a
// retry answered with the one filed, another to the same college refused),
// the public list by the rule and without names, the college confirming a
// certificate (correcting the mark moves the applicant), entrance results
// from post-grade's import of applicants who are no one's pupils there,
// a consent that takes the budget place from a lower-ranked applicant, one
// consent at a time across colleges, and the enrolment order that enrols
// into a study group once however often it is issued.
func TestAdmission(t *testing.T) {
	a, year := newAPI(t)
	college := a.IDs["{college}"]
	it, design := openAdmission(t, a, college, year)
	for _, login := range []string{"student1", "student2", "ward1", "kid1"} {
		i, _ := a.Sys.Fixtures.Identity(login)
		a.IDs["{"+login+"}"] = a.Sys.Person(t, i)
	}

	// Filing: the applicant's own or a child's only; a retry is the same.
	var s1, s1again, s2, w1 collegeapi.Application
	a.Must(http.MethodPost, api+"/admission/applications", "parent1", application(college, "{student1}", "4,5", it, design), http.StatusCreated, &s1)
	a.Must(http.MethodPost, api+"/admission/applications", "parent1", application(college, "{student1}", "4,5", it, design), http.StatusOK, &s1again)
	if s1again.ID != s1.ID || s1.AverageMark != "4.50" || s1.Confirmed || len(s1.Choices) != 2 || s1.Choices[0] != it.ID || !strings.HasPrefix(s1.Number, "СПО-") {
		t.Fatalf("the application and its retry: %+v %+v", s1, s1again)
	}
	code, body := a.Call(http.MethodPost, api+"/admission/applications", "parent1", application(college, "{student1}", "4,7", it))
	refusedFor(t, a, code, body, http.StatusConflict, collegeapi.ReasonApplied)
	code, body = a.Call(http.MethodPost, api+"/admission/applications", "parent1", application(college, "{student2}", "4,5", it))
	a.Refused(code, body, http.StatusNotFound, "")
	for field, b := range map[string]string{
		"average_mark": application(college, "{student2}", "5,5", it),
		"choices":      application(college, "{student2}", "4,8", it, design, it),
	} {
		code, body := a.Call(http.MethodPost, api+"/admission/applications", "parent2", b)
		if p := a.Refused(code, body, http.StatusBadRequest, ""); len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %+v", field, p)
		}
	}
	a.Must(http.MethodPost, api+"/admission/applications", "parent2", application(college, "{student2}", "4.8", it), http.StatusCreated, &s2)
	a.Must(http.MethodPost, api+"/admission/applications", "guardian1", application(college, "{ward1}", "4.5", it, design), http.StatusCreated, &w1)

	// The public list: the average mark, then the receipt time; no names.
	list := func() collegeapi.AdmissionList {
		t.Helper()
		var l collegeapi.AdmissionList
		code, body := a.Call(http.MethodGet, api+"/admission/lists/"+it.ID.String(), "", "")
		if code != http.StatusOK || strings.Contains(body, "Соколов") || strings.Contains(body, "person_id") {
			t.Fatalf("the public list: %d %s", code, body)
		}
		a.Must(http.MethodGet, api+"/admission/lists/"+it.ID.String(), "", "", http.StatusOK, &l)
		return l
	}
	if order, rec := numbers(list()); strings.Join(order, " ") != s2.Number+" "+s1.Number+" "+w1.Number || len(rec) != 0 {
		t.Fatalf("ranked %v, recommended %v; want %s %s %s and no one recommended (nothing confirmed)", order, rec, s2.Number, s1.Number, w1.Number)
	}

	// The college sees names and confirms; a corrected mark moves ward1 up.
	var mine []collegeapi.Application
	a.Must(http.MethodGet, api+"/admission/applications?organisation={college}", "college-director-1", "", http.StatusOK, &ekotestPage[collegeapi.Application]{Items: &mine})
	if len(mine) != 3 || mine[0].FullName == "" {
		t.Fatalf("the college's applications: %+v", mine)
	}
	a.Must(http.MethodPatch, api+"/admission/applications/"+s1.ID.String(), "college-director-1", `{"average_mark":"4.5"}`, http.StatusOK, nil)
	a.Must(http.MethodPatch, api+"/admission/applications/"+w1.ID.String(), "college-director-1", `{"average_mark":"4,6"}`, http.StatusOK, nil)
	code, body = a.Call(http.MethodPatch, api+"/admission/applications/"+s2.ID.String(), "director-s1", `{"average_mark":"4.8"}`)
	a.Refused(code, body, http.StatusNotFound, "")
	if order, _ := numbers(list()); strings.Join(order, " ") != s2.Number+" "+w1.Number+" "+s1.Number {
		t.Fatalf("after ward1's correction: %v", order)
	}

	// A consent takes the one budget place; a higher one's takes it over.
	a.Must(http.MethodPost, api+"/admission/applications/"+s1.ID.String()+"/consent", "parent1", fmt.Sprintf(`{"specialty_id":%q}`, it.ID), http.StatusOK, nil)
	if _, rec := numbers(list()); strings.Join(rec, " ") != s1.Number {
		t.Fatalf("recommended after student1's consent: %v", rec)
	}
	code, body = a.Call(http.MethodPost, api+"/admission/applications/"+w1.ID.String()+"/consent", "parent1", fmt.Sprintf(`{"specialty_id":%q}`, it.ID))
	a.Refused(code, body, http.StatusNotFound, "")
	a.Must(http.MethodPost, api+"/admission/applications/"+w1.ID.String()+"/consent", "guardian1", fmt.Sprintf(`{"specialty_id":%q}`, it.ID), http.StatusOK, nil)
	l := list()
	if _, rec := numbers(l); strings.Join(rec, " ") != w1.Number || l.Consents != 2 {
		t.Fatalf("recommended after ward1's consent: %v (consents %d)", rec, l.Consents)
	}

	// Entrance results: the college loads its applicants' (not its pupils),
	// anyone else's (kid1 applied nowhere) is refused; the list of the design specialty follows.
	csv := fmt.Sprintf("student_id;kind;subject;date;score\n%s;entrance;рисунок;%s;72\n%s;entrance;рисунок;%s;31\n",
		a.IDs["{student1}"], kuzbass.Date(time.Now()).Format(time.DateOnly), a.IDs["{ward1}"], kuzbass.Date(time.Now()).Format(time.DateOnly))
	a.Must(http.MethodPost, "/api/post-grade/organisations/{college}/exam-results", "college-director-1", csv, http.StatusCreated, nil)
	code, body = a.Call(http.MethodPost, "/api/post-grade/organisations/{college}/exam-results", "college-director-1",
		fmt.Sprintf("student_id;kind;subject;date;score\n%s;entrance;рисунок;2026-07-01;50\n", a.IDs["{kid1}"]))
	a.Refused(code, body, http.StatusUnprocessableEntity, "")
	a.Sys.Deliver(t)
	var dl collegeapi.AdmissionList
	a.Must(http.MethodGet, api+"/admission/lists/"+design.ID.String(), "", "", http.StatusOK, &dl)
	if len(dl.Items) != 2 || dl.Items[0].Number != w1.Number || dl.Items[0].TestPoints == nil || *dl.Items[0].TestPoints != 31 || dl.Items[0].TestPassed ||
		dl.Items[1].TestPoints == nil || *dl.Items[1].TestPoints != 72 || !dl.Items[1].TestPassed {
		t.Fatalf("the design list: %+v", dl.Items)
	}

	// The enrolment order: ward1 into ИСП-27-1, once, however often issued.
	var o, again collegeapi.Order
	order := fmt.Sprintf(`{"specialty_id":%q,"group_name":"ИСП-27-1"}`, it.ID)
	code, body = a.Call(http.MethodPost, api+"/admission/orders", "director-s1", order)
	a.Refused(code, body, http.StatusNotFound, "")
	a.Must(http.MethodPost, api+"/admission/orders", "college-director-1", order, http.StatusCreated, &o)
	a.Must(http.MethodPost, api+"/admission/orders", "college-director-1", order, http.StatusCreated, &again)
	if len(o.Enrolled) != 1 || o.Enrolled[0].ApplicationID != w1.ID || o.Enrolled[0].EnrollmentID == nil || len(again.Enrolled) != 1 || again.ID != o.ID {
		t.Fatalf("the order and again: %+v %+v", o, again)
	}
	if n := a.Count(`SELECT count(*) FROM registry.enrollments e JOIN registry.classes c ON c.id = e.class_id
		WHERE e.person_id = $1 AND e.organisation_id = $2 AND c.name = 'ИСП-27-1' AND e.academic_year = $3`, a.IDs["{ward1}"], college, year); n != 1 {
		t.Fatalf("ward1's enrollments in the group: %d", n)
	}
	code, body = a.Call(http.MethodDelete, api+"/admission/applications/"+w1.ID.String()+"/consent", "guardian1", "")
	refusedFor(t, a, code, body, http.StatusConflict, collegeapi.ReasonEnrolled)
	if _, rec := numbers(list()); len(rec) != 0 || !list().Items[1].Enrolled {
		t.Fatalf("after the order: recommended %v, %+v", rec, list().Items)
	}

	// One consent at a time: student1 holds one here, so another college's
	// is refused until it is withdrawn here.
	other := a.One(`SELECT id::text FROM registry.organisations WHERE kind = 'college' AND id <> $1 ORDER BY code LIMIT 1`, college)
	oit, _ := openAdmission(t, a, other, year)
	var elsewhere collegeapi.Application
	a.Must(http.MethodPost, api+"/admission/applications", "parent1", application(other, "{student1}", "4.5", oit), http.StatusCreated, &elsewhere)
	consent := fmt.Sprintf(`{"specialty_id":%q}`, oit.ID)
	code, body = a.Call(http.MethodPost, api+"/admission/applications/"+elsewhere.ID.String()+"/consent", "parent1", consent)
	refusedFor(t, a, code, body, http.StatusConflict, collegeapi.ReasonConsent)
	a.Must(http.MethodDelete, api+"/admission/applications/"+s1.ID.String()+"/consent", "parent1", "", http.StatusOK, nil)
	a.Must(http.MethodPost, api+"/admission/applications/"+elsewhere.ID.String()+"/consent", "parent1", consent, http.StatusOK, nil)

	// A closed campaign takes nothing.
	a.Must(http.MethodPut, api+"/admission/campaigns", "ministry", campaign(other, year, 2, true), http.StatusOK, nil)
	code, body = a.Call(http.MethodPost, api+"/admission/applications", "parent2", application(other, "{student2}", "4.8", oit))
	refusedFor(t, a, code, body, http.StatusUnprocessableEntity, collegeapi.ReasonClosed)
	var mineNow []collegeapi.Application
	a.Must(http.MethodGet, api+"/admission/applications?applicant={student1}", "parent1", "", http.StatusOK, &ekotestPage[collegeapi.Application]{Items: &mineNow})
	if len(mineNow) != 2 {
		t.Fatalf("student1's applications: %+v", mineNow)
	}
}

// ekotestPage reads a page's items into Items.
type ekotestPage[T any] struct {
	Items *[]T `json:"items"`
}

// refusedFor checks a refusal with its status and reason.
func refusedFor(t *testing.T, a *ekotest.API, code int, body string, status int, reason errs.Reason) {
	t.Helper()
	a.Refused(code, body, status, "")
	if !strings.Contains(body, `"reason":"`+string(reason)+`"`) {
		t.Fatalf("want the reason %s: %s", reason, body)
	}
}

// epguEvent posts an application filed on EPGU as a CloudEvent (binary
// mode) with the token of login ("epgu": the EPGU service account).
func epguEvent(t *testing.T, a *ekotest.API, token, id, data string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, api+"/events", strings.NewReader(a.Expand(data)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Type", collegeapi.EventEPGUSubmitted)
	req.Header.Set("Ce-Source", "/epgu")
	req.Header.Set("Ce-Id", id)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	a.Sys.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// Applications filed on EPGU: the EPGU service account's alone; the
// applicant matched to the registry by SNILS; the order number the key (a
// redelivery answers the one filed, the same order with other data is a
// conflict); an applicant the registry does not know is refused, and the
// cabinet's checks hold.
func TestEPGUApplication(t *testing.T) {
	a, year := newAPI(t)
	college := a.IDs["{college}"]
	it, _ := openAdmission(t, a, college, year)
	a.IDs["{it}"] = it.ID.String()
	i, _ := a.Sys.Fixtures.Identity("student2")
	a.IDs["{student2}"] = a.Sys.Person(t, i)
	order := func(n, snils, mark string) string {
		return fmt.Sprintf(`{"order_id":%q,"filer_oid":"1000000010","applicant":{"family_name":"Лебедева","given_name":"Дарья","middle_name":"Максимовна",
			"birth_date":"2014-09-08","snils":%q},"organisation_id":"{college}","choices":["{it}"],"certificate_number":"04224 0055555","average_mark":%q}`, n, snils, mark)
	}
	epgu := a.Sys.ServiceToken(t, "epgu")
	code, body := epguEvent(t, a, epgu, "ev-1", order("80000001", "131-232-333 93", "4,4"))
	var app collegeapi.Application
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &app) != nil || app.Channel != collegeapi.ChannelEPGU || app.PersonID.String() != a.IDs["{student2}"] ||
		app.AverageMark != "4.40" || app.FullName != "Лебедева Дарья Максимовна" {
		t.Fatalf("the EPGU application: %d %s", code, body)
	}
	for _, id := range []string{"ev-1", "ev-2"} {
		var again collegeapi.Application
		if code, body := epguEvent(t, a, epgu, id, order("80000001", "131-232-333 93", "4,4")); code != http.StatusOK || json.Unmarshal([]byte(body), &again) != nil || again.ID != app.ID {
			t.Fatalf("redelivery %s: %d %s", id, code, body)
		}
	}
	code, body = epguEvent(t, a, epgu, "ev-3", order("80000001", "131-232-333 93", "4,9"))
	refusedFor(t, a, code, body, http.StatusConflict, collegeapi.ReasonApplied)
	code, body = epguEvent(t, a, epgu, "ev-4", order("80000002", "112-233-445 95", "4,4"))
	if p := a.Refused(code, body, http.StatusBadRequest, string(errs.Unknown)); p.Errors[0].Field != "applicant" {
		t.Fatalf("an unknown applicant: %+v", p)
	}
	code, body = epguEvent(t, a, epgu, "ev-5", order("80000003", "131-232-333 93", "7"))
	a.Refused(code, body, http.StatusBadRequest, string(errs.Range))
	if code, body := epguEvent(t, a, a.Sys.Token(t, "ministry"), "ev-6", order("80000004", "131-232-333 93", "4,4")); code != http.StatusForbidden {
		t.Fatalf("another account posts EPGU's application: %d %s", code, body)
	}
	// The applicant's parent sees it among the child's.
	var mine []collegeapi.Application
	a.Must(http.MethodGet, api+"/admission/applications?applicant={student2}", "parent2", "", http.StatusOK, &ekotestPage[collegeapi.Application]{Items: &mine})
	if len(mine) != 1 || mine[0].ID != app.ID {
		t.Fatalf("parent2 reads student2's applications: %+v", mine)
	}
}
