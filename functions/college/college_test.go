package college_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

const api = "/api/college"

var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

func newAPI(t *testing.T) (*ekotest.API, int) {
	w := ekotest.Open(t, ekotest.Options{Seed: 21})
	a := &ekotest.API{T: t, Sys: w, IDs: map[string]string{}}
	a.IDs["{college}"] = w.Organisation(t, "college-1-kemerovo")
	a.IDs["{school1}"] = w.Organisation(t, "school-1-kemerovo")
	return a, kuzbass.AcademicYearOf(time.Now()) + 1
}

func specialty(org string, year int, code string) string {
	return fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"code":%q,"title":"Информационные системы и программирование","form":"full_time",
		"after_grade":9,"duration":"3 года 10 месяцев","budget_places":25,"paid_places":10}`, org, year, code)
}

// The ministry opens admission to a college's specialty; the same code,
// form and basis again is refused as a duplicate, a school is not a
// college, and each bad field is named; anyone reads the college's
// specialties, no token needed.
func TestSpecialties(t *testing.T) {
	a, year := newAPI(t)
	var s collegeapi.Specialty
	a.Must(http.MethodPost, api+"/specialties", "ministry", specialty("{college}", year, "09.02.07"), http.StatusCreated, &s)
	if s.Code != "09.02.07" || s.BudgetPlaces != 25 || s.AcademicYear != year || s.MunicipalityID.String() == "00000000-0000-0000-0000-000000000000" {
		t.Fatalf("the specialty: %+v", s)
	}
	code, body := a.Call(http.MethodPost, api+"/specialties", "ministry", specialty("{college}", year, "09.02.07"))
	a.Refused(code, body, http.StatusBadRequest, string(collegeapi.ReasonDuplicate))
	code, body = a.Call(http.MethodPost, api+"/specialties", "ministry", specialty("{school1}", year, "15.02.16"))
	a.Refused(code, body, http.StatusBadRequest, string(collegeapi.ReasonKind))
	for field, b := range map[string]string{
		"code":          specialty("{college}", year, "9.2.7"),
		"academic_year": specialty("{college}", year+5, "15.02.16"),
	} {
		code, body := a.Call(http.MethodPost, api+"/specialties", "ministry", b)
		if p := a.Refused(code, body, http.StatusBadRequest, ""); len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %+v", field, p)
		}
	}
	client := collegeapi.New(httpx.InProcess(collegeapi.Name, a.Sys))
	list, err := client.Specialties(t.Context(), s.OrganisationID, year)
	if err != nil || len(list) != 1 || list[0].ID != s.ID {
		t.Fatalf("the college's specialties: %+v %v", list, err)
	}
}

// TestAuthorizationMatrix: every route × every fixture login.
func TestAuthorizationMatrix(t *testing.T) {
	a, year := newAPI(t)
	var rows []authtest.Case
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/specialties", api+"/specialties", "", 200, map[string]int{"": 200})...)
	// The ministry opens it first; the college's director is let in to find
	// it there (the duplicate is found after the permission), and opens
	// another.
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/specialties", api+"/specialties", specialty("{college}", year, "23.02.07"), 403,
		map[string]int{"ministry": 201, "college-director-1": 400, "director-s1": 404, "kg-director-1": 404, "": 401})...)
	rows = append(rows, authtest.Case{Route: "POST " + api + "/specialties", Path: api + "/specialties", Login: "college-director-1", Status: 201,
		Body: specialty("{college}", year, "44.02.01")})
	rows = append(rows, admissionRows(t, a, year)...)
	authtest.Run(t, rows, a.Sys.Function(collegeapi.Name).(interface{ Routes() []httpx.Route }).Routes(), a.Call)
}

// admissionRows are the admission's rows of the matrix: the ministry opens
// the college's campaign and parent1 applies for student1; the applicant
// (or the parent) alone reaches the application, the college's admissions
// office alone its list and orders, and anyone the public lists.
func admissionRows(t *testing.T, a *ekotest.API, year int) []authtest.Case {
	i, _ := a.Sys.Fixtures.Identity("student1")
	a.IDs["{student1}"] = a.Sys.Person(t, i)
	it, design := openAdmission(t, a, a.IDs["{college}"], year)
	var app collegeapi.Application
	apply := application(a.IDs["{college}"], "{student1}", "4,5", it, design)
	a.Must(http.MethodPost, api+"/admission/applications", "parent1", apply, http.StatusCreated, &app)
	a.IDs["{app}"], a.IDs["{it}"] = app.ID.String(), it.ID.String()
	applicants := map[string]int{"parent1": 200, "student1": 200, "parent2": 404, "student2": 404, "guardian1": 404, "": 401}
	office := map[string]int{"college-director-1": 200, "director-s1": 404, "kg-director-1": 404, "": 401}
	with := func(m map[string]int, login string, code int) map[string]int {
		out := map[string]int{login: code}
		for k, v := range m {
			if k != login {
				out[k] = v
			}
		}
		return out
	}
	var rows []authtest.Case
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/access", api+"/access", "", 200, nil)...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/admission/campaigns", api+"/admission/campaigns", "", 200, map[string]int{"": 200})...)
	rows = append(rows, authtest.Expect(everyone, "PUT "+api+"/admission/campaigns", api+"/admission/campaigns", campaign("{college}", year, 2, false), 403,
		map[string]int{"ministry": 200, "college-director-1": 200, "director-s1": 404, "kg-director-1": 404, "": 401})...)
	// The applications' list is the office's by organisation (an applicant
	// passes the route and is not found there) and the applicant's by person.
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/admission/applications", api+"/admission/applications?organisation={college}", "", 403,
		with(with(with(with(with(office, "parent1", 404), "student1", 404), "parent2", 404), "student2", 404), "guardian1", 404))...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/admission/applications", api+"/admission/applications?applicant={student1}", "", 403,
		with(with(with(applicants, "director-s1", 404), "kg-director-1", 404), "college-director-1", 404))...)
	// The same application again is the one filed (200), for the applicant
	// and the parent alike.
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/admission/applications", api+"/admission/applications", apply, 403, applicants)...)
	rows = append(rows, authtest.Expect(everyone, "PATCH "+api+"/admission/applications/{id}", api+"/admission/applications/{app}", `{"average_mark":"4.5"}`, 403, office)...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/admission/applications/{id}/consent", api+"/admission/applications/{app}/consent",
		`{"specialty_id":"{it}"}`, 403, applicants)...)
	rows = append(rows, authtest.Expect(everyone, "DELETE "+api+"/admission/applications/{id}/consent", api+"/admission/applications/{app}/consent", "", 403, applicants)...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/admission/lists/{id}", api+"/admission/lists/{it}", "", 200, map[string]int{"": 200})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/admission/orders", api+"/admission/orders?organisation={college}", "", 403, office)...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/admission/orders", api+"/admission/orders", `{"specialty_id":"{it}","group_name":"ИСП-27-1"}`, 403,
		with(office, "college-director-1", 201))...)
	rows = append(rows, authtest.Case{Route: "POST " + api + "/events", Path: api + "/events", Login: "ministry", Status: 403, Body: "{}"})
	return rows
}
