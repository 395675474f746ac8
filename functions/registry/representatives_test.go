package registry_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// Legal representatives by kind: the guardianship authority links a
// guardian by its act (the document required, the kind and relation
// consistent), and the guardian then acts for the child as a parent does;
// it places a child in an organisation's care. Each is in the child's
// audit log and announced (the kind, never the act's text).
func TestLegalRepresentatives(t *testing.T) {
	w := newFixtureWorld(t)
	student1 := w.ids["{student1}"]
	for body, field := range map[string]string{
		`{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"guardian","kind":"guardian"}`:                      "document",
		`{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"mother","kind":"guardian","document":"Пост. № 1"}`: "relation",
		`{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"guardian","document":"Пост. № 1"}`:                 "relation",
		`{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"guardian","kind":"uncle","document":"Пост. № 1"}`:  "kind",
	} {
		code, resp := w.call(http.MethodPost, "/api/registry/parent-links", "opeka-kemerovo", body)
		if code != http.StatusBadRequest || !strings.Contains(resp, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 at %s", body, code, resp, field)
		}
	}
	code, resp := w.call(http.MethodPost, "/api/registry/parent-links", "opeka-kemerovo",
		`{"parent_id":"{teacher-s1}","child_id":"{student1}","relation":"guardian","kind":"guardian","document":"Постановление администрации г. Кемерово № 1234 от 02.12.2026"}`)
	var l registryapi.ParentLink
	if err := json.Unmarshal([]byte(resp), &l); code != http.StatusCreated || err != nil || l.Kind != registryapi.KindGuardian || l.Document == "" {
		t.Fatalf("the guardian's link: %d %s", code, resp)
	}
	var data string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT data::text FROM platform.outbox WHERE type = $1 AND data->>'link_id' = $2`,
		registryapi.EventParentLinkCreated, l.ID.String()).Scan(&data); err != nil || !strings.Contains(data, `"kind": "guardian"`) || strings.Contains(data, "1234") {
		t.Fatalf("the event: %s %v", data, err)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object = 'registry.parent-link'`, student1); n != 1 {
		t.Fatalf("%d audit records of the link", n)
	}
	// The guardian acts for the child.
	_, resp = w.call(http.MethodGet, "/api/registry/me/grants", "teacher-s1", "")
	if !strings.Contains(resp, `"scope":"child","scope_id":"`+student1+`"`) {
		t.Fatalf("the guardian's grants: %s", resp)
	}
	code, resp = w.call(http.MethodPost, "/api/registry/care-placements", "opeka-kemerovo",
		`{"child_id":"{student1}","organisation_id":"{kg1}","document":"Приказ № 5 от 01.11.2026","starts_on":"2026-11-01"}`)
	var p registryapi.CarePlacement
	if err := json.Unmarshal([]byte(resp), &p); code != http.StatusCreated || err != nil || p.StartsOn != "2026-11-01" {
		t.Fatalf("the placement: %d %s", code, resp)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject = $2`, registryapi.EventCarePlacementCreated, student1); n != 1 {
		t.Fatalf("%d care-placement.created events", n)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object = 'registry.care-placement'`, student1); n != 1 {
		t.Fatalf("%d audit records of the placement", n)
	}
	// The guardianship authority's list of its wards: student1, the
	// guardian by the act, the placement.
	code, resp = w.call(http.MethodGet, "/api/registry/wards", "opeka-kemerovo", "")
	// The seed's own guardianships are there too; each ward is listed
	// once and only for what makes it one.
	var wards []registryapi.Ward
	if err := json.Unmarshal([]byte(resp), &wards); code != http.StatusOK || err != nil {
		t.Fatalf("the wards: %d %s", code, resp)
	}
	var ward *registryapi.Ward
	seen := map[string]bool{}
	for i, x := range wards {
		if seen[x.Child.ID.String()] {
			t.Fatalf("%s listed twice", x.Child.FullName)
		}
		seen[x.Child.ID.String()] = true
		if len(x.Representatives) == 0 && len(x.Placements) == 0 {
			t.Fatalf("%s is listed with neither a guardian nor a placement", x.Child.FullName)
		}
		if x.Child.ID.String() == student1 {
			ward = &wards[i]
		}
	}
	if ward == nil || len(ward.Representatives) != 1 || ward.Representatives[0].Kind != registryapi.KindGuardian ||
		!strings.Contains(ward.Representatives[0].Document, "1234") || len(ward.Placements) != 1 || len(ward.Child.Studies) == 0 {
		t.Fatalf("student1 among the wards: %d %s", code, resp)
	}
	if n := w.db.Count(t, `SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object = 'registry.ward'`, student1); n != 1 {
		t.Fatalf("%d audit records of the ward list", n)
	}
	for body, field := range map[string]string{
		`{"child_id":"{student1}","organisation_id":"{kg1}","document":"","starts_on":"2026-12-01"}`:                "document",
		`{"child_id":"{student1}","organisation_id":"{kg1}","document":"Приказ № 5","starts_on":"01.12.2026"}`:      "starts_on",
		`{"child_id":"{student1}","organisation_id":"{student2}","document":"Приказ № 5","starts_on":"2026-12-01"}`: "organisation_id",
	} {
		code, resp := w.call(http.MethodPost, "/api/registry/care-placements", "opeka-kemerovo", body)
		if code != http.StatusBadRequest || !strings.Contains(resp, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 at %s", body, code, resp, field)
		}
	}
}

// A pupil's card for a prevention body: the name, the birth date and the
// school and class now — nothing of documents, contacts or family — and
// the read in the pupil's audit log.
func TestPupilCard(t *testing.T) {
	w := newFixtureWorld(t)
	code, resp := w.call(http.MethodGet, "/api/registry/people/{student1}/card", "kdn-kemerovo", "")
	var c registryapi.PupilCard
	if err := json.Unmarshal([]byte(resp), &c); code != http.StatusOK || err != nil || !strings.HasPrefix(c.FullName, "Соколов") ||
		c.BirthDate != "2015-05-20" || len(c.Studies) != 1 || c.Studies[0].ClassName == "" {
		t.Fatalf("the card: %d %s", code, resp)
	}
	for _, leak := range []string{"snils", "document", "phone", "email", "parents"} {
		if strings.Contains(resp, leak) {
			t.Errorf("the card names %s: %s", leak, resp)
		}
	}
	if n := w.db.Count(t, `SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object = 'registry.pupil-card' AND actor_role = 'kdn_official'`,
		w.ids["{student1}"]); n != 1 {
		t.Fatalf("%d audit records of the card", n)
	}
	// A child who studies nowhere is reached once placed in an
	// organisation's care in the municipality.
	if code, resp := w.call(http.MethodGet, "/api/registry/people/{kid1}/card", "opeka-kemerovo", ""); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Fatalf("the card of a child who studies nowhere: %d %s", code, resp)
	}
	if code, resp := w.call(http.MethodPost, "/api/registry/care-placements", "opeka-kemerovo",
		`{"child_id":"{kid1}","organisation_id":"{kg1}","document":"Приказ № 7 от 01.11.2026","starts_on":"2026-11-01"}`); code != http.StatusCreated {
		t.Fatalf("the placement: %d %s", code, resp)
	}
	if code, resp := w.call(http.MethodGet, "/api/registry/people/{kid1}/card", "opeka-kemerovo", ""); code != http.StatusOK || !strings.Contains(resp, "Соколова Мария") {
		t.Fatalf("the card of a child placed in care: %d %s", code, resp)
	}
}
