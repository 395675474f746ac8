package kdn_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/inbox/inboxtest"
)

const api = "/api/kdn"

var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

func newAPI(t *testing.T) *ekotest.API {
	w := ekotest.Open(t, ekotest.Options{Seed: 9})
	a := &ekotest.API{T: t, Sys: w, IDs: map[string]string{}}
	for _, i := range w.Fixtures.Identities {
		if !i.NoAccount {
			a.Must(http.MethodGet, "/api/registry/me", i.Login, "", http.StatusOK, nil)
			a.IDs["{"+i.Login+"}"] = w.Person(t, i)
		}
	}
	a.IDs["{school1}"] = w.Organisation(t, "school-1-kemerovo")
	return a
}

// absence delivers the journal's absence.chronic for student1, as the relay does.
func absence(t *testing.T, a *ekotest.API, id string, absences int) {
	t.Helper()
	b, _ := json.Marshal(postgradeapi.AbsenceEvent{StudentID: a.IDs["{student1}"], ClassID: "00000000-0000-0000-0000-000000000006",
		OrganisationID: a.IDs["{school1}"], From: "2026-11-01", To: "2026-11-30", Absences: absences, Unexcused: absences - 2, Lessons: 60, Threshold: 0.3})
	if code, body := inboxtest.Deliver(t, a.Sys, api+"/events", inboxtest.Event{ID: id, Source: "/eko/post-grade", Type: postgradeapi.EventAbsenceChronic, Data: b}); code >= 300 {
		t.Fatalf("deliver: %d %s", code, body)
	}
}

// The journal's unexcused-absence streak opens student1's case with its
// days (once, however often it is delivered); a chronic absence joins it;
// the export carries the days and nothing of the pupil's name.
func TestCaseFromAbsenceStreak(t *testing.T) {
	a := newAPI(t)
	b, _ := json.Marshal(postgradeapi.AbsenceStreakEvent{StudentID: a.IDs["{student1}"], ClassID: "00000000-0000-0000-0000-000000000006",
		OrganisationID: a.IDs["{school1}"], From: "2026-11-24", To: "2026-11-26", Days: 3})
	for range 2 {
		if code, body := inboxtest.Deliver(t, a.Sys, api+"/events", inboxtest.Event{ID: "streak-1", Source: "/eko/post-grade",
			Type: postgradeapi.EventAbsenceStreak, Data: b}); code >= 300 {
			t.Fatalf("deliver: %d %s", code, body)
		}
	}
	var list []kdnapi.Case
	a.Must(http.MethodGet, api+"/cases", "kdn-kemerovo", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].Reason != kdnapi.SignalAbsenceStreak {
		t.Fatalf("the commission's cases: %+v", list)
	}
	absence(t, a, "ev-1", 21)
	var c kdnapi.Case
	a.Must(http.MethodGet, api+"/cases/"+list[0].ID.String(), "kdn-kemerovo", "", http.StatusOK, &c)
	if len(c.Signals) != 2 || c.Signals[0].Kind != kdnapi.SignalAbsenceStreak || c.Signals[0].Days != 3 || c.Signals[0].From != "2026-11-24" ||
		c.Signals[1].Kind != kdnapi.SignalChronicAbsence {
		t.Fatalf("the case's signals: %+v", c.Signals)
	}
	var x kdnapi.Export
	a.Must(http.MethodGet, api+"/export", "kdn-kemerovo", "", http.StatusOK, &x)
	if len(x.Cases) != 1 || x.Cases[0].Reason != kdnapi.SignalAbsenceStreak || x.Cases[0].Signals[0].Days != 3 {
		t.Fatalf("the export: %+v", x)
	}
}

// The journal's chronic absence opens student1's case for Kemerovo's
// commission (once, however often it is delivered); the school's referral
// joins it; the commission decides on measures (a stale version is a 409),
// the school reports, the commission closes it; every read and step is in
// the pupil's audit log. The parent sees that a case exists and its state,
// nothing of its notes; the ministry and the education authority see
// nothing of it. A signal after closing opens a new case.
func TestCaseFromChronicAbsence(t *testing.T) {
	a := newAPI(t)
	absence(t, a, "ev-1", 21)
	absence(t, a, "ev-1", 21)
	var list []kdnapi.Case
	a.Must(http.MethodGet, api+"/cases", "kdn-kemerovo", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].State != kdnapi.Open || list[0].Reason != kdnapi.SignalChronicAbsence || list[0].PupilID.String() != a.IDs["{student1}"] {
		t.Fatalf("the commission's cases: %+v", list)
	}
	id := list[0].ID.String()
	var c kdnapi.Case
	a.Must(http.MethodGet, api+"/cases/"+id, "kdn-kemerovo", "", http.StatusOK, &c)
	if len(c.Signals) != 1 || c.Signals[0].Absences != 21 || c.Signals[0].By != "system:post-grade" || c.MunicipalityID == nil {
		t.Fatalf("the case: %+v", c)
	}
	if c.Pupil == nil || !strings.HasPrefix(c.Pupil.FullName, "Соколов") || c.Pupil.BirthDate != "2015-05-20" || c.Pupil.School == "" || c.Pupil.Class == "" {
		t.Fatalf("the pupil on the case: %+v", c.Pupil)
	}
	a.Must(http.MethodPost, api+"/referrals", "director-s1", `{"pupil_id":"{student1}","organisation_id":"{school1}",
		"statement":"Ученик систематически пропускает уроки без уважительной причины; беседы с семьёй не помогли."}`, http.StatusCreated, &c)
	if c.ID.String() != id || len(c.Signals) != 2 || c.Signals[1].Kind != kdnapi.SignalReferral || c.Version != 2 {
		t.Fatalf("the referral joined: %+v", c)
	}
	decision := `{"version":%d,"meeting_on":"2026-12-10","text":"Поставить на профилактический учёт","measures":[
		{"measure":"Индивидуальная профилактическая работа с семьёй","responsible":"МБОУ «СОШ № 1»","deadline":"2027-02-01"}]}`
	code, body := a.Call(http.MethodPost, api+"/cases/"+id+"/decisions", "kdn-kemerovo", fmt.Sprintf(decision, 1))
	a.Refused(code, body, http.StatusConflict, "")
	code, body = a.Call(http.MethodPost, api+"/cases/"+id+"/decisions", "kdn-kemerovo", `{"version":2,"meeting_on":"2026-12-10","text":"x","measures":[]}`)
	a.Refused(code, body, http.StatusBadRequest, "required")
	a.Must(http.MethodPost, api+"/cases/"+id+"/decisions", "kdn-kemerovo", fmt.Sprintf(decision, 2), http.StatusOK, &c)
	if c.State != kdnapi.Decided || len(c.Decisions) != 1 || len(c.Decisions[0].Measures) != 1 {
		t.Fatalf("decided: %+v", c)
	}
	a.Must(http.MethodPost, api+"/cases/"+id+"/reports", "director-s1", `{"text":"Проведены две беседы с родителями, пропусков за неделю нет"}`, http.StatusOK, &c)
	if len(c.Reports) != 1 {
		t.Fatalf("the report: %+v", c)
	}

	// What a parent sees: the case and its state, nothing else.
	code, body = a.Call(http.MethodGet, api+"/children/{student1}/referrals", "parent1", "")
	if code != http.StatusOK || !strings.Contains(body, `"state":"decided"`) || strings.Contains(body, "учёт") || strings.Contains(body, "беседы") {
		t.Fatalf("parent1's view: %d %s", code, body)
	}
	for _, login := range []string{"ministry", "mun-kemerovo", "teacher-s1", "opeka-kemerovo"} {
		if code, _ := a.Call(http.MethodGet, api+"/cases/"+id, login, ""); code != http.StatusNotFound && code != http.StatusForbidden {
			t.Errorf("%s reads the case: %d", login, code)
		}
	}
	a.Must(http.MethodPost, api+"/cases/"+id+"/close", "kdn-kemerovo", fmt.Sprintf(`{"version":%d,"outcome":"Пропусков нет два месяца, снят с учёта"}`, c.Version), http.StatusOK, &c)
	if c.State != kdnapi.Closed || c.ClosedAt == nil {
		t.Fatalf("closed: %+v", c)
	}
	code, body = a.Call(http.MethodPost, api+"/cases/"+id+"/reports", "director-s1", `{"text":"ещё один отчёт"}`)
	a.Refused(code, body, http.StatusConflict, "")
	for typ, want := range map[string]int{kdnapi.EventCaseOpened: 1, kdnapi.EventCaseDecided: 1, kdnapi.EventCaseClosed: 1} {
		if n := a.Count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject = $2`, typ, id); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
	if n := a.Count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject = $2 AND data::text LIKE '%учёт%'`, kdnapi.EventCaseDecided, id); n != 0 {
		t.Errorf("the decision's text in an event")
	}
	// Reads (the list, the case), the referral, the decision, the report, the closing.
	if n := a.Count(`SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object LIKE 'kdn.%'`, a.IDs["{student1}"]); n < 7 {
		t.Errorf("%d audit records of the case", n)
	}
	// The export for the federal prevention system: ids, dates, kinds and
	// measures; no name, statement or decision's text.
	var x kdnapi.Export
	a.Must(http.MethodGet, api+"/export", "kdn-kemerovo", "", http.StatusOK, &x)
	raw, _ := json.Marshal(x)
	if len(x.Cases) != 1 || len(x.Cases[0].Signals) != 2 || len(x.Cases[0].Decisions) != 1 || x.Cases[0].Reports != 1 || x.Cases[0].State != kdnapi.Closed ||
		strings.Contains(string(raw), "Соколов") || strings.Contains(string(raw), "систематически") || strings.Contains(string(raw), "учёт") {
		t.Fatalf("the export: %s", raw)
	}
	if n := a.Count(`SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND action = 'export' AND object = 'kdn.case'`, a.IDs["{student1}"]); n != 1 {
		t.Fatalf("%d export records", n)
	}
	absence(t, a, "ev-2", 25)
	a.Must(http.MethodGet, api+"/cases", "kdn-kemerovo", "", http.StatusOK, &list)
	if len(list) != 2 || list[0].State != kdnapi.Open || list[0].ID.String() == id {
		t.Fatalf("after closing, a new signal: %+v", list)
	}
}

// TestAuthorizationMatrix: every route × every fixture login.
func TestAuthorizationMatrix(t *testing.T) {
	a := newAPI(t)
	absence(t, a, "ev-m", 21)
	id := a.One(`SELECT id::text FROM kdn.cases LIMIT 1`)
	cs := api + "/cases/" + id
	var rows []authtest.Case
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/access", api+"/access", "", 200, map[string]int{"": 401})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/cases", api+"/cases", "", 403,
		map[string]int{"kdn-kemerovo": 200, "director-s1": 200, "kg-director-1": 200, "college-director-1": 200, "": 401})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/cases/{id}", cs, "", 404, map[string]int{"kdn-kemerovo": 200, "director-s1": 200, "": 401})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/cases/{id}/reports", cs+"/reports", `{"text":"Беседа проведена"}`, 403,
		map[string]int{"director-s1": 200, "kg-director-1": 404})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/cases/{id}/decisions", cs+"/decisions", `{"version":2,"meeting_on":"2026-12-10","text":"Решение",
		"measures":[{"measure":"Беседа с семьёй","responsible":"Школа","deadline":"2027-01-10"}]}`, 403, map[string]int{"kdn-kemerovo": 200})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/cases/{id}/close", cs+"/close", `{"version":3,"outcome":"Снят с учёта"}`, 403,
		map[string]int{"kdn-kemerovo": 200})...)
	rows = append(rows, authtest.Expect(everyone, "POST "+api+"/referrals", api+"/referrals", `{"pupil_id":"{student1}","organisation_id":"{school1}",
		"statement":"Систематические пропуски без уважительной причины"}`, 403, map[string]int{"director-s1": 201, "kg-director-1": 404})...)
	// Every person may ask of a child; only the child and the parents are answered.
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/children/{id}/referrals", api+"/children/{student1}/referrals", "", 404,
		map[string]int{"parent1": 200, "student1": 200, "": 401})...)
	rows = append(rows, authtest.Expect(everyone, "GET "+api+"/export", api+"/export", "", 403, map[string]int{"kdn-kemerovo": 200, "": 401})...)
	rows = append(rows, authtest.Case{Route: "POST " + api + "/events", Path: api + "/events", Login: "ministry", Status: 403, Body: "{}"})
	authtest.Run(t, rows, a.Sys.Function(kdnapi.Name).(interface{ Routes() []httpx.Route }).Routes(), a.Call)
}
