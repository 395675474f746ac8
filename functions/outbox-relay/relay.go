package outboxrelay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	outboxrelayapi "github.com/kuzbass/eko/functions/outbox-relay/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/outbox"
)

// RelayConfig tunes delivery. Defaults suit one relay per region; several relays
// may run at once (rows are claimed with FOR UPDATE SKIP LOCKED).
type RelayConfig struct {
	// BatchSize is how many rows one claim takes.
	BatchSize int `envconfig:"RELAY_BATCH_SIZE" default:"200"`
	// Concurrency bounds deliveries in flight within a batch.
	Concurrency int `envconfig:"RELAY_CONCURRENCY" default:"16"`
	// PollInterval is the pause when the outbox is empty.
	PollInterval time.Duration `envconfig:"RELAY_POLL_INTERVAL" default:"200ms"`
	// DeliveryTimeout bounds one delivery attempt.
	DeliveryTimeout time.Duration `envconfig:"RELAY_DELIVERY_TIMEOUT" default:"10s"`
	// MaxAttempts moves a row to the dead-letter state after this many failures.
	MaxAttempts int `envconfig:"RELAY_MAX_ATTEMPTS" default:"12"`
	// BackoffBase is the first retry delay; each failure doubles it up to BackoffMax.
	BackoffBase time.Duration `envconfig:"RELAY_BACKOFF_BASE" default:"1s"`
	BackoffMax  time.Duration `envconfig:"RELAY_BACKOFF_MAX" default:"1h"`
	// Retention keeps delivered rows this long for inspection, then deletes them.
	Retention time.Duration `envconfig:"RELAY_RETENTION" default:"168h"`
}

// Relay moves committed outbox rows to a Deliverer, at least once.
type Relay struct {
	pool    *pgxpool.Pool
	to      Deliverer
	cfg     RelayConfig
	log     *slog.Logger
	wake    chan struct{}
	stopped chan struct{}
}

// NewRelay returns a relay that delivers rows of pool's outbox to d.
func NewRelay(pool *pgxpool.Pool, d Deliverer, cfg RelayConfig, log *slog.Logger) *Relay {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = 10 * time.Second
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Second
	}
	if cfg.BackoffMax < cfg.BackoffBase {
		cfg.BackoffMax = cfg.BackoffBase
	}
	if log == nil {
		log = slog.Default()
	}
	return &Relay{pool: pool, to: d, cfg: cfg, log: log, wake: make(chan struct{}, 1)}
}

// Nudge makes an idle relay look at the outbox now instead of after PollInterval.
func (r *Relay) Nudge() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. Errors of one round are logged and retried; Run
// returns only when ctx is done.
func (r *Relay) Run(ctx context.Context) {
	go r.sampleLoop(ctx)
	for ctx.Err() == nil {
		n, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error("outbox relay round failed", "err", err)
		}
		if n == r.cfg.BatchSize && err == nil {
			continue // more work is likely waiting
		}
		t := time.NewTimer(r.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce claims one batch, delivers it and records the outcome in one
// transaction. It returns how many rows it claimed. If the process dies midway
// the transaction rolls back and the rows are delivered again later.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	var claimed int
	err := db.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := claim(ctx, tx, r.cfg.BatchSize)
		if err != nil {
			return err
		}
		claimed = len(rows)
		if claimed == 0 {
			return nil
		}
		errsByRow := r.deliverAll(ctx, rows)
		return r.record(ctx, tx, rows, errsByRow)
	})
	return claimed, err
}

func claim(ctx context.Context, tx pgx.Tx, limit int) ([]outbox.Row, error) {
	rows, err := tx.Query(ctx, `
		SELECT seq, id, type, source, coalesce(subject, ''), data, created_at, attempts
		FROM platform.outbox
		WHERE status = 'pending' AND next_attempt_at <= now()
		ORDER BY seq
		LIMIT $1
		FOR UPDATE SKIP LOCKED`, limit)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (outbox.Row, error) {
		var o outbox.Row
		err := row.Scan(&o.Seq, &o.ID, &o.Type, &o.Source, &o.Subject, &o.Data, &o.CreatedAt, &o.Attempts)
		return o, err
	})
}

func (r *Relay) deliverAll(ctx context.Context, rows []outbox.Row) []error {
	out := make([]error, len(rows))
	sem := make(chan struct{}, r.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range rows {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			dctx, cancel := context.WithTimeout(ctx, r.cfg.DeliveryTimeout)
			defer cancel()
			start := time.Now()
			err := r.to.Deliver(dctx, rows[i].CloudEvent())
			deliverySeconds.Observe(time.Since(start).Seconds())
			out[i] = err
		}(i)
	}
	wg.Wait()
	return out
}

func (r *Relay) record(ctx context.Context, tx pgx.Tx, rows []outbox.Row, results []error) error {
	var delivered []int64
	for i, row := range rows {
		err := results[i]
		if err == nil {
			delivered = append(delivered, row.Seq)
			deliveredTotal.WithLabelValues(row.Type).Inc()
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: leave the rows as they were
		}
		failuresTotal.WithLabelValues(row.Type).Inc()
		attempts := row.Attempts + 1
		status := "pending"
		if attempts >= r.cfg.MaxAttempts {
			status = "dead"
			deadLetteredTotal.WithLabelValues(row.Type).Inc()
			r.log.Warn("event dead-lettered", "id", row.ID, "type", row.Type, "attempts", attempts, "err", err)
		}
		if _, e := tx.Exec(ctx, `
			UPDATE platform.outbox
			SET attempts = $2, status = $3, last_error = $4, next_attempt_at = now() + $5::interval
			WHERE seq = $1`, row.Seq, attempts, status, truncate(err.Error(), 2000), r.backoff(attempts)); e != nil {
			return fmt.Errorf("record failure: %w", e)
		}
	}
	if len(delivered) > 0 {
		if _, err := tx.Exec(ctx, `
			UPDATE platform.outbox
			SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL
			WHERE seq = ANY($1)`, delivered); err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
	}
	return nil
}

// backoff is BackoffBase·2^(attempts-1), capped at BackoffMax, with ±20% jitter so
// retries of many rows spread out.
func (r *Relay) backoff(attempts int) time.Duration {
	d := float64(r.cfg.BackoffBase) * math.Pow(2, float64(attempts-1))
	if d > float64(r.cfg.BackoffMax) {
		d = float64(r.cfg.BackoffMax)
	}
	d *= 0.8 + 0.4*rand.Float64()
	return time.Duration(d)
}

// Redrive returns dead rows to the queue with a fresh attempt budget. With no ids
// it redrives every dead row. It returns how many rows it moved.
func Redrive(ctx context.Context, pool *pgxpool.Pool, ids []string) (int64, error) {
	q := `UPDATE platform.outbox SET status = 'pending', attempts = 0, next_attempt_at = now()
	      WHERE status = 'dead'`
	args := []any{}
	if len(ids) > 0 {
		q += ` AND id = ANY($1::uuid[])`
		args = append(args, ids)
	}
	tag, err := pool.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("redrive: %w", err)
	}
	return tag.RowsAffected(), nil
}

// purge deletes delivered rows older than the retention, a bounded batch at a time.
func (r *Relay) purge(ctx context.Context) error {
	if r.cfg.Retention <= 0 {
		return nil
	}
	_, err := r.pool.Exec(ctx, `
		DELETE FROM platform.outbox WHERE seq IN (
			SELECT seq FROM platform.outbox
			WHERE status = 'delivered' AND delivered_at < now() - $1::interval
			LIMIT 10000)`, r.cfg.Retention)
	return err
}

// sampleLoop refreshes the lag and queue gauges and purges old rows.
func (r *Relay) sampleLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	lastPurge := time.Time{}
	for {
		if err := r.sample(ctx); err != nil && !errors.Is(err, context.Canceled) {
			r.log.Warn("outbox stats", "err", err)
		}
		if time.Since(lastPurge) > 10*time.Minute {
			if err := r.purge(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("outbox purge", "err", err)
			}
			lastPurge = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ReadStats counts pending and dead rows and measures the lag.
func ReadStats(ctx context.Context, pool *pgxpool.Pool) (outboxrelayapi.Stats, error) {
	var s outboxrelayapi.Stats
	err := pool.QueryRow(ctx, `
		SELECT
		  (SELECT count(*) FROM platform.outbox WHERE status = 'pending'),
		  (SELECT count(*) FROM platform.outbox WHERE status = 'dead'),
		  coalesce((SELECT extract(epoch FROM now() - min(created_at)) FROM platform.outbox WHERE status = 'pending'), 0)::float8`,
	).Scan(&s.Pending, &s.Dead, &s.LagSeconds)
	return s, err
}

func (r *Relay) sample(ctx context.Context) error {
	s, err := ReadStats(ctx, r.pool)
	if err != nil {
		return err
	}
	pendingGauge.Set(float64(s.Pending))
	deadGauge.Set(float64(s.Dead))
	lagGauge.Set(s.LagSeconds)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
