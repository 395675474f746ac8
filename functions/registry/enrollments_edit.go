package registry

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// updateEnrollment: PATCH /api/registry/enrollments/{id}
func (f *Function) updateEnrollment(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var e registryapi.Enrollment
	var starts time.Time
	var ends *time.Time
	err := f.db.QueryRow(ctx, `SELECT id, person_id, organisation_id, class_id, academic_year, starts_on, ends_on
		FROM registry.enrollments WHERE id = $1`, id).Scan(&e.ID, &e.PersonID, &e.OrganisationID, &e.ClassID, &e.AcademicYear, &starts, &ends)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.E(errs.NotFound, "not found")
	}
	if err != nil {
		return err
	}
	o, err := f.organisation(ctx, f.db, e.OrganisationID)
	if err != nil {
		return err
	}
	if err := Rules.Require(ctx, PermEnrollmentWrite, targetOfOrganisation(o)); err != nil {
		return err
	}
	var in registryapi.EnrollmentPatch
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var fe []errs.FieldError
	if in.Reason == "" || len([]rune(in.Reason)) > 500 {
		fe = append(fe, errs.FieldError{Field: "reason", Code: errs.Required, Message: "укажите основание (приказ), до 500 символов"})
	}
	var changed []string
	if in.EndsOn != nil {
		d, err := time.Parse(time.DateOnly, *in.EndsOn)
		switch {
		case err != nil:
			fe = append(fe, errs.FieldError{Field: "ends_on", Code: errs.Format, Message: "дата в формате ГГГГ-ММ-ДД"})
		case d.Before(starts):
			fe = append(fe, errs.FieldError{Field: "ends_on", Code: errs.Range, Message: "не раньше даты зачисления"})
		default:
			ends = &d
			changed = append(changed, "ends_on")
		}
	}
	if in.ClassID != nil && (e.ClassID == nil || *e.ClassID != *in.ClassID) {
		e.ClassID = in.ClassID
		changed = append(changed, "class_id")
	}
	if len(fe) > 0 {
		return errs.Fields("изменение зачисления не прошло проверку", fe...)
	}
	if len(changed) == 0 {
		return errs.E(errs.Invalid, "nothing to change: give class_id or ends_on")
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if e.ClassID != nil {
			if err := f.mustBeClassOf(ctx, tx, *e.ClassID, e.OrganisationID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE registry.enrollments SET class_id = $2, ends_on = $3 WHERE id = $1`, e.ID, e.ClassID, ends); err != nil {
			return err
		}
		ae := f.auditEntry(r, e.PersonID, "update", "registry.enrollment", changed)
		ae.Purpose = in.Reason
		if err := appendAudit(ctx, tx, ae); err != nil {
			return err
		}
		e.StartsOn = starts.Format(time.DateOnly)
		if ends != nil {
			s := ends.Format(time.DateOnly)
			e.EndsOn = &s
		}
		ev := registryapi.EnrollmentEvent{EnrollmentID: e.ID.String(), PersonID: e.PersonID.String(), OrganisationID: e.OrganisationID.String(),
			AcademicYear: e.AcademicYear, StartsOn: e.StartsOn, EndsOn: e.EndsOn}
		if e.ClassID != nil {
			ev.ClassID = e.ClassID.String()
		}
		_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: registryapi.EventEnrollmentChanged, Source: source, Subject: e.PersonID.String(),
			Data: registryapi.EnrollmentChangedEvent{EnrollmentEvent: ev, Fields: changed}})
		return err
	})
	return httpx.Reply(w, http.StatusOK, e, err)
}
