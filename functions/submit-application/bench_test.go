package submitapplication

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/db"
)

// benchWorld is the test world with children and schools enough for n
// first-grade applications, each to a distinct (child, school).
func benchWorld(b *testing.B, n int) (*world, []string, []string) {
	w := newWorld(b)
	const children = 20
	var kids []string
	for i := 0; i < children; i++ {
		kids = append(kids, w.addChild("Бенчев", fmt.Sprintf("Ребёнок%c", 'А'+rune(i)), "Игоревич", firstGrader, "M", "{parent1}", "mother", "I-ЛО", fmt.Sprintf("8%05d", i)))
	}
	w.signIn("parent1") // a new token: the registry's grants now include the children
	var schools []string
	for i := 0; i <= n/children; i++ {
		id := uuid.New()
		w.exec(`INSERT INTO registry.organisations (id, code, kind, full_name, short_name, inn, ogrn, municipality_id)
			VALUES ($1, $2, 'school', $3, $3, $4, $5, $6)`, id, fmt.Sprintf("bench-school-%d", i), fmt.Sprintf("Школа № %d", 1000+i),
			fmt.Sprintf("77%08d", i), fmt.Sprintf("177%010d", i), w.ids["{kemerovo}"])
		schools = append(schools, id.String())
	}
	return w, kids, schools
}

// BenchmarkSubmit measures POST /applications in-process: real token
// verification, grants from the registry, validation, idempotency, and the
// application, its history and its outbox event in one transaction on the real
// PostgreSQL (synchronous_commit on). "bare" is the same row and outbox row
// written with no HTTP, authentication or validation, for comparison.
// parallel runs do(i) b.N times, i counting from 0, on par goroutines per
// CPU, and reports the rate as apps/s.
func parallel(b *testing.B, par int, do func(i int)) {
	var next atomic.Int64
	b.SetParallelism(par)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do(int(next.Add(1) - 1))
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "apps/s")
}

func BenchmarkSubmit(b *testing.B) {
	for _, par := range []int{1, 32} {
		b.Run(fmt.Sprintf("endpoint/clients=%d", par), func(b *testing.B) {
			w, kids, schools := benchWorld(b, b.N+64)
			token := w.tokens["parent1"]
			parallel(b, par, func(i int) {
				body := firstGradeBody(kids[i%len(kids)], schools[i/len(kids)], "territory", "")
				req := httptest.NewRequest(http.MethodPost, "/api/submit-application/applications", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
				rec := httptest.NewRecorder()
				w.f.Handle(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			})
		})
		b.Run(fmt.Sprintf("bare/clients=%d", par), func(b *testing.B) {
			w, kids, schools := benchWorld(b, b.N+64)
			f, ctx := w.f, b.Context()
			mun, _ := uuid.Parse(w.ids["{kemerovo}"])
			windows, err := f.windows.get(ctx)
			if err != nil {
				b.Fatal(err)
			}
			win, ok := pick(windows, mun, false, time.Now())
			if !ok {
				b.Fatal("no open window")
			}
			parallel(b, par, func(i int) {
				child, school := uuid.MustParse(kids[i%len(kids)]), uuid.MustParse(schools[i/len(kids)])
				it := &intake{service: submitapplicationapi.FirstGrade, channel: submitapplicationapi.ChannelCabinet, childID: &child, childKey: child.String(),
					birth: time.Date(2020, 11, 10, 0, 0, 0, 0, time.UTC), applicant: "bench", idemKey: fmt.Sprint(i), hash: []byte{1},
					actor: "bench", actorRole: "parent", basis: "territory", target: school, orgs: []uuid.UUID{school},
					municipality: mun, targetKey: school.String(), window: &win}
				err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
					apps, err := f.insertAndEnqueue(ctx, tx, []*pendingWrite{{it: it, data: []byte(`{}`)}})
					if err != nil || apps[0] == nil {
						return fmt.Errorf("insert: %v %v", apps, err)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
