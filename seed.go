package eko

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/events"
	buildportfolio "github.com/kuzbass/eko/functions/build-portfolio"
	collectreport "github.com/kuzbass/eko/functions/collect-report"
	"github.com/kuzbass/eko/functions/college"
	issuehomework "github.com/kuzbass/eko/functions/issue-homework"
	"github.com/kuzbass/eko/functions/kdn"
	postgrade "github.com/kuzbass/eko/functions/post-grade"
	"github.com/kuzbass/eko/functions/registry"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	"github.com/kuzbass/eko/functions/registry/seed"
	submitapplication "github.com/kuzbass/eko/functions/submit-application"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// SeedConfig configures `eko seed`.
type SeedConfig struct {
	Config
	// PData seals the seeded people's SNILS and documents (the registry's keys).
	PData pdata.Config
	// Scale is small (two municipalities, for development) or region (all of Kuzbass).
	Scale string `envconfig:"SEED_SCALE" default:"small"`
	// Random makes a different (but reproducible) region.
	Random uint64 `envconfig:"SEED_RANDOM" default:"1"`
	// IfEmpty seeds only a registry that holds no people; one that holds
	// them has its school year topped up to today instead (`make run` seeds
	// a new database and keeps an old one's year current this way).
	IfEmpty bool `envconfig:"SEED_IF_EMPTY" default:"false"`
	// Attendance is the journal's chronic-absence threshold, which the
	// seeded year's signals are raised by.
	Attendance postgrade.AttendanceOptions
}

// Seed migrates, then loads a synthetic region and every fixture identity into
// an empty registry, in one transaction.
func Seed(ctx context.Context, cfg SeedConfig) error {
	if err := Migrate(ctx, cfg.Config); err != nil {
		return err
	}
	log := function.NewLogger(cfg.LogLevel)
	dbc := cfg.DB
	dbc.StatementTimeout = time.Hour
	dbc.MaxConns = 2
	pool, p, err := openPeople(ctx, dbc, cfg.PData)
	if err != nil {
		return err
	}
	defer pool.Close()
	if cfg.IfEmpty {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM registry.people`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			log.Info("the registry already holds people; topping the school year up to today", "people", n)
			ys, err := postgrade.TopUpYear(ctx, pool, yearOptions(cfg, time.Now()))
			if err != nil {
				return err
			}
			printYear("topped up the school year", ys)
			return nil
		}
	}
	log.Info("seeding", "scale", cfg.Scale)
	today := time.Now()
	st, n, err := seedRegion(ctx, pool, p, fixtures.MustLoad(), seed.Options{Scale: seed.Scale(cfg.Scale), Seed: cfg.Random, Today: today})
	if err != nil {
		return err
	}
	fmt.Printf("seeded %s: %d municipalities, %d organisations, %d classes, %d people, %d staff roles, %d enrollments, %d parent links in %s\n",
		cfg.Scale, st.Municipalities, st.Organisations, st.Classes, st.People, st.Staff, st.Enrollments, st.Links, st.Took.Round(time.Millisecond))
	fmt.Printf("announced %d enrollments (enrollment.created) for the functions that follow them\n", n)
	return seedYear(ctx, pool, st.Region, cfg, today, true)
}

// seedYear loads the school year of region up to today into the journal,
// then the services' history (windows, programmes and certificates, the
// applications, the queue, an allocation) into submit-application.
func seedYear(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, cfg SeedConfig, today time.Time, print bool) error {
	ys, err := postgrade.SeedYear(ctx, pool, region, yearOptions(cfg, today))
	if err != nil {
		return err
	}
	if print {
		printYear("seeded the school year", ys)
	}
	hs, err := seedHomework(ctx, pool, region, cfg, today)
	if err != nil {
		return err
	}
	if print {
		fmt.Printf("seeded homework of the fixture logins' classes: %d homework (%d cancelled), %d pupils' works %v, %d attempts, %d reviews (%d marks for the journal) in %s\n",
			hs.Homework, hs.Cancelled, hs.Submissions, hs.States, hs.Attempts, hs.Reviews, hs.Marks, hs.Took.Round(time.Millisecond))
	}
	ps, err := buildportfolio.SeedPortfolios(ctx, pool, region, buildportfolio.SeedOptions{Today: today, Seed: cfg.Random})
	if err != nil {
		return err
	}
	if print {
		fmt.Printf("seeded portfolios: %d achievements %v from %v, the roster of %d enrollments in %s\n",
			ps.Achievements, ps.States, ps.Sources, ps.Enrollments, ps.Took.Round(time.Millisecond))
	}
	rs, err := collectreport.SeedReports(ctx, pool, today)
	if err != nil {
		return err
	}
	if print {
		fmt.Printf("seeded the report season: %d shipped forms, %d campaigns drafted for the ministry to open\n", rs.Definitions, rs.Campaigns)
	}
	cs, err := college.SeedSpecialties(ctx, pool, region, today)
	if err != nil {
		return err
	}
	ad, err := college.SeedAdmission(ctx, pool, region, today)
	if err != nil {
		return err
	}
	if print {
		fmt.Printf("seeded the colleges' admission: %d specialties, %d campaigns, %d applications (%d certificates confirmed, %d consents, %d entrance results)\n",
			cs, ad.Campaigns, ad.Applications, ad.Confirmed, ad.Consents, ad.EntranceResults)
	}
	ks, err := kdn.SeedCases(ctx, pool, region, today, cfg.Random)
	if err != nil {
		return err
	}
	if print {
		fmt.Printf("seeded the commissions' history: %d cases closed last year, %d referral before a commission\n", ks.Closed, ks.Open)
	}
	as, err := submitapplication.SeedApplications(ctx, pool, region, submitapplication.SeedOptions{Today: today, Seed: cfg.Random,
		Outbox: outbox.New(events.Default())})
	if err != nil {
		return err
	}
	if print {
		fmt.Printf("seeded the services' history: %d first-grade windows, %d programmes, %d certificates, %d applications %v, %d directions in %s\n",
			as.Windows, as.Programmes, as.Certificates, as.Applications, as.Statuses, as.Directions, as.Took.Round(time.Millisecond))
	}
	return nil
}

// seedHomework gives the lessons of the last three weeks and of the next
// one in the fixture logins' classes (and of the fixture teachers)
// homework in every state, the journal handing over the lessons.
func seedHomework(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, cfg SeedConfig, today time.Time) (issuehomework.SeedStats, error) {
	people := make([]uuid.UUID, 0, len(region.Fixtures))
	for _, id := range region.Fixtures {
		people = append(people, id)
	}
	day := kuzbass.Date(today)
	lessons, err := postgrade.SeededLessons(ctx, pool, people, people, day.AddDate(0, 0, -21), day.AddDate(0, 0, 7))
	if err != nil {
		return issuehomework.SeedStats{}, err
	}
	return issuehomework.SeedHomework(ctx, pool, lessons, issuehomework.SeedOptions{Today: today, Seed: cfg.Random, Outbox: outbox.New(events.Default())})
}

// yearOptions are the seeded school year's options of cfg, up to today.
func yearOptions(cfg SeedConfig, today time.Time) postgrade.YearOptions {
	return postgrade.YearOptions{Today: today, Seed: cfg.Random, Outbox: outbox.New(events.Default()), Attendance: cfg.Attendance}
}

func printYear(what string, ys postgrade.YearStats) {
	fmt.Printf("%s up to %s: %d periods (%d closed, %d term marks), %d assignments, %d lessons (%d filled), %d marks (%d changed), %d absences and lateness, %d chronic-absence signals, %d events in %s\n",
		what, ys.Through.Format(time.DateOnly), ys.Periods, ys.Closed, ys.TermMarks, ys.Assignments, ys.Lessons, ys.Filled, ys.Marks, ys.Changed,
		ys.Absences, ys.Signals, ys.Events, ys.Took.Round(time.Millisecond))
}

// SeedYear loads the school year and the services' history of the region
// a seed loaded (its Stats.Region) up to today, as `eko seed` does after the
// region: a test world that needs a lived-in region.
func SeedYear(ctx context.Context, pool *pgxpool.Pool, st seed.Stats, seedNo uint64, today time.Time) error {
	return seedYear(ctx, pool, st.Region, SeedConfig{Random: seedNo}, today, false)
}

// SeedSmall loads the small region (random seed seedNo, dates relative to
// today) and every fixture identity into an empty registry on pool, and
// announces its enrollments, as `eko seed` does: a test world's region. It
// also announces the parent links: a world without the seeded year has no
// applications' seed to hand the families to submit-application.
func SeedSmall(ctx context.Context, pool *pgxpool.Pool, p *pdata.Protector, fx *fixtures.Set, seedNo uint64, today time.Time) (seed.Stats, error) {
	st, _, err := seedRegion(ctx, pool, p, fx, seed.Options{Scale: seed.Small, Seed: seedNo, Today: today})
	if err != nil {
		return st, err
	}
	_, err = registry.AnnounceParentLinks(ctx, pool, outbox.New(events.Default()))
	return st, err
}

// SeedRegistry loads the small region and every fixture identity into an
// empty registry on pool without announcing its enrollments: the region of a
// load or fault test that measures the registry and the applications alone.
func SeedRegistry(ctx context.Context, pool *pgxpool.Pool, p *pdata.Protector, fx *fixtures.Set, seedNo uint64, today time.Time) error {
	_, err := seed.Run(ctx, pool, p, fx, seed.Options{Scale: seed.Small, Seed: seedNo, Today: today})
	return err
}

// seedRegion seeds the registry's tables directly; the functions that follow
// enrollments (the journal's roster, the applications' sibling right) learn
// them from their events, written to the outbox here and delivered by the
// relay. The families reach the applications' seed directly
// (SeededRegion.Families): announcing a region's 900,000 parent links would
// only make the relay repeat what that seed keeps.
func seedRegion(ctx context.Context, pool *pgxpool.Pool, p *pdata.Protector, fx *fixtures.Set, opts seed.Options) (seed.Stats, int, error) {
	st, err := seed.Run(ctx, pool, p, fx, opts)
	if err != nil {
		return st, 0, err
	}
	n, err := registry.AnnounceEnrollments(ctx, pool, outbox.New(events.Default()))
	return st, n, err
}

// ResealConfig configures `eko reseal`.
type ResealConfig struct {
	Config
	// PData holds the current key and the older ones still to be read.
	PData pdata.Config
}

// Reseal re-encrypts SNILS and documents sealed with an older PDATA key.
func Reseal(ctx context.Context, cfg ResealConfig) error {
	pool, p, err := openPeople(ctx, cfg.DB, cfg.PData)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := registry.Reseal(ctx, pool, p, 1000)
	fmt.Printf("re-sealed %d people with key %s\n", n, p.CurrentKeyID())
	return err
}

// openPeople opens what a command on the registry's people needs: the
// database and the personal-data keys.
func openPeople(ctx context.Context, dbc db.Config, pcfg pdata.Config) (*pgxpool.Pool, *pdata.Protector, error) {
	p, err := pdata.Open(pcfg)
	if err != nil {
		return nil, nil, err
	}
	pool, err := db.Open(ctx, dbc)
	return pool, p, err
}
