package submitapplication

import (
	"context"
	"net/http"
	"time"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// Limits bound the submissions one instance works on at once.
type Limits struct {
	// MaxInFlight submissions (cabinet and EPGU) are checked and written at
	// once; more wait for a slot.
	MaxInFlight int `envconfig:"SUBMIT_MAX_IN_FLIGHT" default:"64"`
	// QueueWait is how long a submission waits for a slot before it is refused
	// with 503 and Retry-After (nothing written; the client retries with the
	// same Idempotency-Key).
	QueueWait time.Duration `envconfig:"SUBMIT_QUEUE_WAIT" default:"1s"`
}

// admission sheds a peak above capacity instead of queueing it without bound:
// callers get a quick 503 with Retry-After rather than a hanging request. It
// stands in front of the router, so a refused submission costs no token
// verification, no grants lookup and no database work.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission(l Limits) *admission {
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = 64
	}
	if l.QueueWait <= 0 {
		l.QueueWait = time.Second
	}
	return &admission{slots: make(chan struct{}, l.MaxInFlight), wait: l.QueueWait}
}

// enter takes a slot, waiting at most a.wait; the returned function frees it.
func (a *admission) enter(ctx context.Context) (func(), error) {
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, nil
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, nil
	case <-t.C:
		return nil, errs.E(errs.Unavailable, "сервис приёма заявлений перегружен; повторите подачу через секунду с тем же Idempotency-Key")
	case <-ctx.Done():
		return nil, errs.E(errs.Unavailable, "запрос прерван до записи заявления; повторите подачу с тем же Idempotency-Key")
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
