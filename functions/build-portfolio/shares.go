package buildportfolio

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// sharer is the target of making and revoking owner's share links: the
// parents and the teacher always; the pupil from 14 (checked apart: the
// age is the registry's).
func sharer(owner uuid.UUID) access.Target { return exporter(owner) }

// adultAge is the age from which a pupil shares the own portfolio; a
// younger child's is shared by a parent.
const adultAge = 14

// share: POST /api/build-portfolio/people/{id}/shares — the owner's side
// makes a link showing chosen confirmed achievements to anyone who holds
// it, for 1–90 days. The link's token is 32 random bytes; only its SHA-256
// is stored, and the URL is answered once.
func (f *Function) share(w http.ResponseWriter, r *http.Request, owner uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.ShareRequest
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	if err := require(ctx, PermShare, sharer(owner), thePortfolio); err != nil {
		return err
	}
	if me := access.PersonOf(ctx); me != nil && *me == owner {
		at, err := placementOf(ctx, f.db, owner, today(f.Time()))
		if err != nil {
			return err
		}
		if len(at.organisations) > 0 { // a pupil's own
			if err := f.oldEnough(r, owner); err != nil {
				return err
			}
		}
	}
	if in.Days == 0 {
		in.Days = 30
	}
	if in.Days < 1 || in.Days > 90 {
		return errs.Fields("ссылка не создана", field("days", errs.Range, "срок действия ссылки — от 1 до 90 дней"))
	}
	if len(in.Achievements) == 0 || len(in.Achievements) > 200 {
		return errs.Fields("ссылка не создана", field("achievements", errs.Required, "выберите от 1 до 200 достижений"))
	}
	ids := make([]uuid.UUID, 0, len(in.Achievements))
	for _, s := range in.Achievements {
		id, err := uuid.Parse(s)
		if err != nil {
			return errs.Fields("ссылка не создана", field("achievements", errs.Format, "неверный идентификатор достижения"))
		}
		ids = append(ids, id)
	}
	var n int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM portfolio.achievements WHERE owner_id = $1 AND state = 'confirmed' AND id = ANY($2)`,
		owner, ids).Scan(&n); err != nil {
		return err
	}
	if n != len(uniq(ids)) {
		return unprocessable("показать по ссылке можно только подтверждённые достижения этого портфолио",
			field("achievements", buildportfolioapi.ReasonState, "выберите подтверждённые достижения"))
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	now := f.Time()
	s := buildportfolioapi.Share{ID: uuid.Must(uuid.NewV7()), OwnerID: owner, Achievements: uniq(ids), Token: token,
		URL: strings.TrimSuffix(f.issuing.base, "/api/"+Name) + "/shared/" + token, CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(in.Days) * 24 * time.Hour), Status: "active"}
	if _, err := f.db.Exec(ctx, `INSERT INTO portfolio.shares (id, owner_id, token_hash, achievements, created_at, created_by_subject, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, owner, sum[:], s.Achievements, now, callerSubject(ctx), s.ExpiresAt); err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusCreated, s, nil)
}

// oldEnough refuses a pupil under adultAge sharing the own portfolio.
func (f *Function) oldEnough(r *http.Request, pupil uuid.UUID) error {
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: повторите позже")
	}
	p, err := f.registry.Person(r.Context(), pupil)
	if err != nil {
		return err
	}
	born, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return err
	}
	if today(f.Time()).Before(born.AddDate(adultAge, 0, 0)) {
		return errs.User(errs.Forbidden, "до 14 лет ссылкой на портфолио делятся родители")
	}
	return nil
}

func uniq(ids []uuid.UUID) []uuid.UUID {
	seen := map[uuid.UUID]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

const shareColumns = `s.id, s.owner_id, s.achievements, s.created_at, s.expires_at, s.revoked_at, s.views, s.last_viewed_at`

func scanShare(row pgx.CollectableRow, now time.Time) (buildportfolioapi.Share, error) {
	var s buildportfolioapi.Share
	err := row.Scan(&s.ID, &s.OwnerID, &s.Achievements, &s.CreatedAt, &s.ExpiresAt, &s.RevokedAt, &s.Views, &s.LastViewedAt)
	switch {
	case s.RevokedAt != nil:
		s.Status = "revoked"
	case !s.ExpiresAt.After(now):
		s.Status = "expired"
	default:
		s.Status = "active"
	}
	return s, err
}

// shares: GET /api/build-portfolio/people/{id}/shares — the portfolio's
// share links, newest first, with how often each was opened.
func (f *Function) shares(w http.ResponseWriter, r *http.Request, owner uuid.UUID) error {
	ctx := r.Context()
	if err := require(ctx, PermShare, sharer(owner), thePortfolio); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT `+shareColumns+` FROM portfolio.shares s WHERE s.owner_id = $1 ORDER BY s.created_at DESC LIMIT 200`, owner)
	if err != nil {
		return err
	}
	now := f.Time()
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (buildportfolioapi.Share, error) { return scanShare(row, now) })
	if list == nil {
		list = []buildportfolioapi.Share{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

// unshare: DELETE /api/build-portfolio/shares/{id} — the owner's side
// revokes a link: from then on it shows nothing.
func (f *Function) unshare(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var owner uuid.UUID
	err := f.db.QueryRow(ctx, `SELECT owner_id FROM portfolio.shares WHERE id = $1`, id).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return notYours(theShare)
	}
	if err != nil {
		return err
	}
	if err := require(ctx, PermShare, sharer(owner), theShare); err != nil {
		return err
	}
	if _, err := f.db.Exec(ctx, `UPDATE portfolio.shares SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, f.Time()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// shared: GET /api/build-portfolio/shared/{token} — what a link shows, to
// anyone holding it: the chosen achievements still confirmed, with no name,
// birth date, school or other data of their owner. An unknown, expired or
// revoked link is one and the same 404.
func (f *Function) shared(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.PathValue("token")
	gone := errs.User(errs.NotFound, "ссылка недействительна: её срок истёк, её отозвали или её нет")
	if len(token) != 43 {
		return gone
	}
	sum := sha256.Sum256([]byte(token))
	var id uuid.UUID
	var ids []uuid.UUID
	out := buildportfolioapi.Shared{Achievements: []buildportfolioapi.SharedAchievement{}}
	err := f.db.QueryRow(ctx, `UPDATE portfolio.shares SET views = views + 1, last_viewed_at = $2
		WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING id, achievements, expires_at`, sum[:], f.Time()).Scan(&id, &ids, &out.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return gone
	}
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT `+achievementColumns+` FROM portfolio.achievements a
		WHERE a.id = ANY($1) AND a.state = 'confirmed' ORDER BY a.awarded_on DESC, a.id`, ids)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*achievement, error) { return scanAchievement(row) })
	if err != nil {
		return err
	}
	for _, a := range list {
		out.Achievements = append(out.Achievements, buildportfolioapi.SharedAchievement{Category: a.CategoryTitle, Title: a.Title,
			Level: a.LevelTitle, Result: a.ResultTitle, Organiser: a.Organiser, AwardedOn: a.AwardedOn, Description: a.Description, Source: a.SourceTitle})
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	return httpx.Reply(w, http.StatusOK, out, nil)
}
