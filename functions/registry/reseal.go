package registry

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/pdata"
)

// Reseal re-encrypts, with the current key of p, every SNILS and document sealed
// with an older key — the middle step of a key rotation (prepend the new key to
// PDATA_KEYS and deploy; run Reseal; then drop the old key). It works in batches
// of batch rows, each in its own transaction, so it can run beside live traffic
// and be resumed; it returns how many people it re-sealed.
func Reseal(ctx context.Context, pool *pgxpool.Pool, p *pdata.Protector, batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	total := 0
	after := uuid.Nil
	for {
		var ids []uuid.UUID
		var changed int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id, snils_sealed, doc_sealed FROM registry.people
				WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE`, after, batch)
			if err != nil {
				return err
			}
			type sealed struct {
				id         uuid.UUID
				snils, doc []byte
			}
			list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sealed, error) {
				var s sealed
				err := r.Scan(&s.id, &s.snils, &s.doc)
				return s, err
			})
			if err != nil {
				return err
			}
			for _, s := range list {
				ids = append(ids, s.id)
				snils, c1, err := reseal(p, s.snils)
				if err != nil {
					return fmt.Errorf("reseal SNILS of %s: %w", s.id, err)
				}
				doc, c2, err := reseal(p, s.doc)
				if err != nil {
					return fmt.Errorf("reseal document of %s: %w", s.id, err)
				}
				if !c1 && !c2 {
					continue
				}
				if _, err := tx.Exec(ctx, `UPDATE registry.people SET snils_sealed = $2, doc_sealed = $3 WHERE id = $1`, s.id, snils, doc); err != nil {
					return err
				}
				changed++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += changed
		if len(ids) < batch {
			return total, nil
		}
		after = ids[len(ids)-1]
	}
}

func reseal(p *pdata.Protector, b []byte) ([]byte, bool, error) {
	if b == nil {
		return nil, false, nil
	}
	return p.Reseal(b)
}
