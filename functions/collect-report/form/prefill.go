package form

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/errs"
)

// Source is a prefilled cell's binding to EKO's data, parsed: which of an
// organisation's numbers it is.
type Source struct {
	Spec string // as the definition names it
	From string // a key of collectreportapi.Sources

	grades, ages *[2]int // inclusive ranges; nil: any
	gender       string
	roles        []string
	days         int  // the journal's and the services' span, ending on the day asked
	first        bool // the queue: only those who named it first
	service      string
	status       string
	channel      string
}

// Facts are what EKO's functions answered about one organisation: the
// registry's counts, and the journal's aggregates over each span (in days).
type Facts struct {
	Registry *registryapi.OrganisationCounts
	Journal  map[int]postgradeapi.Aggregate
	// Services are submit-application's numbers of the organisation with
	// the applications received over each span (in days); its queues are
	// as they are now in each.
	Services map[int]submitapplicationapi.OrganisationCounts
}

// staffRoles are the roles registry.staff counts.
var staffRoles = []string{"director", "deputy_director", "teacher", "class_teacher", "clerk"}

// defaultDays is the journal's span when a source names none.
const defaultDays = 30

// ParseSource reads a source as a definition names it, or says in Russian
// what is wrong with it.
func ParseSource(spec string) (Source, string) {
	from, query, _ := strings.Cut(spec, "?")
	s := Source{Spec: spec, From: from}
	if collectreportapi.Sources[from] == "" {
		return s, "неизвестный источник «" + from + "»: есть " + strings.Join(slices.Sorted(maps.Keys(collectreportapi.Sources)), ", ")
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return s, "параметры источника не разобраны"
	}
	if s.Journal() || s.Services() || s.Queue() {
		s.days = defaultDays
	}
	for name, vs := range params {
		if len(vs) != 1 {
			return s, "параметр «" + name + "» указан дважды"
		}
		v := vs[0]
		var ok bool
		switch {
		case from == "registry.pupils" && name == "grade":
			s.grades, ok = span(v, 1, 11)
		case from == "registry.pupils" && name == "age":
			s.ages, ok = span(v, 0, 30)
		case from == "registry.pupils" && name == "gender":
			s.gender, ok = v, v == "M" || v == "F"
		case from == "registry.staff" && name == "role":
			s.roles = strings.Split(v, ",")
			ok = true
			for _, r := range s.roles {
				ok = ok && slices.Contains(staffRoles, r)
			}
		case from == "queue.waiting" && name == "age":
			s.ages, ok = span(v, 0, 8)
		case from == "queue.waiting" && name == "first":
			s.first, ok = v == "true", v == "true" || v == "false"
		case s.Services() && name == "service":
			s.service = v
			ok = slices.Contains([]submitapplicationapi.Service{submitapplicationapi.Kindergarten, submitapplicationapi.FirstGrade,
				submitapplicationapi.AdditionalEducation}, submitapplicationapi.Service(v))
		case from == "services.applications" && name == "status":
			_, ok = submitapplicationapi.Statuses[submitapplicationapi.Status(v)]
			s.status = v
		case from == "services.applications" && name == "channel":
			s.channel, ok = v, v == "cabinet" || v == "epgu"
		case (s.Journal() || s.Services()) && name == "days":
			s.days, err = strconv.Atoi(v)
			ok = err == nil && s.days >= 1 && s.days <= 366
		default:
			return s, "у источника " + from + " нет параметра «" + name + "»: " + collectreportapi.Sources[from]
		}
		if !ok {
			return s, "неверное значение «" + v + "» параметра «" + name + "»: " + collectreportapi.Sources[from]
		}
	}
	if from == "registry.staff" && len(s.roles) == 0 {
		return s, "укажите должности: role=teacher"
	}
	return s, ""
}

// Queue reports whether the source is the kindergarten queue's.
func (s Source) Queue() bool { return s.From == "queue.waiting" }

// Services reports whether the source is the applications addressed to
// the organisation (received over a span).
func (s Source) Services() bool { return strings.HasPrefix(s.From, "services.") }

// Journal reports whether the source is the journal's (asked over a span).
func (s Source) Journal() bool { return strings.HasPrefix(s.From, "journal.") }

// Days is the span of a journal's or the services' source.
func (s Source) Days() int { return s.days }

// Decimal reports whether the source's number is a fraction (a decimal
// cell's), not a count (an integer cell's).
func (s Source) Decimal() bool { return s.From == "journal.average" || s.From == "journal.attendance" }

// span reads "3", "3-6" or "7-" (up to max) within [min, max].
func span(v string, min, max int) (*[2]int, bool) {
	lo, hi, ranged := strings.Cut(v, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a < min || a > max {
		return nil, false
	}
	b := a
	if ranged {
		if hi == "" {
			b = max
		} else if b, err = strconv.Atoi(hi); err != nil || b < a || b > max {
			return nil, false
		}
	}
	return &[2]int{a, b}, true
}

func within(r *[2]int, n int) bool { return r == nil || r[0] <= n && n <= r[1] }

// Value is the source's number for one organisation's facts, as a cell
// holds it; false when the source knows nothing of it (no average without
// marks), and the cell is then not prefilled.
func (s Source) Value(f Facts) (string, bool) {
	if s.Journal() {
		a := f.Journal[s.days] // none: nothing recorded over the span
		switch s.From {
		case "journal.lessons":
			return strconv.Itoa(a.Lessons), true
		case "journal.without_attendance":
			return strconv.Itoa(a.LessonsWithoutAttendance), true
		case "journal.marks":
			return strconv.Itoa(a.Marks), true
		case "journal.absences":
			return strconv.Itoa(a.Absences), true
		case "journal.average":
			if a.Average == nil {
				return "", false
			}
			return strconv.FormatFloat(*a.Average, 'f', 2, 64), true
		case "journal.attendance":
			if a.AttendanceRate == nil {
				return "", false
			}
			return strconv.FormatFloat(100**a.AttendanceRate, 'f', 1, 64), true
		}
		return "", false
	}
	if s.Services() || s.Queue() {
		st, ok := f.Services[s.days]
		if !ok {
			return "", false
		}
		n := 0
		if s.Queue() {
			for _, b := range st.Queue {
				switch {
				case !within(s.ages, b.AgeBand):
				case s.first:
					n += b.FirstChoice
				default:
					n += b.All
				}
			}
			return strconv.Itoa(n), true
		}
		for _, a := range st.Applications {
			if s.service != "" && string(a.Service) != s.service || s.status != "" && string(a.Status) != s.status ||
				s.channel != "" && a.Channel != s.channel {
				continue
			}
			switch s.From {
			case "services.applications":
				n += a.Received
			case "services.in_time":
				n += a.DecidedInTime
			case "services.late":
				n += a.DecidedLate
			case "services.overdue":
				n += a.OpenOverdue
			}
		}
		return strconv.Itoa(n), true
	}
	if f.Registry == nil {
		return "", false
	}
	return strconv.Itoa(s.Count(*f.Registry)), true
}

// Count is a registry source's number for one organisation's counts.
func (s Source) Count(c registryapi.OrganisationCounts) int {
	n := 0
	switch s.From {
	case "registry.pupils":
		for _, p := range c.Pupils {
			if s.grades != nil && (p.Grade == nil || !within(s.grades, *p.Grade)) {
				continue
			}
			if within(s.ages, p.Age) && (s.gender == "" || p.Gender == s.gender) {
				n += p.N
			}
		}
	case "registry.staff":
		for _, r := range s.roles {
			n += c.Staff[r]
		}
	}
	return n
}

// prefill checks the definition's bindings: each names a cell of the form
// of the source's kind (a count: integer; a fraction: decimal) and a
// source EKO has.
func (c *compiler) prefill() {
	c.f.Prefill = map[string]Source{}
	for _, name := range slices.Sorted(maps.Keys(c.f.Def.Prefill)) {
		spec := c.f.Def.Prefill[name]
		p := "prefill." + name
		cell, ok := c.f.Cell(name)
		if !ok {
			c.add(p, errs.Unknown, "в форме нет ячейки «%s»", name)
			continue
		}
		s, problem := ParseSource(spec)
		if problem != "" {
			c.add(p, collectreportapi.ReasonSource, "%s", problem)
			continue
		}
		switch {
		case s.Decimal() && cell.Type != collectreportapi.Decimal:
			c.add(p, errs.Enum, "источник даёт дробное число: ячейка должна быть decimal")
			continue
		case !s.Decimal() && cell.Type != collectreportapi.Integer:
			c.add(p, errs.Enum, "источник даёт количество: ячейка должна быть integer")
			continue
		}
		c.f.Prefill[name] = s
	}
}
