package outboxrelay

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/inbox"
)

// receiveDeadLetter: POST /api/outbox-relay/dead-letters/events — the Broker's
// dead-letter sink. An event the Broker could not deliver after its retries is
// parked here as a dead letter beside the relay's own, with the Broker's error,
// so an operator sees every undelivered event in one list and redrives it to
// the Broker with the same API. A redelivered dead letter is parked once.
func (f *Function) receiveDeadLetter(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	reason := "the broker gave up delivering it"
	if code, ok := ev.Extensions()["knativeerrorcode"]; ok {
		reason += fmt.Sprintf(" (HTTP %v)", code)
	}
	if dest, ok := ev.Extensions()["knativeerrordest"]; ok {
		reason += fmt.Sprintf(" to %v", dest)
	}
	_, err = inbox.Apply(r.Context(), f.deps.DB, Name+"-dead-letters", ev, func(tx pgx.Tx) error {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		data := ev.Data()
		if !json.Valid(data) { // keep whatever the event carried, as a JSON string
			data, _ = json.Marshal(string(data))
		}
		_, err = tx.Exec(r.Context(), `
			INSERT INTO platform.outbox (id, type, source, subject, data, status, attempts, last_error)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5, 'dead', 0, $6)`,
			id, ev.Type(), ev.Source(), ev.Subject(), string(data), reason)
		return err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
