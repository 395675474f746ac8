package buildportfolio

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
)

var source = events.Source(Name)

// receive: POST /api/build-portfolio/events — EKO's own events, each
// applied once: the registry's enrollments to the roster (the latest state
// of the enrollment wins: an event carries the whole enrollment), and the
// facts achievements are built from (sources.go).
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if ev.Type() == buildportfolioapi.EventOlympiadResult {
		return f.olympiadResult(w, r, ev.ID(), ev.Data())
	}
	var apply func(tx pgx.Tx) error
	switch ev.Type() {
	case registryapi.EventEnrollmentCreated, registryapi.EventEnrollmentChanged:
		apply = func(tx pgx.Tx) error {
			var e registryapi.EnrollmentChangedEvent
			if err := json.Unmarshal(ev.Data(), &e); err != nil {
				return errs.E(errs.Invalid, "event data: %v", err)
			}
			return applyEnrollment(ctx, tx, e)
		}
	case submitapplicationapi.EventStatusChanged:
		apply = func(tx pgx.Tx) error { return fromEnrolment(ctx, tx, ev.ID(), ev.Data()) }
	case postgradeapi.EventExamResultRecorded:
		apply = func(tx pgx.Tx) error { return fromExam(ctx, tx, ev.ID(), ev.Data()) }
	case postgradeapi.EventYearMarkConfirmed:
		apply = func(tx pgx.Tx) error { return fromYearMark(ctx, tx, ev.ID(), ev.Data()) }
	default:
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes the registry's enrollment.*, "+
			"submit-application's application.status-changed, post-grade's exam-result.recorded and year-mark.confirmed; "+
			"from the olympiad operator, olympiad-result.posted", ev.Type())
	}
	if !auth.IsOwnDelivery(ctx) {
		return errs.E(errs.Forbidden, "EKO's events are accepted only from EKO's own event delivery")
	}
	if err := f.outbox.Catalogue.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	if _, err := inbox.Apply(ctx, f.db, Name, ev, apply); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func applyEnrollment(ctx context.Context, tx pgx.Tx, e registryapi.EnrollmentChangedEvent) error {
	var class, ends *string
	if e.ClassID != "" {
		class = &e.ClassID
	}
	if e.EndsOn != nil && *e.EndsOn != "" {
		ends = e.EndsOn
	}
	_, err := tx.Exec(ctx, `INSERT INTO portfolio.enrollments (enrollment_id, pupil_id, organisation_id, class_id, academic_year, starts_on, ends_on)
		VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6::date, $7::date)
		ON CONFLICT (enrollment_id) DO UPDATE SET class_id = EXCLUDED.class_id, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on`,
		e.EnrollmentID, e.PersonID, e.OrganisationID, class, int32(e.AcademicYear), e.StartsOn, ends)
	return err
}
