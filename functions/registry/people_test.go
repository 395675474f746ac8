package registry

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/httpx"
)

var (
	minister = esia{oid: "3000000001", family: "Власова", given: "Ирина", middle: "Павловна", birth: "1975-06-30", gender: "F",
		snils: "345-678-901 23", docType: "RF_PASSPORT", series: "3201", number: "100200", trusted: true}
	director = esia{oid: "3000000002", family: "Громов", given: "Олег", middle: "Викторович", birth: "1970-01-15", gender: "M",
		snils: "456-789-012 38", docType: "RF_PASSPORT", series: "3202", number: "200300", trusted: true}
	otherParent = esia{oid: "3000000003", family: "Лебедева", given: "Мария", middle: "Андреевна", birth: "1990-09-09", gender: "F",
		snils: "567-890-123 43", docType: "RF_PASSPORT", series: "3203", number: "300400", trusted: true}
)

// school is a small world: the ministry, a municipality with one school, a
// director, a mother and her son in 5А, and an unrelated parent.
type school struct {
	*world
	schoolID, classID, sonID, motherID uuid.UUID
}

func newSchool(t testing.TB) *school {
	w := newWorld(t)
	kem := w.municipality("kemerovo", "32701000")
	ministry := w.org("ministry", "ministry", nil, "4205000001", "1024200000001")
	sch := w.org("school", "school-1", &kem, "4205000002", "1024200000002")
	class := w.class(sch, "5А", 5)
	w.staff(w.addPerson(minister), ministry, "ministry_official", nil)
	w.staff(w.addPerson(director), sch, "director", nil)
	mum := w.addPerson(mother)
	kid := w.addPerson(son)
	w.enroll(kid, sch, &class)
	w.link(mum, kid, "mother")
	w.addPerson(otherParent)
	return &school{world: w, schoolID: sch, classID: class, sonID: kid, motherID: mum}
}

func TestPersonValidationDuplicatesAndInjection(t *testing.T) {
	s := newSchool(t)
	tok := s.token(director)
	good := registryapi.PersonInput{FamilyName: "Иванов", GivenName: "Пётр", MiddleName: "Ильич", BirthDate: "2016-05-05", Gender: "M",
		SNILS: "678-901-234 38", Document: &registryapi.Document{Type: "BRTH_CERT", Series: "II-ЛО", Number: "123456"}}
	var created registryapi.Person
	s.mustDo(http.MethodPost, "/api/registry/people", tok, good, http.StatusCreated, &created)
	if created.SNILS != "***-***-*** 38" || created.Document == nil || created.Document.Number != "****56" {
		t.Fatalf("new person not masked: %+v", created)
	}

	bad := func(mod func(*registryapi.PersonInput)) registryapi.PersonInput {
		in := good
		in.SNILS = "789-012-345 23"
		mod(&in)
		return in
	}
	for _, c := range []struct {
		name   string
		in     registryapi.PersonInput
		status int
		field  string
	}{
		{"invalid SNILS checksum", bad(func(in *registryapi.PersonInput) { in.SNILS = "789-012-345 24" }), 400, "snils"},
		{"script in a name", bad(func(in *registryapi.PersonInput) { in.FamilyName = "<script>alert(1)</script>" }), 400, "family_name"},
		{"SQL in a name", bad(func(in *registryapi.PersonInput) { in.GivenName = "Robert'); DROP TABLE registry.people;--" }), 400, "given_name"},
		{"formula in a name", bad(func(in *registryapi.PersonInput) { in.FamilyName = "=HYPERLINK(\"http://x\")" }), 400, "family_name"},
		{"born tomorrow", bad(func(in *registryapi.PersonInput) { in.BirthDate = "2026-11-23" }), 400, "birth_date"},
		{"bad gender", bad(func(in *registryapi.PersonInput) { in.Gender = "X" }), 400, "gender"},
		{"bad birth certificate", bad(func(in *registryapi.PersonInput) {
			in.Document = &registryapi.Document{Type: "BRTH_CERT", Series: "ZZ", Number: "1"}
		}), 400, "document"},
		{"same SNILS again", bad(func(in *registryapi.PersonInput) { in.SNILS = good.SNILS }), 409, ""},
		{"same name and birth date", bad(func(in *registryapi.PersonInput) {}), 409, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p httpx.Problem
			if code := s.do(http.MethodPost, "/api/registry/people", tok, c.in, &p); code != c.status {
				t.Fatalf("status %d, want %d: %+v", code, c.status, p)
			}
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Fatalf("field errors %+v, want %s", p.Errors, c.field)
			}
			if c.status == 409 && p.Extra == nil {
				var raw map[string]any
				s.do(http.MethodPost, "/api/registry/people", tok, c.in, &raw)
				if raw["existing_id"] != created.ID.String() {
					t.Fatalf("conflict does not name the existing person: %v", raw)
				}
			}
		})
	}
	// A confirmed namesake is accepted.
	ok := bad(func(in *registryapi.PersonInput) { in.ConfirmNotDuplicate = true })
	s.mustDo(http.MethodPost, "/api/registry/people", tok, ok, http.StatusCreated, nil)

	var n int
	if err := s.d.Pool.QueryRow(t.Context(), `SELECT count(*) FROM registry.people WHERE family_name = 'Иванов'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d people named Иванов, want exactly the two accepted", n)
	}
	// Nobody outside an organisation's administration may create people.
	if code := s.do(http.MethodPost, "/api/registry/people", s.token(mother), good, nil); code != http.StatusForbidden {
		t.Fatalf("a parent created a person: %d", code)
	}
}

func TestPersonReadIsScopedMaskedAndAudited(t *testing.T) {
	s := newSchool(t)
	path := "/api/registry/people/" + s.sonID.String()
	for _, c := range []struct {
		who    esia
		status int
	}{
		{mother, 200}, {director, 200}, {minister, 200},
		{otherParent, 404}, // BOLA: a parent reading another parent's child by id
		{son, 403},         // the child's own account was not created by a parent: not matched, no roles at all
	} {
		if code := s.do(http.MethodGet, path, s.token(c.who), nil, nil); code != c.status {
			t.Fatalf("%s reading the child: %d, want %d", c.who.family, code, c.status)
		}
	}
	var p registryapi.Person
	s.mustDo(http.MethodGet, path, s.token(mother), nil, http.StatusOK, &p)
	if p.SNILS != "***-***-*** 99" {
		t.Fatalf("masked read shows %q", p.SNILS)
	}
	s.mustDo(http.MethodGet, path+"?reveal=true", s.token(mother), nil, http.StatusOK, &p)
	if p.SNILS != "234-567-890 99" || p.Document.Number != "654321" || p.Document.Series != "I-ЛО" {
		t.Fatalf("parent's revealed read: %+v %+v", p, p.Document)
	}

	// The parent reads who looked at the child's data, and the chain verifies.
	var log registryapi.Page[audit.Record]
	s.mustDo(http.MethodGet, path+"/audit", s.token(mother), nil, http.StatusOK, &log)
	if len(log.Items) < 5 {
		t.Fatalf("%d audit records, want at least the five reads above", len(log.Items))
	}
	newest := log.Items[0]
	if newest.Action != "read" || newest.ActorSubject != mother.oid || len(newest.Fields) != 3 {
		t.Fatalf("newest record %+v", newest)
	}
	if ok, at, err := audit.Verify(t.Context(), s.d.Pool, s.sonID); !ok || err != nil {
		t.Fatalf("audit chain broken at %d: %v", at, err)
	}
	// Someone else's child's log is not found.
	if code := s.do(http.MethodGet, path+"/audit", s.token(otherParent), nil, nil); code != http.StatusNotFound {
		t.Fatalf("foreign parent read the audit log: %d", code)
	}
}

// Names fold one way in Go and SQL — case and ё/е do not matter, a leading
// capital Ё included: a registry «Ёлкина» is found as «Елкина», «ЁЛКИНА»…, a
// new «Елкина» is caught as her duplicate, an ESIA account «ЕЛКИНА» with
// another SNILS is found by name (a mismatch to explain, not «not found»),
// and an imported «Елкина» folds to the same name.
func TestNamesWithCapitalYo(t *testing.T) {
	s := newSchool(t)
	elkina := registryapi.PersonInput{FamilyName: "Ёлкина", GivenName: "Дарья", MiddleName: "Игоревна", BirthDate: "2015-07-07", Gender: "F", SNILS: snils(40)}
	var created registryapi.Person
	s.mustDo(http.MethodPost, "/api/registry/people", s.token(director), elkina, http.StatusCreated, &created)

	for _, name := range []string{"Елкина", "ёлкина", "ЁЛКИНА", "Ёлкина"} {
		var found registryapi.Page[registryapi.Person]
		s.mustDo(http.MethodGet, "/api/registry/people?family_name="+url.QueryEscape(name)+"&birth_date=2015-07-07&given_name=Дарья",
			s.token(minister), nil, http.StatusOK, &found)
		if len(found.Items) != 1 || found.Items[0].ID != created.ID {
			t.Errorf("search for %s: %+v", name, found.Items)
		}
	}

	twin := elkina
	twin.FamilyName, twin.SNILS = "Елкина", snils(41)
	var p map[string]any
	if code := s.do(http.MethodPost, "/api/registry/people", s.token(director), twin, &p); code != http.StatusConflict ||
		p["reason"] != string(registryapi.ReasonDuplicateNameBirthDate) || p["existing_id"] != created.ID.String() {
		t.Errorf("«Елкина» as a new person: %d %v", code, p)
	}

	account := esia{oid: "3000000040", family: "ЕЛКИНА", given: "Дарья", middle: "Игоревна", birth: "2015-07-07", gender: "F", snils: snils(43)}
	if m := s.me(account); m.Identity.Status != registryapi.MatchMismatch {
		t.Errorf("an ESIA account «ЕЛКИНА» with another SNILS: %q, want mismatch (found by name)", m.Identity.Status)
	}

	// An import takes a school's list as confirmed namesakes: «Елкина» is
	// written, and the registry's fold puts her under the same name.
	code, out := s.upload("people", s.token(director), "text/csv",
		strings.NewReader("family_name;given_name;middle_name;birth_date;gender;snils\nЕлкина;Дарья;Игоревна;07.07.2015;F;"+snils(42)+"\n"), -1)
	var n int
	if err := s.d.Pool.QueryRow(t.Context(), `SELECT count(*) FROM registry.people WHERE registry.fold_name(family_name) = 'елкина' AND birth_date = '2015-07-07'`).Scan(&n); err != nil || code != http.StatusCreated || n != 2 {
		t.Errorf("import of «Елкина»: %d %v; %d people fold to «елкина» (%v), want 2", code, out, n, err)
	}
}
