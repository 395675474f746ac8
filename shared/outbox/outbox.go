// Package outbox writes events in the caller's transaction, so an event is published
// if and only if the domain change it describes is committed. outbox-relay delivers
// the rows at least once; the row id is the CloudEvent id.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/events"
)

// Event is what a function publishes: its type, the entity it is about and the data.
type Event struct {
	Type    string // e.g. ru.kuzbass.eko.grade.posted.v1
	Source  string // events.Source(<function>)
	Subject string // the entity id the event is about (optional)
	Data    any    // marshalled to JSON and validated against the type's schema
}

// Writer enqueues events after validating them against a catalogue.
type Writer struct {
	Catalogue *events.Catalogue
}

// New returns a Writer that validates against cat.
func New(cat *events.Catalogue) *Writer { return &Writer{Catalogue: cat} }

// Enqueue validates ev and inserts it into platform.outbox inside tx. It returns
// the event id. Invalid data is an *errs.Error (Invalid) and nothing is written.
func (w *Writer) Enqueue(ctx context.Context, tx pgx.Tx, ev Event) (uuid.UUID, error) {
	if ev.Source == "" {
		return uuid.Nil, fmt.Errorf("outbox: event %s has no source", ev.Type)
	}
	data, err := w.Catalogue.ValidateValue(ev.Type, ev.Data)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	_, err = tx.Exec(ctx,
		`INSERT INTO platform.outbox (id, type, source, subject, data) VALUES ($1, $2, $3, NULLIF($4, ''), $5)`,
		id, ev.Type, ev.Source, ev.Subject, string(data))
	if err != nil {
		return uuid.Nil, fmt.Errorf("outbox: insert %s: %w", ev.Type, err)
	}
	return id, nil
}

// Row is a stored outbox entry.
type Row struct {
	Seq       int64
	ID        uuid.UUID
	Type      string
	Source    string
	Subject   string
	Data      json.RawMessage
	CreatedAt time.Time
	Status    string
	Attempts  int
	LastError string
}

// CloudEvent renders the row as the CloudEvent that is delivered.
func (r Row) CloudEvent() cloudevents.Event {
	e := cloudevents.NewEvent()
	e.SetID(r.ID.String())
	e.SetType(r.Type)
	e.SetSource(r.Source)
	if r.Subject != "" {
		e.SetSubject(r.Subject)
	}
	e.SetTime(r.CreatedAt)
	_ = e.SetData(cloudevents.ApplicationJSON, []byte(r.Data))
	return e
}

// copyThreshold is the batch size from which EnqueueMany uses COPY; smaller
// batches take one INSERT, which is one round trip instead of two.
const copyThreshold = 1000

// EnqueueMany validates every event and writes them all inside tx: with one
// INSERT for a small batch (a group commit of submissions), with COPY for a
// bulk operation (an import). Nothing is written if any event is invalid.
func (w *Writer) EnqueueMany(ctx context.Context, tx pgx.Tx, evs []Event) error {
	n := len(evs)
	// Text forms throughout: in the exec mode used behind PgBouncer the server
	// infers parameter types, so pgx encodes arrays as text.
	ids, types, sources, data := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	subjects := make([]*string, n)
	for i, ev := range evs {
		if ev.Source == "" {
			return fmt.Errorf("outbox: event %s has no source", ev.Type)
		}
		b, err := w.Catalogue.ValidateValue(ev.Type, ev.Data)
		if err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		ids[i] = id.String()
		types[i], sources[i], data[i] = ev.Type, ev.Source, string(b)
		if ev.Subject != "" {
			subjects[i] = &evs[i].Subject
		}
	}
	if n < copyThreshold {
		_, err := tx.Exec(ctx, `INSERT INTO platform.outbox (id, type, source, subject, data)
			SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`, ids, types, sources, subjects, data)
		if err != nil {
			return fmt.Errorf("outbox: insert %d events: %w", n, err)
		}
		return nil
	}
	rows := make([][]any, n)
	for i := range evs {
		var subject any
		if subjects[i] != nil {
			subject = *subjects[i]
		}
		rows[i] = []any{ids[i], types[i], sources[i], subject, data[i]}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"platform", "outbox"}, []string{"id", "type", "source", "subject", "data"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("outbox: copy %d events: %w", n, err)
	}
	return nil
}
