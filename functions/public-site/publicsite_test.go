package publicsite_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/encoding/charmap"

	"github.com/kuzbass/eko/ekotest"
	collegeapi "github.com/kuzbass/eko/functions/college/api"
	"github.com/kuzbass/eko/functions/public-site"
	publicsiteapi "github.com/kuzbass/eko/functions/public-site/api"

	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// newSite is the seeded region with the public site's first snapshot read.
func newSite(t *testing.T) *ekotest.API {
	w := ekotest.Open(t, ekotest.Options{Seed: 17})
	if err := w.Function(publicsite.Name).(*publicsite.Function).Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := &ekotest.API{T: t, Sys: w, IDs: map[string]string{}}
	a.IDs["{school1}"] = w.Organisation(t, "school-1-kemerovo")
	return a
}

// get fetches path anonymously with the request's headers.
func get(t *testing.T, a *ekotest.API, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, a.Expand(path), nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return a.Sys.Call(t, "", req)
}

// An anonymous visitor finds school No. 1 by its name as people type it —
// exactly, in lower case with «ё», with a typo — filters by municipality and
// kind, and opens its card with the contacts and the licence; a page
// carries its ETag and Cache-Control and answers 304 when the ETag matches;
// bad filters are a 400 page in Russian, an unknown card a 404.
func TestDirectory(t *testing.T) {
	a := newSite(t)
	school1 := a.IDs["{school1}"]
	kemerovo := a.One(`SELECT municipality_id::text FROM registry.organisations WHERE id = $1`, school1)
	for _, q := range []string{"СОШ № 1", "сош 1", "шкАла 1 кемерово", a.One(`SELECT inn FROM registry.organisations WHERE id = $1`, school1)} {
		rec := get(t, a, "/public-site/organisations?q="+urlQuery(q)+"&municipality="+kemerovo+"&kind=school", nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-id="`+school1+`"`) {
			t.Fatalf("%q: %d, school No. 1 not found: %.1500s", q, rec.Code, rec.Body.String())
		}
	}
	rec := get(t, a, "/public-site/organisations/{school1}", nil)
	body := rec.Body.String()
	etag := rec.Header().Get("ETag")
	if rec.Code != http.StatusOK || !strings.Contains(body, `id="org-licence">№ Л035-01226-42/`) || !strings.Contains(body, `id="org-phone"`) ||
		!strings.Contains(body, `id="org-email"`) || etag == "" || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public, max-age=") {
		t.Fatalf("the card: %d %v %.2000s", rec.Code, rec.Header(), body)
	}
	// Never a person: not the director, not a pupil.
	for _, person := range []string{"Соколов", a.One(`SELECT p.family_name FROM registry.staff s JOIN registry.people p ON p.id = s.person_id
		WHERE s.organisation_id = $1 AND s.role = 'director'`, school1)} {
		if strings.Contains(body, person) {
			t.Fatalf("the card names %s", person)
		}
	}
	if rec := get(t, a, "/public-site/organisations/{school1}", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("a matching If-None-Match: %d", rec.Code)
	}
	for path, want := range map[string]string{
		"/public-site/organisations?kind=zoo":                             "вида организаций",
		"/public-site/organisations?municipality=nowhere":                 "муниципального образования",
		"/public-site/organisations?page=0":                               "омер страницы",
		"/public-site/organisations?q=" + strings.Repeat("ш", 101):        "не длиннее 100",
		"/public-site/open-data/organisations.csv?encoding=koi8-r":        "одировка: utf-8",
		"/public-site/organisations/0191c0de-0000-7000-8000-00000000f001": "нет в справочнике",
	} {
		rec := get(t, a, path, nil)
		if rec.Code/100 != 4 || !strings.Contains(rec.Body.String(), want) || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %s %q", path, rec.Code, rec.Header().Get("Cache-Control"), regexp.MustCompile(`id="error" role="alert">[^<]*`).FindString(rec.Body.String()))
		}
	}
	// A college's card lists its specialties of next September's admission.
	college := a.One(`SELECT id::text FROM registry.organisations WHERE kind = 'college' ORDER BY code LIMIT 1`)
	a.Must(http.MethodPost, "/api/college/specialties", "ministry", `{"organisation_id":"`+college+`","academic_year":`+itoa(kuzbass.AcademicYearOf(time.Now())+1)+`,
		"code":"54.02.01","title":"Дизайн (по отраслям)","form":"full_time","after_grade":9,"duration":"3 года 10 месяцев","budget_places":15,"paid_places":10,
		"entrance_test":"творческое испытание: рисунок"}`, http.StatusCreated, nil)
	if err := a.Sys.Function(publicsite.Name).(*publicsite.Function).Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, a, "/public-site/organisations/"+college, nil); !regexp.MustCompile(`data-code="54.02.01"><td>54.02.01</td><td><a href="/public-site/admission/[0-9a-f-]{36}">Дизайн \(по отраслям\)</a><br><span class="small muted">вступительное испытание: творческое испытание: рисунок</span></td>\s*<td>очная, на базе 9 классов, 3 года 10 месяцев</td><td>15</td><td>10</td>`).MatchString(rec.Body.String()) {
		t.Fatalf("the college's card: %.3000s", rec.Body.String())
	}
	// The list pages through everything the registry has.
	rec = get(t, a, "/public-site/organisations", nil)
	total := a.Count(`SELECT count(*) FROM registry.organisations WHERE status = 'active'`)
	if m := regexp.MustCompile(`data-total="(\d+)"`).FindStringSubmatch(rec.Body.String()); m == nil || m[1] != itoa(total) {
		t.Fatalf("the directory lists %v of %d", m, total)
	}
}

// The open data: the same organisations in JSON, in CSV for Excel (UTF-8
// with a BOM, or Windows-1251, «;»-separated, the header the passport's
// fields), and the passport counting them; nothing of a person.
func TestOpenData(t *testing.T) {
	a := newSite(t)
	client := publicsiteapi.New(httpx.InProcess(publicsiteapi.Name, a.Sys.Function(publicsite.Name)))
	list, err := client.Organisations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pass, err := client.Passport(t.Context())
	if err != nil || pass.Records != len(list) || len(list) != a.Count(`SELECT count(*) FROM registry.organisations WHERE status = 'active'`) {
		t.Fatalf("%d organisations, the passport %+v: %v", len(list), pass, err)
	}
	rec := get(t, a, "/public-site/open-data/organisations.csv?encoding=windows-1251", nil)
	text, err := charmap.Windows1251.NewDecoder().String(rec.Body.String())
	if err != nil || rec.Header().Get("Content-Type") != "text/csv; charset=windows-1251" {
		t.Fatalf("cp1251: %v %v", err, rec.Header())
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != len(list)+1 || len(rows[0]) != len(pass.Fields) || rows[0][0] != "id" {
		t.Fatalf("the CSV: %d rows, %v", len(rows), err)
	}
	if !strings.Contains(text, "МБОУ «СОШ № 1»") {
		t.Fatalf("school No. 1 is not in the cp1251 CSV")
	}
	utf := get(t, a, "/public-site/open-data/organisations.csv", nil).Body.String()
	if !strings.HasPrefix(utf, "\ufeffid;kind;") {
		t.Fatalf("the UTF-8 CSV starts %q", utf[:20])
	}
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), "Соколов") || strings.Contains(string(raw), "snils") {
		t.Fatal("the open data names a person")
	}
}

func urlQuery(s string) string { return strings.NewReplacer(" ", "+", "№", "%E2%84%96").Replace(s) }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// An anonymous visitor checks kid1's kindergarten application by its
// number and her birth date: the place in each chosen kindergarten's queue
// with the kindergarten named, never cached; a wrong date is a 404 on the
// page, a malformed number a 400. Then finds a programme for a child in
// the additional-education catalogue, with its free places.
func TestServicePages(t *testing.T) {
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	w := ekotest.Open(t, ekotest.Options{Seed: 7, Today: day, Year: true})
	if err := w.Function(publicsite.Name).(*publicsite.Function).Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := &ekotest.API{T: t, Sys: w, IDs: map[string]string{}}
	kid1, _ := w.Fixtures.Identity("kid1")
	var number, birth string
	if err := w.DB.Pool.QueryRow(t.Context(), `SELECT number, to_char(child_birth_date, 'YYYY-MM-DD') FROM applications.applications
		WHERE child_id = $1 AND service = 'kindergarten'`, w.Person(t, kid1)).Scan(&number, &birth); err != nil {
		t.Fatal(err)
	}
	rec := get(t, a, "/public-site/kindergarten-queue?number="+number+"&birth_date="+birth, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" ||
		!regexp.MustCompile(`data-kindergarten-id="`+w.Organisation(t, "kg-1-kemerovo")+`"><td>\d</td>\s*<td><a [^>]*>МБДОУ «Детский сад № 1»</a></td>\s*<td class="position">\d+ из \d+</td>`).MatchString(rec.Body.String()) {
		t.Fatalf("kid1's queue: %d %v %.3000s", rec.Code, rec.Header(), rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "Соколов") {
		t.Fatal("the page names the family")
	}
	if rec := get(t, a, "/public-site/kindergarten-queue?number="+number+"&birth_date=2001-01-01", nil); rec.Code != http.StatusNotFound ||
		!strings.Contains(rec.Body.String(), `id="queue-error"`) {
		t.Fatalf("a wrong birth date: %d", rec.Code)
	}
	if rec := get(t, a, "/public-site/kindergarten-queue?number=12345&birth_date="+birth, nil); rec.Code != http.StatusBadRequest {
		t.Fatalf("a malformed number: %d", rec.Code)
	}
	if rec := get(t, a, "/public-site/kindergarten-queue", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="queue-form"`) {
		t.Fatalf("the form: %d", rec.Code)
	}

	// The additional-education catalogue: every open programme with its
	// organisation and free places as submit-application counts them; the
	// age filter keeps only those whose ages hold it.
	var prog, name, ages string
	var free *int
	if err := w.DB.Pool.QueryRow(t.Context(), `SELECT p.id::text, p.name, p.age_from || '–' || p.age_to,
			p.capacity - (SELECT count(*) FROM applications.applications a WHERE a.status = 'enrolled' AND a.target_key = 'programme:' || p.id::text)
		FROM applications.programmes p WHERE p.status = 'open' AND p.capacity IS NOT NULL ORDER BY p.name LIMIT 1`).Scan(&prog, &name, &ages, &free); err != nil {
		t.Fatal(err)
	}
	open := a.Count(`SELECT count(*) FROM applications.programmes WHERE status = 'open'`)
	rec = get(t, a, "/public-site/programmes", nil)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `class="card programme"`) != open ||
		!regexp.MustCompile(`data-id="`+prog+`" data-free="`+itoa(*free)+`">\s*<strong>`+regexp.QuoteMeta(name)+`</strong>\s*<div class="small"><a [^>]*>[^<]+</a> · `+ages+` лет`).MatchString(rec.Body.String()) {
		t.Fatalf("the catalogue (%d open; %s %s free %d): %d %.3000s", open, name, ages, *free, rec.Code, rec.Body.String())
	}
	young := a.Count(`SELECT count(*) FROM applications.programmes WHERE status = 'open' AND age_from <= 6 AND age_to >= 6`)
	if rec := get(t, a, "/public-site/programmes?age=6", nil); strings.Count(rec.Body.String(), `class="card programme"`) != young {
		t.Fatalf("programmes for a six-year-old: %d, want %d", strings.Count(rec.Body.String(), `class="card programme"`), young)
	}
	if rec := get(t, a, "/public-site/programmes?age=40", nil); rec.Code != http.StatusBadRequest {
		t.Fatalf("age 40: %d", rec.Code)
	}

	// The seed opened next September's admission at every college: four
	// specialties each, on the college's card.
	college := a.One(`SELECT id::text FROM registry.organisations WHERE kind = 'college' ORDER BY code LIMIT 1`)
	card := get(t, a, "/public-site/organisations/"+college, nil).Body.String()
	if n := strings.Count(card, "<tr data-code="); n != 4 {
		t.Fatalf("the seeded college's card lists %d specialties, want 4", n)
	}
	// Each specialty's ranked list, linked from the card, as college ranks
	// it: the same numbers in the same order, and no applicant's name.
	spec := a.One(`SELECT s.id::text FROM college.specialties s WHERE s.organisation_id = $1
		ORDER BY (SELECT count(*) FROM college.choices c WHERE c.specialty_id = s.id) DESC, s.code LIMIT 1`, college)
	if !strings.Contains(card, `href="/public-site/admission/`+spec+`"`) {
		t.Fatalf("the card does not link the list of %s: %.3000s", spec, card)
	}
	l, err := collegeapi.New(httpx.InProcess(collegeapi.Name, a.Sys)).List(t.Context(), uuid.MustParse(spec))
	if err != nil || len(l.Items) < 3 {
		t.Fatalf("the seeded list: %+v %v", l, err)
	}
	rec = get(t, a, "/public-site/admission/"+spec, nil)
	page := rec.Body.String()
	got := regexp.MustCompile(`<tr data-number="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if rec.Code != http.StatusOK || len(got) != len(l.Items) || rec.Header().Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("the public list: %d %d rows of %d, %q", rec.Code, len(got), len(l.Items), rec.Header().Get("Cache-Control"))
	}
	for i, x := range l.Items {
		if got[i][1] != x.Number {
			t.Fatalf("row %d: %s, want %s", i, got[i][1], x.Number)
		}
	}
	for _, name := range strings.Split(a.One(`SELECT string_agg(a.full_name, '|') FROM college.applications a JOIN college.choices c ON c.application_id = a.id
		WHERE c.specialty_id = $1`, spec), "|") {
		if strings.Contains(page, strings.Fields(name)[0]) {
			t.Fatalf("the public list names %s", name)
		}
	}
	if rec := get(t, a, "/public-site/admission/"+uuid.NewString(), nil); rec.Code != http.StatusNotFound {
		t.Fatalf("an unknown specialty's list: %d", rec.Code)
	}

	// Next September's first grade in Kemerovo: the windows and each
	// school's places as the school planned them.
	school1, kemerovo := w.Organisation(t, "school-1-kemerovo"), w.Municipality(t, "kemerovo")
	places := a.One(`SELECT places::text FROM applications.first_grade_places WHERE organisation_id = $1`, school1)
	rec = get(t, a, "/public-site/first-grade?municipality="+kemerovo, nil)
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `class="card window"`) != 2 ||
		!regexp.MustCompile(`data-school-id="`+school1+`"><td><a [^>]*>МБОУ «СОШ № 1»</a></td><td>`+places+`</td><td>\d+</td><td class="free">\d+</td>`).MatchString(rec.Body.String()) {
		t.Fatalf("Kemerovo's first grade (school No. 1 plans %s): %d %.3000s", places, rec.Code, rec.Body.String())
	}
}

var everyone = []string{"ministry", "mun-kemerovo", "mun-novokuznetsk", "director-s1", "teacher-s1", "teacher-s2",
	"parent1", "student1", "parent2", "student2", "opeka-kemerovo", "kdn-kemerovo", "kg-director-1", "guardian1", "college-director-1", ""}

// TestAuthorizationMatrix: every route × every fixture login and no token:
// the public site answers everyone alike — a token changes nothing.
func TestAuthorizationMatrix(t *testing.T) {
	a := newSite(t)
	var s collegeapi.Specialty
	a.Must(http.MethodPost, "/api/college/specialties", "ministry", fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"code":"09.02.07",
		"title":"Информационные системы и программирование","form":"full_time","after_grade":9,"duration":"3 года 10 месяцев","budget_places":25,"paid_places":0}`,
		a.Sys.Organisation(t, "college-1-kemerovo"), kuzbass.AcademicYearOf(time.Now())+1), http.StatusCreated, &s)
	a.IDs["{specialty}"] = s.ID.String()
	var rows []authtest.Case
	for route, path := range map[string]string{
		"GET /public-site/{$}":                          "/public-site/",
		"GET /public-site/organisations":                "/public-site/organisations?kind=school",
		"GET /public-site/organisations/{id}":           "/public-site/organisations/{school1}",
		"GET /public-site/open-data/{$}":                "/public-site/open-data/",
		"GET /public-site/open-data/organisations.csv":  "/public-site/open-data/organisations.csv",
		"GET /public-site/open-data/organisations.json": "/public-site/open-data/organisations.json",
		"GET /public-site/open-data/passport.json":      "/public-site/open-data/passport.json",
		"GET /public-site/kindergarten-queue":           "/public-site/kindergarten-queue",
		"GET /public-site/programmes":                   "/public-site/programmes?age=10",
		"GET /public-site/first-grade":                  "/public-site/first-grade",
		"GET /public-site/static/site.css":              "/public-site/static/site.css",
		"GET /public-site/admission/{id}":               "/public-site/admission/{specialty}",
	} {
		rows = append(rows, authtest.Expect(everyone, route, path, "", 200, map[string]int{"": 200})...)
	}
	authtest.Run(t, rows, a.Sys.Function(publicsite.Name).(interface{ Routes() []httpx.Route }).Routes(), a.Call)
}
