package registry_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/audit"
)

// TestClassListsAreAudited: a class list and a roster are answered only with
// their reading recorded — one audit record per listed pupil, naming the
// reader and what was read — and the audit chain stays whole.
func TestClassListsAreAudited(t *testing.T) {
	w := newFixtureWorld(t)
	for _, c := range []struct{ path, object, field string }{
		{"/api/registry/organisations/{school1}/students?class={6A}", "registry.class-list", "profile"},
		{"/api/registry/organisations/{school1}/roster?class={6A}", "registry.class-roster", "name"},
	} {
		code, body := w.call(http.MethodGet, c.path, "teacher-s1", "")
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, code, body)
		}
		var page struct {
			Items []struct {
				ID uuid.UUID `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) < 2 {
			t.Fatalf("%s: %d pupils, the seed has more in 6А", c.path, len(page.Items))
		}
		for _, p := range page.Items {
			var n int
			if err := w.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM platform.audit_log
				WHERE subject_person_id = $1 AND object = $2 AND action = 'read' AND $3 = ANY(fields)
				  AND actor_person_id = $4::uuid`, p.ID, c.object, c.field, w.ids["{teacher-s1}"]).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%s: pupil %s has %d audit records of %s by teacher-s1, want 1", c.path, p.ID, n, c.object)
			}
		}
		if ok, at, err := audit.Verify(t.Context(), w.db.Pool, page.Items[0].ID); !ok || err != nil {
			t.Fatalf("audit chain broken at %d: %v", at, err)
		}
	}
}
