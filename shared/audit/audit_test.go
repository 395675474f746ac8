package audit_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/platform"
)

func entry(subject uuid.UUID, action string) audit.Entry {
	return audit.Entry{
		ActorSubject:    "esia:1000000001",
		ActorRole:       "class_teacher",
		SubjectPersonID: subject,
		Action:          action,
		Object:          "registry.person",
		Fields:          []string{"snils", "document"},
		Purpose:         "class list",
		RemoteAddr:      "192.0.2.10",
		UserAgent:       "test",
	}
}

// appendTx appends entries in their own committed transaction.
func appendTx(t *testing.T, pool *pgxpool.Pool, entries ...audit.Entry) {
	t.Helper()
	err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		return audit.AppendMany(context.Background(), tx, entries)
	})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
}

func mustVerify(t *testing.T, q audit.Querier, subject uuid.UUID) {
	t.Helper()
	ok, broken, err := audit.Verify(context.Background(), q, subject)
	if err != nil || !ok || broken != 0 {
		t.Fatalf("Verify(%s) = %v, %d, %v; want an intact chain", subject, ok, broken, err)
	}
}

func count(t *testing.T, pool *pgxpool.Pool, subject uuid.UUID) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(),
		`SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1`, subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAppendAndList(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child, other := uuid.New(), uuid.New()
	actor := uuid.New()

	before := time.Now().Add(-time.Second)
	first := entry(child, audit.ActionCreate)
	first.ActorPersonID = &actor
	appendTx(t, d.Pool, first)
	appendTx(t, d.Pool, entry(other, audit.ActionRead))
	appendTx(t, d.Pool, entry(child, audit.ActionRead))
	third := entry(child, audit.ActionUpdate)
	third.Fields = nil
	appendTx(t, d.Pool, third)
	after := time.Now().Add(time.Second)

	all, err := audit.List(ctx, d.Pool, child, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d records, want 3", len(all))
	}
	// Newest first.
	if all[0].Action != audit.ActionUpdate || all[1].Action != audit.ActionRead || all[2].Action != audit.ActionCreate {
		t.Fatalf("order %s %s %s, want update read create", all[0].Action, all[1].Action, all[2].Action)
	}
	if !(all[0].Seq > all[1].Seq && all[1].Seq > all[2].Seq) {
		t.Fatalf("seqs not descending: %d %d %d", all[0].Seq, all[1].Seq, all[2].Seq)
	}
	oldest := all[2]
	if oldest.PrevHash != nil || len(oldest.Hash) != 32 {
		t.Fatalf("first record: prev %x, hash %x", oldest.PrevHash, oldest.Hash)
	}
	if string(all[1].PrevHash) != string(oldest.Hash) || string(all[0].PrevHash) != string(all[1].Hash) {
		t.Fatal("records are not chained")
	}
	if oldest.ActorPersonID == nil || *oldest.ActorPersonID != actor || all[1].ActorPersonID != nil {
		t.Fatalf("actor person ids %v %v", oldest.ActorPersonID, all[1].ActorPersonID)
	}
	want := first
	if oldest.ActorSubject != want.ActorSubject || oldest.ActorRole != want.ActorRole || oldest.SubjectPersonID != child ||
		oldest.Object != want.Object || strings.Join(oldest.Fields, ",") != "snils,document" || oldest.Purpose != want.Purpose ||
		oldest.RemoteAddr != want.RemoteAddr || oldest.UserAgent != want.UserAgent {
		t.Fatalf("stored %+v, appended %+v", oldest.Entry, want)
	}
	if all[0].Fields == nil || len(all[0].Fields) != 0 {
		t.Fatalf("nil Fields stored as %#v, want an empty list", all[0].Fields)
	}
	for _, r := range all {
		if r.At.Before(before) || r.At.After(after) || r.At.Location() != time.UTC || r.At.Nanosecond()%1000 != 0 {
			t.Fatalf("at %v", r.At)
		}
		if got := audit.ComputeHash(r.PrevHash, r.At, r.Entry); string(got) != string(r.Hash) {
			t.Fatalf("seq %d: stored hash is not ComputeHash of the stored record", r.Seq)
		}
	}

	// Keyset pagination.
	page1, err := audit.List(ctx, d.Pool, child, 0, 2)
	if err != nil || len(page1) != 2 || page1[0].Seq != all[0].Seq || page1[1].Seq != all[1].Seq {
		t.Fatalf("page 1: %v %v", page1, err)
	}
	page2, err := audit.List(ctx, d.Pool, child, page1[1].Seq, 2)
	if err != nil || len(page2) != 1 || page2[0].Seq != all[2].Seq {
		t.Fatalf("page 2: %v %v", page2, err)
	}
	page3, err := audit.List(ctx, d.Pool, child, page2[0].Seq, 2)
	if err != nil || len(page3) != 0 {
		t.Fatalf("page 3: %v %v", page3, err)
	}

	// The other subject has its own chain.
	others, err := audit.List(ctx, d.Pool, other, 0, 10)
	if err != nil || len(others) != 1 || others[0].PrevHash != nil {
		t.Fatalf("other subject: %v %v", others, err)
	}
	none, err := audit.List(ctx, d.Pool, uuid.New(), 0, 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("unknown subject: %v %v", none, err)
	}
	mustVerify(t, d.Pool, child)
	mustVerify(t, d.Pool, other)
	mustVerify(t, d.Pool, uuid.New()) // no records: intact
}

func TestAppendManyChainsSeveralSubjects(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	appendTx(t, d.Pool, entry(a, audit.ActionRead))
	appendTx(t, d.Pool, entry(a, audit.ActionRead), entry(b, audit.ActionRead), entry(a, audit.ActionExport), entry(c, audit.ActionRead))
	for subject, n := range map[uuid.UUID]int{a: 3, b: 1, c: 1} {
		if got := count(t, d.Pool, subject); got != n {
			t.Fatalf("subject has %d records, want %d", got, n)
		}
		mustVerify(t, d.Pool, subject)
	}
	recs, _ := audit.List(ctx, d.Pool, a, 0, 0)
	if recs[0].Action != audit.ActionExport || !recs[0].At.Equal(recs[1].At) {
		t.Fatalf("batch order or timestamp: %s at %v / %v", recs[0].Action, recs[0].At, recs[1].At)
	}
	// An empty batch is a no-op.
	if err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error { return audit.AppendMany(ctx, tx, nil) }); err != nil {
		t.Fatal(err)
	}
	// One bad entry: nothing of the batch is written, even if the caller commits.
	bad := entry(b, "peek")
	err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error {
		if err := audit.AppendMany(ctx, tx, []audit.Entry{entry(b, audit.ActionRead), bad}); err == nil {
			return errors.New("unknown action accepted")
		}
		return nil // commit whatever was done
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := count(t, d.Pool, b); got != 1 {
		t.Fatalf("a rejected batch wrote %d records", got-1)
	}
}

func TestAppendValidatesAndCleans(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child := uuid.New()
	for name, mutate := range map[string]func(*audit.Entry){
		"no actor":      func(e *audit.Entry) { e.ActorSubject = "" },
		"no subject":    func(e *audit.Entry) { e.SubjectPersonID = uuid.Nil },
		"no object":     func(e *audit.Entry) { e.Object = "" },
		"bad action":    func(e *audit.Entry) { e.Action = "READ" },
		"only NUL byte": func(e *audit.Entry) { e.ActorSubject = "\x00" },
	} {
		e := entry(child, audit.ActionRead)
		mutate(&e)
		err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error { return audit.Append(ctx, tx, e) })
		if err == nil || errs.CodeOf(err) != errs.Internal {
			t.Errorf("%s: %v, want an internal error", name, err)
		}
	}
	e := entry(child, audit.ActionRead)
	e.Purpose = "bad\x00utf8 \xff end"
	e.Fields = []string{"sn\x00ils"}
	e.UserAgent = strings.Repeat("ю", 300)
	appendTx(t, d.Pool, e)
	recs, err := audit.List(ctx, d.Pool, child, 0, 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %v", recs, err)
	}
	r := recs[0]
	if r.Purpose != "badutf8 \uFFFD end" || r.Fields[0] != "snils" || r.UserAgent != strings.Repeat("ю", audit.MaxUserAgent) {
		t.Fatalf("not cleaned: %q %q %d", r.Purpose, r.Fields, len([]rune(r.UserAgent)))
	}
	mustVerify(t, d.Pool, child)
}

func TestAppendOnlyIsEnforcedByTheDatabase(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child := uuid.New()
	appendTx(t, d.Pool, entry(child, audit.ActionRead), entry(child, audit.ActionUpdate))
	for _, stmt := range []string{
		`UPDATE platform.audit_log SET purpose = 'nothing to see'`,
		`UPDATE platform.audit_log SET hash = hash WHERE seq = (SELECT min(seq) FROM platform.audit_log)`,
		`DELETE FROM platform.audit_log`,
		`DELETE FROM platform.audit_log WHERE seq = (SELECT max(seq) FROM platform.audit_log)`,
		`TRUNCATE platform.audit_log`,
		`TRUNCATE platform.audit_log CASCADE`,
	} {
		_, err := d.Pool.Exec(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", stmt, err)
		}
	}
	if got := count(t, d.Pool, child); got != 2 {
		t.Fatalf("%d records left, want 2", got)
	}
	mustVerify(t, d.Pool, child)
}

// superuserEdit runs stmt with the append-only triggers disabled, as an attacker
// with superuser rights would, and restores them.
func superuserEdit(t *testing.T, pool *pgxpool.Pool, stmt string, args ...any) {
	t.Helper()
	err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), `ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only`); err != nil {
			return err
		}
		tag, err := tx.Exec(context.Background(), stmt, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%s changed nothing", stmt)
		}
		_, err = tx.Exec(context.Background(), `ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only`)
		return err
	})
	if err != nil {
		t.Fatalf("superuser edit: %v", err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	bystander := uuid.New()

	// Each case gets its own subject with five records; seqs[i] is the i-th record.
	cases := []struct {
		name   string
		edit   string // $1 = the seq of the record edited
		target int    // the record edited
		broken int    // the record Verify must report
	}{
		{"purpose changed", `UPDATE platform.audit_log SET purpose = 'routine check' WHERE seq = $1`, 2, 2},
		{"actor changed", `UPDATE platform.audit_log SET actor_subject = 'esia:someone-else' WHERE seq = $1`, 0, 0},
		{"actor person cleared", `UPDATE platform.audit_log SET actor_person_id = NULL WHERE seq = $1`, 1, 1},
		{"fields narrowed", `UPDATE platform.audit_log SET fields = '{document}' WHERE seq = $1`, 3, 3},
		{"time moved by 1µs", `UPDATE platform.audit_log SET at = at + interval '1 microsecond' WHERE seq = $1`, 4, 4},
		{"action changed", `UPDATE platform.audit_log SET action = 'read' WHERE seq = $1`, 2, 2},
		{"hash replaced", `UPDATE platform.audit_log SET hash = sha256('x') WHERE seq = $1`, 1, 1},
		{"middle record deleted", `DELETE FROM platform.audit_log WHERE seq = $1`, 2, 3},
		{"first record deleted", `DELETE FROM platform.audit_log WHERE seq = $1`, 0, 1},
		{"record moved to another subject", `UPDATE platform.audit_log SET subject_person_id = gen_random_uuid() WHERE seq = $1`, 3, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			child := uuid.New()
			actor := uuid.New()
			for i := 0; i < 5; i++ {
				e := entry(child, audit.ActionExport)
				e.ActorPersonID = &actor
				appendTx(t, d.Pool, e, entry(bystander, audit.ActionRead))
			}
			recs, err := audit.List(ctx, d.Pool, child, 0, 0)
			if err != nil || len(recs) != 5 {
				t.Fatalf("%v %v", recs, err)
			}
			seqs := make([]int64, 5) // oldest first
			for i, r := range recs {
				seqs[4-i] = r.Seq
			}
			mustVerify(t, d.Pool, child)
			superuserEdit(t, d.Pool, c.edit, seqs[c.target])
			ok, broken, err := audit.Verify(ctx, d.Pool, child)
			if err != nil || ok || broken != seqs[c.broken] {
				t.Fatalf("Verify = %v, %d, %v; want broken at %d (record %d)", ok, broken, err, seqs[c.broken], c.broken)
			}
			mustVerify(t, d.Pool, bystander) // other chains are unaffected
		})
	}

	// Triggers are back on: the attacker's tool is not left enabled by the test.
	if _, err := d.Pool.Exec(ctx, `DELETE FROM platform.audit_log`); err == nil {
		t.Fatal("trigger not re-enabled")
	}
}

func TestRolledBackTransactionLeavesNoRecord(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child := uuid.New()
	boom := errors.New("the change failed")
	err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error {
		if err := audit.Append(ctx, tx, entry(child, audit.ActionUpdate)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Append(ctx, tx, entry(child, audit.ActionRead)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(t, d.Pool, child); got != 0 {
		t.Fatalf("%d records survived rolled-back transactions", got)
	}
	// The chain starts cleanly after the rollbacks.
	appendTx(t, d.Pool, entry(child, audit.ActionRead))
	recs, _ := audit.List(ctx, d.Pool, child, 0, 0)
	if len(recs) != 1 || recs[0].PrevHash != nil {
		t.Fatalf("after rollbacks: %+v", recs)
	}
	mustVerify(t, d.Pool, child)
}

func TestConcurrentAppendsFormOneChain(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child, sibling := uuid.New(), uuid.New()
	const workers, perWorker = 8, 10
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				e := entry(child, audit.ActionRead)
				e.Purpose = fmt.Sprintf("worker %d item %d", w, i)
				batch := []audit.Entry{e}
				if i%3 == 0 { // some batches also touch a second subject, in varying order
					if w%2 == 0 {
						batch = append(batch, entry(sibling, audit.ActionRead))
					} else {
						batch = append([]audit.Entry{entry(sibling, audit.ActionRead)}, batch...)
					}
				}
				err := db.InTx(ctx, d.Pool, func(tx pgx.Tx) error { return audit.AppendMany(ctx, tx, batch) })
				if err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("concurrent append: %v", err)
	}
	if got := count(t, d.Pool, child); got != workers*perWorker {
		t.Fatalf("%d records, want %d", got, workers*perWorker)
	}
	mustVerify(t, d.Pool, child)
	mustVerify(t, d.Pool, sibling)
	// One chain: exactly one first record and every hash is someone's predecessor at most once.
	var firsts, distinctPrev int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE prev_hash IS NULL), count(DISTINCT prev_hash)
		FROM platform.audit_log WHERE subject_person_id = $1`, child).Scan(&firsts, &distinctPrev); err != nil {
		t.Fatal(err)
	}
	if firsts != 1 || distinctPrev != workers*perWorker-1 {
		t.Fatalf("chain shape: %d first records, %d distinct predecessors", firsts, distinctPrev)
	}
}

func TestAppendLocksOnlyItsSubject(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	holder, err := d.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if err := audit.Append(ctx, holder, entry(a, audit.ActionRead)); err != nil {
		t.Fatal(err)
	}

	// Another subject is not held up (the holder keeps its lock past this deadline).
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	appendWith := func(c context.Context, subject uuid.UUID) error {
		return db.InTx(c, d.Pool, func(tx pgx.Tx) error { return audit.Append(c, tx, entry(subject, audit.ActionRead)) })
	}
	if err := appendWith(quick, b); err != nil {
		t.Fatalf("append for another subject: %v", err)
	}

	// The same subject waits for the holder.
	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if err := appendWith(short, a); err == nil {
		t.Fatal("append for the held subject did not wait")
	}
	done := make(chan error, 1)
	go func() { done <- appendWith(ctx, a) }()
	waitForLockWait(t, d.Pool, "SELECT pg_advisory_xact_lock")
	select {
	case err := <-done:
		t.Fatalf("append for the held subject finished while the lock was held: %v", err)
	default:
	}
	if err := holder.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("append after the holder committed: %v", err)
	}
	if got := count(t, d.Pool, a); got != 2 {
		t.Fatalf("%d records for the held subject, want 2", got)
	}
	mustVerify(t, d.Pool, a)
}

func TestStaleSnapshotCannotFork(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child := uuid.New()
	appendTx(t, d.Pool, entry(child, audit.ActionRead))

	stale, err := d.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer stale.Rollback(ctx)
	if _, err := stale.Exec(ctx, `SELECT 1`); err != nil { // the snapshot is taken here
		t.Fatal(err)
	}
	appendTx(t, d.Pool, entry(child, audit.ActionUpdate)) // committed after the snapshot
	err = audit.Append(ctx, stale, entry(child, audit.ActionRead))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "40001" {
		t.Fatalf("append from a stale snapshot: %v, want a serialization failure", err)
	}
	_ = stale.Rollback(ctx)
	if got := count(t, d.Pool, child); got != 2 {
		t.Fatalf("%d records, want 2", got)
	}
	mustVerify(t, d.Pool, child)

	// db.InTx retries it, at either isolation level, and the retry succeeds.
	for _, iso := range []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.Serializable} {
		attempts := 0
		err = db.InTx(ctx, isoBeginner{d.Pool, iso}, func(tx pgx.Tx) error {
			attempts++
			if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
				return err
			}
			if attempts == 1 {
				appendTx(t, d.Pool, entry(child, audit.ActionUpdate))
			}
			return audit.Append(ctx, tx, entry(child, audit.ActionRead))
		})
		if err != nil || attempts != 2 {
			t.Fatalf("%s append: %v after %d attempts, want success on the second", iso, err, attempts)
		}
		mustVerify(t, d.Pool, child)
	}
	if got := count(t, d.Pool, child); got != 6 {
		t.Fatalf("%d records, want 6", got)
	}
}

type isoBeginner struct {
	pool *pgxpool.Pool
	iso  pgx.TxIsoLevel
}

func (b isoBeginner) Begin(ctx context.Context) (pgx.Tx, error) {
	return b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: b.iso})
}

func TestWorksInEveryExecMode(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	for _, mode := range []string{"exec", "simple_protocol", "cache_statement", "cache_describe", "describe_exec"} {
		t.Run(mode, func(t *testing.T) {
			pool, err := db.Open(ctx, db.Config{URL: d.URL, MaxConns: 2, ExecMode: mode})
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			child, actor := uuid.New(), uuid.New()
			e := entry(child, audit.ActionRead)
			e.ActorPersonID = &actor
			appendTx(t, pool, e, entry(child, audit.ActionUpdate), entry(uuid.New(), audit.ActionRead))
			recs, err := audit.List(ctx, pool, child, 0, 0)
			if err != nil || len(recs) != 2 || *recs[1].ActorPersonID != actor {
				t.Fatalf("%v %v", recs, err)
			}
			mustVerify(t, pool, child)
		})
	}
}

func TestComputeHashEncoding(t *testing.T) {
	subject := uuid.MustParse("0190f1a2-0000-7000-8000-000000000001")
	actor := uuid.MustParse("0190f1a2-0000-7000-8000-000000000002")
	at := time.Date(2025, 9, 1, 8, 30, 0, 123456000, time.UTC)
	e := audit.Entry{
		ActorSubject: "esia:1000000001", ActorRole: "parent", ActorPersonID: &actor,
		SubjectPersonID: subject, Action: "read", Object: "registry.person",
		Fields: []string{"snils", "document"}, Purpose: "parent view",
		RemoteAddr: "192.0.2.10", UserAgent: "Mozilla/5.0",
	}
	// The golden value was computed outside Go from the documented encoding. It pins
	// the encoding; changing it invalidates every
	// stored chain, so it needs a new domain tag instead.
	const golden = "92ec00f93f0eedbcccc33719bd7115840494f1a89df0bce5080d393bd6632591"
	got := hex.EncodeToString(audit.ComputeHash(nil, at, e))
	if got != golden {
		t.Fatalf("ComputeHash = %s, want %s", got, golden)
	}
	// The zone of at does not matter; its instant does.
	if hex.EncodeToString(audit.ComputeHash(nil, at.In(time.FixedZone("KRAT", 7*3600)), e)) != golden {
		t.Fatal("hash depends on the time zone")
	}
	distinct := map[string]string{}
	add := func(name string, h []byte) {
		k := string(h)
		if prev, dup := distinct[k]; dup {
			t.Errorf("%s hashes like %s", name, prev)
		}
		distinct[k] = name
	}
	add("base", audit.ComputeHash(nil, at, e))
	add("with prev", audit.ComputeHash(make([]byte, 32), at, e))
	add("1µs later", audit.ComputeHash(nil, at.Add(time.Microsecond), e))
	shift := e
	shift.ActorSubject, shift.ActorRole = "esia:1000000001p", "arent"
	add("boundary shifted between actor and role", audit.ComputeHash(nil, at, shift))
	fields := e
	fields.Fields = []string{"snilsdocument"}
	add("fields joined", audit.ComputeHash(nil, at, fields))
	fields2 := e
	fields2.Fields = []string{"document", "snils"}
	add("fields reordered", audit.ComputeHash(nil, at, fields2))
	noActor := e
	noActor.ActorPersonID = nil
	add("no actor person", audit.ComputeHash(nil, at, noActor))
}

func TestFromRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "/registry/people/1", nil)
	r.RemoteAddr = "192.0.2.7:54321"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("User-Agent", strings.Repeat("a", 300))
	e := audit.FromRequest(r)
	if e.RemoteAddr != "192.0.2.7" || len(e.UserAgent) != audit.MaxUserAgent || e.ActorSubject != "" {
		t.Fatalf("FromRequest = %+v", e)
	}
	r.RemoteAddr = "[2001:db8::1]:443"
	r = r.WithContext(auth.WithPrincipal(r.Context(), &auth.Principal{Subject: "esia:42"}))
	e = audit.FromRequest(r)
	if e.RemoteAddr != "2001:db8::1" || e.ActorSubject != "esia:42" {
		t.Fatalf("FromRequest = %+v", e)
	}
	r.RemoteAddr = "pipe"
	if e := audit.FromRequest(r); e.RemoteAddr != "pipe" {
		t.Fatalf("address without port: %q", e.RemoteAddr)
	}
}

func TestLockKeyIsStable(t *testing.T) {
	id := uuid.MustParse("0190f1a2-0000-7000-8000-000000000001")
	if audit.LockKey(id) != audit.LockKey(id) || audit.LockKey(id) == audit.LockKey(uuid.New()) {
		t.Fatal("lock key not a stable function of the subject")
	}
}

func TestForkIsRefusedEvenIfTheLockIsBypassed(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema())
	ctx := context.Background()
	child := uuid.New()
	appendTx(t, d.Pool, entry(child, audit.ActionRead))
	recs, err := audit.List(ctx, d.Pool, child, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A writer that ignores the protocol: it takes no lock and links to the same head.
	rogue, err := d.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Rollback(ctx)
	if _, err := rogue.Exec(ctx, `INSERT INTO platform.audit_log
		(actor_subject, subject_person_id, action, object, prev_hash, hash)
		VALUES ('rogue', $1, 'read', 'x', $2, sha256('forged'))`, child, recs[0].Hash); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, d.Pool, func(tx pgx.Tx) error { return audit.Append(ctx, tx, entry(child, audit.ActionRead)) })
	}()
	waitForLockWait(t, d.Pool, "INSERT INTO platform.audit_log") // Append blocks on the rogue's row
	if err := rogue.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errs.Is(err, errs.Conflict) {
		t.Fatalf("append that would fork the chain: %v, want conflict", err)
	}
	if got := count(t, d.Pool, child); got != 2 {
		t.Fatalf("%d records, want the original and the rogue one", got)
	}
}

// waitForLockWait waits until some session runs a statement starting with prefix
// and waits for a lock.
func waitForLockWait(t *testing.T, pool *pgxpool.Pool, prefix string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND ltrim(query) LIKE $1 || '%'`,
			prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no session waits for a lock in %q", prefix)
}
