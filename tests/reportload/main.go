// Command reportload measures collect-report on the real all-in-one process
// against real PostgreSQL, over loopback, at the scale of the region's
// report season:
//
//   - the campaign's last hour: submissions of a 500-cell form (every cell
//     and rule checked, the state stored, report.submitted in the outbox),
//     at a fixed rate and at saturation, next to a bare net/http + pgx
//     endpoint doing the same writes in one transaction with no token,
//     rules or checks;
//   - the completeness dashboard, the consolidation and the region's XLSX
//     over 1,800 submissions of that form;
//   - opening the shipped ОО-1 for every school of a region of 1,800
//     schools and 300,000 pupils: the targets from the registry, the
//     counts, and every submission prefilled.
//
// Usage: go run ./tests/reportload [-duration 10s] [-rate 200] [-organisations 1800]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/tests/loadrun"
)

type options struct {
	adminURL      string
	duration      time.Duration
	rate          int
	clients       int
	conns         int
	organisations int
	pupils        int
	keep          bool
	profile       string
}

func main() {
	var o options
	flag.StringVar(&o.adminURL, "admin", loadrun.DefaultAdminURL(), "a PostgreSQL URL allowed to CREATE DATABASE")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each submission phase")
	flag.IntVar(&o.rate, "rate", 200, "submissions per second of the fixed-rate phases")
	flag.IntVar(&o.clients, "clients", 16, "concurrent clients of the saturation phases")
	flag.IntVar(&o.conns, "conns", 8, "PostgreSQL connections per endpoint")
	flag.IntVar(&o.organisations, "organisations", 1800, "the region's organisations: submissions consolidated, schools prefilled")
	flag.IntVar(&o.pupils, "pupils", 165, "pupils of each made-up school (15 a class in 11 grades)")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the CPU profile of the EKO saturation phase to this file")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "reportload:", err)
		os.Exit(1)
	}
}

type world struct {
	sys        *loadrun.System
	pool       *pgxpool.Pool
	eko, bare  string
	school     uuid.UUID
	mun        uuid.UUID
	values     string // a valid filling of the 500-cell form, as JSON
	cells      int
	closers    []func()
	timings    []string
	definition collectreportapi.Version
}

func run(ctx context.Context, o options) error {
	w, err := setUp(ctx, o)
	defer func() {
		for i := len(w.closers) - 1; i >= 0; i-- {
			w.closers[i]()
		}
	}()
	if err != nil {
		return err
	}
	// The campaign's last hour: each submission is another campaign's
	// school No. 1 report, in draft with a full valid filling.
	perPhase := o.rate*int(o.duration.Seconds()) + 1000
	saturated := 3000 * int(o.duration.Seconds())
	ekoFixed, err := drafts(ctx, w, perPhase)
	if err != nil {
		return err
	}
	ekoSat, err := drafts(ctx, w, saturated)
	if err != nil {
		return err
	}
	bareFixed, err := drafts(ctx, w, perPhase)
	if err != nil {
		return err
	}
	bareSat, err := drafts(ctx, w, saturated)
	if err != nil {
		return err
	}
	if _, err := w.pool.Exec(ctx, `VACUUM ANALYZE reports.submissions`); err != nil {
		return err
	}
	token := w.sys.Tokens["director-s1"]
	submit := func(base string, ids []uuid.UUID, auth bool) func(int) *http.Request {
		return func(i int) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, base+"/api/collect-report/submissions/"+ids[i%len(ids)].String()+"/submit", strings.NewReader(`{"version":1}`))
			req.Header.Set("Content-Type", "application/json")
			if auth {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return req
		}
	}
	var rows []loadrun.Result
	phase := func(endpoint, what string, l loadrun.Load, fixed bool, req func(int) *http.Request) {
		r := loadrun.Drive(w.sys.Client, l, fixed, req)
		r.Endpoint, r.What = endpoint, what
		fmt.Println(r.Line())
		rows = append(rows, r)
	}
	sat := loadrun.Load{Duration: o.duration, Clients: o.clients}
	fixed := loadrun.Load{Duration: o.duration, Rate: o.rate}
	phase("bare pgx", "submit, saturation", sat, false, submit(w.bare, bareSat, false))
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		_ = pprof.StartCPUProfile(f)
	}
	phase("EKO endpoint", "submit, saturation", sat, false, submit(w.eko, ekoSat, true))
	if o.profile != "" {
		pprof.StopCPUProfile()
	}
	phase("bare pgx", fmt.Sprintf("submit, %d/s", o.rate), fixed, true, submit(w.bare, bareFixed, false))
	phase("EKO endpoint", fmt.Sprintf("submit, %d/s", o.rate), fixed, true, submit(w.eko, ekoFixed, true))

	if err := region(ctx, w, o); err != nil {
		return err
	}
	if err := prefill(ctx, w, o); err != nil {
		return err
	}

	fmt.Printf("\n%s, %d CPUs; a %d-cell form with %d rules; %d connections per endpoint\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), w.cells, len(w.definition.Definition.Rules), o.conns)
	loadrun.PrintTable(rows)

	fmt.Println()
	for _, t := range w.timings {
		fmt.Println(t)
	}
	return nil
}

// form500 is a form of ten sections, each a table of nine rows and a total
// row by five columns (500 cells), with a rule per column that the total is
// the sum and one per table that no row is negative (60 rules).
func form500() (collectreportapi.Definition, map[string]string) {
	def := collectreportapi.Definition{Code: "load-500", Title: "Нагрузочная форма: 500 ячеек"}
	values := map[string]string{}
	cols := []string{"c1", "c2", "c3", "c4", "c5"}
	for s := 1; s <= 10; s++ {
		t := collectreportapi.Table{ID: fmt.Sprintf("t%d", s), Title: fmt.Sprintf("Таблица %d", s), Required: true}
		for _, c := range cols {
			t.Columns = append(t.Columns, collectreportapi.Column{ID: c, Title: "Графа " + c, Type: collectreportapi.Integer})
		}
		var rowIDs []string
		for r := 1; r <= 9; r++ {
			t.Rows = append(t.Rows, collectreportapi.Header{ID: fmt.Sprintf("r%d", r), Title: fmt.Sprintf("Строка %d", r)})
			rowIDs = append(rowIDs, fmt.Sprintf("'r%d'", r))
		}
		t.Rows = append(t.Rows, collectreportapi.Header{ID: "total", Title: "Всего"})
		for ci, c := range cols {
			sum, terms := 0, []string{}
			for r := 1; r <= 9; r++ {
				v := (s*7 + r*3 + ci) % 50
				values[fmt.Sprintf("%s.r%d.%s", t.ID, r, c)] = strconv.Itoa(v)
				sum += v
				terms = append(terms, fmt.Sprintf("%s.r%d.%s", t.ID, r, c))
			}
			values[t.ID+".total."+c] = strconv.Itoa(sum)
			def.Rules = append(def.Rules, collectreportapi.Rule{ID: t.ID + "_" + c, Expr: t.ID + ".total." + c + " == " + strings.Join(terms, " + "),
				Message: "«Всего» таблицы " + strconv.Itoa(s) + " не равно сумме строк"})
		}
		def.Rules = append(def.Rules, collectreportapi.Rule{ID: t.ID + "_nonneg",
			Expr: "[" + strings.Join(rowIDs, ", ") + "].all(r, " + t.ID + "[r].c1 >= 0 && " + t.ID + "[r].c5 >= 0)", Message: "Отрицательное число"})
		def.Sections = append(def.Sections, collectreportapi.Section{ID: fmt.Sprintf("s%d", s), Title: fmt.Sprintf("Раздел %d", s), Tables: []collectreportapi.Table{t}})
	}
	return def, values
}

func setUp(ctx context.Context, o options) (*world, error) {
	w := &world{}
	t0 := time.Now()
	sys, err := loadrun.Start(ctx, loadrun.SystemOptions{AdminURL: o.adminURL, Prefix: "eko_reports_", Conns: o.conns,
		Logins: []string{"ministry", "director-s1"}})
	w.sys, w.pool, w.eko = sys, sys.Pool, sys.URL
	w.closers = append(w.closers, func() { sys.Close(ctx, o.keep) })
	if err != nil {
		return w, err
	}
	if err := w.pool.QueryRow(ctx, `SELECT id, municipality_id FROM registry.organisations WHERE code = 'school-1-kemerovo'`).Scan(&w.school, &w.mun); err != nil {
		return w, err
	}
	def, values := form500()
	body, _ := json.Marshal(def)
	code, answer := loadrun.Call(sys.Client, http.MethodPost, w.eko+"/api/collect-report/definitions", sys.Tokens["ministry"], body)
	if err := json.Unmarshal(answer, &w.definition); code != http.StatusCreated || err != nil {
		return w, fmt.Errorf("the 500-cell form: %d %s", code, answer)
	}
	w.cells = w.definition.Cells
	v, _ := json.Marshal(values)
	w.values = string(v)
	bare, err := db.Open(ctx, db.Config{URL: sys.DB.URL, MaxConns: int32(o.conns), StatementTimeout: 5 * time.Second, ExecMode: "cache_statement"})
	if err != nil {
		return w, err
	}
	w.closers = append(w.closers, bare.Close)
	if w.bare, err = loadrun.Serve(bareEndpoint(bare)); err != nil {
		return w, err
	}
	fmt.Printf("  %s: the small region and the %d-cell form in %s\n", sys.DB.Name, w.cells, time.Since(t0).Round(time.Millisecond))
	return w, nil
}

// drafts makes n open campaigns of the 500-cell form, each with school No.
// 1's report in draft holding the valid filling, and returns the reports.
func drafts(ctx context.Context, w *world, n int) ([]uuid.UUID, error) {
	rows, err := w.pool.Query(ctx, `WITH c AS (
			INSERT INTO reports.campaigns (id, code, version, title, legal_basis, opens_at, closes_at, targets, state, created_by, created_at, opened_at)
			SELECT gen_random_uuid(), 'load-500', 1, 'Нагрузка ' || i, 'нагрузочный прогон', now() - interval '1 hour', now() + interval '1 day',
				'{}', 'open', 'load', now(), now()
			FROM generate_series(1, $1) i RETURNING id)
		INSERT INTO reports.submissions (id, campaign_id, organisation_id, municipality_id, state, "values", version, updated_at)
		SELECT gen_random_uuid(), c.id, $2, $3, 'draft', $4::jsonb, 1, now() FROM c RETURNING id`, n, w.school, w.mun, w.values)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// region measures the summaries over the region's submissions: o.organisations
// made-up organisations across the municipalities, each having sent the
// 500-cell form.
func region(ctx context.Context, w *world, o options) error {
	var campaign uuid.UUID
	if err := w.pool.QueryRow(ctx, `INSERT INTO reports.campaigns (id, code, version, title, legal_basis, opens_at, closes_at, targets, state, created_by, created_at, opened_at)
		VALUES (gen_random_uuid(), 'load-500', 1, 'Регион', 'нагрузочный прогон', now() - interval '1 day', now() + interval '1 day', '{}', 'open', 'load', now(), now())
		RETURNING id`).Scan(&campaign); err != nil {
		return err
	}
	if _, err := w.pool.Exec(ctx, `INSERT INTO reports.submissions (id, campaign_id, organisation_id, municipality_id, state, "values", version, late,
			submitted_at, updated_at)
		SELECT gen_random_uuid(), $1, gen_random_uuid(), m.ids[1 + i % array_length(m.ids, 1)], CASE WHEN i % 5 = 0 THEN 'approved' ELSE 'submitted' END,
			$3::jsonb, 2, i % 17 = 0, now(), now()
		FROM generate_series(1, $2) i, (SELECT array_agg(id) ids FROM registry.municipalities) m`, campaign, o.organisations, w.values); err != nil {
		return err
	}
	if _, err := w.pool.Exec(ctx, `VACUUM ANALYZE reports.submissions`); err != nil {
		return err
	}
	token := w.sys.Tokens["ministry"]
	for _, q := range []struct{ what, path string }{
		{"dashboard", "/dashboard"}, {"consolidation", "/consolidation"}, {"the region's XLSX", "/export.xlsx"}, {"the region's CSV (Windows-1251)", "/export.csv?charset=windows-1251"},
	} {
		var best time.Duration
		var size int
		for range 3 {
			t := time.Now()
			code, body := loadrun.Call(w.sys.Client, http.MethodGet, w.eko+"/api/collect-report/campaigns/"+campaign.String()+q.path, token, nil)
			d := time.Since(t)
			if code != http.StatusOK {
				return fmt.Errorf("%s: %d %.200s", q.what, code, body)
			}
			if best == 0 || d < best {
				best, size = d, len(body)
			}
		}
		w.timings = append(w.timings, fmt.Sprintf("%s of %d submissions × %d cells: %s (best of 3), %d KiB", q.what, o.organisations, w.cells,
			best.Round(time.Millisecond), size>>10))
	}
	return nil
}

// prefill makes the registry a region of o.organisations schools (11
// classes each, o.pupils pupils), then opens the shipped ОО-1 for every
// school: its time is the targets', the counts' and the prefilled
// submissions'.
func prefill(ctx context.Context, w *world, o options) error {
	t0 := time.Now()
	n, year, per := o.organisations, 2026, o.pupils
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO registry.organisations (id, code, kind, full_name, short_name, inn, ogrn, municipality_id)
		 SELECT md5('school' || i)::uuid, 'load-school-' || i, 'school', 'Нагрузочная школа № ' || i, 'Школа № ' || i,
			lpad((7000000000 + i)::text, 10, '0'), lpad((7000000000000 + i)::text, 13, '0'), m.ids[1 + i % array_length(m.ids, 1)]
		 FROM generate_series(1, $1) i, (SELECT array_agg(id) ids FROM registry.municipalities) m`, []any{n}},
		{`INSERT INTO registry.classes (id, organisation_id, academic_year, name, kind, grade)
		 SELECT md5('class' || i || '-' || g)::uuid, md5('school' || i)::uuid, $2, g || 'А', 'class', g
		 FROM generate_series(1, $1) i, generate_series(1, 11) g`, []any{n, year}},
		{`INSERT INTO registry.people (id, family_name, given_name, birth_date, gender)
		 SELECT md5('pupil' || i || '-' || p)::uuid, 'Нагрузкин', 'Ученик', date '2019-09-01' - ((p % 11) * 365 + p % 300), CASE WHEN p % 2 = 0 THEN 'F' ELSE 'M' END
		 FROM generate_series(1, $1) i, generate_series(1, $2) p`, []any{n, per}},
		{`INSERT INTO registry.enrollments (id, person_id, organisation_id, class_id, academic_year, starts_on)
		 SELECT gen_random_uuid(), md5('pupil' || i || '-' || p)::uuid, md5('school' || i)::uuid, md5('class' || i || '-' || (1 + p % 11))::uuid, $2, date '2026-09-01'
		 FROM generate_series(1, $1) i, generate_series(1, $3) p`, []any{n, year, per}},
		{`INSERT INTO registry.staff (id, person_id, organisation_id, role, starts_on)
		 SELECT gen_random_uuid(), md5('pupil' || i || '-' || p)::uuid, md5('school' || i)::uuid, 'teacher', date '2026-09-01'
		 FROM generate_series(1, $1) i, generate_series(1, 20) p`, []any{n}},
		{`VACUUM ANALYZE registry.organisations`, nil}, {`VACUUM ANALYZE registry.classes`, nil}, {`VACUUM ANALYZE registry.people`, nil},
		{`VACUUM ANALYZE registry.enrollments`, nil}, {`VACUUM ANALYZE registry.staff`, nil},
	} {
		if _, err := w.pool.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("%.70s: %w", q.sql, err)
		}
	}
	var schools, pupils int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM registry.organisations WHERE kind = 'school' AND status <> 'closed'`).Scan(&schools)
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM registry.enrollments`).Scan(&pupils)
	w.timings = append(w.timings, fmt.Sprintf("the registry made a region of %d schools and %d enrollments in %s", schools, pupils, time.Since(t0).Round(time.Second)))

	token := w.sys.Tokens["ministry"]
	oo1, _ := json.Marshal(collectreportapi.ShippedForms()[0])
	if code, body := loadrun.Call(w.sys.Client, http.MethodPost, w.eko+"/api/collect-report/definitions", token, oo1); code != http.StatusCreated {
		return fmt.Errorf("ОО-1: %d %s", code, body)
	}
	code, body := loadrun.Call(w.sys.Client, http.MethodPost, w.eko+"/api/collect-report/campaigns", token, []byte(`{"code":"oo1","version":1,
		"title":"ОО-1 региона","legal_basis":"Федеральное статистическое наблюдение","opens_at":"2026-01-01T00:00","closes_at":"2030-01-01T00:00",
		"targets":{"kinds":["school"]}}`))
	var c collectreportapi.Campaign
	if err := json.Unmarshal(body, &c); code != http.StatusCreated || err != nil {
		return fmt.Errorf("the ОО-1 campaign: %d %s", code, body)
	}
	t := time.Now()
	code, body = loadrun.Call(&http.Client{Timeout: 5 * time.Minute}, http.MethodPost, w.eko+"/api/collect-report/campaigns/"+c.ID.String()+"/open", token, nil)
	took := time.Since(t)
	if err := json.Unmarshal(body, &c); code != http.StatusOK || err != nil {
		return fmt.Errorf("opening ОО-1: %d %.300s", code, body)
	}
	var prefilled int
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM reports.submissions WHERE campaign_id = $1 AND ("values"->>'pupils.total.all')::int > 0`, c.ID).Scan(&prefilled)
	w.timings = append(w.timings, fmt.Sprintf("opening ОО-1 for the region: %d schools' submissions, %d prefilled with pupils, in %s",
		c.Submissions, prefilled, took.Round(time.Millisecond)))
	return nil
}

// bareEndpoint answers POST /api/collect-report/submissions/{id}/submit
// with the writes collect-report makes — the submission locked and read,
// its state stored, an event in the outbox — in one transaction, with no
// token, rules or checks of the values.
func bareEndpoint(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/collect-report/submissions/{id}/submit", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), 404)
			return
		}
		var in collectreportapi.SubmitRequest
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var out collectreportapi.Submission
		err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id, campaign_id, organisation_id, state, "values", version FROM reports.submissions WHERE id = $1 FOR UPDATE`, id).
				Scan(&out.ID, &out.CampaignID, &out.OrganisationID, &out.State, &out.Values, &out.Version); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET state = 'submitted', submitted_at = now(), version = version + 1, updated_at = now() WHERE id = $1`, id); err != nil {
				return err
			}
			data, _ := json.Marshal(collectreportapi.ReportEvent{SubmissionID: id.String(), CampaignID: out.CampaignID.String(), State: "submitted"})
			_, err := tx.Exec(ctx, `INSERT INTO platform.outbox (id, type, source, subject, data) VALUES ($1, $2, 'bare', $3, $4)`,
				uuid.Must(uuid.NewV7()), collectreportapi.EventSubmitted, id.String(), data)
			return err
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		out.State = "submitted"
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}
