package collectreport_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// The region's consolidation sums what the schools sent in; the dashboard
// counts them by municipality (Kemerovo's official sees Kemerovo only);
// the XLSX names organisations, freezes its headers and keeps numbers as
// numbers; the CSV comes in Windows-1251 too, and a value a spreadsheet
// would run as a formula is written so it does not run.
func TestConsolidationAndExports(t *testing.T) {
	a := newAPI(t)
	withText := strings.Replace(form, `"sections": [{"id": "s1", "title": "Обучающиеся", "tables"`,
		`"sections": [{"id": "s0", "title": "Примечание", "fields": [{"id": "note", "title": "Примечание", "type": "text"}]}, {"id": "s1", "title": "Обучающиеся", "tables"`, 1)
	a.Must(http.MethodPost, api+"/definitions", "ministry", withText, http.StatusCreated, nil)
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"oo1-pupils","version":1,"title":"ОО-1","legal_basis":"Приказ",
		"opens_at":%q,"closes_at":%q,"targets":{"kinds":["school"]}}`, now.Add(-time.Hour).Format("2006-01-02T15:04"), now.Add(time.Hour).Format("2006-01-02T15:04")),
		http.StatusCreated, &c)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	kem := a.One(`SELECT id::text FROM registry.municipalities WHERE code = 'kemerovo'`)
	// Two Kemerovo schools send in, written as their directors would have (the test has one director login).
	ids := strings.Fields(a.One(`SELECT string_agg(s.id::text, ' ') FROM (SELECT s.id FROM reports.submissions s WHERE s.campaign_id = $1 AND s.municipality_id = $2
		ORDER BY s.id LIMIT 2) s`, c.ID, kem))
	if len(ids) != 2 {
		t.Fatalf("Kemerovo's schools: %v", ids)
	}
	for i, id := range ids {
		vals := fmt.Sprintf(`{"pupils.g1.all":"%d","pupils.total.all":"%d","note":"=HYPERLINK(\"http://evil\")"}`, 10*(i+1), 10*(i+1))
		a.Sys.DB.Exec(t, `UPDATE reports.submissions SET "values" = $2, state = 'submitted', submitted_at = now() WHERE id = $1`, id, vals)
	}
	var cons collectreportapi.Consolidation
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/consolidation", "ministry", "", http.StatusOK, &cons)
	sum := map[string]float64{}
	for _, cell := range cons.Cells {
		sum[cell.Name] = cell.Value
	}
	if cons.Included != 2 || sum["pupils.g1.all"] != 30 || sum["pupils.total.all"] != 30 || len(cons.Cells) != 4 {
		t.Fatalf("the region's consolidation: %+v", cons)
	}
	var d collectreportapi.Dashboard
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/dashboard", "ministry", "", http.StatusOK, &d)
	if d.Totals.Submitted != 2 || d.Totals.Expected < 3 || d.Totals.OnTime != 2 || len(d.Municipalities) < 2 || d.Municipalities[0].Name == "" {
		t.Fatalf("the ministry's dashboard: %+v", d)
	}
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/dashboard", "mun-kemerovo", "", http.StatusOK, &d)
	if len(d.Municipalities) != 1 || d.Municipalities[0].MunicipalityID.String() != kem || d.Totals.Submitted != 2 {
		t.Fatalf("Kemerovo's dashboard: %+v", d)
	}
	if code, _ := a.Call(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/dashboard?municipality="+kem, "mun-novokuznetsk", ""); code != http.StatusNotFound {
		t.Fatalf("Novokuznetsk reads Kemerovo's dashboard: %d", code)
	}

	rec := a.Sys.Call(t, "ministry", httptest.NewRequest(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/export.xlsx", nil))
	book, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("the workbook: %d %v", rec.Code, err)
	}
	orgs, _ := book.GetRows("Организации")
	if len(orgs) != 3 || len(orgs[1]) < 4 || orgs[1][0] == "" || orgs[1][2] != "10" {
		t.Fatalf("the organisations' sheet: %v", orgs)
	}
	if _, err := uuid.Parse(orgs[1][0]); err == nil {
		t.Fatalf("an organisation named by its id: %v", orgs[1])
	}
	total, _ := book.GetCellValue("Свод", "C2")
	if typ, _ := book.GetCellType("Организации", "C2"); typ == excelize.CellTypeFormula {
		t.Fatal("a text value became a formula")
	}
	if f, _ := book.GetCellFormula("Организации", "B2"); f != "" {
		t.Fatalf("a cell runs %q", f)
	}
	if total != "30" {
		t.Fatalf("the consolidation sheet's first total: %q", total)
	}
	if panes, err := book.GetPanes("Организации"); err != nil || !panes.Freeze {
		t.Fatalf("the header is not frozen: %+v %v", panes, err)
	}

	rec = a.Sys.Call(t, "ministry", httptest.NewRequest(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/export.csv?charset=windows-1251", nil))
	text, err := charmap.Windows1251.NewDecoder().String(rec.Body.String())
	if rec.Code != http.StatusOK || err != nil || !strings.Contains(text, "Организация;") || !strings.Contains(text, `'=HYPERLINK`) {
		t.Fatalf("the CSV: %d %v %.400s", rec.Code, err, text)
	}
}

// Each numeric cell is consolidated as its definition says: summed unless
// it names avg, min or max (those over the organisations that filled it);
// text is not consolidated, and asking to aggregate it is an error.
func TestAggregations(t *testing.T) {
	a := newAPI(t)
	def := `{"code":"staffing","title":"Кадры","sections":[{"id":"s","title":"Кадры","fields":[
		{"id":"teachers","title":"Учителей","type":"integer"},
		{"id":"load","title":"Средняя нагрузка","type":"decimal","aggregate":"avg"},
		{"id":"oldest","title":"Старший возраст","type":"integer","aggregate":"max"},
		{"id":"youngest","title":"Младший возраст","type":"integer","aggregate":"min"},
		{"id":"note","title":"Примечание","type":"text"}]}]}`
	code, body := a.Call(http.MethodPost, api+"/definitions/preview", "ministry", strings.Replace(def, `"type":"text"}`, `"type":"text","aggregate":"sum"}`, 1))
	a.Refused(code, body, http.StatusUnprocessableEntity, "unknown")
	code, body = a.Call(http.MethodPost, api+"/definitions/preview", "ministry", strings.Replace(def, `"aggregate":"max"`, `"aggregate":"median"`, 1))
	a.Refused(code, body, http.StatusUnprocessableEntity, "enum")
	a.Must(http.MethodPost, api+"/definitions", "ministry", def, http.StatusCreated, nil)
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"staffing","version":1,"title":"Кадры","legal_basis":"Приказ",
		"opens_at":%q,"closes_at":%q,"targets":{"kinds":["school"]}}`, now.Add(-time.Hour).Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04")),
		http.StatusCreated, &c)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	// Three schools sent theirs in; one left the load empty.
	for i, v := range []string{
		`{"teachers":"30","load":"18,5","oldest":"64","youngest":"23","note":"="}`,
		`{"teachers":"12","load":"20","oldest":"58","youngest":"25"}`,
		`{"teachers":"1 200","oldest":"71","youngest":"22"}`,
	} {
		a.Sys.DB.Exec(t, `UPDATE reports.submissions SET state = 'submitted', "values" = $1::jsonb, submitted_at = now()
			WHERE id = (SELECT id FROM reports.submissions WHERE campaign_id = $2 ORDER BY id OFFSET $3 LIMIT 1)`, v, c.ID, i)
	}
	var cons collectreportapi.Consolidation
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/consolidation", "ministry", "", http.StatusOK, &cons)
	got := map[string]collectreportapi.ConsolidatedCell{}
	for _, cell := range cons.Cells {
		got[cell.Name] = cell
	}
	want := map[string]collectreportapi.ConsolidatedCell{
		"teachers": {Aggregate: "sum", Value: 1242, Filled: 3}, "load": {Aggregate: "avg", Value: 19.25, Filled: 2},
		"oldest": {Aggregate: "max", Value: 71, Filled: 3}, "youngest": {Aggregate: "min", Value: 22, Filled: 3},
	}
	for name, w := range want {
		g := got[name]
		if g.Aggregate != w.Aggregate || g.Value != w.Value || g.Filled != w.Filled {
			t.Errorf("%s: %+v, want %+v", name, g, w)
		}
	}
	if _, ok := got["note"]; ok || cons.Included != 3 {
		t.Errorf("text consolidated, or %d included: %+v", cons.Included, cons.Cells)
	}
}
