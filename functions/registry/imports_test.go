package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/text/encoding/charmap"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/pdata"
)

// upload posts a CSV body as the holder of token.
func (w *world) upload(kind, token, contentType string, body io.Reader, length int64) (int, map[string]any) {
	w.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/registry/imports/"+kind, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	if length >= 0 {
		req.ContentLength = length
	}
	rec := httptest.NewRecorder()
	w.f.Handle(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func (w *world) counts() string {
	var p, o, e, ob, a int
	err := w.d.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM registry.people), (SELECT count(*) FROM registry.organisations),
		(SELECT count(*) FROM registry.enrollments), (SELECT count(*) FROM platform.outbox),
		(SELECT count(*) FROM platform.audit_log)`).Scan(&p, &o, &e, &ob, &a)
	if err != nil {
		w.t.Fatal(err)
	}
	return fmt.Sprintf("people=%d organisations=%d enrollments=%d outbox=%d audit=%d", p, o, e, ob, a)
}

// snils makes the n-th valid SNILS of a range no test fixture uses.
func snils(n int) string {
	first9 := fmt.Sprintf("%09d", 700000000+n)
	return first9 + pdata.SNILSControl(first9)
}

func TestImportPeopleAllOrNothing(t *testing.T) {
	s := newSchool(t)
	tok := s.token(director)
	good := "family_name;given_name;middle_name;birth_date;gender;snils;doc_type;doc_series;doc_number\n" +
		"Кузнецов;Иван;Петрович;2016-02-03;M;" + snils(1) + ";BRTH_CERT;I-ЛО;111111\n" +
		"Кузнецова;Ольга;Петровна;05.06.2017;Ж;" + snils(2) + ";BRTH_CERT;I-ЛО;111112\n"

	bad := []struct {
		name, contentType, body string
		status                  int
		wantColumn              string
	}{
		{"wrong SNILS checksum", "text/csv", strings.Replace(good, snils(2), snils(2)[:10]+"9", 1), 422, "snils"},
		{"missing column", "text/csv", "family_name;given_name;gender\nИванов;Иван;M\n", 422, ""},
		{"declared UTF-8, sent Windows-1251", "text/csv; charset=utf-8", win1251(good), 422, ""},
		{"duplicate rows", "text/csv", good + "Кузнецов;Иван;Петрович;2016-02-03;M;" + snils(1) + ";BRTH_CERT;I-ЛО;111111\n", 422, "snils"},
		{"person already in the registry", "text/csv", good + "Соколова;Анна;Сергеевна;1987-04-12;F;" + mother.snils + ";;;\n", 422, "snils"},
		{"formula in a name", "text/csv", good + "=cmd|' /C calc'!A0;Иван;;2016-01-01;M;" + snils(3) + ";;;\n", 422, "family_name"},
		{"script in a name", "text/csv", good + "<script>;Иван;;2016-01-01;M;" + snils(4) + ";;;\n", 422, "family_name"},
		{"SQL in a name", "text/csv", good + "Robert'); DROP TABLE registry.people;--;Иван;;2016-01-01;M;" + snils(5) + ";;;\n", 422, ""},
		{"not CSV content type", "application/json", good, 415, ""},
		{"misspelt column", "text/csv", strings.Replace(good, ";snils;", ";snils_number;", 1), 422, ""},
		{"a column twice", "text/csv", strings.Replace(good, ";gender;", ";gender;gender;", 1), 422, ""},
		{"a workbook sent as CSV", "text/csv", "PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", 415, ""},
	}
	before := s.counts()
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			code, out := s.upload("people", tok, c.contentType, strings.NewReader(c.body), -1)
			if code != c.status {
				t.Fatalf("status %d, want %d: %v", code, c.status, out)
			}
			if c.wantColumn != "" {
				rows, _ := out["errors"].([]any)
				found := false
				for _, r := range rows {
					if m, _ := r.(map[string]any); m["column"] == c.wantColumn && m["row"].(float64) >= 2 {
						found = true
					}
				}
				if !found {
					t.Fatalf("no per-row error on %s: %v", c.wantColumn, out)
				}
			}
			if after := s.counts(); after != before {
				t.Fatalf("a refused file wrote something: %s → %s", before, after)
			}
		})
	}

	// A misspelt column is named, with the columns the file may have: its data is not dropped.
	code, out := s.upload("people", tok, "text/csv", strings.NewReader(strings.Replace(good, ";snils;", ";snils_number;", 1)), -1)
	if unknown, _ := out["unknown_columns"].([]any); code != 422 || len(unknown) != 1 || unknown[0] != "snils_number" ||
		out["reason"] != "columns" || !strings.Contains(fmt.Sprint(out["known_columns"]), "snils") {
		t.Fatalf("a misspelt column: %d %v", code, out)
	}

	// A file over the limit is refused from its Content-Length, before it is read.
	code, _ = s.upload("people", tok, "text/csv", readerThatMustNotBeRead{t}, MaxImportBytes+1)
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized file: %d", code)
	}
	// Only an organisation's administration or officials import.
	if code, _ := s.upload("people", s.token(mother), "text/csv", strings.NewReader(good), -1); code != http.StatusForbidden {
		t.Fatalf("a parent imported: %d", code)
	}

	// A good UTF-8 file and a good Windows-1251 file with ',' both load, with events and audit.
	if code, out := s.upload("people", tok, "text/csv", strings.NewReader(good), -1); code != 201 || out["created"].(float64) != 2 {
		t.Fatalf("good file: %d %v", code, out)
	}
	cp := "family_name,given_name,middle_name,birth_date,gender,snils\nЁлкина,Дарья,Игоревна,2015-07-07,F," + snils(6) + "\n"
	if code, out := s.upload("people", tok, "text/csv", strings.NewReader(win1251(cp)), -1); code != 201 {
		t.Fatalf("Windows-1251 file: %d %v", code, out)
	}
	var name string
	if err := s.d.Pool.QueryRow(t.Context(), `SELECT family_name FROM registry.people WHERE family_name LIKE 'Ё%'`).Scan(&name); err != nil || name != "Ёлкина" {
		t.Fatalf("Windows-1251 name stored as %q (%v)", name, err)
	}
	var events, audits int
	_ = s.d.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM platform.outbox WHERE type = $1),
		(SELECT count(*) FROM platform.audit_log WHERE object = 'registry.import')`, registryapi.EventPersonCreated).Scan(&events, &audits)
	if events != 3 || audits != 3 {
		t.Fatalf("%d person.created events and %d audit records, want 3 and 3", events, audits)
	}
}

func TestImportOrganisationsAndEnrollmentsWithinScope(t *testing.T) {
	s := newSchool(t)
	nvkz := s.municipality("novokuznetsk", "32731000")
	_ = nvkz
	munOfficial := esia{oid: "3000000010", family: "Кравцов", given: "Дмитрий", middle: "Анатольевич", birth: "1978-02-11", gender: "M",
		snils: "104-205-306 84", docType: "RF_PASSPORT", series: "3223", number: "100002", trusted: true}
	var kem uuid.UUID
	if err := s.d.Pool.QueryRow(t.Context(), `SELECT id FROM registry.municipalities WHERE code = 'kemerovo'`).Scan(&kem); err != nil {
		t.Fatal(err)
	}
	authority := s.org("municipal_authority", "mun-kemerovo", &kem, "4205000023", "1024200000021")
	s.staff(s.addPerson(munOfficial), authority, "municipal_official", nil)

	orgs := "code;kind;full_name;short_name;inn;ogrn;municipality;address\n" +
		"school-50;school;МБОУ «Средняя общеобразовательная школа № 50»;МБОУ «СОШ № 50»;4205000094;1024200000098;kemerovo;ул. Ленина, 1\n"
	foreign := orgs + "school-51;school;МБОУ «Средняя общеобразовательная школа № 51»;МБОУ «СОШ № 51»;4217000109;1024210000100;novokuznetsk;\n"
	before := s.counts()
	code, out := s.upload("organisations", s.token(munOfficial), "text/csv", strings.NewReader(foreign), -1)
	if code != 422 || !strings.Contains(fmt.Sprint(out["errors"]), "нет прав") || s.counts() != before {
		t.Fatalf("another municipality's school: %d %v", code, out)
	}
	if code, out := s.upload("organisations", s.token(munOfficial), "text/csv", strings.NewReader(orgs), -1); code != 201 {
		t.Fatalf("own municipality: %d %v", code, out)
	}

	enr := "snils;organisation;class;academic_year;starts_on\n" + son.snils + ";school-1;9Я;2025;01.09.2025\n"
	if code, out := s.upload("enrollments", s.token(director), "text/csv", strings.NewReader(enr), -1); code != 422 || !strings.Contains(fmt.Sprint(out), "нет класса") {
		t.Fatalf("unknown class: %d %v", code, out)
	}
	again := "snils;organisation;class;academic_year;starts_on\n" + son.snils + ";school-1;5А;2026;01.09.2026\n"
	if code, out := s.upload("enrollments", s.token(director), "text/csv", strings.NewReader(again), -1); code != 422 || !strings.Contains(fmt.Sprint(out), "уже зачислен") {
		t.Fatalf("enrolled twice: %d %v", code, out)
	}
	s.class(s.schoolID, "7Б", 7)
	enr = "snils;organisation;class;academic_year;starts_on\n" + son.snils + ";school-1;7Б;2027;01.09.2027\n"
	if code, out := s.upload("enrollments", s.token(director), "text/csv", strings.NewReader(enr), -1); code != 422 {
		t.Fatalf("class of another year accepted: %d %v", code, out)
	}
	enr = "snils;organisation;academic_year;starts_on;ends_on\n" + son.snils + ";4205000002;2025;2025-09-01;2026-05-31\n"
	if code, out := s.upload("enrollments", s.token(director), "text/csv", strings.NewReader(enr), -1); code != 201 {
		t.Fatalf("enrollment by INN: %d %v", code, out)
	}
	if ok, at, err := audit.Verify(t.Context(), s.d.Pool, s.sonID); !ok || err != nil {
		t.Fatalf("audit chain after a bulk append broken at %d: %v", at, err)
	}
}

func win1251(s string) string {
	b, err := charmap.Windows1251.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

// readerThatMustNotBeRead fails the test if the handler reads an oversized body.
type readerThatMustNotBeRead struct{ t *testing.T }

func (r readerThatMustNotBeRead) Read([]byte) (int, error) {
	r.t.Error("an oversized import was read")
	return 0, io.EOF
}

func BenchmarkImportPeople100k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("family_name;given_name;middle_name;birth_date;gender;snils;doc_type;doc_series;doc_number\n")
	for i := range 100_000 {
		fmt.Fprintf(&sb, "Петров;Пётр;Петрович;2015-%02d-%02d;M;%s;BRTH_CERT;I-ЛО;%06d\n", i%12+1, i%28+1, snils(100+i), i)
	}
	file := sb.String()
	for b.Loop() {
		b.StopTimer()
		s := newSchool(b)
		tok := s.token(director)
		b.StartTimer()
		code, out := s.upload("people", tok, "text/csv", strings.NewReader(file), -1)
		if code != 201 {
			b.Fatalf("%d %v", code, out)
		}
	}
}
