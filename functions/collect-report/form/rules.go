package form

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/interpreter"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/errs"
)

// env is the rules' environment: a variable per field (int, double or
// string), a map per table (row → column → int, or double when a column
// is decimal), and filled (cell name → whether it was filled).
func (f *Form) env() (*cel.Env, error) {
	opts := []cel.EnvOption{cel.Variable("filled", cel.MapType(cel.StringType, cel.BoolType))}
	for _, s := range f.Def.Sections {
		for _, fl := range s.Fields {
			opts = append(opts, cel.Variable(fl.ID, celType(fl.Type)))
		}
		for _, t := range s.Tables {
			if _, ok := f.tables[t.ID]; ok {
				opts = append(opts, cel.Variable(t.ID, cel.MapType(cel.StringType, cel.MapType(cel.StringType, celType(tableType(t))))))
			}
		}
	}
	return cel.NewEnv(opts...)
}

func celType(t string) *cel.Type {
	switch t {
	case collectreportapi.Integer:
		return cel.IntType
	case collectreportapi.Decimal:
		return cel.DoubleType
	}
	return cel.StringType
}

// tableType is the type a table's cells have in rules: decimal when any
// column is.
func tableType(t collectreportapi.Table) string {
	for _, c := range t.Columns {
		if c.Type == collectreportapi.Decimal {
			return collectreportapi.Decimal
		}
	}
	return collectreportapi.Integer
}

func (c *compiler) rules() {
	env, err := c.f.env()
	if err != nil {
		c.add("rules", collectreportapi.ReasonRule, "окружение правил не построено: %v", err)
		return
	}
	ids := map[string]bool{}
	for i, r := range c.f.Def.Rules {
		p := fmt.Sprintf("rules[%d]", i)
		if !idRe.MatchString(r.ID) || ids[r.ID] {
			c.add(p+".id", collectreportapi.ReasonDuplicate, "правило «%s»: неверный или повторяющийся идентификатор", r.ID)
		}
		ids[r.ID] = true
		c.text(p+".message", r.Message, 500, "сообщение правила")
		if utf8.RuneCountInString(r.Expr) > 4000 {
			c.add(p+".expr", errs.Length, "правило: до 4000 символов")
			continue
		}
		ast, iss := env.Compile(r.Expr)
		if iss != nil && iss.Err() != nil {
			c.add(p+".expr", collectreportapi.ReasonRule, "правило не разобрано: %s", strings.ReplaceAll(iss.Err().Error(), "\n", " "))
			continue
		}
		if !ast.OutputType().IsExactType(cel.BoolType) {
			c.add(p+".expr", collectreportapi.ReasonRule, "правило должно быть условием (true или false), а оно даёт %s", ast.OutputType())
			continue
		}
		if bad := c.unknownCells(ast); bad != "" {
			c.add(p+".expr", collectreportapi.ReasonRule, "в форме нет ячейки %s", bad)
			continue
		}
		prog, err := env.Program(ast)
		if err != nil {
			c.add(p+".expr", collectreportapi.ReasonRule, "правило не собрано: %v", err)
			continue
		}
		c.f.rules = append(c.f.rules, rule{def: r, prog: prog})
	}
}

// unknownCells names the first table.row or table.row.column the rule
// selects that the table does not have ("" when all exist).
func (c *compiler) unknownCells(ast *cel.Ast) string {
	var bad string
	celast.PostOrderVisit(ast.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if bad != "" || e.Kind() != celast.SelectKind {
			return
		}
		sel := e.AsSelect()
		op := sel.Operand()
		switch op.Kind() {
		case celast.IdentKind: // table.row
			if t, ok := c.f.tables[op.AsIdent()]; ok && !hasRow(t, sel.FieldName()) {
				bad = op.AsIdent() + "." + sel.FieldName()
			}
		case celast.SelectKind: // table.row.column
			inner := op.AsSelect()
			if id := inner.Operand(); id.Kind() == celast.IdentKind {
				if t, ok := c.f.tables[id.AsIdent()]; ok && hasRow(t, inner.FieldName()) && !hasColumn(t, sel.FieldName()) {
					bad = id.AsIdent() + "." + inner.FieldName() + "." + sel.FieldName()
				}
			}
		}
	}))
	return bad
}

func hasRow(t collectreportapi.Table, id string) bool {
	for _, r := range t.Rows {
		if r.ID == id {
			return true
		}
	}
	return false
}

func hasColumn(t collectreportapi.Table, id string) bool {
	for _, c := range t.Columns {
		if c.ID == id {
			return true
		}
	}
	return false
}

// Check checks values (cell name → the value as typed) against the form:
// every cell's own error first; when the cells are sound, every rule that
// fails. No violations: the values may be submitted.
func (f *Form) Check(values map[string]string) []collectreportapi.Violation {
	var out []collectreportapi.Violation
	for name := range values {
		if _, ok := f.byName[name]; !ok {
			out = append(out, collectreportapi.Violation{Cell: name, Message: "в форме нет такой ячейки"})
		}
	}
	typed := make(map[string]any, len(f.Cells))
	filled := make(map[string]bool, len(f.Cells))
	for _, c := range f.Cells {
		raw := strings.TrimSpace(values[c.Name])
		if raw == "" {
			if c.Required {
				out = append(out, collectreportapi.Violation{Cell: c.Name, Message: "обязательная ячейка не заполнена"})
			}
			continue
		}
		v, why := parse(c, raw)
		if why != "" {
			out = append(out, collectreportapi.Violation{Cell: c.Name, Message: why})
			continue
		}
		typed[c.Name], filled[c.Name] = v, true
	}
	if len(out) > 0 {
		return out
	}
	// Tables as maps of maps of any: CEL reads those without reflection.
	vars := map[string]any{"filled": filled}
	for _, c := range f.Cells {
		v, ok := typed[c.Name]
		if !ok {
			v = zero(c.Type)
		}
		if c.Table == "" {
			vars[c.Name] = v
			continue
		}
		t, _ := vars[c.Table].(map[string]any)
		if t == nil {
			t = map[string]any{}
			vars[c.Table] = t
		}
		row, _ := t[c.Row].(map[string]any)
		if row == nil {
			row = map[string]any{}
			t[c.Row] = row
		}
		if f.decimal[c.Table] {
			if i, ok := v.(int64); ok {
				v = float64(i)
			}
		}
		row[c.Column] = v
	}
	act, err := interpreter.NewActivation(vars)
	if err != nil {
		return append(out, collectreportapi.Violation{Message: "правила не вычислены: " + err.Error()})
	}
	for _, r := range f.rules {
		res, _, err := r.prog.Eval(act)
		switch {
		case err != nil:
			out = append(out, collectreportapi.Violation{Rule: r.def.ID, Message: "правило не вычислено: " + err.Error()})
		case res.Value() != true:
			out = append(out, collectreportapi.Violation{Rule: r.def.ID, Message: r.def.Message})
		}
	}
	return out
}

func zero(t string) any {
	switch t {
	case collectreportapi.Integer:
		return int64(0)
	case collectreportapi.Decimal:
		return float64(0)
	}
	return ""
}

// spaces are what people put between a number's thousands; decimalComma
// also reads a decimal comma as a point.
var (
	spaces       = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "")
	decimalComma = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".")
)

// parse reads raw as cell c's type; why says what is wrong with it.
func parse(c Cell, raw string) (any, string) {
	switch c.Type {
	case collectreportapi.Integer:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			n, err = strconv.ParseInt(spaces.Replace(raw), 10, 64)
		}
		if err != nil {
			return nil, "нужно целое число"
		}
		if n < 0 {
			return nil, "число не может быть отрицательным"
		}
		return n, ""
	case collectreportapi.Decimal:
		x, err := strconv.ParseFloat(decimalComma.Replace(raw), 64)
		if err != nil {
			return nil, "нужно число"
		}
		return x, ""
	case collectreportapi.Date:
		for _, layout := range []string{time.DateOnly, "02.01.2006"} {
			if d, err := time.Parse(layout, raw); err == nil {
				return d.Format(time.DateOnly), ""
			}
		}
		return nil, "нужна дата: ГГГГ-ММ-ДД или ДД.ММ.ГГГГ"
	case collectreportapi.Choice:
		for _, ch := range c.Choices {
			if ch == raw {
				return raw, ""
			}
		}
		return nil, "значение не из списка"
	}
	if utf8.RuneCountInString(raw) > 2000 {
		return nil, "текст: до 2000 символов"
	}
	return raw, ""
}
