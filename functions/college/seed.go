package college

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
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

// AdmissionSeeded is what SeedAdmission made.
type AdmissionSeeded struct {
	Campaigns, Applications, Confirmed, Consents, EntranceResults int
}

// SeedAdmission opens every college's campaign for next September — out of
// season, two weeks ago until six weeks on, so that the lived-in region
// shows one under way — and files the applications of the 9th grade of
// the college's municipality: each pupil to one college, up to 60 a
// college, one to three of its specialties, an average mark and a receipt
// time of the last two weeks; the college has confirmed most certificates,
// some applicants have consented, and those who chose a specialty with an
// entrance test have its result. Made from the region's order, never from
// the seed's random stream; names are the registry's.
func SeedAdmission(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, today time.Time) (AdmissionSeeded, error) {
	var out AdmissionSeeded
	year := kuzbass.AcademicYearOf(today) + 1
	day := kuzbass.Date(today)
	// The 9th-graders of each municipality, in the region's order.
	ninth := map[uuid.UUID][]uuid.UUID{}
	for _, s := range region.Schools {
		for _, c := range s.Classes {
			if c.Grade == 9 {
				for _, p := range c.Pupils {
					ninth[s.Municipality] = append(ninth[s.Municipality], p.Student)
				}
			}
		}
	}
	taken := map[uuid.UUID]int{}
	n := 0
	for _, c := range region.Colleges {
		if _, err := pool.Exec(ctx, `INSERT INTO college.campaigns (organisation_id, academic_year, municipality_id, opens_on, closes_on, max_choices, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, 3, 'eko-seed', $6) ON CONFLICT DO NOTHING`, c.ID, int16(year), c.Municipality, day.AddDate(0, 0, -14), day.AddDate(0, 0, 42), day.AddDate(0, 0, -15)); err != nil {
			return out, fmt.Errorf("seed campaigns: %w", err)
		}
		out.Campaigns++
		rows, err := pool.Query(ctx, `SELECT id, entrance_test <> '' FROM college.specialties WHERE organisation_id = $1 AND academic_year = $2 ORDER BY code`, c.ID, int16(year))
		if err != nil {
			return out, err
		}
		type spec struct {
			id   uuid.UUID
			test bool
		}
		var specs []spec
		for rows.Next() {
			var s spec
			if err := rows.Scan(&s.id, &s.test); err != nil {
				return out, err
			}
			specs = append(specs, s)
		}
		if err := rows.Err(); err != nil || len(specs) == 0 {
			return out, err
		}
		pupils := ninth[c.Municipality]
		from := taken[c.Municipality]
		to := min(from+60, len(pupils))
		taken[c.Municipality] = to
		b := &pgx.Batch{}
		for k, person := range pupils[from:to] {
			n++
			id := uuid.Must(uuid.NewV7())
			v := 300 + n*37%201
			mark := fmt.Sprintf("%d.%02d", v/100, v%100)
			received := day.AddDate(0, 0, -14).Add(time.Duration(9*60+n*53%(13*14*60)) * time.Minute)
			confirmed := k%10 < 7
			channel := collegeapi.ChannelCabinet
			if k%4 == 3 {
				channel = collegeapi.ChannelEPGU
			}
			b.Queue(`INSERT INTO college.applications (id, number, organisation_id, academic_year, person_id, full_name, birth_date, channel, applicant,
				    certificate_number, average_mark, confirmed_at, confirmed_by, received_at)
				SELECT $1, 'СПО-' || $3::smallint::text || '-' || lpad(nextval('college.application_numbers')::text, 6, '0'), $2, $3::smallint, p.id,
				       p.family_name || ' ' || p.given_name || coalesce(' ' || nullif(p.middle_name, ''), ''), p.birth_date, $5, 'eko-seed',
				       $6, $7::numeric, CASE WHEN $8 THEN $9::timestamptz + interval '1 day' END, CASE WHEN $8 THEN 'eko-seed' END, $9
				FROM registry.people p WHERE p.id = $4 ON CONFLICT DO NOTHING`,
				id, c.ID, int16(year), person, channel, fmt.Sprintf("04224%09d", n), mark, confirmed, received)
			choices := 1 + k%3
			for i := range choices {
				s := specs[(k+i)%len(specs)]
				b.Queue(`INSERT INTO college.choices (application_id, specialty_id, priority) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM college.applications WHERE id = $1)`,
					id, s.id, int16(i+1))
				if s.test {
					b.Queue(`INSERT INTO college.entrance_results (person_id, organisation_id, subject, exam_date, score) VALUES ($1, $2, 'рисунок', $3, $4) ON CONFLICT DO NOTHING`,
						person, c.ID, day.AddDate(0, 0, -3), int16(20+n*29%81))
					out.EntranceResults++
				}
			}
			if confirmed && k%3 == 0 {
				b.Queue(`INSERT INTO college.consents (application_id, specialty_id, person_id, academic_year, given_at, given_by)
					SELECT $1, $2, $3, $4, $5::timestamptz + interval '2 days', 'eko-seed' WHERE EXISTS (SELECT 1 FROM college.applications WHERE id = $1)`,
					id, specs[k%len(specs)].id, person, int16(year), received)
				out.Consents++
			}
			out.Applications++
			if confirmed {
				out.Confirmed++
			}
		}
		if err := pool.SendBatch(ctx, b).Close(); err != nil {
			return out, fmt.Errorf("seed applications: %w", err)
		}
	}
	return out, nil
}
