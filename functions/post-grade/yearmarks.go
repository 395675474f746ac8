package postgrade

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// yearContext checks the assignment and who asks (as for term marks) and the kind.
func (f *Function) yearContext(r *http.Request, kind string, write bool) (*postgradeapi.Assignment, time.Time, error) {
	ctx := r.Context()
	if kind != "year" && kind != "final" {
		return nil, time.Time{}, errs.Fields("неверный запрос", field("kind", errs.Enum, "year — годовая, final — итоговая"))
	}
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return nil, time.Time{}, err
	}
	a, err := f.assignment(ctx, id)
	if err != nil {
		return nil, time.Time{}, err
	}
	if a == nil {
		return nil, time.Time{}, notYours(theAssignment)
	}
	perm, target := marksCheck(write, a)
	if err := require(ctx, perm, target, theAssignment); err != nil {
		return nil, time.Time{}, err
	}
	// The class as it stands at the end of the school year, or today.
	end := time.Date(a.AcademicYear+1, time.May, 31, 0, 0, 0, 0, time.UTC)
	if now := f.today(); now.Before(end) {
		end = now
	}
	return a, end, nil
}

// yearSuggestions: year — the average of the pupil's confirmed term marks in
// the subject that year; final — the average of the year mark and the mark of
// the state final attestation in the subject (the year mark alone without one).
func (f *Function) yearSuggestions(ctx context.Context, q querier, a *postgradeapi.Assignment, kind string) (map[uuid.UUID]*float64, error) {
	sql := `SELECT tm.student_id, round(avg(tm.value), 2)::float8 FROM journal.term_marks tm JOIN journal.periods p ON p.id = tm.period_id
		WHERE tm.subject_id = $1 AND p.organisation_id = $2 AND p.academic_year = $3 AND tm.value IS NOT NULL GROUP BY tm.student_id`
	if kind == "final" {
		sql = `SELECT y.student_id, round(CASE WHEN e.mark IS NULL THEN y.value ELSE (y.value + e.mark) / 2.0 END, 2)::float8
			FROM journal.year_marks y JOIN journal.subjects s ON s.id = y.subject_id
			LEFT JOIN LATERAL (SELECT x.mark FROM journal.exam_results x WHERE x.student_id = y.student_id AND x.kind IN ('oge', 'ege', 'gve')
			    AND x.subject = s.name AND x.mark IS NOT NULL ORDER BY x.exam_date DESC LIMIT 1) e ON true
			WHERE y.subject_id = $1 AND y.kind = 'year' AND y.academic_year = $3 AND y.value IS NOT NULL AND $2::uuid IS NOT NULL`
	}
	return suggested(ctx, q, sql, a.SubjectID, a.OrganisationID, int32(a.AcademicYear))
}

// yearMarks: GET /api/post-grade/assignments/{id}/year-marks?kind=year|final
func (f *Function) yearMarks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	kind := r.URL.Query().Get("kind")
	a, end, err := f.yearContext(r, kind, false)
	if err != nil {
		return err
	}
	pupils, err := classOn(ctx, f.db, a.ClassID, end)
	if err != nil {
		return err
	}
	sugg, err := f.yearSuggestions(ctx, f.db, a, kind)
	if err != nil {
		return err
	}
	marks, err := f.confirmedMarks(ctx, pupils, sugg, `SELECT student_id, value, passed, confirmed_at FROM journal.year_marks
		WHERE subject_id = $1 AND academic_year = $2 AND kind = $3 AND class_id = $4`, a.SubjectID, int32(a.AcademicYear), kind, a.ClassID)
	if err != nil {
		return err
	}
	items := make([]postgradeapi.YearMark, len(marks))
	for i, m := range marks {
		items[i] = postgradeapi.YearMark{ConfirmedMark: m, Kind: kind}
	}
	httpx.WriteJSON(w, http.StatusOK, postgradeapi.YearMarksView{Items: items, MayConfirm: Rules.Reaches(ctx, PermTeach, teaching(a.OrganisationID, a.TeacherID))})
	return nil
}

// confirmYearMarks: POST /api/post-grade/assignments/{id}/year-marks — the
// assignment's teacher confirms (or corrects) the suggested marks, one
// transaction for the class.
func (f *Function) confirmYearMarks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in postgradeapi.YearMarksRequest
	students, err := confirmation(w, r, &in, &in.Items)
	if err != nil {
		return err
	}
	a, end, err := f.yearContext(r, in.Kind, true)
	if err != nil {
		return err
	}
	c := callerOf(ctx)
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		pupils, err := classOn(ctx, tx, a.ClassID, end)
		if err != nil {
			return err
		}
		sugg, err := f.yearSuggestions(ctx, tx, a, in.Kind)
		if err != nil {
			return err
		}
		var actor *uuid.UUID
		if c.person != uuid.Nil {
			actor = &c.person
		}
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			return err
		}
		evs := make([]outbox.Event, 0, len(in.Items))
		for i, it := range in.Items {
			if !pupils[students[i]] {
				return errs.Fields("отметки не сохранены",
					field("items["+strconv.Itoa(i)+"].student_id", postgradeapi.ReasonNotEnrolled, "ученик не числится в этом классе"))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO journal.year_marks (student_id, subject_id, academic_year, kind, class_id, suggested, value, passed,
				    confirmed_by, confirmed_id, confirmed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
				ON CONFLICT (student_id, subject_id, academic_year, kind) DO UPDATE SET class_id = EXCLUDED.class_id, suggested = EXCLUDED.suggested,
				    value = EXCLUDED.value, passed = EXCLUDED.passed, confirmed_by = EXCLUDED.confirmed_by, confirmed_id = EXCLUDED.confirmed_id,
				    confirmed_at = EXCLUDED.confirmed_at`,
				students[i], a.SubjectID, int32(a.AcademicYear), in.Kind, a.ClassID, sugg[students[i]], int16p(it.Value), it.Passed,
				c.subject, actor, at); err != nil {
				return err
			}
			evs = append(evs, outbox.Event{Type: postgradeapi.EventYearMarkConfirmed, Source: source, Subject: students[i].String(), Data: postgradeapi.YearMarkEvent{
				StudentID: students[i].String(), SubjectID: a.SubjectID.String(), ClassID: a.ClassID.String(), OrganisationID: a.OrganisationID.String(),
				AcademicYear: a.AcademicYear, Kind: in.Kind, Value: it.Value, Passed: it.Passed, ConfirmedAt: at.UTC().Format(time.RFC3339Nano)}})
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
