package submitapplication

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/outbox"
)

// answerDirection: POST /api/submit-application/applications/{id}/direction {decision}
//
// The parent (own application only; 404 otherwise) answers the open direction
// of a directed kindergarten application. accept: recorded (direction
// accepted, a history entry, a status-changed event), the application stays
// directed until the kindergarten enrolls the child; accepting again changes
// nothing. decline: the application becomes direction_declined (also after an
// acceptance, until enrollment). After the response period only a decline is
// taken; an acceptance is 409. No open direction is 409.
func (f *Function) answerDirection(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.DirectionAnswer
	id, err := actionOn(w, r, &in, 1<<10)
	if err != nil {
		return err
	}
	if in.Decision != submitapplicationapi.DecisionAccept && in.Decision != submitapplicationapi.DecisionDecline {
		return errs.Fields("неверный ответ на направление", field("decision", errs.Enum, "accept — согласиться с направлением, decline — отказаться"))
	}
	return f.changeQueued(w, ctx, id, func(tx pgx.Tx, a *application) (*application, error) {
		if a == nil {
			return nil, errNoApplication
		}
		if err := Rules.RequireOr(ctx, PermDirectionAnswer, a.target(), errNoApplication); err != nil {
			return nil, err
		}
		var dirID int64
		var state string
		var respondBy time.Time
		err := tx.QueryRow(ctx, `SELECT id, state, respond_by FROM applications.directions
			WHERE application_id = $1 AND state IN ('issued', 'accepted') FOR UPDATE`, a.ID).Scan(&dirID, &state, &respondBy)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && a.Status != submitapplicationapi.Directed) {
			return nil, &errs.Error{Code: errs.Conflict, ForUser: true, Detail: fmt.Sprintf("по заявлению нет направления, ожидающего ответа (статус «%s»)", a.StatusTitle),
				Extra: map[string]any{submitapplicationapi.MemberCurrentStatus: string(a.Status)}}
		}
		if err != nil {
			return nil, fmt.Errorf("direction of %s: %w", a.ID, err)
		}
		who := requestActor(ctx, string(access.Parent))
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			return nil, err
		}
		accept := in.Decision == submitapplicationapi.DecisionAccept
		if accept && state != "accepted" && !f.Time().Before(respondBy) {
			return nil, &errs.Error{Code: errs.Conflict, ForUser: true,
				Detail: "срок ответа на направление истёк " + respondBy.In(kemerovo).Add(-time.Second).Format("02.01.2006") + "; согласие больше не принимается",
				Extra:  map[string]any{submitapplicationapi.MemberRespondBy: stamp(respondBy)}}
		}
		return a, f.answer(ctx, tx, a, accept, dirID, state, who, at)
	})
}

// answer records, in tx at at, the parent's answer to a's open direction
// dirID (in state): an acceptance keeps the application directed until the
// kindergarten enrols the child (a second one changes nothing); a refusal
// closes the direction and makes the application direction_declined.
func (f *Function) answer(ctx context.Context, tx pgx.Tx, a *application, accept bool, dirID int64, state string, who actor, at time.Time) error {
	switch {
	case accept && state == "accepted":
		return nil
	case accept:
		if _, err := tx.Exec(ctx, `UPDATE applications.directions SET state = 'accepted', answered_at = $2 WHERE id = $1`, dirID, at); err != nil {
			return err
		}
		return f.moveStatuses(ctx, tx, []statusMove{{app: a, to: submitapplicationapi.Directed,
			comment: "Заявитель согласился с направлением; ожидается зачисление в детский сад"}}, who, at)
	}
	if err := f.moveStatuses(ctx, tx, []statusMove{{app: a, to: submitapplicationapi.DirectionDeclined,
		comment: "Заявитель отказался от направления"}}, who, at); err != nil {
		return err
	}
	if err := f.afterStatusChange(ctx, tx, a, submitapplicationapi.Directed, submitapplicationapi.DirectionDeclined); err != nil {
		return err
	}
	a.Status = submitapplicationapi.DirectionDeclined
	a.fill()
	return nil
}

// statusMove is a status change made by the queue's own procedures (a
// parent's answer, maintenance, an allocation's directions). A move to the
// status the application already has records an event in its history (an
// accepted direction) without changing the status.
type statusMove struct {
	app          *application
	to           submitapplicationapi.Status
	reason       string    // a key of RefusalReasons, or ""
	comment      string    // shown to the parent and sent to EPGU
	organisation uuid.UUID // the organisation the event names; the application's own when zero
	at           time.Time // when it happened; the batch's moment when zero
}

// actor is who makes a status move.
type actor struct {
	subject string
	person  *uuid.UUID
	role    string
}

// systemActor is maintenance acting on its own.
var systemActor = actor{subject: "system:" + Name, role: "system"}

// requestActor is the caller of ctx acting under role.
func requestActor(ctx context.Context, role string) actor {
	pr := auth.PrincipalFrom(ctx)
	a := actor{role: role}
	if pr == nil {
		return a
	}
	a.subject, a.person = pr.Subject, access.PersonOf(ctx)
	return a
}

// moveStatuses writes every move in tx, in bulk, each at its own moment or
// else at: the new status (a
// deciding one also the moment of the decision), a status_history row and
// an application.status-changed event with its EPGU code each. The caller has locked the applications' rows and checked the
// transitions.
func (f *Function) moveStatuses(ctx context.Context, tx pgx.Tx, moves []statusMove, who actor, at time.Time) error {
	if len(moves) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(moves))
	tos := make([]string, len(moves))
	decision := make([]bool, len(moves))
	ats := make([]time.Time, len(moves))
	evs := make([]outbox.Event, len(moves))
	for i, m := range moves {
		ids[i], tos[i], decision[i], ats[i] = m.app.ID, string(m.to), decides(m.app.Service, m.to), cmp.Or(m.at, at)
		info := submitapplicationapi.Statuses[m.to]
		org := m.organisation
		if org == uuid.Nil {
			org = m.app.OrganisationID
		}
		ev := submitapplicationapi.StatusChangedEvent{
			ApplicationID: m.app.ID.String(), Number: m.app.Number, Service: string(m.app.Service), Channel: m.app.Channel,
			Status: string(m.to), PreviousStatus: string(m.app.Status), EPGUStatusCode: info.EPGUCode, EPGUStatusTitle: info.Title,
			Reason: m.reason, Comment: m.comment, OrganisationID: org.String(), MunicipalityID: m.app.MunicipalityID.String(),
			EPGUOrderID: m.app.EPGUOrderID, ChangedAt: stamp(ats[i]),
		}
		if m.app.ChildID != nil {
			ev.ChildID = m.app.ChildID.String()
		}
		evs[i] = outbox.Event{Type: submitapplicationapi.EventStatusChanged, Source: source, Subject: m.app.ID.String(), Data: ev}
	}
	if _, err := tx.Exec(ctx, `UPDATE applications.applications a SET status = m.status, updated_at = m.at,
		    decided_at = CASE WHEN a.decided_at IS NULL AND m.decides THEN m.at ELSE a.decided_at END
		FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::boolean[]) AS m(id, status, at, decides) WHERE a.id = m.id`,
		uuidArray(ids), tos, ats, decision); err != nil {
		return fmt.Errorf("move %d statuses: %w", len(moves), err)
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"applications", "status_history"},
		[]string{"application_id", "status", "epgu_code", "reason", "comment", "actor_subject", "actor_person_id", "actor_role", "changed_at"},
		pgx.CopyFromSlice(len(moves), func(i int) ([]any, error) {
			m := moves[i]
			return []any{m.app.ID, string(m.to), int32(submitapplicationapi.Statuses[m.to].EPGUCode), nullIfEmpty(m.reason), nullIfEmpty(m.comment),
				who.subject, who.person, who.role, ats[i]}, nil
		}))
	if err != nil {
		return fmt.Errorf("move %d statuses: history: %w", len(moves), err)
	}
	return f.outbox.EnqueueMany(ctx, tx, evs)
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
