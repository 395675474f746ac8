package kdn

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// SeedStats say what SeedCases wrote.
type SeedStats struct {
	Open, Closed int
}

// SeedCases gives the commissions their history: for about one school in
// three, a pupil's case closed last school year — the school's referral,
// the commission's decision with its measures, the school's report, the
// outcome — and, for the fixture student1, a referral of school No. 1
// still before Kemerovo's commission (the one the parent sees). The
// chronic-absence cases of this year come from the journal's signals when
// the relay delivers them. Nothing is written when cases exist already.
func SeedCases(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, today time.Time, seed uint64) (SeedStats, error) {
	var st SeedStats
	rnd := rand.New(rand.NewPCG(seed, 17))
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM kdn.cases`).Scan(&n); err != nil || n > 0 {
			return err
		}
		add := func(pupil, org, mun uuid.UUID, opened time.Time, statement string) (uuid.UUID, error) {
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.Exec(ctx, `INSERT INTO kdn.cases (id, pupil_id, organisation_id, municipality_id, state, reason, opened_at)
				VALUES ($1, $2, $3, $4, 'open', 'referral', $5)`, id, pupil, org, mun, opened); err != nil {
				return id, err
			}
			data, _ := json.Marshal(map[string]string{"statement": statement})
			_, err := tx.Exec(ctx, `INSERT INTO kdn.signals (case_id, kind, data, at, by) VALUES ($1, 'referral', $2, $3, 'seed')`, id, data, opened)
			return id, err
		}
		lastYear := today.AddDate(-1, 0, 0)
		for i, s := range region.Schools {
			if i%3 != 0 || len(s.Classes) == 0 {
				continue
			}
			c := s.Classes[rnd.IntN(len(s.Classes))]
			if len(c.Pupils) == 0 || c.Grade < 5 {
				continue
			}
			pupil := c.Pupils[rnd.IntN(len(c.Pupils))].Student
			if pupil == region.Fixtures["student1"] || pupil == region.Fixtures["student2"] {
				continue
			}
			opened := lastYear.AddDate(0, 0, -rnd.IntN(60))
			id, err := add(pupil, s.ID, s.Municipality, opened, "Систематические пропуски уроков без уважительной причины, конфликты со сверстниками; беседы классного руководителя с семьёй результата не дали.")
			if err != nil {
				return err
			}
			meeting := opened.AddDate(0, 0, 14)
			measures, _ := json.Marshal([]kdnapi.Measure{
				{Measure: "Индивидуальная профилактическая работа с несовершеннолетним и семьёй", Responsible: "образовательная организация", Deadline: meeting.AddDate(0, 3, 0).Format(time.DateOnly)},
				{Measure: "Занятость во внеурочное время (секция, кружок)", Responsible: "образовательная организация", Deadline: meeting.AddDate(0, 1, 0).Format(time.DateOnly)},
			})
			if _, err := tx.Exec(ctx, `INSERT INTO kdn.decisions (case_id, meeting_on, text, measures, by, at) VALUES ($1, $2, $3, $4, 'seed', $5)`,
				id, meeting, "Поставить на профилактический учёт, утвердить план индивидуальной работы", measures, meeting); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO kdn.reports (case_id, text, by, at) VALUES ($1, $2, 'seed', $3)`,
				id, "План выполнен: посещаемость восстановлена, ученик занимается в спортивной секции", meeting.AddDate(0, 3, 0)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE kdn.cases SET state = 'closed', version = 4, closed_at = $2, outcome = $3 WHERE id = $1`,
				id, meeting.AddDate(0, 3, 7), "Снят с профилактического учёта в связи с исправлением"); err != nil {
				return err
			}
			st.Closed++
		}
		if student, ok := region.Fixtures["student1"]; ok {
			for _, s := range region.Schools {
				if s.Code != "school-1-kemerovo" {
					continue
				}
				if _, err := add(student, s.ID, s.Municipality, today.AddDate(0, 0, -5),
					"Ученик в течение месяца неоднократно пропускал уроки без уважительной причины; родители на вызовы в школу не являются."); err != nil {
					return err
				}
				st.Open++
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("kdn seed: %w", err)
	}
	return st, nil
}
