package guardianship_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/inbox/inboxtest"
	"github.com/kuzbass/eko/shared/kuzbass"
)

const api = "/api/guardianship"

var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

// newWard is a world where the guardianship authority of Kemerovo has made
// teacher-s1 student1's guardian, and the relay has delivered the registry's
// announcements.
func newWard(t *testing.T) *ekotest.API {
	w := ekotest.Open(t, ekotest.Options{Seed: 13})
	a := &ekotest.API{T: t, Sys: w, IDs: map[string]string{}}
	for _, i := range w.Fixtures.Identities {
		if !i.NoAccount {
			a.Must(http.MethodGet, "/api/registry/me", i.Login, "", http.StatusOK, nil)
			a.IDs["{"+i.Login+"}"] = w.Person(t, i)
		}
	}
	a.IDs["{school1}"] = w.Organisation(t, "school-1-kemerovo")
	a.IDs["{school3}"] = w.Organisation(t, "school-3-novokuznetsk")
	a.Must(http.MethodPost, "/api/registry/parent-links", "opeka-kemerovo", `{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"guardian",
		"kind":"guardian","document":"Постановление администрации г. Кемерово № 1234 от 02.12.2026"}`, http.StatusCreated, nil)
	w.Deliver(t)
	return a
}

func deliver(t *testing.T, a *ekotest.API, id, typ string, data any) {
	t.Helper()
	b, _ := json.Marshal(data)
	if code, body := inboxtest.Deliver(t, a.Sys, api+"/events", inboxtest.Event{ID: id, Source: "/eko/test", Type: typ, Data: b}); code >= 300 {
		t.Fatalf("deliver %s: %d %s", typ, code, body)
	}
}

// Kemerovo's guardianship official sees student1 as a ward from the
// registry's act; the journal's chronic absence raises a task with its
// deadline (another child's raises none); the official records a visit and
// closes the task; an enrollment ended with no new one raises the «left
// school» task, which a new enrollment closes; every read and note is in
// the ward's audit log.
func TestWardsAndTheirTasks(t *testing.T) {
	a := newWard(t)
	student1 := a.IDs["{student1}"]
	var list []guardianshipapi.WardLine
	a.Must(http.MethodGet, api+"/wards", "opeka-kemerovo", "", http.StatusOK, &list)
	kemerovo := a.Count(`SELECT count(DISTINCT l.child_id) FROM registry.parent_links l JOIN registry.enrollments e ON e.person_id = l.child_id
		JOIN registry.organisations o ON o.id = e.organisation_id WHERE l.kind = 'guardian' AND o.municipality_id = $1 AND e.ends_on IS NULL`,
		a.One(`SELECT municipality_id::text FROM registry.organisations WHERE code = 'school-1-kemerovo'`))
	var mine *guardianshipapi.WardLine
	for i := range list {
		if list[i].ChildID.String() == student1 {
			mine = &list[i]
		}
	}
	if len(list) != kemerovo || mine == nil || mine.OpenTasks != 0 || len(mine.Studies) == 0 {
		t.Fatalf("the wards (%d in Kemerovo): %+v", kemerovo, list)
	}
	absence := func(id, student string) {
		deliver(t, a, id, postgradeapi.EventAbsenceChronic, postgradeapi.AbsenceEvent{StudentID: student, ClassID: "00000000-0000-0000-0000-000000000006",
			OrganisationID: a.IDs["{school1}"], From: "2026-11-01", To: "2026-11-30", Absences: 24, Unexcused: 20, Lessons: 70, Threshold: 0.3})
	}
	absence("abs-1", student1)
	absence("abs-1", student1)
	absence("abs-2", a.IDs["{student2}"])
	if n := a.Count(`SELECT count(*) FROM guardianship.tasks`); n != 1 {
		t.Fatalf("%d tasks from two children's absences, one a ward's, one delivered twice", n)
	}
	var file guardianshipapi.WardFile
	a.Must(http.MethodGet, api+"/wards/{student1}", "opeka-kemerovo", "", http.StatusOK, &file)
	due := kuzbass.Date(time.Now()).AddDate(0, 0, 7).Format(time.DateOnly)
	if file.Kind != "guardian" || len(file.Tasks) != 1 || file.Tasks[0].Kind != guardianshipapi.TaskAbsence || file.Tasks[0].DueOn != due ||
		!strings.Contains(file.Tasks[0].Details, "24 пропусков из 70") || !strings.HasPrefix(file.FullName, "Соколов") {
		t.Fatalf("the ward's file: %+v", file)
	}
	code, body := a.Call(http.MethodPost, api+"/wards/{student1}/notes", "opeka-kemerovo", `{"kind":"visit","text":"Посещение семьи","visited_on":"2099-01-01"}`)
	a.Refused(code, body, http.StatusBadRequest, "range")
	a.Must(http.MethodPost, api+"/wards/{student1}/notes", "opeka-kemerovo", `{"kind":"visit","text":"Посещение семьи: условия удовлетворительные, опекун объяснил пропуски болезнью",
		"visited_on":"`+kuzbass.Date(time.Now()).Format(time.DateOnly)+`"}`, http.StatusCreated, &file)
	if len(file.Notes) != 1 || file.Notes[0].Kind != guardianshipapi.NoteVisit {
		t.Fatalf("the visit: %+v", file.Notes)
	}
	task := file.Tasks[0].ID
	a.Must(http.MethodPost, api+"/tasks/"+itoa(task)+"/done", "opeka-kemerovo", `{"outcome":"Семья посещена, пропуски по болезни"}`, http.StatusOK, &file)
	code, body = a.Call(http.MethodPost, api+"/tasks/"+itoa(task)+"/done", "opeka-kemerovo", `{"outcome":"ещё раз"}`)
	a.Refused(code, body, http.StatusConflict, "")

	// student1 leaves school No. 1; no new enrollment: the task is due in 10 days.
	enrollment := a.One(`SELECT id::text FROM registry.enrollments WHERE person_id = $1`, student1)
	yesterday := kuzbass.Date(time.Now()).AddDate(0, 0, -1).Format(time.DateOnly)
	ended := registryapi.EnrollmentChangedEvent{EnrollmentEvent: registryapi.EnrollmentEvent{EnrollmentID: enrollment, PersonID: student1,
		OrganisationID: a.IDs["{school1}"], AcademicYear: 2026, StartsOn: "2026-09-01", EndsOn: &yesterday}, Fields: []string{"ends_on"}}
	deliver(t, a, "enr-1", registryapi.EventEnrollmentChanged, ended)
	a.Must(http.MethodGet, api+"/wards/{student1}", "opeka-kemerovo", "", http.StatusOK, &file)
	if len(file.Tasks) != 2 || file.Tasks[0].Kind != guardianshipapi.TaskLeftSchool || file.Tasks[0].State != guardianshipapi.TaskOpen {
		t.Fatalf("after leaving school: %+v", file.Tasks)
	}
	deliver(t, a, "enr-2", registryapi.EventEnrollmentCreated, registryapi.EnrollmentEvent{EnrollmentID: "0191c0de-0000-7000-8000-000000000001",
		PersonID: student1, OrganisationID: a.IDs["{school3}"], AcademicYear: 2026, StartsOn: kuzbass.Date(time.Now()).Format(time.DateOnly)})
	if n := a.Count(`SELECT count(*) FROM guardianship.tasks WHERE kind = 'left_school' AND state = 'done' AND done_by = 'system:registry'`); n != 1 {
		t.Fatalf("a new enrollment did not close the task")
	}
	// The file's history: the new school now, the old one ended yesterday.
	var now guardianshipapi.WardFile
	a.Must(http.MethodGet, api+"/wards/{student1}", "opeka-kemerovo", "", http.StatusOK, &now)
	if e := now.Enrollments; len(e) != 2 || e[0].OrganisationID.String() != a.IDs["{school3}"] || e[0].EndsOn != "" ||
		e[1].OrganisationID.String() != a.IDs["{school1}"] || e[1].EndsOn != yesterday {
		t.Fatalf("the enrollments: %+v", e)
	}
	if n := a.Count(`SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object LIKE 'guardianship.%'`, student1); n != 6 {
		t.Fatalf("%d audit records of the ward's file", n)
	}
}

// A ward's term marks: a «2» opens the period's «low marks» task naming the
// subject, a second subject joins it, an older confirmation delivered late
// changes nothing, another child's «2» raises nothing; when the teacher
// corrects both marks the task closes by itself, and a new «2» reopens it.
func TestLowTermMarks(t *testing.T) {
	a := newWard(t)
	student1 := a.IDs["{student1}"]
	period := "0191c0de-0000-7000-8000-00000000a001"
	maths, russian := "0191c0de-0000-7000-8000-00000000b001", "0191c0de-0000-7000-8000-00000000b002"
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	n := 0
	mark := func(student, subject string, value int, confirmed time.Time) {
		n++
		deliver(t, a, "tm-"+itoa(int64(n)), postgradeapi.EventTermMarkConfirmed, postgradeapi.TermMarkEvent{StudentID: student, SubjectID: subject,
			ClassID: "00000000-0000-0000-0000-000000000006", PeriodID: period, Value: &value, ConfirmedAt: confirmed.Format(time.RFC3339Nano)})
	}
	task := func() (out guardianshipapi.Task) {
		t.Helper()
		var file guardianshipapi.WardFile
		a.Must(http.MethodGet, api+"/wards/{student1}", "opeka-kemerovo", "", http.StatusOK, &file)
		for _, x := range file.Tasks {
			if x.Kind == guardianshipapi.TaskLowMarks {
				if out.ID != 0 {
					t.Fatalf("two «low marks» tasks for one period: %+v", file.Tasks)
				}
				out = x
			}
		}
		return out
	}
	mark(student1, maths, 2, at)
	mark(student1, russian, 3, at)
	mark(a.IDs["{student2}"], maths, 2, at)
	if x := task(); x.State != guardianshipapi.TaskOpen || len(x.Subjects) != 1 || x.Subjects[0].String() != maths || !strings.Contains(x.Details, "1 предмет") {
		t.Fatalf("after a «2» in maths: %+v", x)
	}
	mark(student1, russian, 2, at.Add(time.Hour))
	mark(student1, russian, 5, at.Add(-time.Hour)) // an older confirmation, delivered late
	if x := task(); len(x.Subjects) != 2 || !strings.Contains(x.Details, "2 предмета") {
		t.Fatalf("after a «2» in Russian: %+v", x)
	}
	if n := a.Count(`SELECT count(*) FROM guardianship.term_marks WHERE child_id <> $1`, student1); n != 0 {
		t.Fatalf("%d marks of children who are not wards kept", n)
	}
	mark(student1, russian, 3, at.Add(2*time.Hour))
	mark(student1, maths, 3, at.Add(2*time.Hour))
	if x := task(); x.State != guardianshipapi.TaskDone || x.DoneBy != "system:journal" || len(x.Subjects) != 0 {
		t.Fatalf("after both corrected: %+v", x)
	}
	mark(student1, maths, 2, at.Add(3*time.Hour))
	if x := task(); x.State != guardianshipapi.TaskOpen || len(x.Subjects) != 1 || x.DoneBy != "" {
		t.Fatalf("after a new «2»: %+v", x)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAuthorizationMatrix: every route × every fixture login.
func TestAuthorizationMatrix(t *testing.T) {
	a := newWard(t)
	deliver(t, a, "abs-m", postgradeapi.EventAbsenceChronic, postgradeapi.AbsenceEvent{StudentID: a.IDs["{student1}"], ClassID: "00000000-0000-0000-0000-000000000006",
		OrganisationID: a.IDs["{school1}"], From: "2026-11-01", To: "2026-11-30", Absences: 24, Unexcused: 20, Lessons: 70, Threshold: 0.3})
	task := a.One(`SELECT id::text FROM guardianship.tasks LIMIT 1`)
	var rows []authtest.Case
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/access", api+"/access", "", 200, map[string]int{"": 401})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/wards", api+"/wards", "", 403, map[string]int{"opeka-kemerovo": 200, "": 401})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/wards/{id}", api+"/wards/{student1}", "", 403, map[string]int{"opeka-kemerovo": 200, "": 401})...)
	rows = append(rows, authtest.Case{Route: "GET " + api + "/wards/{id}", Path: api + "/wards/{student2}", Login: "opeka-kemerovo", Status: 404})
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/wards/{id}/notes", api+"/wards/{student1}/notes", `{"kind":"note","text":"Звонок опекуну"}`, 403,
		map[string]int{"opeka-kemerovo": 201, "": 401})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/tasks/{id}/done", api+"/tasks/"+task+"/done", `{"outcome":"Проверено"}`, 403,
		map[string]int{"opeka-kemerovo": 200, "": 401})...)
	rows = append(rows, authtest.Case{Route: "POST " + api + "/events", Path: api + "/events", Login: "ministry", Status: 403, Body: "{}"})
	authtest.Run(t, rows, a.Sys.Function(guardianshipapi.Name).(interface{ Routes() []httpx.Route }).Routes(), a.Call)
}
