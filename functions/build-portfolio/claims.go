package buildportfolio

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// claim: POST /api/build-portfolio/achievements — an achievement claimed
// for a pupil (by the pupil, a parent or the class teacher; decided at the
// pupil's school) or by a teacher for the own portfolio (decided by the
// director of the school named). It waits for the decision; proof files
// are added to it next. A second identical claim waiting for the decision
// (a double click, a retry) is answered with the first.
func (f *Function) claim(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in buildportfolioapi.ClaimRequest
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	c, err := checkClaim(in, today(f.Time()))
	if err != nil {
		return err
	}
	var out *achievement
	status := http.StatusCreated
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		role, err := f.claimant(ctx, tx, in, &c)
		if err != nil {
			return err
		}
		var existing uuid.UUID
		err = tx.QueryRow(ctx, `SELECT id FROM portfolio.achievements WHERE owner_id = $1 AND category = $2 AND lower(title) = lower($3)
			AND awarded_on = $4 AND state IN ('claimed', 'confirmed') ORDER BY state LIMIT 1`, c.owner, c.Category, c.Title, c.awardedOn).Scan(&existing)
		switch {
		case err == nil:
			if out, err = loadAchievement(ctx, tx, existing, false); err != nil {
				return err
			}
			if out.State == buildportfolioapi.Confirmed {
				return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: buildportfolioapi.ReasonDuplicate,
					Detail: "такое достижение уже есть в портфолио: «" + out.Title + "», " + out.AwardedOn}
			}
			status = http.StatusOK
			return nil
		case err != pgx.ErrNoRows:
			return err
		}
		id := uuid.Must(uuid.NewV7())
		if _, err := tx.Exec(ctx, `INSERT INTO portfolio.achievements (id, owner_id, owner_kind, organisation_id, municipality_id, category, title,
				level, result, organiser, awarded_on, hours, document, description, source, state, created_at, changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), NULLIF($9, ''), $10, $11, $12, $13, $14, 'claim', 'claimed', clock_timestamp(), clock_timestamp())`,
			id, c.owner, c.OwnerKind, c.organisation, c.municipality, c.Category, c.Title, c.Level, c.Result, c.Organiser, c.awardedOn,
			c.Hours, c.Document, c.Description); err != nil {
			return err
		}
		if err := step(ctx, tx, id, buildportfolioapi.StepClaimed, buildportfolioapi.Claimed, "", role); err != nil {
			return err
		}
		out, err = loadAchievement(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return err
	}
	return f.replyAchievement(w, r, status, out)
}

// checkedClaim is a claim whose fields are checked, with whose it is and
// where it is decided.
type checkedClaim struct {
	buildportfolioapi.ClaimRequest
	owner        uuid.UUID
	awardedOn    time.Time
	organisation *uuid.UUID
	municipality *uuid.UUID
}

// checkClaim checks the fields of a claim that need nothing stored: every
// wrong field is reported at once.
func checkClaim(in buildportfolioapi.ClaimRequest, day time.Time) (checkedClaim, error) {
	c := checkedClaim{ClaimRequest: in}
	var fe []errs.FieldError
	c.Title, c.Organiser = strings.TrimSpace(in.Title), strings.TrimSpace(in.Organiser)
	c.Document, c.Description = strings.TrimSpace(in.Document), strings.TrimSpace(in.Description)
	if in.OwnerKind != buildportfolioapi.OwnerPupil && in.OwnerKind != buildportfolioapi.OwnerTeacher {
		fe = append(fe, field("owner_kind", errs.Enum, "чьё достижение: pupil (ученика) или teacher (педагога)"))
	}
	cat, known := buildportfolioapi.CategoryOf(in.Category)
	switch {
	case !known:
		fe = append(fe, field("category", errs.Enum, "неизвестный вид достижения"))
	case cat.Owner != in.OwnerKind:
		fe = append(fe, field("category", buildportfolioapi.ReasonCategory, "«"+cat.Title+"» — достижение другого владельца"))
	}
	fe = text(fe, "title", c.Title, 1, 300, "название")
	fe = text(fe, "organiser", c.Organiser, 0, 300, "организатор")
	fe = text(fe, "document", c.Document, 0, 300, "документ")
	if n := utf8.RuneCountInString(c.Description); n > 3000 || !utf8.ValidString(c.Description) {
		fe = append(fe, field("description", errs.Length, "описание: до 3000 символов"))
	}
	if known && cat.Ranked {
		if buildportfolioapi.TitleOf(buildportfolioapi.Levels, in.Level) == "" {
			fe = append(fe, field("level", buildportfolioapi.ReasonLevel, "укажите уровень: школьный, муниципальный, региональный, всероссийский или международный"))
		}
		if buildportfolioapi.TitleOf(buildportfolioapi.Results, in.Result) == "" {
			fe = append(fe, field("result", buildportfolioapi.ReasonLevel, "укажите результат: участник, призёр или победитель"))
		}
	} else if known {
		if in.Level != "" {
			fe = append(fe, field("level", buildportfolioapi.ReasonUnexpected, "у этого вида достижения нет уровня"))
		}
		if in.Result != "" {
			fe = append(fe, field("result", buildportfolioapi.ReasonUnexpected, "у этого вида достижения нет результата"))
		}
	}
	switch {
	case known && !cat.Hours && in.Hours != nil:
		fe = append(fe, field("hours", buildportfolioapi.ReasonUnexpected, "часы указываются только для курсов и волонтёрства"))
	case known && cat.Code == "course" && in.Hours == nil:
		fe = append(fe, field("hours", errs.Required, "укажите объём курса в часах"))
	case in.Hours != nil && (*in.Hours < 1 || *in.Hours > 5000):
		fe = append(fe, field("hours", errs.Range, "часы: от 1 до 5000"))
	}
	d, err := time.Parse(time.DateOnly, in.AwardedOn)
	switch {
	case in.AwardedOn == "":
		fe = append(fe, field("awarded_on", errs.Required, "укажите дату"))
	case err != nil:
		fe = append(fe, field("awarded_on", errs.Format, "дата в виде ГГГГ-ММ-ДД"))
	case d.After(day):
		fe = append(fe, field("awarded_on", buildportfolioapi.ReasonFuture, "дата ещё не наступила"))
	case d.Year() < 1950:
		fe = append(fe, field("awarded_on", errs.Range, "дата не раньше 1950 года"))
	}
	c.awardedOn = d
	if len(fe) > 0 {
		return c, errs.Fields("достижение не добавлено: исправьте поля", fe...)
	}
	return c, nil
}

// text checks a one-line text field of min…max characters.
func text(fe []errs.FieldError, name, s string, min, max int, what string) []errs.FieldError {
	n := utf8.RuneCountInString(s)
	switch {
	case min > 0 && n == 0:
		return append(fe, field(name, errs.Required, "укажите: "+what))
	case n > max || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return append(fe, field(name, errs.Length, what+": одна строка до "+itoa(max)+" символов"))
	}
	return fe
}

// claimant checks who claims for whom and fills c's owner and the school
// that decides; the answer is the role the claim is made under.
func (f *Function) claimant(ctx context.Context, tx pgx.Tx, in buildportfolioapi.ClaimRequest, c *checkedClaim) (access.Role, error) {
	if in.OwnerKind == buildportfolioapi.OwnerTeacher {
		me := access.PersonOf(ctx)
		if me == nil || (in.OwnerID != "" && in.OwnerID != me.String()) {
			return "", notYours(thePortfolio)
		}
		orgs := access.IDs(Rules.Reach(ctx, PermClaim).Organisations)
		if in.OrganisationID != "" {
			id, err := uuid.Parse(in.OrganisationID)
			if err != nil {
				return "", errs.Fields("достижение не добавлено", field("organisation_id", errs.Format, "неверный идентификатор школы"))
			}
			orgs = []uuid.UUID{id}
		}
		if len(orgs) == 0 {
			return "", notYours(theSchool)
		}
		g, err := Rules.Grant(ctx, PermClaim, teacherOwn(orgs[0], *me))
		if err != nil {
			return "", notYours(theSchool)
		}
		c.owner, c.organisation = *me, &orgs[0]
		if m, err := uuid.Parse(g.MunicipalityID); err == nil {
			c.municipality = &m
		}
		return g.Role, nil
	}
	pupil, err := uuid.Parse(in.OwnerID)
	if err != nil {
		return "", errs.Fields("достижение не добавлено", field("owner_id", errs.Format, "укажите ученика"))
	}
	at, err := placementOf(ctx, tx, pupil, today(f.Time()))
	if err != nil {
		return "", err
	}
	g, err := Rules.Grant(ctx, PermClaim, pupilClaimant(pupil, at))
	if err != nil {
		return "", notYours(thePupil)
	}
	c.owner = pupil
	if len(at.organisations) == 0 {
		return "", unprocessable("ученик сейчас не числится ни в одной школе: подтвердить достижение некому",
			field("owner_id", buildportfolioapi.ReasonNoSchool, "ученик не числится ни в одной школе"))
	}
	org := at.organisations[0]
	if in.OrganisationID != "" {
		if !contains(at.organisations, in.OrganisationID) {
			return "", errs.Fields("достижение не добавлено", field("organisation_id", errs.Enum, "ученик не числится в этой школе"))
		}
		org = in.OrganisationID
	}
	id := uuid.MustParse(org)
	c.organisation = &id
	return g.Role, nil
}

// decide: POST /api/build-portfolio/achievements/{id}/decision — the class
// teacher or the administration (a teacher's claim: the director) confirms
// a claim that has a checked proof file, or rejects it with a reason,
// naming the version seen. Nobody decides on an own achievement or on a
// claim made by oneself.
func (f *Function) decide(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.DecisionRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch {
	case in.Decision != buildportfolioapi.Confirm && in.Decision != buildportfolioapi.Reject:
		return errs.Fields("решение не принято", field("decision", errs.Enum, "решение: confirmed (подтвердить) или rejected (отклонить)"))
	case in.Decision == buildportfolioapi.Reject && in.Reason == "":
		return errs.Fields("решение не принято", field("reason", errs.Required, "укажите причину отказа"))
	case utf8.RuneCountInString(in.Reason) > 1000 || strings.ContainsFunc(in.Reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		return errs.Fields("решение не принято", field("reason", errs.Length, "причина: до 1000 символов"))
	}
	var out *achievement
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, err := loadAchievement(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a == nil || a.Source != buildportfolioapi.SourceClaim {
			return notYours(theAchievement)
		}
		at, err := placement{}.at(ctx, tx, a.school(), a.OwnerID, today(f.Time()))
		if err != nil {
			return err
		}
		g, err := Rules.Grant(ctx, PermConfirm, decider(a, at))
		if err != nil {
			return notYours(theAchievement)
		}
		if own, err := ownClaim(ctx, tx, a); err != nil || own {
			if err == nil {
				err = unprocessable("своё достижение или поданное вами подтверждает другой сотрудник",
					field("decision", buildportfolioapi.ReasonOwnClaim, "решение по своему достижению принимает другой"))
			}
			return err
		}
		if a.State != buildportfolioapi.Claimed {
			return notNow(a, "решение уже принято: достижение "+a.StateTitle)
		}
		if in.Version != a.Version {
			return notNow(a, "достижение изменилось: обновите страницу")
		}
		if in.Decision == buildportfolioapi.Confirm {
			var proofs int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM portfolio.files WHERE achievement_id = $1 AND state = 'clean'`, id).Scan(&proofs); err != nil {
				return err
			}
			if proofs == 0 {
				return unprocessable("подтвердить нельзя: не приложен подтверждающий документ",
					field("decision", buildportfolioapi.ReasonNoProof, "нет проверенного скана документа"))
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE portfolio.achievements SET state = $2, version = version + 1, changed_at = clock_timestamp() WHERE id = $1`,
			id, in.Decision); err != nil {
			return err
		}
		action := buildportfolioapi.StepConfirmed
		if in.Decision == buildportfolioapi.Reject {
			action = buildportfolioapi.StepRejected
		}
		if err := step(ctx, tx, id, action, in.Decision, in.Reason, g.Role); err != nil {
			return err
		}
		out, err = loadAchievement(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return err
	}
	return f.replyAchievement(w, r, http.StatusOK, out)
}

// ownClaim reports whether the caller of ctx is the one a belongs to or
// the one who claimed it.
func ownClaim(ctx context.Context, q querier, a *achievement) (bool, error) {
	me := access.PersonOf(ctx)
	if me != nil && *me == a.OwnerID {
		return true, nil
	}
	var claimedBy string
	err := q.QueryRow(ctx, `SELECT actor_subject FROM portfolio.steps WHERE achievement_id = $1 AND action = 'claimed' ORDER BY id LIMIT 1`, a.ID).Scan(&claimedBy)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	return err == nil && claimedBy == callerSubject(ctx), err
}

// withdraw: POST /api/build-portfolio/achievements/{id}/withdraw — the
// claimant's side (the pupil, a parent, the class teacher; the teacher of
// an own claim) takes a claim back before the decision.
func (f *Function) withdraw(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.WithdrawRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	var out *achievement
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, role, err := f.claimed(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.State != buildportfolioapi.Claimed || in.Version != a.Version {
			return notNow(a, "отозвать можно только достижение на подтверждении, в той версии, что вы видели")
		}
		if _, err := tx.Exec(ctx, `UPDATE portfolio.achievements SET state = 'withdrawn', version = version + 1, changed_at = clock_timestamp() WHERE id = $1`, id); err != nil {
			return err
		}
		if err := step(ctx, tx, id, buildportfolioapi.StepWithdrawn, buildportfolioapi.Withdrawn, "", role); err != nil {
			return err
		}
		out, err = loadAchievement(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return err
	}
	return f.replyAchievement(w, r, http.StatusOK, out)
}

// claimed is claim id locked, when the caller is on its claimant's side;
// role is the grant's role the caller acts under.
func (f *Function) claimed(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*achievement, access.Role, error) {
	a, err := loadAchievement(ctx, tx, id, true)
	if err != nil {
		return nil, "", err
	}
	if a == nil || a.Source != buildportfolioapi.SourceClaim {
		return nil, "", notYours(theAchievement)
	}
	t, err := f.claimantTarget(ctx, tx, a)
	if err != nil {
		return nil, "", err
	}
	g, err := Rules.Grant(ctx, PermClaim, t)
	if err != nil {
		return nil, "", notYours(theAchievement)
	}
	return a, g.Role, nil
}

// claimantTarget is the target of the claimant's side of a.
func (f *Function) claimantTarget(ctx context.Context, q querier, a *achievement) (access.Target, error) {
	if a.OwnerKind == buildportfolioapi.OwnerTeacher {
		return teacherOwn(*a.OrganisationID, a.OwnerID), nil
	}
	at, err := placementOf(ctx, q, a.OwnerID, today(f.Time()))
	return pupilClaimant(a.OwnerID, at), err
}
