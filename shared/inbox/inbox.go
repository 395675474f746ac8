// Package inbox is the consuming side of events: it reads a CloudEvent from an HTTP
// request (binary or structured mode) and applies it exactly once per consumer by
// recording (consumer, source, id) in the same transaction as the handler's writes.
package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/auth"
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

// EPGUSubject is the subject of the EPGU service account's tokens.
const EPGUSubject = "service:epgu"

// FromEPGU reads the data of an event EPGU posted into dst: refused (403)
// unless the caller of ctx is the EPGU service account, held to its type's
// schema in cat, and decoded strictly — a member the contract does not
// name is a 400, not silently dropped.
func FromEPGU(ctx context.Context, cat *events.Catalogue, ev *cloudevents.Event, dst any) error {
	if p := auth.PrincipalFrom(ctx); p == nil || p.Subject != EPGUSubject {
		return errs.E(errs.Forbidden, "applications from EPGU are accepted only from the EPGU service account")
	}
	if err := cat.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(ev.Data()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	return nil
}
