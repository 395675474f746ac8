package buildportfolio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
)

// postResult posts an olympiad result as the system with token does: a
// binary CloudEvent to build-portfolio's events endpoint.
func (w *world) postResult(token, id, data string) (int, buildportfolioapi.ReceiptOfResult, string) {
	w.t.Helper()
	req := httptest.NewRequest(http.MethodPost, api+"/events", strings.NewReader(w.Expand(data)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Type", buildportfolioapi.EventOlympiadResult)
	req.Header.Set("Ce-Source", "/olympiad-operator")
	req.Header.Set("Ce-Id", id)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	w.sys.ServeHTTP(rec, req)
	var out buildportfolioapi.ReceiptOfResult
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Body.String()
}

func result(id, participant string) string {
	return fmt.Sprintf(`{"result_id":%q,"olympiad":"Региональная олимпиада «Кузбасский математик»","subject":"математика","level":"regional",
		"result":"winner","date":"2026-11-15","organiser":"Региональный центр выявления талантов","participant":%s}`, id, participant)
}

// The olympiad operator posts results: one named by SNILS, one by full name
// (ё as е, other case) and birth date become student1's achievements,
// received from the operator; a repost is the same achievement; a
// participant the registry does not know is parked with the reason (SNILS
// masked) until the ministry, the operator, matches it; nobody else may
// post results or see the parked ones.
func TestOlympiadResults(t *testing.T) {
	w := newWorld(t)
	op := w.sys.ServiceToken(t, "olympiad")
	code, rc, body := w.postResult(op, "ev-1", result("R-1", `{"snils":"122-223-324 90","family_name":"Соколов","given_name":"Артём","birth_date":"2015-05-20"}`))
	if code != http.StatusOK || rc.Outcome != buildportfolioapi.Recorded || rc.AchievementID == nil {
		t.Fatalf("a result by SNILS: %d %s", code, body)
	}
	var a buildportfolioapi.Achievement
	w.Must(http.MethodGet, api+"/achievements/"+rc.AchievementID.String(), "parent1", "", http.StatusOK, &a)
	if a.OwnerID.String() != w.ids["{student1}"] || a.Source != buildportfolioapi.SourceExternal || a.State != buildportfolioapi.Confirmed ||
		a.Origin == nil || a.Origin.System != "olympiad" || a.Origin.Record != "R-1" || a.LevelTitle != "региональный" || a.ResultTitle != "победитель" ||
		len(a.Steps) != 1 || a.Steps[0].Action != buildportfolioapi.StepReceived || a.Steps[0].Actor != buildportfolioapi.OlympiadSubject ||
		!strings.Contains(a.Steps[0].Reason, "СНИЛС") {
		t.Fatalf("the received achievement: %+v", a)
	}
	code, again, _ := w.postResult(op, "ev-1-retry", result("R-1", `{"snils":"122-223-324 90","family_name":"Соколов","given_name":"Артём","birth_date":"2015-05-20"}`))
	if code != http.StatusOK || again.AchievementID == nil || *again.AchievementID != *rc.AchievementID {
		t.Fatalf("a repost: %d %+v", code, again)
	}
	code, byName, body := w.postResult(op, "ev-2", result("R-2", `{"family_name":"СОКОЛОВ","given_name":"Артем","birth_date":"2015-05-20"}`))
	if code != http.StatusOK || byName.Outcome != buildportfolioapi.Recorded {
		t.Fatalf("a result by name: %d %s", code, body)
	}
	code, parked, body := w.postResult(op, "ev-3", result("R-3", `{"snils":"112-233-445 95","family_name":"Неизвестный","given_name":"Пётр","birth_date":"2012-01-01"}`))
	if code != http.StatusOK || parked.Outcome != buildportfolioapi.Parked || parked.Reason == "" || parked.ParkedID == nil {
		t.Fatalf("an unknown participant: %d %s", code, body)
	}
	var list []buildportfolioapi.ParkedResult
	w.Must(http.MethodGet, api+"/parked", "ministry", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].Record != "R-3" || list[0].Result.Participant.SNILS != "***-***-445 95" || list[0].Reason == "" {
		t.Fatalf("the parked results: %+v", list)
	}
	for _, login := range []string{"mun-kemerovo", "director-s1", "parent1"} {
		if code, _ := w.Call(http.MethodGet, api+"/parked", login, ""); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("%s reads the parked results: %d", login, code)
		}
	}
	var rec buildportfolioapi.ReceiptOfResult
	w.Must(http.MethodPost, api+"/parked/"+parked.ParkedID.String()+"/match", "ministry", `{"person_id":"{student2}"}`, http.StatusOK, &rec)
	if rec.Outcome != buildportfolioapi.Recorded || rec.AchievementID == nil {
		t.Fatalf("the operator's match: %+v", rec)
	}
	w.Must(http.MethodGet, api+"/achievements/"+rec.AchievementID.String(), "parent2", "", http.StatusOK, &a)
	if a.OwnerID.String() != w.ids["{student2}"] || a.Steps[0].Reason != "сопоставлено оператором" {
		t.Fatalf("the operator's achievement: %+v", a)
	}
	w.Must(http.MethodGet, api+"/parked", "ministry", "", http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("still parked: %+v", list)
	}

	// Only the operator posts results; a malformed one is refused whole.
	if code, _, _ := w.postResult(w.sys.ServiceToken(t, "epgu"), "ev-4", result("R-4", `{"family_name":"Соколов","given_name":"Артём","birth_date":"2015-05-20"}`)); code != http.StatusForbidden {
		t.Errorf("EPGU posting a result: %d", code)
	}
	if code, _, _ := w.postResult(w.sys.Token(t, "parent1"), "ev-5", result("R-5", `{"family_name":"Соколов","given_name":"Артём","birth_date":"2015-05-20"}`)); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Errorf("a parent posting a result: %d", code)
	}
	if code, _, body := w.postResult(op, "ev-6", `{"result_id":"R-6","olympiad":"x","level":"galactic","result":"winner","date":"2026-11-15","participant":{}}`); code != http.StatusBadRequest {
		t.Errorf("a malformed result: %d %s", code, body)
	}
	if n := w.Count(`SELECT count(*) FROM portfolio.achievements WHERE source = 'external'`); n != 3 {
		t.Errorf("%d achievements received, want 3", n)
	}
}
