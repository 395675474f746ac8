package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/pdata"
)

// state is everything the run set up.
type state struct {
	o       options
	dbName  string
	dbURL   string
	closers []func()

	ekoURL   string // the EKO process
	splitURL string // submit-application run alone (-split)
	bareURL  string // the bare endpoint
	client   *http.Client

	tokens  []string // per parent
	kids    []string // per parent: the child's registry id
	schools []string

	mu sync.Mutex
	// noRetryAfter counts 429 and 503 answers without Retry-After (there must be none).
	noRetryAfter atomic.Int64
}

func (st *state) close(keep bool) {
	for i := len(st.closers) - 1; i >= 0; i-- {
		st.closers[i]()
	}
	if keep {
		fmt.Printf("kept database %s\n", st.dbName)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, st.o.adminURL); err == nil {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+st.dbName+" WITH (FORCE)")
		_ = c.Close(ctx)
	}
}

// budget returns the requests of the EKO endpoint's phase named phase: each
// phase has its own range of (parent, school) pairs, so every request of every
// phase is a new application. The bare endpoint makes up its children and has
// no limit.
func (st *state) budget(full bool, phase string) *budget {
	b := &budget{}
	if !full {
		b.end.Store(math.MaxInt64)
		return b
	}
	from, n := st.o.ranges()[phase][0], st.o.ranges()[phase][1]
	b.next.Store(int64(from))
	b.end.Store(int64(from + n))
	return b
}

func setUp(ctx context.Context, o options) (*state, error) {
	st := &state{o: o}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	st.dbName = "eko_load_" + hex.EncodeToString(suffix)
	admin, err := pgx.Connect(ctx, o.adminURL)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", o.adminURL, err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+st.dbName)
	_ = admin.Close(ctx)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(o.adminURL)
	u.Path = "/" + st.dbName
	st.dbURL = u.String()
	ok := false
	defer func() {
		if !ok {
			st.close(false)
		}
	}()

	t0 := time.Now()
	if err := db.Migrate(ctx, st.dbURL, nil, eko.Schemas()...); err != nil {
		return nil, err
	}
	pcfg := pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey}
	p, err := pdata.Open(pcfg)
	if err != nil {
		return nil, err
	}
	fx, parents := population(fixtures.MustLoad(), o.parents)
	setupPool, err := db.Open(ctx, db.Config{URL: st.dbURL, MaxConns: 4, StatementTimeout: 5 * time.Minute})
	if err != nil {
		return nil, err
	}
	defer setupPool.Close()
	if err := eko.SeedRegistry(ctx, setupPool, p, fx, 11, time.Now()); err != nil {
		return nil, err
	}
	if err := prepare(ctx, setupPool, p, st, parents); err != nil {
		return nil, err
	}
	fmt.Printf("  database %s seeded in %s\n", st.dbName, time.Since(t0).Round(time.Millisecond))

	// The development identity provider, on loopback.
	issuer, stopIdP, err := devidp.ServeLoopback(devidp.Config{}, fx)
	if err != nil {
		return nil, err
	}
	st.closers = append(st.closers, stopIdP)

	t0 = time.Now()
	if err := st.fetchTokens(ctx, issuer, parents); err != nil {
		return nil, err
	}
	fmt.Printf("  %d tokens from the development identity provider in %s\n", len(st.tokens), time.Since(t0).Round(time.Millisecond))

	dbCfg := db.Config{URL: st.dbURL, MaxConns: int32(o.conns), StatementTimeout: 5 * time.Second, ExecMode: o.execMode}
	if err := st.startEKO(ctx, dbCfg, issuer); err != nil {
		return nil, err
	}
	if err := st.startBare(ctx, dbCfg); err != nil {
		return nil, err
	}
	if o.split {
		if err := st.startSplit(ctx, dbCfg, issuer); err != nil {
			return nil, err
		}
	}
	st.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}}
	ok = true
	return st, nil
}

// parent is a synthetic parent and child.
type parent struct {
	login, kidLogin string
	oid             string
	snils           string
}

// population returns the fixtures plus n synthetic parents, each with one child
// of first-grade age in 2027 (6 years 7–11 months on 1 September).
func population(base *fixtures.Set, n int) (*fixtures.Set, []parent) {
	fx := *base
	fx.Identities = append([]fixtures.Identity(nil), base.Identities...)
	var out []parent
	for i := 0; i < n; i++ {
		ps := snils(400_000_000 + i)
		ks := snils(500_000_000 + i)
		pr := parent{login: fmt.Sprintf("load-parent-%d", i), kidLogin: fmt.Sprintf("load-kid-%d", i), oid: fmt.Sprintf("5%09d", i), snils: ps}
		birth := time.Date(2020, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%120)
		fx.Identities = append(fx.Identities,
			fixtures.Identity{Login: pr.login, OID: pr.oid, FamilyName: "Нагрузкина", GivenName: "Анна", MiddleName: "Петровна",
				BirthDate: "1990-03-15", Gender: "F", SNILS: ps, Trusted: true, Children: []string{pr.kidLogin},
				Document: fixtures.Document{Type: "RF_PASSPORT", Series: "3215", Number: fmt.Sprintf("%06d", 200_000+i)}},
			fixtures.Identity{Login: pr.kidLogin, OID: fmt.Sprintf("6%09d", i), FamilyName: "Нагрузкин", GivenName: "Иван", MiddleName: "Петрович",
				BirthDate: birth.Format(time.DateOnly), Gender: "M", SNILS: ks, Trusted: true, NoAccount: true,
				Document: fixtures.Document{Type: "BRTH_CERT", Series: "II-ЛО", Number: fmt.Sprintf("%06d", 300_000+i)}},
		)
		out = append(out, pr)
	}
	return &fx, out
}

func snils(first9 int) string {
	s := fmt.Sprint(first9)
	return s + pdata.SNILSControl(s)
}

// prepare links the parents' ESIA accounts (as their first sign-in would),
// opens window 1 of the 2027 campaign and finds the children and schools.
func prepare(ctx context.Context, pool *pgxpool.Pool, p *pdata.Protector, st *state, parents []parent) error {
	hashes := make([][]byte, len(parents))
	oids := make([]string, len(parents))
	for i, pr := range parents {
		hashes[i], oids[i] = p.Hash("snils", pr.snils), pr.oid
	}
	if _, err := pool.Exec(ctx, `UPDATE registry.people p SET esia_oid = x.oid
		FROM unnest($1::bytea[], $2::text[]) AS x(hash, oid) WHERE p.snils_hash = x.hash`, hashes, oids); err != nil {
		return fmt.Errorf("link accounts: %w", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO applications.enrollment_windows (id, academic_year, municipality_id, window_no, opens_at, closes_at)
		VALUES (gen_random_uuid(), 2027, NULL, 1, now() - interval '1 hour', now() + interval '1 day')`); err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT l.child_id::text FROM registry.parent_links l JOIN registry.people p ON p.id = l.parent_id
		JOIN unnest($1::text[]) WITH ORDINALITY AS x(oid, n) ON x.oid = p.esia_oid ORDER BY x.n`, oids)
	if err != nil {
		return err
	}
	if st.kids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	if len(st.kids) != len(parents) {
		return fmt.Errorf("found %d children of %d parents", len(st.kids), len(parents))
	}
	rows, err = pool.Query(ctx, `SELECT id::text FROM registry.organisations WHERE kind = 'school' ORDER BY code`)
	if err != nil {
		return err
	}
	st.schools, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if len(st.schools) < st.o.perParent {
		return fmt.Errorf("%d schools for %d applications per child", len(st.schools), st.o.perParent)
	}
	return err
}

func (st *state) fetchTokens(ctx context.Context, issuer string, parents []parent) error {
	st.tokens = make([]string, len(parents))
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(parents); i += 4 {
				if ctx.Err() != nil {
					return
				}
				resp, err := client.Get(issuer + "/dev/token?login=" + parents[i].login)
				if err != nil {
					errc <- err
					return
				}
				var tok struct {
					AccessToken string `json:"access_token"`
				}
				err = json.NewDecoder(resp.Body).Decode(&tok)
				resp.Body.Close()
				if err != nil || tok.AccessToken == "" {
					errc <- fmt.Errorf("token of %s: %v", parents[i].login, err)
					return
				}
				st.tokens[i] = tok.AccessToken
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return ctx.Err()
	}
}

// startEKO serves every function on one loopback listener, mounted by
// eko.Mount exactly as the all-in-one function mounts them (settings such as
// SUBMIT_MAX_IN_FLIGHT and the relay's from the environment).
func (st *state) startEKO(ctx context.Context, dbCfg db.Config, issuer string) error {
	deps, closeDeps, err := function.Open(ctx, function.Config{DB: dbCfg, Auth: auth.Config{Issuer: issuer, Audience: "eko"}, LogLevel: "warn"}, nil)
	if err != nil {
		return err
	}
	// The process logs (a refused request is logged by httpx) go to a file, not
	// onto the report.
	logFile, err := os.CreateTemp("", "eko-load-server-*.log")
	if err != nil {
		return err
	}
	st.closers = append(st.closers, func() { _ = logFile.Close(); fmt.Printf("server log: %s\n", logFile.Name()) })
	deps.Log = slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelWarn}))
	slog.SetDefault(deps.Log)
	st.closers = append(st.closers, closeDeps)
	sys, err := eko.Mount(ctx, deps, eko.Options{})
	if err != nil {
		return err
	}
	st.closers = append(st.closers, func() { _ = sys.Stop(context.Background()) })
	url, err := serve(sys)
	if err != nil {
		return err
	}
	st.ekoURL = url
	return nil
}

// serve starts an HTTP server for h on a loopback port and returns its URL.
func serve(h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

// submitTo returns what sends request i to the EKO endpoint at base: parent
// i/perParent's child applies to school i%perParent.
func (st *state) submitTo(base string) func(context.Context, int) (int, error) {
	return func(ctx context.Context, i int) (int, error) {
		pi, si := i/st.o.perParent, i%st.o.perParent
		body := fmt.Sprintf(`{"service":"first_grade","child_id":%q,"first_grade":{"school_id":%q,"basis":"territory"}}`, st.kids[pi], st.schools[si])
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/submit-application/applications", bytes.NewBufferString(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+st.tokens[pi])
		req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%d", i))
		return st.do(req)
	}
}

func (st *state) do(req *http.Request) (int, error) {
	resp, err := st.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	shed := resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests
	if shed && resp.Header.Get("Retry-After") == "" {
		st.noRetryAfter.Add(1)
	}
	if resp.StatusCode >= 500 && !shed {
		st.mu.Lock()
		fmt.Fprintf(os.Stderr, "  %s: %d\n", req.URL.Path, resp.StatusCode)
		st.mu.Unlock()
	}
	return resp.StatusCode, nil
}

// verify checks that every application accepted by the EKO endpoint was
// stored once, with its first status and exactly one event.
func (st *state) verify(ctx context.Context) error {
	pool, err := db.Open(ctx, db.Config{URL: st.dbURL, MaxConns: 1, StatementTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer pool.Close()
	var apps, history, evs, dupKeys int
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM applications.applications WHERE applicant_subject <> 'bare'),
		(SELECT count(*) FROM applications.status_history),
		(SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject IN (SELECT id::text FROM applications.applications WHERE applicant_subject <> 'bare')),
		(SELECT count(*) FROM (SELECT child_key FROM applications.applications WHERE status = 'submitted' GROUP BY child_key, target_key HAVING count(*) > 1) d)`,
		submitapplicationapi.EventSubmitted).Scan(&apps, &history, &evs, &dupKeys)
	if err != nil {
		return err
	}
	fmt.Printf("verify: %d applications from the EKO endpoint, %d first statuses, %d submitted events, %d duplicate active applications\n", apps, history, evs, dupKeys)
	if apps != history || apps != evs || dupKeys != 0 {
		return fmt.Errorf("inconsistent store: %d applications, %d first statuses, %d events, %d duplicates", apps, history, evs, dupKeys)
	}
	return nil
}
