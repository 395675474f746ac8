package collectreport

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

func itoa(n int) string { return strconv.Itoa(n) }

const submissionColumns = `s.id, s.campaign_id, s.organisation_id, s.municipality_id, s.state, s."values", s.version, s.late, s.submitted_at, s.updated_at,
	s.returned_cells, s.comments, s.prefill, s.corrections, s.drift`

func scanSubmission(row pgx.CollectableRow) (collectreportapi.Submission, error) {
	var s collectreportapi.Submission
	err := row.Scan(&s.ID, &s.CampaignID, &s.OrganisationID, &s.MunicipalityID, &s.State, &s.Values, &s.Version, &s.Late, &s.SubmittedAt, &s.UpdatedAt,
		&s.ReturnedCells, &s.Comments, &s.Prefill, &s.Corrections, &s.Drift)
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	if s.ReturnedCells == nil {
		s.ReturnedCells = []string{}
	}
	if s.Comments == nil {
		s.Comments = map[string]string{}
	}
	if s.Prefill == nil {
		s.Prefill = map[string]collectreportapi.Provenance{}
	}
	if s.Corrections == nil {
		s.Corrections = map[string]collectreportapi.Correction{}
	}
	if s.Drift == nil {
		s.Drift = map[string]collectreportapi.Drift{}
	}
	return s, err
}

// filler is the target of an organisation's submission: its
// administration fills and submits it.
func filler(s collectreportapi.Submission) access.Target {
	return access.Target{OrganisationIDs: []string{s.OrganisationID.String()}}
}

// reader is the target of reading a submission: the organisation's
// administration, its municipality, the ministry.
func reader(s collectreportapi.Submission) access.Target {
	t := filler(s)
	if s.MunicipalityID != nil {
		t.MunicipalityIDs = []string{s.MunicipalityID.String()}
	}
	return t
}

func loadSubmission(ctx context.Context, q querier, id uuid.UUID, lock bool) (*collectreportapi.Submission, error) {
	sql := `SELECT ` + submissionColumns + ` FROM reports.submissions s WHERE s.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return nil, err
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSubmission)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &s, err
}

var theSubmission = errs.User(errs.NotFound, "отчёт не найден среди ваших")

// submission: GET /api/collect-report/submissions/{id}.
func (f *Function) submission(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	s, err := loadSubmission(r.Context(), f.db, id, false)
	if err != nil {
		return err
	}
	if s == nil || Rules.RequireOr(r.Context(), PermRead, reader(*s), theSubmission) != nil {
		return theSubmission
	}
	return httpx.Reply(w, http.StatusOK, s, nil)
}

// submissionsOf: GET /api/collect-report/campaigns/{id}/submissions[?municipality=]
// — a campaign's submissions the caller reaches (its own organisation's,
// its municipality's, all for the ministry), of one municipality when named.
func (f *Function) submissionsOf(w http.ResponseWriter, r *http.Request, campaign uuid.UUID) error {
	ctx := r.Context()
	reach := Rules.Reach(ctx, PermRead)
	var mun *uuid.UUID
	if s := r.URL.Query().Get("municipality"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return errs.Fields("неверный запрос", field("municipality", errs.Format, "идентификатор муниципалитета"))
		}
		mun = &id
	}
	rows, err := f.db.Query(ctx, `SELECT `+submissionColumns+` FROM reports.submissions s WHERE s.campaign_id = $1
		AND ($2 OR s.organisation_id::text = ANY($3) OR s.municipality_id::text = ANY($4)) AND ($5::uuid IS NULL OR s.municipality_id = $5)
		ORDER BY s.organisation_id`,
		campaign, reach.Region, reach.Organisations, reach.Municipalities, mun)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, scanSubmission)
	if list == nil {
		list = []collectreportapi.Submission{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

// open is the submission id locked with its campaign and form, when the
// caller fills it and the campaign takes it now (late: after it closed,
// when it allows late ones).
func (f *Function) open(ctx context.Context, tx pgx.Tx, id uuid.UUID, version int) (*collectreportapi.Submission, *form.Form, bool, error) {
	s, err := loadSubmission(ctx, tx, id, true)
	if err != nil {
		return nil, nil, false, err
	}
	if s == nil || Rules.RequireOr(ctx, PermFill, filler(*s), theSubmission) != nil {
		return nil, nil, false, theSubmission
	}
	if s.State != collectreportapi.Draft && s.State != collectreportapi.Returned || s.Version != version {
		return nil, nil, false, &errs.Error{Code: errs.Conflict, ForUser: true, Reason: collectreportapi.ReasonState,
			Detail: "отчёт изменился или уже отправлен: обновите страницу",
			Extra:  map[string]any{collectreportapi.MemberCurrentVersion: s.Version, collectreportapi.MemberCurrentState: s.State}}
	}
	c, err := f.loadCampaign(ctx, tx, s.CampaignID)
	if err != nil {
		return nil, nil, false, err
	}
	now := f.Time()
	late := now.After(c.ClosesAt)
	if now.Before(c.OpensAt) || (late && !c.AllowLate) {
		return nil, nil, false, unprocessable("приём отчётов по кампании «"+c.Title+"» закрыт", field("campaign", collectreportapi.ReasonClosed, "вне сроков кампании"))
	}
	fm, err := f.form(ctx, tx, c.Code, c.Version)
	return s, fm, late, err
}

// form is a stored version compiled (a stored version always compiles).
// A version never changes once stored, so each is compiled once per
// process and kept.
func (f *Function) form(ctx context.Context, q querier, code string, version int) (*form.Form, error) {
	key := code + "/" + itoa(version)
	if fm, ok := f.forms.Load(key); ok {
		return fm.(*form.Form), nil
	}
	var def collectreportapi.Definition
	if err := q.QueryRow(ctx, `SELECT definition FROM reports.definitions WHERE code = $1 AND version = $2`, code, version).Scan(&def); err != nil {
		return nil, err
	}
	fm, fe := form.Compile(def)
	if len(fe) > 0 {
		return nil, errs.E(errs.Internal, "stored form %s v%d does not compile: %v", code, version, fe[0])
	}
	f.forms.Store(key, fm)
	return fm, nil
}

// save: PUT /api/collect-report/submissions/{id} {values, version,
// corrections} — the organisation saves its draft as filled (cells of the
// form only; the rules are checked at submitting); a prefilled cell given
// another number than EKO's needs a comment. A stale version is a 409.
func (f *Function) save(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collectreportapi.SaveRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<20); err != nil {
		return err
	}
	var out *collectreportapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, fm, _, err := f.open(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		for name := range in.Values {
			if _, ok := fm.Cell(name); !ok {
				return errs.Fields("отчёт не сохранён", field("values."+name, errs.Unknown, "в форме нет такой ячейки"))
			}
		}
		if s.State == collectreportapi.Returned {
			if name := changedBeyond(s, in.Values); name != "" {
				return unprocessable("отчёт не сохранён: на доработку возвращены только отмеченные ячейки",
					field("values."+name, collectreportapi.ReasonState, "эта ячейка не возвращена на доработку"))
			}
		}
		fixes, missing, fe := corrected(s, in.Values, in.Corrections, subject(ctx), f.Time())
		if len(fe) > 0 {
			return errs.Fields("отчёт не сохранён", fe...)
		}
		if missing != "" {
			return refuseUncommented(missing, "", s.Prefill[missing])
		}
		if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET "values" = $2, corrections = $3, version = version + 1, updated_at = clock_timestamp(),
			updated_by = $4 WHERE id = $1`, id, in.Values, fixes, subject(ctx)); err != nil {
			return err
		}
		out, err = loadSubmission(ctx, tx, id, false)
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// submit: POST /api/collect-report/submissions/{id}/submit {version} — the
// organisation submits when every cell and every rule of the form passes;
// otherwise 422 with every violation. After the closing time (when the
// campaign takes late ones) it is marked late.
func (f *Function) submit(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collectreportapi.SubmitRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	var out *collectreportapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, fm, late, err := f.open(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		if v := fm.Check(s.Values); len(v) > 0 {
			return &errs.Error{Code: errs.Unprocessable, ForUser: true, Reason: collectreportapi.ReasonRulesFail,
				Detail: "отчёт не отправлен: " + itoa(len(v)) + " ошибок", Extra: map[string]any{collectreportapi.MemberViolations: v}}
		}
		// The row as it now stands is s with what this statement set: no
		// second read of its values.
		if err := tx.QueryRow(ctx, `UPDATE reports.submissions SET state = 'submitted', late = $2, submitted_at = $3, version = version + 1,
			returned_cells = '{}', comments = '{}', updated_at = clock_timestamp(), updated_by = $4 WHERE id = $1
			RETURNING version, updated_at, submitted_at`, id, late, f.Time(), subject(ctx)).Scan(&s.Version, &s.UpdatedAt, &s.SubmittedAt); err != nil {
			return err
		}
		s.State, s.Late, s.ReturnedCells, s.Comments = collectreportapi.Submitted, late, []string{}, map[string]string{}
		out = s
		return f.announce(ctx, tx, collectreportapi.EventSubmitted, out, 0)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// changedBeyond names a cell values changes that s did not return ("" when none).
func changedBeyond(s *collectreportapi.Submission, values map[string]string) string {
	open := map[string]bool{}
	for _, c := range s.ReturnedCells {
		open[c] = true
	}
	for name, v := range values {
		if !open[name] && v != s.Values[name] {
			return name
		}
	}
	for name, v := range s.Values {
		if _, kept := values[name]; !kept && !open[name] && v != "" {
			return name
		}
	}
	return ""
}
