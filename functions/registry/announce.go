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

// announceBatch is how many enrollments one announcing transaction publishes.
const announceBatch = 5000

// AnnounceEnrollments publishes enrollment.created for every enrollment in the
// registry, in batches, through the outbox: a bulk load (the seed) writes its
// rows directly, and the functions that keep read models of enrollments (the
// journal's roster) learn of them this way. An enrollment event carries the
// whole enrollment, so announcing twice only repeats the same state.
func AnnounceEnrollments(ctx context.Context, pool *pgxpool.Pool, w *outbox.Writer) (int, error) {
	total := 0
	after := "00000000-0000-0000-0000-000000000000"
	for {
		var n int
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id::text, person_id::text, organisation_id::text, coalesce(class_id::text, ''), academic_year,
				    to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD')
				FROM registry.enrollments WHERE id > $1::uuid ORDER BY id LIMIT $2`, after, announceBatch)
			if err != nil {
				return err
			}
			var evs []outbox.Event
			last := after
			for rows.Next() {
				var e registryapi.EnrollmentEvent
				var ends *string
				if err := rows.Scan(&e.EnrollmentID, &e.PersonID, &e.OrganisationID, &e.ClassID, &e.AcademicYear, &e.StartsOn, &ends); err != nil {
					rows.Close()
					return err
				}
				e.EndsOn = ends
				evs = append(evs, outbox.Event{Type: registryapi.EventEnrollmentCreated, Source: source, Subject: e.PersonID, Data: e})
				last = e.EnrollmentID
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
			return total, fmt.Errorf("announce enrollments: %w", err)
		}
		total += n
		if n < announceBatch {
			return total, nil
		}
	}
}
