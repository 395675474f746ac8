package submitapplication

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

// One group commit: good rows are written together in arrival order; a row
// that repeats another's key is not inserted; a row that breaks the statement
// (here an unknown service, refused by a CHECK constraint) fails alone after
// the batch is written again one row per transaction — and every row has
// exactly one event.
func TestGroupCommitKeepsRowsIndependent(t *testing.T) {
	w := newWorld(t)
	school, _ := uuid.Parse(w.ids["{school1}"])
	mun, _ := uuid.Parse(w.ids["{kemerovo}"])
	windows, err := w.f.windows.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	win, ok := pick(windows, mun, false, time.Now())
	if !ok {
		t.Fatal("no open window")
	}
	pending := func(key string, service submitapplicationapi.Service) *pendingWrite {
		child := uuid.New()
		return &pendingWrite{done: make(chan writeResult, 1), data: []byte(`{}`), it: &intake{
			service: service, channel: submitapplicationapi.ChannelCabinet, childID: &child, childKey: child.String(),
			birth: time.Date(2020, 11, 10, 0, 0, 0, 0, time.UTC), applicant: "committer-test", idemKey: key, hash: []byte(key),
			actor: "committer-test", actorRole: "parent", target: school, orgs: []uuid.UUID{school},
			municipality: mun, targetKey: school.String(), window: &win,
		}}
	}
	var batch []*pendingWrite
	for i := 0; i < 5; i++ {
		batch = append(batch, pending(fmt.Sprint("k", i), submitapplicationapi.FirstGrade))
	}
	batch = append(batch, pending("k1", submitapplicationapi.FirstGrade)) // the key of batch[1] again
	batch = append(batch, pending("broken", "no_such_service"))           // breaks the whole INSERT

	w.f.committer.commit(batch)
	results := make([]writeResult, len(batch))
	for i, p := range batch {
		results[i] = <-p.done
	}
	var seqs []int64
	for i := 0; i < 5; i++ {
		if results[i].err != nil || results[i].app == nil {
			t.Fatalf("row %d: %+v", i, results[i])
		}
		seqs = append(seqs, results[i].app.seq)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("sequence numbers out of arrival order: %v", seqs)
		}
	}
	if !errors.Is(results[5].err, errNotInserted) {
		t.Errorf("repeated key: %+v, want not inserted", results[5])
	}
	if results[6].err == nil || errors.Is(results[6].err, errNotInserted) {
		t.Errorf("broken row: %+v, want its own error", results[6])
	}
	if n := w.count(`SELECT count(*) FROM applications.applications WHERE applicant_subject = 'committer-test'`); n != 5 {
		t.Errorf("%d applications written, want 5", n)
	}
	if n := w.count(`SELECT count(*) FROM platform.outbox o JOIN applications.applications a ON o.subject = a.id::text
		WHERE a.applicant_subject = 'committer-test' AND o.type = $1`, submitapplicationapi.EventSubmitted); n != 5 {
		t.Errorf("%d events, want 5", n)
	}
	if n := w.count(`SELECT count(*) FROM applications.status_history h JOIN applications.applications a ON a.id = h.application_id
		WHERE a.applicant_subject = 'committer-test'`); n != 5 {
		t.Errorf("%d first statuses, want 5", n)
	}
}

// A stopping committer writes what was queued and then refuses new work with
// 503, so an acknowledged submission is never dropped by a shutdown.
func TestCommitterStopsCleanly(t *testing.T) {
	w := newWorld(t)
	code, resp := w.submit("parent1", "before-stop", firstGradeBody("{grader1}", "{school1}", "territory", ""))
	if code != 201 {
		t.Fatalf("%d %s", code, resp)
	}
	if err := w.f.committer.close(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, resp = w.submit("parent1", "after-stop", firstGradeBody("{grader1}", "{school2}", "territory", ""))
	if p := parseProblem(t, resp); code != 503 || p.Code != "unavailable" {
		t.Fatalf("after stop: %d %s", code, resp)
	}
	if n := w.count(`SELECT count(*) FROM applications.applications`); n != 1 {
		t.Fatalf("%d applications, want 1", n)
	}
}
