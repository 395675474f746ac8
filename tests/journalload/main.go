// Command journalload measures the class journal at region scale: it loads
// ten million marks into a fresh database, then drives the real post-grade
// endpoints (token verification, the caller's grants, validation, versions,
// history, outbox) and, in the same run, a bare net/http + pgx endpoint doing
// the same writes and reads, over loopback:
//
//   - saving a class's column of 30 marks (POST /api/post-grade/marks) against
//     a bare batch insert of the same marks and outbox rows;
//   - the diary week (GET /api/post-grade/diary/{student}) against a bare
//     indexed select of the same lessons and marks.
//
// Usage: go run ./tests/journalload [-marks 10000000] [-duration 10s] [-rate 500]
package main

import (
	"bytes"
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
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko"
	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
	postgrade "github.com/kuzbass/eko/functions/post-grade"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/tests/loadrun"
)

type options struct {
	adminURL string
	marks    int
	duration time.Duration
	rate     int
	clients  int
	conns    int
	keep     bool
	only     string
	profile  string
}

func main() {
	var o options
	flag.StringVar(&o.adminURL, "admin", loadrun.DefaultAdminURL(), "a PostgreSQL URL allowed to CREATE DATABASE")
	flag.IntVar(&o.marks, "marks", 10_000_000, "marks loaded before measuring")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each phase")
	flag.IntVar(&o.rate, "rate", 500, "requests per second of the fixed-rate phases")
	flag.IntVar(&o.clients, "clients", 16, "concurrent clients of the saturation phases")
	flag.IntVar(&o.conns, "conns", 4, "PostgreSQL connections per endpoint")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.StringVar(&o.only, "only", "", "run only the phases of: save | diary | aggregates")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the measured phases (the whole process: both endpoints and the clients)")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "journalload:", err)
		os.Exit(1)
	}
}

// world is what the run set up.
type world struct {
	db                *loadrun.Database
	lessons           []string
	pupils            []string          // 6А
	student, weekOf   string            // the diary's pupil and Monday
	monthOf, monthEnd string            // the aggregates' span: 30 days of the synthetic year
	tokens            map[string]string // login → access token
	eko, bare         string            // base URLs
	closers           []func()
	client            *http.Client
}

func run(ctx context.Context, o options) error {
	w, err := setUp(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		for i := len(w.closers) - 1; i >= 0; i-- {
			w.closers[i]()
		}
		if !o.keep {
			w.db.Drop(ctx)
		}
	}()
	var rows []loadrun.Result
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	phase := func(endpoint, what string, fixed bool, req func(i int) *http.Request) {
		if o.only != "" && !strings.HasPrefix(what, map[string]string{"save": "class", "diary": "diary", "aggregates": "aggregates"}[o.only]) {
			return
		}
		po := loadrun.Load{Duration: o.duration, Rate: o.rate, Clients: o.clients}
		if strings.HasPrefix(what, "aggregates") {
			po.Clients = 1 // one official at a time: the time of one summary is the point
		}
		r := loadrun.Drive(w.client, po, fixed, req)
		r.Endpoint, r.What = endpoint, what
		fmt.Println(r.Line())
		rows = append(rows, r)
	}
	var n atomic.Int64
	save := func(base, path string) func(int) *http.Request {
		return func(int) *http.Request {
			i := int(n.Add(1))
			items := make([]map[string]any, 30)
			for k := range items {
				items[k] = map[string]any{"student_id": w.pupils[k%len(w.pupils)], "kind": "oral", "value": 2 + (i+k)%4}
			}
			b, _ := json.Marshal(map[string]any{"lesson_id": w.lessons[i%len(w.lessons)], "items": items})
			req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+w.tokens["teacher-s1"])
			return req
		}
	}
	diary := func(base, path string) func(int) *http.Request {
		return func(int) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, base+path+w.student+"?from="+w.weekOf, nil)
			req.Header.Set("Authorization", "Bearer "+w.tokens["parent1"])
			return req
		}
	}
	aggregates := func(login, query string) func(int) *http.Request {
		return func(int) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, w.eko+"/api/post-grade/aggregates?"+query, nil)
			req.Header.Set("Authorization", "Bearer "+w.tokens[login])
			return req
		}
	}
	phase("bare pgx", "class of 30 marks, saturation", false, save(w.bare, "/bare/marks"))
	phase("EKO endpoint", "class of 30 marks, saturation", false, save(w.eko, "/api/post-grade/marks"))
	phase("bare pgx", fmt.Sprintf("class of 30 marks, %d/s", o.rate), true, save(w.bare, "/bare/marks"))
	phase("EKO endpoint", fmt.Sprintf("class of 30 marks, %d/s", o.rate), true, save(w.eko, "/api/post-grade/marks"))
	phase("bare pgx", "diary week, saturation", false, diary(w.bare, "/bare/diary/"))
	phase("EKO endpoint", "diary week, saturation", false, diary(w.eko, "/api/post-grade/diary/"))
	phase("bare pgx", fmt.Sprintf("diary week, %d/s", o.rate), true, diary(w.bare, "/bare/diary/"))
	phase("EKO endpoint", fmt.Sprintf("diary week, %d/s", o.rate), true, diary(w.eko, "/api/post-grade/diary/"))
	month := "from=" + w.monthOf + "&to=" + w.monthEnd
	phase("EKO endpoint", "aggregates: a school by class, a month", false, aggregates("director-s1", month+"&by=class"))
	phase("EKO endpoint", "aggregates: the region by school, a month", false, aggregates("ministry", month))

	var total int64
	pool, err := pgx.Connect(ctx, w.db.URL)
	if err == nil {
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM journal.marks`).Scan(&total)
		_ = pool.Close(ctx)
	}
	fmt.Printf("\n%s, %d CPUs; %d marks in journal.marks at the end; %d connections per endpoint\n\n", time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), total, o.conns)
	loadrun.PrintTable(rows)

	fmt.Println()
	return nil
}

func setUp(ctx context.Context, o options) (*world, error) {
	w := &world{client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	t0 := time.Now()
	d, err := loadrun.NewDatabase(ctx, o.adminURL, "eko_journal_", eko.Schemas()...)
	if err != nil {
		return nil, err
	}
	w.db = d
	pcfg := pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey}
	p, err := pdata.Open(pcfg)
	if err != nil {
		return nil, err
	}
	fx := fixtures.MustLoad()
	setup, err := db.Open(ctx, db.Config{URL: w.db.URL, MaxConns: 4, StatementTimeout: time.Hour})
	if err != nil {
		return nil, err
	}
	defer setup.Close()
	// The small region, its enrollments announced for the relay to deliver.
	if _, err := eko.SeedSmall(ctx, setup, p, fx, 3, time.Now()); err != nil {
		return nil, err
	}

	// The identity provider and the EKO endpoint (registry + post-grade, as mounted by the all-in-one).
	issuer, stopIdP, err := devidp.ServeLoopback(devidp.Config{}, fx)
	if err != nil {
		return nil, err
	}
	w.closers = append(w.closers, stopIdP)
	deps, closeDeps, err := function.Open(ctx, function.Config{DB: db.Config{URL: w.db.URL, MaxConns: int32(o.conns), StatementTimeout: 5 * time.Second, ExecMode: "cache_statement"},
		Auth: auth.Config{Issuer: issuer, Audience: "eko"}, LogLevel: "error"}, nil)
	if err != nil {
		return nil, err
	}
	w.closers = append(w.closers, closeDeps)
	sys, err := eko.Mount(ctx, deps, eko.Options{Tunings: []function.Tuning{
		function.Tune(outboxrelay.Name, func(o *outboxrelay.Options) { o.Run = false }),
	}})
	if err != nil {
		return nil, err
	}
	w.closers = append(w.closers, func() { _ = sys.Stop(context.Background()) })
	if w.eko, err = loadrun.Serve(sys); err != nil {
		return nil, err
	}
	// The roster, as `eko seed` announced it and the relay delivers it.
	if _, err := sys.DeliverPending(ctx); err != nil {
		return nil, err
	}
	tokens := map[string]string{}
	for _, login := range []string{"director-s1", "teacher-s1", "parent1", "ministry"} {
		if tokens[login], err = loadrun.Token(w.client, issuer, login); err != nil {
			return nil, err
		}
		if code, body := loadrun.Call(w.client, http.MethodGet, w.eko+"/api/registry/me", tokens[login], nil); code != 200 {
			return nil, fmt.Errorf("%s /me: %d %s", login, code, body)
		}
	}
	w.tokens = tokens
	var school, class, teacher string
	// student1: parent1's child at a school.
	if err := setup.QueryRow(ctx, `SELECT o.id::text, r.class_id::text, r.student_id::text, (SELECT p.id::text FROM registry.people p WHERE p.esia_oid = '1000000005')
		FROM registry.people parent JOIN registry.parent_links pl ON pl.parent_id = parent.id
		JOIN journal.roster r ON r.student_id = pl.child_id JOIN registry.organisations o ON o.id = r.organisation_id AND o.kind = 'school'
		WHERE parent.esia_oid = '1000000007'`).Scan(&school, &class, &w.student, &teacher); err != nil {
		return nil, fmt.Errorf("student1's class: %w", err)
	}
	rows, err := setup.Query(ctx, `SELECT student_id::text FROM journal.roster WHERE class_id = $1 ORDER BY student_id`, class)
	if err != nil {
		return nil, err
	}
	if w.pupils, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, err
	}
	// The saves go to student1's classmates; student1's own journal is a
	// realistic one (a mark in about half of the lessons), so the diary reads
	// what a parent would.
	w.pupils = slices.DeleteFunc(w.pupils, func(p string) bool { return p == w.student })

	// Teacher-s1 teaches every subject to 6А, daily, from September to May.
	year := kuzbass.AcademicYearOf(time.Now())
	subjects, err := setup.Query(ctx, `SELECT id::text FROM journal.subjects`)
	if err != nil {
		return nil, err
	}
	subjectIDs, err := pgx.CollectRows(subjects, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for i, s := range subjectIDs {
		body := fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"teacher_id":%q,"class_id":%q,"subject_id":%q}`, school, year, teacher, class, s)
		code, resp := loadrun.Call(w.client, http.MethodPost, w.eko+"/api/post-grade/assignments", tokens["director-s1"], []byte(body))
		if code != 201 {
			return nil, fmt.Errorf("assignment: %d %s", code, resp)
		}
		var a struct{ ID string }
		_ = json.Unmarshal(resp, &a)
		for _, half := range [][2]string{{fmt.Sprintf("%d-09-01", year), fmt.Sprintf("%d-12-31", year)}, {fmt.Sprintf("%d-01-09", year+1), fmt.Sprintf("%d-05-31", year+1)}} {
			body = fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":%d,"from":%q,"to":%q}`, 1+i%8, half[0], half[1])
			if code, resp := loadrun.Call(w.client, http.MethodPost, w.eko+"/api/post-grade/assignments/"+a.ID+"/timetable", tokens["director-s1"], []byte(body)); code != 201 {
				return nil, fmt.Errorf("timetable: %d %s", code, resp)
			}
		}
	}
	if _, err := setup.Exec(ctx, `INSERT INTO journal.marks (id, lesson_id, student_id, lesson_date, subject_id, class_id, kind, value, version, created_at, created_by, updated_at)
		SELECT gen_random_uuid(), l.id, $2::uuid, l.lesson_date, l.subject_id, l.class_id, 'oral', 3 + (hashtext(l.id::text) & 1) + (hashtext(l.id::text) >> 8 & 1), 1, now(), 'load', now()
		FROM journal.lessons l WHERE l.class_id = $1::uuid AND hashtext(l.id::text) % 2 = 0`, class, w.student); err != nil {
		return nil, fmt.Errorf("student1's marks: %w", err)
	}
	rows, err = setup.Query(ctx, `SELECT id::text FROM journal.lessons WHERE class_id = $1 ORDER BY lesson_date, lesson_no`, class)
	if err != nil {
		return nil, err
	}
	if w.lessons, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, err
	}
	mon := time.Date(year, time.October, 1, 0, 0, 0, 0, time.UTC)
	w.weekOf = mon.AddDate(0, 0, (8-int(mon.Weekday()))%7).Format(time.DateOnly)
	w.monthOf, w.monthEnd = mon.Format(time.DateOnly), mon.AddDate(0, 0, 29).Format(time.DateOnly)
	fmt.Printf("  %s: registry seeded, %d pupils in 6А, %d lessons of teacher-s1 (%s)\n", w.db.Name, len(w.pupils), len(w.lessons), time.Since(t0).Round(time.Millisecond))

	// The region's marks: a synthetic school year of 1,000 classes.
	t0 = time.Now()
	if err := loadMarks(ctx, setup, o.marks, class); err != nil {
		return nil, err
	}
	fmt.Printf("  %d marks loaded, lessons' totals counted and analysed in %s\n", o.marks, time.Since(t0).Round(time.Second))

	bare, err := pgxpool.New(ctx, w.db.URL+"&pool_max_conns="+fmt.Sprint(o.conns))
	if err != nil {
		return nil, err
	}
	w.closers = append(w.closers, bare.Close)
	if w.bare, err = loadrun.Serve(bareHandler(bare)); err != nil {
		return nil, err
	}
	return w, nil
}

// loadMarks writes n synthetic marks: 1,000 classes × the school year's lessons
// (one assignment each), 30 pupils a class, plus a share for 6А's real lessons.
func loadMarks(ctx context.Context, pool *pgxpool.Pool, n int, class string) error {
	const classes, perLesson = 1000, 10
	lessonsNeeded := n / perLesson
	_, err := pool.Exec(ctx, `
		INSERT INTO journal.assignments (id, organisation_id, academic_year, teacher_id, class_id, subject_id)
		SELECT md5('asg' || c)::uuid, md5('org' || (c / 30))::uuid, 2026, md5('teacher' || c)::uuid, md5('class' || c)::uuid,
		    (SELECT id FROM journal.subjects ORDER BY code LIMIT 1 OFFSET c % 9)
		FROM generate_series(0, $1 - 1) c;
		`, classes)
	if err != nil {
		return fmt.Errorf("synthetic assignments: %w", err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO journal.lessons (id, assignment_id, organisation_id, class_id, subject_id, teacher_id, lesson_date, lesson_no)
		SELECT md5('lesson' || i)::uuid, a.id, a.organisation_id, a.class_id, a.subject_id, a.teacher_id,
		    date '2026-09-01' + (i / $1)::int % 270, 1 + (i / ($1 * 270)) % 12
		FROM generate_series(0, $2 - 1) i JOIN journal.assignments a ON a.id = md5('asg' || (i % $1))::uuid`, classes, lessonsNeeded); err != nil {
		return fmt.Errorf("synthetic lessons: %w", err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO journal.marks (id, lesson_id, student_id, lesson_date, subject_id, class_id, kind, value, version, created_at, created_by, updated_at)
		SELECT gen_random_uuid(), l.id, md5('pupil' || l.class_id || (k * 7 % 30))::uuid, l.lesson_date, l.subject_id, l.class_id,
		    (ARRAY['oral','homework','test','control'])[1 + k % 4], 2 + ((k + hashtext(l.id::text)) & 3), 1, now(), 'load', now()
		FROM journal.lessons l CROSS JOIN generate_series(0, $1 - 1) k
		WHERE l.class_id <> $2::uuid`, perLesson, class); err != nil {
		return fmt.Errorf("synthetic marks: %w", err)
	}
	// The marks went around the API: the lessons' totals are counted once.
	if err := postgrade.RecountLessons(ctx, pool); err != nil {
		return fmt.Errorf("lesson totals: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE journal.marks`); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE journal.lessons`); err != nil {
		return err
	}
	// The load's dirty pages are written now rather than by a checkpoint
	// landing in the first measured phase.
	_, err = pool.Exec(ctx, `CHECKPOINT`)
	return err
}

// bareHandler is the baseline: the same writes and reads with plain pgx.
func bareHandler(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bare/marks", func(w http.ResponseWriter, r *http.Request) {
		var in postgradeapi.MarksRequest
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		err := pgx.BeginFunc(r.Context(), pool, func(tx pgx.Tx) error {
			var l struct {
				date          time.Time
				subject, clss uuid.UUID
			}
			if err := tx.QueryRow(r.Context(), `SELECT lesson_date, subject_id, class_id FROM journal.lessons WHERE id = $1`, in.LessonID).
				Scan(&l.date, &l.subject, &l.clss); err != nil {
				return err
			}
			b := &pgx.Batch{}
			for _, it := range in.Items {
				id := uuid.New()
				b.Queue(`INSERT INTO journal.marks (id, lesson_id, student_id, lesson_date, subject_id, class_id, kind, value, version, created_at, created_by, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, now(), 'bare', now())`, id, in.LessonID, it.StudentID, l.date, l.subject, l.clss, it.Kind, int16(*it.Value))
				b.Queue(`INSERT INTO platform.outbox (id, type, source, subject, data) VALUES ($1, 'ru.kuzbass.eko.grade.posted.v1', '/bare', $2, '{}')`,
					uuid.NewString(), it.StudentID)
			}
			// The lesson's totals, as a bare implementation would keep them: by increments.
			var weighted float64
			for _, it := range in.Items {
				weighted += float64(*it.Value)
			}
			b.Queue(`UPDATE journal.lessons SET marks_count = marks_count + $2, marks_weight = marks_weight + $2, marks_weighted = marks_weighted + $3
				WHERE id = $1`, in.LessonID, len(in.Items), weighted)
			return tx.SendBatch(r.Context(), b).Close()
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /bare/diary/{student}", func(w http.ResponseWriter, r *http.Request) {
		from, _ := time.Parse(time.DateOnly, r.URL.Query().Get("from"))
		// The same two indexed reads as the diary: the class's lessons of the
		// week, and the pupil's marks of the week.
		to := from.AddDate(0, 0, 6)
		var out []any
		for _, q := range []string{
			`SELECT l.id, l.lesson_date, l.lesson_no, s.name, l.topic FROM journal.roster ro
			 JOIN journal.lessons l ON l.class_id = ro.class_id AND l.lesson_date BETWEEN $2 AND $3
			 JOIN journal.subjects s ON s.id = l.subject_id WHERE ro.student_id = $1 ORDER BY l.lesson_date, l.lesson_no`,
			`SELECT m.id, m.lesson_id, m.kind, m.value FROM journal.marks m
			 WHERE m.student_id = $1 AND m.lesson_date BETWEEN $2 AND $3 AND m.deleted_at IS NULL`,
		} {
			rows, err := pool.Query(r.Context(), q, r.PathValue("student"), from, to)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			for rows.Next() {
				vals, _ := rows.Values()
				out = append(out, vals)
			}
			rows.Close()
		}
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}
