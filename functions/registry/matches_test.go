package registry_test

import (
	"encoding/json"
	"net/http"
	"testing"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// An external system's service account finds a person by SNILS or by full
// name (ё folded, case ignored) and birth date; a wrong SNILS is refused;
// nobody is «found» by a near miss; each match is in the person's audit log.
func TestMatchingForExternalSystems(t *testing.T) {
	w := newFixtureWorld(t)
	match := func(body string) (int, registryapi.MatchResult) {
		t.Helper()
		code, resp := w.call(http.MethodPost, "/api/registry/matches", "olympiad", body)
		var m registryapi.MatchResult
		_ = json.Unmarshal([]byte(resp), &m)
		return code, m
	}
	student1 := w.ids["{student1}"]
	for name, body := range map[string]string{
		"snils":         `{"snils":"122-223-324 90"}`,
		"name and date": `{"family_name":"СОКОЛОВ","given_name":"артем","middle_name":"Игоревич","birth_date":"2015-05-20"}`,
	} {
		if code, m := match(body); code != http.StatusOK || m.Status != registryapi.Matched || m.PersonID == nil || m.PersonID.String() != student1 {
			t.Errorf("%s: %d %+v", name, code, m)
		}
	}
	for name, body := range map[string]string{
		"another birth date":  `{"family_name":"Соколов","given_name":"Артём","birth_date":"2015-05-21"}`,
		"another middle name": `{"family_name":"Соколов","given_name":"Артём","middle_name":"Петрович","birth_date":"2015-05-20"}`,
		"an unknown snils":    `{"snils":"112-233-445 95"}`,
	} {
		if code, m := match(body); code != http.StatusOK || m.Status != registryapi.NoPerson || m.PersonID != nil {
			t.Errorf("%s: %d %+v", name, code, m)
		}
	}
	if code, _ := match(`{"snils":"122-223-324 91"}`); code != http.StatusBadRequest {
		t.Errorf("a SNILS with a wrong checksum: %d", code)
	}
	if code, _ := match(`{"family_name":"Соколов"}`); code != http.StatusBadRequest {
		t.Errorf("a name alone: %d", code)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND actor_subject = 'service:olympiad'`, student1); n != 2 {
		t.Errorf("%d matches of student1 in the audit log, want 2", n)
	}
}
