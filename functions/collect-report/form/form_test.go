package form

import (
	"encoding/json"
	"strings"
	"testing"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
)

// pupilsForm is a small form in ОО-1's shape: pupils by grade (all, girls),
// a total row, a teachers field, a choice and a date.
const pupilsForm = `{
  "code": "oo1-pupils", "title": "Численность обучающихся",
  "sections": [
    {"id": "s1", "title": "Обучающиеся по классам", "tables": [
      {"id": "pupils", "title": "Численность", "required": true,
       "rows": [{"id": "g1", "title": "1 класс"}, {"id": "g2", "title": "2 класс"}, {"id": "total", "title": "Всего"}],
       "columns": [{"id": "all", "title": "Всего", "type": "integer"}, {"id": "girls", "title": "из них девочек", "type": "integer"}]}]},
    {"id": "s2", "title": "Педагоги", "fields": [
      {"id": "teachers", "title": "Учителей", "type": "integer", "unit": "чел."},
      {"id": "share_women", "title": "Доля женщин", "type": "decimal"},
      {"id": "heating", "title": "Отопление", "type": "choice", "choices": ["центральное", "автономное"]},
      {"id": "as_of", "title": "По состоянию на", "type": "date", "required": true}]}],
  "rules": [
    {"id": "total_all", "expr": "pupils.total.all == pupils.g1.all + pupils.g2.all", "message": "Строка «Всего» не равна сумме классов"},
    {"id": "girls_le_all", "expr": "['g1', 'g2', 'total'].all(r, pupils[r].girls <= pupils[r].all)", "message": "Девочек больше, чем обучающихся"},
    {"id": "teachers_needed", "expr": "pupils.total.all == 0 || filled['teachers']", "message": "Укажите число учителей: обучающиеся есть"},
    {"id": "share", "expr": "share_women >= 0.0 && share_women <= 1.0", "message": "Доля — от 0 до 1"}]
}`

func compile(t *testing.T, js string) (*Form, map[string]string) {
	t.Helper()
	var def collectreportapi.Definition
	if err := json.Unmarshal([]byte(js), &def); err != nil {
		t.Fatal(err)
	}
	f, fe := Compile(def)
	errsByPath := map[string]string{}
	for _, e := range fe {
		errsByPath[e.Field] = string(e.Code) + ": " + e.Message
	}
	return f, errsByPath
}

// A form compiles into its cells; filled values pass or fail its rules,
// each failure with the rule's message; a cell's own error comes first.
func TestRulesOverCells(t *testing.T) {
	f, fe := compile(t, pupilsForm)
	if len(fe) > 0 {
		t.Fatalf("the form: %v", fe)
	}
	if len(f.Cells) != 3*2+4 {
		t.Fatalf("%d cells", len(f.Cells))
	}
	good := map[string]string{"pupils.g1.all": "25", "pupils.g1.girls": "12", "pupils.g2.all": "1 024", "pupils.g2.girls": "500",
		"pupils.total.all": "1049", "pupils.total.girls": "512", "teachers": "40", "share_women": "0,85", "heating": "центральное", "as_of": "01.10.2026"}
	if v := f.Check(good); len(v) != 0 {
		t.Fatalf("good values: %+v", v)
	}
	for name, c := range map[string]struct {
		cell, value, want string
	}{
		"total not the sum":     {"pupils.total.all", "1050", "total_all"},
		"girls over all":        {"pupils.g1.girls", "26", "girls_le_all"},
		"teachers missing":      {"teachers", "", "teachers_needed"},
		"share out of range":    {"share_women", "1,5", "share"},
		"not a number":          {"pupils.g1.all", "двадцать", "cell:pupils.g1.all"},
		"negative":              {"pupils.g1.all", "-1", "cell:pupils.g1.all"},
		"a required cell empty": {"pupils.g2.girls", "", "cell:pupils.g2.girls"},
		"not a choice":          {"heating", "печное", "cell:heating"},
		"not a date":            {"as_of", "2026-13-01", "cell:as_of"},
		"unknown cell":          {"pupils.g3.all", "5", "cell:pupils.g3.all"},
	} {
		vals := map[string]string{}
		for k, v := range good {
			vals[k] = v
		}
		vals[c.cell] = c.value
		got := f.Check(vals)
		found := false
		for _, v := range got {
			key := v.Rule
			if v.Cell != "" {
				key = "cell:" + v.Cell
			}
			found = found || (key == c.want && v.Message != "")
		}
		if !found {
			t.Errorf("%s: %+v, want %s", name, got, c.want)
		}
	}
}

// Every error of a definition is reported at once, by its JSON path: ids
// used twice, types unknown, rules that do not compile, are not
// conditions, or name rows, columns or fields the form does not have.
func TestDefinitionErrorsByPath(t *testing.T) {
	bad := strings.NewReplacer(
		`"id": "teachers"`, `"id": "pupils"`,
		`"type": "decimal"}`, `"type": "money"}`,
		`"id": "girls", "title": "из них девочек", "type": "integer"`, `"id": "girls", "title": "из них девочек", "type": "text"`,
	).Replace(pupilsForm)
	_, fe := compile(t, bad)
	for path, code := range map[string]string{
		"sections[1].fields[0].id":              "duplicate",
		"sections[1].fields[1].type":            "enum",
		"sections[0].tables[0].columns[1].type": "enum",
	} {
		if !strings.HasPrefix(fe[path], code+":") {
			t.Errorf("%s: %q, want %s (all: %v)", path, fe[path], code, fe)
		}
	}
	for name, c := range map[string]struct{ expr, want string }{
		"syntax":          {"pupils.total.all ==", "rule"},
		"not a condition": {"pupils.total.all + 1", "rule"},
		"unknown row":     {"pupils.g9.all == 0", "rule"},
		"unknown column":  {"pupils.g1.boys == 0", "rule"},
		"unknown field":   {"teachrs > 0", "rule"},
	} {
		def := strings.Replace(pupilsForm, `"expr": "share_women >= 0.0 && share_women <= 1.0"`, `"expr": "`+c.expr+`"`, 1)
		_, fe := compile(t, def)
		if !strings.HasPrefix(fe["rules[3].expr"], c.want+":") {
			t.Errorf("%s: %v", name, fe)
		}
	}
	// Prefill: each binding names an integer cell and a source EKO has,
	// with parameters it takes.
	for binding, want := range map[string]string{
		`"pupils.g1.all": "registry.pupils?grade=1"`:                "",
		`"pupils.g1.all": "registry.pupils?grade=1-4&gender=F"`:     "",
		`"pupils.g1.all": "registry.pupils?age=7-"`:                 "",
		`"teachers": "registry.staff?role=teacher,deputy_director"`: "",
		`"pupils.g1.all": "registry.salaries"`:                      "prefill.pupils.g1.all=source",
		`"pupils.g1.all": "registry.pupils?grade=12"`:               "prefill.pupils.g1.all=source",
		`"pupils.g1.all": "registry.pupils?gender=X"`:               "prefill.pupils.g1.all=source",
		`"pupils.g1.all": "registry.pupils?colour=red"`:             "prefill.pupils.g1.all=source",
		`"teachers": "registry.staff"`:                              "prefill.teachers=source",
		`"teachers": "registry.staff?role=guard"`:                   "prefill.teachers=source",
		`"pupils.g9.all": "registry.pupils"`:                        "prefill.pupils.g9.all=unknown",
		`"share_women": "registry.pupils"`:                          "prefill.share_women=enum",
	} {
		def := strings.Replace(pupilsForm, `"rules": [`, `"prefill": {`+binding+`}, "rules": [`, 1)
		_, fe := compile(t, def)
		path, code, _ := strings.Cut(want, "=")
		switch {
		case want == "" && len(fe) > 0:
			t.Errorf("%s refused: %v", binding, fe)
		case want != "" && !strings.HasPrefix(fe[path], code+":"):
			t.Errorf("%s: %v, want %s at %s", binding, fe, code, path)
		}
	}
	_, fe = compile(t, `{"code": "X", "title": "", "sections": []}`)
	for _, path := range []string{"code", "title", "sections"} {
		if fe[path] == "" {
			t.Errorf("an empty definition: no error at %s: %v", path, fe)
		}
	}
}
