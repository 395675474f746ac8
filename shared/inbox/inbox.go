// Package inbox is the consuming side of events: it reads a CloudEvent from an HTTP
// request (binary or structured mode) and applies it exactly once per consumer by
// recording (consumer, source, id) in the same transaction as the handler's writes.
package inbox

import (
	"context"
	"fmt"
	"net/http"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
)

// MaxEventBytes bounds an incoming event.
const MaxEventBytes = 256 << 10

// Read parses the CloudEvent carried by r and validates its required attributes.
func Read(w http.ResponseWriter, r *http.Request) (*cloudevents.Event, error) {
	if r.ContentLength > MaxEventBytes {
		return nil, errs.E(errs.TooLarge, "event is %d bytes; the limit is %d", r.ContentLength, MaxEventBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxEventBytes)
	ev, err := cehttp.NewEventFromHTTPRequest(r)
	if err != nil {
		return nil, errs.E(errs.Invalid, "not a CloudEvent: %v", err)
	}
	if err := ev.Validate(); err != nil {
		return nil, errs.E(errs.Invalid, "invalid CloudEvent: %v", err)
	}
	return ev, nil
}

// Apply runs fn for ev in one transaction unless consumer has already applied an
// event with the same (source, id). It reports whether fn ran. A failing fn rolls
// back the record too, so a redelivery tries again.
func Apply(ctx context.Context, b db.Beginner, consumer string, ev *cloudevents.Event, fn func(pgx.Tx) error) (applied bool, err error) {
	err = db.InTx(ctx, b, func(tx pgx.Tx) error {
		applied = false
		tag, err := tx.Exec(ctx,
			`INSERT INTO platform.processed_events (consumer, source, id, type) VALUES ($1, $2, $3, $4)
			 ON CONFLICT DO NOTHING`, consumer, ev.Source(), ev.ID(), ev.Type())
		if err != nil {
			return fmt.Errorf("inbox: record %s/%s: %w", ev.Source(), ev.ID(), err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		if err := fn(tx); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied, err
}
