// Command homeworkload measures homework's evening peak (Kuzbass: ~325,000
// pupils, a third of them handing in work between 18:00 and 22:00) on the
// real all-in-one process against real PostgreSQL and MinIO, next to a bare
// net/http + pgx (+ minio-go) endpoint doing the same reads and writes, over
// loopback:
//
//   - confirming an uploaded file (POST /api/issue-homework/files/{id}/confirm:
//     the object read once from MinIO, its SHA-256, its type sniffed, clamd's
//     scan when CLAMD_ADDRESS is set) against a bare read, hash and update;
//     the presigned ticket (POST …/submission/files) is measured apart;
//   - a pupil's homework list (GET /api/issue-homework/homework?pupil=) with
//     ten million submissions in the table, against the bare same query;
//   - review → journal mark: the teacher accepts works with a mark at a fixed
//     rate while the relay runs, and the lag from the review's commit to the
//     mark in post-grade's journal (both the database's clock) is reported.
//
// Usage: go run ./tests/homeworkload [-submissions 10000000] [-duration 10s] [-rate 200]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/storage"
	"github.com/kuzbass/eko/tests/loadrun"
)

type options struct {
	adminURL    string
	submissions int
	files       int
	fileSize    int
	duration    time.Duration
	rate        int
	reviewRate  int
	clients     int
	conns       int
	keep        bool
}

func main() {
	var o options
	flag.StringVar(&o.adminURL, "admin", loadrun.DefaultAdminURL(), "a PostgreSQL URL allowed to CREATE DATABASE")
	flag.IntVar(&o.submissions, "submissions", 10_000_000, "synthetic submissions loaded before measuring")
	flag.IntVar(&o.files, "files", 12_000, "files uploaded for the confirm phases (student1's, ten per homework)")
	flag.IntVar(&o.fileSize, "size", 16<<10, "bytes per uploaded file (a PDF)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each phase")
	flag.IntVar(&o.rate, "rate", 200, "requests per second of the fixed-rate phases")
	flag.IntVar(&o.reviewRate, "review-rate", 50, "reviews per second of the lag phase")
	flag.IntVar(&o.clients, "clients", 16, "concurrent clients of the saturation phases")
	flag.IntVar(&o.conns, "conns", 4, "PostgreSQL connections per endpoint")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "homeworkload:", err)
		os.Exit(1)
	}
}

// world is what the run set up.
type world struct {
	db           *loadrun.Database
	pool         *pgxpool.Pool
	store        *storage.Store
	student      uuid.UUID         // student1
	tokens       map[string]string // login → access token
	eko, bare    string            // base URLs
	fileHomework []uuid.UUID       // student1's homework the files go to
	client       *http.Client
	closers      []func()
}

func run(ctx context.Context, o options) error {
	w, err := setUp(ctx, o)
	defer func() {
		if w == nil {
			return
		}
		for i := len(w.closers) - 1; i >= 0; i-- {
			w.closers[i]()
		}
		if !o.keep && w.db != nil {
			w.db.Drop(ctx)
		}
	}()
	if err != nil {
		return err
	}
	load := loadrun.Load{Duration: o.duration, Rate: o.rate, Clients: o.clients}
	var rows []loadrun.Result
	phase := func(endpoint, what string, l loadrun.Load, fixed bool, req func(int) *http.Request) loadrun.Result {
		r := loadrun.Drive(w.client, l, fixed, req)
		r.Endpoint, r.What = endpoint, what
		fmt.Println(r.Line())
		rows = append(rows, r)
		return r
	}

	// The tickets: student1 asks for one per file (ten per homework), then
	// the files go to MinIO as a browser would send them.
	tickets := make(chan issuehomeworkapi.UploadTicket, o.files)
	var nt atomic.Int64
	ticket := func(int) *http.Request {
		i := int(nt.Add(1)) - 1
		h := w.fileHomework[(i/10)%len(w.fileHomework)]
		b, _ := json.Marshal(issuehomeworkapi.UploadRequest{Name: fmt.Sprintf("страница-%d.pdf", i), ContentType: "application/pdf", Size: int64(o.fileSize)})
		req, _ := http.NewRequest(http.MethodPost, w.eko+"/api/issue-homework/homework/"+h.String()+"/submission/files", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.tokens["student1"])
		return req
	}
	r := ticketPhase(w, o, ticket, tickets)
	rows = append(rows, r)
	fmt.Println(r.Line())
	files, err := upload(ctx, w, o, tickets)
	if err != nil {
		return err
	}
	fmt.Printf("  %d files of %d bytes put into MinIO through their presigned URLs\n", len(files), o.fileSize)

	// Confirming: the bare endpoint reads, hashes and records any file (it
	// may confirm one again); EKO confirms each file once.
	var nb, ne atomic.Int64
	bareConfirm := func(int) *http.Request {
		f := files[int(nb.Add(1))%len(files)]
		req, _ := http.NewRequest(http.MethodPost, w.bare+"/bare/files/"+f.String()+"/confirm", nil)
		return req
	}
	ekoConfirm := func(int) *http.Request {
		i := int(ne.Add(1)) - 1
		if i >= len(files) {
			i = len(files) - 1 // out of fresh files: answered as confirmed before (counted, and said below)
		}
		req, _ := http.NewRequest(http.MethodPost, w.eko+"/api/issue-homework/files/"+files[i].String()+"/confirm", nil)
		req.Header.Set("Authorization", "Bearer "+w.tokens["student1"])
		return req
	}
	phase("bare pgx", "confirm a file, saturation", load, false, bareConfirm)
	phase("EKO endpoint", "confirm a file, saturation", load, false, ekoConfirm)
	phase("bare pgx", fmt.Sprintf("confirm a file, %d/s", o.rate), load, true, bareConfirm)
	phase("EKO endpoint", fmt.Sprintf("confirm a file, %d/s", o.rate), load, true, ekoConfirm)
	if int(ne.Load()) > len(files) {
		fmt.Printf("  NOTE: EKO ran out of fresh files after %d confirms; raise -files\n", len(files))
	}

	// The list of a pupil's homework among ten million submissions.
	list := func(base, path string) func(int) *http.Request {
		return func(int) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, base+path+"?pupil="+w.student.String(), nil)
			req.Header.Set("Authorization", "Bearer "+w.tokens["student1"])
			return req
		}
	}
	phase("bare pgx", "pupil's homework list, saturation", load, false, list(w.bare, "/bare/homework"))
	phase("EKO endpoint", "pupil's homework list, saturation", load, false, list(w.eko, "/api/issue-homework/homework"))
	phase("bare pgx", fmt.Sprintf("pupil's homework list, %d/s", o.rate), load, true, list(w.bare, "/bare/homework"))
	phase("EKO endpoint", fmt.Sprintf("pupil's homework list, %d/s", o.rate), load, true, list(w.eko, "/api/issue-homework/homework"))

	// Review → journal mark, with the relay running.
	lag, err := reviewLag(ctx, w, o, phase)
	if err != nil {
		return err
	}

	var total, items int64
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM homework.submissions`).Scan(&total)
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM homework.recipients WHERE pupil_id = $1`, w.student).Scan(&items)
	clamd := "no malware scan (CLAMD_ADDRESS unset)"
	if a := os.Getenv("CLAMD_ADDRESS"); a != "" {
		clamd = "clamd at " + a + " scans every file"
	}
	fmt.Printf("\n%s, %d CPUs; %d submissions in homework.submissions at the end; student1 has %d homework (the list shows those due from four weeks ago, at most 200); files of %d bytes, %s; %d connections per endpoint\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), total, items, o.fileSize, clamd, o.conns)
	loadrun.PrintTable(rows)

	fmt.Printf("\n\nreview → journal mark (the review's commit to the mark's, the database's clock), %d reviews at %d/s: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		len(lag), o.reviewRate, pctMs(lag, 0.5), pctMs(lag, 0.99), pctMs(lag, 1))
	return nil
}

// ticketPhase asks for o.files tickets with o.clients clients, as fast as
// they come: the presign path measured apart.
func ticketPhase(w *world, o options, ticket func(int) *http.Request, out chan<- issuehomeworkapi.UploadTicket) loadrun.Result {
	r := loadrun.Result{Endpoint: "EKO endpoint", What: fmt.Sprintf("upload ticket (presign), %d", o.files), Others: map[int]int{}}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for int(next.Add(1)) <= o.files {
				t := time.Now()
				resp, err := w.client.Do(ticket(0))
				code := 0
				if err == nil {
					var tk issuehomeworkapi.UploadTicket
					code = resp.StatusCode
					if code == http.StatusCreated && json.NewDecoder(resp.Body).Decode(&tk) == nil {
						out <- tk
					} else if code == http.StatusCreated {
						code = 0 // an answer that is not a ticket counts as broken
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				d := time.Since(t)
				mu.Lock()
				r.Add(code, err, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(out)
	r.Elapsed = time.Since(start)
	slices.Sort(r.Lat)
	return r
}

// upload puts each ticket's file into MinIO as the browser does.
func upload(ctx context.Context, w *world, o options, tickets <-chan issuehomeworkapi.UploadTicket) ([]uuid.UUID, error) {
	body := append([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n"), bytes.Repeat([]byte("0"), o.fileSize)...)[:o.fileSize]
	var mu sync.Mutex
	var files []uuid.UUID
	var failed error
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tk := range tickets {
				req, _ := http.NewRequestWithContext(ctx, tk.Method, tk.URL, bytes.NewReader(body))
				for k, v := range tk.Headers {
					if k != "Content-Length" {
						req.Header.Set(k, v)
					}
				}
				resp, err := w.client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("put: %s", resp.Status)
					}
				}
				mu.Lock()
				if err != nil {
					failed = err
				} else {
					files = append(files, tk.File.ID)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return files, failed
}

// reviewLag: student1 submits the works the files went to, then teacher-s1
// accepts them with a mark at o.reviewRate per second while the relay runs;
// it returns each review's lag to its journal mark. The works are texts (the
// tasks at the end of the list, which got no files).
func reviewLag(ctx context.Context, w *world, o options, phase func(string, string, loadrun.Load, bool, func(int) *http.Request) loadrun.Result) ([]time.Duration, error) {
	n := o.reviewRate * int(o.duration/time.Second)
	if n > len(w.fileHomework) {
		n = len(w.fileHomework)
	}
	subs := make([]struct {
		id      uuid.UUID
		version int
	}, n)
	for i, h := range w.fileHomework[len(w.fileHomework)-n:] { // tasks without files
		base := w.eko + "/api/issue-homework/homework/" + h.String() + "/submission"
		code, resp := loadrun.Call(w.client, http.MethodPut, base, w.tokens["student1"], []byte(`{"text":"Ответ: 42","version":0}`))
		if code != http.StatusOK {
			return nil, fmt.Errorf("save: %d %s", code, resp)
		}
		var v issuehomeworkapi.Homework
		if err := json.Unmarshal(resp, &v); err != nil || v.Submission == nil {
			return nil, fmt.Errorf("save: %v %s", err, resp)
		}
		code, resp = loadrun.Call(w.client, http.MethodPost, base+"/submit", w.tokens["student1"], fmt.Appendf(nil, `{"version":%d}`, v.Submission.Version))
		if code != http.StatusOK {
			return nil, fmt.Errorf("submit: %d %s", code, resp)
		}
		if err := json.Unmarshal(resp, &v); err != nil || v.Submission == nil {
			return nil, fmt.Errorf("submit: %v %s", err, resp)
		}
		subs[i].id, subs[i].version = v.Submission.ID, v.Submission.Version
	}
	var next atomic.Int64
	review := func(int) *http.Request {
		s := subs[int(next.Add(1)-1)%len(subs)]
		b := fmt.Appendf(nil, `{"decision":"accepted","mark":%d,"version":%d}`, 3+s.version%3, s.version)
		req, _ := http.NewRequest(http.MethodPost, w.eko+"/api/issue-homework/submissions/"+s.id.String()+"/review", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+w.tokens["teacher-s1"])
		return req
	}
	rl := loadrun.Load{Duration: time.Duration(n) * time.Second / time.Duration(o.reviewRate), Rate: o.reviewRate}
	phase("EKO endpoint", fmt.Sprintf("review with a mark, %d/s (relay on)", o.reviewRate), rl, true, review)
	// Every mark reaches the journal within a minute, or the lag says so.
	deadline := time.Now().Add(time.Minute)
	for {
		var waiting int
		if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM homework.reviews rv WHERE rv.mark IS NOT NULL AND rv.reviewer_subject <> 'load' AND NOT EXISTS (
			SELECT FROM journal.marks m JOIN homework.submissions s ON s.homework_id = m.homework_id AND s.pupil_id = m.student_id WHERE s.id = rv.submission_id)`).Scan(&waiting); err != nil {
			return nil, err
		}
		if waiting == 0 || time.Now().After(deadline) {
			if waiting > 0 {
				fmt.Printf("  NOTE: %d reviews without their journal mark after a minute\n", waiting)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	rows, err := w.pool.Query(ctx, `SELECT m.created_at - rv.reviewed_at FROM homework.reviews rv
		JOIN homework.submissions s ON s.id = rv.submission_id
		JOIN journal.marks m ON m.homework_id = s.homework_id AND m.student_id = s.pupil_id
		WHERE rv.mark IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	lags, err := pgx.CollectRows(rows, pgx.RowTo[time.Duration])
	slices.Sort(lags)
	return lags, err
}

func pctMs(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	return float64(d[int(float64(len(d)-1)*p)].Microseconds()) / 1000
}

func setUp(ctx context.Context, o options) (*world, error) {
	w := &world{}
	t0 := time.Now()
	sys, err := loadrun.Start(ctx, loadrun.SystemOptions{AdminURL: o.adminURL, Prefix: "eko_homework_", Conns: o.conns, OwnBucket: true,
		Logins: []string{"director-s1", "teacher-s1", "student1"}})
	w.db, w.pool, w.store, w.tokens, w.eko, w.client = sys.DB, sys.Pool, sys.Store, sys.Tokens, sys.URL, sys.Client
	w.closers = append(w.closers, func() { sys.Close(ctx, true) }) // the run drops the database
	if err != nil {
		return w, err
	}
	if err := w.lessons(ctx, o); err != nil {
		return w, err
	}
	fmt.Printf("  %s: the small region, teacher-s1's lessons in 6А, student1's homework (%s)\n", w.db.Name, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := loadSubmissions(ctx, w.pool, o.submissions); err != nil {
		return w, err
	}
	fmt.Printf("  %d synthetic submissions loaded and analysed in %s\n", o.submissions, time.Since(t0).Round(time.Second))

	bare, err := pgxpool.New(ctx, w.db.URL+"&pool_max_conns="+fmt.Sprint(o.conns))
	if err != nil {
		return w, err
	}
	w.closers = append(w.closers, bare.Close)
	if w.bare, err = loadrun.Serve(bareHandler(bare, w.store)); err != nil {
		return w, err
	}
	return w, nil
}

// lessons has teacher-s1 teach every subject to 6А daily from September
// (through the API), and gives student1's class homework as teachers issue
// it: about a third of the lessons up to a week ahead, for the whole class
// (the list's), and four individual marked tasks for student1 per lesson
// due before the list's four weeks, for the files and the reviews.
func (w *world) lessons(ctx context.Context, o options) error {
	var school, class, teacher string
	if err := w.pool.QueryRow(ctx, `SELECT r.organisation_id::text, r.class_id::text, r.student_id, (SELECT p.id::text FROM registry.people p WHERE p.esia_oid = '1000000005')
		FROM registry.people s JOIN journal.roster r ON r.student_id = s.id WHERE s.esia_oid = '1000000008'`).Scan(&school, &class, &w.student, &teacher); err != nil {
		return fmt.Errorf("student1's class: %w", err)
	}
	year := kuzbass.AcademicYearOf(time.Now())
	subjects, err := w.pool.Query(ctx, `SELECT id::text FROM journal.subjects ORDER BY code`)
	if err != nil {
		return err
	}
	subjectIDs, err := pgx.CollectRows(subjects, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for i, s := range subjectIDs {
		body := fmt.Sprintf(`{"organisation_id":%q,"academic_year":%d,"teacher_id":%q,"class_id":%q,"subject_id":%q}`, school, year, teacher, class, s)
		code, resp := loadrun.Call(w.client, http.MethodPost, w.eko+"/api/post-grade/assignments", w.tokens["director-s1"], []byte(body))
		if code != 201 {
			return fmt.Errorf("assignment: %d %s", code, resp)
		}
		var a struct{ ID string }
		_ = json.Unmarshal(resp, &a)
		body = fmt.Sprintf(`{"weekdays":[1,2,3,4,5],"lesson_no":%d,"from":"%d-09-01","to":"%d-12-31"}`, 1+i%8, year, year)
		if code, resp := loadrun.Call(w.client, http.MethodPost, w.eko+"/api/post-grade/assignments/"+a.ID+"/timetable", w.tokens["director-s1"], []byte(body)); code != 201 {
			return fmt.Errorf("timetable: %d %s", code, resp)
		}
	}
	// The class's homework, as the issue path writes it (setup, not measured).
	if _, err := w.pool.Exec(ctx, `
		WITH hw AS (
		  INSERT INTO homework.homework (id, organisation_id, class_id, subject_id, teacher_id, lesson_id, lesson_date, text, due_at,
		      submission_expected, marked, mark_kind, status, version, issued_at, changed_at)
		  SELECT gen_random_uuid(), l.organisation_id, l.class_id, l.subject_id, l.teacher_id, l.id, l.lesson_date, 'Упражнения к уроку',
		      (l.lesson_date + time '08:00') AT TIME ZONE 'Asia/Novokuznetsk', true, false, NULL, 'issued', 1, now(), now()
		  FROM journal.lessons l WHERE l.class_id = $1::uuid AND l.lesson_date <= current_date + 7 AND hashtext(l.id::text) % 3 = 0
		  RETURNING id, class_id, due_at)
		INSERT INTO homework.recipients (homework_id, pupil_id, due_at)
		SELECT hw.id, r.student_id, hw.due_at FROM hw JOIN journal.roster r ON r.class_id = hw.class_id`, class); err != nil {
		return fmt.Errorf("the class's homework: %w", err)
	}
	rows, err := w.pool.Query(ctx, `
		WITH hw AS (
		  INSERT INTO homework.homework (id, organisation_id, class_id, subject_id, teacher_id, lesson_id, lesson_date, text, due_at,
		      submission_expected, marked, mark_kind, pupils, status, version, issued_at, changed_at)
		  SELECT gen_random_uuid(), l.organisation_id, l.class_id, l.subject_id, l.teacher_id, l.id, l.lesson_date, 'Индивидуальное задание',
		      (l.lesson_date + time '08:00') AT TIME ZONE 'Asia/Novokuznetsk', true, true, 'homework', ARRAY[$2::uuid], 'issued', 1, now(), now()
		  FROM journal.lessons l CROSS JOIN generate_series(1, 4)
		  WHERE l.class_id = $1::uuid AND l.lesson_date < current_date - 28
		  RETURNING id, due_at)
		INSERT INTO homework.recipients (homework_id, pupil_id, due_at) SELECT id, $2::uuid, due_at FROM hw RETURNING homework_id`, class, w.student)
	if err != nil {
		return fmt.Errorf("student1's individual tasks: %w", err)
	}
	if w.fileHomework, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
		return err
	}
	if need := (o.files+9)/10 + o.reviewRate*int(o.duration/time.Second); len(w.fileHomework) < need {
		return fmt.Errorf("%d individual tasks; -files (ten a task) and the reviews need %d", len(w.fileHomework), need)
	}
	return nil
}

// loadSubmissions writes n synthetic submissions of other classes: 25 pupils
// a homework, most accepted (a fifth with its review), the rest submitted,
// returned or drafts — the table the evening's lists read among.
func loadSubmissions(ctx context.Context, pool *pgxpool.Pool, n int) error {
	const perHomework = 25
	homework := n / perHomework
	steps := []string{
		`INSERT INTO homework.homework (id, organisation_id, class_id, subject_id, teacher_id, lesson_id, lesson_date, text, due_at,
		    submission_expected, marked, mark_kind, status, version, issued_at, changed_at)
		 SELECT md5('hw' || i)::uuid, md5('org' || (i / 4000))::uuid, md5('class' || (i / 170))::uuid, md5('subject' || (i % 9))::uuid,
		     md5('teacher' || (i / 170))::uuid, md5('lesson' || i)::uuid, date '2026-09-01' + (i % 270),
		     'Задание', (date '2026-09-01' + (i % 270) + time '08:00') AT TIME ZONE 'Asia/Novokuznetsk', true, i % 2 = 0,
		     CASE WHEN i % 2 = 0 THEN 'homework' END, 'issued', 1, now(), now()
		 FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO homework.recipients (homework_id, pupil_id, due_at)
		 SELECT md5('hw' || i)::uuid, md5('pupil' || (i / 170) || '-' || k)::uuid, (date '2026-09-01' + (i % 270) + time '08:00') AT TIME ZONE 'Asia/Novokuznetsk'
		 FROM generate_series(0, $1 - 1) i CROSS JOIN generate_series(0, 24) k`,
		`INSERT INTO homework.submissions (id, homework_id, pupil_id, state, attempt, text, version, updated_at)
		 SELECT md5('sub' || i || '-' || k)::uuid, md5('hw' || i)::uuid, md5('pupil' || (i / 170) || '-' || k)::uuid,
		     (ARRAY['accepted','accepted','accepted','accepted','accepted','accepted','submitted','returned','draft','accepted'])[1 + (i + k) % 10],
		     1, 'Ответ', 3, now()
		 FROM generate_series(0, $1 - 1) i CROSS JOIN generate_series(0, 24) k`,
		`INSERT INTO homework.reviews (id, submission_id, attempt, decision, mark, reviewer_subject, reviewed_at, journal)
		 SELECT gen_random_uuid(), s.id, 1, 'accepted', 4, 'load', now(), 'placed'
		 FROM homework.submissions s WHERE s.state = 'accepted' AND hashtext(s.id::text) % 5 = 0`,
		`VACUUM ANALYZE homework.homework`, `VACUUM ANALYZE homework.recipients`, `VACUUM ANALYZE homework.submissions`, `VACUUM ANALYZE homework.reviews`,
		`CHECKPOINT`,
	}
	for _, q := range steps {
		var err error
		if strings.Contains(q, "$1") {
			_, err = pool.Exec(ctx, q, homework)
		} else {
			_, err = pool.Exec(ctx, q)
		}
		if err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	return nil
}

// bareHandler is the baseline: the same reads and writes with plain pgx and
// minio-go, without identity, access, checks or events.
func bareHandler(pool *pgxpool.Pool, store *storage.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bare/files/{id}/confirm", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var key string
		if err := pool.QueryRow(ctx, `SELECT object_key FROM homework.files WHERE id = $1`, r.PathValue("id")).Scan(&key); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		obj, err := store.Read(ctx, key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		h := sha256.New()
		_, err = io.Copy(h, obj)
		obj.Close()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, err := pool.Exec(ctx, `UPDATE homework.files SET sha256 = $2, confirmed_at = now() WHERE id = $1`, r.PathValue("id"), h.Sum(nil)); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"sha256": hex.EncodeToString(h.Sum(nil))})
	})
	mux.HandleFunc("GET /bare/homework", func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), `SELECT h.id, h.subject_id, h.text, h.due_at, h.status, s.id, coalesce(s.state, 'assigned'), coalesce(s.attempt, 0),
		    rv.decision, rv.mark
			FROM homework.recipients r
			JOIN homework.homework h ON h.id = r.homework_id
			LEFT JOIN homework.submissions s ON s.homework_id = h.id AND s.pupil_id = r.pupil_id
			LEFT JOIN LATERAL (SELECT decision, mark FROM homework.reviews WHERE submission_id = s.id ORDER BY reviewed_at DESC, id DESC LIMIT 1) rv ON true
			WHERE r.pupil_id = $1 AND r.due_at >= now() - interval '28 days'
			ORDER BY r.due_at, r.homework_id LIMIT 200`, r.URL.Query().Get("pupil"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		var out []any
		for rows.Next() {
			vals, _ := rows.Values()
			out = append(out, vals)
		}
		rows.Close()
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}
