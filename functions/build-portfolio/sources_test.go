package buildportfolio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/inbox/inboxtest"
)

// portfolioOf is login's view of person's portfolio, by category.
func (w *world) portfolioOf(login, person string) map[string][]buildportfolioapi.Achievement {
	w.t.Helper()
	var p buildportfolioapi.Portfolio
	w.Must(http.MethodGet, api+"/people/"+person, login, "", http.StatusOK, &p)
	out := map[string][]buildportfolioapi.Achievement{}
	for _, a := range p.Achievements {
		out[a.Category] = append(out[a.Category], a)
	}
	return out
}

// deliver posts an event of EKO's own to build-portfolio, as the relay does.
func (w *world) deliver(id, source, typ string, data any) {
	w.t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		w.t.Fatal(err)
	}
	if code, body := inboxtest.Deliver(w.t, w.sys, api+"/events", inboxtest.Event{ID: id, Source: source, Type: typ, Data: b}); code >= 300 {
		w.t.Fatalf("deliver %s: %d %s", typ, code, body)
	}
}

// ОГЭ results loaded into the journal reach the portfolio through the
// relay, traced to their record and event; a corrected result changes the
// same achievement; a redelivery changes nothing.
func TestExamResultsBecomeAchievements(t *testing.T) {
	w := newWorld(t)
	w.Must(http.MethodPost, "/api/post-grade/organisations/{school1}/exam-results", "director-s1",
		"student_id,kind,subject,date,score,mark\n{student1},oge,Математика,2026-05-20,27,5\n", http.StatusCreated, nil)
	w.sys.Deliver(t)
	got := w.portfolioOf("parent1", "{student1}")["exam"]
	if len(got) != 1 || got[0].Title != "ОГЭ по предмету «Математика»" || got[0].Description != "27 баллов, отметка «5»" ||
		got[0].Source != buildportfolioapi.SourceEKO || got[0].Origin == nil || got[0].Origin.System != "post-grade" || got[0].Origin.EventID == "" ||
		got[0].State != buildportfolioapi.Confirmed || len(got[0].Steps) != 1 || got[0].Steps[0].Actor != "system:post-grade" {
		t.Fatalf("the exam in the portfolio: %+v", got)
	}
	first := got[0]
	w.Must(http.MethodPost, "/api/post-grade/organisations/{school1}/exam-results", "director-s1",
		"student_id,kind,subject,date,score,mark\n{student1},oge,Математика,2026-05-20,29,5\n", http.StatusCreated, nil)
	w.sys.Deliver(t)
	got = w.portfolioOf("parent1", "{student1}")["exam"]
	if len(got) != 1 || got[0].ID != first.ID || got[0].Description != "29 баллов, отметка «5»" || got[0].Version != 2 {
		t.Fatalf("the corrected exam: %+v", got)
	}
	id := w.One(`SELECT id::text FROM platform.outbox WHERE type = $1 ORDER BY seq DESC LIMIT 1`, postgradeapi.EventExamResultRecorded)
	if code, body := w.redeliver(id); code >= 300 {
		t.Fatalf("redelivery: %d %s", code, body)
	}
	if n := w.Count(`SELECT count(*) FROM portfolio.steps WHERE achievement_id = $1`, first.ID); n != 2 {
		t.Fatalf("%d steps after a redelivery, want 2", n)
	}
	// The exam can be exported like any confirmed achievement.
	var c buildportfolioapi.Credential
	w.Must(http.MethodPost, api+"/achievements/"+first.ID.String()+"/credential", "parent1", "", http.StatusCreated, &c)
	if v := w.verified(string(c.Document)); !v.Valid {
		t.Fatalf("%+v", v)
	}
}

// redeliver posts the outbox event id to build-portfolio again.
func (w *world) redeliver(id string) (int, string) {
	w.t.Helper()
	var typ, src string
	var data json.RawMessage
	if err := w.sys.DB.Pool.QueryRow(context.Background(), `SELECT type, source, data FROM platform.outbox WHERE id = $1`, id).Scan(&typ, &src, &data); err != nil {
		w.t.Fatal(err)
	}
	return inboxtest.Deliver(w.t, w.sys, api+"/events", inboxtest.Event{ID: id, Source: src, Type: typ, Data: data})
}

// Five year marks «5» make the pupil «отличник» for the year; a mark
// corrected to «4» withdraws it (with the reason), one corrected back
// restores it, and a confirmation delivered late does not undo a newer one.
func TestYearHonours(t *testing.T) {
	w := newWorld(t)
	pg := events.Source(postgradeapi.Name)
	class := w.One(`SELECT class_id::text FROM portfolio.enrollments WHERE pupil_id = $1`, w.ids["{student1}"])
	base := time.Now().UTC()
	mark := func(n, subject, value int, at time.Time) {
		w.deliver(fmt.Sprintf("0193b6c0-0000-7000-8000-%012d", n), pg, postgradeapi.EventYearMarkConfirmed, postgradeapi.YearMarkEvent{
			StudentID: w.ids["{student1}"], SubjectID: fmt.Sprintf("0193b6c0-0000-7000-8000-%012d", 100+subject), ClassID: class,
			OrganisationID: w.ids["{school1}"], AcademicYear: 2025, Kind: "year", Value: &value, ConfirmedAt: at.Format(time.RFC3339Nano)})
	}
	for s := 1; s <= 4; s++ {
		mark(s, s, 5, base)
	}
	if got := w.portfolioOf("student1", "{student1}")["year_honours"]; len(got) != 0 {
		t.Fatalf("honours from four subjects: %+v", got)
	}
	mark(5, 5, 5, base)
	got := w.portfolioOf("student1", "{student1}")["year_honours"]
	if len(got) != 1 || got[0].Title != "Отличник учёбы, 2025/2026 учебный год" || got[0].State != buildportfolioapi.Confirmed {
		t.Fatalf("honours: %+v", got)
	}
	mark(6, 3, 4, base.Add(time.Minute))
	got = w.portfolioOf("student1", "{student1}")["year_honours"]
	if len(got) != 1 || got[0].State != buildportfolioapi.Withdrawn || got[0].Steps[len(got[0].Steps)-1].Reason == "" {
		t.Fatalf("honours after a «4»: %+v", got)
	}
	mark(7, 3, 5, base.Add(-time.Minute)) // an older confirmation, late
	if got = w.portfolioOf("student1", "{student1}")["year_honours"]; got[0].State != buildportfolioapi.Withdrawn {
		t.Fatalf("a late, older «5» restored honours: %+v", got)
	}
	mark(8, 3, 5, base.Add(2*time.Minute))
	if got = w.portfolioOf("student1", "{student1}")["year_honours"]; got[0].State != buildportfolioapi.Confirmed || got[0].Version != 3 {
		t.Fatalf("honours restored: %+v", got)
	}
}

// An enrolment in an additional-education programme puts the programme
// into the child's portfolio, once.
func TestEnrolmentInAProgramme(t *testing.T) {
	w := newWorld(t)
	ev := submitapplicationapi.StatusChangedEvent{ApplicationID: "0193b6c0-0000-7000-8000-0000000000a1", Number: "ДО-42-000001",
		Service: "additional_education", Channel: "cabinet", Status: "enrolled", PreviousStatus: "registered", EPGUStatusCode: 190,
		EPGUStatusTitle: "Ребёнок зачислен", ChildID: w.ids["{student1}"], OrganisationID: w.ids["{school1}"],
		MunicipalityID: w.One(`SELECT municipality_id::text FROM registry.organisations WHERE id = $1`, w.ids["{school1}"]),
		ProgrammeID:    "0193b6c0-0000-7000-8000-0000000000b1", ProgrammeName: "Робототехника", ChangedAt: time.Now().UTC().Format(time.RFC3339)}
	sa := events.Source(submitapplicationapi.Name)
	w.deliver("0193b6c0-0000-7000-8000-0000000000c1", sa, submitapplicationapi.EventStatusChanged, ev)
	w.deliver("0193b6c0-0000-7000-8000-0000000000c2", sa, submitapplicationapi.EventStatusChanged, ev) // the same fact again
	ev.Service, ev.ApplicationID = "kindergarten", "0193b6c0-0000-7000-8000-0000000000a2"
	w.deliver("0193b6c0-0000-7000-8000-0000000000c3", sa, submitapplicationapi.EventStatusChanged, ev)
	got := w.portfolioOf("parent1", "{student1}")["additional_education"]
	if len(got) != 1 || got[0].Title != "Программа «Робототехника»" || got[0].Origin.Record != "application/0193b6c0-0000-7000-8000-0000000000a1" {
		t.Fatalf("the programme in the portfolio: %+v", got)
	}
}
