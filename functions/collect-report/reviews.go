package collectreport

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"

	"github.com/kuzbass/eko/functions/collect-report/form"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

var source = events.Source(Name)

// reviewer is the target of reviewing a submission: its municipality, and
// the ministry.
func reviewer(s collectreportapi.Submission) access.Target {
	t := access.Target{ByOffice: []access.Role{access.MunicipalOfficial, access.MinistryOfficial}}
	if s.MunicipalityID != nil {
		t.MunicipalityIDs = []string{s.MunicipalityID.String()}
	}
	return t
}

// reviewing is submission id locked for a reviewer, in state want, at the
// version seen; role is the reviewer's.
func (f *Function) reviewing(ctx context.Context, tx pgx.Tx, id uuid.UUID, version int, want string) (*collectreportapi.Submission, access.Role, error) {
	s, err := loadSubmission(ctx, tx, id, true)
	if err != nil {
		return nil, "", err
	}
	if s == nil {
		return nil, "", theSubmission
	}
	g, err := Rules.Grant(ctx, PermReview, reviewer(*s))
	if err != nil {
		return nil, "", theSubmission
	}
	if s.State != want || s.Version != version {
		return nil, "", &errs.Error{Code: errs.Conflict, ForUser: true, Reason: collectreportapi.ReasonState,
			Detail: "отчёт изменился: обновите страницу",
			Extra:  map[string]any{collectreportapi.MemberCurrentVersion: s.Version, collectreportapi.MemberCurrentState: s.State}}
	}
	return s, g.Role, nil
}

// recordReview appends a decision to the submission's history.
func recordReview(ctx context.Context, tx pgx.Tx, id uuid.UUID, decision string, comments map[string]string, reason string, role access.Role) error {
	if comments == nil {
		comments = map[string]string{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO reports.reviews (submission_id, decision, comments, reason, actor_subject, actor_role, at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, clock_timestamp())`, id, decision, comments, reason, subject(ctx), string(role))
	return err
}

// announce writes the submission's event.
func (f *Function) announce(ctx context.Context, tx pgx.Tx, typ string, s *collectreportapi.Submission, cells int) error {
	ev := collectreportapi.ReportEvent{SubmissionID: s.ID.String(), CampaignID: s.CampaignID.String(), OrganisationID: s.OrganisationID.String(),
		State: s.State, Late: s.Late, Cells: cells, At: s.UpdatedAt.UTC().Format(time.RFC3339Nano)}
	if s.MunicipalityID != nil {
		ev.MunicipalityID = s.MunicipalityID.String()
	}
	_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: typ, Source: source, Subject: s.ID.String(), Data: ev})
	return err
}

// returnCells: POST /api/collect-report/submissions/{id}/return {version,
// comments} — the municipality (or the ministry) returns a submitted
// report with a comment on each cell to fix; the organisation may change
// only those.
func (f *Function) returnCells(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collectreportapi.ReturnRequest
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	if len(in.Comments) == 0 {
		return errs.Fields("отчёт не возвращён", field("comments", errs.Required, "отметьте ячейки и напишите, что исправить"))
	}
	var out *collectreportapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, role, err := f.reviewing(ctx, tx, id, in.Version, collectreportapi.Submitted)
		if err != nil {
			return err
		}
		if err := settled(ctx, tx, s, role, true); err != nil {
			return err
		}
		fm, err := f.formOf(ctx, tx, s.CampaignID)
		if err != nil {
			return err
		}
		cells := make([]string, 0, len(in.Comments))
		for name, text := range in.Comments {
			if _, ok := fm.Cell(name); !ok {
				return errs.Fields("отчёт не возвращён", field("comments."+name, errs.Unknown, "в форме нет такой ячейки"))
			}
			if n := utf8.RuneCountInString(strings.TrimSpace(text)); n == 0 || n > 1000 {
				return errs.Fields("отчёт не возвращён", field("comments."+name, errs.Length, "комментарий к ячейке: от 1 до 1000 символов"))
			}
			cells = append(cells, name)
		}
		slices.Sort(cells)
		if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET state = 'returned', returned_cells = $2, comments = $3, version = version + 1,
			updated_at = clock_timestamp() WHERE id = $1`, id, cells, in.Comments); err != nil {
			return err
		}
		if err := recordReview(ctx, tx, id, collectreportapi.Returned, in.Comments, "", role); err != nil {
			return err
		}
		if out, err = loadSubmission(ctx, tx, id, false); err != nil {
			return err
		}
		return f.announce(ctx, tx, collectreportapi.EventReturned, out, len(cells))
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// approve: POST /api/collect-report/submissions/{id}/approve {version} —
// the municipality (or the ministry) approves a submitted report: it is
// locked until reopened.
func (f *Function) approve(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collectreportapi.SubmitRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	var out *collectreportapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, role, err := f.reviewing(ctx, tx, id, in.Version, collectreportapi.Submitted)
		if err != nil {
			return err
		}
		if err := settled(ctx, tx, s, role, false); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET state = 'approved', version = version + 1, updated_at = clock_timestamp() WHERE id = $1`, id); err != nil {
			return err
		}
		if err := recordReview(ctx, tx, id, collectreportapi.Approved, nil, "", role); err != nil {
			return err
		}
		if out, err = loadSubmission(ctx, tx, id, false); err != nil {
			return err
		}
		return f.announce(ctx, tx, collectreportapi.EventApproved, out, 0)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// reopen: POST /api/collect-report/submissions/{id}/reopen {version,
// reason, cells} — an approved report is opened again for the cells named
// (none: all), the reason and who recorded.
func (f *Function) reopen(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collectreportapi.ReopenRequest
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(in.Reason); n == 0 || n > 1000 {
		return errs.Fields("отчёт не открыт", field("reason", errs.Required, "укажите, почему отчёт открывается снова"))
	}
	var out *collectreportapi.Submission
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		s, role, err := f.reviewing(ctx, tx, id, in.Version, collectreportapi.Approved)
		if err != nil {
			return err
		}
		if err := settled(ctx, tx, s, role, true); err != nil {
			return err
		}
		fm, err := f.formOf(ctx, tx, s.CampaignID)
		if err != nil {
			return err
		}
		cells := in.Cells
		if len(cells) == 0 {
			for _, c := range fm.Cells {
				cells = append(cells, c.Name)
			}
		}
		comments := map[string]string{}
		for _, name := range cells {
			if _, ok := fm.Cell(name); !ok {
				return errs.Fields("отчёт не открыт", field("cells", errs.Unknown, "в форме нет ячейки "+name))
			}
			comments[name] = in.Reason
		}
		if _, err := tx.Exec(ctx, `UPDATE reports.submissions SET state = 'returned', returned_cells = $2, comments = $3, version = version + 1,
			updated_at = clock_timestamp() WHERE id = $1`, id, cells, comments); err != nil {
			return err
		}
		if err := recordReview(ctx, tx, id, collectreportapi.Reopened, nil, in.Reason, role); err != nil {
			return err
		}
		if out, err = loadSubmission(ctx, tx, id, false); err != nil {
			return err
		}
		return f.announce(ctx, tx, collectreportapi.EventReturned, out, len(cells))
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// reviews: GET /api/collect-report/submissions/{id}/reviews — its history.
func (f *Function) reviews(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	s, err := loadSubmission(ctx, f.db, id, false)
	if err != nil {
		return err
	}
	if s == nil || Rules.RequireOr(ctx, PermRead, reader(*s), theSubmission) != nil {
		return theSubmission
	}
	rows, err := f.db.Query(ctx, `SELECT decision, comments, coalesce(reason, ''), actor_subject, coalesce(actor_role, ''), at
		FROM reports.reviews WHERE submission_id = $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (collectreportapi.Review, error) {
		var v collectreportapi.Review
		err := row.Scan(&v.Decision, &v.Comments, &v.Reason, &v.Actor, &v.ActorRole, &v.At)
		return v, err
	})
	if list == nil {
		list = []collectreportapi.Review{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

// formOf is the compiled form of a campaign.
func (f *Function) formOf(ctx context.Context, q querier, campaign uuid.UUID) (*form.Form, error) {
	c, err := f.loadCampaign(ctx, q, campaign)
	if err != nil {
		return nil, err
	}
	return f.form(ctx, q, c.Code, c.Version)
}
