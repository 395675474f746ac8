package college

import (
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// giveConsent: POST /api/college/admission/applications/{id}/consent — the
// applicant (or a parent) consents to enrol to one of the application's
// specialties. An applicant holds one consent at a time, whatever the
// college: a consent held by another application is a conflict naming it
// (withdraw it there first); one held by this application moves to the
// specialty named.
func (f *Function) giveConsent(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collegeapi.ConsentRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	a, err := f.application(ctx, f.db, id)
	if err != nil {
		return err
	}
	if err := Rules.RequireOr(ctx, PermApply, applicantTarget(a), errNoApplication); err != nil {
		return err
	}
	if a.Status != collegeapi.Submitted {
		return notOpen(a)
	}
	if !slices.Contains(a.Choices, in.SpecialtyID) {
		return errs.Fields("согласие не дано", errs.FieldError{Field: "specialty_id", Code: errs.Unknown, Message: "этой специальности нет в заявлении"})
	}
	var holder *string
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var ordered bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM college.order_lines WHERE application_id = $1)`, id).Scan(&ordered); err != nil {
			return err
		}
		if ordered {
			return errOrdered
		}
		if _, err := tx.Exec(ctx, `UPDATE college.consents SET withdrawn_at = clock_timestamp() WHERE application_id = $1 AND withdrawn_at IS NULL`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO college.consents (application_id, specialty_id, person_id, academic_year, given_at, given_by)
			VALUES ($1, $2, $3, $4, clock_timestamp(), $5)`, id, in.SpecialtyID, a.PersonID, int16(a.AcademicYear), auth.PrincipalFrom(ctx).Subject)
		if db.IsUniqueViolation(err, "") {
			holder = new(string)
			if err := f.db.QueryRow(ctx, `SELECT a.number FROM college.consents k JOIN college.applications a ON a.id = k.application_id
				WHERE k.person_id = $1 AND k.academic_year = $2 AND k.withdrawn_at IS NULL`, a.PersonID, int16(a.AcademicYear)).Scan(holder); err != nil {
				return err
			}
			return errConsentHeld
		}
		return err
	})
	if err == errOrdered {
		return inOrder(a)
	}
	if err == errConsentHeld {
		e := errs.User(errs.Conflict, "согласие на зачисление уже дано по заявлению № %s; сначала отзовите его там", *holder)
		e.Reason, e.Extra = collegeapi.ReasonConsent, map[string]any{"number": *holder}
		return e
	}
	if err != nil {
		return err
	}
	a, err = f.application(ctx, f.db, id)
	return httpx.Reply(w, http.StatusOK, a, err)
}

var (
	errConsentHeld = errs.E(errs.Conflict, "the consent is held by another application")
	errOrdered     = errs.E(errs.Conflict, "an enrolment order names the application")
)

// inOrder is the refusal to change the consent of an applicant an
// enrolment order names.
func inOrder(a collegeapi.Application) error {
	e := errs.User(errs.Conflict, "заявление № %s включено в приказ о зачислении: согласие не меняется", a.Number)
	e.Reason = collegeapi.ReasonEnrolled
	return e
}

// withdrawConsent: DELETE /api/college/admission/applications/{id}/consent
// — the applicant withdraws the consent given to this application (none
// given is no change); an enrolled applicant's no longer can.
func (f *Function) withdrawConsent(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	a, err := f.application(ctx, f.db, id)
	if err != nil {
		return err
	}
	if err := Rules.RequireOr(ctx, PermApply, applicantTarget(a), errNoApplication); err != nil {
		return err
	}
	if a.Status == collegeapi.Enrolled {
		return notOpen(a)
	}
	// An applicant an order names is being enrolled: the consent stays.
	tag, err := f.db.Exec(ctx, `UPDATE college.consents SET withdrawn_at = clock_timestamp() WHERE application_id = $1 AND withdrawn_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM college.order_lines WHERE application_id = $1)`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 && a.ConsentTo != nil {
		return inOrder(a)
	}
	a, err = f.application(ctx, f.db, id)
	return httpx.Reply(w, http.StatusOK, a, err)
}
