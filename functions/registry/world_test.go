package registry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
)

// today is the fixed date of every registry test.
var today = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// world is a running registry on a fresh database with a test issuer.
type world struct {
	t   testing.TB
	f   *Function
	d   *dbtest.Database
	iss *authtest.Issuer
}

func newWorld(t testing.TB) *world {
	t.Helper()
	iss := authtest.NewIssuer(t)
	sys := OpenSystem(t, iss.Config())
	f := sys.Function
	f.Now = func() time.Time { return today }
	return &world{t: t, f: f, d: sys.DB, iss: iss}
}

// esia is an ESIA account as claims.
type esia struct {
	oid                     string
	family, given, middle   string
	birth, gender, snils    string
	docType, series, number string
	trusted                 bool
	createdBy               string
	children                []esia
}

func (a esia) personClaims() map[string]any {
	return map[string]any{
		"oid": a.oid, "family_name": a.family, "given_name": a.given, "middle_name": a.middle,
		"fullname":  a.family + " " + a.given + " " + a.middle,
		"birthdate": a.birth, "gender": a.gender, "snils": a.snils,
		"id_doc": map[string]any{"type": a.docType, "series": a.series, "number": a.number},
	}
}

func (w *world) token(a esia) string {
	claims := a.personClaims()
	claims["trusted"] = a.trusted
	if a.createdBy != "" {
		claims["created_by"] = a.createdBy
	}
	var kids []map[string]any
	for _, c := range a.children {
		kids = append(kids, c.personClaims())
	}
	if kids != nil {
		claims["children"] = kids
	}
	return w.iss.Mint(w.t, authtest.Token{Subject: a.oid, Claims: claims})
}

// addPerson stores a as a registry person (the way an import would) and returns its id.
func (w *world) addPerson(a esia) uuid.UUID {
	w.t.Helper()
	in := registryapi.PersonInput{FamilyName: a.family, GivenName: a.given, MiddleName: a.middle, BirthDate: a.birth, Gender: a.gender, SNILS: a.snils,
		ConfirmNotDuplicate: true}
	if a.docType != "" {
		in.Document = &registryapi.Document{Type: a.docType, Series: a.series, Number: a.number}
	}
	n, fe := validatePerson(&in, today)
	if len(fe) > 0 {
		w.t.Fatalf("fixture person %s invalid: %+v", a.family, fe)
	}
	var id uuid.UUID
	err := db.InTx(context.Background(), w.d.Pool, func(tx pgx.Tx) error {
		var err error
		id, err = w.f.insertPerson(context.Background(), tx, n)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	w.d.Exec(w.t, sql, args...)
}

// org inserts an organisation and returns its id.
func (w *world) org(kind, code string, municipality *uuid.UUID, inn, ogrn string) uuid.UUID {
	id := uuid.New()
	w.exec(`INSERT INTO registry.organisations (id, code, kind, full_name, short_name, inn, ogrn, municipality_id)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`, id, code, kind, "Организация "+code, inn, ogrn, municipality)
	return id
}

func (w *world) municipality(code, oktmo string) uuid.UUID {
	id := uuid.New()
	w.exec(`INSERT INTO registry.municipalities (id, code, name, oktmo) VALUES ($1, $2, $3, $4)`, id, code, "Округ "+code, oktmo)
	return id
}

func (w *world) staff(person, org uuid.UUID, role string, class *uuid.UUID) {
	w.exec(`INSERT INTO registry.staff (id, person_id, organisation_id, role, class_id, starts_on) VALUES ($1, $2, $3, $4, $5, '2020-09-01')`,
		uuid.New(), person, org, role, class)
}

func (w *world) class(org uuid.UUID, name string, grade int) uuid.UUID {
	id := uuid.New()
	w.exec(`INSERT INTO registry.classes (id, organisation_id, academic_year, name, kind, grade) VALUES ($1, $2, 2026, $3, 'class', $4)`, id, org, name, grade)
	return id
}

func (w *world) enroll(person, org uuid.UUID, class *uuid.UUID) {
	w.exec(`INSERT INTO registry.enrollments (id, person_id, organisation_id, class_id, academic_year, starts_on) VALUES ($1, $2, $3, $4, 2026, '2026-09-01')`,
		uuid.New(), person, org, class)
}

func (w *world) link(parent, child uuid.UUID, relation string) {
	w.exec(`INSERT INTO registry.parent_links (id, parent_id, child_id, relation, source) VALUES ($1, $2, $3, $4, 'import')`, uuid.New(), parent, child, relation)
}

// do sends a request as the holder of token and decodes a JSON answer into out.
func (w *world) do(method, path, token string, body any, out any) int {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	w.f.Handle(rec, req)
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			w.t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	return rec.Code
}

func (w *world) mustDo(method, path, token string, body any, want int, out any) {
	w.t.Helper()
	var raw json.RawMessage
	code := w.do(method, path, token, body, &raw)
	if code != want {
		w.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			w.t.Fatal(err)
		}
	}
}

var _ http.Handler = http.HandlerFunc(nil)
