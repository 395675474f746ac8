package buildportfolio

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// Why a result is parked.
var parkReasons = map[string]string{
	registryapi.NoPerson:  "в реестре нет такого человека: ни по СНИЛС, ни по ФИО и дате рождения",
	registryapi.Ambiguous: "по ФИО и дате рождения нашлось несколько человек: нужен СНИЛС",
}

// olympiadResult: an olympiad operator's result posted to /events — matched
// to a registry person by the registry (SNILS, else full name and birth
// date) and recorded as a confirmed achievement received from the
// operator; matched to nobody (or to several), parked for the operator with
// the reason. The operator's result id makes a repost the same result.
func (f *Function) olympiadResult(w http.ResponseWriter, r *http.Request, eventID string, data []byte) error {
	ctx := r.Context()
	pr := auth.PrincipalFrom(ctx)
	if pr == nil || pr.Subject != buildportfolioapi.OlympiadSubject {
		return errs.E(errs.Forbidden, "olympiad results are accepted only from the olympiad operator's service account")
	}
	if err := f.outbox.Catalogue.Validate(buildportfolioapi.EventOlympiadResult, data); err != nil {
		return err
	}
	var in buildportfolioapi.OlympiadResult
	if err := json.Unmarshal(data, &in); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: повторите позже")
	}
	p := in.Participant
	m, err := f.registry.Match(ctx, registryapi.MatchRequest{SNILS: p.SNILS, FamilyName: p.FamilyName, GivenName: p.GivenName,
		MiddleName: p.MiddleName, BirthDate: p.BirthDate})
	if e, refused := errs.As(err); refused && e.Code == errs.Invalid && p.SNILS != "" {
		// A SNILS the registry refuses (a typo): try the name and birth date.
		m, err = f.registry.Match(ctx, registryapi.MatchRequest{FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName, BirthDate: p.BirthDate})
	}
	if err != nil {
		return err
	}
	if m.Status == registryapi.NoPerson && p.SNILS != "" {
		m, err = f.registry.Match(ctx, registryapi.MatchRequest{FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName, BirthDate: p.BirthDate})
		if err != nil {
			return err
		}
	}
	var out buildportfolioapi.ReceiptOfResult
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if m.Status == registryapi.Matched && m.PersonID != nil {
			id, err := f.recordResult(ctx, tx, in, *m.PersonID, eventID, pr.Subject, "сопоставлено по "+matchedBy(m.By))
			out = buildportfolioapi.ReceiptOfResult{Outcome: buildportfolioapi.Recorded, AchievementID: &id}
			return err
		}
		id, err := park(ctx, tx, in, parkReasons[m.Status])
		out = buildportfolioapi.ReceiptOfResult{Outcome: buildportfolioapi.Parked, ParkedID: &id, Reason: parkReasons[m.Status]}
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

func matchedBy(by string) string {
	if by == "snils" {
		return "СНИЛС"
	}
	return "ФИО и дате рождения"
}

// recordResult writes in as pupil's achievement received from the
// operator (the same one for the same result id), and closes its parking.
func (f *Function) recordResult(ctx context.Context, tx pgx.Tx, in buildportfolioapi.OlympiadResult, pupil uuid.UUID, eventID, actor, how string) (uuid.UUID, error) {
	at, err := placementOf(ctx, tx, pupil, today(f.Time()))
	if err != nil {
		return uuid.Nil, err
	}
	var org *uuid.UUID
	if len(at.organisations) > 0 {
		id := uuid.MustParse(at.organisations[0])
		org = &id
	}
	title := strings.TrimSpace(in.Olympiad)
	if s := strings.TrimSpace(in.Subject); s != "" {
		title += " (" + s + ")"
	}
	if utf8.RuneCountInString(title) > 300 {
		title = string([]rune(title)[:300])
	}
	if err := applyBuilt(ctx, tx, built{owner: pupil, org: org, category: "olympiad", title: title, level: in.Level, result: in.Result,
		organiser: in.Organiser, awardedOn: in.Date, system: buildportfolioapi.OlympiadSystem, record: in.ResultID, eventID: eventID,
		at: f.Time(), holds: true, source: buildportfolioapi.SourceExternal, actor: actor, reason: how}); err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT id FROM portfolio.achievements WHERE source_system = $1 AND source_record = $2`,
		buildportfolioapi.OlympiadSystem, in.ResultID).Scan(&id); err != nil {
		return uuid.Nil, err
	}
	_, err = tx.Exec(ctx, `UPDATE portfolio.parked SET resolved_at = clock_timestamp(), resolved_by = $3, achievement_id = $4
		WHERE system = $1 AND record = $2 AND resolved_at IS NULL`, buildportfolioapi.OlympiadSystem, in.ResultID, actor, id)
	return id, err
}

// park keeps a result nobody matched (SNILS masked) with the reason; a
// repost refreshes it.
func park(ctx context.Context, tx pgx.Tx, in buildportfolioapi.OlympiadResult, reason string) (uuid.UUID, error) {
	if s := in.Participant.SNILS; s != "" {
		in.Participant.SNILS = maskSNILS(s)
	}
	data, err := json.Marshal(in)
	if err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO portfolio.parked (id, system, record, data, reason, received_at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())
		ON CONFLICT (system, record) DO UPDATE SET data = EXCLUDED.data, reason = EXCLUDED.reason, received_at = EXCLUDED.received_at
		RETURNING id`, uuid.Must(uuid.NewV7()), buildportfolioapi.OlympiadSystem, in.ResultID, data, reason).Scan(&id)
	return id, err
}

// maskSNILS keeps a SNILS's last three digits and check number only.
func maskSNILS(s string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if len(digits) < 5 {
		return "***"
	}
	return "***-***-" + digits[len(digits)-5:len(digits)-2] + " " + digits[len(digits)-2:]
}

// parked: GET /api/build-portfolio/parked — the results waiting for the
// operator (the ministry), oldest first.
func (f *Function) parked(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := require(ctx, PermOperate, access.WholeRegion, theParked); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT id, system, record, data, reason, received_at, resolved_at, achievement_id
		FROM portfolio.parked WHERE resolved_at IS NULL ORDER BY received_at LIMIT 500`)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, scanParked)
	if list == nil {
		list = []buildportfolioapi.ParkedResult{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

func scanParked(row pgx.CollectableRow) (buildportfolioapi.ParkedResult, error) {
	var p buildportfolioapi.ParkedResult
	var data []byte
	if err := row.Scan(&p.ID, &p.System, &p.Record, &data, &p.Reason, &p.ReceivedAt, &p.ResolvedAt, &p.AchievementID); err != nil {
		return p, err
	}
	return p, json.Unmarshal(data, &p.Result)
}

// matchParked: POST /api/build-portfolio/parked/{id}/match {person_id} —
// the operator, having found the person (the registry's search), records
// the result as that person's achievement, the match kept in its steps.
func (f *Function) matchParked(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.MatchRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	if err := require(ctx, PermOperate, access.WholeRegion, theParked); err != nil {
		return err
	}
	person, err := uuid.Parse(in.PersonID)
	if err != nil {
		return errs.Fields("результат не сопоставлен", field("person_id", errs.Format, "укажите человека из реестра"))
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: повторите позже")
	}
	if _, err := f.registry.Person(ctx, person); err != nil { // the operator sees that person: it exists
		return err
	}
	var out buildportfolioapi.ReceiptOfResult
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var p buildportfolioapi.ParkedResult
		rows, err := tx.Query(ctx, `SELECT id, system, record, data, reason, received_at, resolved_at, achievement_id
			FROM portfolio.parked WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, scanParked)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return notYours(theParked)
		}
		p = list[0]
		if p.ResolvedAt != nil {
			out = buildportfolioapi.ReceiptOfResult{Outcome: buildportfolioapi.Recorded, AchievementID: p.AchievementID}
			return nil
		}
		aid, err := f.recordResult(ctx, tx, p.Result, person, "", callerSubject(ctx), "сопоставлено оператором")
		out = buildportfolioapi.ReceiptOfResult{Outcome: buildportfolioapi.Recorded, AchievementID: &aid}
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}
