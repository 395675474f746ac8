package buildportfolio_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
)

// openShared opens a share link's token without a login.
func (w *world) openShared(token string) (int, buildportfolioapi.Shared, string) {
	w.t.Helper()
	rec := w.sys.Call(w.t, "", httptest.NewRequest(http.MethodGet, api+"/shared/"+token, nil))
	var s buildportfolioapi.Shared
	if rec.Code == http.StatusOK {
		w.Must(http.MethodGet, api+"/shared/"+token, "", "", http.StatusOK, &s)
	}
	return rec.Code, s, rec.Body.String()
}

// A parent shares chosen confirmed achievements: the link shows those and
// nothing else of the child, counts its views, and shows nothing once
// revoked or expired; a pupil under 14 cannot share; a foreign parent
// cannot share or revoke.
func TestShareLinks(t *testing.T) {
	w := newWorld(t)
	a := w.confirmed(1)
	b := w.confirmed(2)
	pending := w.claimed("parent1", diploma(3))
	code, body := w.Call(http.MethodPost, api+"/people/{student1}/shares", "parent1", fmt.Sprintf(`{"achievements":[%q,%q]}`, a.ID, pending.ID))
	w.Refused(code, body, http.StatusUnprocessableEntity, string(buildportfolioapi.ReasonState))
	code, body = w.Call(http.MethodPost, api+"/people/{student1}/shares", "parent2", fmt.Sprintf(`{"achievements":[%q]}`, a.ID))
	w.Refused(code, body, http.StatusNotFound, "")
	code, body = w.Call(http.MethodPost, api+"/people/{student1}/shares", "student1", fmt.Sprintf(`{"achievements":[%q]}`, a.ID))
	w.Refused(code, body, http.StatusForbidden, "") // student1 is 12
	code, body = w.Call(http.MethodPost, api+"/people/{student1}/shares", "parent1", fmt.Sprintf(`{"achievements":[%q],"days":365}`, a.ID))
	w.Refused(code, body, http.StatusBadRequest, "range")

	var s buildportfolioapi.Share
	w.Must(http.MethodPost, api+"/people/{student1}/shares", "parent1", fmt.Sprintf(`{"achievements":[%q],"days":7}`, a.ID), http.StatusCreated, &s)
	if len(s.Token) != 43 || !strings.HasSuffix(s.URL, "/shared/"+s.Token) || s.Status != "active" {
		t.Fatalf("the share: %+v", s)
	}
	if n := w.Count(`SELECT count(*) FROM portfolio.shares WHERE token_hash = convert_to($1, 'UTF8')`, s.Token); n != 0 {
		t.Fatal("the token is stored in clear")
	}
	code, shown, raw := w.openShared(s.Token)
	if code != http.StatusOK || len(shown.Achievements) != 1 || shown.Achievements[0].Title != a.Title {
		t.Fatalf("the link shows: %d %+v", code, shown)
	}
	for _, secret := range []string{b.Title, w.ids["{student1}"], "Иванов", "birth"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the link shows %q: %s", secret, raw)
		}
	}
	if code, _, _ := w.openShared(strings.Repeat("A", 43)); code != http.StatusNotFound {
		t.Fatalf("a guessed token: %d", code)
	}
	var list []buildportfolioapi.Share
	w.Must(http.MethodGet, api+"/people/{student1}/shares", "parent1", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].Views < 1 || list[0].Token != "" || list[0].URL != "" {
		t.Fatalf("the shares: %+v", list)
	}
	code, body = w.Call(http.MethodDelete, api+"/shares/"+s.ID.String(), "parent2", "")
	w.Refused(code, body, http.StatusNotFound, "")
	w.Must(http.MethodDelete, api+"/shares/"+s.ID.String(), "parent1", "", http.StatusNoContent, nil)
	if code, _, _ := w.openShared(s.Token); code != http.StatusNotFound {
		t.Fatalf("a revoked link: %d", code)
	}

	w.Must(http.MethodPost, api+"/people/{student1}/shares", "parent1", fmt.Sprintf(`{"achievements":[%q],"days":1}`, b.ID), http.StatusCreated, &s)
	w.sys.SetClock(t, buildportfolioapi.Name, func() time.Time { return time.Now().Add(25 * time.Hour) })
	if code, _, _ := w.openShared(s.Token); code != http.StatusNotFound {
		t.Fatalf("an expired link: %d", code)
	}
}
