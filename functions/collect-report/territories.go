package collectreport

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

var theTerritory = errs.User(errs.NotFound, "территория не найдена среди ваших")

// municipalityParam is the path's {municipality}.
func municipalityParam(r *http.Request) (uuid.UUID, error) {
	return httpx.PathUUID("municipality", r.PathValue("municipality"))
}

// territories: GET /api/collect-report/campaigns/{id}/territories — each
// municipality the caller reviews (the ministry: all with targets) with
// its organisations' reports expected and approved and where its
// consolidation stands.
func (f *Function) territories(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	reach := Rules.Reach(ctx, PermReview)
	rows, err := f.db.Query(ctx, `SELECT s.municipality_id, count(*), count(*) FILTER (WHERE s.state = 'approved'),
			coalesce(t.state, ''), coalesce(t.version, 0), coalesce(t.comment, ''), t.updated_at
		FROM reports.submissions s LEFT JOIN reports.territories t ON t.campaign_id = s.campaign_id AND t.municipality_id = s.municipality_id
		WHERE s.campaign_id = $1 AND s.municipality_id IS NOT NULL AND ($2 OR s.municipality_id::text = ANY($3))
		GROUP BY s.municipality_id, t.state, t.version, t.comment, t.updated_at`, id, reach.Region, reach.Municipalities)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (collectreportapi.Territory, error) {
		t := collectreportapi.Territory{CampaignID: id}
		return t, row.Scan(&t.MunicipalityID, &t.Expected, &t.Approved, &t.State, &t.Version, &t.Comment, &t.UpdatedAt)
	})
	if err != nil {
		return err
	}
	names := f.municipalityNames(ctx)
	for i := range list {
		list[i].Name = names[list[i].MunicipalityID]
	}
	slices.SortFunc(list, func(a, b collectreportapi.Territory) int { return strings.Compare(a.Name, b.Name) })
	if list == nil {
		list = []collectreportapi.Territory{}
	}
	return httpx.Reply(w, http.StatusOK, list, nil)
}

// territory: GET /api/collect-report/campaigns/{id}/territories/{municipality}
// — one municipality's consolidation as sent, with every step.
func (f *Function) territory(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	mun, err := municipalityParam(r)
	if err != nil {
		return err
	}
	if err := Rules.RequireOr(ctx, PermReview, access.Target{MunicipalityIDs: []string{mun.String()}}, theTerritory); err != nil {
		return err
	}
	t, err := f.loadTerritory(ctx, f.db, id, mun, false)
	if err != nil {
		return err
	}
	t.Name = f.municipalityNames(ctx)[mun]
	rows, err := f.db.Query(ctx, `SELECT decision, comment, actor_subject, actor_role, at FROM reports.territory_reviews
		WHERE campaign_id = $1 AND municipality_id = $2 ORDER BY id`, id, mun)
	if err != nil {
		return err
	}
	reviews, err := pgx.CollectRows(rows, pgx.RowToStructByPos[collectreportapi.TerritoryReview])
	out := collectreportapi.TerritorySteps{Territory: *t, Reviews: reviews}
	if out.Reviews == nil {
		out.Reviews = []collectreportapi.TerritoryReview{}
	}
	return httpx.Reply(w, http.StatusOK, out, err)
}

// loadTerritory is the municipality's consolidation of the campaign with
// its organisations' counts (State "" when never sent).
func (f *Function) loadTerritory(ctx context.Context, q querier, campaign, mun uuid.UUID, lock bool) (*collectreportapi.Territory, error) {
	t := &collectreportapi.Territory{CampaignID: campaign, MunicipalityID: mun}
	if err := q.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'approved') FROM reports.submissions
		WHERE campaign_id = $1 AND municipality_id = $2`, campaign, mun).Scan(&t.Expected, &t.Approved); err != nil {
		return nil, err
	}
	if t.Expected == 0 {
		return nil, theTerritory
	}
	sql := `SELECT state, version, comment, totals, updated_at FROM reports.territories WHERE campaign_id = $1 AND municipality_id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql, campaign, mun).Scan(&t.State, &t.Version, &t.Comment, &t.Totals, &t.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, nil
	}
	return t, err
}

func recordTerritory(ctx context.Context, tx pgx.Tx, campaign, mun uuid.UUID, decision, comment string, role access.Role) error {
	_, err := tx.Exec(ctx, `INSERT INTO reports.territory_reviews (campaign_id, municipality_id, decision, comment, actor_subject, actor_role, at)
		VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())`, campaign, mun, decision, comment, subject(ctx), string(role))
	return err
}

func territoryRequest(w http.ResponseWriter, r *http.Request) (uuid.UUID, collectreportapi.TerritoryRequest, error) {
	var in collectreportapi.TerritoryRequest
	mun, err := municipalityParam(r)
	if err != nil {
		return mun, in, err
	}
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return mun, in, err
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > 2000 {
		return mun, in, errs.Fields("неверный комментарий", field("comment", errs.Length, "комментарий: до 2000 символов"))
	}
	return mun, in, nil
}

func staleTerritory(t *collectreportapi.Territory) error {
	return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: collectreportapi.ReasonState, Detail: "свод изменился: обновите страницу",
		Extra: map[string]any{collectreportapi.MemberCurrentVersion: t.Version, collectreportapi.MemberCurrentState: t.State}}
}

// sendTerritory: POST /api/collect-report/campaigns/{id}/territories/{municipality}/submit
// {version, comment} — the municipality sends the ministry its
// consolidation once every organisation's report in it is approved; the
// totals are kept as sent. Its own reviews are then locked until the
// ministry returns it.
func (f *Function) sendTerritory(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	mun, in, err := territoryRequest(w, r)
	if err != nil {
		return err
	}
	g, err := Rules.Grant(ctx, PermConsolidate, access.Target{MunicipalityIDs: []string{mun.String()}})
	if err != nil {
		return theTerritory
	}
	var out *collectreportapi.Territory
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		t, err := f.loadTerritory(ctx, tx, id, mun, true)
		if err != nil {
			return err
		}
		if t.State == collectreportapi.Submitted || t.State == collectreportapi.Approved || t.Version != in.Version {
			return staleTerritory(t)
		}
		if t.Approved < t.Expected {
			return unprocessable("свод не отправлен: приняты "+strconv.Itoa(t.Approved)+" отчётов из "+strconv.Itoa(t.Expected),
				field("municipality", collectreportapi.ReasonNotAllApproved, "примите или верните все отчёты организаций"))
		}
		fm, err := f.formOf(ctx, tx, id)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT "values" FROM reports.submissions WHERE campaign_id = $1 AND municipality_id = $2`, id, mun)
		if err != nil {
			return err
		}
		values, err := pgx.CollectRows(rows, pgx.RowTo[map[string]string])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reports.territories (campaign_id, municipality_id, state, totals, organisations, comment, updated_at)
			VALUES ($1, $2, 'submitted', $3, $4, $5, clock_timestamp())
			ON CONFLICT (campaign_id, municipality_id) DO UPDATE SET state = 'submitted', version = territories.version + 1,
				totals = excluded.totals, organisations = excluded.organisations, comment = excluded.comment, updated_at = excluded.updated_at`,
			id, mun, consolidate(fm, values), len(values), in.Comment); err != nil {
			return err
		}
		if err := recordTerritory(ctx, tx, id, mun, collectreportapi.Submitted, in.Comment, g.Role); err != nil {
			return err
		}
		out, err = f.loadTerritory(ctx, tx, id, mun, false)
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// decideTerritory is the ministry's decision on a municipality's
// consolidation sent to it: approve, or return with a comment.
func (f *Function) decideTerritory(decision string) func(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	return func(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
		ctx := r.Context()
		mun, in, err := territoryRequest(w, r)
		if err != nil {
			return err
		}
		g, err := Rules.Grant(ctx, PermCampaign, access.WholeRegion)
		if err != nil {
			return err
		}
		if decision == collectreportapi.Returned && in.Comment == "" {
			return errs.Fields("свод не возвращён", field("comment", errs.Required, "напишите, что исправить"))
		}
		var out *collectreportapi.Territory
		err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
			t, err := f.loadTerritory(ctx, tx, id, mun, true)
			if err != nil {
				return err
			}
			if t.State != collectreportapi.Submitted || t.Version != in.Version {
				return staleTerritory(t)
			}
			if _, err := tx.Exec(ctx, `UPDATE reports.territories SET state = $3, version = version + 1, comment = $4, updated_at = clock_timestamp()
				WHERE campaign_id = $1 AND municipality_id = $2`, id, mun, decision, in.Comment); err != nil {
				return err
			}
			if err := recordTerritory(ctx, tx, id, mun, decision, in.Comment, g.Role); err != nil {
				return err
			}
			out, err = f.loadTerritory(ctx, tx, id, mun, false)
			return err
		})
		return httpx.Reply(w, http.StatusOK, out, err)
	}
}

// settled refuses a municipality's review of s while its territory's
// consolidation is with the ministry or approved by it; the ministry's
// return or reopening of s sends that consolidation back to the
// municipality, recorded.
func settled(ctx context.Context, tx pgx.Tx, s *collectreportapi.Submission, role access.Role, changes bool) error {
	if s.MunicipalityID == nil {
		return nil
	}
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM reports.territories WHERE campaign_id = $1 AND municipality_id = $2 FOR UPDATE`,
		s.CampaignID, *s.MunicipalityID).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) || state == collectreportapi.Returned {
		return nil
	}
	if err != nil {
		return err
	}
	if role != access.MinistryOfficial {
		return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: collectreportapi.ReasonTerritoryLocked,
			Detail: "свод муниципалитета передан в министерство: решения по отчётам — после его возврата"}
	}
	if !changes {
		return nil
	}
	const why = "отчёт организации открыт министерством"
	if _, err := tx.Exec(ctx, `UPDATE reports.territories SET state = 'returned', version = version + 1, comment = $3, updated_at = clock_timestamp()
		WHERE campaign_id = $1 AND municipality_id = $2`, s.CampaignID, *s.MunicipalityID, why); err != nil {
		return err
	}
	return recordTerritory(ctx, tx, s.CampaignID, *s.MunicipalityID, collectreportapi.Returned, why, role)
}
