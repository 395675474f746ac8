package submitapplication

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// changeStatus: POST /api/submit-application/applications/{id}/status {status, reason, comment}
//
// Staff of an organisation the application is addressed to, or the municipal
// authority of its municipality (not for first grade: the school decides),
// move it along Transitions; the parent may only withdraw it. Each change is
// one transaction: the row (locked), a history entry and an
// application.status-changed event with the EPGU status code. A transition
// the table does not allow is 409; a refusal of first-grade admission for any
// reason but lack of places is 422.
func (f *Function) changeStatus(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.StatusRequest
	id, err := actionOn(w, r, &in, 8<<10)
	if err != nil {
		return err
	}
	var fe []errs.FieldError
	to, ok := statusOf(in.Status)
	if !ok || to == submitapplicationapi.Submitted {
		fe = append(fe, field("status", errs.Enum, "один из статусов, в которые переводят заявление: checking, documents_requested, registered, directed, enrolled, refused, withdrawn, archived, direction_declined, direction_expired"))
	}
	switch _, known := submitapplicationapi.RefusalReasons[in.Reason]; {
	case to == submitapplicationapi.Refused && in.Reason == "":
		fe = append(fe, field("reason", errs.Required, "укажите причину отказа"))
	case in.Reason != "" && !known:
		fe = append(fe, field("reason", errs.Enum, "одна из причин: no_places, documents_not_provided, age, not_eligible"))
	case in.Reason != "" && to != submitapplicationapi.Refused:
		fe = append(fe, field("reason", submitapplicationapi.ReasonUnexpected, "причина указывается только при отказе"))
	}
	comment := checkComment("comment", in.Comment, &fe)
	if len(fe) > 0 {
		return errs.Fields("неверный запрос на смену статуса", fe...)
	}

	pr := auth.PrincipalFrom(ctx)
	var a *application
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		if a, err = f.load(ctx, tx, `a.id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		if a == nil {
			return errNoApplication
		}
		role, applicant, err := decider(ctx, a)
		if err != nil {
			return err
		}
		if applicant && to != submitapplicationapi.Withdrawn {
			return errs.User(errs.Forbidden, "заявитель может только отозвать заявление")
		}
		from := a.Status
		if !CanMove(from, to) {
			return &errs.Error{Code: errs.Conflict, ForUser: true,
				Detail: fmt.Sprintf("заявление в статусе «%s» нельзя перевести в статус «%s»", submitapplicationapi.Statuses[from].Title, submitapplicationapi.Statuses[to].Title),
				Extra:  map[string]any{submitapplicationapi.MemberCurrentStatus: string(from)}}
		}
		if to == submitapplicationapi.Refused && a.Service == submitapplicationapi.FirstGrade && in.Reason != "no_places" {
			return unprocessable("в приёме в 1 класс отказывают только при отсутствии свободных мест",
				field("reason", submitapplicationapi.ReasonFirstGrade, "для заявления в 1 класс допустима только причина no_places"))
		}
		var at time.Time
		if err := tx.QueryRow(ctx, `UPDATE applications.applications SET status = $2, updated_at = clock_timestamp(),
			    decided_at = CASE WHEN decided_at IS NULL AND $3 THEN clock_timestamp() ELSE decided_at END
			WHERE id = $1 RETURNING updated_at`, a.ID, string(to), decides(a.Service, to)).Scan(&at); err != nil {
			return err
		}
		actorPerson := access.PersonOf(ctx)
		info := submitapplicationapi.Statuses[to]
		if _, err := tx.Exec(ctx, `INSERT INTO applications.status_history
			(application_id, status, epgu_code, reason, comment, actor_subject, actor_person_id, actor_role, changed_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), $6, $7, $8, $9)`,
			a.ID, string(to), info.EPGUCode, in.Reason, comment, pr.Subject, actorPerson, role, at); err != nil {
			return err
		}
		ev := submitapplicationapi.StatusChangedEvent{
			ApplicationID: a.ID.String(), Number: a.Number, Service: string(a.Service), Channel: a.Channel,
			Status: string(to), PreviousStatus: string(from), EPGUStatusCode: info.EPGUCode, EPGUStatusTitle: info.Title,
			Reason: in.Reason, Comment: comment, OrganisationID: a.OrganisationID.String(),
			MunicipalityID: a.MunicipalityID.String(), EPGUOrderID: a.EPGUOrderID, ChangedAt: stamp(at),
		}
		if a.ChildID != nil {
			ev.ChildID = a.ChildID.String()
		}
		if err := withProgramme(ctx, tx, a, &ev); err != nil {
			return err
		}
		if _, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: submitapplicationapi.EventStatusChanged, Source: source, Subject: a.ID.String(), Data: ev}); err != nil {
			return err
		}
		if to == submitapplicationapi.Enrolled && a.Service == submitapplicationapi.AdditionalEducation {
			if err := takePlace(ctx, tx, a); err != nil {
				return err
			}
		}
		if err := f.afterStatusChange(ctx, tx, a, from, to); err != nil {
			return err
		}
		a.Status, a.UpdatedAt = to, at
		a.fill()
		a.AllowedMoves = allowedMoves(ctx, a)
		a.History, err = history(ctx, tx, a.ID)
		return err
	})
	return httpx.Reply(w, http.StatusOK, a, err)
}

// decider is the caller's part in moving a along the transition table: the
// role under which they decide on it — the organisation's administration or
// the municipality, and for first grade the school alone — or, with
// applicant, the applicant's, who may only withdraw it. A caller who may
// only read it is refused; one who may not read it does not find it.
func decider(ctx context.Context, a *application) (role string, applicant bool, err error) {
	perm := PermDecide
	if a.Service == submitapplicationapi.FirstGrade {
		perm = PermOrganisationDecide
	}
	if gr, err := Rules.Grant(ctx, perm, a.target()); err == nil {
		return string(gr.Role), false, nil
	}
	if gr, err := Rules.Grant(ctx, PermWithdraw, a.target()); err == nil {
		return string(gr.Role), true, nil
	}
	if err := Rules.RequireOr(ctx, PermRead, a.target(), errNoApplication); err != nil {
		return "", false, err
	}
	switch {
	case a.Service == submitapplicationapi.FirstGrade:
		return "", false, errs.User(errs.Forbidden, "решение по заявлению в 1 класс принимает школа")
	}
	return "", false, errs.User(errs.Forbidden, "вы можете только просматривать это заявление")
}

// allowedMoves are the moves the caller of ctx may make with a now, by the
// rules changeStatus applies: the transition table, the caller's part
// (decider) and, for a refusal, its grounds.
func allowedMoves(ctx context.Context, a *application) []submitapplicationapi.Move {
	_, applicant, err := decider(ctx, a)
	if err != nil {
		return nil
	}
	var out []submitapplicationapi.Move
	for _, to := range Transitions[a.Status] {
		if applicant && to != submitapplicationapi.Withdrawn {
			continue
		}
		m := submitapplicationapi.Move{Status: to, Title: submitapplicationapi.Statuses[to].Title}
		if to == submitapplicationapi.Refused {
			m.Reasons = refusalGrounds(a.Service)
		}
		out = append(out, m)
	}
	return out
}

// refusalGrounds are the reasons an application of service may be refused
// for: a school refuses first-grade admission only for lack of places.
func refusalGrounds(service submitapplicationapi.Service) []submitapplicationapi.Reason {
	var out []submitapplicationapi.Reason
	for code, title := range submitapplicationapi.RefusalReasons {
		if service != submitapplicationapi.FirstGrade || code == "no_places" {
			out = append(out, submitapplicationapi.Reason{Code: code, Title: title})
		}
	}
	slices.SortFunc(out, func(a, b submitapplicationapi.Reason) int { return strings.Compare(a.Code, b.Code) })
	return out
}
