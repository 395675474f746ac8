package collectreport_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// The second level: Kemerovo sends the ministry its consolidation only once
// every school's report in it is approved; while it is with the ministry,
// Kemerovo's own decisions on the reports are locked; the ministry returns
// it with a comment, then approves it; the ministry reopening a school's
// report sends the consolidation back, every step recorded.
func TestTerritoryReview(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	a.Must(http.MethodPost, api+"/definitions", "ministry", form, http.StatusCreated, nil)
	kemerovo := a.One(`SELECT municipality_id::text FROM registry.organisations WHERE code = 'school-1-kemerovo'`)
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"oo1-pupils","version":1,"title":"ОО-1 Кемерово",
		"legal_basis":"Приказ","opens_at":%q,"closes_at":%q,"targets":{"kinds":["school"],"municipalities":[%q]}}`,
		now.Add(-time.Hour).Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04"), kemerovo), http.StatusCreated, &c)
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, nil)
	campaign := api + "/campaigns/" + c.ID.String()
	territory := campaign + "/territories/" + kemerovo

	code, body := a.Call(http.MethodPost, territory+"/submit", "mun-kemerovo", `{"version":0}`)
	a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonNotAllApproved))

	// School No. 1 reports and Kemerovo approves it; the other schools'
	// reports are approved as if their directors had sent them.
	s1 := a.One(`SELECT s.id::text FROM reports.submissions s JOIN registry.organisations o ON o.id = s.organisation_id
		WHERE o.code = 'school-1-kemerovo' AND s.campaign_id = $1`, c.ID)
	a.Must(http.MethodPut, api+"/submissions/"+s1, "director-s1", `{"values":{"pupils.g1.all":"30","pupils.g1.girls":"14","pupils.total.all":"30","pupils.total.girls":"14"},"version":1}`, http.StatusOK, nil)
	a.Must(http.MethodPost, api+"/submissions/"+s1+"/submit", "director-s1", `{"version":2}`, http.StatusOK, nil)
	a.Must(http.MethodPost, api+"/submissions/"+s1+"/approve", "mun-kemerovo", `{"version":3}`, http.StatusOK, nil)
	if _, err := a.Sys.DB.Pool.Exec(ctx, `UPDATE reports.submissions SET state = 'approved', "values" = '{"pupils.g1.all":"20","pupils.total.all":"20"}'
		WHERE campaign_id = $1 AND id <> $2`, c.ID, s1); err != nil {
		t.Fatal(err)
	}
	schools := a.Count(`SELECT count(*) FROM reports.submissions WHERE campaign_id = $1`, c.ID)

	var sent collectreportapi.Territory
	if code, _ := a.Call(http.MethodPost, territory+"/submit", "mun-novokuznetsk", `{"version":0}`); code != http.StatusNotFound {
		t.Fatalf("Novokuznetsk sends Kemerovo's consolidation: %d", code)
	}
	a.Must(http.MethodPost, territory+"/submit", "mun-kemerovo", `{"version":0,"comment":"Все школы сдали"}`, http.StatusOK, &sent)
	total := 0.0
	for _, cell := range sent.Totals {
		if cell.Name == "pupils.g1.all" {
			total = cell.Value
		}
	}
	if sent.State != collectreportapi.Submitted || sent.Expected != schools || sent.Approved != schools || total != float64(30+20*(schools-1)) {
		t.Fatalf("sent: %+v (total %v)", sent, total)
	}
	code, body = a.Call(http.MethodPost, api+"/submissions/"+s1+"/reopen", "mun-kemerovo", `{"version":4,"reason":"Опечатка"}`)
	if p := a.Refused(code, body, http.StatusConflict, ""); p.Reason != string(collectreportapi.ReasonTerritoryLocked) {
		t.Fatalf("a municipality's decision while its consolidation is with the ministry: %s", body)
	}
	code, body = a.Call(http.MethodPost, territory+"/return", "ministry", fmt.Sprintf(`{"version":%d}`, sent.Version))
	a.Refused(code, body, http.StatusBadRequest, "required")
	var returned, again, approved collectreportapi.Territory
	a.Must(http.MethodPost, territory+"/return", "ministry", fmt.Sprintf(`{"version":%d,"comment":"Сверьте первые классы с прошлым годом"}`, sent.Version), http.StatusOK, &returned)
	if code, _ := a.Call(http.MethodPost, territory+"/approve", "ministry", fmt.Sprintf(`{"version":%d}`, sent.Version)); code != http.StatusConflict {
		t.Fatalf("a stale approval: %d", code)
	}
	a.Must(http.MethodPost, territory+"/submit", "mun-kemerovo", fmt.Sprintf(`{"version":%d}`, returned.Version), http.StatusOK, &again)
	a.Must(http.MethodPost, territory+"/approve", "ministry", fmt.Sprintf(`{"version":%d}`, again.Version), http.StatusOK, &approved)
	if returned.State != collectreportapi.Returned || approved.State != collectreportapi.Approved {
		t.Fatalf("returned %+v, approved %+v", returned, approved)
	}
	// The ministry reopens school No. 1's report: the consolidation goes back.
	a.Must(http.MethodPost, api+"/submissions/"+s1+"/reopen", "ministry", `{"version":4,"reason":"Уточнение Росстата","cells":["pupils.g1.all"]}`, http.StatusOK, nil)
	var one collectreportapi.TerritorySteps
	a.Must(http.MethodGet, territory, "mun-kemerovo", "", http.StatusOK, &one)
	want := []string{"submitted", "returned", "submitted", "approved", "returned"}
	if one.State != collectreportapi.Returned || one.Approved != schools-1 || len(one.Reviews) != len(want) {
		t.Fatalf("after reopening: %+v", one)
	}
	for i, r := range one.Reviews {
		if r.Decision != want[i] || r.Actor == "" || r.ActorRole == "" {
			t.Errorf("step %d: %+v, want %s", i, r, want[i])
		}
	}
	var list []collectreportapi.Territory
	a.Must(http.MethodGet, campaign+"/territories", "mun-kemerovo", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].MunicipalityID.String() != kemerovo || list[0].Name == "" || list[0].State != collectreportapi.Returned {
		t.Fatalf("Kemerovo's list: %+v", list)
	}
	if code, _ := a.Call(http.MethodGet, territory, "mun-novokuznetsk", ""); code != http.StatusNotFound {
		t.Fatalf("Novokuznetsk reads Kemerovo's consolidation: %d", code)
	}
}
