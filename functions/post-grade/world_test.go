package postgrade_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/events"
	postgrade "github.com/kuzbass/eko/functions/post-grade"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/inbox/inboxtest"
	"github.com/kuzbass/eko/shared/kuzbass"
)

const api = "/api/post-grade"

// world is every function (small seed, fixture identities) on a fresh
// database, mounted as the all-in-one process mounts them, with tokens of the
// real development identity provider. The registry's enrollments have reached
// the journal's roster as enrollment.created events through the relay.
// Teacher-s1 teaches mathematics to 6А of school No. 1 (student1's class) on
// the five school days of the first week of October ({l1} … {l5}).
type world struct {
	t      testing.TB
	f      *postgrade.Function
	sys    *ekotest.World // every function, as the all-in-one process mounts them
	db     *dbtest.Database
	tokens map[string]string
	ids    map[string]string
}

// monday is the first Monday of October of the current academic year: its
// week lies inside the first term of any school calendar.
func monday() time.Time {
	d := time.Date(kuzbass.AcademicYearOf(time.Now()), time.October, 1, 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, (8-int(d.Weekday()))%7)
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	ew := ekotest.Open(t, ekotest.Options{Seed: 5})
	f := ew.Function(postgrade.Name).(*postgrade.Function)
	w := &world{t: t, f: f, sys: ew, db: ew.DB, tokens: map[string]string{}, ids: map[string]string{}}
	for _, i := range ew.Fixtures.Identities {
		w.ids["{"+i.Login+"}"] = ew.Person(t, i)
		if !i.NoAccount {
			w.tokens[i.Login] = ew.Token(t, i.Login)
			// The first sign-in links the ESIA account to the registry person.
			w.must(http.MethodGet, "/api/registry/me", i.Login, "", http.StatusOK, nil)
		}
	}
	w.ids["{school1}"], w.ids["{school3}"] = ew.Organisation(t, "school-1-kemerovo"), ew.Organisation(t, "school-3-novokuznetsk")
	w.ids["{kemerovo}"], w.ids["{novokuznetsk}"] = ew.Municipality(t, "kemerovo"), ew.Municipality(t, "novokuznetsk")
	d := ew.DB
	var class6A string
	if err := d.Pool.QueryRow(ctx, `SELECT class_id::text FROM journal.roster WHERE student_id = $1`, w.ids["{student1}"]).Scan(&class6A); err != nil {
		t.Fatalf("student1 on the roster: %v", err)
	}
	w.ids["{6a}"] = class6A
	var class6B string
	if err := d.Pool.QueryRow(ctx, `SELECT class_id::text FROM journal.roster WHERE student_id = $1`, w.ids["{student2}"]).Scan(&class6B); err != nil {
		t.Fatalf("student2 on the roster: %v", err)
	}
	w.ids["{6b}"] = class6B
	w.ids["{math}"] = "0193b6c0-0000-7000-8000-000000000003"
	w.ids["{russian}"] = "0193b6c0-0000-7000-8000-000000000001"

	// Mathematics in 6А by teacher-s1, daily at lesson 2 in the first week of October.
	year := kuzbass.AcademicYearOf(time.Now())
	var a postgradeapi.Assignment
	w.must(http.MethodPost, api+"/assignments", "director-s1", fmt.Sprintf(`{"organisation_id":"{school1}","academic_year":%d,
		"teacher_id":"{teacher-s1}","class_id":"{6a}","subject_id":"{math}"}`, year), http.StatusCreated, &a)
	w.ids["{asg}"] = a.ID.String()
	mon := monday()
	var lessons struct{ Items []postgradeapi.Lesson }
	w.must(http.MethodPost, api+"/assignments/{asg}/timetable", "director-s1", fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":2,"from":%q,"to":%q}`,
		mon.Format(time.DateOnly), mon.AddDate(0, 0, 6).Format(time.DateOnly)), http.StatusCreated, &lessons)
	if len(lessons.Items) != 5 {
		t.Fatalf("generated %d lessons, want 5", len(lessons.Items))
	}
	for i, l := range lessons.Items {
		w.ids[fmt.Sprintf("{l%d}", i+1)] = l.ID.String()
	}
	// Russian in 6Б of school No. 3 by teacher-s2 on the same Monday.
	w.exec(`INSERT INTO journal.assignments (id, organisation_id, academic_year, teacher_id, class_id, subject_id)
		VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)`, w.ids["{school3}"], year, w.ids["{teacher-s2}"], w.ids["{6b}"], w.ids["{russian}"])
	w.exec(`INSERT INTO journal.lessons (id, assignment_id, organisation_id, class_id, subject_id, teacher_id, lesson_date, lesson_no)
		SELECT gen_random_uuid(), id, organisation_id, class_id, subject_id, teacher_id, $1, 1 FROM journal.assignments WHERE class_id = $2`,
		mon, w.ids["{6b}"])
	var l6b string
	if err := d.Pool.QueryRow(ctx, `SELECT id::text FROM journal.lessons WHERE class_id = $1`, w.ids["{6b}"]).Scan(&l6b); err != nil {
		t.Fatal(err)
	}
	w.ids["{l6b}"] = l6b
	return w
}

// deliver posts an event to post-grade's events endpoint as the in-process dispatcher does.
func (w *world) deliver(id, typ string, data any) (int, string) {
	w.t.Helper()
	return inboxtest.Deliver(w.t, w.sys, api+"/events", inboxtest.Event{ID: id, Source: events.Source(registryapi.Name), Type: typ, Data: data})
}

func (w *world) expand(s string) string {
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// call sends a request as login ("": no token) and returns the status and body.
func (w *world) call(method, path, login, body string) (int, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(w.expand(body))
	}
	req := httptest.NewRequest(method, w.expand(path), rd)
	switch {
	case strings.HasPrefix(body, "student_id"): // an import file
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[login])
	}
	rec := httptest.NewRecorder()
	w.sys.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func (w *world) must(method, path, login, body string, want int, out any) {
	w.t.Helper()
	code, resp := w.call(method, path, login, body)
	if code != want {
		w.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, login, code, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			w.t.Fatalf("%s %s: %v: %s", method, path, err, resp)
		}
	}
}

func (w *world) exec(sql string, args ...any) { w.t.Helper(); w.db.Exec(w.t, sql, args...) }

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	return w.db.Count(w.t, sql, args...)
}

// classmate is a pupil of 6А other than student1.
func (w *world) classmate() string {
	w.t.Helper()
	var id string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT student_id::text FROM journal.roster WHERE class_id = $1 AND student_id <> $2 LIMIT 1`,
		w.ids["{6a}"], w.ids["{student1}"]).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// semesters has director-s1 split this academic year of school1 into two
// semesters, whose ids become {p1} and {p2}.
func (w *world) semesters() {
	w.t.Helper()
	y := yearOf()
	w.must(http.MethodPost, api+"/periods", "director-s1", fmt.Sprintf(`{"organisation_id":"{school1}","academic_year":%d,"kind":"semester",
		"periods":[{"starts_on":"%d-09-01","ends_on":"%d-12-31"},{"starts_on":"%d-01-09","ends_on":"%d-05-31"}]}`, y, y, y, y+1, y+1), http.StatusCreated, nil)
	for _, no := range []string{"1", "2"} {
		var id string
		if err := w.db.Pool.QueryRow(context.Background(), `SELECT id::text FROM journal.periods WHERE no = $1::smallint`, no).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		w.ids["{p"+no+"}"] = id
	}
}
