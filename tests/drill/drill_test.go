// Package drill is the restore drill: it proves that EKO's data can be
// brought back to a point in time. A PostgreSQL cluster with WAL archiving
// runs EKO (the lived-in seed), a base backup is taken while EKO writes,
// two known writes are made on either side of a chosen instant, and the
// backup is restored into a fresh cluster up to that instant. The restored
// database must equal the source as it stood then — every table's rows
// counted and digested, every person's audit hash chain intact, the later
// write absent — the file store mirrored and restored must hold every
// stored file with its checksum, and EKO started on the restored data must
// answer the fixture logins. `make drill` runs it; DRILL_SCALE=region
// measures it at the region's size (BENCHMARKS.md).
package drill

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/tests/loopback"
)

func TestRestoreDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the drill runs PostgreSQL clusters and the eko binary")
	}
	ctx := context.Background()
	scale := os.Getenv("DRILL_SCALE")
	if scale == "" {
		scale = "small"
	}
	work := workDir(t)
	archive := filepath.Join(work, "wal-archive")
	mkdirFor(t, archive)

	// The source: a cluster archiving every WAL segment, EKO's schemas, the
	// lived-in region.
	src := &cluster{data: filepath.Join(work, "source"), port: loopback.Port(t)}
	src.initdb(t)
	src.configure(t, fmt.Sprintf("wal_level = replica\narchive_mode = on\narchive_command = 'test ! -f %[1]s/%%f && cp %%p %[1]s/%%f'\n", archive))
	src.start(t)
	t.Cleanup(func() { src.stop(t) })
	src.createdb(t, "eko")
	bin := buildEKO(t, work)
	issuer := devidptest.Start(t, devidp.Config{}, fixtures.MustLoad())
	bucket := "drill-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	restoredBucket := bucket + "-restored"
	t.Cleanup(func() { removeBucket(t, bucket); removeBucket(t, restoredBucket) })
	env := func(c *cluster, bucket string) []string {
		return append(os.Environ(), "DATABASE_URL="+c.url("eko"), "OIDC_ISSUER="+issuer, "LOG_LEVEL=warn", "S3_BUCKET="+bucket)
	}
	run(t, env(src, bucket), bin, "migrate")
	t0 := time.Now()
	runEnv(t, append(env(src, bucket), "SEED_SCALE="+scale), bin, "seed")
	seeded := time.Since(t0)

	eko := &process{bin: bin, addr: loopback.Addr(t), log: filepath.Join(work, "eko.log")}
	eko.env = append(env(src, bucket), "LISTEN_ADDRESS="+eko.addr)
	eko.start(t)
	t.Cleanup(eko.stop)
	tokens := map[string]string{}
	for _, l := range []string{"ministry", "parent1", "teacher-s1", "director-s1", "student1"} {
		tokens[l] = devidptest.Token(t, issuer, l)
	}
	api := &client{t: t, addr: eko.addr, tokens: tokens}
	api.call("parent1", http.MethodGet, "/api/registry/me", "", http.StatusOK) // links the ESIA account
	student := api.personOf("student1")
	files := uploadProofs(t, api, student, 3)
	// The director reads the school's class lists: every child listed is
	// audited, so each has a hash chain to verify after the restore.
	school := api.organisationOf("director-s1")
	api.call("director-s1", http.MethodGet, "/api/registry/organisations/"+school+"/students", "", http.StatusOK)

	// The base backup, taken while the ministry keeps correcting a record
	// (each change audited in the person's hash chain).
	var writes atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := api.patchPhone(student, fmt.Sprintf("+7900100%04d", i%10000)); err != nil {
				t.Errorf("a write during the backup: %v", err)
				return
			}
			writes.Add(1)
		}
	}()
	base := filepath.Join(work, "base")
	t0 = time.Now()
	src.basebackup(t, base)
	backedUp := time.Since(t0)
	close(stop)
	wg.Wait()

	// Write A, then the instant, then write B.
	if err := api.patchPhone(student, "+79000000001"); err != nil {
		t.Fatal(err)
	}
	eko.stop()
	state := digest(t, ctx, src.url("eko"))
	var at time.Time
	query(t, ctx, src.url("eko"), `SELECT clock_timestamp()`, &at)
	time.Sleep(1100 * time.Millisecond)
	eko.start(t)
	if err := api.patchPhone(student, "+79000000002"); err != nil {
		t.Fatal(err)
	}
	eko.stop()
	query(t, ctx, src.url("eko"), `SELECT pg_walfile_name(pg_switch_wal())::text`, new(string))
	src.waitArchived(t, ctx)
	src.stop(t)

	// The files: the bucket mirrored, then restored into a new bucket.
	t0 = time.Now()
	mirror := filepath.Join(work, "bucket-mirror")
	mirrorBucket(t, ctx, bucket, mirror)
	restoreBucket(t, ctx, mirror, restoredBucket)
	filesTook := time.Since(t0)

	// The restore: the base backup, the archive replayed up to the instant.
	dst := &cluster{data: filepath.Join(work, "restored"), port: loopback.Port(t)}
	t0 = time.Now()
	dst.restore(t, base, archive, at)
	dst.start(t)
	t.Cleanup(func() { dst.stop(t) })
	dst.waitPromoted(t, ctx)
	restored := time.Since(t0)

	// Equal to the source at the instant, table by table.
	got := digest(t, ctx, dst.url("eko"))
	for table, want := range state {
		if got[table] != want {
			t.Errorf("%s: restored %s, the source at %s had %s", table, got[table], at.Format(time.RFC3339Nano), want)
		}
	}
	for table := range got {
		if _, ok := state[table]; !ok {
			t.Errorf("%s: restored but not in the source", table)
		}
	}
	conn, err := pgx.Connect(ctx, dst.url("eko"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	chains := verifyChains(t, ctx, conn)
	checked := verifyFiles(t, ctx, conn, restoredBucket, files)

	// EKO on the restored data: the fixture logins' pages, write A there, B not.
	restoredEKO := &process{bin: bin, addr: loopback.Addr(t), log: filepath.Join(work, "eko-restored.log")}
	restoredEKO.env = append(env(dst, restoredBucket), "LISTEN_ADDRESS="+restoredEKO.addr)
	restoredEKO.start(t)
	t.Cleanup(restoredEKO.stop)
	api.addr = restoredEKO.addr
	if body := api.call("ministry", http.MethodGet, "/api/registry/people/"+student, "", http.StatusOK); !strings.Contains(body, "+79000000001") {
		t.Errorf("the restored record is not write A's: %s", body)
	}
	api.call("parent1", http.MethodGet, "/api/post-grade/diary/"+student, "", http.StatusOK)
	api.call("teacher-s1", http.MethodGet, "/api/post-grade/lessons", "", http.StatusOK)
	api.call("director-s1", http.MethodGet, "/api/submit-application/applications", "", http.StatusOK)
	for _, f := range files {
		api.call("parent1", http.MethodGet, "/api/build-portfolio/files/"+f.id, "", http.StatusOK)
	}
	t.Logf("drill at scale %s: seeded in %s; base backup %s (%s) during %d audited writes; files mirrored and restored in %s; "+
		"restored to %s in %s (%d WAL segments archived); %d tables equal, %d audit chains verified, %d files' checksums",
		scale, seeded.Round(time.Millisecond), backedUp.Round(time.Millisecond), size(t, base), writes.Load(), filesTook.Round(time.Millisecond),
		at.Format(time.RFC3339), restored.Round(time.Millisecond), count(t, archive), len(state), chains, checked)
}

// digest is every table of EKO's schemas: its rows counted and digested
// (the sum of the md5s of its rows as text).
func digest(t *testing.T, ctx context.Context, url string) map[string]string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(tables))
	for _, table := range tables {
		var n int64
		var sum string
		// The sum of the rows' hashes (60 bits of each row's md5): the same
		// for the same multiset of rows, in any order, in constant memory.
		if err := conn.QueryRow(ctx, `SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text FROM `+table+` t`).
			Scan(&n, &sum); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = strconv.FormatInt(n, 10) + " rows " + sum
	}
	if len(out) < 20 {
		t.Fatalf("only %d tables: %v", len(out), tables)
	}
	return out
}

// verifyChains checks every audited person's hash chain and returns how many.
func verifyChains(t *testing.T, ctx context.Context, conn *pgx.Conn) int {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT DISTINCT subject_person_id FROM platform.audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subjects {
		ok, at, err := audit.Verify(ctx, conn, s)
		if err != nil || !ok {
			t.Errorf("the audit chain of %s breaks at %d: %v", s, at, err)
		}
	}
	if len(subjects) < 100 {
		t.Errorf("only %d audit chains to verify", len(subjects))
	}
	return len(subjects)
}

func query(t *testing.T, ctx context.Context, url, sql string, dst any) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, sql).Scan(dst); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func size(t *testing.T, dir string) string {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func count(t *testing.T, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
