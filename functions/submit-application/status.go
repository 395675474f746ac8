package submitapplication

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// StatusRequest is the body of POST /api/submit-application/applications/{id}/status.
type StatusRequest struct {
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"` // required for refused: a key of RefusalReasons
	Comment string `json:"comment,omitempty"`
}

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
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	var in StatusRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	to, ok := statusOf(in.Status)
	if !ok || to == Submitted {
		fe = append(fe, field("status", "enum", "один из статусов, в которые переводят заявление: checking, documents_requested, registered, directed, enrolled, refused, withdrawn, archived, direction_declined, direction_expired"))
	}
	switch _, known := RefusalReasons[in.Reason]; {
	case to == Refused && in.Reason == "":
		fe = append(fe, field("reason", "required", "укажите причину отказа"))
	case in.Reason != "" && !known:
		fe = append(fe, field("reason", "enum", "одна из причин: no_places, documents_not_provided, age, not_eligible"))
	case in.Reason != "" && to != Refused:
		fe = append(fe, field("reason", "unexpected", "причина указывается только при отказе"))
	}
	comment := strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(comment) > 1000 {
		fe = append(fe, field("comment", "length", "не длиннее 1000 символов"))
	} else if strings.IndexFunc(comment, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		fe = append(fe, field("comment", "format", "недопустимые символы"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверный запрос на смену статуса", fe...)
	}

	pr := auth.PrincipalFrom(ctx)
	var a *Application
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		if a, err = f.load(ctx, tx, `a.id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		if a == nil {
			return errs.User(errs.NotFound, "заявление не найдено")
		}
		// The school decides on first grade; the municipality also runs the
		// kindergarten queue and additional education.
		deciders := processors
		if a.Service == FirstGrade {
			deciders = orgStaff
		}
		role := visibleRole(ctx, a, deciders)
		if role == "" && visibleRole(ctx, a, []access.Role{access.Parent}) != "" {
			if to != Withdrawn {
				return errs.User(errs.Forbidden, "заявитель может только отозвать заявление")
			}
			role = string(access.Parent)
		}
		if role == "" {
			if visibleRole(ctx, a, Rules[PermRead]) == "" {
				return errs.User(errs.NotFound, "заявление не найдено")
			}
			if a.Service == FirstGrade {
				return errs.User(errs.Forbidden, "решение по заявлению в 1 класс принимает школа")
			}
			return errs.User(errs.Forbidden, "вы можете только просматривать это заявление")
		}
		from := a.Status
		if !CanMove(from, to) {
			return &errs.Error{Code: errs.Conflict, ForUser: true,
				Detail: fmt.Sprintf("заявление в статусе «%s» нельзя перевести в статус «%s»", Statuses[from].Title, Statuses[to].Title),
				Extra:  map[string]any{"current_status": string(from)}}
		}
		if to == Refused && a.Service == FirstGrade && in.Reason != "no_places" {
			return unprocessable("в приёме в 1 класс отказывают только при отсутствии свободных мест",
				field("reason", "first_grade", "для заявления в 1 класс допустима только причина no_places"))
		}
		var at time.Time
		if err := tx.QueryRow(ctx, `UPDATE applications.applications SET status = $2, updated_at = clock_timestamp(),
			    decided_at = CASE WHEN decided_at IS NULL AND $3 THEN clock_timestamp() ELSE decided_at END
			WHERE id = $1 RETURNING updated_at`, a.ID, string(to), decides(a.Service, to)).Scan(&at); err != nil {
			return err
		}
		var actorPerson *uuid.UUID
		if g, ok := pr.Grants.(*access.Grants); ok {
			if pid, err := uuid.Parse(g.PersonID); err == nil {
				actorPerson = &pid
			}
		}
		info := Statuses[to]
		if _, err := tx.Exec(ctx, `INSERT INTO applications.status_history
			(application_id, status, epgu_code, reason, comment, actor_subject, actor_person_id, actor_role, changed_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), $6, $7, $8, $9)`,
			a.ID, string(to), info.EPGUCode, in.Reason, comment, pr.Subject, actorPerson, role, at); err != nil {
			return err
		}
		ev := StatusChangedEvent{
			ApplicationID: a.ID.String(), Number: a.Number, Service: string(a.Service), Channel: a.Channel,
			Status: string(to), PreviousStatus: string(from), EPGUStatusCode: info.EPGUCode, EPGUStatusTitle: info.Title,
			Reason: in.Reason, Comment: comment, OrganisationID: a.OrganisationID.String(),
			MunicipalityID: a.MunicipalityID.String(), EPGUOrderID: a.EPGUOrderID, ChangedAt: stamp(at),
		}
		if a.ChildID != nil {
			ev.ChildID = a.ChildID.String()
		}
		if _, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: EventStatusChanged, Source: source, Subject: a.ID.String(), Data: ev}); err != nil {
			return err
		}
		if to == Enrolled && a.Service == AdditionalEducation {
			if err := takePlace(ctx, tx, a); err != nil {
				return err
			}
		}
		if err := f.afterStatusChange(ctx, tx, a, from, to); err != nil {
			return err
		}
		a.Status, a.UpdatedAt = to, at
		a.fill()
		a.History, err = history(ctx, tx, a.ID)
		return err
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}
