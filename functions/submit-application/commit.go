package submitapplication

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/outbox"
)

// committer writes cabinet submissions by group commit: every submission that
// is waiting when a writer becomes free goes into that writer's next
// transaction, so at the opening-morning peak one commit (one WAL flush)
// acknowledges many families at once, and under light load a submission is
// written alone, without waiting for company.
//
// Guarantees:
//   - A submission is reported written only after its transaction committed;
//     when the commit's outcome is unknown (the connection broke), the caller
//     is told to retry with the same key, which then finds the row or writes it.
//   - Each row of a batch stands on its own: a row stopped by its idempotency
//     key, by the one-active-application index or by a closed window does not
//     affect the others (INSERT … ON CONFLICT DO NOTHING and a per-row window
//     check); a batch that fails as a whole for any other reason is written
//     again one submission per transaction, so one bad row fails only itself.
//   - Receipt order is arrival order at the committer: sequence numbers and
//     receipt times are taken row by row in that order.
type committer struct {
	f       *Function
	queue   chan *pendingWrite
	maxRows int

	mu     sync.RWMutex // closed and the queue: see enqueue
	closed bool
	stop   chan struct{}
	done   sync.WaitGroup
}

// pendingWrite is one submission waiting for its group commit.
type pendingWrite struct {
	it   *intake
	data []byte
	done chan writeResult // buffered: a writer never blocks on a caller that left
}

// writeResult is what became of a pendingWrite: the application, or nil with
// errNotInserted (the key, the child's place or the window stopped it), or an
// error.
type writeResult struct {
	app *application
	err error
}

// batchTimeout bounds one group commit, whatever the callers' deadlines.
const batchTimeout = 15 * time.Second

// newCommitter starts writers goroutines writing at most maxRows submissions per
// transaction. Each writer holds a pool connection only while it writes.
func newCommitter(f *Function, writers, maxRows, queue int) *committer {
	c := &committer{f: f, queue: make(chan *pendingWrite, queue), maxRows: maxRows, stop: make(chan struct{})}
	for i := 0; i < writers; i++ {
		c.done.Add(1)
		go c.run()
	}
	return c
}

// write hands a checked submission to the next group commit and waits for its
// outcome. If ctx ends first the submission may still be written; the client's
// retry with the same key then returns it.
func (c *committer) write(ctx context.Context, it *intake, data []byte) (*application, error) {
	p := &pendingWrite{it: it, data: data, done: make(chan writeResult, 1)}
	if err := c.enqueue(ctx, p); err != nil {
		return nil, err
	}
	select {
	case r := <-p.done:
		return r.app, r.err
	case <-ctx.Done():
		return nil, errs.User(errs.Unavailable, "запрос прерван во время записи заявления; повторите подачу с тем же Idempotency-Key")
	}
}

// enqueue queues p unless the committer is closed. Holding the read lock while
// queueing means close cannot slip in between: whatever is queued is queued
// before the writers drain the queue and stop.
func (c *committer) enqueue(ctx context.Context, p *pendingWrite) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return errs.User(errs.Unavailable, "сервис приёма заявлений останавливается; повторите подачу с тем же Idempotency-Key")
	}
	select {
	case c.queue <- p:
		return nil
	case <-ctx.Done():
		return errs.User(errs.Unavailable, "запрос прерван до записи заявления; повторите подачу с тем же Idempotency-Key")
	}
}

// close stops taking submissions, writes those already queued and returns when
// the writers have finished.
func (c *committer) close(context.Context) error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	c.done.Wait()
	return nil
}

func (c *committer) run() {
	defer c.done.Done()
	for {
		var first *pendingWrite
		select {
		case first = <-c.queue:
		case <-c.stop:
			c.drain()
			return
		}
		c.commit(c.gather(first))
	}
}

// gather returns first and whatever else is already waiting, up to maxRows.
func (c *committer) gather(first *pendingWrite) []*pendingWrite {
	batch := []*pendingWrite{first}
	for len(batch) < c.maxRows {
		select {
		case p := <-c.queue:
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// drain writes what was queued before the stop.
func (c *committer) drain() {
	for {
		select {
		case p := <-c.queue:
			c.commit(c.gather(p))
		default:
			return
		}
	}
}

// commit writes batch in one transaction and answers every submission in it.
func (c *committer) commit(batch []*pendingWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	start := time.Now()
	apps, err := c.f.writeAll(ctx, c.f.db, batch)
	batchRows.Observe(float64(len(batch)))
	commitSeconds.Observe(time.Since(start).Seconds())
	if err != nil && len(batch) > 1 && !db.IsUnavailable(err) {
		// Something in the batch broke the whole transaction: write each
		// submission alone, so the failure stays with the row that caused it.
		for _, p := range batch {
			c.commit([]*pendingWrite{p})
		}
		return
	}
	for i, p := range batch {
		switch {
		case err != nil:
			p.done <- writeResult{err: err}
		case apps[i] == nil:
			p.done <- writeResult{err: errNotInserted}
		default:
			p.done <- writeResult{app: apps[i]}
		}
	}
}

// writeAll writes the batch in one transaction of pool: the applications and
// their first statuses in one statement, their application.submitted events in
// another. apps[i] is nil when batch[i] was not inserted.
func (f *Function) writeAll(ctx context.Context, pool *pgxpool.Pool, batch []*pendingWrite) ([]*application, error) {
	var apps []*application
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		apps, err = f.insertAndEnqueue(ctx, tx, batch)
		return err
	})
	if err != nil {
		return nil, commitError(err)
	}
	return apps, nil
}

// insertAndEnqueue inserts the batch in tx and enqueues an application.submitted
// event for every row it inserted.
func (f *Function) insertAndEnqueue(ctx context.Context, tx pgx.Tx, batch []*pendingWrite) ([]*application, error) {
	apps, err := f.insert(ctx, tx, batch)
	if err != nil {
		return nil, err
	}
	evs := make([]outbox.Event, 0, len(apps))
	for _, a := range apps {
		if a != nil {
			evs = append(evs, outbox.Event{Type: submitapplicationapi.EventSubmitted, Source: source, Subject: a.ID.String(), Data: submittedEvent(a)})
		}
	}
	if len(evs) > 0 {
		if err := f.outbox.EnqueueMany(ctx, tx, evs); err != nil {
			return nil, err
		}
	}
	return apps, nil
}

// commitError turns a failed write into what the caller is told: a database
// that cannot be reached, or a commit whose outcome is unknown, is 503 — retry
// with the same key — never a success and never a 500.
func commitError(err error) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	if db.IsUnavailable(err) {
		return &errs.Error{Code: errs.Unavailable, ForUser: true,
			Detail: "база данных недоступна; заявление могло не записаться — повторите подачу с тем же Idempotency-Key (повтор не создаст второе заявление)"}
	}
	return fmt.Errorf("write applications: %w", err)
}
