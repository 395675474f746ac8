package postgrade

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// YearOptions shape the seeded school year.
type YearOptions struct {
	// Today is the Kuzbass date the year runs up to: lessons up to it,
	// attendance and marks before it (today's lessons are the teachers' to fill).
	Today time.Time
	// Seed makes another, equally reproducible year.
	Seed uint64
	// Outbox announces what the write paths would: absence.chronic, and
	// grade.posted and attendance.marked once some function consumes them.
	Outbox *outbox.Writer
	// Attendance is the chronic-absence threshold the signals are checked against.
	Attendance AttendanceOptions
}

// YearStats counts what a seed or a top-up of the year wrote.
type YearStats struct {
	Periods, Closed, Assignments, Lessons, Filled, Marks, Changed, Absences, TermMarks, Signals, Events int
	Through                                                                                             time.Time // the last day with lessons
	Took                                                                                                time.Duration
}

// SeedYear loads the school year of region's schools up to opts.Today into
// a journal that has none, in one transaction, as the write paths would
// have left it: periods (quarters, some schools trimesters; the ended ones
// closed with term marks confirmed from the weighted averages), teaching
// assignments by the curriculum, lessons from the weekly timetables with
// topics and homework, attendance with illness spells and a few truants,
// marks with their histories (a few changed, with the reason), each lesson's
// totals agreeing with its marks and attendance, the roster the enrollment
// events will bring (their delivery rewrites the same rows), and the
// chronic-absence signals raised by the attendance path's own check.
func SeedYear(ctx context.Context, pool *pgxpool.Pool, region registryapi.SeededRegion, opts YearOptions) (YearStats, error) {
	start := time.Now()
	today := kuzbass.Date(opts.Today)
	st := YearStats{}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM journal.assignments WHERE academic_year = $1`, int32(region.AcademicYear)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("seed year: the journal already has %d assignments in %d; top it up instead", n, region.AcademicYear)
		}
		w, err := newYearWriter(ctx, tx, opts, &st)
		if err != nil {
			return err
		}
		if err := w.roster(ctx, region); err != nil {
			return err
		}
		rebuild, err := w.bulk(ctx)
		if err != nil {
			return err
		}
		// The schools' rows are made while the previous ones are copied.
		batches := make(chan *yearBatch, 1)
		done := make(chan struct{})
		defer close(done)
		go w.generate(region, today, batches, done)
		for b := range batches {
			if err := w.flush(ctx, b); err != nil {
				return err
			}
		}
		if err := rebuild(ctx); err != nil {
			return err
		}
		return w.finish(ctx)
	})
	st.Took = time.Since(start)
	return st, err
}

// yearBatch is the rows of some schools, in the journal's columns.
type yearBatch struct {
	periods, assignments [][]any
	rows                 yearRows
}

// generate makes the year of region's schools in batches of about 100,000
// marks, each school from its own random source, until done is closed.
func (w *yearWriter) generate(region registryapi.SeededRegion, today time.Time, out chan<- *yearBatch, done <-chan struct{}) {
	defer close(out)
	cal := calendarOf(region.AcademicYear)
	b := &yearBatch{}
	for i, s := range region.Schools {
		rnd := rand.New(rand.NewPCG(w.opts.Seed, uint64(i)))
		kind := "quarter"
		if rnd.IntN(5) == 0 {
			kind = "trimester"
		}
		terms := cal.terms(kind)
		for no, t := range terms {
			b.periods = append(b.periods, []any{newID(), s.ID, int32(region.AcademicYear), kind, int16(no + 1), t.from, t.to})
		}
		classes, assignments := planSchool(s, w.subjects, region.AcademicYear, rnd)
		for _, a := range assignments {
			b.assignments = append(b.assignments, []any{a.id, a.school, int32(region.AcademicYear), a.teacher, a.class, a.subject})
		}
		maker := w.maker
		maker.rnd = rnd
		truancy := termOf(terms, today)
		for _, c := range classes {
			c.truancy = truancy
			if rnd.IntN(5) == 0 && len(c.pupils) > 2 {
				c.pupils[rnd.IntN(len(c.pupils)/2)].truant = true
			}
			maker.class(c, date(region.AcademicYear, time.September, 1), today, nil, &b.rows)
		}
		if len(b.rows.marks) > 100_000 || i == len(region.Schools)-1 {
			select {
			case out <- b:
			case <-done:
				return
			}
			b = &yearBatch{}
		}
	}
}

// bulk prepares a load into an empty journal: its secondary indexes and
// foreign keys go until the rows are in (what it returns restores and checks
// them). A journal with lessons already keeps them.
func (w *yearWriter) bulk(ctx context.Context) (func(context.Context) error, error) {
	var lessons bool
	if err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM journal.lessons)`).Scan(&lessons); err != nil || lessons {
		return func(context.Context) error { return nil }, err
	}
	if _, err := w.tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return nil, err
	}
	return db.BulkLoad(ctx, w.tx, "journal", "lessons", "marks", "mark_history", "attendance")
}

// termOf is the start of the term that holds day (of the last one begun).
func termOf(terms []span, day time.Time) time.Time {
	from := terms[0].from
	for _, t := range terms {
		if !t.from.After(day) {
			from = t.from
		}
	}
	return from
}

// yearWriter copies a year's rows into the journal in one transaction.
type yearWriter struct {
	tx          pgx.Tx
	opts        YearOptions
	st          *YearStats
	subjects    map[string]uuid.UUID // by code
	maker       dayMaker
	truants     map[uuid.UUID]truancy // each truant's last absence
	totalsTable bool
}

func newYearWriter(ctx context.Context, tx pgx.Tx, opts YearOptions, st *YearStats) (*yearWriter, error) {
	if opts.Outbox == nil {
		return nil, fmt.Errorf("seed year: no outbox to announce the year's events")
	}
	opts.Attendance = opts.Attendance.orDefaults()
	w := &yearWriter{tx: tx, opts: opts, st: st, subjects: map[string]uuid.UUID{}, truants: map[uuid.UUID]truancy{}}
	w.maker = dayMaker{today: kuzbass.Date(opts.Today), weights: map[string]float64{},
		grades:     len(opts.Outbox.Catalogue.Routes(postgradeapi.EventGradePosted)) > 0,
		attendance: len(opts.Outbox.Catalogue.Routes(postgradeapi.EventAttendanceMarked)) > 0}
	rows, err := tx.Query(ctx, `SELECT code, id FROM journal.subjects`)
	if err != nil {
		return nil, err
	}
	var code string
	var id uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&code, &id}, func() error { w.subjects[code] = id; return nil }); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT code, weight::float8 FROM journal.mark_kinds`)
	if err != nil {
		return nil, err
	}
	var weight float64
	_, err = pgx.ForEachRow(rows, []any{&code, &weight}, func() error { w.maker.weights[code] = weight; return nil })
	return w, err
}

// roster writes the region's pupils into the roster as their enrollment
// events will (a row already there is kept).
func (w *yearWriter) roster(ctx context.Context, region registryapi.SeededRegion) error {
	var enr, stu, org, cls []uuid.UUID
	var starts []time.Time
	for _, s := range region.Schools {
		for _, c := range s.Classes {
			for _, p := range c.Pupils {
				enr, stu, org, cls, starts = append(enr, p.Enrollment), append(stu, p.Student), append(org, s.ID), append(cls, c.ID), append(starts, p.StartsOn)
			}
		}
	}
	_, err := w.tx.Exec(ctx, `INSERT INTO journal.roster (enrollment_id, student_id, organisation_id, class_id, academic_year, starts_on)
		SELECT e, s, o, c, $6, d FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::date[]) AS u(e, s, o, c, d)
		ON CONFLICT (enrollment_id) DO NOTHING`, enr, stu, org, cls, starts, int32(region.AcademicYear))
	return err
}

// flush copies a batch.
func (w *yearWriter) flush(ctx context.Context, b *yearBatch) error {
	r := &b.rows
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"periods", []string{"id", "organisation_id", "academic_year", "kind", "no", "starts_on", "ends_on"}, b.periods},
		{"assignments", []string{"id", "organisation_id", "academic_year", "teacher_id", "class_id", "subject_id"}, b.assignments},
		{"lessons", lessonColumns, r.lessons},
		{"marks", markColumns, r.marks},
		{"mark_history", historyColumns, r.history},
		{"attendance", attendanceColumns, r.attendance},
	} {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{"journal", t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("seed year: copy %s: %w", t.table, err)
		}
	}
	if len(r.totals) > 0 {
		if err := w.fill(ctx, r.totals); err != nil {
			return err
		}
	}
	if len(r.events) > 0 {
		if err := w.opts.Outbox.EnqueueMany(ctx, w.tx, r.events); err != nil {
			return err
		}
	}
	for _, t := range r.truants {
		w.truants[t.student] = t
	}
	w.st.Periods += len(b.periods)
	w.st.Assignments += len(b.assignments)
	w.st.Lessons += len(r.lessons)
	w.st.Filled += len(r.totals)
	w.st.Marks += r.marksN
	w.st.Changed += r.changedN
	w.st.Absences += len(r.attendance)
	w.st.Events += len(r.events)
	return nil
}

// fill sets the totals of lessons that were in the journal before the seed
// filled them.
func (w *yearWriter) fill(ctx context.Context, totals [][]any) error {
	if !w.totalsTable {
		if _, err := w.tx.Exec(ctx, `CREATE TEMP TABLE seed_totals (id uuid, marks_count integer, marks_weight float8, marks_weighted float8,
			absences integer, pupils integer, attendance_taken_at timestamptz) ON COMMIT DROP`); err != nil {
			return err
		}
		w.totalsTable = true
	}
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{"seed_totals"}, totalsColumns, pgx.CopyFromRows(totals)); err != nil {
		return err
	}
	_, err := w.tx.Exec(ctx, `UPDATE journal.lessons l SET marks_count = t.marks_count, marks_weight = t.marks_weight,
		    marks_weighted = t.marks_weighted, absences = t.absences, pupils = t.pupils, attendance_taken_at = t.attendance_taken_at
		FROM seed_totals t WHERE t.id = l.id;
		TRUNCATE seed_totals`)
	return err
}

// finish closes the periods that have ended, confirming each pupil's term
// mark from the weighted average of the period's marks (rounded half up,
// as a teacher confirms the suggestion), runs the attendance path's
// chronic-absence check at each truant's last absence, and analyses the
// tables it filled.
func (w *yearWriter) finish(ctx context.Context) error {
	today := w.maker.today
	tag, err := w.tx.Exec(ctx, `WITH ended AS (
		    SELECT id, organisation_id, starts_on, ends_on FROM journal.periods WHERE ends_on < $1 AND closed_at IS NULL
		), suggested AS (
		    SELECT m.student_id, m.subject_id, p.id AS period_id, m.class_id, p.ends_on,
		           (array_agg(l.teacher_id))[1] AS teacher,
		           sum(k.weight * m.value) / sum(k.weight) AS avg
		    FROM ended p
		    JOIN journal.lessons l ON l.organisation_id = p.organisation_id AND l.lesson_date BETWEEN p.starts_on AND p.ends_on
		    JOIN journal.marks m ON m.lesson_id = l.id AND m.deleted_at IS NULL AND m.value IS NOT NULL
		    JOIN journal.mark_kinds k ON k.code = m.kind
		    GROUP BY m.student_id, m.subject_id, p.id, m.class_id, p.ends_on
		)
		INSERT INTO journal.term_marks (student_id, subject_id, period_id, class_id, suggested, value, confirmed_by, confirmed_id, confirmed_at)
		SELECT student_id, subject_id, period_id, class_id, round(avg, 2), round(avg)::smallint, $2, teacher,
		       ((ends_on + 1)::timestamp + interval '2 hours') AT TIME ZONE 'UTC'
		FROM suggested ON CONFLICT DO NOTHING`, today, seedActor)
	if err != nil {
		return fmt.Errorf("seed year: term marks: %w", err)
	}
	w.st.TermMarks = int(tag.RowsAffected())
	tag, err = w.tx.Exec(ctx, `UPDATE journal.periods SET closed_at = ((ends_on + 2)::timestamp + interval '1 hour') AT TIME ZONE 'UTC', closed_by = $2
		WHERE ends_on < $1 AND closed_at IS NULL`, today, seedActor)
	if err != nil {
		return err
	}
	w.st.Closed = int(tag.RowsAffected())
	var evs []outbox.Event
	for _, t := range w.truants {
		ev, err := w.opts.Attendance.chronicAbsence(ctx, w.tx, t.school, t.class, t.student, t.date)
		if err != nil {
			return err
		}
		if ev != nil {
			evs = append(evs, *ev)
		}
	}
	if len(evs) > 0 {
		if err := w.opts.Outbox.EnqueueMany(ctx, w.tx, evs); err != nil {
			return err
		}
	}
	w.st.Signals, w.st.Events = len(evs), w.st.Events+len(evs)
	if err := w.tx.QueryRow(ctx, `SELECT coalesce(max(lesson_date), $1) FROM journal.lessons WHERE lesson_date <= $1`, today).Scan(&w.st.Through); err != nil {
		return err
	}
	_, err = w.tx.Exec(ctx, `ANALYZE journal.lessons; ANALYZE journal.marks; ANALYZE journal.attendance; ANALYZE journal.roster`)
	return err
}
