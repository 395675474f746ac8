package postgrade

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// yearClass is a class as the seeded year teaches it: its pupils, its week
// and its timetable.
type yearClass struct {
	id, school uuid.UUID
	days       int // a five- or six-day week
	pupils     []*yearPupil
	slots      []slot // the weekly timetable
	cal        schoolCalendar
	truancy    time.Time // truants skip lessons from this day on
}

// yearPupil is a pupil of a seeded class.
type yearPupil struct {
	id       uuid.UUID
	since    time.Time
	ability  float64 // the mean of the pupil's marks, before the noise of a day
	truant   bool    // skips lessons without a reason (a chronic absentee)
	sickDays int     // school days of the current illness still to come
}

// yearAssignment is a teaching assignment of the seeded year.
type yearAssignment struct {
	id, school, class, teacher, subject uuid.UUID
	code                                string // the subject's code
	taught                              int    // lessons so far: the topic follows it
}

// slot is one lesson of the weekly timetable.
type slot struct {
	day time.Weekday
	no  int
	a   *yearAssignment
}

// hours is the weekly hours of subject code in grade (1–11).
func hours(code string, grade int) int {
	for _, c := range curriculum {
		if c.subject == code && grade >= 1 && grade <= 11 {
			return c.hours[grade-1]
		}
	}
	return 0
}

// planSchool makes a seeded school's assignments and timetables: the class
// teachers of grades 1–4 teach their classes Russian, literature and
// mathematics; every other subject goes to a subject teacher, each teacher
// with one subject picked where the school's hours most need one (the
// fixture teachers, last among the teachers, first), the least loaded such
// teacher taking each class (a class teacher their own class). Six-day
// weeks are for grades 5–11 of some schools.
func planSchool(s registryapi.SeededSchool, subjects map[string]uuid.UUID, year int, rnd *rand.Rand) ([]*yearClass, []*yearAssignment) {
	sixDays := rnd.IntN(3) == 0
	primaryTeacher := map[uuid.UUID]bool{}
	demand := map[string]int{}
	for _, c := range s.Classes {
		if c.Grade <= 4 && c.ClassTeacher != uuid.Nil {
			primaryTeacher[c.ClassTeacher] = true
		}
		for _, cu := range curriculum {
			if !(c.Grade <= 4 && primaryTeacher[c.ClassTeacher] && primarySubjects[cu.subject]) {
				demand[cu.subject] += hours(cu.subject, c.Grade)
			}
		}
	}
	specialists := map[string][]uuid.UUID{}
	var pool []uuid.UUID
	for i := len(s.Teachers) - 1; i >= 0; i-- {
		t := s.Teachers[i]
		if primaryTeacher[t] || slices.Contains(pool, t) {
			continue
		}
		pool = append(pool, t)
		best := ""
		for _, cu := range curriculum {
			if best == "" || demand[cu.subject] > demand[best] {
				best = cu.subject
			}
		}
		specialists[best] = append(specialists[best], t)
		demand[best] -= 18
	}
	load := map[uuid.UUID]int{}
	var classes []*yearClass
	var all []*yearAssignment
	busy := map[busyKey]bool{}
	for _, c := range s.Classes {
		if c.Grade < 1 || c.Grade > 11 || len(c.Pupils) == 0 {
			continue
		}
		yc := &yearClass{id: c.ID, school: s.ID, days: 5, cal: calendarOf(year)}
		if sixDays && c.Grade >= 5 {
			yc.days = 6
		}
		for _, p := range c.Pupils {
			yc.pupils = append(yc.pupils, &yearPupil{id: p.Student, since: p.StartsOn, ability: ability(rnd)})
		}
		var own []*yearAssignment
		for _, cu := range curriculum {
			h := hours(cu.subject, c.Grade)
			if h == 0 {
				continue
			}
			teacher := c.ClassTeacher
			if !(c.Grade <= 4 && primarySubjects[cu.subject] && teacher != uuid.Nil) {
				teacher = pick(specialists[cu.subject], pool, load, c.ClassTeacher)
			}
			if teacher == uuid.Nil {
				continue
			}
			load[teacher] += h
			a := &yearAssignment{id: newID(), school: s.ID, class: c.ID, teacher: teacher, subject: subjects[cu.subject], code: cu.subject}
			own = append(own, a)
			for range h {
				yc.slots = append(yc.slots, slot{a: a})
			}
		}
		yc.slots = timetable(yc.slots, yc.days, busy, rnd)
		classes = append(classes, yc)
		all = append(all, own...)
	}
	return classes, all
}

// pick is the least loaded of the subject's specialists (the class's own
// class teacher when one of them), or of the whole pool without any.
func pick(specialists, pool []uuid.UUID, load map[uuid.UUID]int, classTeacher uuid.UUID) uuid.UUID {
	if slices.Contains(specialists, classTeacher) {
		return classTeacher
	}
	if len(specialists) == 0 {
		specialists = pool
	}
	best := uuid.Nil
	for _, t := range specialists {
		if best == uuid.Nil || load[t] < load[best] {
			best = t
		}
	}
	return best
}

// busyKey is a teacher's lesson of the week.
type busyKey struct {
	teacher uuid.UUID
	day     time.Weekday
	no      int
}

// timetable spreads a class's weekly lessons over its days, a subject's
// lessons on different days where the hours allow, and numbers each day's
// lessons so that no teacher has two classes at once (busy holds the
// school's taken hours).
func timetable(lessons []slot, days int, busy map[busyKey]bool, rnd *rand.Rand) []slot {
	byDay := make([][]slot, days)
	for i, l := range lessons {
		d := (i + rnd.IntN(2)) % days
		if len(byDay[d]) >= 7 { // the next day with room
			for k := range days {
				if len(byDay[(d+k)%days]) < 7 {
					d = (d + k) % days
					break
				}
			}
		}
		byDay[d] = append(byDay[d], l)
	}
	var out []slot
	for d, list := range byDay {
		rnd.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		day := time.Weekday(d + 1)
		taken := map[int]bool{}
		for _, l := range list {
			no := 0
			for n := 1; n <= 12 && no == 0; n++ {
				if !taken[n] && !busy[busyKey{l.a.teacher, day, n}] {
					no = n
				}
			}
			if no == 0 { // the teacher is busy at every free hour: a clash rather than a lost lesson
				for no = 1; taken[no]; no++ {
				}
			}
			taken[no] = true
			busy[busyKey{l.a.teacher, day, no}] = true
			out = append(out, slot{day: day, no: no, a: l.a})
		}
	}
	sortSlots(out)
	return out
}

// sortSlots orders a timetable by weekday and lesson number.
func sortSlots(slots []slot) {
	slices.SortFunc(slots, func(a, b slot) int { return int(a.day-b.day)*16 + a.no - b.no })
}

// ability is a pupil's usual mark: most pupils between 3 and 4.6.
func ability(rnd *rand.Rand) float64 {
	return min(4.95, max(2.5, 3.95+rnd.NormFloat64()*0.55))
}
