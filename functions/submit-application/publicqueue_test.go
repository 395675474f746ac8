package submitapplication_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// Anyone with kid1's application number and her birth date learns where
// it stands in each chosen kindergarten's queue — and nothing of who, of
// privileges or of why; a wrong birth date is the same 404 as a wrong
// number; a malformed one is a 400 naming the field.
func TestPublicQueueCheck(t *testing.T) {
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	w := ekotest.Open(t, ekotest.Options{Seed: 7, Today: day, Year: true})
	kid1, _ := w.Fixtures.Identity("kid1")
	var number, birth string
	if err := w.DB.Pool.QueryRow(context.Background(), `SELECT number, to_char(child_birth_date, 'YYYY-MM-DD') FROM applications.applications
		WHERE child_id = $1 AND service = 'kindergarten'`, w.Person(t, kid1)).Scan(&number, &birth); err != nil {
		t.Fatal(err)
	}
	api := submitapplicationapi.New(httpx.InProcess(submitapplicationapi.Name, w))
	q, err := api.CheckQueue(context.Background(), number, birth)
	if err != nil || q.Number != number || !q.InQueue || len(q.Places) == 0 || q.Places[0].Position == nil || q.Places[0].QueueLength < *q.Places[0].Position {
		t.Fatalf("kid1's queue: %+v %v", q, err)
	}
	a := &ekotest.API{T: t, Sys: w}
	code, body := a.Call(http.MethodGet, "/api/submit-application/kindergarten-queue?number="+number+"&birth_date="+birth, "", "")
	for _, leak := range []string{"Соколов", "privilege", "explanation", "sibling", "child"} {
		if strings.Contains(body, leak) {
			t.Errorf("the public answer names %s: %s", leak, body)
		}
	}
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	code, wrongDate := a.Call(http.MethodGet, "/api/submit-application/kindergarten-queue?number="+number+"&birth_date=2001-01-01", "", "")
	_, wrongNumber := a.Call(http.MethodGet, "/api/submit-application/kindergarten-queue?number=ДС-2026-9999999&birth_date="+birth, "", "")
	if code != http.StatusNotFound || wrongDate != wrongNumber {
		t.Fatalf("a wrong birth date: %d %s, a wrong number: %s", code, wrongDate, wrongNumber)
	}
	code, body = a.Call(http.MethodGet, "/api/submit-application/kindergarten-queue?number="+number+"&birth_date=01.02.2022", "", "")
	a.Refused(code, body, http.StatusBadRequest, "format")
}
