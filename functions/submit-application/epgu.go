package submitapplication

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/inbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// receive: POST /api/submit-application/events — CloudEvents (binary or
// structured mode): applications filed on EPGU (receiveEPGU), and this
// function's own application.status-changed events, delivered by the Broker
// (or the in-process dispatcher), which are passed on to EPGU (forwardStatus);
// the registry's parent-link and enrollment events, kept for the sibling right
// (receiveFamily).
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	switch ev.Type() {
	case submitapplicationapi.EventEPGUSubmitted:
		return f.receiveEPGU(w, r, ev)
	case submitapplicationapi.EventStatusChanged:
		return f.forwardStatus(w, r, ev)
	}
	if registryEvents[ev.Type()] {
		return f.receiveFamily(w, r, ev)
	}
	return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes %s, %s and the registry's %s, %s, %s", ev.Type(),
		submitapplicationapi.EventEPGUSubmitted, submitapplicationapi.EventStatusChanged,
		registryapi.EventParentLinkCreated, registryapi.EventEnrollmentCreated, registryapi.EventEnrollmentChanged)
}

// receiveEPGU accepts ru.gosuslugi.epgu.application.submitted.v1 from the EPGU
// service account only.
//
// The EPGU order id is the idempotency key: a redelivered event (same source
// and id) is applied once (inbox.Apply), and the same order posted again as a
// new event returns the application it already became. The application passes
// the same checks as one from the cabinet; the child's birth date is the one
// ESIA vouches for through EPGU. Answers: 201 with the application, 200 when
// it was already accepted, 4xx (nothing written) when it is refused.
//
// The child is keyed by an HMAC of the SNILS (the registry's lookup hash), so
// that one child cannot hold two active EPGU applications for one target; the
// registry person is attached once the registry matches the child.
func (f *Function) receiveEPGU(w http.ResponseWriter, r *http.Request, ev *cloudevents.Event) error {
	ctx := r.Context()
	var in submitapplicationapi.EPGUApplication
	if err := inbox.FromEPGU(ctx, f.outbox.Catalogue, ev, &in); err != nil {
		return err
	}
	pr := auth.PrincipalFrom(ctx)
	it := &intake{channel: submitapplicationapi.ChannelEPGU, applicant: in.Applicant.OID, orderID: in.OrderID, actor: pr.Subject, actorRole: "epgu"}
	fe := checkBlocks(it, in.Service, in.FirstGrade, in.Kindergarten, in.AdditionalEducation)
	digits, err := pdata.NormalizeSNILS(in.Child.SNILS)
	if err != nil {
		fe = append(fe, field("child.snils", errs.Checksum, "неверный СНИЛС ребёнка (формат или контрольное число)"))
	}
	if _, err := pdata.NormalizeSNILS(in.Applicant.SNILS); err != nil {
		fe = append(fe, field("applicant.snils", errs.Checksum, "неверный СНИЛС заявителя (формат или контрольное число)"))
	}
	birth, err := time.Parse(time.DateOnly, in.Child.BirthDate)
	if err != nil || birth.After(f.Time()) || birth.Year() < 1990 {
		fe = append(fe, field("child.birth_date", errs.Format, "дата рождения ребёнка в формате ГГГГ-ММ-ДД, не в будущем"))
	}
	if len(fe) > 0 {
		return errs.Fields("заявление ЕПГУ заполнено с ошибками", fe...)
	}
	it.birth = birth
	it.childKey = "snils:" + hex.EncodeToString(f.pdata.Hash("snils", digits))
	it.hash = hashOf(in)

	// The application and the record of the delivered event commit together,
	// so a redelivery finds either both or neither.
	write := func(ctx context.Context, it *intake, data []byte) (*application, error) {
		var app *application
		applied, err := inbox.Apply(ctx, f.db, Name, ev, func(tx pgx.Tx) error {
			apps, err := f.insertAndEnqueue(ctx, tx, []*pendingWrite{{it: it, data: data}})
			if err != nil {
				return err
			}
			if app = apps[0]; app == nil {
				return errNotInserted
			}
			return nil
		})
		switch {
		case errors.Is(err, errNotInserted), err == nil && !applied: // a redelivery: accept answers with the stored application
			return nil, errNotInserted
		case err != nil:
			return nil, commitError(err)
		}
		return app, nil
	}
	app, created, err := f.accept(ctx, it, write)
	countSubmission(submitapplicationapi.ChannelEPGU, created, err)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, app)
	return nil
}
