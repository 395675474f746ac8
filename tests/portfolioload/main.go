// Command portfolioload measures build-portfolio on the real all-in-one
// process against real PostgreSQL and MinIO, over loopback, next to bare
// endpoints doing the same work:
//
//   - a pupil's portfolio of 200 achievements (GET /api/build-portfolio/people/{id},
//     with each achievement's steps and files) among a million others, next
//     to a bare net/http + pgx endpoint running the same three queries and
//     answering the same JSON; the
//     pupil's own reads (no audit record) and a parent's (each read appended
//     to the child's audit chain);
//   - verifying credentials, per core: VC-JWT and Data Integrity
//     (eddsa-rdfc-2022), next to a bare Ed25519 signature check;
//   - building achievements from events: year-mark.confirmed events written
//     to the outbox as the journal writes them when teachers confirm a
//     class's year marks, applied by build-portfolio through the relay; the
//     rate, next to the rate the journal produces them at its peak.
//
// Usage: go run ./tests/portfolioload [-achievements 1000000] [-duration 10s] [-rate 200] [-events 30000]
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	"github.com/kuzbass/eko/functions/build-portfolio/credential"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/tests/loadrun"
)

type options struct {
	adminURL     string
	achievements int
	duration     time.Duration
	rate         int
	clients      int
	conns        int
	events       int
	keep         bool
	profile      string
}

func main() {
	var o options
	flag.StringVar(&o.adminURL, "admin", loadrun.DefaultAdminURL(), "a PostgreSQL URL allowed to CREATE DATABASE")
	flag.IntVar(&o.achievements, "achievements", 1_000_000, "synthetic achievements of other pupils loaded before measuring")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each phase")
	flag.IntVar(&o.rate, "rate", 200, "requests per second of the fixed-rate phases")
	flag.IntVar(&o.clients, "clients", 16, "concurrent clients of the saturation phases")
	flag.IntVar(&o.conns, "conns", 4, "PostgreSQL connections per endpoint")
	flag.IntVar(&o.events, "events", 30_000, "year-mark.confirmed events of the events phase (1,000 classes of 30)")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the CPU profile of the EKO saturation phase to this file")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "portfolioload:", err)
		os.Exit(1)
	}
}

type world struct {
	db             *loadrun.Database
	pool           *pgxpool.Pool
	student        uuid.UUID
	tokens         map[string]string
	eko, bare      string
	client         *http.Client
	closers        []func()
	classID, orgID string
}

func run(ctx context.Context, o options) error {
	w, err := setUp(ctx, o)
	defer func() {
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
	var rows []loadrun.Result
	phase := func(endpoint, what string, l loadrun.Load, fixed bool, req func(int) *http.Request) {
		r := loadrun.Drive(w.client, l, fixed, req)
		r.Endpoint, r.What = endpoint, what
		fmt.Println(r.Line())
		rows = append(rows, r)
	}
	get := func(base, login string) func(int) *http.Request {
		return func(int) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/build-portfolio/people/"+w.student.String(), nil)
			req.Header.Set("Authorization", "Bearer "+w.tokens[login])
			return req
		}
	}
	sat := loadrun.Load{Duration: o.duration, Clients: o.clients}
	fixed := loadrun.Load{Duration: o.duration, Rate: o.rate}
	phase("bare pgx", "portfolio of 200, saturation", sat, false, get(w.bare, "student1"))
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		_ = pprof.StartCPUProfile(f)
	}
	phase("EKO endpoint", "portfolio of 200 (the pupil), saturation", sat, false, get(w.eko, "student1"))
	if o.profile != "" {
		pprof.StopCPUProfile()
	}
	phase("bare pgx", fmt.Sprintf("portfolio of 200, %d/s", o.rate), fixed, true, get(w.bare, "student1"))
	phase("EKO endpoint", fmt.Sprintf("portfolio of 200 (the pupil), %d/s", o.rate), fixed, true, get(w.eko, "student1"))
	phase("EKO endpoint", fmt.Sprintf("portfolio of 200 (a parent, audited), %d/s", o.rate/4), loadrun.Load{Duration: o.duration, Rate: o.rate / 4}, true, get(w.eko, "parent1"))

	verify := verification(o.duration / 2)
	evRate, err := eventsPhase(ctx, w, o)
	if err != nil {
		return err
	}

	var total int64
	_ = w.pool.QueryRow(ctx, `SELECT count(*) FROM portfolio.achievements`).Scan(&total)
	fmt.Printf("\n%s, %d CPUs; %d achievements in portfolio.achievements; student1's portfolio: 200 achievements, 2 steps and a file each; %d connections per endpoint\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), total, o.conns)
	loadrun.PrintTable(rows)

	fmt.Printf("\n\nverification, per core (GOMAXPROCS %d): %s\n", runtime.GOMAXPROCS(0), verify)
	fmt.Printf("building from events: %d year-mark.confirmed applied through the relay at %.0f events/s\n", o.events, evRate)
	return nil
}

// verification verifies credentials with every core for d each, and
// answers how many per second per core, next to a bare Ed25519 check.
func verification(d time.Duration) string {
	const issuer = "https://eko.kuzbass.ru/api/build-portfolio/issuer"
	key := credential.DevelopmentKey(issuer)
	now := time.Now()
	cred := map[string]any{
		"@context": []any{credential.ContextVC2, credential.ContextOB}, "id": "urn:uuid:" + uuid.NewString(),
		"type": []any{"VerifiableCredential", "OpenBadgeCredential"}, "issuer": map[string]any{"id": issuer, "type": []any{"Profile"}, "name": "Министерство образования Кузбасса"},
		"validFrom": now.Add(-time.Hour).UTC().Format(time.RFC3339), "name": "Призёр: Всероссийская олимпиада школьников по математике",
		"credentialSubject": map[string]any{"type": []any{"AchievementSubject"},
			"identifier": []any{map[string]any{"type": "IdentityObject", "identityType": "name", "hashed": true, "identityHash": "sha256$00", "salt": "ab"}},
			"achievement": map[string]any{"id": "urn:uuid:" + uuid.NewString(), "type": []any{"Achievement"}, "achievementType": "Award",
				"name": "Всероссийская олимпиада школьников по математике", "description": "Олимпиада · муниципальный уровень · призёр",
				"criteria": map[string]any{"narrative": "Подтверждено образовательной организацией по скану документа"}}},
		"credentialStatus": credential.StatusEntry("https://eko.kuzbass.ru/api/build-portfolio/status/1", 42),
	}
	signed, err := credential.SignDataIntegrity(cred, key, now)
	if err != nil {
		return err.Error()
	}
	doc, _ := json.Marshal(signed)
	jwt, _ := credential.SignJWT(cred, key)
	v := &credential.Verifier{Keys: credential.NewKeySet(key)}
	data := []byte("a portfolio credential's 64 bytes of hashes to sign, more or less")
	sig := ed25519.Sign(key.Private, data)
	per := func(f func() bool) float64 {
		var n atomic.Int64
		var bad atomic.Int64
		end := time.Now().Add(d)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) {
					if !f() {
						bad.Add(1)
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		if bad.Load() > 0 {
			return -1
		}
		return float64(n.Load()) / d.Seconds() / float64(runtime.GOMAXPROCS(0))
	}
	ctx := context.Background()
	jwtRate := per(func() bool { return v.Verify(ctx, []byte(jwt)).Valid })
	diRate := per(func() bool { return v.Verify(ctx, doc).Valid })
	bare := per(func() bool { return ed25519.Verify(key.Public, data, sig) })
	return fmt.Sprintf("VC-JWT %.0f/s, Data Integrity eddsa-rdfc-2022 %.0f/s, bare Ed25519 check %.0f/s (VC-JWT / bare %.2f×)",
		jwtRate, diRate, bare, jwtRate/bare)
}

// eventsPhase writes o.events year-mark.confirmed events to the outbox in
// one transaction, as 1,000 classes' confirmations would, and waits until
// build-portfolio has applied them all: its rate.
func eventsPhase(ctx context.Context, w *world, o options) (float64, error) {
	out := events.Default()
	rows := make([][]any, 0, o.events)
	now := time.Now().UTC()
	for i := range o.events {
		five := 5
		data, err := out.ValidateValue(postgradeapi.EventYearMarkConfirmed, postgradeapi.YearMarkEvent{
			StudentID: uuid.NewMD5(uuid.NameSpaceOID, []byte(fmt.Sprint("pupil", i/10))).String(), SubjectID: uuid.NewMD5(uuid.NameSpaceOID, []byte(fmt.Sprint("subject", i%10))).String(),
			ClassID: w.classID, OrganisationID: w.orgID, AcademicYear: 2025, Kind: "year", Value: &five, ConfirmedAt: now.Format(time.RFC3339Nano)})
		if err != nil {
			return 0, err
		}
		rows = append(rows, []any{uuid.Must(uuid.NewV7()), postgradeapi.EventYearMarkConfirmed, events.Source(postgradeapi.Name), string(data)})
	}
	var before int64
	if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM platform.processed_events WHERE consumer = $1`, buildportfolioapi.Name).Scan(&before); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := w.pool.CopyFrom(ctx, pgx.Identifier{"platform", "outbox"}, []string{"id", "type", "source", "data"}, pgx.CopyFromRows(rows)); err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var n int64
		if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM platform.processed_events WHERE consumer = $1`, buildportfolioapi.Name).Scan(&n); err != nil {
			return 0, err
		}
		if n-before >= int64(o.events) {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("build-portfolio applied %d of %d events in 10 minutes", n-before, o.events)
		}
	}
	return float64(o.events) / time.Since(start).Seconds(), nil
}

func setUp(ctx context.Context, o options) (*world, error) {
	w := &world{}
	t0 := time.Now()
	sys, err := loadrun.Start(ctx, loadrun.SystemOptions{AdminURL: o.adminURL, Prefix: "eko_portfolio_", Conns: o.conns,
		Logins: []string{"student1", "parent1"}})
	w.db, w.pool, w.tokens, w.eko, w.client = sys.DB, sys.Pool, sys.Tokens, sys.URL, sys.Client
	w.closers = append(w.closers, func() { sys.Close(ctx, true) }) // the run drops the database
	if err != nil {
		return w, err
	}
	code, body := loadrun.Call(w.client, http.MethodGet, w.eko+"/api/build-portfolio/access", w.tokens["student1"], nil)
	var acc buildportfolioapi.Access
	if err := json.Unmarshal(body, &acc); code != http.StatusOK || err != nil || len(acc.Pupils) != 1 {
		return w, fmt.Errorf("student1's access: %d %s", code, body)
	}
	w.student = acc.Pupils[0]
	if err := w.pool.QueryRow(ctx, `SELECT class_id::text, organisation_id::text FROM portfolio.enrollments WHERE pupil_id = $1 LIMIT 1`,
		w.student).Scan(&w.classID, &w.orgID); err != nil {
		return w, fmt.Errorf("student1's class: %w", err)
	}
	t1 := time.Now()
	if err := loadAchievements(ctx, w, o.achievements); err != nil {
		return w, err
	}
	fmt.Printf("  %s: the small region (%s); %d achievements of others and student1's 200 loaded and analysed in %s\n",
		w.db.Name, t1.Sub(t0).Round(time.Millisecond), o.achievements, time.Since(t1).Round(time.Second))
	bare, err := db.Open(ctx, db.Config{URL: w.db.URL, MaxConns: int32(o.conns), StatementTimeout: 5 * time.Second, ExecMode: "cache_statement"})
	if err != nil {
		return w, err
	}
	w.closers = append(w.closers, bare.Close)
	w.bare, err = loadrun.Serve(bareEndpoint(bare))
	return w, err
}

// loadAchievements loads n confirmed claims of synthetic pupils (twenty
// each) and student1's 200, each with two steps and, student1's, a file.
func loadAchievements(ctx context.Context, w *world, n int) error {
	for _, q := range []string{
		`INSERT INTO portfolio.achievements (id, owner_id, owner_kind, organisation_id, category, title, level, result, organiser, awarded_on,
		     document, source, state, version, created_at, changed_at)
		 SELECT md5('a' || i)::uuid, md5('pupil' || (i / 20))::uuid, 'pupil', md5('org' || (i / 20000))::uuid, 'olympiad',
		     'Олимпиада по математике, этап ' || i, 'municipal', 'prize_winner', 'Управление образования', date '2024-09-01' + (i % 800),
		     'Диплом № ' || i, 'claim', 'confirmed', 2, now(), now()
		 FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO portfolio.achievements (id, owner_id, owner_kind, organisation_id, category, title, level, result, organiser, awarded_on,
		     document, source, state, version, created_at, changed_at)
		 SELECT md5('s' || i)::uuid, $2::uuid, 'pupil', $3::uuid, (ARRAY['olympiad','competition','sport','creative'])[1 + i % 4],
		     'Достижение ученика № ' || i, 'regional', 'winner', 'Министерство образования Кузбасса', date '2024-09-01' + (i % 800),
		     'Диплом № ' || i, 'claim', 'confirmed', 2, now(), now()
		 FROM generate_series(0, 199) i`,
		`INSERT INTO portfolio.steps (achievement_id, action, state, actor_subject, actor_role, at)
		 SELECT id, s.action, s.state, 'load', s.role, created_at FROM portfolio.achievements
		 CROSS JOIN (VALUES ('claimed', 'claimed', 'parent'), ('confirmed', 'confirmed', 'class_teacher')) s(action, state, role)`,
		`INSERT INTO portfolio.files (id, achievement_id, object_key, name, content_type, size, sha256, state, owner_subject, created_at, confirmed_at)
		 SELECT gen_random_uuid(), id, 'portfolio-proof/load/' || id, 'диплом.pdf', 'application/pdf', 120000, sha256(id::text::bytea), 'clean', 'load', now(), now()
		 FROM portfolio.achievements WHERE owner_id = $2::uuid`,
		`VACUUM ANALYZE portfolio.achievements`, `VACUUM ANALYZE portfolio.steps`, `VACUUM ANALYZE portfolio.files`, `CHECKPOINT`,
	} {
		var args []any
		switch {
		case strings.Contains(q, "$3"):
			args = []any{w.student, w.orgID}
			q = strings.ReplaceAll(strings.ReplaceAll(q, "$2", "$1"), "$3", "$2")
		case strings.Contains(q, "$2"):
			args = []any{w.student}
			q = strings.ReplaceAll(q, "$2", "$1")
		case strings.Contains(q, "$1"):
			args = []any{n}
		}
		if _, err := w.pool.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	return nil
}

// bareEndpoint answers GET /api/build-portfolio/people/{id} with the same
// queries and the same JSON build-portfolio answers (the achievements with
// every column, their steps and their files), with no token, rules,
// placement or audit.
func bareEndpoint(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/build-portfolio/people/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		person, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), 404)
			return
		}
		out := buildportfolioapi.Portfolio{PersonID: person}
		rows, _ := pool.Query(ctx, `SELECT a.id, a.owner_id, a.owner_kind, a.organisation_id, a.category, a.title, coalesce(a.level, ''),
			    coalesce(a.result, ''), a.organiser, to_char(a.awarded_on, 'YYYY-MM-DD'), a.hours, a.document, a.description, a.source,
			    a.state, a.version, a.created_at, a.changed_at
			FROM portfolio.achievements a WHERE a.owner_id = $1 ORDER BY a.awarded_on DESC, a.created_at DESC`, person)
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (buildportfolioapi.Achievement, error) {
			var a buildportfolioapi.Achievement
			err := row.Scan(&a.ID, &a.OwnerID, &a.OwnerKind, &a.OrganisationID, &a.Category, &a.Title, &a.Level, &a.Result, &a.Organiser,
				&a.AwardedOn, &a.Hours, &a.Document, &a.Description, &a.Source, &a.State, &a.Version, &a.CreatedAt, &a.ChangedAt)
			return a, err
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		at := make(map[uuid.UUID]int, len(list))
		ids := make([]uuid.UUID, 0, len(list))
		for i, a := range list {
			at[a.ID], ids = i, append(ids, a.ID)
		}
		rows, err = pool.Query(ctx, `SELECT achievement_id, action, state, coalesce(reason, ''), actor_id, coalesce(actor_role, ''), actor_subject, at
			FROM portfolio.steps WHERE achievement_id = ANY($1) ORDER BY id`, ids)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		for rows.Next() {
			var id uuid.UUID
			var st buildportfolioapi.Step
			if err := rows.Scan(&id, &st.Action, &st.State, &st.Reason, &st.ActorID, &st.ActorRole, &st.Actor, &st.At); err == nil {
				list[at[id]].Steps = append(list[at[id]].Steps, st)
			}
		}
		rows.Close()
		rows, err = pool.Query(ctx, `SELECT achievement_id, id, name, content_type, size, state, confirmed_at FROM portfolio.files
			WHERE achievement_id = ANY($1) AND state <> 'refused' ORDER BY created_at`, ids)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		for rows.Next() {
			var id uuid.UUID
			var fl buildportfolioapi.File
			if err := rows.Scan(&id, &fl.ID, &fl.Name, &fl.ContentType, &fl.Size, &fl.State, &fl.ConfirmedAt); err == nil {
				list[at[id]].Files = append(list[at[id]].Files, fl)
			}
		}
		rows.Close()
		out.Achievements = list
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}
