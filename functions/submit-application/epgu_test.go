package submitapplication

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth"
)

// epguData is an EPGU first-grade application of parent1 for a child EPGU
// knows by SNILS.
func epguData(order, childSNILS, school string) string {
	return fmt.Sprintf(`{"order_id":%q,"service":"first_grade",
		"applicant":{"oid":"1000000007","family_name":"Соколова","given_name":"Анна","middle_name":"Сергеевна","snils":"119-220-321 15"},
		"child":{"family_name":"Соколова","given_name":"Вера","middle_name":"Игоревна","birth_date":"2020-10-10","snils":%q},
		"first_grade":{"school_id":%q,"basis":"territory"}}`, order, childSNILS, school)
}

// postEvent delivers an event in binary mode (or structured, when structured is set).
func (w *world) postEvent(login, id, typ, data string, structured bool) (int, string) {
	data = w.expand(data)
	var req *http.Request
	if structured {
		body := fmt.Sprintf(`{"specversion":"1.0","type":%q,"source":"/epgu","id":%q,"datacontenttype":"application/json","data":%s}`, typ, id, data)
		req = httptest.NewRequest(http.MethodPost, "/api/submit-application/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/cloudevents+json")
	} else {
		req = httptest.NewRequest(http.MethodPost, "/api/submit-application/events", strings.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Ce-Specversion", "1.0")
		req.Header.Set("Ce-Type", typ)
		req.Header.Set("Ce-Source", "/epgu")
		req.Header.Set("Ce-Id", id)
	}
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[login])
	}
	rec := httptest.NewRecorder()
	w.f.Handle(rec, req)
	return rec.Code, rec.Body.String()
}

func TestEPGUIntake(t *testing.T) {
	w := newWorld(t)
	const child = "155-666-777 14"
	data := epguData("70000001", child, "{school1}")

	code, resp := w.postEvent("epgu", "ev-1", submitapplicationapi.EventEPGUSubmitted, data, false)
	var app submitapplicationapi.Application
	_ = json.Unmarshal([]byte(resp), &app)
	if code != 201 || app.Channel != submitapplicationapi.ChannelEPGU || app.EPGUOrderID != "70000001" || app.ChildID != nil || *app.Window != 1 {
		t.Fatalf("EPGU application: %d %s", code, resp)
	}
	// Redelivery of the same event, the same order as a new event, in structured mode.
	for _, c := range []struct {
		id         string
		structured bool
	}{{"ev-1", false}, {"ev-2", true}} {
		code, resp := w.postEvent("epgu", c.id, submitapplicationapi.EventEPGUSubmitted, data, c.structured)
		var again submitapplicationapi.Application
		_ = json.Unmarshal([]byte(resp), &again)
		if code != 200 || again.ID != app.ID {
			t.Fatalf("redelivery %s: %d %s", c.id, code, resp)
		}
	}
	// The same order with other data: 422.
	if code, resp := w.postEvent("epgu", "ev-3", submitapplicationapi.EventEPGUSubmitted, epguData("70000001", child, "{school2}"), false); code != 422 {
		t.Fatalf("reused order: %d %s", code, resp)
	}
	// The same child (by SNILS) for the same school in another order: 409.
	if code, resp := w.postEvent("epgu", "ev-4", submitapplicationapi.EventEPGUSubmitted, epguData("70000002", child, "{school1}"), false); code != 409 || !strings.Contains(resp, app.Number) {
		t.Fatalf("second active application: %d %s", code, resp)
	}
	// The same checks as the cabinet: an invalid SNILS, a closed window, six preferences.
	for name, c := range map[string]struct {
		data   string
		status int
		field  string
	}{
		"invalid SNILS": {epguData("70000003", "155-666-777 16", "{school1}"), 400, "child.snils"},
		"closed window": {epguData("70000004", "155-666-777 14", "{school3}"), 422, "first_grade"},
		"six preferences": {`{"order_id":"70000005","service":"kindergarten",
			"applicant":{"oid":"1000000007","family_name":"Соколова","given_name":"Анна","snils":"119-220-321 15"},
			"child":{"family_name":"Соколова","given_name":"Вера","birth_date":"2023-01-10","snils":"155-666-777 14"},
			"kindergarten":{"preferences":["{kg1}","{kg2}","{kg1n}","{kg1}","{kg2}","{kg1n}"],"desired_start":"2027-09-01","group_type":"general"}}`, 400, "kindergarten.preferences"},
		"not matching the schema": {`{"order_id":"x"}`, 400, ""},
	} {
		code, resp := w.postEvent("epgu", "bad-"+name, submitapplicationapi.EventEPGUSubmitted, c.data, false)
		if code != c.status || (c.field != "" && !strings.Contains(resp, `"field":"`+c.field+`"`)) {
			t.Errorf("%s: %d %s", name, code, resp)
		}
	}
	// Only the EPGU service account; only EPGU's type.
	if code, resp := w.postEvent("parent1", "ev-5", submitapplicationapi.EventEPGUSubmitted, epguData("70000006", child, "{school2}"), false); code != 403 {
		t.Fatalf("a parent posting EPGU events: %d %s", code, resp)
	}
	if code, _ := w.postEvent("", "ev-6", submitapplicationapi.EventEPGUSubmitted, epguData("70000006", child, "{school2}"), false); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, resp := w.postEvent("epgu", "ev-7", submitapplicationapi.EventSubmitted, `{}`, false); code != 400 {
		t.Fatalf("other type: %d %s", code, resp)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/submit-application/events", strings.NewReader(w.expand(epguData("70000008", child, "{school2}"))))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Type": submitapplicationapi.EventEPGUSubmitted, "Ce-Source": "/epgu", "Ce-Id": "ev-8"} {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.f.Handle(rec, req.WithContext(auth.WithInternalDelivery(context.Background())))
	if rec.Code != 403 {
		t.Fatalf("in-process delivery of an EPGU type: %d %s", rec.Code, rec.Body)
	}
	if n := w.count(`SELECT count(*) FROM applications.applications`); n != 1 {
		t.Fatalf("%d applications, want 1", n)
	}
	if n := w.count(`SELECT count(*) FROM platform.processed_events WHERE consumer = $1 AND type = $2`, Name, submitapplicationapi.EventEPGUSubmitted); n != 1 {
		t.Fatalf("%d processed events, want 1", n)
	}

	// The applicant sees it in the cabinet; staff change its status and EPGU
	// gets the code with the order id.
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications/"+app.ID.String(), "parent1", "", nil, 200, nil)
	w.must(w.f.Handle, http.MethodGet, "/api/submit-application/applications/"+app.ID.String(), "parent2", "", nil, 404, nil)
	w.must(w.f.Handle, http.MethodPost, "/api/submit-application/applications/"+app.ID.String()+"/status", "director-s1",
		statusBody("documents_requested", "", "принесите свидетельство о регистрации"), nil, 200, nil)
	var ev submitapplicationapi.StatusChangedEvent
	var raw string
	_ = w.db.Pool.QueryRow(t.Context(), `SELECT data::text FROM platform.outbox WHERE type = $1 AND subject = $2`, submitapplicationapi.EventStatusChanged, app.ID.String()).Scan(&raw)
	_ = json.Unmarshal([]byte(raw), &ev)
	if ev.EPGUOrderID != "70000001" || ev.EPGUStatusCode != 150 || ev.Comment == "" {
		t.Fatalf("status event for EPGU: %s", raw)
	}
}
