package postgrade

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
)

var source = events.Source(Name)

// receive: POST /api/post-grade/events — the registry's enrollment events
// (enrollment.created and enrollment.changed, as registryapi describes them),
// applied once each to journal.roster (the latest state of the enrollment wins:
// an event carries the whole enrollment); and issue-homework's
// homework.reviewed, whose mark is placed once (homeworkmarks.go), and its
// homework.* and homework-work.changed, kept for the diary (homework.go).
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if !auth.IsOwnDelivery(ctx) {
		return errs.E(errs.Forbidden, "the journal takes events only from EKO's own event delivery")
	}
	var apply func(tx pgx.Tx) error
	switch ev.Type() {
	case registryapi.EventEnrollmentCreated, registryapi.EventEnrollmentChanged:
		apply = func(tx pgx.Tx) error {
			var e registryapi.EnrollmentChangedEvent // created has no fields
			if err := json.Unmarshal(ev.Data(), &e); err != nil {
				return errs.E(errs.Invalid, "event data: %v", err)
			}
			return applyEnrollment(ctx, tx, e)
		}
	case issuehomeworkapi.EventReviewed:
		apply = func(tx pgx.Tx) error {
			var rv issuehomeworkapi.ReviewedEvent
			if err := json.Unmarshal(ev.Data(), &rv); err != nil {
				return errs.E(errs.Invalid, "event data: %v", err)
			}
			return f.applyHomeworkReview(ctx, tx, rv)
		}
	case issuehomeworkapi.EventIssued, issuehomeworkapi.EventChanged, issuehomeworkapi.EventCancelled:
		apply = func(tx pgx.Tx) error { return keepHomework(ctx, tx, ev.Data()) }
	case issuehomeworkapi.EventWorkChanged:
		apply = func(tx pgx.Tx) error { return keepWork(ctx, tx, ev.Data()) }
	default:
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes the registry's enrollment.* and issue-homework's homework.*, homework-work.changed", ev.Type())
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
	var class *uuid.UUID
	if e.ClassID != "" {
		id, err := uuid.Parse(e.ClassID)
		if err != nil {
			return errs.E(errs.Invalid, "class_id: %v", err)
		}
		class = &id
	}
	var ends *string
	if e.EndsOn != nil && *e.EndsOn != "" {
		ends = e.EndsOn
	}
	_, err := tx.Exec(ctx, `INSERT INTO journal.roster (enrollment_id, student_id, organisation_id, class_id, academic_year, starts_on, ends_on)
		VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::date, $7::date)
		ON CONFLICT (enrollment_id) DO UPDATE SET class_id = EXCLUDED.class_id, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on`,
		e.EnrollmentID, e.PersonID, e.OrganisationID, class, int32(e.AcademicYear), e.StartsOn, ends)
	return err
}
