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
)

// Members of an import's refusal.
const (
	MemberErrors         = "errors"          // the file's problems, []RowError
	MemberMissingColumns = "missing_columns" // required columns the header lacks
	MemberRowsTotal      = "rows_total"      // how many lines were read
	MemberErrorsTotal    = "errors_total"    // how many problems (errors holds the first 1000)
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
	},
	Members: map[string]string{
		MemberErrors:         "ошибки файла: строка, столбец, код, сообщение",
		MemberMissingColumns: "обязательные столбцы, которых нет в заголовке",
		MemberRowsTotal:      "сколько строк прочитано",
		MemberErrorsTotal:    "сколько ошибок найдено (в errors — первые 1000)",
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

// Read decodes body (UTF-8 with or without BOM, or Windows-1251: declared by
// charset, or detected when undeclared and not valid UTF-8) and parses it with
// the delimiter of its header line. Every column of required must be present.
func Read(body []byte, charset string, required []string) (*Table, error) {
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
	for i, h := range all[0] {
		t.col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var missing []string
	for _, c := range required {
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
