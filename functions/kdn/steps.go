package kdn

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

var source = events.Source(Name)

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

// text checks a text of people's between min and max characters.
func text(fe []errs.FieldError, name, s string, min, max int, what string) []errs.FieldError {
	if n := utf8.RuneCountInString(strings.TrimSpace(s)); n < min || n > max {
		return append(fe, field(name, errs.Length, what))
	}
	return fe
}

func stale(c *kdnapi.Case) error {
	return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: kdnapi.ReasonState, Detail: "дело изменилось или закрыто: обновите страницу",
		Extra: map[string]any{kdnapi.MemberCurrentVersion: c.Version, kdnapi.MemberCurrentState: c.State}}
}

// announce writes the case's event.
func (f *Function) announce(ctx context.Context, tx pgx.Tx, typ string, c *kdnapi.Case) error {
	_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: typ, Source: source, Subject: c.ID.String(), Data: kdnapi.CaseEvent{
		CaseID: c.ID.String(), PupilID: c.PupilID.String(), OrganisationID: c.OrganisationID.String(), State: c.State, Reason: c.Reason,
		At: f.Time().UTC().Format(time.RFC3339Nano)}})
	return err
}

// step runs a commission's step on case id at the version seen, state not
// closed: do changes it in tx; the case as it then stands is answered.
func (f *Function) step(w http.ResponseWriter, r *http.Request, id uuid.UUID, version int, perm string,
	do func(tx pgx.Tx, c *kdnapi.Case, role access.Role) error) error {
	ctx := r.Context()
	var out *kdnapi.Case
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		c, err := loadCase(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if c == nil {
			return theCase
		}
		var role access.Role
		if perm == string(PermCase) {
			if err := f.place(ctx, tx, c); err != nil {
				return err
			}
			g, err := Rules.Grant(ctx, PermCase, commission(c))
			if err != nil {
				return theCase
			}
			role = g.Role
		} else {
			g, err := Rules.Grant(ctx, PermRefer, school(c))
			if err != nil {
				return theCase
			}
			role = g.Role
		}
		if c.State == kdnapi.Closed || (version >= 0 && c.Version != version) {
			return stale(c)
		}
		if err := do(tx, c, role); err != nil {
			return err
		}
		if out, err = loadCase(ctx, tx, id, false); err != nil {
			return err
		}
		return withDetails(ctx, tx, out)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// decide: POST /api/kdn/cases/{id}/decisions {version, meeting_on, text,
// measures} — the commission's decision at a meeting: the measures, who
// carries each out, by when.
func (f *Function) decide(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	var in kdnapi.DecisionRequest
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	meeting, err := time.Parse(time.DateOnly, in.MeetingOn)
	if err != nil {
		fe = append(fe, field("meeting_on", errs.Format, "дата заседания: ГГГГ-ММ-ДД"))
	}
	fe = text(fe, "text", in.Text, 3, 4000, "решение: от 3 до 4000 символов")
	if len(in.Measures) == 0 || len(in.Measures) > 20 {
		fe = append(fe, field("measures", errs.Required, "от 1 до 20 мер"))
	}
	for i, m := range in.Measures {
		p := "measures[" + itoa(i) + "]"
		fe = text(fe, p+".measure", m.Measure, 3, 500, "мера: от 3 до 500 символов")
		fe = text(fe, p+".responsible", m.Responsible, 2, 300, "ответственный: от 2 до 300 символов")
		if d, err := time.Parse(time.DateOnly, m.Deadline); err != nil || (!meeting.IsZero() && d.Before(meeting)) {
			fe = append(fe, field(p+".deadline", errs.Range, "срок: ГГГГ-ММ-ДД, не раньше заседания"))
		}
	}
	if len(fe) > 0 {
		return errs.Fields("решение не записано", fe...)
	}
	return f.step(w, r, id, in.Version, string(PermCase), func(tx pgx.Tx, c *kdnapi.Case, role access.Role) error {
		ctx := r.Context()
		if _, err := tx.Exec(ctx, `INSERT INTO kdn.decisions (case_id, meeting_on, text, measures, by, at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())`,
			c.ID, meeting, strings.TrimSpace(in.Text), in.Measures, subject(r)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE kdn.cases SET state = 'decided', version = version + 1 WHERE id = $1`, c.ID); err != nil {
			return err
		}
		c.State = kdnapi.Decided
		if err := audited(r, tx, c, role, audit.ActionCreate, "kdn.decision"); err != nil {
			return err
		}
		return f.announce(ctx, tx, kdnapi.EventCaseDecided, c)
	})
}

// closeCase: POST /api/kdn/cases/{id}/close {version, outcome}.
func (f *Function) closeCase(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	var in kdnapi.CloseRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	if fe := text(nil, "outcome", in.Outcome, 3, 2000, "итог: от 3 до 2000 символов"); len(fe) > 0 {
		return errs.Fields("дело не закрыто", fe...)
	}
	return f.step(w, r, id, in.Version, string(PermCase), func(tx pgx.Tx, c *kdnapi.Case, role access.Role) error {
		ctx := r.Context()
		if _, err := tx.Exec(ctx, `UPDATE kdn.cases SET state = 'closed', closed_at = clock_timestamp(), outcome = $2, version = version + 1 WHERE id = $1`,
			c.ID, strings.TrimSpace(in.Outcome)); err != nil {
			return err
		}
		c.State = kdnapi.Closed
		if err := audited(r, tx, c, role, audit.ActionUpdate, "kdn.case"); err != nil {
			return err
		}
		return f.announce(ctx, tx, kdnapi.EventCaseClosed, c)
	})
}

// report: POST /api/kdn/cases/{id}/reports {text} — the school reports on
// the measures.
func (f *Function) report(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	var in kdnapi.ReportRequest
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	if fe := text(nil, "text", in.Text, 3, 4000, "отчёт: от 3 до 4000 символов"); len(fe) > 0 {
		return errs.Fields("отчёт не записан", fe...)
	}
	return f.step(w, r, id, -1, string(PermRefer), func(tx pgx.Tx, c *kdnapi.Case, role access.Role) error {
		ctx := r.Context()
		if _, err := tx.Exec(ctx, `INSERT INTO kdn.reports (case_id, text, by, at) VALUES ($1, $2, $3, clock_timestamp())`,
			c.ID, strings.TrimSpace(in.Text), subject(r)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE kdn.cases SET version = version + 1 WHERE id = $1`, c.ID); err != nil {
			return err
		}
		return audited(r, tx, c, role, audit.ActionCreate, "kdn.report")
	})
}
