package collectreport_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// campaign drafts a campaign of form's version 1 for the region's schools,
// open now for a week.
func campaign(a interface {
	Must(method, path, login, body string, want int, out any)
}, basis string, allowLate bool) collectreportapi.Campaign {
	now := time.Now().In(kuzbass.Time)
	var c collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns", "ministry", fmt.Sprintf(`{"code":"oo1-pupils","version":1,"title":"ОО-1: обучающиеся",
		"legal_basis":%q,"legal_reference":"Приказ Минпросвещения № 1","opens_at":%q,"closes_at":%q,"allow_late":%v,"targets":{"kinds":["school"]}}`,
		basis, now.Add(-time.Hour).Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04"), allowLate), http.StatusCreated, &c)
	return c
}

// The ministry drafts a campaign and, its legal basis stated, opens it: every
// school of the region gets its submission. director-s1 fills school No. 1's
// (a stale save is a 409), submits it only once every rule passes, and
// sees no other school's; the municipality sees its territory's.
func TestCampaignAndSubmission(t *testing.T) {
	a := newAPI(t)
	a.Must(http.MethodPost, api+"/definitions", "ministry", form, http.StatusCreated, nil)
	noBasis := campaign(a, "", false)
	code, body := a.Call(http.MethodPost, api+"/campaigns/"+noBasis.ID.String()+"/open", "ministry", "")
	a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonNoBasis))

	c := campaign(a, "Федеральное статистическое наблюдение, форма ОО-1", false)
	var opened collectreportapi.Campaign
	a.Must(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "", http.StatusOK, &opened)
	schools := a.Count(`SELECT count(*) FROM registry.organisations WHERE kind = 'school' AND status <> 'closed'`)
	if opened.State != "open" || opened.Submissions != schools || schools < 2 {
		t.Fatalf("opened: %+v, %d schools", opened, schools)
	}
	code, body = a.Call(http.MethodPost, api+"/campaigns/"+c.ID.String()+"/open", "ministry", "")
	a.Refused(code, body, http.StatusConflict, "")

	// Who sees which campaigns, and what each does with them.
	for login, want := range map[string]int{"ministry": 2, "director-s1": 1, "mun-kemerovo": 1, "kg-director-1": 0} {
		var list []collectreportapi.Campaign
		a.Must(http.MethodGet, api+"/campaigns", login, "", http.StatusOK, &list)
		if len(list) != want {
			t.Errorf("%s sees %d campaigns, want %d", login, len(list), want)
		}
	}
	for login, want := range map[string]collectreportapi.Access{
		"ministry":     {Defines: true, Campaign: true, Reviews: true},
		"mun-kemerovo": {Reviews: true, Sends: true},
		"director-s1":  {Fills: true},
		"parent1":      {},
	} {
		var got collectreportapi.Access
		a.Must(http.MethodGet, api+"/access", login, "", http.StatusOK, &got)
		if got != want {
			t.Errorf("%s: %+v, want %+v", login, got, want)
		}
	}
	var mine []collectreportapi.Submission
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/submissions", "director-s1", "", http.StatusOK, &mine)
	if len(mine) != 1 {
		t.Fatalf("director-s1 sees %d submissions", len(mine))
	}
	s := mine[0]
	var municipal []collectreportapi.Submission
	a.Must(http.MethodGet, api+"/campaigns/"+c.ID.String()+"/submissions", "mun-kemerovo", "", http.StatusOK, &municipal)
	if len(municipal) < 1 || len(municipal) >= schools {
		t.Fatalf("Kemerovo sees %d of %d", len(municipal), schools)
	}
	id := s.ID.String()
	var saved collectreportapi.Submission
	a.Must(http.MethodPut, api+"/submissions/"+id, "director-s1", `{"values":{"pupils.g1.all":"30","pupils.total.all":"31"},"version":1}`, http.StatusOK, &saved)
	code, body = a.Call(http.MethodPut, api+"/submissions/"+id, "director-s1", `{"values":{"pupils.g1.all":"30"},"version":1}`)
	if p := a.Refused(code, body, http.StatusConflict, ""); p.CurrentVersion != 2 {
		t.Fatalf("a stale save: %s", body)
	}
	code, body = a.Call(http.MethodPost, api+"/submissions/"+id+"/submit", "director-s1", `{"version":2}`)
	a.Refused(code, body, http.StatusUnprocessableEntity, "")
	if !strings.Contains(body, `"violations"`) || !strings.Contains(body, "Строка «Всего» не равна сумме") {
		t.Fatalf("the violations: %s", body)
	}
	a.Must(http.MethodPut, api+"/submissions/"+id, "director-s1", `{"values":{"pupils.g1.all":"30","pupils.g1.girls":"14","pupils.total.all":"30","pupils.total.girls":"14"},"version":2}`, http.StatusOK, &saved)
	var sent collectreportapi.Submission
	a.Must(http.MethodPost, api+"/submissions/"+id+"/submit", "director-s1", fmt.Sprintf(`{"version":%d}`, saved.Version), http.StatusOK, &sent)
	if sent.State != collectreportapi.Submitted || sent.Late || sent.SubmittedAt == nil {
		t.Fatalf("submitted: %+v", sent)
	}
	code, body = a.Call(http.MethodPut, api+"/submissions/"+id, "director-s1", fmt.Sprintf(`{"values":{},"version":%d}`, sent.Version))
	a.Refused(code, body, http.StatusConflict, "")

	// Review: another municipality cannot; Kemerovo returns one cell with a
	// comment; the school may change only that cell, then resubmits;
	// Kemerovo approves, which locks it; the ministry reopens it, recorded.
	returnBody := fmt.Sprintf(`{"version":%d,"comments":{"pupils.total.girls":"Проверьте: девочек в 1 классе 14"}}`, sent.Version)
	if code, _ := a.Call(http.MethodPost, api+"/submissions/"+id+"/return", "mun-novokuznetsk", returnBody); code != http.StatusNotFound {
		t.Fatalf("Novokuznetsk returns a Kemerovo school's report: %d", code)
	}
	var ret collectreportapi.Submission
	a.Must(http.MethodPost, api+"/submissions/"+id+"/return", "mun-kemerovo", returnBody, http.StatusOK, &ret)
	if ret.State != collectreportapi.Returned || len(ret.ReturnedCells) != 1 || ret.Comments["pupils.total.girls"] == "" {
		t.Fatalf("returned: %+v", ret)
	}
	code, body = a.Call(http.MethodPut, api+"/submissions/"+id, "director-s1", fmt.Sprintf(`{"values":{"pupils.g1.all":"31","pupils.g1.girls":"14","pupils.total.all":"31","pupils.total.girls":"14"},"version":%d}`, ret.Version))
	a.Refused(code, body, http.StatusUnprocessableEntity, string(collectreportapi.ReasonState))
	a.Must(http.MethodPut, api+"/submissions/"+id, "director-s1", fmt.Sprintf(`{"values":{"pupils.g1.all":"30","pupils.g1.girls":"14","pupils.total.all":"30","pupils.total.girls":"13"},"version":%d}`, ret.Version), http.StatusOK, &saved)
	code, body = a.Call(http.MethodPost, api+"/submissions/"+id+"/submit", "director-s1", fmt.Sprintf(`{"version":%d}`, saved.Version))
	if code != http.StatusOK {
		t.Fatalf("resubmit: %d %s", code, body)
	}
	var again collectreportapi.Submission
	a.Must(http.MethodGet, api+"/submissions/"+id, "director-s1", "", http.StatusOK, &again)
	var approved collectreportapi.Submission
	a.Must(http.MethodPost, api+"/submissions/"+id+"/approve", "mun-kemerovo", fmt.Sprintf(`{"version":%d}`, again.Version), http.StatusOK, &approved)
	if approved.State != collectreportapi.Approved {
		t.Fatalf("approved: %+v", approved)
	}
	code, body = a.Call(http.MethodPut, api+"/submissions/"+id, "director-s1", fmt.Sprintf(`{"values":{},"version":%d}`, approved.Version))
	a.Refused(code, body, http.StatusConflict, "")
	code, body = a.Call(http.MethodPost, api+"/submissions/"+id+"/reopen", "ministry", fmt.Sprintf(`{"version":%d}`, approved.Version))
	a.Refused(code, body, http.StatusBadRequest, "required")
	var reopened collectreportapi.Submission
	a.Must(http.MethodPost, api+"/submissions/"+id+"/reopen", "ministry", fmt.Sprintf(`{"version":%d,"reason":"Уточнение Росстата","cells":["pupils.g1.all"]}`, approved.Version), http.StatusOK, &reopened)
	if reopened.State != collectreportapi.Returned || len(reopened.ReturnedCells) != 1 {
		t.Fatalf("reopened: %+v", reopened)
	}
	var history []collectreportapi.Review
	a.Must(http.MethodGet, api+"/submissions/"+id+"/reviews", "director-s1", "", http.StatusOK, &history)
	if len(history) != 3 || history[0].Decision != collectreportapi.Returned || history[1].Decision != collectreportapi.Approved ||
		history[2].Decision != collectreportapi.Reopened || history[2].Reason != "Уточнение Росстата" || history[2].ActorRole != "ministry_official" {
		t.Fatalf("the history: %+v", history)
	}
	for typ, want := range map[string]int{collectreportapi.EventSubmitted: 2, collectreportapi.EventReturned: 2, collectreportapi.EventApproved: 1} {
		if n := a.Count(`SELECT count(*) FROM platform.outbox WHERE type = $1 AND subject = $2`, typ, id); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}

	// Another school's submission is not director-s1's.
	other := a.One(`SELECT id::text FROM reports.submissions WHERE campaign_id = $1 AND id <> $2 LIMIT 1`, c.ID, s.ID)
	for _, call := range [][2]string{{http.MethodGet, api + "/submissions/" + other}, {http.MethodPut, api + "/submissions/" + other}} {
		if code, _ := a.Call(call[0], call[1], "director-s1", `{"values":{},"version":1}`); code != http.StatusNotFound {
			t.Errorf("%s another school's submission: %d", call[0], code)
		}
	}
	// Bad campaigns are refused field by field.
	code, body = a.Call(http.MethodPost, api+"/campaigns", "ministry", `{"code":"oo1-pupils","version":9,"title":"x","opens_at":"2026-12-01T00:00","closes_at":"2026-12-02T00:00","targets":{}}`)
	a.Refused(code, body, http.StatusBadRequest, "enum")
	code, body = a.Call(http.MethodPost, api+"/campaigns", "ministry", `{"code":"oo1-pupils","version":1,"title":"x","opens_at":"2026-12-02T00:00","closes_at":"2026-12-01T00:00","targets":{"kinds":["bank"]}}`)
	a.Refused(code, body, http.StatusBadRequest, "range")
}
