package buildportfolio_test

import (
	"fmt"
	"net/http"
	"testing"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/errs"
)

// A parent claims a diploma for the child with a scan; the class teacher
// confirms it; every step is kept with who, under which role and when; the
// school sees it; the reads of the child's portfolio by others are in the
// child's audit log.
func TestClaimConfirmedByTheClassTeacher(t *testing.T) {
	w := newWorld(t)
	a := w.claimed("parent1", diploma(1))
	if a.State != buildportfolioapi.Claimed || a.Source != buildportfolioapi.SourceClaim || a.LevelTitle != "муниципальный" ||
		a.ResultTitle != "призёр" || !a.MayChange || a.MayDecide || len(a.Steps) != 1 || a.Steps[0].ActorRole != "parent" {
		t.Fatalf("the claim: %+v", a)
	}
	id := a.ID.String()
	// A double click is the same claim.
	var again buildportfolioapi.Achievement
	w.Must(http.MethodPost, api+"/achievements", "parent1", diploma(1), http.StatusOK, &again)
	if again.ID != a.ID {
		t.Fatalf("a repeated claim made another: %s and %s", a.ID, again.ID)
	}
	// No proof: nothing to confirm by.
	code, body := w.Call(http.MethodPost, api+"/achievements/"+id+"/decision", "teacher-s1", `{"decision":"confirmed","version":1}`)
	w.Refused(code, body, http.StatusUnprocessableEntity, string(buildportfolioapi.ReasonNoProof))
	f := w.proved("parent1", id)
	if f.State != "clean" || len(f.SHA256) != 64 {
		t.Fatalf("the proof: %+v", f)
	}
	// The class teacher's queue has it, with the proof.
	var queue []buildportfolioapi.Achievement
	w.Must(http.MethodGet, api+"/claims", "teacher-s1", "", http.StatusOK, &queue)
	if len(queue) != 1 || queue[0].ID != a.ID || !queue[0].MayDecide || len(queue[0].Files) != 1 {
		t.Fatalf("the class teacher's queue: %+v", queue)
	}
	// Another school's class teacher neither sees nor decides it.
	w.Must(http.MethodGet, api+"/claims", "teacher-s2", "", http.StatusOK, &queue)
	if len(queue) != 0 {
		t.Fatalf("teacher-s2's queue: %+v", queue)
	}
	code, body = w.Call(http.MethodPost, api+"/achievements/"+id+"/decision", "teacher-s2", `{"decision":"confirmed","version":1}`)
	w.Refused(code, body, http.StatusNotFound, "")
	// A stale version is told the current one.
	code, body = w.Call(http.MethodPost, api+"/achievements/"+id+"/decision", "teacher-s1", `{"decision":"confirmed","version":7}`)
	if p := w.Refused(code, body, http.StatusConflict, ""); p.CurrentVersion != 1 || p.CurrentState != buildportfolioapi.Claimed {
		t.Fatalf("the stale decision: %+v", p)
	}
	var done buildportfolioapi.Achievement
	w.Must(http.MethodPost, api+"/achievements/"+id+"/decision", "teacher-s1", `{"decision":"confirmed","version":1}`, http.StatusOK, &done)
	if done.State != buildportfolioapi.Confirmed || len(done.Steps) != 2 || done.Steps[1].ActorRole != "class_teacher" ||
		done.Steps[1].ActorID == nil || done.Steps[1].ActorID.String() != w.ids["{teacher-s1}"] || done.MayChange || done.MayDecide {
		t.Fatalf("the confirmed achievement: %+v", done)
	}
	// Decided once: a second decision is a conflict.
	code, body = w.Call(http.MethodPost, api+"/achievements/"+id+"/decision", "director-s1", `{"decision":"rejected","reason":"нет","version":2}`)
	w.Refused(code, body, http.StatusConflict, "")

	for _, login := range []string{"student1", "parent1", "teacher-s1", "director-s1"} {
		var p buildportfolioapi.Portfolio
		w.Must(http.MethodGet, api+"/people/{student1}", login, "", http.StatusOK, &p)
		if len(p.Achievements) != 1 || p.Achievements[0].ID != a.ID {
			t.Fatalf("%s sees %+v", login, p)
		}
	}
	for _, login := range []string{"parent2", "teacher-s2", "student2", "mun-kemerovo"} {
		code, _ := w.Call(http.MethodGet, api+"/people/{student1}", login, "")
		if code != http.StatusNotFound && code != http.StatusForbidden {
			t.Fatalf("%s reads student1's portfolio: %d", login, code)
		}
	}
	// The reads of others (parent1, teacher-s1, director-s1), not the pupil's own.
	if n := w.Count(`SELECT count(*) FROM platform.audit_log WHERE subject_person_id = $1 AND object = 'portfolio.achievements'`, w.ids["{student1}"]); n != 3 {
		t.Fatalf("%d reads of student1's portfolio in the audit log, want 3", n)
	}
}

// A rejection needs its reason and shows it to the family; the school no
// longer sees a rejected claim; a claim can be withdrawn before the
// decision, and then nobody decides on it (the school is told it was).
func TestRejectedAndWithdrawnClaims(t *testing.T) {
	w := newWorld(t)
	a := w.claimed("student1", diploma(2))
	id := a.ID.String()
	code, body := w.Call(http.MethodPost, api+"/achievements/"+id+"/decision", "director-s1", `{"decision":"rejected","version":1}`)
	w.Refused(code, body, http.StatusBadRequest, string(errs.Required))
	var r buildportfolioapi.Achievement
	w.Must(http.MethodPost, api+"/achievements/"+id+"/decision", "director-s1", `{"decision":"rejected","reason":"Скан нечитаем","version":1}`, http.StatusOK, &r)
	if r.State != buildportfolioapi.Rejected || r.Steps[1].Reason != "Скан нечитаем" || r.Steps[1].ActorRole != "director" {
		t.Fatalf("the rejection: %+v", r)
	}
	w.Must(http.MethodGet, api+"/achievements/"+id, "parent1", "", http.StatusOK, &r)
	code, _ = w.Call(http.MethodGet, api+"/achievements/"+id, "teacher-s1", "")
	if code != http.StatusNotFound {
		t.Fatalf("the class teacher reads a rejected claim: %d", code)
	}

	b := w.claimed("parent1", diploma(3))
	w.Must(http.MethodPost, api+"/achievements/"+b.ID.String()+"/withdraw", "parent1", `{"version":1}`, http.StatusOK, &r)
	if r.State != buildportfolioapi.Withdrawn {
		t.Fatalf("withdrawn: %+v", r)
	}
	code, body = w.Call(http.MethodPost, api+"/achievements/"+b.ID.String()+"/decision", "teacher-s1", `{"decision":"confirmed","version":2}`)
	if p := w.Refused(code, body, http.StatusConflict, ""); p.CurrentState != buildportfolioapi.Withdrawn {
		t.Fatalf("deciding a withdrawn claim: %+v", p)
	}
}

// A teacher's own achievement is decided by the director, never by the
// teacher; a class teacher does not confirm what she claimed herself.
func TestTeachersPortfolio(t *testing.T) {
	w := newWorld(t)
	a := w.claimed("teacher-s1", `{"owner_kind":"teacher","category":"course","title":"Функциональная грамотность на уроках математики",
		"organiser":"КРИПКиПРО","hours":72,"awarded_on":"2026-10-30","document":"Удостоверение № 4217"}`)
	if a.OwnerID.String() != w.ids["{teacher-s1}"] || a.OrganisationID == nil || a.OrganisationID.String() != w.ids["{school1}"] {
		t.Fatalf("the teacher's claim: %+v", a)
	}
	id := a.ID.String()
	w.proved("teacher-s1", id)
	code, body := w.Call(http.MethodPost, api+"/achievements/"+id+"/decision", "teacher-s1", `{"decision":"confirmed","version":1}`)
	w.Refused(code, body, http.StatusNotFound, "") // a class teacher decides pupils' claims only
	var done buildportfolioapi.Achievement
	w.Must(http.MethodPost, api+"/achievements/"+id+"/decision", "director-s1", `{"decision":"confirmed","version":1}`, http.StatusOK, &done)
	if done.State != buildportfolioapi.Confirmed {
		t.Fatalf("%+v", done)
	}
	for login, want := range map[string]int{"teacher-s1": 200, "director-s1": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 404,
		"teacher-s2": 404, "parent1": 404, "student1": 404} {
		if code, body := w.Call(http.MethodGet, api+"/people/{teacher-s1}", login, ""); code != want && !(want == 404 && code == 403) {
			t.Errorf("%s reads teacher-s1's portfolio: %d, want %d: %.200s", login, code, want, body)
		}
	}

	// teacher-s1 claims for her pupil: she cannot confirm it herself.
	c := w.claimed("teacher-s1", diploma(4))
	w.proved("teacher-s1", c.ID.String())
	code, body = w.Call(http.MethodPost, api+"/achievements/"+c.ID.String()+"/decision", "teacher-s1", `{"decision":"confirmed","version":1}`)
	w.Refused(code, body, http.StatusUnprocessableEntity, string(buildportfolioapi.ReasonOwnClaim))
	w.Must(http.MethodPost, api+"/achievements/"+c.ID.String()+"/decision", "director-s1", `{"decision":"confirmed","version":1}`, http.StatusOK, &done)
}

// Bad claims are refused field by field, and nothing is written.
func TestBadClaims(t *testing.T) {
	w := newWorld(t)
	for name, c := range map[string]struct {
		body   string
		status int
		code   errs.Reason
	}{
		"unknown kind":     {`{"owner_kind":"pupil","owner_id":"{student1}","category":"chess","title":"x","awarded_on":"2026-01-01"}`, 400, errs.Enum},
		"a teacher's kind": {`{"owner_kind":"pupil","owner_id":"{student1}","category":"course","title":"x","awarded_on":"2026-01-01","hours":1}`, 400, buildportfolioapi.ReasonCategory},
		"no level":         {`{"owner_kind":"pupil","owner_id":"{student1}","category":"olympiad","title":"x","result":"winner","awarded_on":"2026-01-01"}`, 400, buildportfolioapi.ReasonLevel},
		"level on a gto":   {`{"owner_kind":"pupil","owner_id":"{student1}","category":"gto","title":"Золотой знак","level":"federal","awarded_on":"2026-01-01"}`, 400, buildportfolioapi.ReasonUnexpected},
		"future":           {`{"owner_kind":"pupil","owner_id":"{student1}","category":"gto","title":"Золотой знак","awarded_on":"2099-01-01"}`, 400, buildportfolioapi.ReasonFuture},
		"bad date":         {`{"owner_kind":"pupil","owner_id":"{student1}","category":"gto","title":"Золотой знак","awarded_on":"01.02.2026"}`, 400, errs.Format},
		"empty title":      {`{"owner_kind":"pupil","owner_id":"{student1}","category":"gto","title":"  ","awarded_on":"2026-01-01"}`, 400, errs.Required},
		"control chars":    {`{"owner_kind":"pupil","owner_id":"{student1}","category":"gto","title":"a\u0007b","awarded_on":"2026-01-01"}`, 400, errs.Length},
		"course hours":     {`{"owner_kind":"teacher","category":"course","title":"Курс","awarded_on":"2026-01-01"}`, 400, errs.Required},
		"a stranger's kid": {`{"owner_kind":"pupil","owner_id":"{student2}","category":"gto","title":"Золотой знак","awarded_on":"2026-01-01"}`, 404, ""},
		"another's school": {`{"owner_kind":"pupil","owner_id":"{student1}","organisation_id":"{school3}","category":"gto","title":"Золотой знак","awarded_on":"2026-01-01"}`, 400, errs.Enum},
	} {
		t.Run(name, func(t *testing.T) {
			login := "parent1"
			if name == "course hours" {
				login = "teacher-s1"
			}
			code, body := w.Call(http.MethodPost, api+"/achievements", login, c.body)
			w.Refused(code, body, c.status, string(c.code))
		})
	}
	if n := w.Count(`SELECT count(*) FROM portfolio.achievements`); n != 0 {
		t.Fatalf("%d achievements written by refused claims", n)
	}
	// A file that is not what it says is refused and deleted.
	a := w.claimed("parent1", diploma(5))
	var tk buildportfolioapi.UploadTicket
	w.Must(http.MethodPost, api+"/achievements/"+a.ID.String()+"/files", "parent1", fmt.Sprintf(`{"name":"скан.pdf","content_type":"application/pdf","size":%d}`, 12), http.StatusCreated, &tk)
	put(t, tk, []byte("MZ\x90\x00 not pdf"))
	code, body := w.Call(http.MethodPost, api+"/files/"+tk.File.ID.String()+"/confirm", "parent1", "")
	w.Refused(code, body, http.StatusUnprocessableEntity, string(buildportfolioapi.ReasonFileContent))
	code, body = w.Call(http.MethodPost, api+"/achievements/"+a.ID.String()+"/files", "parent1", `{"name":"a.exe","content_type":"application/x-msdownload","size":10}`)
	if code < 400 || code >= 500 {
		t.Fatalf("an executable's ticket: %d %s", code, body)
	}
}
