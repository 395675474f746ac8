package seed

import (
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// seededRegion describes the loaded schools, kindergartens and centres for the seeds that follow the
// registry's, from the rows about to be copied.
func (l *loader) seededRegion() registryapi.SeededRegion {
	out := registryapi.SeededRegion{AcademicYear: l.year, Fixtures: l.fixtures}
	schools, kindergartens := map[uuid.UUID]int{}, map[uuid.UUID]int{}
	for _, o := range l.organisations {
		id := o[0].(uuid.UUID)
		var mun uuid.UUID
		if m, ok := o[8].(*uuid.UUID); ok && m != nil {
			mun = *m
		}
		switch o[2] {
		case "school":
			schools[id] = len(out.Schools)
			out.Schools = append(out.Schools, registryapi.SeededSchool{ID: id, Municipality: mun, Code: o[1].(string)})
		case "kindergarten":
			kindergartens[id] = len(out.Kindergartens)
			out.Kindergartens = append(out.Kindergartens, registryapi.SeededOrganisation{ID: id, Municipality: mun, Code: o[1].(string)})
		case "additional_education":
			out.AdditionalEducation = append(out.AdditionalEducation, registryapi.SeededOrganisation{ID: id, Municipality: mun, Code: o[1].(string)})
		case "college":
			out.Colleges = append(out.Colleges, registryapi.SeededOrganisation{ID: id, Municipality: mun, Code: o[1].(string)})
		}
	}
	groups := map[uuid.UUID]*registryapi.SeededGroup{}
	for _, c := range l.classes {
		k, ok := kindergartens[c[1].(uuid.UUID)]
		if !ok || c[4] != "group" {
			continue
		}
		g := registryapi.SeededGroup{ID: c[0].(uuid.UUID)}
		if a, ok := c[6].(*int); ok && a != nil {
			g.AgeFrom = *a
		}
		if a, ok := c[7].(*int); ok && a != nil {
			g.AgeTo = *a
		}
		out.Kindergartens[k].Groups = append(out.Kindergartens[k].Groups, g)
	}
	for k := range out.Kindergartens {
		for g := range out.Kindergartens[k].Groups {
			groups[out.Kindergartens[k].Groups[g].ID] = &out.Kindergartens[k].Groups[g]
		}
	}
	out.Waiting = l.waiting
	out.Families = make([]registryapi.SeededLink, len(l.links))
	for i, r := range l.links {
		out.Families[i] = registryapi.SeededLink{ID: r[0].(uuid.UUID), Parent: r[1].(uuid.UUID), Child: r[2].(uuid.UUID)}
	}
	out.Enrollments = make([]registryapi.SeededEnrollment, len(l.enrollments))
	for i, r := range l.enrollments {
		out.Enrollments[i] = registryapi.SeededEnrollment{ID: r[0].(uuid.UUID), Person: r[1].(uuid.UUID), Organisation: r[2].(uuid.UUID), StartsOn: r[5].(time.Time)}
	}
	classes := map[uuid.UUID]*registryapi.SeededClass{}
	for _, c := range l.classes {
		s, ok := schools[c[1].(uuid.UUID)]
		if !ok || c[4] != "class" {
			continue
		}
		grade := 0
		if g, ok := c[5].(*int); ok && g != nil {
			grade = *g
		}
		out.Schools[s].Classes = append(out.Schools[s].Classes, registryapi.SeededClass{ID: c[0].(uuid.UUID), Name: c[3].(string), Grade: grade})
	}
	for s := range out.Schools {
		for c := range out.Schools[s].Classes {
			classes[out.Schools[s].Classes[c].ID] = &out.Schools[s].Classes[c]
		}
	}
	for _, st := range l.staff {
		s, ok := schools[st[2].(uuid.UUID)]
		if !ok {
			continue
		}
		person := st[1].(uuid.UUID)
		switch st[3] {
		case "teacher":
			out.Schools[s].Teachers = append(out.Schools[s].Teachers, person)
		case "class_teacher":
			if c, ok := st[4].(*uuid.UUID); ok && c != nil && classes[*c] != nil {
				classes[*c].ClassTeacher = person // the last one named: the fixture's
			}
		}
	}
	for _, e := range l.enrollments {
		c, ok := e[3].(*uuid.UUID)
		if !ok || c == nil {
			continue
		}
		if g := groups[*c]; g != nil {
			g.Children++
		}
		if classes[*c] == nil {
			continue
		}
		student := e[1].(uuid.UUID)
		classes[*c].Pupils = append(classes[*c].Pupils, registryapi.SeededPupil{
			Enrollment: e[0].(uuid.UUID), Student: student, StartsOn: e[5].(time.Time), BirthDate: l.births[student]})
	}
	return out
}
