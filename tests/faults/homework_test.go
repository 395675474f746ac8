package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/devidp/devidptest"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/tests/loopback"
)

// The homework the fault test reviews: homeworks × pupils submissions.
const (
	homeworks      = 60
	pupilsEach     = 25
	reviewsToMake  = homeworks * pupilsEach
	reviewClients  = 8
	reviewedMark   = 5
	reviewVersion  = 3 // the submissions' version as prepared
	placementLimit = 3 * time.Minute
)

// TestHomeworkMarksSurviveCrashes: under SIGKILL of eko during reviews, the
// relay's redeliveries and PostgreSQL stopped fast, N accepted reviews give
// exactly N journal marks, each with its review, none twice, every review
// told «placed».
func TestHomeworkMarksSurviveCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault test builds and crashes a real process")
	}
	ctx := context.Background()
	r := newRig(t)
	fx := fixtures.MustLoad()
	subs := prepareHomework(t, ctx, r.dbURL, fx)
	issuer := devidptest.Start(t, devidp.Config{}, fx)
	token := devidptest.Token(t, issuer, "teacher-s1")

	eko := &process{bin: r.bin, addr: "127.0.0.1:" + strconv.Itoa(loopback.Port(t)), log: r.log(),
		env: append(os.Environ(), "DATABASE_URL="+r.dbURL, "OIDC_ISSUER="+issuer, "LOG_LEVEL=warn", "QUEUE_MAINTAIN_EVERY=-1s",
			"RELAY_BACKOFF_BASE=100ms", "RELAY_BACKOFF_MAX=2s", "RELAY_MAX_ATTEMPTS=1000", "CLAMD_ADDRESS=")}
	eko.env = append(eko.env, "LISTEN_ADDRESS="+eko.addr)
	eko.start(t)
	t.Cleanup(eko.kill)
	client := &http.Client{Timeout: 10 * time.Second}
	// The teacher's first sign-in links the account to the registry person.
	if code := call(client, http.MethodGet, "http://"+eko.addr+"/api/registry/me", token, ""); code != http.StatusOK {
		t.Fatalf("teacher-s1 signs in: %d", code)
	}

	var (
		next, retries atomic.Int64
		acked         = make([]bool, len(subs))
		wrong         sync.Map // submission → what went wrong
		done          = make(chan struct{})
		wg            sync.WaitGroup
	)
	t0 := time.Now()
	for c := 0; c < reviewClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(subs) {
					return
				}
				acked[i] = review(client, eko.addr, token, subs[i], &retries, &wrong)
			}
		}()
	}
	chaosDone := make(chan struct{})
	var kills, pgRestarts int
	go func() { defer close(chaosDone); kills, pgRestarts = chaos(t, eko, r.pg, done) }()
	wg.Wait()
	close(done)
	<-chaosDone
	reviewed := time.Since(t0)

	// The journal catches up through the relay: every mark placed and told back.
	conn, err := pgx.Connect(ctx, r.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var placed int
	for end := time.Now().Add(placementLimit); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM homework.reviews WHERE journal = 'placed'`).Scan(&placed); err != nil {
			t.Fatal(err)
		}
		if placed >= reviewsToMake {
			break
		}
	}
	lag := time.Since(t0) - reviewed

	var reviewsStored, accepted, marks, pairs, history, posted int
	if err := conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM homework.reviews),
		(SELECT count(*) FROM homework.submissions WHERE state = 'accepted'),
		(SELECT count(*) FROM journal.marks WHERE homework_id IS NOT NULL),
		(SELECT count(DISTINCT (homework_id, student_id)) FROM journal.marks WHERE homework_id IS NOT NULL),
		(SELECT count(*) FROM journal.mark_history h JOIN journal.marks m ON m.id = h.mark_id WHERE m.homework_id IS NOT NULL),
		(SELECT count(*) FROM journal.marks m JOIN homework.reviews rv ON rv.journal_mark_id = m.id
		    JOIN homework.submissions s ON s.id = rv.submission_id
		  WHERE m.homework_id = s.homework_id AND m.student_id = s.pupil_id AND m.value = rv.mark)`).
		Scan(&reviewsStored, &accepted, &marks, &pairs, &history, &posted); err != nil {
		t.Fatal(err)
	}
	ackedN := 0
	for i, a := range acked {
		if a {
			ackedN++
		} else if why, ok := wrong.Load(subs[i]); ok {
			t.Errorf("submission %s: %v", subs[i], why)
		}
	}
	t.Logf("%d reviews in %s by %d clients (%d retries); eko SIGKILLed %d times, PostgreSQL stopped %d times; "+
		"journal caught up %s later: %d reviews stored, %d accepted, %d marks (%d pupils' homework), %d history rows, %d reviews told placed",
		reviewsToMake, reviewed.Round(time.Millisecond), reviewClients, retries.Load(), kills, pgRestarts, lag.Round(time.Millisecond),
		reviewsStored, accepted, marks, pairs, history, placed)
	switch {
	case ackedN != reviewsToMake:
		t.Errorf("%d of %d reviews acknowledged", ackedN, reviewsToMake)
	case reviewsStored != reviewsToMake || accepted != reviewsToMake:
		t.Errorf("%d reviews stored and %d works accepted for %d acknowledged: one review twice or lost", reviewsStored, accepted, ackedN)
	case marks != reviewsToMake || pairs != reviewsToMake || history != reviewsToMake:
		t.Errorf("%d journal marks (%d distinct pupils' homework, %d history rows) for %d reviews: want exactly one each", marks, pairs, history, reviewsToMake)
	case posted != reviewsToMake || placed != reviewsToMake:
		t.Errorf("%d marks match their reviews, %d reviews told placed, of %d", posted, placed, reviewsToMake)
	}
}

// review accepts one submission with reviewedMark, retrying through outages
// with the same version: a 409 naming the work accepted is the acceptance
// an earlier try made before its answer was lost.
func review(client *http.Client, addr, token string, submission uuid.UUID, retries *atomic.Int64, wrong *sync.Map) bool {
	body := fmt.Sprintf(`{"decision":"accepted","mark":%d,"version":%d}`, reviewedMark, reviewVersion)
	url := "http://" + addr + "/api/issue-homework/submissions/" + submission.String() + "/review"
	for end := time.Now().Add(giveUp); time.Now().Before(end); {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				return true
			case resp.StatusCode == http.StatusConflict:
				var p struct {
					State string `json:"current_state"`
				}
				if json.Unmarshal(b, &p) == nil && p.State == "accepted" {
					return true
				}
				wrong.Store(submission, fmt.Sprintf("409 %s", b))
				return false
			case resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
				wrong.Store(submission, fmt.Sprintf("%d %s", resp.StatusCode, b))
				return false
			}
		}
		retries.Add(1)
		time.Sleep(100 * time.Millisecond)
	}
	wrong.Store(submission, "not answered within "+giveUp.String())
	return false
}

// call sends one request and returns the status (0 when not answered).
func call(client *http.Client, method, url, token, body string) int {
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// prepareHomework seeds the small region's registry and, as issue-homework
// and the journal would have left them, teacher-s1's lessons of mathematics
// in school No. 1, a homework with a mark for each, and the submitted work
// of pupilsEach pupils on each (at version reviewVersion); it returns the
// submissions.
func prepareHomework(t *testing.T, ctx context.Context, dbURL string, fx *fixtures.Set) []uuid.UUID {
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
	teacher, _ := fx.Identity("teacher-s1")
	digits, err := pdata.NormalizeSNILS(teacher.SNILS)
	if err != nil {
		t.Fatal(err)
	}
	var teacherID, school *uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM registry.people WHERE snils_hash = $1), (SELECT id FROM registry.organisations WHERE code = 'school-1-kemerovo')`,
		p.Hash("snils", digits)).Scan(&teacherID, &school); err != nil || teacherID == nil || school == nil {
		t.Fatalf("teacher-s1 and school No. 1 in the seeded registry: %v %v %v", teacherID, school, err)
	}
	class, asg := uuid.New(), uuid.New()
	const math = "0193b6c0-0000-7000-8000-000000000003"
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if _, err := pool.Exec(ctx, `INSERT INTO journal.assignments (id, organisation_id, academic_year, teacher_id, class_id, subject_id)
		VALUES ($1, $2, $3, $4, $5, $6)`, asg, *school, today.Year(), *teacherID, class, math); err != nil {
		t.Fatal(err)
	}
	var subs []uuid.UUID
	batch := &pgx.Batch{}
	for h := 0; h < homeworks; h++ {
		lesson, hw := uuid.New(), uuid.New()
		batch.Queue(`INSERT INTO journal.lessons (id, assignment_id, organisation_id, class_id, subject_id, teacher_id, lesson_date, lesson_no)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, lesson, asg, *school, class, math, *teacherID, today.AddDate(0, 0, h/6), 1+h%6)
		batch.Queue(`INSERT INTO homework.homework (id, organisation_id, class_id, subject_id, teacher_id, lesson_id, lesson_date, text, due_at,
			    submission_expected, marked, mark_kind, status, version, issued_at, changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'Задачи 1–5', now() + interval '2 days', true, true, 'homework', 'issued', 1, now(), now())`,
			hw, *school, class, math, *teacherID, lesson, today.AddDate(0, 0, h/6))
		for k := 0; k < pupilsEach; k++ {
			pupil, sub := uuid.New(), uuid.New()
			subs = append(subs, sub)
			batch.Queue(`INSERT INTO homework.recipients (homework_id, pupil_id, due_at) VALUES ($1, $2, now() + interval '2 days')`, hw, pupil)
			batch.Queue(`INSERT INTO homework.submissions (id, homework_id, pupil_id, state, attempt, text, version, updated_at)
				VALUES ($1, $2, $3, 'submitted', 1, 'ответ', $4, now())`, sub, hw, pupil, reviewVersion)
			batch.Queue(`INSERT INTO homework.attempts (submission_id, attempt, text, files, received_at, late) VALUES ($1, 1, 'ответ', '[]', now(), false)`, sub)
		}
	}
	if err := pool.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	return subs
}
