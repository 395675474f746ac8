package postgrade_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
)

// TestAccessSaysWhatTheCallerMayOpen: GET access answers, from the journal's
// rules, who has a journal of own lessons, an own diary and which summaries.
func TestAccessSaysWhatTheCallerMayOpen(t *testing.T) {
	w := newWorld(t)
	id := func(k string) uuid.UUID { return uuid.MustParse(w.ids[k]) }
	for _, c := range []struct {
		login                  string
		teaches, diary         bool
		region                 bool
		municipalities, school []uuid.UUID
		summary                bool
	}{
		{login: "teacher-s1", teaches: true},
		{login: "student1", diary: true},
		{login: "parent1"},
		{login: "opeka-kemerovo"},
		{login: "ministry", summary: true, region: true},
		{login: "mun-kemerovo", summary: true, municipalities: []uuid.UUID{id("{kemerovo}")}},
		{login: "director-s1", summary: true, school: []uuid.UUID{id("{school1}")}},
	} {
		var a postgradeapi.Access
		w.must(http.MethodGet, api+"/access", c.login, "", http.StatusOK, &a)
		if a.Teaches != c.teaches || a.Diary != c.diary || (a.Summary != nil) != c.summary {
			t.Errorf("%s: %+v", c.login, a)
			continue
		}
		if s := a.Summary; s != nil && (s.Region != c.region || !slices.Equal(s.Municipalities, c.municipalities) && len(c.municipalities)+len(s.Municipalities) > 0 ||
			!slices.Equal(s.Organisations, c.school) && len(c.school)+len(s.Organisations) > 0) {
			t.Errorf("%s: summary %+v", c.login, *s)
		}
	}
}
