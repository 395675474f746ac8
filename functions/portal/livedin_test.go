package portal_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// TestLivedInYear: on the seeded year the fixture logins see EKO at work
// without scripting anything — teacher-s1 today's lessons (on a Sunday her
// last day's, with the page saying so), parent1 student1's marks and
// averages and kid1's place in the kindergarten queue, kg-director-1 the
// applications to her kindergarten, mun-kemerovo a confirmed allocation, the
// ministry and the director summaries of the journal.
func TestLivedInYear(t *testing.T) {
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	day = day.AddDate(0, 0, (8-int(day.Weekday()))%7) // a Monday
	w := newWorld(t, worldOptions{year: day})
	w.sys.SetClock(t, postgradeapi.Name, func() time.Time { return day.Add(3 * time.Hour) }) // 10:00 in Kemerovo

	teacher := w.browser()
	teacher.login("teacher-s1", "/journal")
	p := teacher.get("/journal")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="lessons"`) || strings.Contains(p.body, "lessons-last-day") {
		t.Fatalf("teacher-s1's journal on a Monday of the seeded year: %d %.2000s", p.status, p.body)
	}
	w.sys.SetClock(t, postgradeapi.Name, func() time.Time { return day.AddDate(0, 0, 6).Add(3 * time.Hour) }) // the Sunday after
	p = teacher.get("/journal")
	if !strings.Contains(p.body, `id="lessons-last-day"`) || !strings.Contains(p.body, "Журнал: "+day.Format("02.01.2006")) ||
		!strings.Contains(p.body, `id="lessons"`) {
		t.Fatalf("teacher-s1's journal on the Sunday after: the page does not show her last day (%s) and say so: %.2000s", day.Format("02.01.2006"), p.body)
	}

	parent := w.browser()
	parent.login("parent1", "/children")
	p = parent.get("/children/" + w.ids["student1"] + "/diary?from=" + day.AddDate(0, 0, -7).Format(time.DateOnly))
	if p.status != http.StatusOK || !strings.Contains(p.body, `class="mark`) {
		t.Fatalf("student1's diary for parent1 in the seeded year has no marks: %d %.3000s", p.status, p.body)
	}

	p = parent.get("/applications?service=kindergarten")
	id := between(p.body, `data-application-id="`, `"`)
	if id == "" {
		t.Fatalf("parent1 has no kindergarten application in the seeded year: %.2000s", p.body)
	}
	p = parent.get("/applications/" + id)
	if !strings.Contains(p.body, `class="queue-place card"`) {
		t.Fatalf("kid1's application shows no place in a queue: %.3000s", p.body)
	}
	// Her brother attends a school: her claimed sibling right counts in no
	// kindergarten, and the page says where it would.
	if strings.Contains(p.body, `class="queue-privilege"`) || !strings.Contains(p.body, "только в детском саду, который посещает брат или сестра") {
		t.Fatalf("kid1's queue and her sibling claim: %.4000s", p.body)
	}

	director := w.browser()
	director.login("kg-director-1", "/applications")
	p = director.get("/applications?service=kindergarten")
	if n := strings.Count(p.body, `class="application`); n < 5 {
		t.Fatalf("kg-director-1 sees %d kindergarten applications in the seeded year: %.2000s", n, p.body)
	}
	municipal := w.browser()
	municipal.login("mun-kemerovo", "/allocations")
	p = municipal.get("/allocations")
	if !strings.Contains(p.body, `class="allocation"`) {
		t.Fatalf("mun-kemerovo sees no allocation in the seeded year: %.2000s", p.body)
	}
	// kid1's claim waits among the claims the municipality has to decide.
	if p = municipal.get("/applications?undecided_privilege=true"); !strings.Contains(p.body, `data-application-id="`+id+`"`) {
		t.Fatalf("kid1's sibling claim is not among Kemerovo's claims to decide: %.2000s", p.body)
	}

	for _, login := range []string{"ministry", "director-s1"} {
		b := w.browser()
		b.login(login, "/summary/journal")
		p = b.get("/summary/journal?from=" + day.AddDate(0, 0, -14).Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, -1).Format(time.DateOnly))
		if p.status != http.StatusOK || strings.Contains(p.body, "summary-empty") {
			t.Fatalf("%s's journal summary of the seeded fortnight: %d %.2000s", login, p.status, p.body)
		}
	}
}

// between is the text of s after the first from, up to to ("" without from).
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	return s[:strings.Index(s, to)]
}
