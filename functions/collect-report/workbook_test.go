package collectreport_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/ekotest"
)

// workbookCall sends body as a workbook upload of submission id at version.
func workbookCall(t *testing.T, a *ekotest.API, id string, version int, body []byte) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("%s/submissions/%s/upload?version=%d", api, id, version), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	rec := a.Sys.Call(t, "director-s1", req)
	return rec.Code, rec.Body.String()
}

// director-s1 fills the report offline: downloads the workbook EKO makes
// for it, fills it in Excel and uploads it. A text in a number's cell
// refuses the upload, naming its sheet and cell; a formula is never
// evaluated; the values are saved with the rules still failing listed; a
// workbook of another form, or no workbook at all, is refused.
func TestWorkbookRoundTrip(t *testing.T) {
	a := newAPI(t)
	a.Must(http.MethodPost, api+"/definitions", "ministry", form, http.StatusCreated, nil)
	c := campaign(a, "Приказ", false)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	var mine []collectreportapi.Submission
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/submissions", "director-s1", "", http.StatusOK, &mine)
	id := mine[0].ID.String()

	rec := a.Sys.Call(t, "director-s1", httptest.NewRequest(http.MethodGet, api+"/submissions/"+id+"/template.xlsx", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("the template: %d %s", rec.Code, rec.Body)
	}
	template := rec.Body.Bytes()
	fill := func(values map[string]any) []byte {
		t.Helper()
		book, err := excelize.OpenReader(bytes.NewReader(template))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := book.GetRows("_eko")
		at := map[string][2]string{}
		for _, r := range rows[1:] {
			at[r[0]] = [2]string{r[1], r[2]}
		}
		for name, v := range values {
			p := at[name]
			switch x := v.(type) {
			case int:
				_ = book.SetCellInt(p[0], p[1], int64(x))
			case string:
				if strings.HasPrefix(x, "=") {
					_ = book.SetCellFormula(p[0], p[1], x[1:])
				} else {
					_ = book.SetCellStr(p[0], p[1], x)
				}
			}
		}
		var buf bytes.Buffer
		if err := book.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	book, _ := excelize.OpenReader(bytes.NewReader(template))
	if title, _ := book.GetCellValue("1. Обучающиеся", "A1"); !strings.Contains(title, "Обучающиеся") {
		t.Fatalf("the template's first sheet: %q", title)
	}

	code, body := workbookCall(t, a, id, 1, fill(map[string]any{"pupils.g1.all": "тридцать", "pupils.total.all": 30}))
	p := a.Refused(code, body, http.StatusUnprocessableEntity, "")
	if !strings.Contains(body, `"sheet":"1. Обучающиеся"`) || !strings.Contains(body, `"address":"B`) || p.Detail == "" {
		t.Fatalf("a text in a number's cell: %s", body)
	}

	code, body = workbookCall(t, a, id, 1, fill(map[string]any{"pupils.g1.all": "=10*3", "pupils.total.all": 30}))
	if code != http.StatusOK || a.One(`SELECT coalesce("values"->>'pupils.g1.all', '')  FROM reports.submissions WHERE id = $1`, id) != "" {
		t.Fatalf("a formula was evaluated: %d %s", code, body)
	}
	if !strings.Contains(body, "Строка «Всего» не равна сумме") {
		t.Fatalf("the rules still failing are not listed: %s", body)
	}
	code, body = workbookCall(t, a, id, 2, fill(map[string]any{"pupils.g1.all": 30, "pupils.total.all": 30}))
	if code != http.StatusOK || !strings.Contains(body, `"violations":[]`) {
		t.Fatalf("a sound workbook: %d %s", code, body)
	}

	a.Must(http.MethodPost, api+"/submissions/"+id+"/submit", "director-s1", `{"version":3}`, http.StatusOK, nil)

	other := excelize.NewFile()
	var buf bytes.Buffer
	_ = other.Write(&buf)
	a.Sys.DB.Exec(t, `UPDATE reports.submissions SET state = 'draft' WHERE id = $1`, id)
	code, body = workbookCall(t, a, id, 4, buf.Bytes())
	a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonWorkbook))
	code, body = workbookCall(t, a, id, 4, []byte("Организация;Всего\nШкола;30\n"))
	a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonWorkbook))
}
