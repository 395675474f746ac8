package registry

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/outbox"
)

// announceBatch is how many rows one announcing transaction publishes.
const announceBatch = 5000

// AnnounceEnrollments publishes enrollment.created for every enrollment in the
// registry, in batches, through the outbox: a bulk load (the seed) writes its
// rows directly, and the functions that keep read models of enrollments (the
// journal's roster, the applications' sibling right) learn of them this way.
// An enrollment event carries the whole enrollment, so announcing twice only
// repeats the same state.
func AnnounceEnrollments(ctx context.Context, pool *pgxpool.Pool, w *outbox.Writer) (int, error) {
	return announce(ctx, pool, w, "enrollments", `SELECT id::text, person_id::text, organisation_id::text, coalesce(class_id::text, ''), academic_year,
		    to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD')
		FROM registry.enrollments WHERE id > $1::uuid ORDER BY id LIMIT $2`,
		func(rows pgx.Rows) (string, outbox.Event, error) {
			var e registryapi.EnrollmentEvent
			err := rows.Scan(&e.EnrollmentID, &e.PersonID, &e.OrganisationID, &e.ClassID, &e.AcademicYear, &e.StartsOn, &e.EndsOn)
			return e.EnrollmentID, outbox.Event{Type: registryapi.EventEnrollmentCreated, Source: source, Subject: e.PersonID, Data: e}, err
		})
}

// AnnounceParentLinks publishes parent-link.created for every parent–child
// link in the registry, as AnnounceEnrollments does for enrollments: the
// families the applications' sibling right is decided by.
func AnnounceParentLinks(ctx context.Context, pool *pgxpool.Pool, w *outbox.Writer) (int, error) {
	return announce(ctx, pool, w, "parent links", `SELECT id::text, parent_id::text, child_id::text, relation, kind, source
		FROM registry.parent_links WHERE id > $1::uuid ORDER BY id LIMIT $2`,
		func(rows pgx.Rows) (string, outbox.Event, error) {
			var l registryapi.ParentLinkEvent
			err := rows.Scan(&l.LinkID, &l.ParentID, &l.ChildID, &l.Relation, &l.Kind, &l.Source)
			return l.LinkID, outbox.Event{Type: registryapi.EventParentLinkCreated, Source: source, Subject: l.ChildID, Data: l}, err
		})
}

// announce pages through query (rows after $1 by id, $2 at a time), one
// transaction per page, and enqueues the event scan makes of each row.
func announce(ctx context.Context, pool *pgxpool.Pool, w *outbox.Writer, what, query string,
	scan func(pgx.Rows) (id string, ev outbox.Event, err error)) (int, error) {
	total := 0
	after := "00000000-0000-0000-0000-000000000000"
	for {
		var n int
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, query, after, announceBatch)
			if err != nil {
				return err
			}
			var evs []outbox.Event
			last := after
			for rows.Next() {
				id, ev, err := scan(rows)
				if err != nil {
					rows.Close()
					return err
				}
				evs = append(evs, ev)
				last = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			n = len(evs)
			if n == 0 {
				return nil
			}
			after = last
			return w.EnqueueMany(ctx, tx, evs)
		})
		if err != nil {
			return total, fmt.Errorf("announce %s: %w", what, err)
		}
		total += n
		if n < announceBatch {
			return total, nil
		}
	}
}
