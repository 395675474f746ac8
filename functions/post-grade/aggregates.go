package postgrade

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// Aggregate is the journal over a span — of a school, one of its classes or
// subjects, or a municipality's schools together — without any pupil's data: how much was taught and
// recorded, the average mark and the attendance rate.
type Aggregate struct {
	OrganisationID           *uuid.UUID `json:"organisation_id,omitempty"` // all but by=municipality
	MunicipalityID           *uuid.UUID `json:"municipality_id,omitempty"` // by=municipality
	ClassID                  *uuid.UUID `json:"class_id,omitempty"`        // by=class
	SubjectID                *uuid.UUID `json:"subject_id,omitempty"`      // by=subject
	Lessons                  int        `json:"lessons"`
	LessonsWithoutAttendance int        `json:"lessons_without_attendance"` // journal completeness: attendance never taken
	Marks                    int        `json:"marks"`
	Average                  *float64   `json:"average"` // weighted by the kinds' weights
	Absences                 int        `json:"absences"`
	AttendanceRate           *float64   `json:"attendance_rate"` // 1 − absences / pupils on the roster, over the lessons with attendance taken
}

// maxAggregateDays bounds one aggregates request.
const maxAggregateDays = 400

// aggregateKeys are the ways to slice aggregates (?by=): the organisation,
// municipality, class and subject columns of a row.
var aggregateKeys = map[string]string{
	"organisation": "l.organisation_id, NULL::uuid, NULL::uuid, NULL::uuid",
	"class":        "l.organisation_id, NULL::uuid, l.class_id, NULL::uuid",
	"subject":      "l.organisation_id, NULL::uuid, NULL::uuid, l.subject_id",
	"municipality": "NULL::uuid, o.municipality_id, NULL::uuid, NULL::uuid",
}

// aggregates: GET /api/post-grade/aggregates?from=&to=[&municipality=][&organisation=][&by=] —
// schools' journals in aggregate: the ministry for the region (or one
// municipality), a municipal education authority for its own, a school's
// administration for its school; organisation= narrows to one of those
// schools; by=class or by=subject slices each school; by=municipality (for
// the ministry and municipal authorities) adds up each municipality's schools.
func (f *Function) aggregates(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	today := f.today()
	var fe []errs.FieldError
	from, to := dateSpan(q, today.AddDate(0, 0, -29), today, 0, maxAggregateDays, "период от from до to, не длиннее 400 дней", &fe)
	mun, school := optionalID(q, "municipality", &fe), optionalID(q, "organisation", &fe)
	by := q.Get("by")
	if by == "" {
		by = "organisation"
	}
	key, ok := aggregateKeys[by]
	if !ok {
		fe = append(fe, field("by", "enum", "organisation, class, subject или municipality"))
	}
	if by == "municipality" && school != nil {
		fe = append(fe, field("by", "conflict", "по муниципалитетам — без organisation"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры", fe...)
	}
	c := callerOf(ctx)
	// schoolsIn lists a municipality's schools and remembers whose they are.
	municipalityOf := map[uuid.UUID]uuid.UUID{}
	schoolsIn := func(m uuid.UUID) ([]uuid.UUID, error) {
		list, err := f.schoolsOf(ctx, m)
		for _, o := range list {
			municipalityOf[o] = m
		}
		return list, err
	}
	var orgs []uuid.UUID // nil: every school
	var err error
	region := slices.ContainsFunc(c.grants, func(g access.Grant) bool { return g.Role == access.MinistryOfficial && g.Scope == access.Region })
	switch {
	case region && mun == nil:
	case region || (mun != nil && c.holds(access.Municipality, *mun, access.MunicipalOfficial)):
		if orgs, err = schoolsIn(*mun); err != nil {
			return err
		}
	case mun != nil:
		return errs.User(errs.NotFound, "муниципалитет не найден среди ваших")
	default:
		for _, g := range c.grants {
			switch {
			case g.Role == access.MunicipalOfficial && g.Scope == access.Municipality:
				id, _ := uuid.Parse(g.ScopeID)
				more, err := schoolsIn(id)
				if err != nil {
					return err
				}
				orgs = append(orgs, more...)
			case slices.Contains(administration, g.Role) && g.Scope == access.Organisation:
				id, _ := uuid.Parse(g.ScopeID)
				orgs = append(orgs, id)
			}
		}
		if orgs == nil {
			return errs.User(errs.Forbidden, "сводные данные журнала — для министерства, муниципалитетов и администрации школ")
		}
	}
	if school != nil {
		if orgs != nil && !slices.Contains(orgs, *school) {
			return errs.User(errs.NotFound, "школа не найдена среди ваших")
		}
		orgs = []uuid.UUID{*school}
	}
	// Each lesson carries its totals (kept by the saves of its marks and
	// attendance): the aggregates read lessons only. The region's query and
	// a list of schools' are different statements, each with its own plan
	// (the date's index; the school's and date's).
	source, where, args := `journal.lessons l`, `l.lesson_date BETWEEN $1 AND $2`, []any{from, to}
	switch {
	case by == "municipality":
		if orgs == nil { // the whole region: every municipality's schools
			ms, err := f.municipalities(ctx)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if _, err := schoolsIn(m); err != nil {
					return err
				}
			}
		}
		if len(municipalityOf) == 0 {
			return errs.Fields("неверные параметры", field("by", "scope", "по муниципалитетам — для министерства и муниципальных органов"))
		}
		schools, muns := make([]uuid.UUID, 0, len(municipalityOf)), make([]uuid.UUID, 0, len(municipalityOf))
		for o, m := range municipalityOf {
			schools, muns = append(schools, o), append(muns, m)
		}
		source += ` JOIN unnest($3::uuid[], $4::uuid[]) AS o(organisation_id, municipality_id) ON o.organisation_id = l.organisation_id`
		args = append(args, schools, muns)
	case orgs != nil:
		where, args = where+` AND l.organisation_id = ANY($3::uuid[])`, append(args, orgs)
	}
	rows, err := f.db.Query(ctx, `
		SELECT `+key+`, count(*), count(*) FILTER (WHERE l.attendance_taken_at IS NULL),
		    sum(l.marks_count), sum(l.marks_weighted) / nullif(sum(l.marks_weight), 0), sum(l.absences), sum(l.pupils)
		FROM `+source+` WHERE `+where+`
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, args...)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Aggregate, error) {
		var a Aggregate
		var lessons, without, marks, absences, seats int64
		var avg *float64
		err := row.Scan(&a.OrganisationID, &a.MunicipalityID, &a.ClassID, &a.SubjectID, &lessons, &without, &marks, &avg, &absences, &seats)
		a.Lessons, a.LessonsWithoutAttendance, a.Marks, a.Absences = int(lessons), int(without), int(marks), int(absences)
		if avg != nil {
			v := round2(*avg)
			a.Average = &v
		}
		if seats > 0 {
			v := round2(1 - float64(absences)/float64(seats))
			a.AttendanceRate = &v
		}
		return a, err
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, Aggregates{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), By: by, Items: list})
	return nil
}

// optionalID reads the query parameter name as a UUID: nil when absent, a
// field error in fe when malformed.
func optionalID(q url.Values, name string, fe *[]errs.FieldError) *uuid.UUID {
	s := q.Get(name)
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		*fe = append(*fe, field(name, "format", "идентификатор в формате UUID"))
	}
	return &id
}

// Aggregates is GET aggregates: the span, the slicing and the rows.
type Aggregates struct {
	From  string      `json:"from"`
	To    string      `json:"to"`
	By    string      `json:"by"`
	Items []Aggregate `json:"items"`
}

// idPage is a page of the registry's list, ids only.
type idPage struct {
	Items []struct {
		ID uuid.UUID `json:"id"`
	} `json:"items"`
	Next string `json:"next"`
}

// registryPage reads a page of a registry list with the caller's token.
func (f *Function) registryPage(ctx context.Context, path string, q url.Values) (idPage, error) {
	var page idPage
	if f.Registry == nil {
		return page, errs.User(errs.Unavailable, "реестр недоступен: сводные данные по муниципалитетам сейчас не получить")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path+"?"+q.Encode(), nil)
	if err != nil {
		return page, err
	}
	req.Header.Set("Authorization", "Bearer "+auth.PrincipalFrom(ctx).Token)
	status, body := f.Registry(req)
	if status != http.StatusOK {
		return page, fmt.Errorf("registry %s: HTTP %d: %.200s", path, status, body)
	}
	return page, json.Unmarshal(body, &page)
}

// municipalities lists the region's municipalities from the registry's API.
func (f *Function) municipalities(ctx context.Context) ([]uuid.UUID, error) {
	page, err := f.registryPage(ctx, "/api/registry/municipalities", url.Values{})
	if err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, len(page.Items))
	for i, m := range page.Items {
		out[i] = m.ID
	}
	return out, nil
}

// schoolsOf lists the schools of a municipality from the registry's API with
// the caller's token.
func (f *Function) schoolsOf(ctx context.Context, mun uuid.UUID) ([]uuid.UUID, error) {
	var out []uuid.UUID
	after := ""
	for range 20 { // 500 a page: up to 10,000 schools
		q := url.Values{"municipality": {mun.String()}, "kind": {"school"}, "limit": {"500"}}
		if after != "" {
			q.Set("after", after)
		}
		page, err := f.registryPage(ctx, "/api/registry/organisations", q)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Items {
			out = append(out, o.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if out == nil {
		out = []uuid.UUID{}
	}
	return out, nil
}

// RegistryCall answers a request to the registry's API: in-process
// (InProcess) or over HTTP (Remote).
type RegistryCall func(*http.Request) (int, []byte)

// InProcess calls the registry's handler in this process.
func InProcess(h http.Handler) RegistryCall {
	return func(req *http.Request) (int, []byte) {
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, req)
		return rec.status, []byte(rec.body.String())
	}
}

// Remote calls the registry at base (REGISTRY_URL).
func Remote(base string) RegistryCall {
	client := &http.Client{Timeout: 5 * time.Second}
	base = strings.TrimRight(base, "/")
	return func(req *http.Request) (int, []byte) {
		u, err := url.Parse(base + req.URL.RequestURI())
		if err != nil {
			return 0, nil
		}
		req.URL, req.Host = u, u.Host
		resp, err := client.Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		return resp.StatusCode, b
	}
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.status = code }
