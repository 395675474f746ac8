package collectreportapi

import "time"

// Definition is a form as data: sections of scalar fields and fixed tables,
// and rules over their cells. The ministry uploads it as JSON; each upload
// of a code is its next version, and a campaign pins one version.
type Definition struct {
	// Code names the form across its versions: "oo1-pupils".
	Code     string    `json:"code"`
	Title    string    `json:"title"`
	Sections []Section `json:"sections"`
	Rules    []Rule    `json:"rules"`
	// Prefill binds cells to EKO's data: cell name → source, as
	// "registry.pupils?grade=1&gender=F" (see Sources). Such a cell is
	// filled when the campaign opens, and keeps where its number came from.
	Prefill map[string]string `json:"prefill,omitempty"`
}

// Sources are what a cell can be prefilled from, with the parameters each
// takes. Counts only: no source names a person.
var Sources = map[string]string{
	"registry.pupils":            "обучающиеся и воспитанники на дату: grade=1 или 1-4 (класс), age=3 или 3-6 или 7- (полных лет), gender=M или F",
	"registry.staff":             "работники по должностям на дату: role=teacher или teacher,deputy_director",
	"queue.waiting":              "детей в очереди в детский сад сейчас: age=3 или 1-3 (возрастная группа), first=true — только указавших его первым",
	"services.applications":      "заявлений в организацию, поданных за days дней: service=kindergarten, first_grade или additional_education; status=…; channel=cabinet или epgu",
	"services.in_time":           "заявлений, решённых в срок, из поданных за days дней (service=…)",
	"services.late":              "заявлений, решённых с нарушением срока, из поданных за days дней (service=…)",
	"services.overdue":           "заявлений без решения с истёкшим сроком, из поданных за days дней (service=…)",
	"journal.lessons":            "проведено уроков за days дней (по умолчанию 30)",
	"journal.without_attendance": "уроков без отметки посещаемости за days дней",
	"journal.marks":              "выставлено отметок за days дней",
	"journal.absences":           "пропусков за days дней",
	"journal.average":            "средний балл за days дней (дробное число)",
	"journal.attendance":         "посещаемость за days дней, % (дробное число)",
}

// Section is a part of a form: scalar fields, tables, or both.
type Section struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Fields []Field `json:"fields,omitempty"`
	Tables []Table `json:"tables,omitempty"`
}

// Field is one scalar cell. Its ID is the name rules use for it.
type Field struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Type     string   `json:"type"` // integer | decimal | text | date | choice
	Unit     string   `json:"unit,omitempty"`
	Required bool     `json:"required,omitempty"`
	Choices  []string `json:"choices,omitempty"` // a choice field's options
	// Aggregate is how a numeric field is consolidated across
	// organisations: sum (the default), avg, min or max.
	Aggregate string `json:"aggregate,omitempty"`
}

// Table is a fixed grid: rows × columns, as in ОО-1's sections. Rules name a
// cell table.row.column.
type Table struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Rows     []Header `json:"rows"`
	Columns  []Column `json:"columns"`
	Required bool     `json:"required,omitempty"` // every cell required
}

// Header is a row of a table: its id and its title.
type Header struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Column is a column of a table, with the type of its cells.
type Column struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Type  string `json:"type"` // integer | decimal
	Unit  string `json:"unit,omitempty"`
	// Aggregate is how the column's cells are consolidated: sum (the
	// default), avg, min or max.
	Aggregate string `json:"aggregate,omitempty"`
}

// Rule is a condition the filled form must meet, in CEL over the form's
// cells (a field by its id, a table's cell as table.row.column; an empty
// cell is 0 in arithmetic through value(), and has() tells whether it is
// filled), with the message people see when it fails.
type Rule struct {
	ID      string `json:"id"`
	Expr    string `json:"expr"`
	Message string `json:"message"`
}

// Cell types.
const (
	Integer = "integer"
	Decimal = "decimal"
	Text    = "text"
	Date    = "date"
	Choice  = "choice"
)

// Aggregations: how a numeric cell is consolidated across organisations.
const (
	Sum = "sum"
	Avg = "avg"
	Min = "min"
	Max = "max"
)

// AggregateTitles name the aggregations for people.
var AggregateTitles = map[string]string{Sum: "сумма", Avg: "среднее", Min: "наименьшее", Max: "наибольшее"}

// CellTypes name the cell types for people.
var CellTypes = map[string]string{
	Integer: "целое число",
	Decimal: "число",
	Text:    "текст",
	Date:    "дата",
	Choice:  "выбор из списка",
}

// Version is a stored version of a definition.
type Version struct {
	Code       string     `json:"code"`
	Version    int        `json:"version"`
	Title      string     `json:"title"`
	Definition Definition `json:"definition"`
	Cells      int        `json:"cells"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
}

// Preview is what checking a definition answers: the cells it makes and
// the rules over them, or (as a 422's field errors) every error by its
// path in the JSON ("sections[1].tables[0].columns[2].type").
type Preview struct {
	Code  string   `json:"code"`
	Title string   `json:"title"`
	Cells []string `json:"cells"` // every cell's name, in order
	Rules int      `json:"rules"`
}

// Violation is a rule a set of values fails, or a cell's own error. From
// an uploaded workbook, a cell's error also names its sheet and address.
type Violation struct {
	Rule    string `json:"rule,omitempty"`
	Cell    string `json:"cell,omitempty"`
	Sheet   string `json:"sheet,omitempty"`
	Address string `json:"address,omitempty"` // "C5"
	Message string `json:"message"`
}

// Upload is what uploading a filled workbook answers: the submission with
// the workbook's values saved as its draft, and the rules it still fails
// (it is submitted apart, when none).
type Upload struct {
	Submission Submission  `json:"submission"`
	Violations []Violation `json:"violations"`
}
