package portal_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

var sections = []string{"nav-profile", "nav-children", "nav-organisation", "nav-applications", "nav-journal", "nav-diary", "nav-summary", "nav-allocations"}

// shownSections are the navigation's sections on a page.
func shownSections(body string) []string {
	var out []string
	for _, s := range sections {
		if strings.Contains(body, `id="`+s+`"`) {
			out = append(out, s)
		}
	}
	return out
}

// TestNavigationIsTheOwnersAnswer: the sections each user sees are the
// portal's own pages by the registry's grants and the journal's and the
// services' as post-grade and submit-application answer (GET access).
func TestNavigationIsTheOwnersAnswer(t *testing.T) {
	w := newWorld(t, worldOptions{})
	for _, c := range []struct {
		login string
		want  []string
	}{
		{"parent1", []string{"nav-profile", "nav-children", "nav-applications"}},
		{"student1", []string{"nav-profile", "nav-diary"}},
		{"teacher-s1", []string{"nav-profile", "nav-organisation", "nav-journal"}},
		{"director-s1", []string{"nav-profile", "nav-organisation", "nav-applications", "nav-summary"}},
		{"mun-kemerovo", []string{"nav-profile", "nav-organisation", "nav-applications", "nav-summary", "nav-allocations"}},
		{"ministry", []string{"nav-profile", "nav-organisation", "nav-applications", "nav-summary"}},
		{"opeka-kemerovo", []string{"nav-profile", "nav-organisation"}},
	} {
		p := w.browser().login(c.login, "/profile")
		if got := shownSections(p.body); !slices.Equal(got, c.want) {
			t.Errorf("%s sees %v, want %v", c.login, got, c.want)
		}
	}
}

// TestNavigationFollowsTheJournalsWord: the portal alone, against a
// post-grade whose access answer says a parent teaches, shows that parent
// the journal — the portal keeps no rule of its own about who teaches.
func TestNavigationFollowsTheJournalsWord(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	journal := w.sys.Function("post-grade")
	teaching := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/post-grade/access" {
			rw.Header().Set("Content-Type", "application/json")
			_, _ = rw.Write([]byte(`{"teaches":true,"diary":false}`))
			return
		}
		journal.ServeHTTP(rw, r)
	})
	_, b := w.alone(nil, map[string]http.Handler{"post-grade": teaching})
	p := b.login("parent1", "/profile")
	if got := shownSections(p.body); !slices.Contains(got, "nav-journal") || slices.Contains(got, "nav-applications") {
		t.Errorf("parent1 with the journal's word and no services: %v", got)
	}
}
