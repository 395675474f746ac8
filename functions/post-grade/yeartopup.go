package postgrade

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// TopUpYear carries the seeded year of opts.Today's academic year on to
// opts.Today, in one transaction: lessons on the days since the journal's
// last lesson by each assignment's timetable (read back from its lessons),
// attendance and marks for the past lessons no teacher has touched (pupils
// keep their abilities, truants their habits), ended periods closed with
// term marks, and the chronic-absence check. A journal without assignments
// in that year is left alone; a second top-up on the same day writes nothing.
func TopUpYear(ctx context.Context, pool *pgxpool.Pool, opts YearOptions) (YearStats, error) {
	start := time.Now()
	today := kuzbass.Date(opts.Today)
	year := kuzbass.AcademicYearOf(today)
	st := YearStats{}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		w, err := newYearWriter(ctx, tx, opts, &st)
		if err != nil {
			return err
		}
		var last, firstOpen *time.Time
		if err := tx.QueryRow(ctx, `SELECT max(lesson_date),
			    min(lesson_date) FILTER (WHERE lesson_date < $2 AND attendance_taken_at IS NULL AND marks_count = 0)
			FROM journal.lessons l JOIN journal.assignments a ON a.id = l.assignment_id WHERE a.academic_year = $1`,
			int32(year), today).Scan(&last, &firstOpen); err != nil {
			return err
		}
		if last == nil {
			return nil
		}
		st.Through = *last
		from := last.AddDate(0, 0, 1)
		if firstOpen != nil && firstOpen.Before(from) {
			from = *firstOpen
		}
		if from.After(today) {
			return nil
		}
		classes, err := w.readClasses(ctx, year, from, today)
		if err != nil {
			return err
		}
		known, err := w.knownLessons(ctx, year, from, today)
		if err != nil {
			return err
		}
		w.maker.rnd = rand.New(rand.NewPCG(opts.Seed, uint64(today.Unix())))
		b := &yearBatch{}
		for _, c := range classes {
			w.maker.class(c, from, today, known, &b.rows)
		}
		if err := w.flush(ctx, b); err != nil {
			return err
		}
		return w.finish(ctx)
	})
	st.Took = time.Since(start)
	return st, err
}

// readClasses rebuilds the year's classes from the journal: their
// assignments (with the lessons each has had before from), each one's
// weekly timetable (the weekday and number of lessons it has had at least
// twice), the roster on today, the pupils' abilities (their weighted
// averages) and the truants (pupils with a chronic-absence signal).
func (w *yearWriter) readClasses(ctx context.Context, year int, from, today time.Time) ([]*yearClass, error) {
	tx := w.tx
	byCode := map[uuid.UUID]string{}
	for code, id := range w.subjects {
		byCode[id] = code
	}
	classes := map[uuid.UUID]*yearClass{}
	var order []*yearClass
	assignments := map[uuid.UUID]*yearAssignment{}
	rows, err := tx.Query(ctx, `SELECT a.id, a.organisation_id, a.class_id, a.teacher_id, a.subject_id,
		    (SELECT count(*) FROM journal.lessons l WHERE l.assignment_id = a.id AND l.lesson_date < $2)
		FROM journal.assignments a WHERE a.academic_year = $1 ORDER BY a.class_id, a.id`, int32(year), from)
	if err != nil {
		return nil, err
	}
	var a yearAssignment
	var taught int64
	if _, err := pgx.ForEachRow(rows, []any{&a.id, &a.school, &a.class, &a.teacher, &a.subject, &taught}, func() error {
		x := a
		x.code, x.taught = byCode[a.subject], int(taught)
		assignments[x.id] = &x
		if classes[x.class] == nil {
			classes[x.class] = &yearClass{id: x.class, school: x.school, days: 5, cal: calendarOf(year)}
			order = append(order, classes[x.class])
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT l.assignment_id, extract(isodow FROM l.lesson_date)::int, l.lesson_no
		FROM journal.lessons l JOIN journal.assignments a ON a.id = l.assignment_id
		WHERE a.academic_year = $1 GROUP BY 1, 2, 3 HAVING count(*) >= 2`, int32(year))
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	var dow, no int
	if _, err := pgx.ForEachRow(rows, []any{&id, &dow, &no}, func() error {
		if x := assignments[id]; x != nil {
			c := classes[x.class]
			c.slots = append(c.slots, slot{day: time.Weekday(dow % 7), no: no, a: x})
			if dow == 6 {
				c.days = 6
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT r.class_id, r.student_id, r.starts_on,
		    coalesce((SELECT sum(k.weight * m.value) / nullif(sum(k.weight), 0) FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind
		              WHERE m.student_id = r.student_id AND m.deleted_at IS NULL AND m.value IS NOT NULL), 3.85)::float8,
		    EXISTS (SELECT 1 FROM journal.absence_signals s WHERE s.student_id = r.student_id)
		FROM journal.roster r
		WHERE r.academic_year = $1 AND r.class_id IS NOT NULL AND (r.ends_on IS NULL OR r.ends_on >= $2)
		ORDER BY r.class_id, r.student_id`, int32(year), today)
	if err != nil {
		return nil, err
	}
	var class uuid.UUID
	var p yearPupil
	if _, err := pgx.ForEachRow(rows, []any{&class, &p.id, &p.since, &p.ability, &p.truant}, func() error {
		if c := classes[class]; c != nil {
			x := p
			c.pupils = append(c.pupils, &x)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	terms := map[uuid.UUID][]span{}
	for _, c := range order {
		sortSlots(c.slots)
		if _, ok := terms[c.school]; !ok {
			if terms[c.school], err = w.terms(ctx, c.school, year); err != nil {
				return nil, err
			}
		}
		c.truancy = from
		if len(terms[c.school]) > 0 {
			c.truancy = termOf(terms[c.school], today)
		}
	}
	return order, nil
}

// terms are a school's periods of the year.
func (w *yearWriter) terms(ctx context.Context, school uuid.UUID, year int) ([]span, error) {
	rows, err := w.tx.Query(ctx, `SELECT starts_on, ends_on FROM journal.periods WHERE organisation_id = $1 AND academic_year = $2 ORDER BY no`,
		school, int32(year))
	if err != nil {
		return nil, err
	}
	var out []span
	var s span
	_, err = pgx.ForEachRow(rows, []any{&s.from, &s.to}, func() error { out = append(out, s); return nil })
	return out, err
}

// knownLessons are the year's lessons from from to today.
func (w *yearWriter) knownLessons(ctx context.Context, year int, from, today time.Time) (map[lessonKey]knownLesson, error) {
	rows, err := w.tx.Query(ctx, `SELECT l.id, l.assignment_id, l.lesson_date, l.lesson_no, l.attendance_taken_at IS NOT NULL OR l.marks_count > 0
		FROM journal.lessons l JOIN journal.assignments a ON a.id = l.assignment_id
		WHERE a.academic_year = $1 AND l.lesson_date BETWEEN $2 AND $3`, int32(year), from, today)
	if err != nil {
		return nil, err
	}
	known := map[lessonKey]knownLesson{}
	var k lessonKey
	var l knownLesson
	var no int16
	_, err = pgx.ForEachRow(rows, []any{&l.id, &k.assignment, &k.date, &no, &l.touched}, func() error {
		k.no = int(no)
		known[k] = l
		return nil
	})
	return known, err
}
