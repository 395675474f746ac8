package buildportfolio_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/function"
)

const api = "/api/build-portfolio"

// pdf is a small PDF: a diploma's scan as the tests upload it.
var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// world is every function on a fresh database with the small region:
// student1 in 6А of school No. 1 (teacher-s1 its class teacher, director-s1
// the school's director, parent1 the parent), student2 in 6Б of school
// No. 3 (teacher-s2 its class teacher, parent2 the parent).
type world struct {
	*ekotest.API
	t   testing.TB
	sys *ekotest.World
	ids map[string]string
}

func newWorld(t testing.TB, tunings ...function.Tuning) *world {
	t.Helper()
	ew := ekotest.Open(t, ekotest.Options{Seed: 11, Tunings: tunings})
	w := &world{t: t, sys: ew, ids: map[string]string{}}
	w.API = &ekotest.API{T: t, Sys: ew, IDs: w.ids}
	for _, i := range ew.Fixtures.Identities {
		w.ids["{"+i.Login+"}"] = ew.Person(t, i)
		if !i.NoAccount {
			w.Must(http.MethodGet, "/api/registry/me", i.Login, "", http.StatusOK, nil)
		}
	}
	w.ids["{school1}"], w.ids["{school3}"] = ew.Organisation(t, "school-1-kemerovo"), ew.Organisation(t, "school-3-novokuznetsk")
	return w
}

// diploma is a claim of an olympiad diploma for student1 (title made unique by n).
func diploma(n int) string {
	return fmt.Sprintf(`{"owner_kind":"pupil","owner_id":"{student1}","category":"olympiad","title":"Муниципальный этап ВсОШ по математике %d",
		"level":"municipal","result":"prize_winner","organiser":"Управление образования г. Кемерово","awarded_on":"2026-11-20","document":"Диплом № 42-%d"}`, n, n)
}

// claimed has login claim body and returns the achievement.
func (w *world) claimed(login, body string) buildportfolioapi.Achievement {
	w.t.Helper()
	var a buildportfolioapi.Achievement
	w.Must(http.MethodPost, api+"/achievements", login, body, http.StatusCreated, &a)
	return a
}

// proved has login upload and confirm a PDF scan for achievement id.
func (w *world) proved(login string, id string) buildportfolioapi.File {
	w.t.Helper()
	var tk buildportfolioapi.UploadTicket
	w.Must(http.MethodPost, api+"/achievements/"+id+"/files", login, fmt.Sprintf(`{"name":"диплом.pdf","content_type":"application/pdf","size":%d}`, len(pdf)), http.StatusCreated, &tk)
	if st := put(w.t, tk, pdf); st != http.StatusOK {
		w.t.Fatalf("upload to MinIO: %d", st)
	}
	var f buildportfolioapi.File
	w.Must(http.MethodPost, api+"/files/"+tk.File.ID.String()+"/confirm", login, "", http.StatusOK, &f)
	return f
}

// put sends an upload ticket's request with body to MinIO.
func put(t testing.TB, tk buildportfolioapi.UploadTicket, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(tk.Method, tk.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tk.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
