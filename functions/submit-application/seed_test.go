package submitapplication_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// TestSeededHistory: the seeded services' history is one the write paths
// could have left — every application with its first status and its event,
// every status change with its history row and event, the queue exactly as
// the applications order it, the positions' history explained — and it has
// what a newcomer expects to find: kindergarten applications in every
// status, privileges confirmed and refused, an allocation whose directions
// were accepted, declined, left to expire and enrolled, programmes with
// certificates and enrolments, first-grade windows for next spring.
func TestSeededHistory(t *testing.T) {
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	w := ekotest.Open(t, ekotest.Options{Seed: 7, Today: day, Year: true})
	count := func(sql string, args ...any) int { t.Helper(); return w.DB.Count(t, sql, args...) }
	for _, c := range []struct {
		what string
		sql  string
		args []any
	}{
		{"applications without their first status 'submitted'", `SELECT count(*) FROM applications.applications a WHERE (SELECT status FROM applications.status_history h
			WHERE h.application_id = a.id ORDER BY id LIMIT 1) IS DISTINCT FROM 'submitted'`, nil},
		{"applications whose status is not their last history entry", `SELECT count(*) FROM applications.applications a WHERE a.status <> (SELECT status
			FROM applications.status_history h WHERE h.application_id = a.id ORDER BY id DESC LIMIT 1)`, nil},
		{"applications without application.submitted", `SELECT (SELECT count(*) FROM applications.applications) -
			(SELECT count(*) FROM platform.outbox WHERE type = $1)`, []any{submitapplicationapi.EventSubmitted}},
		{"status changes without application.status-changed", `SELECT (SELECT count(*) FROM applications.status_history WHERE status <> 'submitted') -
			(SELECT count(*) FROM platform.outbox WHERE type = $1)`, []any{submitapplicationapi.EventStatusChanged}},
		{"queue positions other than the queue's order", `SELECT count(*) FROM applications.queue_positions q FULL JOIN (
			    SELECT application_id, kindergarten_id, row_number() OVER (PARTITION BY kindergarten_id, age_band ORDER BY privilege_rank, received_at, seq) AS position
			    FROM applications.kindergarten_queue_entries) e USING (application_id, kindergarten_id)
			WHERE q.position IS DISTINCT FROM e.position`, nil},
		{"queued applications whose last queue history is not their position", `SELECT count(*) FROM applications.queue_positions q
			WHERE q.position IS DISTINCT FROM (SELECT to_position FROM applications.queue_history h
			    WHERE h.application_id = q.application_id AND h.kindergarten_id = q.kindergarten_id ORDER BY id DESC LIMIT 1)`, nil},
		{"directions open while the application is not directed", `SELECT count(*) FROM applications.directions d JOIN applications.applications a
			ON a.id = d.application_id WHERE d.state IN ('issued', 'accepted') AND a.status <> 'directed'`, nil},
		{"decided applications without the moment of the decision", `SELECT count(*) FROM applications.applications
			WHERE decided_at IS NULL AND (status IN ('refused', 'enrolled') OR service = 'kindergarten' AND status = 'registered')`, nil},
		{"anything after today", `SELECT (SELECT count(*) FROM applications.status_history WHERE changed_at >= $1) +
			(SELECT count(*) FROM applications.applications WHERE received_at >= $1)`, []any{day.Add(-7 * time.Hour)}},
	} {
		if n := count(c.sql, c.args...); n != 0 {
			t.Errorf("%s: %d", c.what, n)
		}
	}
	for _, status := range []string{"submitted", "checking", "documents_requested", "registered", "refused", "withdrawn", "archived",
		"directed", "direction_declined", "direction_expired", "enrolled"} {
		if n := count(`SELECT count(*) FROM applications.applications WHERE service = 'kindergarten' AND status = $1`, status); n == 0 {
			t.Errorf("no kindergarten application in status %s", status)
		}
	}
	for _, state := range []string{"accepted", "declined", "expired", "enrolled"} {
		if n := count(`SELECT count(*) FROM applications.directions d JOIN applications.allocation_runs r ON r.id = d.allocation_id
			WHERE r.status = 'confirmed' AND d.state = $1`, state); n == 0 {
			t.Errorf("no direction of the confirmed allocation %s", state)
		}
	}
	for _, c := range []struct {
		what string
		sql  string
		min  int
	}{
		{"privileges confirmed", `SELECT count(*) FROM applications.privilege_decisions WHERE confirmed AND decided_at < $1`, 1},
		{"privileges refused", `SELECT count(*) FROM applications.privilege_decisions WHERE NOT confirmed`, 1},
		{"kindergarten applications from EPGU", `SELECT count(*) FROM applications.applications WHERE channel = 'epgu' AND service = 'kindergarten'`, 1},
		{"queue moves explained by a privilege or by those ahead leaving", `SELECT count(*) FROM applications.queue_history
			WHERE cause NOT IN ('entered', 'left')`, 1},
		{"first-grade windows for next spring", `SELECT count(*) FROM applications.enrollment_windows WHERE opens_at > $1`, 2},
		{"programmes", `SELECT count(*) FROM applications.programmes`, 4},
		{"certificates", `SELECT count(*) FROM applications.certificates`, 50},
		{"enrolments in programmes", `SELECT count(*) FROM applications.applications WHERE service = 'additional_education' AND status = 'enrolled'`, 20},
	} {
		var args []any
		if strings.Contains(c.sql, "$1") {
			args = []any{day}
		}
		if n := count(c.sql, args...); n < c.min {
			t.Errorf("%s: %d, want at least %d", c.what, n, c.min)
		}
	}
	// parent1's younger daughter waits in the fixture kindergarten's queue.
	kid1, _ := w.Fixtures.Identity("kid1")
	if n := count(`SELECT count(*) FROM applications.queue_positions q JOIN applications.applications a ON a.id = q.application_id
		WHERE a.child_id = $1 AND q.kindergarten_id = $2`, w.Person(t, kid1), w.Organisation(t, "kg-1-kemerovo")); n != 1 {
		t.Errorf("kid1 stands in kg-1-kemerovo's queue %d times, want 1", n)
	}
	// Her brother student1 attends a school, not a kindergarten: the
	// sibling right she claimed counts in none of her queues, and her claim
	// waits in the municipality's list of claims to decide.
	if n := count(`SELECT count(*) FROM applications.queue_positions q JOIN applications.applications a ON a.id = q.application_id
		WHERE a.child_id = $1 AND q.privilege IS NOT NULL`, w.Person(t, kid1)); n != 0 {
		t.Errorf("kid1's sibling claim counts in %d queues, want none", n)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/submit-application/applications?undecided_privilege=true&child="+w.Person(t, kid1), nil)
	if rec := w.Call(t, "mun-kemerovo", req); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"service":"kindergarten"`) {
		t.Errorf("kid1's claim is not in the municipality's list: %d %s", rec.Code, rec.Body)
	}
	// Where a brother or sister attends a chosen kindergarten, the registry
	// gives the right, and the announcements delivered after the seed
	// (ekotest.Open delivers them) move nobody: the seed kept the same facts.
	if n := count(`SELECT count(*) FROM applications.queue_positions q JOIN applications.applications a ON a.id = q.application_id
		WHERE q.privilege = 'sibling' AND applications.sibling_in(a.child_id, q.kindergarten_id, applications.kemerovo_today()) IS NOT NULL`); n == 0 {
		t.Error("no seeded sibling right from the registry")
	}
	if n := count(`SELECT count(*) FROM applications.queue_positions q JOIN applications.applications a ON a.id = q.application_id
		WHERE q.privilege = 'sibling' AND applications.sibling_in(a.child_id, q.kindergarten_id, applications.kemerovo_today()) IS NULL
		  AND NOT applications.kindergarten_sibling_confirmed(a.data, q.kindergarten_id)`); n != 0 {
		t.Errorf("%d seeded sibling rights where no brother or sister studies", n)
	}
	if n := count(`SELECT count(*) FROM applications.queue_history WHERE cause IN ('own_sibling_right', 'own_sibling_right_ended')`); n != 0 {
		t.Errorf("the registry's announcements moved %d seeded positions", n)
	}
	if n := count(`SELECT count(*) FROM applications.enrollments`); n == 0 {
		t.Error("no enrollments kept")
	}
}
