package college

import (
	"encoding/json"
	"net/http"

	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
)

// receive: POST /api/college/events — post-grade's exam results: an
// entrance test's result at a college is kept for the college's ranked
// lists (a corrected one replaces it); other exams pass by. Each event is
// applied once.
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if ev.Type() != postgradeapi.EventExamResultRecorded {
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes post-grade's %s", ev.Type(), postgradeapi.EventExamResultRecorded)
	}
	if !auth.IsOwnDelivery(ctx) {
		return errs.E(errs.Forbidden, "EKO's events are accepted only from EKO's own event delivery")
	}
	if err := f.outbox.Catalogue.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	var x postgradeapi.ExamResultEvent
	if err := json.Unmarshal(ev.Data(), &x); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	apply := func(tx pgx.Tx) error {
		if x.Kind != "entrance" {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO college.entrance_results (person_id, organisation_id, subject, exam_date, score, mark)
			VALUES ($1::uuid, $2::uuid, $3, $4::date, $5, $6)
			ON CONFLICT (person_id, organisation_id, subject, exam_date) DO UPDATE SET score = EXCLUDED.score, mark = EXCLUDED.mark`,
			x.StudentID, x.OrganisationID, x.Subject, x.Date, x.Score, x.Mark)
		return err
	}
	if _, err := inbox.Apply(ctx, f.db, Name, ev, apply); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
