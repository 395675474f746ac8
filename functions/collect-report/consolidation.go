package collectreport

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// territory is what a caller of the campaign's summaries reaches: the
// region (the ministry) or one municipality (?municipality=, its own for
// a municipality's official).
func territory(r *http.Request) (*uuid.UUID, error) {
	ctx := r.Context()
	var mun *uuid.UUID
	if s := r.URL.Query().Get("municipality"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, errs.Fields("неверный запрос", field("municipality", errs.Format, "идентификатор муниципалитета"))
		}
		mun = &id
	}
	t := access.WholeRegion
	if mun != nil {
		t = access.Target{MunicipalityIDs: []string{mun.String()}}
	}
	if err := Rules.RequireOr(ctx, PermReview, t, errs.User(errs.NotFound, "территория не найдена среди ваших")); err != nil {
		if mun == nil {
			if ms := Rules.Reach(ctx, PermReview).Municipalities; len(ms) == 1 { // a municipality's official: its own
				id := uuid.MustParse(ms[0])
				return &id, nil
			}
		}
		return nil, err
	}
	return mun, nil
}

// dashboard: GET /api/collect-report/campaigns/{id}/dashboard — the
// campaign's completeness, by municipality (the ministry: all; a
// municipality: its own).
func (f *Function) dashboard(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	mun, err := territory(r)
	if err != nil {
		return err
	}
	c, err := f.loadCampaign(ctx, f.db, id)
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT municipality_id, count(*), count(*) FILTER (WHERE state = 'draft'),
		    count(*) FILTER (WHERE state = 'submitted'), count(*) FILTER (WHERE submitted_at IS NOT NULL AND NOT late),
		    count(*) FILTER (WHERE late), count(*) FILTER (WHERE state = 'returned'), count(*) FILTER (WHERE state = 'approved')
		FROM reports.submissions WHERE campaign_id = $1 AND ($2::uuid IS NULL OR municipality_id = $2)
		GROUP BY municipality_id ORDER BY municipality_id`, c.ID, mun)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (collectreportapi.Counts, error) {
		var n collectreportapi.Counts
		err := row.Scan(&n.MunicipalityID, &n.Expected, &n.Draft, &n.Submitted, &n.OnTime, &n.Late, &n.Returned, &n.Approved)
		return n, err
	})
	if err != nil {
		return err
	}
	names := f.municipalityNames(ctx)
	d := collectreportapi.Dashboard{CampaignID: c.ID, Municipalities: []collectreportapi.Counts{}}
	for _, n := range list {
		if n.MunicipalityID != nil {
			n.Name = names[*n.MunicipalityID]
		}
		t := &d.Totals
		t.Expected, t.Draft, t.Submitted, t.OnTime = t.Expected+n.Expected, t.Draft+n.Draft, t.Submitted+n.Submitted, t.OnTime+n.OnTime
		t.Late, t.Returned, t.Approved = t.Late+n.Late, t.Returned+n.Returned, t.Approved+n.Approved
		d.Municipalities = append(d.Municipalities, n)
	}
	return httpx.Reply(w, http.StatusOK, d, nil)
}

// municipalityNames names the region's municipalities (none when the
// registry does not answer: the ids stand).
func (f *Function) municipalityNames(ctx context.Context) map[uuid.UUID]string {
	out := map[uuid.UUID]string{}
	if f.registry == nil {
		return out
	}
	if list, err := f.registry.Municipalities(ctx); err == nil {
		for _, m := range list {
			out[m.ID] = m.Name
		}
	}
	return out
}

// sentIn are the values of a territory's submissions sent in (submitted or
// approved), by organisation.
func (f *Function) sentIn(ctx context.Context, campaign uuid.UUID, mun *uuid.UUID) ([]uuid.UUID, []map[string]string, error) {
	rows, err := f.db.Query(ctx, `SELECT organisation_id, "values" FROM reports.submissions
		WHERE campaign_id = $1 AND state IN ('submitted', 'approved') AND ($2::uuid IS NULL OR municipality_id = $2) ORDER BY organisation_id`, campaign, mun)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var orgs []uuid.UUID
	var values []map[string]string
	for rows.Next() {
		var o uuid.UUID
		var v map[string]string
		if err := rows.Scan(&o, &v); err != nil {
			return nil, nil, err
		}
		orgs, values = append(orgs, o), append(values, v)
	}
	return orgs, values, rows.Err()
}

// number reads a filled number as people type it: spaces between
// thousands, a decimal comma.
var number = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".")

// consolidate aggregates fm's numeric cells over values, each as its
// definition says (sum unless avg, min or max; those over the filled ones).
func consolidate(fm *form.Form, values []map[string]string) []collectreportapi.ConsolidatedCell {
	out := make([]collectreportapi.ConsolidatedCell, 0, len(fm.Cells))
	for _, c := range fm.Cells {
		if c.Aggregate == "" {
			continue
		}
		cc := collectreportapi.ConsolidatedCell{Name: c.Name, Title: cellTitle(fm, c), Aggregate: c.Aggregate}
		var sum float64
		for _, v := range values {
			raw := v[c.Name]
			if raw == "" {
				continue
			}
			x, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				if x, err = strconv.ParseFloat(number.Replace(raw), 64); err != nil {
					continue
				}
			}
			switch {
			case cc.Filled == 0:
				cc.Value = x
			case c.Aggregate == collectreportapi.Min && x < cc.Value, c.Aggregate == collectreportapi.Max && x > cc.Value:
				cc.Value = x
			}
			sum += x
			cc.Filled++
		}
		switch c.Aggregate {
		case collectreportapi.Sum:
			cc.Value = sum
		case collectreportapi.Avg:
			if cc.Filled > 0 {
				cc.Value = sum / float64(cc.Filled)
			}
		}
		out = append(out, cc)
	}
	return out
}

// cellTitle is a cell's title for people: «Таблица: строка — графа».
func cellTitle(fm *form.Form, c form.Cell) string {
	for _, s := range fm.Def.Sections {
		for _, fl := range s.Fields {
			if fl.ID == c.Name {
				return fl.Title
			}
		}
		for _, t := range s.Tables {
			if t.ID != c.Table {
				continue
			}
			title := t.Title
			for _, r := range t.Rows {
				if r.ID == c.Row {
					title += ": " + r.Title
				}
			}
			for _, col := range t.Columns {
				if col.ID == c.Column {
					title += " — " + col.Title
				}
			}
			return title
		}
	}
	return c.Name
}

// consolidation: GET /api/collect-report/campaigns/{id}/consolidation[?municipality=]
func (f *Function) consolidation(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	mun, err := territory(r)
	if err != nil {
		return err
	}
	fm, err := f.formOf(ctx, f.db, id)
	if err != nil {
		return err
	}
	_, values, err := f.sentIn(ctx, id, mun)
	if err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, collectreportapi.Consolidation{CampaignID: id, MunicipalityID: mun, Included: len(values),
		Cells: consolidate(fm, values)}, nil)
}

// exported is what an export of campaign id writes for the caller's
// territory: the form, the organisations sent in with their values, and
// the organisations' names.
func (f *Function) exported(r *http.Request, id uuid.UUID) (*form.Form, []uuid.UUID, []map[string]string, map[uuid.UUID]string, error) {
	ctx := r.Context()
	mun, err := territory(r)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	fm, err := f.formOf(ctx, f.db, id)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	orgs, values, err := f.sentIn(ctx, id, mun)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return fm, orgs, values, f.organisationNames(ctx, mun), nil
}

// exportXLSX: GET /api/collect-report/campaigns/{id}/export.xlsx[?municipality=]
// — «Свод» (each numeric cell's total) and «Организации» (every
// organisation sent in, by name, a column per cell), headers frozen;
// written as values (strings as strings: nothing in a cell is run as a
// formula).
func (f *Function) exportXLSX(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	fm, orgs, values, names, err := f.exported(r, id)
	if err != nil {
		return err
	}
	book := excelize.NewFile()
	defer book.Close()
	const total, byOrg = "Свод", "Организации"
	if err := book.SetSheetName("Sheet1", total); err != nil {
		return err
	}
	sw, err := book.NewStreamWriter(total)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"Ячейка", "Показатель", fmt.Sprintf("Итого (%d организаций)", len(values)), "Как сведено", "Заполнили"}); err != nil {
		return err
	}
	for i, c := range consolidate(fm, values) {
		if err := sw.SetRow("A"+strconv.Itoa(i+2), []any{c.Name, c.Title, c.Value, collectreportapi.AggregateTitles[c.Aggregate], c.Filled}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := book.NewSheet(byOrg); err != nil {
		return err
	}
	sw, err = book.NewStreamWriter(byOrg)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	head := []any{"Организация"}
	for _, c := range fm.Cells {
		head = append(head, cellTitle(fm, c))
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, o := range orgs {
		row := []any{nameOr(names, o)}
		for _, c := range fm.Cells {
			row = append(row, xlsxValue(c, values[i][c.Name]))
		}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := f.provenanceNotes(r.Context(), book, byOrg, id, fm, orgs); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="eko-report-%s.xlsx"`, id.String()[:8]))
	w.WriteHeader(http.StatusOK)
	return book.Write(w)
}

// xlsxValue is a cell's value for a workbook: a number as a number, any
// other as a string cell (never a formula).
func xlsxValue(c form.Cell, v string) any {
	if c.Type == collectreportapi.Integer || c.Type == collectreportapi.Decimal {
		if x, err := strconv.ParseFloat(strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(v), 64); err == nil {
			return x
		}
	}
	return excelize.Cell{Value: v}
}

// exportCSV: GET /api/collect-report/campaigns/{id}/export.csv[?municipality=&charset=windows-1251]
// — every organisation sent in and its values, «;»-separated, UTF-8 (with
// a BOM) or Windows-1251; a value that a spreadsheet would run as a
// formula (starting with =, +, - or @) is written with a leading
// apostrophe.
func (f *Function) exportCSV(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	fm, orgs, values, names, err := f.exported(r, id)
	if err != nil {
		return err
	}
	var out io.Writer = w
	charset := "utf-8"
	if strings.EqualFold(r.URL.Query().Get("charset"), "windows-1251") {
		charset = "windows-1251"
		out = charmap.Windows1251.NewEncoder().Writer(w)
	}
	w.Header().Set("Content-Type", "text/csv; charset="+charset)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="eko-report-%s.csv"`, id.String()[:8]))
	if charset == "utf-8" {
		_, _ = w.Write([]byte("\ufeff"))
	}
	cw := csv.NewWriter(out)
	cw.Comma = ';'
	head := []string{"Организация"}
	for _, c := range fm.Cells {
		head = append(head, safeCSV(cellTitle(fm, c)))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for i, o := range orgs {
		row := []string{safeCSV(nameOr(names, o))}
		for _, c := range fm.Cells {
			row = append(row, safeCSV(values[i][c.Name]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCSV keeps a spreadsheet from running a value as a formula.
func safeCSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// organisationNames names the organisations of a territory (none when the
// registry does not answer: the ids stand).
func (f *Function) organisationNames(ctx context.Context, mun *uuid.UUID) map[uuid.UUID]string {
	out := map[uuid.UUID]string{}
	if f.registry == nil {
		return out
	}
	filter := registryapi.OrganisationFilter{}
	if mun != nil {
		filter.Municipality = *mun
	}
	if list, err := f.registry.AllOrganisations(ctx, filter); err == nil {
		for _, o := range list {
			out[o.ID] = o.ShortName
		}
	}
	return out
}

func nameOr(names map[uuid.UUID]string, id uuid.UUID) string {
	if n := names[id]; n != "" {
		return n
	}
	return id.String()
}

// provenanceNotes puts where the numbers came from into the organisations'
// sheet as cell notes: on each prefilled column's header its source, and on
// each organisation's cell that holds its own number instead of EKO's the
// number EKO gave and the organisation's reason (or that EKO's number has
// changed since). Cells as EKO gave them need no note.
func (f *Function) provenanceNotes(ctx context.Context, book *excelize.File, sheet string, campaign uuid.UUID, fm *form.Form, orgs []uuid.UUID) error {
	if len(fm.Prefill) == 0 {
		return nil
	}
	column := map[string]int{}
	for i, c := range fm.Cells {
		column[c.Name] = i + 2 // column A names the organisation
		if src, ok := fm.Prefill[c.Name]; ok {
			addr, _ := excelize.CoordinatesToCellName(i+2, 1)
			if err := book.AddComment(sheet, excelize.Comment{Cell: addr, Author: "ЭКО",
				Text: "Предзаполнено из ЭКО: " + src.Spec + " (на день открытия кампании или повторного запроса)"}); err != nil {
				return err
			}
		}
	}
	row := make(map[uuid.UUID]int, len(orgs))
	for i, o := range orgs {
		row[o] = i + 2
	}
	rows, err := f.db.Query(ctx, `SELECT organisation_id, prefill, corrections, drift FROM reports.submissions
		WHERE campaign_id = $1 AND organisation_id = ANY($2) AND (corrections <> '{}' OR drift <> '{}')`, campaign, orgs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org uuid.UUID
		var prefill map[string]collectreportapi.Provenance
		var fixes map[string]collectreportapi.Correction
		var drift map[string]collectreportapi.Drift
		if err := rows.Scan(&org, &prefill, &fixes, &drift); err != nil {
			return err
		}
		notes := map[string]string{}
		for name, c := range fixes {
			notes[name] = fmt.Sprintf("В ЭКО: %s (%s, на %s). Организация: %s — «%s»", prefill[name].Value, prefill[name].Source, prefill[name].AsOf, c.Value, c.Comment)
		}
		for name, d := range drift {
			notes[name] = strings.TrimSpace(notes[name] + fmt.Sprintf(" После отправки в ЭКО стало %s (было %s).", d.Now, d.Was))
		}
		for name, text := range notes {
			if column[name] == 0 {
				continue
			}
			addr, _ := excelize.CoordinatesToCellName(column[name], row[org])
			if err := book.AddComment(sheet, excelize.Comment{Cell: addr, Author: "ЭКО", Text: text}); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}
