package submitapplication

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// maxStatisticsDays bounds the period of one statistics request.
const maxStatisticsDays = 400

// statisticsQuery is a checked statistics request.
type statisticsQuery struct {
	from, to time.Time // Kemerovo dates; to inclusive
	period   string
	munis    []string // nil: the whole region
}

// parseStatistics checks the query of a statistics request and the caller's
// reach: the ministry sees the region, a municipal education authority its own
// municipalities.
func (f *Function) parseStatistics(r *http.Request) (statisticsQuery, error) {
	q := r.URL.Query()
	var sq statisticsQuery
	var fe []errs.FieldError
	for k := range q {
		switch k {
		case "from", "to", "period", "municipality":
		default:
			fe = append(fe, field(k, errs.Unknown, "неизвестный параметр; допустимы from, to, period, municipality"))
		}
	}
	today := f.Time().In(kemerovo)
	var err error
	if s := q.Get("to"); s == "" {
		sq.to = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	} else if sq.to, err = time.Parse(time.DateOnly, s); err != nil {
		fe = append(fe, field("to", errs.Format, "дата ГГГГ-ММ-ДД"))
	}
	if s := q.Get("from"); s == "" {
		sq.from = time.Date(sq.to.Year(), sq.to.Month(), 1, 0, 0, 0, 0, time.UTC)
	} else if sq.from, err = time.Parse(time.DateOnly, s); err != nil {
		fe = append(fe, field("from", errs.Format, "дата ГГГГ-ММ-ДД"))
	}
	if len(fe) == 0 && (sq.to.Before(sq.from) || sq.to.Sub(sq.from) > maxStatisticsDays*24*time.Hour) {
		fe = append(fe, field("to", errs.Range, "период — от from до to включительно, не длиннее "+strconv.Itoa(maxStatisticsDays)+" дней"))
	}
	switch sq.period = q.Get("period"); sq.period {
	case "":
		sq.period = "month"
	case "day", "month":
	default:
		fe = append(fe, field("period", errs.Enum, "day или month"))
	}
	want := httpx.QueryID(q, "municipality", &fe)
	if len(fe) > 0 {
		return sq, errs.Fields("неверные параметры запроса", fe...)
	}
	reach := Rules.Reach(r.Context(), PermStatistics)
	switch {
	case want != nil:
		if err := Rules.Require(r.Context(), PermStatistics, access.Target{MunicipalityIDs: []string{want.String()}}); err != nil {
			return sq, errs.User(errs.NotFound, "муниципалитет не найден среди ваших")
		}
		sq.munis = []string{want.String()}
	case reach.Region:
	case len(reach.Municipalities) > 0:
		sq.munis = reach.Municipalities
	default:
		return sq, errs.User(errs.Forbidden, "статистика услуг — для министерства и муниципальных органов управления образованием")
	}
	return sq, nil
}

// compute aggregates sq in the database: one pass for the counts, one for the
// deadline compliance, both over the applications received in the period.
func (f *Function) compute(ctx context.Context, sq statisticsQuery) (*submitapplicationapi.Statistics, error) {
	st := &submitapplicationapi.Statistics{From: sq.from.Format(time.DateOnly), To: sq.to.Format(time.DateOnly), Period: sq.period,
		Counts: []submitapplicationapi.StatisticsRow{}, Compliance: []submitapplicationapi.ComplianceRow{}}
	// The period is in Kemerovo dates: [from 00:00, to+1 00:00) in Asia/Novokuznetsk.
	from := time.Date(sq.from.Year(), sq.from.Month(), sq.from.Day(), 0, 0, 0, 0, kemerovo)
	to := time.Date(sq.to.Year(), sq.to.Month(), sq.to.Day(), 0, 0, 0, 0, kemerovo).AddDate(0, 0, 1)
	const scope = `a.received_at >= $1 AND a.received_at < $2 AND ($3::uuid[] IS NULL OR a.municipality_id = ANY($3::uuid[]))`
	munis := any(nil)
	if sq.munis != nil {
		munis = sq.munis
	}
	layout := "YYYY-MM"
	if sq.period == "day" {
		layout = "YYYY-MM-DD"
	}
	rows, err := f.db.Query(ctx, `SELECT to_char(a.received_at AT TIME ZONE 'Asia/Novokuznetsk', $4), a.service, a.status, a.channel,
		    a.municipality_id, count(*)
		FROM applications.applications a WHERE `+scope+`
		GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`, from, to, munis, layout)
	if err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	st.Counts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (submitapplicationapi.StatisticsRow, error) {
		var s submitapplicationapi.StatisticsRow
		var n int64
		err := row.Scan(&s.Period, &s.Service, &s.Status, &s.Channel, &s.MunicipalityID, &n)
		s.Count = int(n)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("statistics: %w", err)
	}
	rows, err = f.db.Query(ctx, `SELECT a.service, a.municipality_id,
		    count(*) FILTER (WHERE a.decided_at IS NOT NULL AND a.decided_at <= a.deadline),
		    count(*) FILTER (WHERE a.decided_at IS NOT NULL AND a.decided_at > a.deadline),
		    count(*) FILTER (WHERE a.decided_at IS NULL AND a.status = ANY($4::text[]) AND a.deadline < now()),
		    count(*) FILTER (WHERE a.decided_at IS NULL AND a.status = ANY($4::text[]) AND a.deadline >= now()),
		    count(*) FILTER (WHERE a.decided_at IS NULL AND NOT a.status = ANY($4::text[]))
		FROM applications.applications a WHERE `+scope+`
		GROUP BY 1, 2 ORDER BY 1, 2`, from, to, munis, statusStrings(undecided))
	if err != nil {
		return nil, fmt.Errorf("statistics: compliance: %w", err)
	}
	st.Compliance, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (submitapplicationapi.ComplianceRow, error) {
		var c submitapplicationapi.ComplianceRow
		var in, late, overdue, open, closed int64
		err := row.Scan(&c.Service, &c.MunicipalityID, &in, &late, &overdue, &open, &closed)
		c.DecidedInTime, c.DecidedLate, c.OpenOverdue, c.OpenInTime, c.Closed = int(in), int(late), int(overdue), int(open), int(closed)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("statistics: compliance: %w", err)
	}
	for _, c := range st.Counts {
		st.Totals.Applications += c.Count
	}
	for _, c := range st.Compliance {
		st.Totals.DecidedInTime += c.DecidedInTime
		st.Totals.DecidedLate += c.DecidedLate
		st.Totals.OpenOverdue += c.OpenOverdue
	}
	return st, nil
}

// statistics: GET /api/submit-application/statistics?from=&to=&period=day|month&municipality=
func (f *Function) statistics(w http.ResponseWriter, r *http.Request) error {
	st, err := f.statisticsOf(r)
	return httpx.Reply(w, http.StatusOK, st, err)
}

// statisticsOf is the statistics the request asks for (parseStatistics, compute).
func (f *Function) statisticsOf(r *http.Request) (*submitapplicationapi.Statistics, error) {
	sq, err := f.parseStatistics(r)
	if err != nil {
		return nil, err
	}
	return f.compute(r.Context(), sq)
}

// serviceTitles name the services in exports.
var serviceTitles = map[submitapplicationapi.Service]string{
	submitapplicationapi.Kindergarten:        "Постановка на учёт в детский сад",
	submitapplicationapi.FirstGrade:          "Приём в 1 класс",
	submitapplicationapi.AdditionalEducation: "Запись на дополнительное образование",
}

var channelTitles = map[string]string{submitapplicationapi.ChannelCabinet: "Личный кабинет ЭКО", submitapplicationapi.ChannelEPGU: "ЕПГУ"}

// statisticsXLSX: GET /api/submit-application/statistics.xlsx — the same
// statistics as a workbook: «Заявления» (the counts) and «Сроки» (compliance).
func (f *Function) statisticsXLSX(w http.ResponseWriter, r *http.Request) error {
	st, err := f.statisticsOf(r)
	if err != nil {
		return err
	}
	book := excelize.NewFile()
	defer book.Close()
	const counts, deadlines = "Заявления", "Сроки"
	if err := book.SetSheetName("Sheet1", counts); err != nil {
		return err
	}
	if _, err := book.NewSheet(deadlines); err != nil {
		return err
	}
	put := func(sheet string, row int, values ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return book.SetSheetRow(sheet, cell, &values)
	}
	if err := put(counts, 1, "Период", "Услуга", "Статус", "Код ЕПГУ", "Канал", "Муниципалитет (id)", "Заявлений"); err != nil {
		return err
	}
	for i, c := range st.Counts {
		if err := put(counts, i+2, c.Period, serviceTitles[c.Service], submitapplicationapi.Statuses[c.Status].Title, submitapplicationapi.Statuses[c.Status].EPGUCode,
			channelTitles[c.Channel], c.MunicipalityID.String(), c.Count); err != nil {
			return err
		}
	}
	if err := put(counts, len(st.Counts)+2, "Итого", "", "", "", "", "", st.Totals.Applications); err != nil {
		return err
	}
	if err := put(deadlines, 1, "Услуга", "Муниципалитет (id)", "Решено в срок", "Решено с нарушением срока",
		"Просрочено, не решено", "В работе, срок не истёк", "Закрыто без решения"); err != nil {
		return err
	}
	for i, c := range st.Compliance {
		if err := put(deadlines, i+2, serviceTitles[c.Service], c.MunicipalityID.String(), c.DecidedInTime, c.DecidedLate,
			c.OpenOverdue, c.OpenInTime, c.Closed); err != nil {
			return err
		}
	}
	for _, sheet := range []string{counts, deadlines} {
		if err := book.SetColWidth(sheet, "A", "G", 24); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="eko-services-%s-%s.xlsx"`, st.From, st.To))
	w.WriteHeader(http.StatusOK)
	return book.Write(w)
}
