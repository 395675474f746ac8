package form_test

import (
	"strconv"
	"testing"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// Each shipped form compiles, and its prefill from any registry counts
// agrees with its own rules: the totals it prefills are the sums its rules
// demand, so an organisation that only fills the cells EKO cannot know
// passes every rule.
func TestShippedFormsPrefillTheirOwnRules(t *testing.T) {
	grade := func(n int) *int { return &n }
	counts := registryapi.OrganisationCounts{Staff: map[string]int{"director": 1, "deputy_director": 2, "teacher": 31, "class_teacher": 11}}
	for g := 1; g <= 11; g++ {
		counts.Pupils = append(counts.Pupils, registryapi.PupilCount{Grade: grade(g), Age: 6 + g, Gender: "F", N: 10 + g},
			registryapi.PupilCount{Grade: grade(g), Age: 7 + g, Gender: "M", N: 12 + g%3})
	}
	kindergarten := registryapi.OrganisationCounts{Staff: map[string]int{"director": 1, "teacher": 12}}
	for age := 0; age <= 8; age++ {
		kindergarten.Pupils = append(kindergarten.Pupils, registryapi.PupilCount{Age: age, Gender: "F", N: age}, registryapi.PupilCount{Age: age, Gender: "M", N: 9 - age})
	}
	of := map[string]registryapi.OrganisationCounts{"oo1": counts, "dou-85k": kindergarten}
	own := map[string]map[string]string{
		"oo1":     {"second_shift": "40", "staff.director.vacancies": "0", "staff.deputies.vacancies": "0", "staff.teachers.vacancies": "2"},
		"dou-85k": {"groups": "6", "places": "120", "mode": "полного дня (10,5–12 ч)"},
	}
	forms := collectreportapi.ShippedForms()
	if len(forms) != 2 {
		t.Fatalf("%d shipped forms", len(forms))
	}
	for _, def := range forms {
		fm, fe := form.Compile(def)
		if len(fe) > 0 {
			t.Fatalf("%s: %+v", def.Code, fe)
		}
		if len(fm.Prefill) < 10 {
			t.Fatalf("%s prefills %d cells", def.Code, len(fm.Prefill))
		}
		values := map[string]string{}
		for name, src := range fm.Prefill {
			values[name] = strconv.Itoa(src.Count(of[def.Code]))
		}
		for name, v := range own[def.Code] {
			values[name] = v
		}
		if v := fm.Check(values); len(v) > 0 {
			t.Errorf("%s prefilled: %+v", def.Code, v)
		}
		// The rules still bite: a total one off fails.
		total := map[string]string{"oo1": "pupils.total.all", "dou-85k": "children.total.all"}[def.Code]
		n, _ := strconv.Atoi(values[total])
		values[total] = strconv.Itoa(n + 1)
		if v := fm.Check(values); len(v) != 1 || v[0].Rule != "total_all" {
			t.Errorf("%s with a wrong total: %+v", def.Code, v)
		}
	}
	// The numbers themselves: 85-К's «7 лет и старше» takes the 8-year-olds too.
	fm, _ := form.Compile(forms[1])
	if got := fm.Prefill["children.a7.all"].Count(kindergarten); got != 7+2+8+1 {
		t.Errorf("children of 7 and older: %d", got)
	}
	if got := fm.Prefill["children.a0.girls"].Count(kindergarten); got != 0 {
		t.Errorf("girls under 1: %d", got)
	}
	if got := fm.Prefill["children.total.girls"].Count(kindergarten); got != 36 {
		t.Errorf("girls: %d", got)
	}
	oo1, _ := form.Compile(forms[0])
	if got := oo1.Prefill["pupils.g5.girls"].Count(counts); got != 15 {
		t.Errorf("girls of grade 5: %d", got)
	}
	if got := oo1.Prefill["staff.deputies.all"].Count(counts); got != 2 {
		t.Errorf("deputies: %d", got)
	}
}
