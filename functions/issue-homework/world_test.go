package issuehomework_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/inbox/inboxtest"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/storage"
	"github.com/kuzbass/eko/shared/storage/storagetest"
)

const api = "/api/issue-homework"

// world is every function on a fresh database with the small region, and
// the lessons homework is issued for: teacher-s1 teaches mathematics to 6А
// of school No. 1 (student1's class, with other pupils) every school day of
// the next two weeks ({l1} is the first of them, today or later); teacher-s2
// teaches Russian to 6Б of school No. 3 (student2's) on the same days ({l6b}).
type world struct {
	*ekotest.API
	t   testing.TB
	sys *ekotest.World
	ids map[string]string
}

func newWorld(t testing.TB, tunings ...function.Tuning) *world {
	t.Helper()
	ew := ekotest.Open(t, ekotest.Options{Seed: 11, Tunings: tunings})
	w := &world{t: t, sys: ew, ids: map[string]string{}}
	w.API = &ekotest.API{T: t, Sys: ew, IDs: w.ids}
	for _, i := range ew.Fixtures.Identities {
		w.ids["{"+i.Login+"}"] = ew.Person(t, i)
		if !i.NoAccount {
			w.Must(http.MethodGet, "/api/registry/me", i.Login, "", http.StatusOK, nil)
		}
	}
	w.ids["{school1}"], w.ids["{school3}"] = ew.Organisation(t, "school-1-kemerovo"), ew.Organisation(t, "school-3-novokuznetsk")
	w.ids["{6a}"] = w.One(`SELECT class_id::text FROM journal.roster WHERE student_id = $1`, w.ids["{student1}"])
	w.ids["{6b}"] = w.One(`SELECT class_id::text FROM journal.roster WHERE student_id = $1`, w.ids["{student2}"])
	year := kuzbass.AcademicYearOf(time.Now())
	today := kuzbass.Date(time.Now())
	for _, c := range []struct{ director, school, teacher, class, subject, lesson string }{
		{"director-s1", "{school1}", "{teacher-s1}", "{6a}", "0193b6c0-0000-7000-8000-000000000003", "{l1}"},
	} {
		var a postgradeapi.Assignment
		w.Must(http.MethodPost, "/api/post-grade/assignments", c.director, fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,
			"teacher_id":%q,"class_id":%q,"subject_id":%q}`, c.school, year, c.teacher, c.class, c.subject), http.StatusCreated, &a)
		var lessons struct{ Items []postgradeapi.Lesson }
		w.Must(http.MethodPost, "/api/post-grade/assignments/"+a.ID.String()+"/timetable", c.director,
			fmt.Sprintf(`{"weekdays":[1,2,3,4,5,6],"lesson_no":2,"from":%q,"to":%q}`, today.Format(time.DateOnly), today.AddDate(0, 0, 14).Format(time.DateOnly)),
			http.StatusCreated, &lessons)
		if len(lessons.Items) == 0 {
			t.Fatal("no lessons generated")
		}
		w.ids[c.lesson] = lessons.Items[0].ID.String()
	}
	// Russian in 6Б of school No. 3 by teacher-s2 (school No. 3 has no
	// fixture director: written as the journal stores it).
	w.ids["{l6b}"] = w.One(`WITH a AS (INSERT INTO journal.assignments (id, organisation_id, academic_year, teacher_id, class_id, subject_id)
		    VALUES (gen_random_uuid(), $1, $2, $3, $4, '0193b6c0-0000-7000-8000-000000000001') RETURNING *)
		INSERT INTO journal.lessons (id, assignment_id, organisation_id, class_id, subject_id, teacher_id, lesson_date, lesson_no)
		SELECT gen_random_uuid(), id, organisation_id, class_id, subject_id, teacher_id, $5, 1 FROM a RETURNING id::text`,
		w.ids["{school3}"], year, w.ids["{teacher-s2}"], w.ids["{6b}"], today.AddDate(0, 0, 1))
	return w
}

// issue issues homework for lesson as login with extra fields, due in days.
func (w *world) issue(login, lesson string, days int, extra string) issuehomeworkapi.Homework {
	w.t.Helper()
	due := time.Now().In(kuzbass.Time).AddDate(0, 0, days).Format("2006-01-02") + "T18:00"
	var h issuehomeworkapi.Homework
	w.Must(http.MethodPost, api+"/homework", login, fmt.Sprintf(`{"lesson_id":%q,"text":"Решить задачи № 1–5 со с. 42.\nСм. https://example.org/zadachi","due_at":%q%s}`,
		lesson, due, extra), http.StatusCreated, &h)
	return h
}

// submitted has student1 write an answer to the homework at path hw and
// submit it; it returns the homework with the submitted work.
func (w *world) submitted(hw string) issuehomeworkapi.Homework {
	w.t.Helper()
	var v issuehomeworkapi.Homework
	w.Must(http.MethodPut, hw+"/submission", "student1", `{"text":"ответ","version":0}`, http.StatusOK, &v)
	w.Must(http.MethodPost, hw+"/submission/submit", "student1", fmt.Sprintf(`{"version":%d}`, v.Submission.Version), http.StatusOK, &v)
	return v
}

// put sends an upload ticket's request with body to MinIO.
func put(t testing.TB, tk issuehomeworkapi.UploadTicket, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(tk.Method, tk.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tk.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// inStore reports whether the bucket the functions use holds key.
func (w *world) inStore(key string) bool {
	w.t.Helper()
	st, err := storage.Open(context.Background(), storagetest.Config(w.t))
	if err != nil {
		w.t.Fatal(err)
	}
	_, err = st.Stat(context.Background(), key)
	if err != nil && !errs.Is(err, errs.NotFound) {
		w.t.Fatal(err)
	}
	return err == nil
}

// redeliver posts the outbox event id to path again, as the relay does after
// a lost acknowledgement.
func (w *world) redeliver(id, path string) (int, string) {
	w.t.Helper()
	var typ, src string
	var data json.RawMessage
	if err := w.sys.DB.Pool.QueryRow(context.Background(), `SELECT type, source, data FROM platform.outbox WHERE id = $1`, id).Scan(&typ, &src, &data); err != nil {
		w.t.Fatal(err)
	}
	return inboxtest.Deliver(w.t, w.sys, path, inboxtest.Event{ID: id, Source: src, Type: typ, Data: data})
}
