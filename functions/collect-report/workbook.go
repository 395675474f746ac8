package collectreport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The workbook to fill offline: a sheet per section (its fields as rows of
// «Показатель | Значение | Единица», each table as a grid under its title),
// and a hidden sheet «_eko» naming the form, its version and every cell's
// sheet and address, so that an upload is read back cell by cell.
const metaSheet = "_eko"

// maxWorkbook bounds an uploaded workbook.
const maxWorkbook = 5 << 20

// place is where a cell stands in the workbook.
type place struct{ sheet, address string }

// layout places every cell of fm: sheets by section, in the form's order.
func layout(fm *form.Form) (map[string]place, []string) {
	at := map[string]place{}
	var sheets []string
	for i, s := range fm.Def.Sections {
		sheet := sheetName(i, s.Title)
		sheets = append(sheets, sheet)
		row := 3
		for _, f := range s.Fields {
			at[f.ID] = place{sheet, "B" + strconv.Itoa(row)}
			row++
		}
		for _, t := range s.Tables {
			row += 2 // a blank row, the table's title
			header := row
			for j, r := range t.Rows {
				for k, c := range t.Columns {
					addr, _ := excelize.CoordinatesToCellName(k+2, header+1+j)
					at[t.ID+"."+r.ID+"."+c.ID] = place{sheet, addr}
				}
			}
			row = header + 1 + len(t.Rows)
		}
	}
	return at, sheets
}

// sheetName is a section's sheet: «N. Title», within Excel's 31 characters.
func sheetName(i int, title string) string {
	name := strconv.Itoa(i+1) + ". " + strings.NewReplacer("[", "(", "]", ")", ":", " ", "*", " ", "?", " ", "/", " ", "\\", " ").Replace(title)
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	return name
}

// template: GET /api/collect-report/submissions/{id}/template.xlsx — the
// submission's form as a workbook, its current values filled in.
func (f *Function) template(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	s, err := loadSubmission(ctx, f.db, id, false)
	if err != nil {
		return err
	}
	if s == nil || Rules.RequireOr(ctx, PermRead, reader(*s), theSubmission) != nil {
		return theSubmission
	}
	c, err := f.loadCampaign(ctx, f.db, s.CampaignID)
	if err != nil {
		return err
	}
	fm, err := f.form(ctx, f.db, c.Code, c.Version)
	if err != nil {
		return err
	}
	book, err := templateOf(fm, c, s)
	if err != nil {
		return err
	}
	defer book.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="eko-%s-v%d-%s.xlsx"`, c.Code, c.Version, s.ID.String()[:8]))
	return book.Write(w)
}

func templateOf(fm *form.Form, c *collectreportapi.Campaign, s *collectreportapi.Submission) (*excelize.File, error) {
	book := excelize.NewFile()
	at, sheets := layout(fm)
	for i, sec := range fm.Def.Sections {
		if i == 0 {
			if err := book.SetSheetName("Sheet1", sheets[0]); err != nil {
				return nil, err
			}
		} else if _, err := book.NewSheet(sheets[i]); err != nil {
			return nil, err
		}
		sheet := sheets[i]
		_ = book.SetCellStr(sheet, "A1", c.Title+" — "+sec.Title)
		_ = book.SetColWidth(sheet, "A", "A", 48)
		row := 3
		for _, fl := range sec.Fields {
			_ = book.SetCellStr(sheet, "A"+strconv.Itoa(row), fl.Title)
			_ = book.SetCellStr(sheet, "C"+strconv.Itoa(row), fl.Unit)
			row++
		}
		for _, t := range sec.Tables {
			row += 2
			_ = book.SetCellStr(sheet, "A"+strconv.Itoa(row-1), t.Title)
			for k, col := range t.Columns {
				addr, _ := excelize.CoordinatesToCellName(k+2, row)
				_ = book.SetCellStr(sheet, addr, col.Title)
			}
			for j, r := range t.Rows {
				_ = book.SetCellStr(sheet, "A"+strconv.Itoa(row+1+j), r.Title)
			}
			row += 1 + len(t.Rows)
		}
	}
	if _, err := book.NewSheet(metaSheet); err != nil {
		return nil, err
	}
	_ = book.SetCellStr(metaSheet, "A1", fm.Def.Code)
	_ = book.SetCellInt(metaSheet, "B1", int64(c.Version))
	_ = book.SetCellStr(metaSheet, "C1", s.ID.String())
	for i, cell := range fm.Cells {
		p := at[cell.Name]
		n := strconv.Itoa(i + 2)
		_ = book.SetCellStr(metaSheet, "A"+n, cell.Name)
		_ = book.SetCellStr(metaSheet, "B"+n, p.sheet)
		_ = book.SetCellStr(metaSheet, "C"+n, p.address)
		if v := s.Values[cell.Name]; v != "" {
			if x, err := strconv.ParseFloat(v, 64); err == nil && (cell.Type == "integer" || cell.Type == "decimal") {
				_ = book.SetCellFloat(p.sheet, p.address, x, -1, 64)
			} else {
				_ = book.SetCellStr(p.sheet, p.address, v)
			}
		}
	}
	if err := book.SetSheetVisible(metaSheet, false, true); err != nil {
		return nil, err
	}
	return book, nil
}

// upload: POST /api/collect-report/submissions/{id}/upload?version=N — a
// workbook filled offline. It must be this submission's template (its form
// and version); every cell is read as a value (a formula's cached value:
// nothing in it is evaluated); a cell of the wrong type refuses the whole
// upload, each error naming its sheet and cell; otherwise the values are
// saved as the draft and the answer lists the rules still failing.
func (f *Function) upload(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	version, err := strconv.Atoi(r.URL.Query().Get("version"))
	if err != nil {
		return errs.Fields("книга не принята", field("version", errs.Required, "укажите версию отчёта, которую вы видели"))
	}
	// Whose it is comes first: a stranger learns nothing of the workbook.
	if s, err := loadSubmission(ctx, f.db, id, false); err != nil || s == nil || Rules.RequireOr(ctx, PermFill, filler(*s), theSubmission) != nil {
		if err != nil {
			return err
		}
		return theSubmission
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWorkbook))
	if err != nil {
		return errs.User(errs.TooLarge, "книга больше 5 МиБ")
	}
	book, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		return unprocessable("это не книга Excel (.xlsx)", field("file", collectreportapi.ReasonWorkbook, "загрузите файл .xlsx, выгруженный из ЭКО"))
	}
	defer book.Close()
	var out collectreportapi.Upload
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, fm, _, err := f.open(ctx, tx, id, version)
		if err != nil {
			return err
		}
		c, err := f.loadCampaign(ctx, tx, s.CampaignID)
		if err != nil {
			return err
		}
		code, _ := book.GetCellValue(metaSheet, "A1")
		ver, _ := book.GetCellValue(metaSheet, "B1")
		if code != c.Code || ver != strconv.Itoa(c.Version) {
			return unprocessable(fmt.Sprintf("книга не по форме «%s», версия %d: скачайте бланк заново", c.Code, c.Version),
				field("file", collectreportapi.ReasonWorkbook, "другая форма или версия"))
		}
		at, _ := layout(fm)
		values := map[string]string{}
		for _, cell := range fm.Cells {
			p := at[cell.Name]
			v, err := book.GetCellValue(p.sheet, p.address, excelize.Options{RawCellValue: true})
			if err != nil {
				return unprocessable("в книге нет листа «"+p.sheet+"»", field("file", collectreportapi.ReasonWorkbook, "лист удалён или переименован"))
			}
			if v = strings.TrimSpace(v); v != "" {
				values[cell.Name] = v
			}
		}
		var cellErrors []collectreportapi.Violation
		for _, v := range fm.Check(values) {
			if v.Cell != "" {
				p := at[v.Cell]
				v.Sheet, v.Address = p.sheet, p.address
				v.Message = fmt.Sprintf("лист «%s», ячейка %s: %s", p.sheet, p.address, v.Message)
				cellErrors = append(cellErrors, v)
			} else {
				out.Violations = append(out.Violations, v)
			}
		}
		if len(cellErrors) > 0 {
			return &errs.Error{Code: errs.Unprocessable, ForUser: true, Reason: collectreportapi.ReasonRulesFail,
				Detail: "книга не принята: " + strconv.Itoa(len(cellErrors)) + " ошибок в ячейках", Extra: map[string]any{collectreportapi.MemberViolations: cellErrors}}
		}
		if s.State == collectreportapi.Returned {
			if name := changedBeyond(s, values); name != "" {
				p := at[name]
				return unprocessable(fmt.Sprintf("книга не принята: лист «%s», ячейка %s не возвращена на доработку", p.sheet, p.address),
					field("values."+name, collectreportapi.ReasonState, "эта ячейка не возвращена на доработку"))
			}
		}
		// A workbook carries no reasons: a prefilled cell is corrected on
		// the page, with its comment, or keeps its number.
		fixes, missing, _ := corrected(s, values, nil, subject(ctx), f.Time())
		if missing != "" {
			p := at[missing]
			return refuseUncommented(missing, fmt.Sprintf("лист «%s», ячейка %s: ", p.sheet, p.address), s.Prefill[missing])
		}
		if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET "values" = $2, corrections = $3, version = version + 1, updated_at = clock_timestamp(),
			updated_by = $4 WHERE id = $1`, id, values, fixes, subject(ctx)); err != nil {
			return err
		}
		saved, err := loadSubmission(ctx, tx, id, false)
		if err == nil {
			out.Submission = *saved
		}
		return err
	})
	if out.Violations == nil {
		out.Violations = []collectreportapi.Violation{}
	}
	return httpx.Reply(w, http.StatusOK, out, err)
}
