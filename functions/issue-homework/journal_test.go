package issuehomework_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// A mark for a lesson in a closed period is never lost: the review shows
// «не выставлено в журнал: период закрыт», and the director's permit places
// it, once.
func TestHomeworkMarkWaitsForAPermit(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, `,"marked":true`)
	hw := api + "/homework/" + h.ID.String()
	v := w.submitted(hw)

	// The period of the lesson's date is closed before the review.
	lessonDay, err := time.Parse(time.DateOnly, h.LessonDate)
	if err != nil {
		t.Fatal(err)
	}
	year := kuzbass.AcademicYearOf(lessonDay)
	var periods struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	w.Must(http.MethodPost, "/api/post-grade/periods", "director-s1", fmt.Sprintf(`{"organisation_id":"{school1}","academic_year":%d,"kind":"semester",
		"periods":[{"starts_on":"%d-09-01","ends_on":%q},{"starts_on":%q,"ends_on":"%d-05-31"}]}`, year, year,
		lessonDay.AddDate(0, 0, 3).Format(time.DateOnly), lessonDay.AddDate(0, 0, 4).Format(time.DateOnly), year+1), 201, &periods)
	w.ids["{p1}"] = periods.Items[0].ID
	w.Must(http.MethodPost, "/api/post-grade/periods/{p1}/close", "director-s1", "", 204, nil)

	var rs issuehomeworkapi.Submission
	w.Must(http.MethodPost, api+"/submissions/"+v.Submission.ID.String()+"/review", "teacher-s1",
		fmt.Sprintf(`{"decision":"accepted","mark":5,"version":%d}`, v.Submission.Version), 200, &rs)
	w.sys.Deliver(t)
	w.Must(http.MethodGet, hw, "parent1", "", 200, &v)
	if rv := v.Submission.Reviews[0]; rv.Journal != issuehomeworkapi.JournalDeferred || rv.JournalTitle != "не выставлено в журнал: период закрыт" {
		t.Fatalf("the review in a closed period: %+v", rv)
	}
	if n := w.Count(`SELECT count(*) FROM journal.marks WHERE homework_id = $1`, h.ID); n != 0 {
		t.Fatalf("%d marks written into a closed period", n)
	}

	// The director's permit for the assignment places it.
	w.ids["{asg}"] = w.One(`SELECT assignment_id::text FROM journal.lessons WHERE id = $1`, w.ids["{l1}"])
	var permit struct {
		Placed int `json:"homework_marks_placed"`
	}
	w.Must(http.MethodPost, "/api/post-grade/periods/{p1}/permits", "director-s1", `{"assignment_id":"{asg}","reason":"проверка домашних работ","hours":2}`, 201, &permit)
	if permit.Placed != 1 {
		t.Fatalf("the permit placed %d homework marks", permit.Placed)
	}
	w.sys.Deliver(t)
	if n := w.Count(`SELECT count(*) FROM journal.marks m JOIN journal.mark_history h ON h.mark_id = m.id
		WHERE m.homework_id = $1 AND m.value = 5 AND h.permit_id IS NOT NULL`, h.ID); n != 1 {
		t.Fatalf("%d marks placed under the permit", n)
	}
	if n := w.Count(`SELECT count(*) FROM journal.deferred_homework_marks`); n != 0 {
		t.Fatalf("%d marks still waiting", n)
	}
	w.Must(http.MethodGet, hw, "parent1", "", 200, &v)
	if rv := v.Submission.Reviews[0]; rv.Journal != issuehomeworkapi.JournalPlaced {
		t.Fatalf("the review after the permit: %+v", rv)
	}
}

// A re-review whose event reaches the journal before the first review's:
// the newer mark stands, placed once, and the older review is told
// «superseded», not left waiting.
func TestReviewsReachTheJournalOutOfOrder(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, `,"marked":true`)
	hw := api + "/homework/" + h.ID.String()
	v := w.submitted(hw)
	review := api + "/submissions/" + v.Submission.ID.String() + "/review"
	var first, second issuehomeworkapi.Submission
	w.Must(http.MethodPost, review, "teacher-s1", fmt.Sprintf(`{"decision":"accepted","mark":5,"version":%d}`, v.Submission.Version), 200, &first)
	w.Must(http.MethodPost, review, "teacher-s1", fmt.Sprintf(`{"decision":"accepted","mark":4,"version":%d}`, first.Version), 200, &second)
	newer := w.One(`SELECT id::text FROM platform.outbox WHERE type = $1 AND data->>'review_id' = $2`, issuehomeworkapi.EventReviewed, second.Reviews[0].ID.String())
	if code, body := w.redeliver(newer, "/api/post-grade/events"); code != http.StatusNoContent {
		t.Fatalf("the re-review first: %d %s", code, body)
	}
	w.sys.Deliver(t) // then everything else, the first review among it
	if n := w.Count(`SELECT count(*) FROM journal.marks WHERE homework_id = $1 AND value = 4 AND version = 1`, h.ID); n != 1 {
		t.Fatal("the re-review's mark is not the one placed, once")
	}
	if n := w.Count(`SELECT count(*) FROM journal.mark_history h JOIN journal.marks m ON m.id = h.mark_id WHERE m.homework_id = $1`, h.ID); n != 1 {
		t.Fatalf("%d history rows: the older review changed the mark", n)
	}
	w.Must(http.MethodGet, hw, "student1", "", 200, &v)
	got := map[int]string{}
	for _, rv := range v.Submission.Reviews {
		got[*rv.Mark] = rv.Journal
	}
	if got[4] != issuehomeworkapi.JournalPlaced || got[5] != issuehomeworkapi.JournalSuperseded {
		t.Fatalf("the reviews' journal states: %v", got)
	}
}

// Only EKO's own event delivery may post a review to the journal: a service
// account of the identity provider (EPGU's) forging one is refused, and no
// mark is placed.
func TestForgedReviewsAreRefused(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, `,"marked":true`)
	mark := 5
	data, _ := json.Marshal(issuehomeworkapi.ReviewedEvent{ReviewID: uuid.New(), HomeworkID: h.ID, SubmissionID: uuid.New(),
		PupilID: uuid.MustParse(w.ids["{student1}"]), LessonID: h.LessonID, Attempt: 1, Decision: issuehomeworkapi.Accept, Mark: &mark,
		MarkKind: "homework", ReviewerID: h.TeacherID, ReviewedAt: time.Now()})
	for path, typ := range map[string]string{"/api/post-grade/events": issuehomeworkapi.EventReviewed, api + "/events": "ru.kuzbass.eko.homework-mark.recorded.v1"} {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(data))
		for k, v := range map[string]string{"Content-Type": "application/json", "Ce-Specversion": "1.0", "Ce-Type": typ,
			"Ce-Source": "/eko/issue-homework", "Ce-Id": uuid.NewString(), "Authorization": "Bearer " + w.sys.ServiceToken(t, "epgu")} {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		w.sys.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("%s from EPGU's service account: %d %s", path, rec.Code, rec.Body)
		}
	}
	if n := w.Count(`SELECT count(*) FROM journal.marks WHERE homework_id = $1`, h.ID); n != 0 {
		t.Fatal("a forged review placed a mark")
	}
}
