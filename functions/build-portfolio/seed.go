package buildportfolio

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// SeedOptions are the options of SeedPortfolios.
type SeedOptions struct {
	Today time.Time
	Seed  uint64
}

// SeedStats say what SeedPortfolios wrote.
type SeedStats struct {
	Enrollments, Achievements int
	States                    map[string]int
	Sources                   map[string]int
	Took                      time.Duration
}

// seedActor is the account a seeded claim names: the seeded families have
// no ESIA accounts.
const seedActor = "seed"

// seededClaims are what pupils claim, by kind: a title, and a level and
// result for the ranked kinds.
var seededClaims = []struct{ category, title, organiser string }{
	{"olympiad", "Всероссийская олимпиада школьников по математике, школьный этап", "школа"},
	{"olympiad", "Всероссийская олимпиада школьников по русскому языку, муниципальный этап", "управление образования"},
	{"olympiad", "Олимпиада «Кузбасс — мой край» по краеведению", "Министерство образования Кузбасса"},
	{"competition", "Конкурс чтецов «Живая классика»", "Фонд «Живая классика»"},
	{"competition", "Научно-практическая конференция «Шаг в будущее»", "КРИПКиПРО"},
	{"sport", "Первенство города по лыжным гонкам", "управление физической культуры и спорта"},
	{"sport", "Соревнования «Президентские состязания»", "управление образования"},
	{"gto", "Серебряный знак отличия ГТО", "Центр тестирования ГТО"},
	{"creative", "Фестиваль детского творчества «Кузбасские зори»", "Дворец творчества"},
	{"project", "Исследовательский проект «Экология реки Томь»", "школа"},
	{"volunteering", "Акция «Чистый берег»", "Добро.рф"},
}

// SeedPortfolios fills the portfolios of a seeded region as its people
// would have over the last years: the roster from the region's classes;
// about one pupil of grades 5–11 in twenty-five with a result the regional
// olympiad operator posted;
// about one pupil in six with one to three claims (most confirmed by the
// class teacher, some waiting, a few rejected with a reason; the seeded
// claims carry no scans: no files are seeded); «Отличник учёбы» of last
// year built from EKO's year marks for about one pupil in twelve; and the
// fixture logins a portfolio of each kind: student1 a confirmed diploma,
// a claim waiting for teacher-s1, last year's honours and an operator's result, teacher-s1 and
// teacher-s2 their category and a course. Nothing is written when the
// portfolios hold achievements already.
func SeedPortfolios(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, opts SeedOptions) (SeedStats, error) {
	start := time.Now()
	st := SeedStats{States: map[string]int{}, Sources: map[string]int{}}
	rnd := rand.New(rand.NewPCG(opts.Seed, 15))
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM portfolio.achievements`).Scan(&n); err != nil || n > 0 {
			return err
		}
		s := &portfolioSeeder{ctx: ctx, tx: tx, rnd: rnd, today: today(opts.Today), st: &st, year: region.AcademicYear, roster: &pgx.Batch{}}
		fixture := map[uuid.UUID]string{}
		for login, id := range region.Fixtures {
			fixture[id] = login
		}
		for _, sc := range region.Schools {
			for _, c := range sc.Classes {
				for _, p := range c.Pupils {
					if err := s.enrol(p, sc.ID, c.ID); err != nil {
						return err
					}
					switch login := fixture[p.Student]; {
					case login == "student1":
						if err := s.fixturePupil(p.Student, sc.ID, c.ClassTeacher); err != nil {
							return err
						}
						continue
					case login != "":
						continue
					}
					if rnd.IntN(6) == 0 {
						for range 1 + rnd.IntN(3) {
							if err := s.claim(p.Student, sc.ID, c.ClassTeacher, ""); err != nil {
								return err
							}
						}
					}
					if c.Grade > 1 && rnd.IntN(12) == 0 {
						if err := s.honours(p.Student, sc.ID); err != nil {
							return err
						}
					}
					if c.Grade > 4 && rnd.IntN(25) == 0 {
						if err := s.olympiad(p.Student, sc.ID); err != nil {
							return err
						}
					}
				}
			}
			if err := s.flush(); err != nil {
				return err
			}
			for _, t := range sc.Teachers {
				if login := fixture[t]; login == "teacher-s1" || login == "teacher-s2" {
					if err := s.fixtureTeacher(t, sc.ID); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	st.Took = time.Since(start)
	return st, err
}

type portfolioSeeder struct {
	ctx    context.Context
	tx     pgx.Tx
	rnd    *rand.Rand
	today  time.Time
	year   int
	st     *SeedStats
	roster *pgx.Batch
}

// enrol queues a pupil's enrollment into the roster (flush sends the queue).
func (s *portfolioSeeder) enrol(p registryapi.SeededPupil, org, class uuid.UUID) error {
	s.roster.Queue(`INSERT INTO portfolio.enrollments (enrollment_id, pupil_id, organisation_id, class_id, academic_year, starts_on)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id) DO NOTHING`, p.Enrollment, p.Student, org, class, int32(s.year), p.StartsOn)
	s.st.Enrollments++
	return nil
}

// flush sends the queued roster in one round trip.
func (s *portfolioSeeder) flush() error {
	if s.roster.Len() == 0 {
		return nil
	}
	err := s.tx.SendBatch(s.ctx, s.roster).Close()
	s.roster = &pgx.Batch{}
	return err
}

// claim writes a pupil's claim at org: confirmed by the class teacher,
// waiting, or rejected; state "" picks one as people's claims go.
func (s *portfolioSeeder) claim(pupil, org, classTeacher uuid.UUID, state string) error {
	c := seededClaims[s.rnd.IntN(len(seededClaims))]
	if state == "" {
		switch r := s.rnd.IntN(10); {
		case r < 7:
			state = buildportfolioapi.Confirmed
		case r < 9:
			state = buildportfolioapi.Claimed
		default:
			state = buildportfolioapi.Rejected
		}
	}
	cat, _ := buildportfolioapi.CategoryOf(c.category)
	var level, result string
	if cat.Ranked {
		level = buildportfolioapi.Levels[s.rnd.IntN(3)].Code
		result = buildportfolioapi.Results[s.rnd.IntN(len(buildportfolioapi.Results))].Code
	}
	var hours *int
	if cat.Hours {
		h := 4 + s.rnd.IntN(40)
		hours = &h
	}
	awarded := s.today.AddDate(0, 0, -7-s.rnd.IntN(400))
	claimed := awarded.AddDate(0, 0, 1+s.rnd.IntN(5)).Add(time.Duration(9+s.rnd.IntN(10)) * time.Hour)
	if claimed.After(s.today) {
		claimed = s.today.Add(-time.Hour)
	}
	id := uuid.Must(uuid.NewV7())
	version := 1
	if state != buildportfolioapi.Claimed {
		version = 2
	}
	if _, err := s.tx.Exec(s.ctx, `INSERT INTO portfolio.achievements (id, owner_id, owner_kind, organisation_id, category, title, level, result,
			organiser, awarded_on, hours, document, source, state, version, created_at, changed_at)
		VALUES ($1, $2, 'pupil', $3, $4, $5, NULLIF($6, ''), NULLIF($7, ''), $8, $9, $10, $11, 'claim', $12, $13, $14, $14)`,
		id, pupil, org, c.category, c.title, level, result, c.organiser, awarded, hours, fmt.Sprintf("Диплом № %d", 100+s.rnd.IntN(900)),
		state, version, claimed); err != nil {
		return err
	}
	if err := s.step(id, buildportfolioapi.StepClaimed, buildportfolioapi.Claimed, "", nil, "parent", claimed); err != nil {
		return err
	}
	decided := claimed.Add(time.Duration(1+s.rnd.IntN(72)) * time.Hour)
	switch state {
	case buildportfolioapi.Confirmed:
		err := s.step(id, buildportfolioapi.StepConfirmed, state, "", &classTeacher, "class_teacher", decided)
		if err != nil {
			return err
		}
	case buildportfolioapi.Rejected:
		err := s.step(id, buildportfolioapi.StepRejected, state, "Скан диплома нечитаем: приложите чёткую копию", &classTeacher, "class_teacher", decided)
		if err != nil {
			return err
		}
	}
	s.st.Achievements++
	s.st.States[state]++
	s.st.Sources[buildportfolioapi.SourceClaim]++
	return nil
}

func (s *portfolioSeeder) step(id uuid.UUID, action, state, reason string, actor *uuid.UUID, role string, at time.Time) error {
	_, err := s.tx.Exec(s.ctx, `INSERT INTO portfolio.steps (achievement_id, action, state, reason, actor_subject, actor_id, actor_role, at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8)`, id, action, state, reason, seedActor, actor, role, at)
	return err
}

// honours writes last year's «Отличник учёбы» as EKO builds it from year marks.
func (s *portfolioSeeder) honours(pupil, org uuid.UUID) error {
	year := s.year - 1
	at := time.Date(year+1, time.May, 28, 10, 0, 0, 0, time.UTC)
	return s.built(built{owner: pupil, org: &org, category: "year_honours",
		title:  fmt.Sprintf("Отличник учёбы, %d/%d учебный год", year, year+1),
		detail: fmt.Sprintf("Годовые отметки «5» по %d предметам", 8+s.rnd.IntN(5)), awardedOn: at.Format(time.DateOnly),
		system: postgradeapi.Name, record: fmt.Sprintf("year-honours/%s/%d", pupil, year), eventID: uuid.Must(uuid.NewV7()).String(), at: at, holds: true})
}

// built writes an achievement EKO built, with its step.
func (s *portfolioSeeder) built(b built) error {
	if err := applyBuilt(s.ctx, s.tx, b); err != nil {
		return err
	}
	s.st.Achievements++
	s.st.States[buildportfolioapi.Confirmed]++
	s.st.Sources[buildportfolioapi.SourceEKO]++
	return nil
}

// fixturePupil gives student1 one achievement of each source: a confirmed
// claim, a claim waiting for the class teacher, last year's honours built
// from EKO's year marks, a result the olympiad operator posted.
func (s *portfolioSeeder) fixturePupil(pupil, org, classTeacher uuid.UUID) error {
	if err := s.claim(pupil, org, classTeacher, buildportfolioapi.Confirmed); err != nil {
		return err
	}
	if err := s.claim(pupil, org, classTeacher, buildportfolioapi.Claimed); err != nil {
		return err
	}
	if err := s.honours(pupil, org); err != nil {
		return err
	}
	return s.olympiad(pupil, org)
}

// olympiad writes a result the regional olympiad operator posted, matched
// by SNILS, as build-portfolio records one.
func (s *portfolioSeeder) olympiad(pupil, org uuid.UUID) error {
	at := s.today.AddDate(0, 0, -20-s.rnd.IntN(200))
	err := applyBuilt(s.ctx, s.tx, built{owner: pupil, org: &org, category: "olympiad",
		title: "Региональная олимпиада «Кузбасский математик» (математика)", level: "regional",
		result: buildportfolioapi.Results[s.rnd.IntN(len(buildportfolioapi.Results))].Code, organiser: "Региональный центр выявления талантов",
		awardedOn: at.Format(time.DateOnly), system: buildportfolioapi.OlympiadSystem, record: "seed-" + uuid.NewString(),
		eventID: uuid.Must(uuid.NewV7()).String(), at: at, holds: true, source: buildportfolioapi.SourceExternal,
		actor: buildportfolioapi.OlympiadSubject, reason: "сопоставлено по СНИЛС"})
	if err != nil {
		return err
	}
	s.st.Achievements++
	s.st.States[buildportfolioapi.Confirmed]++
	s.st.Sources[buildportfolioapi.SourceExternal]++
	return nil
}

// fixtureTeacher gives a fixture teacher a confirmed category and a course.
func (s *portfolioSeeder) fixtureTeacher(teacher, org uuid.UUID) error {
	for _, a := range []struct {
		category, title, organiser, document string
		hours                                int
	}{
		{"qualification", "Первая квалификационная категория", "Министерство образования Кузбасса", "Приказ № 1024 от 25.04.2025", 0},
		{"course", "Функциональная грамотность на уроках", "КРИПКиПРО", "Удостоверение № 4217", 72},
	} {
		var hours *int
		if a.hours > 0 {
			hours = &a.hours
		}
		id := uuid.Must(uuid.NewV7())
		at := s.today.AddDate(0, -3, 0)
		if _, err := s.tx.Exec(s.ctx, `INSERT INTO portfolio.achievements (id, owner_id, owner_kind, organisation_id, category, title, organiser,
				awarded_on, hours, document, source, state, version, created_at, changed_at)
			VALUES ($1, $2, 'teacher', $3, $4, $5, $6, $7, $8, $9, 'claim', 'confirmed', 2, $10, $10)`,
			id, teacher, org, a.category, a.title, a.organiser, at.AddDate(0, 0, -5), hours, a.document, at); err != nil {
			return err
		}
		if err := s.step(id, buildportfolioapi.StepClaimed, buildportfolioapi.Claimed, "", &teacher, "teacher", at); err != nil {
			return err
		}
		if err := s.step(id, buildportfolioapi.StepConfirmed, buildportfolioapi.Confirmed, "", nil, "director", at.Add(24*time.Hour)); err != nil {
			return err
		}
		s.st.Achievements++
		s.st.States[buildportfolioapi.Confirmed]++
		s.st.Sources[buildportfolioapi.SourceClaim]++
	}
	return nil
}
