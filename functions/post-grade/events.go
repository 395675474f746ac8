package postgrade

import (
	"bytes"
	"encoding/json"
	"net/http"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
)

// Events of the registry the journal keeps its roster from.
const (
	EventEnrollmentCreated = "ru.kuzbass.eko.enrollment.created.v1"
	EventEnrollmentChanged = "ru.kuzbass.eko.enrollment.changed.v1"
)

var source = events.Source(Name)

// enrollment is the data of enrollment.created and enrollment.changed (the
// registry's schemas; fields is only in changed).
type enrollment struct {
	EnrollmentID   string   `json:"enrollment_id"`
	PersonID       string   `json:"person_id"`
	OrganisationID string   `json:"organisation_id"`
	ClassID        string   `json:"class_id"`
	AcademicYear   int      `json:"academic_year"`
	StartsOn       string   `json:"starts_on"`
	EndsOn         string   `json:"ends_on"`
	Fields         []string `json:"fields"`
}

// receive: POST /api/post-grade/events — the registry's enrollment events,
// applied once each to journal.roster (the latest state of the enrollment wins:
// an event carries the whole enrollment).
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	if ev.Type() != EventEnrollmentCreated && ev.Type() != EventEnrollmentChanged {
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes %s and %s", ev.Type(), EventEnrollmentCreated, EventEnrollmentChanged)
	}
	if err := f.outbox.Catalogue.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	var e enrollment
	dec := json.NewDecoder(bytes.NewReader(ev.Data()))
	if err := dec.Decode(&e); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	_, err = inbox.Apply(r.Context(), f.db, Name, ev, func(tx pgx.Tx) error { return applyEnrollment(r, tx, ev, e) })
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func applyEnrollment(r *http.Request, tx pgx.Tx, _ *cloudevents.Event, e enrollment) error {
	var class *uuid.UUID
	if e.ClassID != "" {
		id, err := uuid.Parse(e.ClassID)
		if err != nil {
			return errs.E(errs.Invalid, "class_id: %v", err)
		}
		class = &id
	}
	var ends *string
	if e.EndsOn != "" {
		ends = &e.EndsOn
	}
	_, err := tx.Exec(r.Context(), `INSERT INTO journal.roster (enrollment_id, student_id, organisation_id, class_id, academic_year, starts_on, ends_on)
		VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::date, $7::date)
		ON CONFLICT (enrollment_id) DO UPDATE SET class_id = EXCLUDED.class_id, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on`,
		e.EnrollmentID, e.PersonID, e.OrganisationID, class, int32(e.AcademicYear), e.StartsOn, ends)
	return err
}
