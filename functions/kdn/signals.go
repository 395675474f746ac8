package kdn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/inbox"
	"github.com/kuzbass/eko/shared/kuzbass"
)

func itoa(n int) string { return strconv.Itoa(n) }

func subject(r *http.Request) string {
	if p := auth.PrincipalFrom(r.Context()); p != nil {
		return p.Subject
	}
	return ""
}

// signal opens the pupil's case at org with the signal, or joins the open
// one; eventID ("" for a referral) makes it once. It answers the case and
// whether it was opened now.
func (f *Function) signal(ctx context.Context, tx pgx.Tx, pupil, org uuid.UUID, kind, eventID, by string, data any) (*kdnapi.Case, bool, error) {
	// One open case per pupil: the lock is the pupil's.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kdn.cases:' || $1::text))`, pupil); err != nil {
		return nil, false, err
	}
	var id uuid.UUID
	opened := false
	err := tx.QueryRow(ctx, `SELECT id FROM kdn.cases WHERE pupil_id = $1 AND state <> 'closed'`, pupil).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		id, opened = uuid.Must(uuid.NewV7()), true
		if _, err := tx.Exec(ctx, `INSERT INTO kdn.cases (id, pupil_id, organisation_id, state, reason, opened_at) VALUES ($1, $2, $3, 'open', $4, clock_timestamp())`,
			id, pupil, org, kind); err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, err
	}
	var ev *string
	if eventID != "" {
		ev = &eventID
	}
	tag, err := tx.Exec(ctx, `INSERT INTO kdn.signals (case_id, kind, event_id, data, at, by) VALUES ($1, $2, $3, $4, clock_timestamp(), $5)
		ON CONFLICT (event_id) DO NOTHING`, id, kind, ev, data, by)
	if err != nil {
		return nil, false, err
	}
	if tag.RowsAffected() > 0 && !opened {
		if _, err := tx.Exec(ctx, `UPDATE kdn.cases SET version = version + 1 WHERE id = $1`, id); err != nil {
			return nil, false, err
		}
	}
	c, err := loadCase(ctx, tx, id, false)
	if err != nil {
		return nil, false, err
	}
	if opened {
		err = f.announce(ctx, tx, kdnapi.EventCaseOpened, c)
	}
	return c, opened, err
}

// receive: POST /api/kdn/events — the journal's absence.chronic or
// absence.streak opens the pupil's case, or joins the open one, once per
// event.
func (f *Function) receive(w http.ResponseWriter, r *http.Request) error {
	ev, err := inbox.Read(w, r)
	if err != nil {
		return err
	}
	if ev.Type() != postgradeapi.EventAbsenceChronic && ev.Type() != postgradeapi.EventAbsenceStreak {
		return errs.E(errs.Invalid, "event type %q is not accepted here; this endpoint takes post-grade's absence.chronic and absence.streak", ev.Type())
	}
	ctx := r.Context()
	if !auth.IsOwnDelivery(ctx) {
		return errs.E(errs.Forbidden, "EKO's events are accepted only from EKO's own event delivery")
	}
	if err := f.outbox.Catalogue.Validate(ev.Type(), ev.Data()); err != nil {
		return err
	}
	// Both carry the pupil, the school and the span; the rest is the signal's.
	var a struct {
		postgradeapi.AbsenceEvent
		Days int `json:"days"`
	}
	if err := json.Unmarshal(ev.Data(), &a); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	pupil, err1 := uuid.Parse(a.StudentID)
	org, err2 := uuid.Parse(a.OrganisationID)
	if err1 != nil || err2 != nil {
		return errs.E(errs.Invalid, "event data: the pupil and the school are uuids")
	}
	kind, data := kdnapi.SignalChronicAbsence, map[string]any{"from": a.From, "to": a.To, "absences": a.Absences, "unexcused": a.Unexcused, "lessons": a.Lessons}
	if ev.Type() == postgradeapi.EventAbsenceStreak {
		kind, data = kdnapi.SignalAbsenceStreak, map[string]any{"from": a.From, "to": a.To, "days": a.Days}
	}
	if _, err := inbox.Apply(ctx, f.db, Name, ev, func(tx pgx.Tx) error {
		c, opened, err := f.signal(ctx, tx, pupil, org, kind, ev.ID(), "system:"+postgradeapi.Name, data)
		if err != nil || !opened {
			return err
		}
		e := audit.Entry{ActorSubject: "system:" + postgradeapi.Name, SubjectPersonID: c.PupilID, Action: audit.ActionCreate, Object: "kdn.case",
			Fields: []string{"case"}, Purpose: "kdn"}
		return audit.Append(ctx, tx, e)
	}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// refer: POST /api/kdn/referrals {pupil_id, organisation_id, statement} —
// the school's administration refers its pupil to the commission: the
// case opened, or the referral added to the open one. The registry must
// let the caller read the pupil (a pupil of the school).
func (f *Function) refer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in kdnapi.ReferralRequest
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	if fe := text(nil, "statement", in.Statement, 10, 4000, "представление: от 10 до 4000 символов"); len(fe) > 0 {
		return errs.Fields("представление не направлено", fe...)
	}
	g, err := Rules.Grant(ctx, PermRefer, access.Target{OrganisationIDs: []string{in.OrganisationID.String()}})
	if err != nil {
		return err
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: направьте представление позже")
	}
	if _, err := f.registry.Person(ctx, in.PupilID); err != nil {
		return errs.Fields("представление не направлено", field("pupil_id", errs.Unknown, "ученик не найден среди учащихся вашей школы"))
	}
	var out *kdnapi.Case
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		c, _, err := f.signal(ctx, tx, in.PupilID, in.OrganisationID, kdnapi.SignalReferral, "", subject(r),
			map[string]any{"statement": strings.TrimSpace(in.Statement)})
		if err != nil {
			return err
		}
		if err := audited(r, tx, c, g.Role, audit.ActionCreate, "kdn.referral"); err != nil {
			return err
		}
		if err := withDetails(ctx, tx, c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return httpx.Reply(w, http.StatusCreated, out, err)
}

// childReferrals: GET /api/kdn/children/{id}/referrals — what a parent (or
// the pupil) sees: that a case exists, when it was opened and its state;
// nothing of the signals, the decisions or the reports.
func (f *Function) childReferrals(w http.ResponseWriter, r *http.Request, child uuid.UUID) error {
	ctx := r.Context()
	if err := Rules.RequireOr(ctx, PermChild, access.Target{PersonID: child.String()}, errs.User(errs.NotFound, "ребёнок не найден среди ваших")); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT id, opened_at, state FROM kdn.cases WHERE pupil_id = $1 ORDER BY opened_at DESC`, child)
	if err != nil {
		return err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kdnapi.ChildReferral, error) {
		var c kdnapi.ChildReferral
		var at time.Time
		err := row.Scan(&c.CaseID, &at, &c.State)
		c.OpenedOn, c.StateTitle = at.In(kuzbass.Time).Format(time.DateOnly), kdnapi.StateTitles[c.State]
		return c, err
	})
	if out == nil {
		out = []kdnapi.ChildReferral{}
	}
	return httpx.Reply(w, http.StatusOK, out, err)
}
