// Package seed loads a synthetic Kuzbass into an empty registry: municipalities,
// the ministry and municipal authorities, schools with classes 1–11, kindergartens
// with age groups, colleges, additional-education centres, teachers, students and
// their parents — with realistic Russian names, valid SNILS and documents — plus
// every fixture identity of the development identity provider with exactly the
// data its tokens carry, so that fixture logins match registry persons.
//
// People are stored exactly as the API stores them (registry.PersonRow: the same
// validation and sealing), in bulk with COPY and in one transaction: a seed either
// loads completely or not at all. A seed is a bulk load of a new region, not a
// stream of user actions, so it writes no events and no audit records.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/pdata"
)

// Scale is the size of the synthetic region.
type Scale string

const (
	// Small is two municipalities (Kemerovo, Novokuznetsk) with a few organisations each: for development and tests.
	Small Scale = "small"
	// Region is the whole of Kuzbass at DESIGN.md §1 numbers: 34 municipalities,
	// ~670 schools, ~1,000 kindergartens, ~80 colleges, ~325k school students,
	// ~76k college students, ~110k kindergarten children, their parents and ~18k teachers.
	Region Scale = "region"
)

// Options of a seed run.
type Options struct {
	Scale Scale
	Today time.Time // ages and the academic year are computed for this day
	Seed  uint64    // the random seed: the same seed gives the same region
}

// Stats is what a seed loaded: its counts, and the region as the seeds of
// the functions after the registry need it.
type Stats struct {
	Municipalities, Organisations, Classes, People, Staff, Enrollments, Links int
	Took                                                                      time.Duration
	Region                                                                    registryapi.SeededRegion
}

type plan struct {
	schools, kindergartens, colleges, extra int // per municipality weight unit or fixed
	lettersMin, lettersMax                  int
}

// loader accumulates rows for COPY.
type loader struct {
	p     *pdata.Protector
	today time.Time
	year  int
	rnd   *rand.Rand

	snils     uint64
	passport  uint64
	birthDoc  uint64
	inn       uint64
	usedSNILS map[string]bool
	births    map[uuid.UUID]time.Time   // every child's birth date
	waiting   []registryapi.SeededChild // children enrolled nowhere, for the kindergarten queue
	fixtures  map[string]uuid.UUID      // fixture login → person

	municipalities, organisations, classes, people, staff, enrollments, links [][]any
}

// Run seeds the registry in pool. The registry must be empty.
func Run(ctx context.Context, pool *pgxpool.Pool, p *pdata.Protector, fx Fixtures, opt Options) (Stats, error) {
	start := time.Now()
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	l := &loader{
		p: p, today: opt.Today, year: kuzbass.AcademicYearOf(opt.Today),
		rnd:   rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		snils: 200_000_000, passport: 100_000, birthDoc: 100_000, inn: 1,
		usedSNILS: map[string]bool{}, births: map[uuid.UUID]time.Time{},
	}
	var st Stats
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM registry.people`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("seed: the registry already holds %d people; seed only a fresh database", n)
		}
		if err := l.generate(fx, opt.Scale); err != nil {
			return err
		}
		l.guardians()
		st.Region = l.seededRegion()
		return l.copy(ctx, tx, &st)
	})
	st.Took = time.Since(start)
	return st, err
}

func (l *loader) copy(ctx context.Context, tx pgx.Tx, st *Stats) error {
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
		count *int
	}{
		{"municipalities", []string{"id", "code", "name", "oktmo"}, l.municipalities, &st.Municipalities},
		{"organisations", []string{"id", "code", "kind", "full_name", "short_name", "inn", "ogrn", "address", "municipality_id",
			"phone", "email", "website", "licence_number", "licence_date", "licence_issuer"}, l.organisations, &st.Organisations},
		{"classes", []string{"id", "organisation_id", "academic_year", "name", "kind", "grade", "age_from", "age_to"}, l.classes, &st.Classes},
		{"people", registry.PersonColumns, l.people, &st.People},
		{"staff", []string{"id", "person_id", "organisation_id", "role", "class_id", "position", "starts_on"}, l.staff, &st.Staff},
		{"enrollments", []string{"id", "person_id", "organisation_id", "class_id", "academic_year", "starts_on"}, l.enrollments, &st.Enrollments},
		{"parent_links", []string{"id", "parent_id", "child_id", "relation", "kind", "document", "source"}, l.links, &st.Links},
	} {
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", t.table}, t.cols, pgx.CopyFromRows(t.rows))
		if err != nil {
			return fmt.Errorf("seed: copy %s: %w", t.table, err)
		}
		*t.count = int(n)
	}
	_, err := tx.Exec(ctx, `ANALYZE registry.people; ANALYZE registry.enrollments; ANALYZE registry.parent_links`)
	return err
}

func newID() uuid.UUID { id, _ := uuid.NewV7(); return id }

// nextSNILS returns an unused valid SNILS (11 digits).
func (l *loader) nextSNILS() string {
	for {
		l.snils++
		first9 := strconv.FormatUint(l.snils, 10)
		s := first9 + pdata.SNILSControl(first9)
		if !l.usedSNILS[s] {
			l.usedSNILS[s] = true
			return s
		}
	}
}

// nextINN returns a unique valid 10-digit legal-entity INN and 13-digit OGRN of Kuzbass (region 42).
func (l *loader) nextINNOGRN() (string, string) {
	l.inn++
	base := fmt.Sprintf("42%07d", 5000000+l.inn) // 9 digits
	w := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for i, c := range base {
		sum += int(c-'0') * w[i]
	}
	inn := base + strconv.Itoa(sum%11%10)
	o12 := fmt.Sprintf("1%02d42%07d", 2+int(l.inn%20), 1000000+l.inn) // 12 digits
	n, _ := strconv.ParseUint(o12, 10, 64)
	ogrn := o12 + strconv.FormatUint(n%11%10, 10)
	return inn, ogrn
}

func (l *loader) between(lo, hi int) int { return lo + l.rnd.IntN(hi-lo+1) }

func (l *loader) birthIn(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, l.rnd.IntN(days+1))
}

// person adds a person row and returns its id.
func (l *loader) person(in registryapi.PersonInput, oid *string) (uuid.UUID, error) {
	id := newID()
	row, err := registry.PersonRow(l.p, id, in, oid, l.today)
	if err != nil {
		return uuid.Nil, fmt.Errorf("seed: person %s %s: %w", in.FamilyName, in.GivenName, err)
	}
	l.people = append(l.people, row)
	return id, nil
}

// synthetic makes up a person of the given gender and birth date.
func (l *loader) synthetic(male bool, surname string, birth time.Time, fatherName int) registryapi.PersonInput {
	father := maleNames[fatherName]
	in := registryapi.PersonInput{BirthDate: birth.Format(time.DateOnly), SNILS: l.nextSNILS(), ConfirmNotDuplicate: true}
	if male {
		in.Gender, in.FamilyName = "M", surname
		in.GivenName = maleNames[l.rnd.IntN(len(maleNames))].name
		in.MiddleName = father.patronymicM
	} else {
		in.Gender, in.FamilyName = "F", feminine(surname)
		in.GivenName = femaleNames[l.rnd.IntN(len(femaleNames))]
		in.MiddleName = father.patronymicF
	}
	if registry.AgeOn(birth, l.today) >= 14 {
		l.passport++
		in.Document = &registryapi.Document{Type: "RF_PASSPORT", Series: fmt.Sprintf("32%02d", (birth.Year()+14)%100), Number: fmt.Sprintf("%06d", l.passport)}
	} else {
		l.birthDoc++
		in.Document = &registryapi.Document{Type: "BRTH_CERT", Series: []string{"I-ЛО", "II-ЛО", "III-ЛО"}[l.rnd.IntN(3)], Number: fmt.Sprintf("%06d", l.birthDoc)}
	}
	return in
}

// guardians makes about one made-up family in sixty a guardianship: the
// mother's link becomes a guardian's (a relative appointed by the
// guardianship authority's act, named in the link). Decided by the links'
// order, after the region is made, so the rest of it stays as the seed
// number makes it; the fixture families stay parents.
func (l *loader) guardians() {
	fixture := map[uuid.UUID]bool{}
	for _, id := range l.fixtures {
		fixture[id] = true
	}
	mothers := 0
	for _, r := range l.links {
		child := r[2].(uuid.UUID)
		if r[3] != "mother" || fixture[child] || fixture[r[1].(uuid.UUID)] {
			continue
		}
		if mothers++; mothers%60 != 0 {
			continue
		}
		r[3], r[4] = "guardian", "guardian"
		r[5] = fmt.Sprintf("Постановление администрации об установлении опеки № %d от %s", 100+mothers, l.today.AddDate(0, -(mothers%48)-2, 0).Format("02.01.2006"))
	}
}
