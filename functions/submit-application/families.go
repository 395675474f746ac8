package submitapplication

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/inbox"
)

// Families: the registry's facts the sibling right is decided by.
//
// A child has the sibling right in a kindergarten (or a school) in which a
// brother or sister of the same family — another child of one of its parents
// — is enrolled on the day (273-FZ art. 67 p. 3.1). The family (parent–child
// links) and where each child studies (enrollments) are the registry's; this
// function keeps them in applications.family_links and applications.enrollments
// from the registry's events, never reading the registry's tables, and the
// queue (applications.kindergarten_queue_entries) decides the right from them
// per kindergarten.
//
// An event carries the whole link or enrollment; the latest by the event's
// time wins, so an older event delivered late changes nothing, and a
// redelivered one is applied once (inbox.Apply). In the same transaction, the
// queues of the children whose right it moves are recalculated, each moved
// position recorded with its cause.

var registrySource = events.Source(registryapi.Name)

// registryEvents are the registry's event types this function keeps.
var registryEvents = map[string]bool{
	registryapi.EventParentLinkCreated: true,
	registryapi.EventEnrollmentCreated: true,
	registryapi.EventEnrollmentChanged: true,
}

// receiveFamily applies one of the registry's events (registryEvents) to the
// local facts and recalculates the queues it touches. Only EKO's own event
// delivery may post them.
func (f *Function) receiveFamily(w http.ResponseWriter, r *http.Request, ev *cloudevents.Event) error {
	ctx := r.Context()
	if err := f.fromOwnDelivery(ctx, ev, registrySource, "the registry's events"); err != nil {
		return err
	}
	at := ev.Time()
	if at.IsZero() {
		at = time.Now()
	}
	var apply func(tx pgx.Tx) ([]uuid.UUID, error)
	switch ev.Type() {
	case registryapi.EventParentLinkCreated:
		var l registryapi.ParentLinkEvent
		if err := decodeEvent(ev, &l); err != nil {
			return err
		}
		apply = func(tx pgx.Tx) ([]uuid.UUID, error) { return keepLink(ctx, tx, l, at) }
	default:
		var e registryapi.EnrollmentChangedEvent
		if err := decodeEvent(ev, &e); err != nil {
			return err
		}
		apply = func(tx pgx.Tx) ([]uuid.UUID, error) { return keepEnrollment(ctx, tx, e.EnrollmentEvent, at) }
	}
	_, err := inbox.Apply(ctx, f.db, Name, ev, func(tx pgx.Tx) error {
		children, err := apply(tx)
		if err != nil {
			return err
		}
		_, err = requeueSiblingRights(ctx, tx, children, false)
		return err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// fromOwnDelivery checks an event that only EKO's own event delivery may
// post (never a service account such as EPGU's), from source, valid by its
// schema; what names the events in the refusal.
func (f *Function) fromOwnDelivery(ctx context.Context, ev *cloudevents.Event, from, what string) error {
	if !auth.IsOwnDelivery(ctx) || ev.Source() != from {
		return errs.E(errs.Forbidden, "%s are accepted only from EKO's own event delivery", what)
	}
	return f.outbox.Catalogue.Validate(ev.Type(), ev.Data())
}

func decodeEvent(ev *cloudevents.Event, v any) error {
	if err := json.NewDecoder(bytes.NewReader(ev.Data())).Decode(v); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	return nil
}

// keepLink stores a parent–child link and returns the parent's children:
// each may have a new brother or sister.
func keepLink(ctx context.Context, tx pgx.Tx, l registryapi.ParentLinkEvent, at time.Time) ([]uuid.UUID, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO applications.family_links (link_id, parent_id, child_id, event_time)
		VALUES ($1::uuid, $2::uuid, $3::uuid, $4)
		ON CONFLICT (link_id) DO UPDATE SET parent_id = EXCLUDED.parent_id, child_id = EXCLUDED.child_id, event_time = EXCLUDED.event_time
		WHERE applications.family_links.event_time <= EXCLUDED.event_time`, l.LinkID, l.ParentID, l.ChildID, at); err != nil {
		return nil, fmt.Errorf("family link %s: %w", l.LinkID, err)
	}
	return collectIDs(tx.Query(ctx, `SELECT DISTINCT child_id FROM applications.family_links WHERE parent_id = $1::uuid`, l.ParentID))
}

// keepEnrollment stores an enrollment and returns the brothers and sisters
// of its child: their right in that organisation may have begun or ended.
func keepEnrollment(ctx context.Context, tx pgx.Tx, e registryapi.EnrollmentEvent, at time.Time) ([]uuid.UUID, error) {
	var ends *string
	if e.EndsOn != nil && *e.EndsOn != "" {
		ends = e.EndsOn
	}
	if _, err := tx.Exec(ctx, `INSERT INTO applications.enrollments (enrollment_id, person_id, organisation_id, starts_on, ends_on, event_time)
		VALUES ($1::uuid, $2::uuid, $3::uuid, $4::date, $5::date, $6)
		ON CONFLICT (enrollment_id) DO UPDATE SET person_id = EXCLUDED.person_id, organisation_id = EXCLUDED.organisation_id,
		    starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on, event_time = EXCLUDED.event_time
		WHERE applications.enrollments.event_time <= EXCLUDED.event_time`,
		e.EnrollmentID, e.PersonID, e.OrganisationID, e.StartsOn, ends, at); err != nil {
		return nil, fmt.Errorf("enrollment %s: %w", e.EnrollmentID, err)
	}
	return collectIDs(tx.Query(ctx, `SELECT DISTINCT s.child_id
		FROM applications.family_links me
		JOIN applications.family_links s ON s.parent_id = me.parent_id AND s.child_id <> me.child_id
		WHERE me.child_id = $1::uuid`, e.PersonID))
}

func collectIDs(rows pgx.Rows, err error) ([]uuid.UUID, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// siblingRightDiffSQL finds, among the registered kindergarten applications
// $1, those whose stored privilege in some kindergarten is not the one the
// rule gives today.
const siblingRightDiffSQL = `
SELECT DISTINCT q.application_id
FROM applications.queue_positions q
JOIN applications.kindergarten_queue_entries e ON e.application_id = q.application_id AND e.kindergarten_id = q.kindergarten_id
WHERE q.application_id = ANY($1::uuid[]) AND q.privilege IS DISTINCT FROM e.privilege
ORDER BY 1`

// requeueSiblingRights recalculates the queues of the registered
// kindergarten applications of children whose sibling right, as the rule
// gives it today, differs from the one their queue entries hold, and returns
// how many applications moved. It locks those applications' rows first (by
// id), as requeue requires; skipLocked skips rows another transaction holds
// (the daily pass takes them next time; an event's transaction waits).
func requeueSiblingRights(ctx context.Context, tx pgx.Tx, children []uuid.UUID, skipLocked bool) (int, error) {
	if len(children) == 0 {
		return 0, nil
	}
	lock := `FOR UPDATE`
	if skipLocked {
		lock += ` SKIP LOCKED`
	}
	ids, err := collectIDs(tx.Query(ctx, `SELECT id FROM applications.applications
		WHERE child_id = ANY($1::uuid[]) AND service = 'kindergarten' AND status = 'registered' ORDER BY id `+lock, children))
	if err != nil {
		return 0, fmt.Errorf("sibling right: applications: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	moved, err := collectIDs(tx.Query(ctx, siblingRightDiffSQL, ids))
	if err != nil {
		return 0, fmt.Errorf("sibling right: compare: %w", err)
	}
	changes := make(map[uuid.UUID]queueChange, len(moved))
	for _, id := range moved {
		changes[id] = queueChange{kind: changeSibling, privilege: sibling}
	}
	return len(moved), requeue(ctx, tx, changes, time.Time{})
}

// reconcileSiblingRights is the daily pass: an enrollment that begins or
// ends on a date moves sibling rights with no event on that day, so every
// registered kindergarten application whose child has a family in the
// registry is checked against the rule, in batches of maintainBatch children
// per transaction. It returns how many applications moved.
func (f *Function) reconcileSiblingRights(ctx context.Context) (int, error) {
	total := 0
	after := uuid.Nil
	for {
		var n, seen int
		err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
			children, err := collectIDs(tx.Query(ctx, `SELECT DISTINCT a.child_id FROM applications.applications a
				WHERE a.service = 'kindergarten' AND a.status = 'registered' AND a.child_id > $1
				  AND EXISTS (SELECT 1 FROM applications.family_links l WHERE l.child_id = a.child_id)
				ORDER BY a.child_id LIMIT $2`, after, maintainBatch))
			if err != nil {
				return err
			}
			seen = len(children)
			if seen == 0 {
				return nil
			}
			after = children[seen-1]
			n, err = requeueSiblingRights(ctx, tx, children, true)
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("sibling rights: %w", err)
		}
		if seen < maintainBatch {
			return total, nil
		}
	}
}

// siblingBasis says, for the queue view, whose enrollment gives the sibling
// right in a kindergarten: «Сестра Соколова Мария посещает этот детский сад»,
// the name asked from the registry with the caller's token (so the registry
// applies its rules and logs the read); without it, without the name.
func (f *Function) siblingBasis(ctx context.Context, sib uuid.UUID) string {
	const tail = " посещает этот детский сад (по данным реестра): здесь учитывается преимущественное право."
	p, err := f.orgs.registry.Person(ctx, sib)
	if err != nil {
		return "Брат или сестра ребёнка" + tail
	}
	who := "Брат или сестра"
	switch p.Gender {
	case "F":
		who = "Сестра"
	case "M":
		who = "Брат"
	}
	return who + " " + p.FamilyName + " " + p.GivenName + tail
}
