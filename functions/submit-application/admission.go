package submitapplication

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// Limits bound the submissions one instance works on at once.
type Limits struct {
	// MaxInFlight submissions (cabinet and EPGU) are checked and written at
	// once; more wait for a slot.
	MaxInFlight int `envconfig:"SUBMIT_MAX_IN_FLIGHT" default:"64"`
	// MaxQueue submissions may wait for a slot; one more is refused at once
	// with 503 and Retry-After (nothing written; the client retries with the
	// same Idempotency-Key). 0 means twice MaxInFlight.
	MaxQueue int `envconfig:"SUBMIT_MAX_QUEUE" default:"0"`
	// QueueWait is how long a submission waits for a slot before it is refused
	// the same way.
	QueueWait time.Duration `envconfig:"SUBMIT_QUEUE_WAIT" default:"1s"`
	// Writers are the group-commit writers: each holds one database connection
	// while it commits a batch of checked submissions.
	Writers int `envconfig:"SUBMIT_WRITERS" default:"2"`
	// BatchRows caps the submissions one group commit writes.
	BatchRows int `envconfig:"SUBMIT_BATCH_ROWS" default:"128"`
}

func (l Limits) writers() int {
	if l.Writers <= 0 {
		return 2
	}
	return l.Writers
}

func (l Limits) batchRows() int {
	if l.BatchRows <= 0 {
		return 128
	}
	return l.BatchRows
}

// admission sheds a peak above capacity instead of queueing it without bound:
// callers get a quick 503 with Retry-After rather than a hanging request. It
// stands in front of the router, so a refused submission costs no token
// verification, no grants lookup and no database work. A submission is
// refused at once when the queue for slots is full, and after QueueWait when
// no slot came free.
type admission struct {
	slots    chan struct{}
	waiting  atomic.Int64
	maxQueue int64
	wait     time.Duration
}

func newAdmission(l Limits) *admission {
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = 64
	}
	if l.MaxQueue <= 0 {
		l.MaxQueue = 2 * l.MaxInFlight
	}
	if l.QueueWait <= 0 {
		l.QueueWait = time.Second
	}
	return &admission{slots: make(chan struct{}, l.MaxInFlight), maxQueue: int64(l.MaxQueue), wait: l.QueueWait}
}

// errOverloaded is the answer to a submission above capacity.
var errOverloaded = errs.User(errs.Unavailable, "сервис приёма заявлений перегружен; повторите подачу через секунду с тем же Idempotency-Key")

// capacity is how many submissions may be in progress at once.
func (a *admission) capacity() int { return cap(a.slots) }

// enter takes a slot, waiting at most a.wait; the returned function frees it.
func (a *admission) enter(ctx context.Context) (func(), error) {
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, nil
	default:
	}
	if a.waiting.Add(1) > a.maxQueue {
		a.waiting.Add(-1)
		return nil, errOverloaded
	}
	defer a.waiting.Add(-1)
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, nil
	case <-t.C:
		return nil, errOverloaded
	case <-ctx.Done():
		return nil, errs.User(errs.Unavailable, "запрос прерван до записи заявления; повторите подачу с тем же Idempotency-Key")
	}
}

// writes admits the submission routes (POST of applications and events)
// through a, and passes every other request straight to next.
func (a *admission) writes(next http.Handler, paths ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !contains(paths, r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		leave, err := a.enter(r.Context())
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		defer leave()
		next.ServeHTTP(w, r)
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
