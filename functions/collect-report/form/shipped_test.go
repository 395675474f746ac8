package form_test

import (
	"strconv"
	"testing"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
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

// The journal's sources: over the span named (30 days unless days= says),
// counts as integers, the average and the attendance as fractions; no
// average where no mark was recorded — that cell is then not prefilled.
func TestJournalSources(t *testing.T) {
	avg, rate := 4.256, 0.953
	facts := form.Facts{Journal: map[int]postgradeapi.Aggregate{
		30: {Lessons: 412, LessonsWithoutAttendance: 3, Marks: 2210, Absences: 57, Average: &avg, AttendanceRate: &rate},
		7:  {Lessons: 96},
	}}
	for spec, want := range map[string]string{
		"journal.lessons": "412", "journal.lessons?days=7": "96", "journal.without_attendance": "3", "journal.marks": "2210",
		"journal.absences": "57", "journal.average": "4.26", "journal.attendance": "95.3", "journal.marks?days=90": "0",
	} {
		s, problem := form.ParseSource(spec)
		if problem != "" {
			t.Fatalf("%s: %s", spec, problem)
		}
		if got, ok := s.Value(facts); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", spec, got, ok, want)
		}
	}
	s, _ := form.ParseSource("journal.average?days=7")
	if v, ok := s.Value(facts); ok {
		t.Errorf("an average of a span without marks: %q", v)
	}
	for _, bad := range []string{"journal.lessons?days=0", "journal.lessons?days=400", "journal.lessons?grade=1", "journal.grades"} {
		if _, problem := form.ParseSource(bad); problem == "" {
			t.Errorf("%s accepted", bad)
		}
	}
	// A fraction goes to a decimal cell only, a count to an integer one.
	def := collectreportapi.Definition{Code: "journal", Title: "Журнал", Sections: []collectreportapi.Section{{ID: "s", Title: "Журнал",
		Fields: []collectreportapi.Field{{ID: "lessons", Title: "Уроки", Type: "integer"}, {ID: "avg", Title: "Средний балл", Type: "decimal"}}}},
		Prefill: map[string]string{"lessons": "journal.average", "avg": "journal.lessons"}}
	if _, fe := form.Compile(def); len(fe) != 2 || fe[0].Code != "enum" || fe[1].Code != "enum" {
		t.Errorf("kinds crossed: %+v", fe)
	}
	def.Prefill = map[string]string{"lessons": "journal.lessons?days=90", "avg": "journal.average"}
	if _, fe := form.Compile(def); len(fe) > 0 {
		t.Errorf("kinds matched: %+v", fe)
	}
}

// The services' sources: the queue now (by age band; all who named the
// kindergarten, or only those who named it first) and the applications
// addressed to the organisation over a span, by service, status and
// channel, with how their deadlines went.
func TestServiceSources(t *testing.T) {
	oc := submitapplicationapi.OrganisationCounts{
		Queue: []submitapplicationapi.QueueBand{{AgeBand: 1, All: 10, FirstChoice: 4}, {AgeBand: 3, All: 7, FirstChoice: 7}, {AgeBand: 6, All: 2}},
		Applications: []submitapplicationapi.ApplicationCount{
			{Service: "kindergarten", Status: "registered", Channel: "epgu", Received: 12, DecidedInTime: 11, DecidedLate: 1},
			{Service: "kindergarten", Status: "registered", Channel: "cabinet", Received: 5, DecidedInTime: 5},
			{Service: "kindergarten", Status: "checking", Channel: "epgu", Received: 3, OpenOverdue: 2},
			{Service: "first_grade", Status: "enrolled", Channel: "epgu", Received: 40, DecidedInTime: 40},
		}}
	facts := form.Facts{Services: map[int]submitapplicationapi.OrganisationCounts{30: oc, 365: {}}}
	for spec, want := range map[string]string{
		"queue.waiting": "19", "queue.waiting?first=true": "11", "queue.waiting?age=1-3": "17", "queue.waiting?age=6&first=true": "0",
		"services.applications": "60", "services.applications?service=kindergarten": "20",
		"services.applications?service=kindergarten&status=registered&channel=epgu": "12",
		"services.in_time?service=kindergarten":                                     "16", "services.late": "1", "services.overdue": "2",
		"services.applications?days=365": "0",
	} {
		s, problem := form.ParseSource(spec)
		if problem != "" {
			t.Fatalf("%s: %s", spec, problem)
		}
		if got, ok := s.Value(facts); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", spec, got, ok, want)
		}
	}
	for _, bad := range []string{"queue.waiting?age=9", "queue.waiting?first=yes", "services.applications?service=school",
		"services.applications?status=lost", "services.late?status=registered", "services.applications?channel=fax"} {
		if _, problem := form.ParseSource(bad); problem == "" {
			t.Errorf("%s accepted", bad)
		}
	}
}
