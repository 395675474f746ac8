package college

import (
	"encoding/json"
	"net/http"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/inbox"
)

// receive: POST /api/college/events — applications to colleges filed on
// EPGU (receiveEPGU), and post-grade's exam results: an entrance test's
// result at a college is kept for the college's ranked lists (a corrected
// one replaces it); other exams pass by. Each event is applied once.
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if ev.Type() == collegeapi.EventEPGUSubmitted {
		return f.receiveEPGU(w, r, ev)
	}
	if ev.Type() != postgradeapi.EventExamResultRecorded {
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes %s from EPGU and post-grade's %s", ev.Type(),
			collegeapi.EventEPGUSubmitted, postgradeapi.EventExamResultRecorded)
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

// receiveEPGU accepts an application to a college filed on EPGU, from the
// EPGU service account only. The order number is the idempotency key: the
// same order again (a redelivery, a new event of the same order) answers
// 200 with the application it became. The applicant is the registry's
// person EPGU names (by SNILS, or by name and birth date); one the registry
// cannot find is refused, as the college enrols registry persons. The
// checks are the cabinet's.
func (f *Function) receiveEPGU(w http.ResponseWriter, r *http.Request, ev *cloudevents.Event) error {
	ctx := r.Context()
	var in collegeapi.EPGUApplication
	if err := inbox.FromEPGU(ctx, f.outbox.Catalogue, ev, &in); err != nil {
		return err
	}
	mark, certificate, err := checkRequest(collegeapi.ApplicationRequest{Choices: in.Choices, CertificateNumber: in.CertificateNumber, AverageMark: in.AverageMark})
	if err != nil {
		return err
	}
	c, err := f.campaignFor(ctx, in.OrganisationID, in.Choices)
	if err != nil {
		return err
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: попробуйте позже")
	}
	m, err := f.registry.Match(ctx, registryapi.MatchRequest{SNILS: in.Applicant.SNILS, FamilyName: in.Applicant.FamilyName, GivenName: in.Applicant.GivenName,
		MiddleName: in.Applicant.MiddleName, BirthDate: in.Applicant.BirthDate})
	if err != nil {
		return err
	}
	if m.Status != registryapi.Matched || m.PersonID == nil {
		return errs.Fields("заявление ЕПГУ не принято", errs.FieldError{Field: "applicant", Code: errs.Unknown,
			Message: "абитуриента нет в реестре ЭКО (или он не один): колледж уточнит данные"})
	}
	name := in.Applicant.FamilyName + " " + in.Applicant.GivenName
	if in.Applicant.MiddleName != "" {
		name += " " + in.Applicant.MiddleName
	}
	order := in.OrderID
	a, created, err := f.file(ctx, intake{campaign: c, person: *m.PersonID, fullName: name, birthDate: in.Applicant.BirthDate, channel: collegeapi.ChannelEPGU,
		applicant: "esia:" + in.FilerOID, externalID: &order, certificate: certificate, mark: mark, choices: in.Choices})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, a)
	return nil
}
