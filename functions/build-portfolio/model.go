package buildportfolio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// achievement is a stored achievement.
type achievement struct {
	buildportfolioapi.Achievement
	municipality *uuid.UUID
}

// school is the organisation the achievement is held at ("" for none).
func (a *achievement) school() string {
	if a.OrganisationID == nil {
		return ""
	}
	return a.OrganisationID.String()
}

const achievementColumns = `a.id, a.owner_id, a.owner_kind, a.organisation_id, a.municipality_id, a.category, a.title,
	coalesce(a.level, ''), coalesce(a.result, ''), a.organiser, to_char(a.awarded_on, 'YYYY-MM-DD'), a.hours, a.document, a.description,
	a.source, coalesce(a.source_system, ''), coalesce(a.source_record, ''), coalesce(a.source_event, ''), a.source_at,
	a.state, a.version, a.created_at, a.changed_at`

// scanAchievement scans achievementColumns, then the row's further columns
// into extra, and fills the titles.
func scanAchievement(row pgx.Row, extra ...any) (*achievement, error) {
	var a achievement
	var system, record, event string
	var at *time.Time
	if err := row.Scan(append([]any{&a.ID, &a.OwnerID, &a.OwnerKind, &a.OrganisationID, &a.municipality, &a.Category, &a.Title,
		&a.Level, &a.Result, &a.Organiser, &a.AwardedOn, &a.Hours, &a.Document, &a.Description,
		&a.Source, &system, &record, &event, &at, &a.State, &a.Version, &a.CreatedAt, &a.ChangedAt}, extra...)...); err != nil {
		return nil, err
	}
	if system != "" {
		a.Origin = &buildportfolioapi.Origin{System: system, Record: record, EventID: event, At: at}
	}
	c, _ := buildportfolioapi.CategoryOf(a.Category)
	a.CategoryTitle = c.Title
	a.LevelTitle = buildportfolioapi.TitleOf(buildportfolioapi.Levels, a.Level)
	a.ResultTitle = buildportfolioapi.TitleOf(buildportfolioapi.Results, a.Result)
	a.SourceTitle = buildportfolioapi.Sources[a.Source]
	a.StateTitle = buildportfolioapi.States[a.State]
	a.Files, a.Steps = []buildportfolioapi.File{}, []buildportfolioapi.Step{}
	return &a, nil
}

// loadAchievement reads achievement id (lock: FOR UPDATE); nil when there is none.
func loadAchievement(ctx context.Context, q querier, id uuid.UUID, lock bool) (*achievement, error) {
	sql := `SELECT ` + achievementColumns + ` FROM portfolio.achievements a WHERE a.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	a, err := scanAchievement(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("achievement %s: %w", id, err)
	}
	return a, nil
}

// withDetails fills the achievements' files and steps, in two queries.
func withDetails(ctx context.Context, q querier, list []*achievement) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[uuid.UUID]*achievement, len(list))
	ids := make([]uuid.UUID, 0, len(list))
	for _, a := range list {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	rows, err := q.Query(ctx, `SELECT achievement_id, action, state, coalesce(reason, ''), actor_id, coalesce(actor_role, ''), actor_subject, at
		FROM portfolio.steps WHERE achievement_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id uuid.UUID
		var s buildportfolioapi.Step
		if err := rows.Scan(&id, &s.Action, &s.State, &s.Reason, &s.ActorID, &s.ActorRole, &s.Actor, &s.At); err != nil {
			rows.Close()
			return err
		}
		byID[id].Steps = append(byID[id].Steps, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT achievement_id, `+fileColumns+` FROM portfolio.files f
		WHERE achievement_id = ANY($1) AND state <> 'refused' ORDER BY created_at`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var fl buildportfolioapi.File
		if err := scanFile(rows, &id, &fl); err != nil {
			return err
		}
		byID[id].Files = append(byID[id].Files, fl)
	}
	return rows.Err()
}

const fileColumns = `f.id, f.name, f.content_type, f.size, f.sha256, f.state, coalesce(f.refusal, ''), f.confirmed_at`

// scanFile scans fileColumns after the row's leading columns lead.
func scanFile(row pgx.Row, lead *uuid.UUID, fl *buildportfolioapi.File) error {
	var sum []byte
	dest := []any{&fl.ID, &fl.Name, &fl.ContentType, &fl.Size, &sum, &fl.State, &fl.Refusal, &fl.ConfirmedAt}
	if lead != nil {
		dest = append([]any{lead}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	if sum != nil {
		fl.SHA256 = fmt.Sprintf("%x", sum)
	}
	return nil
}

// placementOf is where pupil studies on day, as the roster has it.
func placementOf(ctx context.Context, q querier, pupil uuid.UUID, day time.Time) (placement, error) {
	var p placement
	err := q.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT organisation_id::text), '{}'),
		       coalesce(array_agg(DISTINCT class_id::text) FILTER (WHERE class_id IS NOT NULL), '{}')
		FROM portfolio.enrollments WHERE pupil_id = $1 AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2)`,
		pupil, day).Scan(&p.organisations, &p.classes)
	return p, err
}

// at narrows p to the classes of org (the classes a claim made at that
// school is decided by).
func (p placement) at(ctx context.Context, q querier, org string, pupil uuid.UUID, day time.Time) (placement, error) {
	out := placement{organisations: []string{org}}
	err := q.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT class_id::text) FILTER (WHERE class_id IS NOT NULL), '{}')
		FROM portfolio.enrollments WHERE pupil_id = $1 AND organisation_id::text = $2 AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $3)`,
		pupil, org, day).Scan(&out.classes)
	return out, err
}

// step records a step of achievement id as the caller of ctx takes it
// (role: the grant's role it is taken under).
func step(ctx context.Context, tx pgx.Tx, id uuid.UUID, action, state, reason string, role access.Role) error {
	subject := ""
	if pr := auth.PrincipalFrom(ctx); pr != nil {
		subject = pr.Subject
	}
	_, err := tx.Exec(ctx, `INSERT INTO portfolio.steps (achievement_id, action, state, reason, actor_subject, actor_id, actor_role, at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, NULLIF($7, ''), clock_timestamp())`,
		id, action, state, reason, subject, access.PersonOf(ctx), string(role))
	return err
}

func unprocessable(detail string, fe ...errs.FieldError) error {
	return &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: detail, Fields: fe}
}

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

// notNow is the refusal of a step a's state (or version) does not allow.
func notNow(a *achievement, detail string) error {
	return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: buildportfolioapi.ReasonState, Detail: detail,
		Extra: map[string]any{buildportfolioapi.MemberCurrentVersion: a.Version, buildportfolioapi.MemberCurrentState: a.State}}
}

// today is the date in Kemerovo at now.
func today(now time.Time) time.Time { return kuzbass.Date(now) }

// readAll reads the request's body.
func readAll(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r.Body)
	return buf.Bytes(), err
}
