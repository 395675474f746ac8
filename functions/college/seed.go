package college

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// seededSpecialties are the specialties the seed's colleges admit to, four
// of them each, in turn.
var seededSpecialties = []struct {
	code, title, duration, test string
	after, budget, paid         int
}{
	{"09.02.07", "Информационные системы и программирование", "3 года 10 месяцев", "", 9, 25, 10},
	{"15.02.16", "Технология машиностроения", "3 года 10 месяцев", "", 9, 25, 5},
	{"23.02.07", "Техническое обслуживание и ремонт автотранспортных средств", "3 года 10 месяцев", "", 9, 50, 15},
	{"44.02.01", "Дошкольное образование", "2 года 10 месяцев", "", 11, 25, 0},
	{"54.02.01", "Дизайн (по отраслям)", "3 года 10 месяцев", "творческое испытание: рисунок", 9, 15, 10},
}

// SeedSpecialties opens next September's admission at every college of the
// region: four specialties each, full-time, with their places. Made from
// the colleges' order, never from the seed's random stream.
func SeedSpecialties(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, today time.Time) (int, error) {
	year := kuzbass.AcademicYearOf(today) + 1
	n := 0
	for i, c := range region.Colleges {
		for k := range 4 {
			s := seededSpecialties[(i+k)%len(seededSpecialties)]
			if _, err := pool.Exec(ctx, `INSERT INTO college.specialties (id, organisation_id, municipality_id, academic_year, code, title, form, after_grade,
				    duration, budget_places, paid_places, entrance_test, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'full_time', $7, $8, $9, $10, $11, 'eko-seed', $12) ON CONFLICT DO NOTHING`,
				uuid.Must(uuid.NewV7()), c.ID, c.Municipality, int16(year), s.code, s.title, int16(s.after), s.duration, s.budget, s.paid, s.test,
				time.Date(year, time.March, 1, 3, 0, 0, 0, time.UTC)); err != nil {
				return n, fmt.Errorf("seed specialties: %w", err)
			}
			n++
		}
	}
	return n, nil
}
