package collectreport

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

func unprocessable(detail string, fe ...errs.FieldError) error {
	return &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: detail, Fields: fe}
}

// instant reads an RFC 3339 time or YYYY-MM-DDTHH:MM in Kemerovo time.
func instant(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, kuzbass.Time)
	return t, err == nil
}

// createCampaign: POST /api/collect-report/campaigns — the ministry drafts a
// campaign of a stored form version: its targets, its period, its legal
// basis (required before it opens).
func (f *Function) createCampaign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in collectreportapi.CampaignRequest
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	in.Title, in.LegalBasis, in.LegalReference = strings.TrimSpace(in.Title), strings.TrimSpace(in.LegalBasis), strings.TrimSpace(in.LegalReference)
	if n := utf8.RuneCountInString(in.Title); n == 0 || n > 300 {
		fe = append(fe, field("title", errs.Required, "название кампании: до 300 символов"))
	}
	if utf8.RuneCountInString(in.LegalBasis) > 2000 || utf8.RuneCountInString(in.LegalReference) > 500 {
		fe = append(fe, field("legal_basis", errs.Length, "основание: до 2000 символов, ссылка: до 500"))
	}
	opens, ok1 := instant(in.OpensAt)
	closes, ok2 := instant(in.ClosesAt)
	switch {
	case !ok1:
		fe = append(fe, field("opens_at", errs.Format, "начало: ГГГГ-ММ-ДДTЧЧ:ММ"))
	case !ok2:
		fe = append(fe, field("closes_at", errs.Format, "окончание: ГГГГ-ММ-ДДTЧЧ:ММ"))
	case !closes.After(opens):
		fe = append(fe, field("closes_at", errs.Range, "окончание позже начала"))
	}
	for i, k := range in.Targets.Kinds {
		if registryapi.OrganisationKindTitles[k] == "" {
			fe = append(fe, field("targets.kinds["+itoa(i)+"]", errs.Enum, "неизвестный вид организации"))
		}
	}
	if len(fe) > 0 {
		return errs.Fields("кампания не создана", fe...)
	}
	var exists bool
	if err := f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reports.definitions WHERE code = $1 AND version = $2)`, in.Code, in.Version).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return errs.Fields("кампания не создана", field("version", errs.Enum, "такой версии формы нет"))
	}
	targets, err := json.Marshal(in.Targets)
	if err != nil {
		return err
	}
	id := uuid.Must(uuid.NewV7())
	if _, err := f.db.Exec(ctx, `INSERT INTO reports.campaigns (id, code, version, title, legal_basis, legal_reference, opens_at, closes_at,
			allow_late, targets, state, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, clock_timestamp())`,
		id, in.Code, in.Version, in.Title, in.LegalBasis, in.LegalReference, opens, closes, in.AllowLate, targets, subject(ctx)); err != nil {
		return err
	}
	c, err := f.loadCampaign(ctx, f.db, id)
	return httpx.Reply(w, http.StatusCreated, c, err)
}

func subject(ctx context.Context) string {
	if pr := auth.PrincipalFrom(ctx); pr != nil {
		return pr.Subject
	}
	return ""
}

const campaignColumns = `c.id, c.code, c.version, c.title, c.legal_basis, c.legal_reference, c.opens_at, c.closes_at, c.allow_late, c.targets,
	c.state, c.opened_at, (SELECT count(*) FROM reports.submissions s WHERE s.campaign_id = c.id)`

func scanCampaign(row pgx.CollectableRow) (collectreportapi.Campaign, error) {
	var c collectreportapi.Campaign
	err := row.Scan(&c.ID, &c.Code, &c.Version, &c.Title, &c.LegalBasis, &c.LegalReference, &c.OpensAt, &c.ClosesAt, &c.AllowLate, &c.Targets,
		&c.State, &c.OpenedAt, &c.Submissions)
	return c, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (f *Function) loadCampaign(ctx context.Context, q querier, id uuid.UUID) (*collectreportapi.Campaign, error) {
	rows, err := q.Query(ctx, `SELECT `+campaignColumns+` FROM reports.campaigns c WHERE c.id = $1`, id)
	if err != nil {
		return nil, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCampaign)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.User(errs.NotFound, "кампания не найдена")
	}
	return &c, err
}

// openCampaign: POST /api/collect-report/campaigns/{id}/open — with its
// legal basis stated, a draft campaign opens: the registry names its
// target organisations and counts what the form prefills (asked with the
// ministry's token), and each gets its submission, prefilled with where
// each number came from, in one transaction.
func (f *Function) openCampaign(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	c, err := f.loadCampaign(ctx, f.db, id)
	if err != nil {
		return err
	}
	if c.State != "draft" {
		return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: collectreportapi.ReasonState, Detail: "кампания уже открыта",
			Extra: map[string]any{collectreportapi.MemberCurrentState: c.State}}
	}
	if c.LegalBasis == "" {
		return unprocessable("кампания не открыта: не указано правовое основание сбора",
			field("legal_basis", collectreportapi.ReasonNoBasis, "укажите правовое основание (документ и пункт)"))
	}
	orgs, err := f.targets(ctx, c.Targets)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		return unprocessable("кампания не открыта: под её условия не подходит ни одна организация",
			field("targets", collectreportapi.ReasonNoTargets, "ни одной организации"))
	}
	fm, err := f.form(ctx, f.db, c.Code, c.Version)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	prefill, err := f.prefilled(ctx, fm, ids)
	if err != nil {
		return err
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE reports.campaigns SET state = 'open', opened_at = clock_timestamp() WHERE id = $1 AND state = 'draft'`, id)
		if err != nil || tag.RowsAffected() == 0 {
			if err == nil {
				err = errs.User(errs.Conflict, "кампания уже открыта")
			}
			return err
		}
		rows := make([][]any, 0, len(orgs))
		now := time.Now()
		for _, o := range orgs {
			cells := prefill[o.ID]
			values := make(map[string]string, len(cells))
			for name, p := range cells {
				values[name] = p.Value
			}
			if cells == nil {
				cells = map[string]collectreportapi.Provenance{}
			}
			rows = append(rows, []any{uuid.Must(uuid.NewV7()), id, o.ID, o.MunicipalityID, collectreportapi.Draft, now, values, cells})
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"reports", "submissions"},
			[]string{"id", "campaign_id", "organisation_id", "municipality_id", "state", "updated_at", "values", "prefill"},
			pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return err
	}
	c, err = f.loadCampaign(ctx, f.db, id)
	return httpx.Reply(w, http.StatusOK, c, err)
}

// targets are the open organisations the targets name, each once.
func (f *Function) targets(ctx context.Context, t collectreportapi.Targets) ([]registryapi.Organisation, error) {
	if f.registry == nil {
		return nil, errs.User(errs.Unavailable, "реестр недоступен: откройте кампанию позже")
	}
	var out []registryapi.Organisation
	seen := map[uuid.UUID]bool{}
	keep := func(list []registryapi.Organisation) {
		for _, o := range list {
			if !seen[o.ID] && o.Status != "closed" {
				seen[o.ID] = true
				out = append(out, o)
			}
		}
	}
	municipalities := t.Municipalities
	if len(municipalities) == 0 && len(t.Kinds) > 0 {
		municipalities = []uuid.UUID{uuid.Nil} // the region
	}
	for _, m := range municipalities {
		kinds := t.Kinds
		if len(kinds) == 0 {
			kinds = []string{""}
		}
		for _, k := range kinds {
			list, err := f.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Municipality: m, Kind: k})
			if err != nil {
				return nil, err
			}
			keep(list)
		}
	}
	for _, id := range t.Organisations {
		o, err := f.registry.Organisation(ctx, id)
		if err != nil {
			return nil, err
		}
		keep([]registryapi.Organisation{*o})
	}
	slices.SortFunc(out, func(a, b registryapi.Organisation) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return out, nil
}

// campaigns: GET /api/collect-report/campaigns — the ministry's campaigns
// all; anyone else's, the open ones with a submission in the caller's
// reach.
func (f *Function) campaigns(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	all := Rules.Reaches(ctx, PermCampaign, access.WholeRegion)
	reach := Rules.Reach(ctx, PermRead)
	rows, err := f.db.Query(ctx, `SELECT `+campaignColumns+` FROM reports.campaigns c
		WHERE $1 OR (c.state = 'open' AND EXISTS (SELECT 1 FROM reports.submissions s WHERE s.campaign_id = c.id
			AND (s.organisation_id::text = ANY($2) OR s.municipality_id::text = ANY($3))))
		ORDER BY c.created_at DESC LIMIT 200`, all, reach.Organisations, reach.Municipalities)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, scanCampaign)
	if list == nil {
		list = []collectreportapi.Campaign{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

// myAccess: GET /api/collect-report/access — what the caller does with the
// data collection.
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	a := collectreportapi.Access{
		Defines:  Rules.Reaches(ctx, PermDefine, access.WholeRegion),
		Campaign: Rules.Reaches(ctx, PermCampaign, access.WholeRegion),
		Reviews:  !Rules.Reach(ctx, PermReview).None(),
		Fills:    !Rules.Reach(ctx, PermFill).None(),
		Sends:    !Rules.Reach(ctx, PermConsolidate).None(),
	}
	return httpx.Reply(w, http.StatusOK, a, err)
}
