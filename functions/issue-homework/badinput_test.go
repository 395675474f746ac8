package issuehomework_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// Bad input is refused with a clear 4xx and a machine code, and nothing is
// written: a due time in the past, a cut-off before it, a pupil of another
// class, an unknown mark kind, a mark without a submission, too much text,
// files too large, of a type off the list, too many, with a bad name, a
// confirmation before the upload, reviews out of turn or off the scale.
func TestBadInputIsRefusedAndNothingWritten(t *testing.T) {
	w := newWorld(t)
	day := func(d int) string { return time.Now().In(kuzbass.Time).AddDate(0, 0, d).Format("2006-01-02") }
	body := func(extra string) string {
		return `{"lesson_id":"{l1}","text":"Упр. 1","due_at":"` + day(2) + `T18:00"` + extra + `}`
	}
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"a due time in the past", `{"lesson_id":"{l1}","text":"Упр. 1","due_at":"` + day(-1) + `T18:00"}`, 400, string(issuehomeworkapi.ReasonPast)},
		{"a cut-off before the due time", body(`,"cutoff_at":"` + day(1) + `T18:00"`), 400, string(issuehomeworkapi.ReasonOrder)},
		{"a due time not a time", `{"lesson_id":"{l1}","text":"Упр. 1","due_at":"завтра"}`, 400, "format"},
		{"no lesson", `{"text":"Упр. 1","due_at":"` + day(2) + `T18:00"}`, 400, "format"},
		{"no text", `{"lesson_id":"{l1}","text":"  ","due_at":"` + day(2) + `T18:00"}`, 400, "required"},
		{"too much text", `{"lesson_id":"{l1}","text":"` + strings.Repeat("я", 5001) + `","due_at":"` + day(2) + `T18:00"}`, 400, "length"},
		{"a control character", `{"lesson_id":"{l1}","text":"Упр.\u0007 1","due_at":"` + day(2) + `T18:00"}`, 400, "format"},
		{"an unknown mark kind", body(`,"marked":true,"mark_kind":"essay"`), 400, string(issuehomeworkapi.ReasonKind)},
		{"a mark without a submission", body(`,"marked":true,"submission_expected":false`), 400, string(issuehomeworkapi.ReasonNotExpected)},
		{"a pupil of another class", body(`,"pupils":["{student2}"]`), 422, string(issuehomeworkapi.ReasonNotInClass)},
		{"an unknown field", body(`,"grade":5`), 400, "unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, resp := w.Call(http.MethodPost, api+"/homework", "teacher-s1", c.body)
			w.Refused(code, resp, c.status, c.code)
		})
	}
	if n := w.Count(`SELECT count(*) FROM homework.homework`); n != 0 {
		t.Fatalf("%d homework written by refused requests", n)
	}

	h := w.issue("teacher-s1", "{l1}", 2, `,"marked":true`)
	files := api + "/homework/" + h.ID.String() + "/submission/files"
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"too large", `{"name":"big.pdf","content_type":"application/pdf","size":20971521}`, 413, ""},
		{"a type off the list", `{"name":"game.exe","content_type":"application/x-msdownload","size":100}`, 415, ""},
		{"a name with a slash", `{"name":"../etc/passwd","content_type":"application/pdf","size":100}`, 400, "format"},
		{"no name", `{"name":"","content_type":"application/pdf","size":100}`, 400, "format"},
		{"an empty file", `{"name":"a.pdf","content_type":"application/pdf","size":0}`, 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, resp := w.Call(http.MethodPost, files, "student1", c.body)
			w.Refused(code, resp, c.status, c.code)
		})
	}
	if n := w.Count(`SELECT count(*) FROM homework.files`); n != 0 {
		t.Fatalf("%d files recorded by refused requests", n)
	}
	// Ten files at most; a confirmation before the upload is refused.
	var tk issuehomeworkapi.UploadTicket
	for i := range 10 {
		w.Must(http.MethodPost, files, "student1", fmt.Sprintf(`{"name":"%d.pdf","content_type":"application/pdf","size":%d}`, i, len(pdf)), 201, &tk)
	}
	code, resp := w.Call(http.MethodPost, files, "student1", `{"name":"11.pdf","content_type":"application/pdf","size":10}`)
	w.Refused(code, resp, 422, string(issuehomeworkapi.ReasonFileCount))
	code, resp = w.Call(http.MethodPost, api+"/files/"+tk.File.ID.String()+"/confirm", "student1", "")
	w.Refused(code, resp, 422, string(issuehomeworkapi.ReasonFileMissing))
	// A ticket is for its size: MinIO refuses another body, and a second write.
	if st := put(t, tk, append(pdf, '!')); st == http.StatusOK {
		t.Fatal("MinIO took a body of another size")
	}
	if st := put(t, tk, pdf); st != http.StatusOK {
		t.Fatalf("upload: %d", st)
	}
	if st := put(t, tk, pdf); st == http.StatusOK {
		t.Fatal("MinIO took a second write with the same ticket")
	}
	// Submitting while files are still uploading is refused.
	var v issuehomeworkapi.Homework
	w.Must(http.MethodGet, api+"/homework/"+h.ID.String(), "student1", "", 200, &v)
	code, resp = w.Call(http.MethodPost, api+"/homework/"+h.ID.String()+"/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, v.Submission.Version))
	w.Refused(code, resp, 422, string(issuehomeworkapi.ReasonFileMissing))
	if n := w.Count(`SELECT count(*) FROM homework.attempts`); n != 0 {
		t.Fatalf("%d attempts written by a refused submission", n)
	}

	// Reviews out of turn or off the scale.
	review := api + "/submissions/" + v.Submission.ID.String() + "/review"
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"a draft", fmt.Sprintf(`{"decision":"accepted","mark":5,"version":%d}`, v.Submission.Version), 409, ""},
		{"off the scale", fmt.Sprintf(`{"decision":"accepted","mark":6,"version":%d}`, v.Submission.Version), 400, string(issuehomeworkapi.ReasonScale)},
		{"returned without a comment", fmt.Sprintf(`{"decision":"returned","version":%d}`, v.Submission.Version), 400, "required"},
		{"an unknown decision", fmt.Sprintf(`{"decision":"maybe","version":%d}`, v.Submission.Version), 400, "enum"},
		{"a comment with control characters", fmt.Sprintf(`{"decision":"returned","comment":"доработать\u0007\u001b[31m","version":%d}`, v.Submission.Version), 400, "format"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, resp := w.Call(http.MethodPost, review, "teacher-s1", c.body)
			p := w.Refused(code, resp, c.status, c.code)
			if c.status == 409 && (p.Reason != string(issuehomeworkapi.ReasonState) || p.CurrentState != issuehomeworkapi.Draft) {
				t.Fatalf("out of turn: %+v", p)
			}
		})
	}
	if n := w.Count(`SELECT count(*) FROM homework.reviews`); n != 0 {
		t.Fatalf("%d reviews written by refused requests", n)
	}
}

// Past the due time the homework no longer changes; past the cut-off no work
// is taken; a submission after the due time is late, by the server's clock.
func TestDueTimeAndCutoff(t *testing.T) {
	w := newWorld(t)
	// Issued "yesterday" (the function's clock), due an hour ago, taking
	// late work until tomorrow.
	now := time.Now()
	w.sys.SetClock(t, issuehomeworkapi.Name, func() time.Time { return now.Add(-24 * time.Hour) })
	var h issuehomeworkapi.Homework
	w.Must(http.MethodPost, api+"/homework", "teacher-s1", fmt.Sprintf(`{"lesson_id":"{l1}","text":"Упр. 2","due_at":%q,"cutoff_at":%q}`,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(24*time.Hour).Format(time.RFC3339)), 201, &h)
	w.sys.SetClock(t, issuehomeworkapi.Name, nil)
	hw := api + "/homework/" + h.ID.String()
	code, resp := w.Call(http.MethodPatch, hw, "teacher-s1", fmt.Sprintf(`{"version":1,"text":"Упр. 3","due_at":%q}`, now.Add(48*time.Hour).Format(time.RFC3339)))
	w.Refused(code, resp, 422, string(issuehomeworkapi.ReasonDue))
	var v issuehomeworkapi.Homework
	w.Must(http.MethodPut, hw+"/submission", "student1", `{"text":"сделано","version":0}`, 200, &v)
	w.Must(http.MethodPost, hw+"/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, v.Submission.Version), 200, &v)
	if !v.Submission.Late || !v.Submission.Receipts[0].Late {
		t.Fatalf("a submission after the due time is not late: %+v", v.Submission)
	}
	// Past the cut-off nothing is taken.
	w.sys.SetClock(t, issuehomeworkapi.Name, func() time.Time { return now.Add(25 * time.Hour) })
	code, resp = w.Call(http.MethodPost, hw+"/submission/take-back", "student1", fmt.Sprintf(`{"version":%d}`, v.Submission.Version))
	w.Refused(code, resp, 422, string(issuehomeworkapi.ReasonClosed))
}
