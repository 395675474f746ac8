// Package form compiles a form definition — its sections, fields, tables and
// rules (CEL) — into a Form that checks filled values, and reports every
// error of a definition by its path in the JSON. It keeps no state and
// touches no database: the definitions' store and the submissions build on it.
//
// Guarantees:
//
//   - A definition compiles or is refused with every error at once, each
//     named by its JSON path; a rule that does not compile, is not a
//     condition, or names a field, row or column the form does not have, is
//     one of them.
//   - Checking values gives every cell's own error (type, choice, required)
//     and, when the cells are sound, every rule that fails, with its message.
//   - An empty numeric cell is 0 in a rule's arithmetic; filled["name"] says
//     whether it was filled.
package form

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/cel-go/cel"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/errs"
)

// Cell is one cell of a compiled form.
type Cell struct {
	Name     string // a field's id, or table.row.column
	Section  string
	Type     string
	Unit     string
	Required bool
	Choices  []string
	// Table, Row and Column name a table's cell ("" for a field).
	Table, Row, Column string
	// Aggregate is how a numeric cell is consolidated ("" for others).
	Aggregate string
}

// Form is a compiled definition.
type Form struct {
	Def    collectreportapi.Definition
	Cells  []Cell
	byName map[string]int
	tables map[string]collectreportapi.Table
	rules  []rule
	// Prefill are the cells bound to EKO's data, by name.
	Prefill map[string]Source
	decimal map[string]bool // tables whose cells are decimal in rules
}

type rule struct {
	def  collectreportapi.Rule
	prog cel.Program
}

var (
	codeRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,40}$`)
	idRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)
)

// cel's reserved words and the names the rules' environment declares: no
// field or table may take them.
var reserved = []string{"filled", "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
	"function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"}

// Compile compiles def. Its errors, when any, name their JSON paths.
func Compile(def collectreportapi.Definition) (*Form, []errs.FieldError) {
	c := &compiler{f: &Form{Def: def, byName: map[string]int{}, tables: map[string]collectreportapi.Table{}, decimal: map[string]bool{}},
		names: map[string]string{}}
	c.definition()
	c.prefill()
	if len(c.fe) > 0 {
		return nil, c.fe
	}
	c.rules()
	if len(c.fe) > 0 {
		return nil, c.fe
	}
	return c.f, nil
}

type compiler struct {
	f     *Form
	fe    []errs.FieldError
	names map[string]string // a field's or table's id → its path
}

func (c *compiler) add(path string, code errs.Reason, format string, args ...any) {
	c.fe = append(c.fe, errs.FieldError{Field: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) text(path, s string, max int, what string) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(s)); {
	case n == 0:
		c.add(path, errs.Required, "укажите %s", what)
	case n > max:
		c.add(path, errs.Length, "%s: до %d символов", what, max)
	}
}

// name claims id for the thing at path: fields and tables share one
// namespace, the names rules use.
func (c *compiler) name(path, id string) bool {
	switch {
	case !idRe.MatchString(id):
		c.add(path, errs.Format, "идентификатор: латинские строчные буквы, цифры и _, с буквы, до 41 знака")
		return false
	case slices.Contains(reserved, id):
		c.add(path, errs.Format, "«%s» — зарезервированное слово", id)
		return false
	}
	if other, taken := c.names[id]; taken {
		c.add(path, collectreportapi.ReasonDuplicate, "«%s» уже занято (%s)", id, other)
		return false
	}
	c.names[id] = path
	return true
}

func (c *compiler) definition() {
	d := c.f.Def
	if !codeRe.MatchString(d.Code) {
		c.add("code", errs.Format, "код формы: латинские строчные буквы, цифры и -, от 2 до 41 знака")
	}
	c.text("title", d.Title, 300, "название формы")
	if len(d.Sections) == 0 {
		c.add("sections", errs.Required, "в форме нет ни одного раздела")
	}
	sections := map[string]bool{}
	for i, s := range d.Sections {
		p := fmt.Sprintf("sections[%d]", i)
		if !idRe.MatchString(s.ID) {
			c.add(p+".id", errs.Format, "идентификатор раздела: латинские строчные буквы, цифры и _")
		} else if sections[s.ID] {
			c.add(p+".id", collectreportapi.ReasonDuplicate, "раздел «%s» уже есть", s.ID)
		}
		sections[s.ID] = true
		c.text(p+".title", s.Title, 300, "название раздела")
		if len(s.Fields)+len(s.Tables) == 0 {
			c.add(p, errs.Required, "в разделе нет ни полей, ни таблиц")
		}
		for j, f := range s.Fields {
			c.field(fmt.Sprintf("%s.fields[%d]", p, j), s.ID, f)
		}
		for j, t := range s.Tables {
			c.table(fmt.Sprintf("%s.tables[%d]", p, j), s.ID, t)
		}
	}
}

func (c *compiler) field(p, section string, f collectreportapi.Field) {
	ok := c.name(p+".id", f.ID)
	c.text(p+".title", f.Title, 300, "название поля")
	if collectreportapi.CellTypes[f.Type] == "" {
		c.add(p+".type", errs.Enum, "тип поля: integer, decimal, text, date или choice")
		ok = false
	}
	switch {
	case f.Type == collectreportapi.Choice && len(f.Choices) == 0:
		c.add(p+".choices", errs.Required, "у поля выбора нет вариантов")
	case f.Type != collectreportapi.Choice && len(f.Choices) > 0:
		c.add(p+".choices", errs.Unknown, "варианты бывают только у поля выбора")
	}
	seen := map[string]bool{}
	for k, ch := range f.Choices {
		if strings.TrimSpace(ch) == "" || seen[ch] {
			c.add(fmt.Sprintf("%s.choices[%d]", p, k), collectreportapi.ReasonDuplicate, "вариант пуст или повторяется")
		}
		seen[ch] = true
	}
	agg := c.aggregate(p, f.Type, f.Aggregate)
	if ok {
		c.cell(Cell{Name: f.ID, Section: section, Type: f.Type, Unit: f.Unit, Required: f.Required, Choices: f.Choices, Aggregate: agg})
	}
}

func (c *compiler) table(p, section string, t collectreportapi.Table) {
	ok := c.name(p+".id", t.ID)
	c.text(p+".title", t.Title, 300, "название таблицы")
	if len(t.Rows) == 0 {
		c.add(p+".rows", errs.Required, "в таблице нет строк")
	}
	if len(t.Columns) == 0 {
		c.add(p+".columns", errs.Required, "в таблице нет граф")
	}
	rows, cols := map[string]bool{}, map[string]bool{}
	for i, r := range t.Rows {
		rp := fmt.Sprintf("%s.rows[%d]", p, i)
		if !idRe.MatchString(r.ID) || rows[r.ID] {
			c.add(rp+".id", collectreportapi.ReasonDuplicate, "строка «%s»: неверный или повторяющийся идентификатор", r.ID)
			ok = false
		}
		rows[r.ID] = true
		c.text(rp+".title", r.Title, 300, "название строки")
	}
	for i, col := range t.Columns {
		cp := fmt.Sprintf("%s.columns[%d]", p, i)
		if !idRe.MatchString(col.ID) || cols[col.ID] {
			c.add(cp+".id", collectreportapi.ReasonDuplicate, "графа «%s»: неверный или повторяющийся идентификатор", col.ID)
			ok = false
		}
		cols[col.ID] = true
		c.text(cp+".title", col.Title, 300, "название графы")
		if col.Type != collectreportapi.Integer && col.Type != collectreportapi.Decimal {
			c.add(cp+".type", errs.Enum, "графа таблицы: integer или decimal")
			ok = false
		}
		c.aggregate(cp, col.Type, col.Aggregate)
	}
	if !ok {
		return
	}
	c.f.tables[t.ID] = t
	if tableType(t) == collectreportapi.Decimal {
		c.f.decimal[t.ID] = true
	}
	for _, r := range t.Rows {
		for _, col := range t.Columns {
			c.cell(Cell{Name: t.ID + "." + r.ID + "." + col.ID, Section: section, Type: col.Type, Unit: col.Unit, Required: t.Required,
				Table: t.ID, Row: r.ID, Column: col.ID, Aggregate: c.aggregate("", col.Type, col.Aggregate)})
		}
	}
}

// aggregate is how a cell of type typ named agg is consolidated: sum by
// default for numbers; only numbers are consolidated. path "" checks
// nothing (the column was checked once).
func (c *compiler) aggregate(path, typ, agg string) string {
	numeric := typ == collectreportapi.Integer || typ == collectreportapi.Decimal
	switch {
	case agg == "" && numeric:
		return collectreportapi.Sum
	case agg == "":
		return ""
	case path != "" && !numeric:
		c.add(path+".aggregate", errs.Unknown, "сводятся только числа")
	case path != "" && collectreportapi.AggregateTitles[agg] == "":
		c.add(path+".aggregate", errs.Enum, "как сводить: sum, avg, min или max")
	}
	return agg
}

func (c *compiler) cell(cell Cell) {
	c.f.byName[cell.Name] = len(c.f.Cells)
	c.f.Cells = append(c.f.Cells, cell)
}

// Cell is the cell named name.
func (f *Form) Cell(name string) (Cell, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Cell{}, false
	}
	return f.Cells[i], true
}
