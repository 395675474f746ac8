package issuehomework_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// pdf is a small file whose bytes are a PDF's.
var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// The whole way of one homework: the teacher issues it for the class; the
// pupil finds it, uploads a file straight to MinIO (its bytes checked), a
// file that lies about its type is refused and deleted; the pupil submits
// and gets a receipt; the teacher returns it with a comment, a stale review
// is refused; the pupil resubmits; the teacher accepts it with 5; the
// parent sees it; another family sees nothing; homework.reviewed is written
// once with the review.
func TestHomeworkFromIssueToMark(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, `,"marked":true`)
	if h.Status != "issued" || !h.Marked || h.MarkKind != "homework" || !h.SubmissionExpected || h.Version != 1 || !h.MayEdit {
		t.Fatalf("issued: %+v", h)
	}
	if n := w.Count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject = $2`, issuehomeworkapi.EventIssued, h.ID.String()); n != 1 {
		t.Fatalf("%d homework.issued events", n)
	}
	pupils := w.Count(`SELECT count(*) FROM homework.recipients WHERE homework_id = $1`, h.ID)
	if pupils < 2 {
		t.Fatalf("issued to %d pupils; 6А has more", pupils)
	}
	hw := api + "/homework/" + h.ID.String()

	// The pupil's list.
	var list []issuehomeworkapi.Homework
	w.Must(http.MethodGet, api+"/homework?pupil={student1}", "student1", "", 200, &list)
	if len(list) != 1 || list[0].ID != h.ID || list[0].Submission == nil || list[0].Submission.State != issuehomeworkapi.Assigned {
		t.Fatalf("student1's list: %+v", list)
	}

	// A file, uploaded straight to MinIO and confirmed.
	var tk issuehomeworkapi.UploadTicket
	w.Must(http.MethodPost, hw+"/submission/files", "student1", fmt.Sprintf(`{"name":"решение.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), 201, &tk)
	if st := put(t, tk, pdf); st != http.StatusOK {
		t.Fatalf("upload to MinIO: %d", st)
	}
	var file issuehomeworkapi.File
	w.Must(http.MethodPost, api+"/files/"+tk.File.ID.String()+"/confirm", "student1", "", 200, &file)
	if sum := fmt.Sprintf("%x", sha256.Sum256(pdf)); file.State != "clean" || file.SHA256 != sum {
		t.Fatalf("confirmed: %+v, want sha256 %s", file, sum)
	}
	// A file that says it is a picture and is not: refused and deleted.
	lie := []byte("MZ\x90\x00 this is no picture at all, it is something else entirely")
	var tk2 issuehomeworkapi.UploadTicket
	w.Must(http.MethodPost, hw+"/submission/files", "student1", fmt.Sprintf(`{"name":"фото.png","content_type":"image/png","size":%d}`, len(lie)), 201, &tk2)
	if st := put(t, tk2, lie); st != http.StatusOK {
		t.Fatalf("upload to MinIO: %d", st)
	}
	code, body := w.Call(http.MethodPost, api+"/files/"+tk2.File.ID.String()+"/confirm", "student1", "")
	w.Refused(code, body, http.StatusUnprocessableEntity, string(issuehomeworkapi.ReasonFileContent))
	if n := w.Count(`SELECT count(*) FROM homework.files WHERE id = $1 AND state = 'refused' AND refusal <> ''`, tk2.File.ID); n != 1 {
		t.Fatal("the refused file is not recorded as refused")
	}
	if w.inStore(w.One(`SELECT object_key FROM homework.files WHERE id = $1`, tk2.File.ID)) {
		t.Fatal("the refused file is still in MinIO")
	}
	if !w.inStore(w.One(`SELECT object_key FROM homework.files WHERE id = $1`, tk.File.ID)) {
		t.Fatal("the confirmed file is not in MinIO")
	}

	// The text, then the submission with its receipt. The draft the uploads
	// made is at version 0 still: the page that uploaded them saves naming 0.
	var v issuehomeworkapi.Homework
	w.Must(http.MethodPut, hw+"/submission", "student1", `{"text":"Ответы: 1) 12; 2) 7.","version":0}`, 200, &v)
	s := v.Submission
	if s.State != issuehomeworkapi.Draft || s.Version != 1 {
		t.Fatalf("draft: %+v", s)
	}
	w.Must(http.MethodPost, hw+"/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, s.Version), 200, &v)
	s = v.Submission
	if s.State != issuehomeworkapi.Submitted || s.Attempt != 1 || len(s.Receipts) != 1 || s.Late {
		t.Fatalf("submitted: %+v", s)
	}
	if rc := s.Receipts[0]; len(rc.Files) != 1 || rc.Files[0].SHA256 != file.SHA256 || rc.ReceivedAt.IsZero() {
		t.Fatalf("receipt: %+v", rc)
	}
	// A double click: the same version again changes nothing.
	code, body = w.Call(http.MethodPost, hw+"/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, s.Version-1))
	if p := w.Refused(code, body, http.StatusConflict, ""); p.CurrentVersion != s.Version || p.CurrentState != issuehomeworkapi.Submitted {
		t.Fatalf("a second submit: %+v", p)
	}

	// The teacher's list shows who submitted; the work goes back with a comment.
	var cw issuehomeworkapi.ClassWork
	w.Must(http.MethodGet, hw+"/submissions", "teacher-s1", "", 200, &cw)
	if len(cw.Pupils) != pupils || cw.Pupils[0].PupilID.String() != w.ids["{student1}"] || cw.Pupils[0].State != issuehomeworkapi.Submitted ||
		cw.Pupils[1].State != issuehomeworkapi.Assigned {
		t.Fatalf("class work: %d pupils, first %+v", len(cw.Pupils), cw.Pupils[0])
	}
	review := api + "/submissions/" + s.ID.String() + "/review"
	var rs issuehomeworkapi.Submission
	w.Must(http.MethodPost, review, "teacher-s1", fmt.Sprintf(`{"decision":"returned","comment":"Покажите решение второй задачи.","version":%d}`, s.Version), 200, &rs)
	if rs.State != issuehomeworkapi.Returned || len(rs.Reviews) != 1 || rs.Reviews[0].Journal != issuehomeworkapi.JournalNone {
		t.Fatalf("returned: %+v", rs)
	}
	code, body = w.Call(http.MethodPost, review, "teacher-s1", fmt.Sprintf(`{"decision":"accepted","mark":5,"version":%d}`, s.Version))
	if p := w.Refused(code, body, http.StatusConflict, ""); p.CurrentVersion != rs.Version || p.CurrentState != issuehomeworkapi.Returned {
		t.Fatalf("a stale review: %+v", p)
	}

	// The pupil resubmits; the teacher accepts with 5.
	w.Must(http.MethodPut, hw+"/submission", "student1", fmt.Sprintf(`{"text":"Ответы: 1) 12; 2) 7, потому что 21 : 3 = 7.","version":%d}`, rs.Version), 200, &v)
	w.Must(http.MethodPost, hw+"/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, v.Submission.Version), 200, &v)
	if v.Submission.Attempt != 2 || v.Submission.State != issuehomeworkapi.Submitted || len(v.Submission.Receipts) != 2 {
		t.Fatalf("resubmitted: %+v", v.Submission)
	}
	w.Must(http.MethodPost, review, "teacher-s1", fmt.Sprintf(`{"decision":"accepted","mark":5,"version":%d}`, v.Submission.Version), 200, &rs)
	if rs.State != issuehomeworkapi.Accepted || rs.Reviews[0].Mark == nil || *rs.Reviews[0].Mark != 5 || rs.Reviews[0].Attempt != 2 ||
		rs.Reviews[0].Journal != issuehomeworkapi.JournalPending {
		t.Fatalf("accepted: %+v", rs)
	}
	if n := w.Count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND data->>'review_id' = $2 AND (data->>'mark')::int = 5`,
		issuehomeworkapi.EventReviewed, rs.Reviews[0].ID.String()); n != 1 {
		t.Fatalf("%d homework.reviewed events for the acceptance", n)
	}

	// The journal places the mark once, in the lesson's column, and says so.
	w.sys.Deliver(t)
	if n := w.Count(`SELECT count(*) FROM journal.marks WHERE homework_id = $1 AND student_id = $2 AND lesson_id = $3 AND value = 5
		AND kind = 'homework' AND deleted_at IS NULL`, h.ID, w.ids["{student1}"], w.ids["{l1}"]); n != 1 {
		t.Fatalf("%d journal marks for the homework", n)
	}
	if reason := w.One(`SELECT reason FROM journal.mark_history h JOIN journal.marks m ON m.id = h.mark_id WHERE m.homework_id = $1`, h.ID); reason != "домашнее задание, попытка 2" {
		t.Fatalf("the mark's history says %q", reason)
	}
	w.Must(http.MethodGet, hw, "student1", "", 200, &v)
	if rv := v.Submission.Reviews[0]; rv.Journal != issuehomeworkapi.JournalPlaced || rv.JournalTitle != "выставлено в журнал" {
		t.Fatalf("the review after the journal answered: %+v", rv)
	}
	// The event delivered again has no second effect.
	reviewed := w.One(`SELECT id::text FROM platform.outbox WHERE type = $1 AND data->>'review_id' = $2`, issuehomeworkapi.EventReviewed, rs.Reviews[0].ID.String())
	if code, body := w.redeliver(reviewed, "/api/post-grade/events"); code != http.StatusNoContent {
		t.Fatalf("redelivery: %d %s", code, body)
	}
	if n := w.Count(`SELECT count(*) FROM journal.marks WHERE homework_id = $1`, h.ID); n != 1 {
		t.Fatalf("%d journal marks after a redelivery", n)
	}
	// The diary shows the 5, once.
	var diary postgradeapi.DiaryView
	w.Must(http.MethodGet, "/api/post-grade/diary/{student1}?from="+h.LessonDate, "parent1", "", 200, &diary)
	fives, tasks := 0, 0
	for _, d := range diary.Days {
		for _, l := range d.Lessons {
			for _, m := range l.Marks {
				if m.Kind == "homework" && m.Value != nil && *m.Value == 5 {
					fives++
				}
			}
			for _, tk := range l.Tasks {
				// The diary's own copy of the homework and of the work's state.
				if tk.HomeworkID == h.ID && l.LessonID == h.LessonID && tk.State == issuehomeworkapi.Accepted && tk.StateTitle == "принято" &&
					tk.Mark != nil && *tk.Mark == 5 && strings.HasPrefix(tk.Text, "Решить задачи") {
					tasks++
				}
			}
		}
	}
	if fives != 1 || tasks != 1 {
		t.Fatalf("the diary shows %d homework fives and %d tasks of the homework: %+v", fives, tasks, diary.Days)
	}
	// The diary reads its own copy, kept from the events.
	if n := w.Count(`SELECT count(*) FROM journal.homework WHERE homework_id = $1 AND status = 'issued'`, h.ID); n != 1 {
		t.Fatal("the journal keeps no copy of the homework")
	}
	// A re-review changes that mark, with the reason.
	w.Must(http.MethodPost, review, "teacher-s1", fmt.Sprintf(`{"decision":"accepted","mark":4,"comment":"Вторая задача без пояснения","version":%d}`, rs.Version), 200, &rs)
	w.sys.Deliver(t)
	if n := w.Count(`SELECT count(*) FROM journal.marks WHERE homework_id = $1 AND value = 4 AND version = 2`, h.ID); n != 1 {
		t.Fatal("the re-review did not change the journal's mark")
	}
	if n := w.Count(`SELECT count(*) FROM journal.mark_history h JOIN journal.marks m ON m.id = h.mark_id
		WHERE m.homework_id = $1 AND h.action = 'changed' AND h.reason LIKE 'повторная проверка%' AND h.old_value = 5 AND h.new_value = 4`, h.ID); n != 1 {
		t.Fatal("the change has no history with its reason")
	}

	// The parent sees the child's work and the mark; another family sees nothing.
	w.Must(http.MethodGet, hw, "parent1", "", 200, &v)
	if v.Submission == nil || v.Submission.PupilID.String() != w.ids["{student1}"] || v.Submission.State != issuehomeworkapi.Accepted {
		t.Fatalf("parent1 sees %+v", v.Submission)
	}
	for _, login := range []string{"parent2", "student2", "teacher-s2"} {
		code, body := w.Call(http.MethodGet, hw, login, "")
		w.Refused(code, body, http.StatusNotFound, "")
		code, body = w.Call(http.MethodGet, api+"/files/"+file.ID.String(), login, "")
		w.Refused(code, body, http.StatusNotFound, "")
	}
	// The teacher downloads the pupil's file through a link signed after the check.
	var dl issuehomeworkapi.Download
	w.Must(http.MethodGet, api+"/files/"+file.ID.String(), "teacher-s1", "", 200, &dl)
	resp, err := http.Get(dl.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != string(pdf) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q %s", resp.StatusCode, got, resp.Header.Get("Content-Disposition"))
	}
}

// GET access says what each caller may open: teachers issue, a pupil follows
// the own homework, a parent the children's, officials nothing.
func TestAccessSaysWhatToOpen(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		login  string
		issues bool
		pupils []string
	}{
		{"teacher-s1", true, nil},
		{"student1", false, []string{"{student1}"}},
		{"parent1", false, []string{"{student1}", "{kid1}"}},
		{"ministry", false, nil},
		{"director-s1", false, nil},
	} {
		var a issuehomeworkapi.Access
		w.Must(http.MethodGet, api+"/access", c.login, "", 200, &a)
		got := map[string]bool{}
		for _, p := range a.Pupils {
			got[p.String()] = true
		}
		if a.Issues != c.issues || len(got) != len(c.pupils) {
			t.Errorf("%s: %+v, want issues %v and pupils %v", c.login, a, c.issues, c.pupils)
			continue
		}
		for _, p := range c.pupils {
			if !got[w.ids[p]] {
				t.Errorf("%s: pupils %v lack %s", c.login, a.Pupils, p)
			}
		}
	}
}

// TestLessonHomework: the homework due by a lesson, for the lesson's page of
// the journal — its teacher and the school's administration read it; a
// teacher of another school, the pupil and a parent are told the lesson is
// not theirs, whether or not it has homework.
func TestLessonHomework(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, "")
	path := api + "/homework?lesson=" + w.ids["{l1}"]
	for _, login := range []string{"teacher-s1", "director-s1"} {
		var list []issuehomeworkapi.Homework
		w.Must(http.MethodGet, path, login, "", http.StatusOK, &list)
		if len(list) != 1 || list[0].ID != h.ID || list[0].Text != h.Text {
			t.Errorf("%s: the lesson's homework %+v", login, list)
		}
	}
	for _, login := range []string{"teacher-s2", "student1", "parent1"} {
		if code, body := w.Call(http.MethodGet, path, login, ""); code != http.StatusNotFound && code != http.StatusForbidden || strings.Contains(body, h.Text) {
			t.Errorf("%s reads the lesson's homework: %d %s", login, code, body)
		}
	}
	var none []issuehomeworkapi.Homework
	w.Must(http.MethodGet, api+"/homework?lesson="+w.ids["{l6b}"], "teacher-s2", "", http.StatusOK, &none)
	if len(none) != 0 {
		t.Errorf("a lesson without homework: %+v", none)
	}
	if code, _ := w.Call(http.MethodGet, api+"/homework?lesson=урок", "teacher-s1", ""); code != http.StatusBadRequest {
		t.Errorf("a malformed lesson: %d", code)
	}
}

// TestFilesPickedAtOnce: files picked at once on a work nothing was saved of
// yet all get their tickets — the ones that lose the race to make the draft
// go to the draft the winner made — and the draft stays at version 0, so the
// page that uploaded them saves its text naming 0.
func TestFilesPickedAtOnce(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, "")
	hw := api + "/homework/" + h.ID.String()
	codes, bodies := make([]int, 6), make([]string, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], bodies[i] = w.Call(http.MethodPost, hw+"/submission/files", "student1",
				fmt.Sprintf(`{"name":"страница-%d.pdf","content_type":"application/pdf","size":%d}`, i, len(pdf)))
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusCreated {
			t.Errorf("ticket %d: %d %s", i, c, bodies[i])
		}
	}
	if n := w.Count(`SELECT count(*) FROM homework.files WHERE homework_id = $1 AND submission_id IS NOT NULL`, h.ID); n != len(codes) {
		t.Errorf("%d files recorded, want %d", n, len(codes))
	}
	if v := w.One(`SELECT string_agg(version::text, ',') FROM homework.submissions WHERE homework_id = $1`, h.ID); v != "0" {
		t.Errorf("the work's versions after the uploads: %q, want one draft at 0", v)
	}
	w.Must(http.MethodPut, hw+"/submission", "student1", `{"text":"см. файлы","version":0}`, http.StatusOK, nil)
}

// TestListFollowsTheDueTime: a pupil's list reads the homework due from a
// day on; when the teacher moves the due time, the list follows it.
func TestListFollowsTheDueTime(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, "")
	from := time.Now().In(kuzbass.Time).AddDate(0, 0, 3).Format(time.DateOnly)
	path := api + "/homework?pupil=" + w.ids["{student1}"] + "&from=" + from
	listed := func() bool {
		var list []issuehomeworkapi.Homework
		w.Must(http.MethodGet, path, "student1", "", http.StatusOK, &list)
		return slices.ContainsFunc(list, func(x issuehomeworkapi.Homework) bool { return x.ID == h.ID })
	}
	if listed() {
		t.Fatal("homework due tomorrow is listed from three days ahead")
	}
	due := time.Now().In(kuzbass.Time).AddDate(0, 0, 5).Format("2006-01-02") + "T18:00"
	w.Must(http.MethodPatch, api+"/homework/"+h.ID.String(), "teacher-s1", fmt.Sprintf(`{"version":1,"text":"Задачи 1–7","due_at":%q}`, due), http.StatusOK, nil)
	if !listed() {
		t.Fatal("homework moved to five days ahead is not listed from three days ahead")
	}
}

// TestFilesAreRemovedBeforeSubmitting: the pupil takes a wrong file away
// from a draft (its object deleted, the work no longer lists it), but not
// from a submitted work (409 with the state: take it back first); the
// teacher takes a file away from the material before the due time.
func TestFilesAreRemovedBeforeSubmitting(t *testing.T) {
	w := newWorld(t)
	h := w.issue("teacher-s1", "{l1}", 1, "")
	hw := api + "/homework/" + h.ID.String()
	upload := func(login, path string) issuehomeworkapi.UploadTicket {
		var tk issuehomeworkapi.UploadTicket
		w.Must(http.MethodPost, path, login, fmt.Sprintf(`{"name":"файл.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), http.StatusCreated, &tk)
		if put(t, tk, pdf) != http.StatusOK {
			t.Fatal("upload to MinIO")
		}
		w.Must(http.MethodPost, api+"/files/"+tk.File.ID.String()+"/confirm", login, "", http.StatusOK, nil)
		return tk
	}
	wrong, right := upload("student1", hw+"/submission/files"), upload("student1", hw+"/submission/files")
	key := w.One(`SELECT object_key FROM homework.files WHERE id = $1`, wrong.File.ID)
	w.Must(http.MethodDelete, api+"/files/"+wrong.File.ID.String(), "student1", "", http.StatusNoContent, nil)
	if w.inStore(key) {
		t.Error("the removed file's object is still in MinIO")
	}
	var v issuehomeworkapi.Homework
	w.Must(http.MethodGet, hw, "student1", "", http.StatusOK, &v)
	if len(v.Submission.Files) != 1 || v.Submission.Files[0].ID != right.File.ID {
		t.Errorf("the work's files after removing one: %+v", v.Submission.Files)
	}
	if code, body := w.Call(http.MethodDelete, api+"/files/"+wrong.File.ID.String(), "student1", ""); code != http.StatusNotFound {
		t.Errorf("removing it again: %d %s", code, body)
	}
	w.Must(http.MethodPost, hw+"/submission/submit", "student1", `{"version":0}`, http.StatusOK, &v)
	code, body := w.Call(http.MethodDelete, api+"/files/"+right.File.ID.String(), "student1", "")
	if p := w.Refused(code, body, http.StatusConflict, ""); p.CurrentState != issuehomeworkapi.Submitted {
		t.Errorf("removing a file of a submitted work: %+v", p)
	}
	if n := w.Count(`SELECT count(*) FROM homework.files WHERE id = $1 AND state = 'clean'`, right.File.ID); n != 1 {
		t.Error("the submitted work's file was touched")
	}
	material := upload("teacher-s1", hw+"/files")
	w.Must(http.MethodDelete, api+"/files/"+material.File.ID.String(), "teacher-s1", "", http.StatusNoContent, nil)
	w.Must(http.MethodGet, hw, "teacher-s1", "", http.StatusOK, &v)
	if len(v.Files) != 0 {
		t.Errorf("the material after removing its file: %+v", v.Files)
	}
}
