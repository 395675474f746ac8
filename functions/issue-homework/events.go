package issuehomework

import (
	"encoding/json"
	"net/http"

	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
)

var source = events.Source(Name)

var journalSource = events.Source(postgradeapi.Name)

// receive: POST /api/issue-homework/events — the journal's
// homework-mark.recorded: where the mark of a review stands (placed,
// deferred by a closed period, or superseded by a later review that reached
// the journal first), applied once; a placed mark is final, so a late
// «deferred» never hides it.
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	if ev.Type() != postgradeapi.EventHomeworkMarkRecorded {
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes %s", ev.Type(), postgradeapi.EventHomeworkMarkRecorded)
	}
	if !auth.IsOwnDelivery(ctx) || ev.Source() != journalSource {
		return errs.E(errs.Forbidden, "the journal's events are accepted only from EKO's own event delivery")
	}
	if err := f.outbox.Catalogue.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	var m postgradeapi.HomeworkMarkEvent
	if err := json.Unmarshal(ev.Data(), &m); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	_, err = inbox.Apply(ctx, f.db, Name, ev, func(tx pgx.Tx) error {
		// A placed mark is final; «superseded» only answers a review still waiting.
		_, err := tx.Exec(ctx, `UPDATE homework.reviews SET journal = $2, journal_mark_id = coalesce($3, journal_mark_id)
			WHERE id = $1 AND journal IN ('pending', 'deferred', 'placed') AND (journal <> 'placed' OR $2 = 'placed')`, m.ReviewID, m.State, m.MarkID)
		return err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
