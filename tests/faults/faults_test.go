// Package faults proves that EKO keeps its promises through crashes: the
// real eko binary is SIGKILLed and restarted, and its own PostgreSQL cluster
// is stopped (fast) and started again, while clients retry. Submissions:
// 10,000 first-grade applications retried with the same Idempotency-Key —
// every acknowledged application exists exactly once, as it was
// acknowledged, and nothing exists that no retry returned. Homework
// (homework_test.go): every accepted review gives exactly one journal mark.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/tests/loopback"
)

const (
	submissions = 10_000
	parents     = 2_000 // each child applies to schoolsEach schools
	schoolsEach = submissions / parents
	clients     = 12
	// giveUp bounds the retries of one submission: a client that has not
	// been answered by then reports the submission failed.
	giveUp = 60 * time.Second
)

// outcome is what the client finally saw of one submission.
type outcome struct {
	acked   bool
	id      string
	number  string
	lastErr string
}

func TestSubmissionsSurviveCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault test builds and crashes a real process")
	}
	ctx := context.Background()
	r := newRig(t)
	dbURL, bin, work, pg := r.dbURL, r.bin, r.work, r.pg

	// The region, the families and window 1 of the 2027 campaign.
	fx, logins := population(parents)
	kids, schools := prepare(t, ctx, dbURL, fx, logins)
	issuer := devidptest.Start(t, devidp.Config{}, fx)
	tokens := make([]string, parents)
	for i, l := range logins {
		tokens[i] = devidptest.Token(t, issuer, l.login)
	}

	eko := &process{bin: bin, addr: "127.0.0.1:" + strconv.Itoa(loopback.Port(t)), log: filepath.Join(work, "eko.log"),
		env: append(os.Environ(), "DATABASE_URL="+dbURL, "OIDC_ISSUER="+issuer, "LOG_LEVEL=warn", "QUEUE_MAINTAIN_EVERY=-1s")}
	eko.env = append(eko.env, "LISTEN_ADDRESS="+eko.addr)
	eko.start(t)
	t.Cleanup(eko.kill)

	// Clients submit and retry; the chaos runs until they are done.
	var (
		results  = make([]outcome, submissions)
		next     atomic.Int64
		retries  atomic.Int64
		answers  sync.Map // status code → *atomic.Int64
		refused  atomic.Int64
		done     = make(chan struct{})
		clientWG sync.WaitGroup
	)
	count := func(code int) {
		v, _ := answers.LoadOrStore(code, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	t0 := time.Now()
	for c := 0; c < clients; c++ {
		clientWG.Add(1)
		go func() {
			defer clientWG.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= submissions {
					return
				}
				p, s := i/schoolsEach, i%schoolsEach
				body := fmt.Sprintf(`{"service":"first_grade","child_id":%q,"first_grade":{"school_id":%q,"basis":"territory"}}`, kids[p], schools[s])
				results[i] = submit(client, eko.addr, tokens[p], "fault-"+strconv.Itoa(i), body, &retries, count, &refused)
			}
		}()
	}
	var kills, pgRestarts int
	chaosDone := make(chan struct{})
	go func() { defer close(chaosDone); kills, pgRestarts = chaos(t, eko, pg, done) }()
	clientWG.Wait()
	close(done)
	<-chaosDone
	elapsed := time.Since(t0)

	// The store, read directly.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	stored := map[string][2]string{} // idempotency key → id, number
	dups := 0
	rows, err := conn.Query(ctx, `SELECT idempotency_key, id::text, number FROM applications.applications WHERE idempotency_key LIKE 'fault-%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var key, id, number string
		if err := rows.Scan(&key, &id, &number); err != nil {
			t.Fatal(err)
		}
		if _, seen := stored[key]; seen {
			dups++
		}
		stored[key] = [2]string{id, number}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var apps, firsts, evs int
	if err := conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM applications.applications),
		(SELECT count(*) FROM applications.status_history WHERE status = 'submitted'),
		(SELECT count(*) FROM platform.outbox WHERE type = 'ru.kuzbass.eko.application.submitted.v1')`).Scan(&apps, &firsts, &evs); err != nil {
		t.Fatal(err)
	}

	acked, failed := 0, 0
	for i, r := range results {
		key := "fault-" + strconv.Itoa(i)
		row, exists := stored[key]
		switch {
		case r.acked:
			acked++
			if !exists {
				t.Errorf("%s was acknowledged as %s but is not stored", key, r.number)
			} else if row[0] != r.id || row[1] != r.number {
				t.Errorf("%s was acknowledged as %s %s but is stored as %s %s", key, r.id, r.number, row[0], row[1])
			}
		default:
			failed++
			if exists {
				t.Errorf("%s: the client saw it fail (%s), no retry returned it, yet it is stored as %s", key, r.lastErr, row[1])
			}
		}
	}
	if dups > 0 {
		t.Errorf("%d idempotency keys stored twice", dups)
	}
	if apps != len(stored) || firsts != apps || evs != apps {
		t.Errorf("half-written: %d applications, %d first statuses, %d submitted events (%d fault keys)", apps, firsts, evs, len(stored))
	}
	if v, ok := answers.Load(http.StatusInternalServerError); ok && v.(*atomic.Int64).Load() > 0 {
		t.Errorf("%d answers were 500: an outage is a 503 with Retry-After", v.(*atomic.Int64).Load())
	}
	if refused.Load() > 0 {
		t.Errorf("%d submissions refused with a 4xx: a retry with the same key must never be refused", refused.Load())
	}
	var summary []string
	answers.Range(func(k, v any) bool {
		summary = append(summary, fmt.Sprintf("%v×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	t.Logf("%d submissions in %s by %d clients: %d acknowledged, %d given up, %d retries; answers %v; "+
		"eko SIGKILLed %d times, PostgreSQL stopped (fast) %d times; stored %d, first statuses %d, events %d",
		submissions, elapsed.Round(time.Millisecond), clients, acked, failed, retries.Load(), summary, kills, pgRestarts, apps, firsts, evs)
	if acked < submissions*9/10 {
		t.Errorf("only %d of %d submissions acknowledged within %s each: the service did not recover", acked, submissions, giveUp)
	}
}

// submit sends one submission until it is acknowledged (200/201) or giveUp
// passes, always with the same key and body.
func submit(client *http.Client, addr, token, key, body string, retries *atomic.Int64, count func(int), refused *atomic.Int64) outcome {
	deadline := time.Now().Add(giveUp)
	wait := 20 * time.Millisecond
	var last string
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			retries.Add(1)
			time.Sleep(wait)
			wait = min(wait*2, 500*time.Millisecond)
		}
		if time.Now().After(deadline) {
			return outcome{lastErr: last}
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/submit-application/applications", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			count(0)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		count(resp.StatusCode)
		switch {
		case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
			var a struct{ ID, Number string }
			if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
				last = "unreadable acknowledgement: " + string(b)
				continue
			}
			return outcome{acked: true, id: a.ID, number: a.Number}
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			last = strconv.Itoa(resp.StatusCode) + " " + string(b)
		default:
			refused.Add(1)
			return outcome{lastErr: strconv.Itoa(resp.StatusCode) + " " + string(b)}
		}
	}
}

// rig is what a fault test runs on: a PostgreSQL cluster of the test's own
// (so stopping it disturbs no other test) and the eko binary, built and
// migrated on it, in a work directory removed afterwards (eko's log shown
// when the test failed).
type rig struct {
	root, work, dbURL, bin string
	pg                     *cluster
}

func (r *rig) log() string { return filepath.Join(r.work, "eko.log") }

func newRig(t *testing.T) *rig {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp("", "eko-faults-")
	if err != nil {
		t.Fatal(err)
	}
	// The postgres user owns the cluster below; it must reach it.
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &rig{root: root, work: work}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(r.log()); err == nil {
				t.Logf("the last of eko's log:\n%s", b[max(0, len(b)-4000):])
			}
		}
		_ = os.RemoveAll(work)
	})
	r.pg = &cluster{root: root, data: work, port: loopback.Port(t)}
	r.pg.start(t)
	t.Cleanup(func() { r.pg.stop(t) })
	r.dbURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/eko?sslmode=disable", r.pg.port)
	r.bin = filepath.Join(work, "eko")
	build := exec.Command("go", "build", "-o", r.bin, "./cmd/eko")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/eko: %v\n%s", err, out)
	}
	migrate := exec.Command(r.bin, "migrate")
	migrate.Env = append(os.Environ(), "DATABASE_URL="+r.dbURL, "LOG_LEVEL=warn")
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("eko migrate: %v\n%s", err, out)
	}
	return r
}

// chaos kills eko, stops PostgreSQL, or both, every 700 ms until done, and
// leaves both running; it returns how often each went down.
func chaos(t *testing.T, eko *process, pg *cluster, done <-chan struct{}) (kills, pgRestarts int) {
	for round := 0; ; round++ {
		select {
		case <-done:
			return kills, pgRestarts
		case <-time.After(700 * time.Millisecond):
		}
		switch round % 3 {
		case 0: // the function process dies mid-batch
			eko.kill()
			kills++
			time.Sleep(200 * time.Millisecond)
			eko.start(t)
		case 1: // the database goes away under a running process
			pg.stop(t)
			pgRestarts++
			time.Sleep(500 * time.Millisecond)
			pg.start(t)
		case 2: // both at once
			eko.kill()
			pg.stop(t)
			kills++
			pgRestarts++
			time.Sleep(300 * time.Millisecond)
			pg.start(t)
			eko.start(t)
		}
	}
}

// cluster is a PostgreSQL cluster under data, managed by infra/local/postgres.sh
// (which also runs it as the postgres user when the test runs as root).
type cluster struct {
	root, data string
	port       int
}

func (c *cluster) script(t *testing.T, verb string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(c.root, "infra/local/postgres.sh"), verb)
	cmd.Env = append(os.Environ(), "EKO_DATA="+c.data, "PG_PORT="+strconv.Itoa(c.port), "PG_DATABASE=eko")
	cmd.Env = append(cmd.Env, "DATABASE_URL=") // postgres.sh would reuse DATABASE_URL's server
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("postgres.sh %s: %v\n%s", verb, err, out)
	}
}

func (c *cluster) start(t *testing.T) { c.script(t, "start") }
func (c *cluster) stop(t *testing.T)  { c.script(t, "stop") }

// process is the eko binary, run as its own process group.
type process struct {
	bin, addr, log string
	env            []string
	mu             sync.Mutex
	cmd            *exec.Cmd
}

// start runs the process and waits until it answers ready.
func (p *process) start(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cmd := exec.Command(p.bin)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return
	}
	p.cmd = cmd
	go func() { _ = cmd.Wait() }()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + p.addr + "/health/readiness")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Errorf("eko did not become ready in 30 s; log %s", p.log)
}

// kill SIGKILLs the process group: no shutdown, no flush.
func (p *process) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		p.cmd = nil
	}
}

// family is a synthetic parent with one child of first-grade age in 2027.
type family struct {
	login, oid, snils string
}

// population returns the fixture identities plus n synthetic families.
func population(n int) (*fixtures.Set, []family) {
	base := fixtures.MustLoad()
	fx := *base
	fx.Identities = append([]fixtures.Identity(nil), base.Identities...)
	out := make([]family, n)
	for i := range out {
		ps, ks := snils(410_000_000+i), snils(510_000_000+i)
		f := family{login: fmt.Sprintf("fault-parent-%d", i), oid: fmt.Sprintf("7%09d", i), snils: ps}
		kid := fmt.Sprintf("fault-kid-%d", i)
		birth := time.Date(2020, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%120)
		fx.Identities = append(fx.Identities,
			fixtures.Identity{Login: f.login, OID: f.oid, FamilyName: "Сбоева", GivenName: "Анна", MiddleName: "Петровна",
				BirthDate: "1990-03-15", Gender: "F", SNILS: ps, Trusted: true, Children: []string{kid},
				Document: fixtures.Document{Type: "RF_PASSPORT", Series: "3216", Number: fmt.Sprintf("%06d", 400_000+i)}},
			fixtures.Identity{Login: kid, OID: fmt.Sprintf("8%09d", i), FamilyName: "Сбоев", GivenName: "Иван", MiddleName: "Петрович",
				BirthDate: birth.Format(time.DateOnly), Gender: "M", SNILS: ks, Trusted: true, NoAccount: true,
				Document: fixtures.Document{Type: "BRTH_CERT", Series: "II-ЛО", Number: fmt.Sprintf("%06d", 500_000+i)}},
		)
		out[i] = f
	}
	return &fx, out
}

func snils(first9 int) string {
	s := strconv.Itoa(first9)
	return s + pdata.SNILSControl(s)
}

// prepare seeds the small region with the families, links their ESIA accounts
// (as their first sign-in would), opens window 1 of 2027 and returns the
// families' children and schoolsEach schools.
func prepare(t *testing.T, ctx context.Context, dbURL string, fx *fixtures.Set, fams []family) (kids, schools []string) {
	t.Helper()
	p, err := pdata.Open(pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, db.Config{URL: dbURL, MaxConns: 2, StatementTimeout: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := eko.SeedRegistry(ctx, pool, p, fx, 13, time.Now()); err != nil {
		t.Fatal(err)
	}
	hashes, oids := make([][]byte, len(fams)), make([]string, len(fams))
	for i, f := range fams {
		hashes[i], oids[i] = p.Hash("snils", f.snils), f.oid
	}
	if _, err := pool.Exec(ctx, `UPDATE registry.people p SET esia_oid = x.oid
		FROM unnest($1::bytea[], $2::text[]) AS x(hash, oid) WHERE p.snils_hash = x.hash`, hashes, oids); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO applications.enrollment_windows (id, academic_year, municipality_id, window_no, opens_at, closes_at)
		VALUES (gen_random_uuid(), 2027, NULL, 1, now() - interval '1 hour', now() + interval '1 day')`); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT l.child_id::text FROM registry.parent_links l JOIN registry.people p ON p.id = l.parent_id
		JOIN unnest($1::text[]) WITH ORDINALITY AS x(oid, n) ON x.oid = p.esia_oid ORDER BY x.n`, oids)
	if err != nil {
		t.Fatal(err)
	}
	if kids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(kids) != len(fams) {
		t.Fatalf("children of the families: %d of %d (%v)", len(kids), len(fams), err)
	}
	rows, err = pool.Query(ctx, `SELECT id::text FROM registry.organisations WHERE kind = 'school' ORDER BY code LIMIT $1`, schoolsEach)
	if err != nil {
		t.Fatal(err)
	}
	if schools, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(schools) != schoolsEach {
		t.Fatalf("schools: %d of %d (%v)", len(schools), schoolsEach, err)
	}
	return kids, schools
}
