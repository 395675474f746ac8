package collectreport

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// SeedStats say what SeedReports wrote.
type SeedStats struct {
	Definitions, Campaigns int
}

// seededCampaigns are the campaigns the ministry has drafted for this
// report season: each shipped form, to the kind of organisation it is for.
var seededCampaigns = []struct {
	code, title, kind, basis, reference string
}{
	{"oo1", "ОО-1: обучающиеся по классам и работники", "school",
		"Федеральное статистическое наблюдение в сфере общего образования (форма № ОО-1)",
		"Приказ Росстата «Об утверждении форм федерального статистического наблюдения…», форма № ОО-1"},
	{"dou-85k", "85-К: воспитанники по возрастным группам", "kindergarten",
		"Федеральное статистическое наблюдение за деятельностью организаций дошкольного образования (форма № 85-К)",
		"Приказ Росстата «Об утверждении форм федерального статистического наблюдения…», форма № 85-К"},
}

// SeedReports installs the shipped forms (ОО-1 and 85-К, as version 1) and
// drafts a campaign of each for the region, with its legal basis, open
// from today for two weeks — left for the ministry to open, which prefills
// every organisation's submission from the registry. Nothing is written
// when definitions exist already.
func SeedReports(ctx context.Context, pool *pgxpool.Pool, today time.Time) (SeedStats, error) {
	var st SeedStats
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM reports.definitions`).Scan(&n); err != nil || n > 0 {
			return err
		}
		for _, def := range collectreportapi.ShippedForms() {
			fm, fe := form.Compile(def)
			if len(fe) > 0 {
				return fmt.Errorf("shipped form %s: %v", def.Code, fe[0])
			}
			body, err := json.Marshal(def)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO reports.definitions (code, version, title, definition, cells, created_at, created_by)
				VALUES ($1, 1, $2, $3, $4, clock_timestamp(), 'seed')`, def.Code, def.Title, body, len(fm.Cells)); err != nil {
				return err
			}
			st.Definitions++
		}
		d := today.In(kuzbass.Time)
		opens := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, kuzbass.Time)
		for _, c := range seededCampaigns {
			targets, _ := json.Marshal(collectreportapi.Targets{Kinds: []string{c.kind}})
			if _, err := tx.Exec(ctx, `INSERT INTO reports.campaigns (id, code, version, title, legal_basis, legal_reference, opens_at, closes_at,
					allow_late, targets, state, created_by, created_at)
				VALUES ($1, $2, 1, $3, $4, $5, $6, $7, true, $8, 'draft', 'seed', clock_timestamp())`,
				uuid.Must(uuid.NewV7()), c.code, c.title, c.basis, c.reference, opens, opens.AddDate(0, 0, 14), targets); err != nil {
				return err
			}
			st.Campaigns++
		}
		return nil
	})
	return st, err
}
