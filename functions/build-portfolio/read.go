package buildportfolio

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/httpx"
)

// achievement: GET /api/build-portfolio/achievements/{id} — one
// achievement with its steps and proof files, for whoever reads it (rules.go:
// reader); a read of a pupil's by another than the pupil is in the child's
// audit log.
func (f *Function) achievement(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var out *achievement
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, err := loadAchievement(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if a == nil {
			return notYours(theAchievement)
		}
		at, err := placementOf(ctx, tx, a.OwnerID, today(f.Time()))
		if err != nil {
			return err
		}
		g, err := Rules.Grant(ctx, PermRead, reader(a, at))
		if err != nil {
			return notYours(theAchievement)
		}
		out = a
		return readAudited(r, tx, a.OwnerID, g.Role, []*achievement{a})
	})
	if err != nil {
		return err
	}
	return f.replyAchievement(w, r, http.StatusOK, out)
}

// portfolio: GET /api/build-portfolio/people/{id} — a person's achievements
// as the caller may see them (rules.go: reader), newest first. The pupil,
// the parents and the teacher see an empty portfolio; for anyone else a
// portfolio with nothing to show is not found.
func (f *Function) portfolio(w http.ResponseWriter, r *http.Request, person uuid.UUID) error {
	ctx := r.Context()
	out := buildportfolioapi.Portfolio{PersonID: person, Achievements: []buildportfolioapi.Achievement{}}
	at, err := placementOf(ctx, f.db, person, today(f.Time()))
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT `+achievementColumns+` FROM portfolio.achievements a WHERE a.owner_id = $1
		ORDER BY a.awarded_on DESC, a.created_at DESC`, person)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*achievement, error) { return scanAchievement(row) })
	if err != nil {
		return err
	}
	var role access.Role
	list = slices.DeleteFunc(list, func(a *achievement) bool {
		g, err := Rules.Grant(ctx, PermRead, reader(a, at))
		if err == nil && role == "" {
			role = g.Role
		}
		return err != nil
	})
	if len(list) == 0 && !Rules.Reaches(ctx, PermRead, ownerSide(person)) {
		return notYours(thePortfolio)
	}
	if err := withDetails(ctx, f.db, list); err != nil {
		return err
	}
	for _, a := range list {
		f.mark(ctx, a, at)
		out.Achievements = append(out.Achievements, a.Achievement)
	}
	// A read by another than the pupil is answered only once it is in the
	// child's audit log.
	if audited(r, person, list) {
		if err := db.InTx(ctx, f.db, func(tx pgx.Tx) error { return readAudited(r, tx, person, role, list) }); err != nil {
			return err
		}
	}
	return httpx.Reply(w, http.StatusOK, out, nil)
}

// audited reports whether a read of owner's list must be audited: a
// pupil's achievements read by another than the pupil.
func audited(r *http.Request, owner uuid.UUID, list []*achievement) bool {
	pupils := slices.ContainsFunc(list, func(a *achievement) bool { return a.OwnerKind == buildportfolioapi.OwnerPupil })
	me := access.PersonOf(r.Context())
	return pupils && (me == nil || *me != owner)
}

// ownerSide is the target of a person's portfolio as its owner's side
// reaches it: the person (a pupil, a teacher) and the parents.
func ownerSide(person uuid.UUID) access.Target {
	return access.Target{PersonID: person.String(), ByOffice: append([]access.Role{access.Person}, family...)}
}

// readAudited records, in the child's audit log, a read of pupil's
// achievements by another than the pupil (a parent, the school).
func readAudited(r *http.Request, tx pgx.Tx, owner uuid.UUID, role access.Role, list []*achievement) error {
	if !audited(r, owner, list) {
		return nil
	}
	e := audit.FromRequest(r)
	e.ActorRole, e.SubjectPersonID, e.Action, e.Object = string(role), owner, audit.ActionRead, "portfolio.achievements"
	e.Fields, e.Purpose = []string{"achievements"}, "portfolio"
	return audit.Append(r.Context(), tx, e)
}

// claims: GET /api/build-portfolio/claims — the claims waiting for the
// caller's decision, oldest first: pupils' of the class teacher's classes
// and of the administration's schools, teachers' of the director's.
func (f *Function) claims(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reach := Rules.Reach(ctx, PermConfirm)
	day := today(f.Time())
	rows, err := f.db.Query(ctx, `SELECT `+achievementColumns+`,
		    coalesce((SELECT array_agg(DISTINCT e.class_id::text) FROM portfolio.enrollments e WHERE e.pupil_id = a.owner_id
		      AND e.organisation_id = a.organisation_id AND e.class_id IS NOT NULL AND e.starts_on <= $3 AND (e.ends_on IS NULL OR e.ends_on >= $3)), '{}')
		FROM portfolio.achievements a
		WHERE a.state = 'claimed' AND (a.organisation_id::text = ANY($1) OR (a.owner_kind = 'pupil' AND EXISTS (
		    SELECT 1 FROM portfolio.enrollments e WHERE e.pupil_id = a.owner_id AND e.organisation_id = a.organisation_id
		      AND e.class_id::text = ANY($2) AND e.starts_on <= $3 AND (e.ends_on IS NULL OR e.ends_on >= $3))))
		ORDER BY a.created_at LIMIT 500`, reach.Organisations, reach.Classes, day)
	if err != nil {
		return err
	}
	type candidate struct {
		a       *achievement
		classes []string
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (candidate, error) {
		var c candidate
		var err error
		c.a, err = scanAchievement(row, &c.classes)
		return c, err
	})
	if err != nil {
		return err
	}
	var mine []*achievement
	for _, c := range list {
		if !Rules.Reaches(ctx, PermConfirm, decider(c.a, placement{organisations: []string{c.a.school()}, classes: c.classes})) {
			continue
		}
		if own, err := ownClaim(ctx, f.db, c.a); err != nil || own {
			if err != nil {
				return err
			}
			continue
		}
		c.a.MayDecide = true
		mine = append(mine, c.a)
	}
	if err := withDetails(ctx, f.db, mine); err != nil {
		return err
	}
	out := make([]buildportfolioapi.Achievement, 0, len(mine))
	for _, a := range mine {
		out = append(out, a.Achievement)
	}
	return httpx.Reply(w, http.StatusOK, out, nil)
}

// myAccess: GET /api/build-portfolio/access — what the caller may open of
// portfolios.
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	a := buildportfolioapi.Access{
		Pupils:   []uuid.UUID{},
		Confirms: !Rules.Reach(ctx, PermConfirm).None(),
		Operates: Rules.Reach(ctx, PermOperate).Region,
	}
	// The claimants' personal grants are the pupil's own and the parents'.
	reach := Rules.Reach(ctx, PermClaim)
	a.Pupils, a.Teacher = access.IDs(reach.Persons), len(reach.Organisations) > 0
	return httpx.Reply(w, http.StatusOK, a, err)
}

// replyAchievement answers a with its steps and files and what the caller
// may do with it now.
func (f *Function) replyAchievement(w http.ResponseWriter, r *http.Request, status int, a *achievement) error {
	ctx := r.Context()
	if err := withDetails(ctx, f.db, []*achievement{a}); err != nil {
		return err
	}
	at, err := placementOf(ctx, f.db, a.OwnerID, today(f.Time()))
	if err != nil {
		return err
	}
	f.mark(ctx, a, at)
	return httpx.Reply(w, status, a.Achievement, nil)
}

// mark says what the caller may do with a now: decide on it (a claim of the
// caller's class or school, not the caller's own) or add proof and withdraw
// it (the claimant's side).
func (f *Function) mark(ctx context.Context, a *achievement, at placement) {
	if a.State != buildportfolioapi.Claimed {
		return
	}
	if a.OwnerKind == buildportfolioapi.OwnerTeacher {
		a.MayChange = Rules.Reaches(ctx, PermClaim, teacherOwn(*a.OrganisationID, a.OwnerID))
	} else {
		a.MayChange = Rules.Reaches(ctx, PermClaim, pupilClaimant(a.OwnerID, at))
	}
	me := access.PersonOf(ctx)
	if me == nil || *me == a.OwnerID || (len(a.Steps) > 0 && a.Steps[0].Actor == callerSubject(ctx)) {
		return
	}
	a.MayDecide = Rules.Reaches(ctx, PermConfirm, decider(a, placement{organisations: []string{a.school()}, classes: at.classes}))
}

// callerSubject is the account of the caller of ctx ("" for none).
func callerSubject(ctx context.Context) string {
	if pr := auth.PrincipalFrom(ctx); pr != nil {
		return pr.Subject
	}
	return ""
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

func itoa(n int) string { return strconv.Itoa(n) }
