package postgrade

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// seedActor is who the seeded year's rows name as their author (the
// teacher's id goes beside it where a row has one).
const seedActor = "eko-seed"

// lessonKey is a lesson's place: its assignment, date and number.
type lessonKey struct {
	assignment uuid.UUID
	date       time.Time
	no         int
}

// knownLesson is a lesson already in the journal when the year is topped up.
type knownLesson struct {
	id      uuid.UUID
	touched bool // a teacher took its attendance or marked it: the seed leaves it alone
}

// yearRows are the rows of a batch of classes, in the journal's columns.
type yearRows struct {
	lessons, totals, marks, history, attendance [][]any
	events                                      []outbox.Event
	truants                                     []truancy
	marksN, changedN                            int
}

// truancy is a truant's last unexcused absence: where the chronic-absence
// check runs, as the attendance write path runs it.
type truancy struct {
	school, class, student uuid.UUID
	date                   time.Time
}

// dayMaker makes the lessons of classes day by day.
type dayMaker struct {
	today      time.Time
	weights    map[string]float64 // mark kinds' weights
	rnd        *rand.Rand
	grades     bool // announce grade.posted (someone consumes it)
	attendance bool // announce attendance.marked
}

var lessonColumns = []string{"id", "assignment_id", "organisation_id", "class_id", "subject_id", "teacher_id", "lesson_date", "lesson_no",
	"topic", "homework", "marks_count", "marks_weight", "marks_weighted", "absences", "pupils", "attendance_taken_at"}

// totalsColumns are what an existing lesson gains when the seed fills it.
var totalsColumns = []string{"id", "marks_count", "marks_weight", "marks_weighted", "absences", "pupils", "attendance_taken_at"}

var markColumns = []string{"id", "lesson_id", "student_id", "lesson_date", "subject_id", "class_id", "kind", "value", "version", "created_at", "created_by", "updated_at"}

var historyColumns = []string{"mark_id", "version", "action", "old_value", "old_kind", "new_value", "new_kind", "reason", "actor_subject", "actor_id", "actor_role", "at"}

var attendanceColumns = []string{"lesson_id", "student_id", "lesson_date", "status", "marked_by", "marked_at"}

// class adds c's lessons from from to to (the dates the calendar has
// lessons on): new lessons with their topics and homework, and for the days
// before today attendance and marks, in new lessons and in known ones no
// teacher has touched.
func (g *dayMaker) class(c *yearClass, from, to time.Time, known map[lessonKey]knownLesson, rows *yearRows) {
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if !c.cal.schoolDay(d, c.days) {
			continue
		}
		past := d.Before(g.today)
		if past {
			g.pupilsDay(c)
		}
		for _, s := range c.slots {
			if s.day != d.Weekday() {
				continue
			}
			k, seen := known[lessonKey{s.a.id, d, s.no}]
			if seen && (k.touched || !past) {
				s.a.taught++
				continue
			}
			id := k.id
			if !seen {
				id = newID()
			}
			t := g.lesson(c, s, id, d, past, rows)
			if seen {
				rows.totals = append(rows.totals, []any{id, t.marks, t.weight, t.weighted, t.absences, t.pupils, t.takenAt})
				continue
			}
			topic, homework := g.topic(s.a)
			rows.lessons = append(rows.lessons, []any{id, s.a.id, c.school, c.id, s.a.subject, s.a.teacher, d, int16(s.no),
				topic, homework, t.marks, t.weight, t.weighted, t.absences, t.pupils, t.takenAt})
		}
	}
}

// pupilsDay moves each pupil's illness on by a school day: a spell of three
// to seven days starts now and then.
func (g *dayMaker) pupilsDay(c *yearClass) {
	for _, p := range c.pupils {
		switch {
		case p.sickDays > 0:
			p.sickDays--
		case g.rnd.IntN(140) == 0:
			p.sickDays = 2 + g.rnd.IntN(5)
		}
	}
}

// totals are a lesson's own sums, as the write paths keep them.
type totals struct {
	marks, absences, pupils int32
	weight, weighted        float64
	takenAt                 *time.Time
}

// lesson adds a past lesson's attendance and marks (a future one has none).
func (g *dayMaker) lesson(c *yearClass, s slot, id uuid.UUID, d time.Time, past bool, rows *yearRows) totals {
	var t totals
	s.a.taught++
	if !past {
		return t
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, kuzbass.Time).Add(time.Duration(s.no-1) * 55 * time.Minute)
	taken := start.Add(5 * time.Minute)
	t.takenAt = &taken
	var present []*yearPupil
	for _, p := range c.pupils {
		if p.since.After(d) {
			continue
		}
		t.pupils++
		status := ""
		switch {
		case p.sickDays > 0:
			status = "absent_illness"
		case p.truant && !d.Before(c.truancy) && g.rnd.Float64() < 0.45:
			status = "absent_unexcused"
			rows.truants = append(rows.truants, truancy{c.school, c.id, p.id, d})
		case g.rnd.IntN(400) == 0:
			status = "absent_excused"
		case g.rnd.IntN(120) == 0:
			status = "late"
		}
		if status == "" || status == "late" {
			present = append(present, p)
		}
		if status == "" {
			continue
		}
		if status != "late" {
			t.absences++
		}
		rows.attendance = append(rows.attendance, []any{id, p.id, d, status, seedActor, taken})
		if g.attendance {
			rows.events = append(rows.events, outbox.Event{Type: postgradeapi.EventAttendanceMarked, Source: source, Subject: p.id.String(),
				Data: postgradeapi.AttendanceEvent{LessonID: id.String(), StudentID: p.id.String(), ClassID: c.id.String(), SubjectID: s.a.subject.String(),
					Date: d.Format(time.DateOnly), Status: status, MarkedAt: taken.UTC().Format(time.RFC3339Nano)}})
		}
	}
	// A control work every eighteenth lesson marks everyone present;
	// otherwise a few pupils answer.
	control := s.a.taught%18 == 0 && s.a.code != "physical_education"
	marked := present
	if !control {
		g.rnd.Shuffle(len(present), func(i, j int) { present[i], present[j] = present[j], present[i] })
		marked = present[:min(len(present), 2+g.rnd.IntN(4))]
	}
	posted := start.Add(40 * time.Minute)
	for _, p := range marked {
		kind := "control"
		if !control {
			kind = g.kind(s.a.code)
		}
		v := g.value(p.ability, kind)
		w := g.weights[kind]
		t.marks++
		t.weight += w
		t.weighted += w * float64(v)
		g.mark(rows, id, s.a, c, p, d, kind, v, posted)
	}
	return t
}

// mark adds one mark with its history; one in 250 was changed a few days
// later, with the reason, so that the mark's history has two entries.
func (g *dayMaker) mark(rows *yearRows, lesson uuid.UUID, a *yearAssignment, c *yearClass, p *yearPupil, d time.Time, kind string, v int16, posted time.Time) {
	id := newID()
	rows.marksN++
	version, updated, first := int32(1), posted, v
	if g.rnd.IntN(250) == 0 && d.Before(g.today.AddDate(0, 0, -3)) {
		version, updated = 2, posted.AddDate(0, 0, 1+g.rnd.IntN(3))
		first = v - 1
		if first < 2 {
			first = v + 1
		}
		rows.changedN++
	}
	rows.marks = append(rows.marks, []any{id, lesson, p.id, d, a.subject, c.id, kind, v, version, posted, seedActor, updated})
	rows.history = append(rows.history, []any{id, int32(1), "posted", nil, nil, first, kind, nil, seedActor, a.teacher, "teacher", posted})
	if version == 2 {
		reason := []string{"ошибка при вводе оценки", "работа переписана", "ответ дополнен на следующем уроке"}[g.rnd.IntN(3)]
		rows.history = append(rows.history, []any{id, int32(2), "changed", first, kind, v, kind, reason, seedActor, a.teacher, "teacher", updated})
	}
	if g.grades {
		val := int(v)
		rows.events = append(rows.events, outbox.Event{Type: postgradeapi.EventGradePosted, Source: source, Subject: p.id.String(),
			Data: postgradeapi.GradeEvent{MarkID: id.String(), LessonID: lesson.String(), StudentID: p.id.String(), ClassID: c.id.String(),
				SubjectID: a.subject.String(), Date: d.Format(time.DateOnly), Kind: kind, Value: &val, Version: int(version),
				ChangedAt: updated.UTC().Format(time.RFC3339Nano)}})
	}
}

// kind is the kind of an ordinary lesson's mark: mostly oral answers and
// homework.
func (g *dayMaker) kind(subject string) string {
	switch r := g.rnd.IntN(100); {
	case r < 40:
		return "oral"
	case r < 70:
		return "homework"
	case r < 88:
		return "independent"
	case subject == "russian" && r < 94:
		return "dictation"
	default:
		return "test"
	}
}

// value is a mark of a pupil of the ability: written works a little lower.
func (g *dayMaker) value(ability float64, kind string) int16 {
	v := ability + g.rnd.NormFloat64()*0.7
	if kind == "control" || kind == "test" || kind == "dictation" {
		v -= 0.2
	}
	return int16(min(5, max(2, math.Round(v))))
}

// topic is the topic and homework of an assignment's next lesson: a topic
// lasts three lessons; seven lessons in ten set homework.
func (g *dayMaker) topic(a *yearAssignment) (string, *string) {
	t := topics[a.code]
	if len(t.list) == 0 {
		return "Урок", nil
	}
	n := a.taught - 1
	topic := t.list[(n/3)%len(t.list)]
	if g.rnd.IntN(10) >= 7 {
		return topic, nil
	}
	hw := fmt.Sprintf(t.homework[g.rnd.IntN(len(t.homework))], 1+n/3, 1+g.rnd.IntN(40))
	return topic, &hw
}
