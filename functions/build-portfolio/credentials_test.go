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

// confirmed has parent1 claim diploma n for student1 with a scan and
// teacher-s1 confirm it.
func (w *world) confirmed(n int) buildportfolioapi.Achievement {
	w.t.Helper()
	a := w.claimed("parent1", diploma(n))
	w.proved("parent1", a.ID.String())
	var done buildportfolioapi.Achievement
	w.Must(http.MethodPost, api+"/achievements/"+a.ID.String()+"/decision", "teacher-s1", `{"decision":"confirmed","version":1}`, http.StatusOK, &done)
	return done
}

// verified posts raw to the public verification, without a token.
func (w *world) verified(raw string) buildportfolioapi.Verification {
	w.t.Helper()
	req := httptest.NewRequest(http.MethodPost, api+"/verify", strings.NewReader(raw))
	rec := w.sys.Call(w.t, "", req)
	if rec.Code != http.StatusOK {
		w.t.Fatalf("verify: %d %s", rec.Code, rec.Body)
	}
	var v buildportfolioapi.Verification
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		w.t.Fatal(err)
	}
	return v
}

// A parent exports a confirmed achievement; the credential verifies as
// JSON and as a JWT for anyone, names no child's data in clear, and once
// the ministry revokes it every verification says revoked.
func TestExportVerifyRevoke(t *testing.T) {
	w := newWorld(t)
	a := w.confirmed(1)
	var c buildportfolioapi.Credential
	w.Must(http.MethodPost, api+"/achievements/"+a.ID.String()+"/credential", "parent1", "", http.StatusCreated, &c)
	var again buildportfolioapi.Credential
	w.Must(http.MethodPost, api+"/achievements/"+a.ID.String()+"/credential", "student1", "", http.StatusOK, &again)
	if again.ID != c.ID {
		t.Fatalf("a second export issued another credential: %s, %s", c.ID, again.ID)
	}
	doc := string(c.Document)
	for _, secret := range []string{"Иванов", w.ids["{student1}"], "birth", "snils"} {
		if strings.Contains(doc, secret) {
			t.Errorf("the credential names %q: %s", secret, doc)
		}
	}
	if !strings.Contains(doc, `"identityHash":"sha256$`) || !strings.Contains(doc, `"hashed":true`) {
		t.Errorf("the pupil is not named by a salted hash: %s", doc)
	}
	for name, raw := range map[string]string{"json": doc, "jwt": c.JWT} {
		v := w.verified(raw)
		if !v.Valid || v.Status != "active" || v.IssuerName != "Министерство образования Кузбасса" || len(v.Achievements) != 1 ||
			v.Achievements[0].Name != a.Title || !v.Development {
			t.Fatalf("%s: %+v", name, v)
		}
	}
	tampered := strings.Replace(doc, "prize_winner", "winner", 1)
	tampered = strings.Replace(tampered, "Призёр", "Победитель", 1)
	if v := w.verified(tampered); v.Valid || v.Reason != buildportfolioapi.VerifySignature {
		t.Fatalf("tampered: %+v", v)
	}

	// The public documents a verifier needs.
	var jwks struct{ Keys []map[string]any }
	w.Must(http.MethodGet, api+"/issuer/jwks.json", "", "", http.StatusOK, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["kty"] != "OKP" {
		t.Fatalf("jwks: %+v", jwks)
	}
	w.Must(http.MethodGet, api+"/issuer", "", "", http.StatusOK, nil)
	w.Must(http.MethodGet, api+"/status/1", "", "", http.StatusOK, nil)

	code, body := w.Call(http.MethodPost, api+"/credentials/"+c.ID.String()+"/revoke", "parent2", `{"reason":"ошибка"}`)
	w.Refused(code, body, http.StatusNotFound, "")
	var revoked buildportfolioapi.Credential
	w.Must(http.MethodPost, api+"/credentials/"+c.ID.String()+"/revoke", "ministry", `{"reason":"Диплом аннулирован организатором"}`, http.StatusOK, &revoked)
	if revoked.Status != "revoked" || revoked.RevokeReason == "" {
		t.Fatalf("revoked: %+v", revoked)
	}
	for name, raw := range map[string]string{"json": doc, "jwt": c.JWT} {
		if v := w.verified(raw); v.Valid || v.Reason != buildportfolioapi.VerifyRevoked || v.Status != "revoked" {
			t.Fatalf("%s after revocation: %+v", name, v)
		}
	}
	// A revoked credential is not handed out again: the next export is new.
	w.Must(http.MethodPost, api+"/achievements/"+a.ID.String()+"/credential", "parent1", "", http.StatusCreated, &again)
	if again.ID == c.ID || !w.verified(string(again.Document)).Valid {
		t.Fatalf("the export after revocation: %+v", again)
	}
}

// The whole portfolio is one CLR 2.0 credential holding an Open Badges
// credential per confirmed achievement; claims still waiting are not in it.
func TestPortfolioCredential(t *testing.T) {
	w := newWorld(t)
	w.confirmed(1)
	w.confirmed(2)
	w.claimed("parent1", diploma(3)) // waiting: not exported
	var c buildportfolioapi.Credential
	w.Must(http.MethodPost, api+"/people/{student1}/credential", "parent1", "", http.StatusCreated, &c)
	if c.Kind != "portfolio" || len(c.Achievements) != 2 || !strings.Contains(string(c.Document), "ClrCredential") {
		t.Fatalf("the portfolio's credential: %+v", c)
	}
	v := w.verified(string(c.Document))
	if !v.Valid || len(v.Achievements) != 2 {
		t.Fatalf("the portfolio verified: %+v", v)
	}
	var list []buildportfolioapi.Credential
	w.Must(http.MethodGet, api+"/people/{student1}/credentials", "student1", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("the credentials issued: %+v", list)
	}
	code, body := w.Call(http.MethodPost, api+"/people/{student1}/credential", "parent2", "")
	w.Refused(code, body, http.StatusNotFound, "")
	code, body = w.Call(http.MethodPost, api+"/people/{student1}/credential", "parent1", fmt.Sprintf(`{"achievements":[%q]}`, "0193b6c0-0000-7000-8000-000000000001"))
	w.Refused(code, body, http.StatusUnprocessableEntity, string(buildportfolioapi.ReasonState))

	// A teacher's credential names the teacher.
	tc := w.claimed("teacher-s1", `{"owner_kind":"teacher","category":"qualification","title":"Высшая квалификационная категория","awarded_on":"2026-03-01","document":"Приказ № 512 от 01.03.2026"}`)
	w.proved("teacher-s1", tc.ID.String())
	w.Must(http.MethodPost, api+"/achievements/"+tc.ID.String()+"/decision", "director-s1", `{"decision":"confirmed","version":1}`, http.StatusOK, nil)
	w.Must(http.MethodPost, api+"/achievements/"+tc.ID.String()+"/credential", "teacher-s1", "", http.StatusCreated, &c)
	if !strings.Contains(string(c.Document), "Белова Наталья Сергеевна") || !w.verified(c.JWT).Valid {
		t.Fatalf("the teacher's credential: %s", c.Document)
	}
}

// Verification refuses what is not a credential with a reason, and a body
// over the limit with 413.
func TestVerifyBadInput(t *testing.T) {
	w := newWorld(t)
	for raw, reason := range map[string]string{
		"":                         buildportfolioapi.VerifyMalformed,
		"hello":                    buildportfolioapi.VerifyMalformed,
		`{"@context":[]}`:          buildportfolioapi.VerifyContext,
		`[1,2,3]`:                  buildportfolioapi.VerifyMalformed,
		"eyJhbGciOiJub25lIn0.e30.": buildportfolioapi.VerifyMalformed,
	} {
		if v := w.verified(raw); v.Valid || v.Reason != reason || v.Problem == "" {
			t.Errorf("%q: %+v, want %s", raw, v, reason)
		}
	}
	req := httptest.NewRequest(http.MethodPost, api+"/verify", strings.NewReader("{"+strings.Repeat(" ", 600<<10)+"}"))
	if rec := w.sys.Call(t, "", req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("an oversize credential: %d %s", rec.Code, rec.Body)
	}
}
