package collectreport

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// countsPerCall is how many organisations one registry call counts.
const countsPerCall = 1000

// prefilled is every bound cell of fm for each of orgs, computed from what
// the registry (counts), submit-application (the kindergarten queues) and
// the journal (aggregates over each span) answer the caller's token, with where each number came from. Nothing when the
// form binds no cell.
func (f *Function) prefilled(ctx context.Context, fm *form.Form, orgs []uuid.UUID) (map[uuid.UUID]map[string]collectreportapi.Provenance, error) {
	if len(fm.Prefill) == 0 || len(orgs) == 0 {
		return nil, nil
	}
	registry, spans, services := false, map[int]bool{}, map[int]bool{}
	for _, src := range fm.Prefill {
		switch {
		case src.Journal():
			spans[src.Days()] = true
		case src.Queue(), src.Services():
			services[src.Days()] = true
		default:
			registry = true
		}
	}
	facts := make(map[uuid.UUID]*form.Facts, len(orgs))
	for _, o := range orgs {
		facts[o] = &form.Facts{Journal: map[int]postgradeapi.Aggregate{}, Services: map[int]submitapplicationapi.OrganisationCounts{}}
	}
	today := kuzbass.Date(f.Time())
	asOf := map[uuid.UUID]string{}
	if registry {
		if f.registry == nil {
			return nil, errs.User(errs.Unavailable, "реестр недоступен: предзаполнение отложено, повторите позже")
		}
		for i := 0; i < len(orgs); i += countsPerCall {
			counts, err := f.registry.Counts(ctx, orgs[i:min(i+countsPerCall, len(orgs))], "")
			if err != nil {
				return nil, err
			}
			for _, oc := range counts {
				if facts[oc.OrganisationID] != nil {
					facts[oc.OrganisationID].Registry = &oc
					asOf[oc.OrganisationID] = oc.AsOf
				}
			}
		}
	}
	for days := range services {
		if f.services == nil {
			return nil, errs.User(errs.Unavailable, "учёт заявлений недоступен: предзаполнение отложено, повторите позже")
		}
		req := submitapplicationapi.CountsRequest{From: today.AddDate(0, 0, 1-days).Format(time.DateOnly), To: today.Format(time.DateOnly)}
		for i := 0; i < len(orgs); i += countsPerCall {
			req.Organisations = orgs[i:min(i+countsPerCall, len(orgs))]
			counts, err := f.services.Counts(ctx, req)
			if err != nil {
				return nil, err
			}
			for _, oc := range counts {
				if facts[oc.OrganisationID] != nil {
					facts[oc.OrganisationID].Services[days] = oc
				}
			}
		}
	}
	for days := range spans {
		if f.journal == nil {
			return nil, errs.User(errs.Unavailable, "журнал недоступен: предзаполнение отложено, повторите позже")
		}
		agg, err := f.journal.Aggregates(ctx, postgradeapi.AggregatesQuery{From: today.AddDate(0, 0, 1-days).Format(time.DateOnly),
			To: today.Format(time.DateOnly), By: "organisation"})
		if err != nil {
			return nil, err
		}
		for _, a := range agg.Items {
			if a.OrganisationID != nil && facts[*a.OrganisationID] != nil {
				facts[*a.OrganisationID].Journal[days] = a
			}
		}
	}
	out := make(map[uuid.UUID]map[string]collectreportapi.Provenance, len(orgs))
	at := f.Time()
	for org, fs := range facts {
		day := asOf[org]
		if day == "" {
			day = today.Format(time.DateOnly)
		}
		cells := make(map[string]collectreportapi.Provenance, len(fm.Prefill))
		for name, src := range fm.Prefill {
			if v, ok := src.Value(*fs); ok {
				cells[name] = collectreportapi.Provenance{Source: src.Spec, Value: v, AsOf: day, At: at}
			}
		}
		out[org] = cells
	}
	return out, nil
}

// corrected is the submission's corrections once values are saved: a
// prefilled cell that now differs from its source's number needs a comment
// (given now, or given before for this very value); a cell back at the
// source's number is no longer a correction. missing names the first cell
// changed without one ("" when none).
func corrected(s *collectreportapi.Submission, values, comments map[string]string, by string, at time.Time) (out map[string]collectreportapi.Correction, missing string, fe []errs.FieldError) {
	out = map[string]collectreportapi.Correction{}
	for name, p := range s.Prefill {
		v := values[name]
		if v == p.Value {
			continue
		}
		comment := strings.TrimSpace(comments[name])
		switch old, had := s.Corrections[name]; {
		case comment != "":
			if utf8.RuneCountInString(comment) > 1000 {
				fe = append(fe, field("corrections."+name, errs.Length, "комментарий: до 1000 символов"))
			}
			out[name] = collectreportapi.Correction{Value: v, Comment: comment, By: by, At: at}
		case had && old.Value == v:
			out[name] = old
		default:
			if missing == "" || name < missing {
				missing = name
			}
		}
	}
	return out, missing, fe
}

// refuseUncommented is the refusal of a prefilled cell changed without a
// comment.
func refuseUncommented(name, where string, p collectreportapi.Provenance) error {
	return unprocessable("отчёт не сохранён: "+where+"значение из ЭКО ("+p.Value+") изменено без комментария",
		field("corrections."+name, collectreportapi.ReasonUncommented, "укажите, почему число отличается от данных ЭКО ("+p.Value+" на "+p.AsOf+")"))
}

// refill: POST /api/collect-report/submissions/{id}/prefill {version} — the
// organisation asks for its prefilled cells again: each takes the source's
// number now, except the cells it corrected (their provenance is renewed,
// their values kept) and, in a returned submission, the cells not returned.
func (f *Function) refill(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collectreportapi.PrefillRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	var out *collectreportapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, fm, _, err := f.open(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		fresh, err := f.prefilled(ctx, fm, []uuid.UUID{s.OrganisationID})
		if err != nil {
			return err
		}
		open := map[string]bool{}
		for _, c := range s.ReturnedCells {
			open[c] = true
		}
		for name, p := range fresh[s.OrganisationID] {
			if s.State == collectreportapi.Returned && !open[name] {
				continue
			}
			if _, ok := s.Corrections[name]; !ok {
				s.Values[name] = p.Value
			}
			s.Prefill[name] = p
		}
		if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET "values" = $2, prefill = $3, drift = '{}', version = version + 1, updated_at = clock_timestamp(),
			updated_by = $4 WHERE id = $1`, id, s.Values, s.Prefill, subject(ctx)); err != nil {
			return err
		}
		out, err = loadSubmission(ctx, tx, id, false)
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// checkDrift: POST /api/collect-report/campaigns/{id}/drift — the ministry
// checks the campaign's sent-in submissions (submitted and approved)
// against their sources now: each records exactly the prefilled cells
// whose source's number has changed since, with both numbers.
func (f *Function) checkDrift(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	if err := Rules.Require(ctx, PermCampaign, access.WholeRegion); err != nil {
		return err
	}
	fm, err := f.formOf(ctx, f.db, id)
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT id, organisation_id, prefill FROM reports.submissions
		WHERE campaign_id = $1 AND state IN ('submitted', 'approved') ORDER BY organisation_id`, id)
	if err != nil {
		return err
	}
	type sent struct {
		id, org uuid.UUID
		prefill map[string]collectreportapi.Provenance
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sent, error) {
		var s sent
		return s, row.Scan(&s.id, &s.org, &s.prefill)
	})
	if err != nil {
		return err
	}
	orgs := make([]uuid.UUID, len(list))
	for i, s := range list {
		orgs[i] = s.org
	}
	fresh, err := f.prefilled(ctx, fm, orgs)
	if err != nil {
		return err
	}
	out := collectreportapi.DriftCheck{Checked: len(list)}
	at := f.Time()
	batch := &pgx.Batch{}
	for _, s := range list {
		drift := map[string]collectreportapi.Drift{}
		for name, was := range s.prefill {
			if now, ok := fresh[s.org][name]; ok && now.Value != was.Value {
				drift[name] = collectreportapi.Drift{Was: was.Value, Now: now.Value, At: at}
			}
		}
		if len(drift) > 0 {
			out.Submissions++
			out.Cells += len(drift)
		}
		batch.Queue(`UPDATE reports.submissions SET drift = $2 WHERE id = $1`, s.id, drift)
	}
	if err := f.db.SendBatch(ctx, batch).Close(); err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, out, nil)
}
