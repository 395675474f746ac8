package submitapplication

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/pdata"
)

// world is every function (small seed, fixture identities) on a fresh
// database, mounted as the all-in-one process mounts them, verifying tokens of
// the real development identity provider; tests call submit-application's
// own handler (f) and the registry's API (reg).
type world struct {
	t      testing.TB
	f      *Function
	sys    System           // every function, as the all-in-one process mounts them
	reg    http.HandlerFunc // the registry's API (served by sys)
	db     *dbtest.Database
	issuer string
	tokens map[string]string // login → access token; "epgu" is the EPGU service account
	ids    map[string]string // placeholders: {school1}, {kid1}, …
}

// Birth dates of the children the world adds to parent1 and parent2: of
// first-grade age on 1 September 2027.
const (
	firstGrader  = "2020-11-10" // 6 years 9 months on 1 September 2027
	firstGrader2 = "2020-12-01"
)

func newWorld(t testing.TB, tunings ...function.Tuning) *world {
	t.Helper()
	rw := OpenSystem(t, 7, tunings...)
	d, issuer := rw.DB, rw.Issuer
	w := &world{t: t, f: rw.Function, sys: rw, reg: rw.Handler.ServeHTTP, db: d, issuer: issuer, tokens: map[string]string{}, ids: map[string]string{}}
	for _, i := range rw.Fixtures.Identities {
		w.ids["{"+i.Login+"}"] = rw.Person(i)
		if !i.NoAccount {
			w.signIn(i.Login)
		}
	}
	w.tokens["epgu"] = rw.ServiceToken("epgu")

	for code, ph := range map[string]string{
		"school-1-kemerovo": "{school1}", "school-2-kemerovo": "{school2}", "school-3-novokuznetsk": "{school3}",
		"kg-1-kemerovo": "{kg1}", "kg-2-kemerovo": "{kg2}", "kg-1-novokuznetsk": "{kg1n}",
		"dod-1-kemerovo": "{dod1}", "dod-1-novokuznetsk": "{dod1n}",
	} {
		w.ids[ph] = rw.Organisation(code)
	}
	w.ids["{kemerovo}"], w.ids["{novokuznetsk}"] = rw.Municipality("kemerovo"), rw.Municipality("novokuznetsk")

	// Children of first-grade age, added through the registry's API by the
	// ministry before any parent signs in (grants are cached per token).
	w.ids["{grader1}"] = w.addChild("Соколов", "Илья", "Игоревич", firstGrader, "M", "{parent1}", "mother", "I-ЛО", "700001")
	w.ids["{grader2}"] = w.addChild("Лебедев", "Пётр", "Максимович", firstGrader2, "M", "{parent2}", "father", "I-ЛО", "700002")

	// Every fixture user has signed in once before (the first sign-in links the
	// ESIA account to the registry person).
	for login := range w.tokens {
		if login != "epgu" {
			w.must(w.reg, http.MethodGet, "/api/registry/me", login, "", nil, http.StatusOK, nil)
		}
	}

	// Windows of the 2027 campaign, relative to the database clock: window 1 is
	// open region-wide; Novokuznetsk has its own window 1 that opens in five
	// days; window 2 opens in two days everywhere else.
	w.exec(`INSERT INTO applications.enrollment_windows (id, academic_year, municipality_id, window_no, opens_at, closes_at) VALUES
		($1, 2027, NULL, 1, now() - interval '1 hour', now() + interval '1 day'),
		($2, 2027, NULL, 2, now() + interval '2 days', now() + interval '60 days'),
		($3, 2027, $4::uuid, 1, now() + interval '5 days', now() + interval '30 days')`,
		uuid.New(), uuid.New(), uuid.New(), w.ids["{novokuznetsk}"])
	// Programmes of additional education.
	w.ids["{prog1}"], w.ids["{prog1n}"], w.ids["{prog-closed}"] = uuid.NewString(), uuid.NewString(), uuid.NewString()
	w.exec(`INSERT INTO applications.programmes (id, organisation_id, municipality_id, name, age_from, age_to, capacity, status) VALUES
		($1, $2, $3, 'Робототехника', 7, 17, 30, 'open'),
		($4, $5, $6, 'Шахматы', 5, 17, 20, 'open'),
		($7, $2, $3, 'Хор', 5, 17, 20, 'closed')`,
		w.ids["{prog1}"], w.ids["{dod1}"], w.ids["{kemerovo}"], w.ids["{prog1n}"], w.ids["{dod1n}"], w.ids["{novokuznetsk}"], w.ids["{prog-closed}"])
	return w
}

// signIn gets a fresh token of login from the development identity provider
// (a new token also starts with a fresh grants cache entry in the registry).
func (w *world) signIn(login string) {
	w.t.Helper()
	w.tokens[login] = devidptest.Token(w.t, w.issuer, login)
}

var snilsSeq = 300_000_000

// addChild creates a child through POST /api/registry/people and links it to
// parent through POST /api/registry/parent-links, as the ministry.
func (w *world) addChild(family, given, middle, birth, gender, parent, relation, series, number string) string {
	w.t.Helper()
	snilsSeq++
	first9 := fmt.Sprint(snilsSeq)
	body := fmt.Sprintf(`{"family_name":%q,"given_name":%q,"middle_name":%q,"birth_date":%q,"gender":%q,"snils":%q,
		"document":{"type":"BRTH_CERT","series":%q,"number":%q},"confirm_not_duplicate":true}`,
		family, given, middle, birth, gender, first9+pdata.SNILSControl(first9), series, number)
	var person struct {
		ID string `json:"id"`
	}
	w.must(w.reg, http.MethodPost, "/api/registry/people", "ministry", body, nil, http.StatusCreated, &person)
	link := fmt.Sprintf(`{"parent_id":%q,"child_id":%q,"relation":%q}`, w.ids[parent], person.ID, relation)
	w.must(w.reg, http.MethodPost, "/api/registry/parent-links", "ministry", link, nil, http.StatusCreated, nil)
	return person.ID
}

func (w *world) exec(sql string, args ...any) { w.t.Helper(); w.db.Exec(w.t, sql, args...) }

func (w *world) count(sql string, args ...any) int {
	w.t.Helper()
	return w.db.Count(w.t, sql, args...)
}

func (w *world) expand(s string) string {
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// call sends a request to h as login (no token when login is "") and returns
// the status and body. Placeholders in path and body are expanded.
func (w *world) call(h http.HandlerFunc, method, path, login, body string, header map[string]string) (int, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(w.expand(body))
	}
	req := httptest.NewRequest(method, w.expand(path), rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[login])
	}
	rec := httptest.NewRecorder()
	h(rec, req)
	return rec.Code, rec.Body.String()
}

func (w *world) must(h http.HandlerFunc, method, path, login, body string, header map[string]string, want int, out any) {
	w.t.Helper()
	code, resp := w.call(h, method, path, login, body, header)
	if code != want {
		w.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, login, code, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			w.t.Fatalf("%s %s: %v: %s", method, path, err, resp)
		}
	}
}

// submit posts body as login with the idempotency key.
func (w *world) submit(login, key, body string) (int, string) {
	return w.call(w.f.Handle, http.MethodPost, "/api/submit-application/applications", login, body, map[string]string{"Idempotency-Key": key})
}

// problem is an RFC 9457 answer.
type problem struct {
	Status         int    `json:"status"`
	Code           string `json:"code"`
	Detail         string `json:"detail"`
	ExistingID     string `json:"existing_id"`
	ExistingNumber string `json:"existing_number"`
	Errors         []struct {
		Field, Code, Message string
	} `json:"errors"`
}

// refused checks an answer that must refuse: its status, a problem with a
// code and a detail and, when field is given, that field's error with code
// and a message.
func refused(t testing.TB, status int, resp string, want int, field, code string) {
	t.Helper()
	if status != want {
		t.Fatalf("%d, want %d: %s", status, want, resp)
	}
	p := parseProblem(t, resp)
	if p.Code == "" || p.Detail == "" {
		t.Fatalf("no code or detail: %s", resp)
	}
	if field != "" && !slices.ContainsFunc(p.Errors, func(e struct{ Field, Code, Message string }) bool {
		return e.Field == field && e.Code == code && e.Message != ""
	}) {
		t.Fatalf("no error %s/%s: %s", field, code, resp)
	}
}

func parseProblem(t testing.TB, body string) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	return p
}

// Request bodies.
func firstGradeBody(child, school, basis, extra string) string {
	return fmt.Sprintf(`{"service":"first_grade","child_id":"%s","first_grade":{"school_id":"%s","basis":"%s"%s}}`, child, school, basis, extra)
}

func kindergartenBody(child string, prefs []string, start, group, privileges string) string {
	q := make([]string, len(prefs))
	for i, p := range prefs {
		q[i] = `"` + p + `"`
	}
	return fmt.Sprintf(`{"service":"kindergarten","child_id":"%s","kindergarten":{"preferences":[%s],"desired_start":"%s","group_type":"%s"%s}}`,
		child, strings.Join(q, ","), start, group, privileges)
}

func additionalBody(child, programme string) string {
	return fmt.Sprintf(`{"service":"additional_education","child_id":"%s","additional_education":{"programme_id":"%s"}}`, child, programme)
}

// nextYearSept1 is a desired kindergarten start in the future.
func nextYearSept1() string { return fmt.Sprintf("%d-09-01", time.Now().Year()+1) }
