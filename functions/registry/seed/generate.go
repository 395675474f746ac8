package seed

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// counts of organisations per municipality weight unit (region) or per municipality (small).
type counts struct {
	schools, kindergartens, colleges, extra float64
	letters                                 [2]int // classes per grade, min and max
	waiting                                 [2]int // children waiting for a kindergarten place, per kindergarten
	classSize                               [2]int
	groupSize                               [2]int
	collegeGroups                           [2]int
}

var scales = map[Scale]struct {
	municipalities int // how many of the list, in order
	perWeight      bool
	c              counts
}{
	// Region: weights sum to ~1000; ≈0.67 schools, ≈1.04 kindergartens per unit.
	Region: {municipalities: len(municipalities), perWeight: true, c: counts{
		schools: 0.67, kindergartens: 1.04, colleges: 0.08, extra: 0.06,
		letters: [2]int{1, 3}, waiting: [2]int{4, 10}, classSize: [2]int{20, 28}, groupSize: [2]int{18, 24}, collegeGroups: [2]int{30, 46},
	}},
	Small: {municipalities: 2, c: counts{
		schools: 2, kindergartens: 2, colleges: 1, extra: 1,
		letters: [2]int{1, 1}, waiting: [2]int{14, 20}, classSize: [2]int{18, 22}, groupSize: [2]int{15, 18}, collegeGroups: [2]int{3, 3},
	}},
}

// municipalityIDs by code, for fixtures.
type region struct {
	municipality map[string]uuid.UUID
	org          map[string]uuid.UUID
	class        map[string]uuid.UUID // "<org code>/<class name>"
}

func (l *loader) generate(fx Fixtures, scale Scale) error {
	sc, ok := scales[scale]
	if !ok {
		return fmt.Errorf("seed: unknown scale %q (small or region)", scale)
	}
	reg := &region{municipality: map[string]uuid.UUID{}, org: map[string]uuid.UUID{}, class: map[string]uuid.UUID{}}
	if err := l.reserveFixtureSNILS(fx); err != nil {
		return err
	}
	for i, m := range municipalities[:sc.municipalities] {
		mid := newID()
		reg.municipality[m.code] = mid
		name, oktmo := m.name, fmt.Sprintf("327%02d000", 50+i) // synthetic OKTMO, off the real ones fixtures use
		if fx != nil {
			if fm, ok := fx.Municipality(m.code); ok {
				name, oktmo = fm.Name, fm.OKTMO
			}
		}
		l.municipalities = append(l.municipalities, []any{mid, m.code, name, oktmo})
	}
	if err := l.fixtureOrganisations(reg, fx); err != nil {
		return err
	}
	l.org(reg, "ministry", "ministry", "Министерство образования Кузбасса", "Минобразования Кузбасса", "г. Кемерово, Советский пр-т, 58", nil)
	for _, m := range municipalities[:sc.municipalities] {
		mid := reg.municipality[m.code]
		short := m.name
		l.org(reg, "mun-"+m.code, "municipal_authority", "Управление образования: "+m.name, "УО "+short, "", &mid)
		l.org(reg, "opeka-"+m.code, "guardianship", "Орган опеки и попечительства: "+m.name, "Опека "+short, "", &mid)
		l.org(reg, "kdn-"+m.code, "kdn", "Комиссия по делам несовершеннолетних и защите их прав: "+m.name, "КДН "+short, "", &mid)

		n := func(per float64) int {
			if !sc.perWeight {
				return int(per)
			}
			v := int(per*float64(m.weight) + 0.5)
			if v < 1 {
				v = 1
			}
			return v
		}
		for s := 1; s <= n(sc.c.schools); s++ {
			if err := l.school(reg, m.code, mid, s, sc.c); err != nil {
				return err
			}
		}
		for k := 1; k <= n(sc.c.kindergartens); k++ {
			if err := l.kindergarten(reg, m.code, mid, k, sc.c); err != nil {
				return err
			}
		}
		for c := 1; c <= n(sc.c.colleges); c++ {
			if err := l.college(reg, m.code, mid, c, sc.c); err != nil {
				return err
			}
		}
		for e := 1; e <= n(sc.c.extra); e++ {
			l.org(reg, fmt.Sprintf("dod-%d-%s", e, m.code), "additional_education",
				fmt.Sprintf("Муниципальное бюджетное учреждение дополнительного образования «Дом детского творчества № %d»", e),
				fmt.Sprintf("МБУ ДО ДДТ № %d", e), "", &mid)
		}
	}
	return l.fixturePeople(reg, fx)
}

func (l *loader) org(reg *region, code, kind, full, short, address string, mun *uuid.UUID) uuid.UUID {
	if id, ok := reg.org[code]; ok {
		return id
	}
	id := newID()
	reg.org[code] = id
	inn, ogrn := l.nextINNOGRN()
	row := []any{id, code, kind, full, short, inn, ogrn, address, mun}
	l.organisations = append(l.organisations, append(row, card(len(l.organisations), code, kind, inn)...))
	return id
}

// card is what the n-th organisation publishes about itself — a phone, an
// e-mail, a site and, for those that teach, the licence — made from its
// number and code, never from the seed's random stream.
func card(n int, code, kind, inn string) []any {
	phone := fmt.Sprintf("+7 (3842) %s-%s-%s", inn[4:6], inn[6:8], inn[8:10])
	email, site := code+"@edu.kuzbass.example", "https://"+code+".edu.kuzbass.example"
	switch kind {
	case "school", "kindergarten", "college", "additional_education":
		licensed := time.Date(2016, 1, 11, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (n*37)%2900)
		return []any{phone, email, site, fmt.Sprintf("Л035-01226-42/%08d", 100000+n), licensed, "Министерство образования Кузбасса"}
	}
	return []any{phone, email, site, "", nil, ""}
}

func (l *loader) addClass(reg *region, org uuid.UUID, orgCode, name, kind string, grade, ageFrom, ageTo *int) uuid.UUID {
	if id, ok := reg.class[orgCode+"/"+name]; ok {
		return id
	}
	id := newID()
	reg.class[orgCode+"/"+name] = id
	l.classes = append(l.classes, []any{id, org, l.year, name, kind, grade, ageFrom, ageTo})
	return id
}

func (l *loader) addStaff(person, org uuid.UUID, role string, class *uuid.UUID, position string) {
	l.staff = append(l.staff, []any{newID(), person, org, role, class, position, time.Date(l.year, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(-l.rnd.IntN(10), 0, 0)})
}

func (l *loader) enroll(person, org uuid.UUID, class *uuid.UUID) {
	l.enrollments = append(l.enrollments, []any{newID(), person, org, class, l.year, time.Date(l.year, 9, 1, 0, 0, 0, 0, time.UTC)})
}

// adult makes up a staff member aged 25–60; four in five teachers in Kuzbass are women.
func (l *loader) adult() (uuid.UUID, error) {
	birth := l.birthIn(l.today.AddDate(-60, 0, 0), l.today.AddDate(-25, 0, 0))
	in := l.synthetic(l.rnd.IntN(5) == 0, surnames[l.rnd.IntN(len(surnames))], birth, l.rnd.IntN(len(maleNames)))
	return l.person(in, nil)
}

// family makes up a child and links one or two parents; a share of children
// are siblings of the previous child.
type family struct {
	surname   string
	fatherIdx int
	parents   []struct {
		id       uuid.UUID
		relation string
	}
	at []uuid.UUID // where the family's children are enrolled
}

func (l *loader) child(f *family, birth time.Time) (uuid.UUID, error) {
	id, _, err := l.childSNILS(f, birth, false)
	return id, err
}

// childSNILS is child that also returns the child's SNILS; sibling makes the
// child a brother or sister of f's children for certain.
func (l *loader) childSNILS(f *family, birth time.Time, sibling bool) (uuid.UUID, string, error) {
	if !sibling && (f.surname == "" || l.rnd.IntN(10) >= 3) { // 30% siblings
		*f = family{surname: surnames[l.rnd.IntN(len(surnames))], fatherIdx: l.rnd.IntN(len(maleNames))}
		parentBirth := birth.AddDate(-l.between(22, 38), 0, -l.rnd.IntN(365))
		mother := l.synthetic(false, f.surname, parentBirth, l.rnd.IntN(len(maleNames)))
		mid, err := l.person(mother, nil)
		if err != nil {
			return uuid.Nil, "", err
		}
		f.parents = append(f.parents, struct {
			id       uuid.UUID
			relation string
		}{mid, "mother"})
		if l.rnd.IntN(4) != 0 {
			father := l.synthetic(true, f.surname, parentBirth.AddDate(-l.between(0, 5), 0, 0), l.rnd.IntN(len(maleNames)))
			father.GivenName = maleNames[f.fatherIdx].name
			fid, err := l.person(father, nil)
			if err != nil {
				return uuid.Nil, "", err
			}
			f.parents = append(f.parents, struct {
				id       uuid.UUID
				relation string
			}{fid, "father"})
		}
	}
	kid := l.synthetic(l.rnd.IntN(2) == 0, f.surname, birth, f.fatherIdx)
	id, err := l.person(kid, nil)
	if err != nil {
		return uuid.Nil, "", err
	}
	l.births[id] = birth
	for _, p := range f.parents {
		l.links = append(l.links, []any{newID(), p.id, id, p.relation, "parent", "", "import"})
	}
	return id, kid.SNILS, nil
}

var letters = []string{"А", "Б", "В", "Г", "Д"}

func (l *loader) school(reg *region, mcode string, mid uuid.UUID, n int, c counts) error {
	code := fmt.Sprintf("school-%d-%s", n, mcode)
	org := l.org(reg, code, "school",
		fmt.Sprintf("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № %d»", n),
		fmt.Sprintf("МБОУ «СОШ № %d»", n), fmt.Sprintf("ул. Школьная, %d", n), &mid)
	if err := l.administration(org, "директор школы"); err != nil {
		return err
	}
	var f family
	lettersN := l.between(c.letters[0], c.letters[1])
	for grade := 1; grade <= 11; grade++ {
		g := grade
		for li := 0; li < lettersN; li++ {
			name := fmt.Sprintf("%d%s", grade, letters[li])
			class := l.addClass(reg, org, code, name, "class", &g, nil, nil)
			teacher, err := l.adult()
			if err != nil {
				return err
			}
			l.addStaff(teacher, org, "teacher", nil, "учитель")
			l.addStaff(teacher, org, "class_teacher", &class, "классный руководитель")
			// Grade g in academic year Y: born between 1 Sep (Y-6-g) and 31 Aug (Y-5-g).
			from := time.Date(l.year-6-grade, 9, 1, 0, 0, 0, 0, time.UTC)
			to := time.Date(l.year-5-grade, 8, 31, 0, 0, 0, 0, time.UTC)
			for s := l.between(c.classSize[0], c.classSize[1]); s > 0; s-- {
				kid, err := l.child(&f, l.birthIn(from, to))
				if err != nil {
					return err
				}
				l.enroll(kid, org, &class)
				f.at = append(f.at, org)
			}
		}
	}
	// Subject teachers without a class: about a fifth more.
	for t := lettersN * 11 / 5; t > 0; t-- {
		teacher, err := l.adult()
		if err != nil {
			return err
		}
		l.addStaff(teacher, org, "teacher", nil, "учитель-предметник")
	}
	return nil
}

var kgGroups = []struct {
	name           string
	ageFrom, ageTo int
}{
	{"Ясельная группа «Капельки»", 1, 2}, {"Младшая группа «Солнышко»", 3, 3}, {"Средняя группа «Звёздочки»", 4, 4},
	{"Старшая группа «Радуга»", 5, 5}, {"Подготовительная группа «Почемучки»", 6, 6},
}

func (l *loader) kindergarten(reg *region, mcode string, mid uuid.UUID, n int, c counts) error {
	code := fmt.Sprintf("kg-%d-%s", n, mcode)
	org := l.org(reg, code, "kindergarten",
		fmt.Sprintf("Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад № %d»", n),
		fmt.Sprintf("МБДОУ «Детский сад № %d»", n), fmt.Sprintf("ул. Детская, %d", n), &mid)
	if err := l.administration(org, "заведующий"); err != nil {
		return err
	}
	var f family
	var families []family // of the kindergarten's children
	for _, g := range kgGroups {
		from, to := g.ageFrom, g.ageTo
		class := l.addClass(reg, org, code, g.name, "group", nil, &from, &to)
		educator, err := l.adult()
		if err != nil {
			return err
		}
		l.addStaff(educator, org, "teacher", nil, "воспитатель")
		for s := l.between(c.groupSize[0], c.groupSize[1]); s > 0; s-- {
			birth := l.birthIn(l.today.AddDate(-to-1, 0, 1), l.today.AddDate(-from, 0, 0))
			kid, err := l.child(&f, birth)
			if err != nil {
				return err
			}
			l.enroll(kid, org, &class)
			f.at = append(f.at, org)
			families = append(families, f)
		}
	}
	// Children waiting for a place: not enrolled anywhere, two in five of
	// them younger brothers and sisters of the kindergarten's children.
	for w := l.between(c.waiting[0], c.waiting[1]); w > 0; w-- {
		birth := l.birthIn(l.today.AddDate(-6, 0, 0), l.today.AddDate(0, -4, 0))
		sibling := len(families) > 0 && l.rnd.IntN(5) < 2
		if sibling {
			f = families[l.rnd.IntN(len(families))]
			f.at = slices.Clone(f.at)
		}
		kid, snils, err := l.childSNILS(&f, birth, sibling)
		if err != nil {
			return err
		}
		l.waiting = append(l.waiting, registryapi.SeededChild{ID: kid, Municipality: mid, Parent: f.parents[0].id, BirthDate: birth,
			SNILSHash: l.p.Hash("snils", snils), SiblingsAt: slices.Clone(f.at)})
	}
	return nil
}

var specialities = []string{"ТМ", "ЭС", "ПК", "СД", "ГД", "БУ", "ОП", "ТО"}

func (l *loader) college(reg *region, mcode string, mid uuid.UUID, n int, c counts) error {
	code := fmt.Sprintf("college-%d-%s", n, mcode)
	org := l.org(reg, code, "college",
		fmt.Sprintf("Государственное профессиональное образовательное учреждение «Политехнический техникум № %d»", n),
		fmt.Sprintf("ГПОУ ПТ № %d", n), fmt.Sprintf("пр. Ленина, %d", 100+n), &mid)
	if err := l.administration(org, "директор"); err != nil {
		return err
	}
	var f family
	groups := l.between(c.collegeGroups[0], c.collegeGroups[1])
	for g := 0; g < groups; g++ {
		course := g%4 + 1
		name := fmt.Sprintf("%s-%d%d", specialities[g%len(specialities)], (l.year-course+1)%100, g/len(specialities)+1)
		class := l.addClass(reg, org, code, name, "class", nil, nil, nil)
		teacher, err := l.adult()
		if err != nil {
			return err
		}
		l.addStaff(teacher, org, "teacher", nil, "преподаватель")
		l.addStaff(teacher, org, "class_teacher", &class, "куратор группы")
		for s := l.between(20, 26); s > 0; s-- {
			birth := l.birthIn(l.today.AddDate(-15-course, -11, 0), l.today.AddDate(-15-course+1, 0, 0))
			kid, err := l.child(&f, birth)
			if err != nil {
				return err
			}
			l.enroll(kid, org, &class)
		}
	}
	return nil
}

func (l *loader) administration(org uuid.UUID, title string) error {
	for _, r := range []struct{ role, position string }{{"director", title}, {"deputy_director", "заместитель директора"}, {"clerk", "делопроизводитель"}} {
		p, err := l.adult()
		if err != nil {
			return err
		}
		l.addStaff(p, org, r.role, nil, r.position)
	}
	return nil
}
