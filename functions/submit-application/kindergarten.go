package submitapplication

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
)

// QueueOptions configure the kindergarten queue.
type QueueOptions struct {
	// MaintainEvery is how often Maintain runs (directions that expired,
	// children who turned 7); 0 means 5 minutes, a negative value never.
	MaintainEvery time.Duration `envconfig:"QUEUE_MAINTAIN_EVERY" default:"5m"`
}

const defaultMaintainEvery = 5 * time.Minute

// manualResponseDays is the response period of a direction issued by hand
// (the status route), not by an allocation campaign that sets its own.
const manualResponseDays = 14

// mountKindergarten serves the kindergarten queue, allocation and direction
// routes, and runs Maintain periodically until Stop.
func (f *Function) mountKindergarten(rt *httpx.Router, api string, opts QueueOptions, log *slog.Logger) {
	rt.Handle(http.MethodGet, api+"/applications/{id}/queue", PermQueueRead, httpx.ByID(uuidParam, f.queueView))
	rt.Handle(http.MethodGet, api+"/kindergarten-queue", auth.Public, f.publicQueue)
	rt.Handle(http.MethodPost, api+"/applications/{id}/privileges", PermPrivilegeDecide, f.decidePrivilege)
	rt.Handle(http.MethodPatch, api+"/applications/{id}/kindergarten", PermKindergartenChoice, f.changeChoice)
	rt.Handle(http.MethodPost, api+"/applications/{id}/direction", PermDirectionAnswer, f.answerDirection)
	rt.Handle(http.MethodGet, api+"/allocations", PermAllocationRead, f.listAllocations)
	rt.Handle(http.MethodPost, api+"/allocations", PermAllocationRun, f.createAllocation)
	rt.Handle(http.MethodGet, api+"/allocations/{id}", PermAllocationRead, httpx.ByID(uuidParam, f.getAllocation))
	rt.Handle(http.MethodPost, api+"/allocations/{id}/recompute", PermAllocationRun, httpx.ByID(uuidParam, f.recomputeAllocation))
	rt.Handle(http.MethodPost, api+"/allocations/{id}/confirm", PermAllocationRun, httpx.ByID(uuidParam, f.confirmAllocation))
	f.startMaintenance(opts.MaintainEvery, log)
}

// startMaintenance runs Maintain every period in the background; Stop ends it
// and waits for a pass in progress.
func (f *Function) startMaintenance(every time.Duration, log *slog.Logger) {
	if every < 0 {
		return
	}
	if every == 0 {
		every = defaultMaintainEvery
	}
	if log == nil {
		log = slog.Default()
	}
	f.Go(Name+": queue maintenance", func(ctx context.Context) {
		function.Every(ctx, every, func(ctx context.Context) {
			rep, err := f.Maintain(ctx, f.Time())
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("kindergarten queue maintenance failed", "error", err)
			case rep.Expired+rep.Archived > 0:
				log.Info("kindergarten queue maintenance", "directions_expired", rep.Expired, "applications_archived", rep.Archived)
			}
		})
	})
}

// afterStatusChange keeps the kindergarten queue and the directions in step
// with a status change that tx has just written to a (which still holds the
// status before, from). Entering status registered puts the application in
// its queues, leaving it takes it out (both recalculated in tx); directed by
// hand issues a direction; leaving directed closes the open direction.
func (f *Function) afterStatusChange(ctx context.Context, tx pgx.Tx, a *application, from, to submitapplicationapi.Status) error {
	if a.Service != submitapplicationapi.Kindergarten || from == to {
		return nil
	}
	if from == submitapplicationapi.Directed {
		if err := closeDirection(ctx, tx, a.ID, to); err != nil {
			return err
		}
	}
	if to == submitapplicationapi.Directed {
		if err := f.issueManualDirection(ctx, tx, a); err != nil {
			return err
		}
	}
	var ch queueChange
	switch {
	case to == submitapplicationapi.Registered && (from == submitapplicationapi.DirectionDeclined || from == submitapplicationapi.DirectionExpired):
		ch = queueChange{kind: changeReturned}
	case to == submitapplicationapi.Registered:
		ch = queueChange{kind: changeRegistered}
	case from == submitapplicationapi.Registered:
		ch = queueChange{kind: changeLeft, status: to}
	default:
		return nil
	}
	return requeue(ctx, tx, map[uuid.UUID]queueChange{a.ID: ch}, time.Time{})
}

// directionStateOf is the state a status given after directed leaves the open direction in.
var directionStateOf = map[submitapplicationapi.Status]string{
	submitapplicationapi.Enrolled:          "enrolled",
	submitapplicationapi.Withdrawn:         "withdrawn",
	submitapplicationapi.DirectionDeclined: "declined",
	submitapplicationapi.DirectionExpired:  "expired",
}

// closeDirection closes the application's open direction as to says.
func closeDirection(ctx context.Context, tx pgx.Tx, id uuid.UUID, to submitapplicationapi.Status) error {
	state, ok := directionStateOf[to]
	if !ok {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE applications.directions SET state = $2, answered_at = coalesce(answered_at, clock_timestamp())
		WHERE application_id = $1 AND state IN ('issued', 'accepted')`, id, state)
	if err != nil {
		return fmt.Errorf("close direction of %s: %w", id, err)
	}
	return nil
}

// issueManualDirection records the direction of an application that staff
// moved to directed by hand: to the caller's own kindergarten when it is one
// of the preferred ones, otherwise to the first preference; the parent has
// manualResponseDays to answer.
func (f *Function) issueManualDirection(ctx context.Context, tx pgx.Tx, a *application) error {
	kg := a.OrganisationID
	for _, id := range a.OrganisationIDs {
		if Rules.Reaches(ctx, PermOrganisationDecide, access.Target{OrganisationIDs: []string{id.String()}}) {
			kg = id
			break
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO applications.directions (application_id, kindergarten_id, age_band, group_type, issued_at, respond_by, state)
		SELECT a.id, $2, applications.kindergarten_age_band(a.child_birth_date, (a.data->>'desired_start')::date), a.data->>'group_type',
		       clock_timestamp(), applications.direction_respond_by(clock_timestamp(), $3), 'issued'
		FROM applications.applications a WHERE a.id = $1`, a.ID, kg, manualResponseDays)
	if err != nil {
		return fmt.Errorf("issue direction of %s: %w", a.ID, err)
	}
	return nil
}
