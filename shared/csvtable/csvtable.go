// Package csvtable reads the CSV files that schools and municipalities upload
// (exported from spreadsheets and older systems): UTF-8 with or without a BOM or
// Windows-1251, ';' or ',' by the header line, and reports problems by the line
// a clerk sees in the spreadsheet. An import that finds any problem writes
// nothing; Report collects them all first.
package csvtable

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/kuzbass/eko/shared/errs"
)

// maxReportedErrors bounds a report; the total is always given.
const maxReportedErrors = 1000

// RowError is one problem of a file. Row is the line number in the file, the
// header being line 1.
type RowError struct {
	Row     int         `json:"row"`
	Column  string      `json:"column,omitempty"`
	Code    errs.Reason `json:"code"`
	Message string      `json:"message"`
}

// Reasons of a file's lines, beyond errs.Common's.
const (
	// ReasonCSV is a line the CSV reader could not read (a stray quote).
	ReasonCSV errs.Reason = "csv"
	// ReasonRepeated is a line that repeats an earlier line of the file.
	ReasonRepeated errs.Reason = "duplicate"
	// ReasonExists is a line whose object is already stored.
	ReasonExists errs.Reason = "exists"
	// ReasonNotYours is a line about an organisation or municipality the
	// uploader has no rights on.
	ReasonNotYours errs.Reason = "forbidden"
	// ReasonColumns is a header with a column the kind of file does not
	// have, or one column twice: its data would be lost.
	ReasonColumns errs.Reason = "columns"
	// ReasonWorkbook is an Excel workbook sent as CSV.
	ReasonWorkbook errs.Reason = "workbook"
)

// Members of an import's refusal.
const (
	MemberErrors         = "errors"          // the file's problems, []RowError
	MemberMissingColumns = "missing_columns" // required columns the header lacks
	MemberRowsTotal      = "rows_total"      // how many lines were read
	MemberErrorsTotal    = "errors_total"    // how many problems (errors holds the first 1000)
	MemberUnknownColumns = "unknown_columns" // columns of the header the kind does not have, or has twice
	MemberKnownColumns   = "known_columns"   // the columns the kind has
)

// Problems is what an import's refusal carries, for the vocabularies of the
// functions that import files.
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonCSV:      "строка CSV не читается",
		ReasonRepeated: "повтор строки файла",
		ReasonExists:   "уже есть в реестре",
		ReasonNotYours: "нет прав на эту организацию",
		ReasonColumns:  "неизвестный или повторённый столбец",
		ReasonWorkbook: "файл Excel вместо CSV",
	},
	Members: map[string]string{
		MemberErrors:         "ошибки файла: строка, столбец, код, сообщение",
		MemberMissingColumns: "обязательные столбцы, которых нет в заголовке",
		MemberRowsTotal:      "сколько строк прочитано",
		MemberErrorsTotal:    "сколько ошибок найдено (в errors — первые 1000)",
		MemberUnknownColumns: "столбцы заголовка, которых нет у этого вида файла, или повторённые",
		MemberKnownColumns:   "столбцы этого вида файла",
	},
}

// Table is a decoded file: the header's columns (lower-cased) and the rows.
type Table struct {
	col  map[string]int
	Rows [][]string
}

// Get returns the trimmed value of column name in row, or "".
func (t *Table) Get(row []string, name string) string {
	i, ok := t.col[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// hasData reports whether any row has a value in column i.
func (t *Table) hasData(i int) bool {
	for _, row := range t.Rows {
		if i < len(row) && strings.TrimSpace(row[i]) != "" {
			return true
		}
	}
	return false
}

// Has reports whether the header names column name.
func (t *Table) Has(name string) bool { _, ok := t.col[name]; return ok }

// ReadBody reads an uploaded CSV file of at most max bytes: it must be sent as
// text/csv; its charset comes from the Content-Type or ?encoding=.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) (body []byte, charset string, err error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "text/csv" && mt != "application/csv") {
		return nil, "", errs.User(errs.UnsupportedMedia, "отправьте файл CSV с Content-Type: text/csv")
	}
	if r.ContentLength > max {
		return nil, "", errs.User(errs.TooLarge, "файл больше %d МБ; разделите его на части", max>>20)
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", errs.User(errs.TooLarge, "файл больше %d МБ; разделите его на части", max>>20)
		}
		return nil, "", errs.User(errs.Invalid, "файл не получен целиком")
	}
	charset = params["charset"]
	if q := r.URL.Query().Get("encoding"); q != "" {
		charset = q
	}
	return body, charset, nil
}

// Columns are the columns of a kind of file: those every file must have and
// those it may have. Any other column is refused, so that a misspelt one
// («snils_number» for «snils») does not lose its data in silence.
type Columns struct{ Required, Optional []string }

// Known lists every column of the kind, the required first.
func (c Columns) Known() []string { return append(slices.Clone(c.Required), c.Optional...) }

// The first bytes of a workbook: XLSX (a ZIP archive) and the older XLS.
var workbookMagic = [][]byte{[]byte("PK\x03\x04"), {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}}

// Read decodes body (UTF-8 with or without BOM, or Windows-1251: declared by
// charset, or detected when undeclared and not valid UTF-8) and parses it with
// the delimiter of its header line. The header must name every required
// column of cols, and no column cols does not know, and none twice; a workbook
// sent as CSV is recognised as one.
func Read(body []byte, charset string, cols Columns) (*Table, error) {
	for _, magic := range workbookMagic {
		if bytes.HasPrefix(body, magic) {
			return nil, &errs.Error{Code: errs.UnsupportedMedia, ForUser: true, Reason: ReasonWorkbook,
				Detail: "это файл Excel, а не CSV: сохраните его как CSV (в Excel: «Файл» → «Сохранить как» → «CSV (разделители — точки с запятой)») и отправьте снова"}
		}
	}
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8":
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(body) {
			if charset != "" {
				return nil, errs.User(errs.Unprocessable, "файл не в кодировке UTF-8; сохраните его как UTF-8 или укажите charset=windows-1251")
			}
			charset = "windows-1251"
		}
	case "windows-1251", "cp1251":
	default:
		return nil, errs.User(errs.UnsupportedMedia, "кодировка %q не поддерживается: UTF-8 или Windows-1251", charset)
	}
	if strings.EqualFold(charset, "windows-1251") || strings.EqualFold(charset, "cp1251") {
		dec, err := charmap.Windows1251.NewDecoder().Bytes(body)
		if err != nil {
			return nil, errs.User(errs.Unprocessable, "файл не читается как Windows-1251")
		}
		body = dec
	}
	header, _, _ := bytes.Cut(body, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	if bytes.Count(header, []byte(",")) > bytes.Count(header, []byte(";")) {
		r.Comma = ','
	}
	all, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: "файл не разбирается как CSV",
				Extra: map[string]any{MemberErrors: []RowError{{Row: pe.Line, Code: ReasonCSV, Message: pe.Err.Error()}}}}
		}
		return nil, errs.User(errs.Unprocessable, "файл не разбирается как CSV: %v", err)
	}
	if len(all) < 2 {
		return nil, errs.User(errs.Unprocessable, "в файле нет строк с данными")
	}
	t := &Table{col: map[string]int{}, Rows: all[1:]}
	known := cols.Known()
	var unknown []string
	for i, h := range all[0] {
		name := strings.ToLower(strings.TrimSpace(h))
		_, twice := t.col[name]
		switch {
		case name == "" && !t.hasData(i):
			continue // an empty column after the last one, as spreadsheets save them
		case name == "":
			unknown = append(unknown, fmt.Sprintf("(столбец %d без названия)", i+1))
		case twice:
			unknown = append(unknown, name+" (дважды)")
		case !slices.Contains(known, name):
			unknown = append(unknown, name)
		}
		t.col[name] = i
	}
	if len(unknown) > 0 {
		return nil, &errs.Error{Code: errs.Unprocessable, ForUser: true, Reason: ReasonColumns,
			Detail: "в заголовке файла неизвестные столбцы: " + strings.Join(unknown, ", ") + "; столбцы этого файла: " + strings.Join(known, ", "),
			Extra:  map[string]any{MemberUnknownColumns: unknown, MemberKnownColumns: known}}
	}
	var missing []string
	for _, c := range cols.Required {
		if !t.Has(c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: "в файле нет обязательных столбцов: " + strings.Join(missing, ", "),
			Extra: map[string]any{MemberMissingColumns: missing}}
	}
	return t, nil
}

// Report collects the problems of a file.
type Report struct {
	errs  []RowError
	total int
}

// Add records a problem of line row, column col.
func (rp *Report) Add(row int, col string, code errs.Reason, msg string) {
	rp.total++
	if len(rp.errs) < maxReportedErrors {
		rp.errs = append(rp.errs, RowError{Row: row, Column: col, Code: code, Message: msg})
	}
}

// Clean reports whether no problem has been recorded.
func (rp *Report) Clean() bool { return rp.total == 0 }

// Err is nil without problems, else a 422 naming every problem (up to a
// thousand) of a file of rows data lines.
func (rp *Report) Err(rows int) error {
	if rp.total == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Unprocessable, ForUser: true,
		Detail: fmt.Sprintf("в файле %d ошибок; ничего не загружено — исправьте строки и загрузите файл снова", rp.total),
		Extra:  map[string]any{MemberRowsTotal: rows, MemberErrorsTotal: rp.total, MemberErrors: rp.errs}}
}

// ParseDate accepts YYYY-MM-DD and DD.MM.YYYY.
func ParseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
