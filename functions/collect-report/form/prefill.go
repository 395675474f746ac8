package form

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
)

// Source is a prefilled cell's binding to EKO's data, parsed: which
// numbers of an organisation it adds up.
type Source struct {
	Spec string // as the definition names it
	From string // a key of collectreportapi.Sources

	grades, ages *[2]int // inclusive ranges; nil: any
	gender       string
	roles        []string
}

// staffRoles are the roles registry.staff counts.
var staffRoles = []string{"director", "deputy_director", "teacher", "class_teacher", "clerk"}

// ParseSource reads a source as a definition names it, or says in Russian
// what is wrong with it.
func ParseSource(spec string) (Source, string) {
	from, query, _ := strings.Cut(spec, "?")
	s := Source{Spec: spec, From: from}
	if collectreportapi.Sources[from] == "" {
		return s, "неизвестный источник «" + from + "»: есть registry.pupils и registry.staff"
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return s, "параметры источника не разобраны"
	}
	for name, vs := range params {
		if len(vs) != 1 {
			return s, "параметр «" + name + "» указан дважды"
		}
		v := vs[0]
		var ok bool
		switch from + "." + name {
		case "registry.pupils.grade":
			s.grades, ok = span(v, 1, 11)
		case "registry.pupils.age":
			s.ages, ok = span(v, 0, 30)
		case "registry.pupils.gender":
			s.gender, ok = v, v == "M" || v == "F"
		case "registry.staff.role":
			s.roles = strings.Split(v, ",")
			ok = true
			for _, r := range s.roles {
				ok = ok && slices.Contains(staffRoles, r)
			}
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

// Count is the source's number for one organisation's counts.
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

// prefill checks the definition's bindings: each names an integer cell of
// the form and a source EKO has.
func (c *compiler) prefill() {
	c.f.Prefill = map[string]Source{}
	for _, name := range slices.Sorted(maps.Keys(c.f.Def.Prefill)) {
		spec := c.f.Def.Prefill[name]
		p := "prefill." + name
		cell, ok := c.f.Cell(name)
		switch {
		case !ok:
			c.add(p, errs.Unknown, "в форме нет ячейки «%s»", name)
			continue
		case cell.Type != collectreportapi.Integer:
			c.add(p, errs.Enum, "предзаполнить можно только целочисленную ячейку")
			continue
		}
		s, problem := ParseSource(spec)
		if problem != "" {
			c.add(p, collectreportapi.ReasonSource, "%s", problem)
			continue
		}
		c.f.Prefill[name] = s
	}
}
