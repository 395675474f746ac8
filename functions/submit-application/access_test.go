package submitapplication

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

// TestAccess: GET access answers, from the services' rules, who applies,
// who processes applications and which municipalities' allocation one runs.
func TestAccess(t *testing.T) {
	w := newWorld(t)
	kemerovo := uuid.MustParse(w.ids["{kemerovo}"])
	for _, c := range []struct {
		login              string
		applies, processes bool
		allocates          []uuid.UUID
	}{
		{login: "parent1", applies: true},
		{login: "director-s1", processes: true},
		{login: "kg-director-1", processes: true},
		{login: "ministry", processes: true},
		{login: "mun-kemerovo", processes: true, allocates: []uuid.UUID{kemerovo}},
		{login: "teacher-s1"},
		{login: "student1"},
	} {
		var a submitapplicationapi.Access
		w.must(w.f.Handle, http.MethodGet, "/api/submit-application/access", c.login, "", nil, http.StatusOK, &a)
		if a.Applies != c.applies || a.Processes != c.processes || !slices.Equal(a.Allocates, c.allocates) && len(c.allocates)+len(a.Allocates) > 0 {
			t.Errorf("%s: %+v", c.login, a)
		}
	}
}
