package postgrade

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// grantPermit: POST /api/post-grade/periods/{id}/permits — the director lets
// the teacher of an assignment change a closed period's marks for a while; the
// permit and every change made under it are recorded.
func (f *Function) grantPermit(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in postgradeapi.PermitRequest
	if err := httpx.DecodeJSON(w, r, &in, 2<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	asg, err := uuid.Parse(in.AssignmentID)
	if err != nil {
		fe = append(fe, field("assignment_id", errs.Format, "идентификатор назначения в формате UUID"))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Reason)); n < 3 || n > 500 {
		fe = append(fe, field("reason", errs.Required, "основание (от 3 до 500 символов)"))
	}
	if in.Hours < 1 || in.Hours > 168 {
		fe = append(fe, field("hours", errs.Range, "от 1 до 168 часов"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверное разрешение", fe...)
	}
	c := callerOf(ctx)
	var org uuid.UUID
	var closed *time.Time
	err = f.db.QueryRow(ctx, `SELECT organisation_id, closed_at FROM journal.periods WHERE id = $1`, id).Scan(&org, &closed)
	if errors.Is(err, pgx.ErrNoRows) {
		return notYours(thePeriod)
	}
	if err != nil {
		return err
	}
	if err := require(ctx, PermSetup, school(org), thePeriod); err != nil {
		return err
	}
	a, err := f.assignment(ctx, asg)
	if err != nil {
		return err
	}
	if a == nil || a.OrganisationID != org {
		return errs.Fields("неверное разрешение", field("assignment_id", postgradeapi.ReasonNotFound, "в этой школе нет такого назначения"))
	}
	if closed == nil {
		return errs.User(errs.Conflict, "период открыт: разрешение не нужно")
	}
	permit := map[string]any{"id": uuid.New(), "period_id": id, "assignment_id": asg}
	// The permit, and the homework marks that waited for it, in one transaction.
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var expires time.Time
		var from, to time.Time
		if err := tx.QueryRow(ctx, `INSERT INTO journal.period_permits (id, period_id, assignment_id, reason, granted_by, granted_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp() + make_interval(hours => $6))
			RETURNING expires_at, (SELECT starts_on FROM journal.periods WHERE id = $2), (SELECT ends_on FROM journal.periods WHERE id = $2)`,
			permit["id"], id, asg, strings.TrimSpace(in.Reason), c.subject, int32(in.Hours)).Scan(&expires, &from, &to); err != nil {
			return err
		}
		permit["expires_at"] = expires
		n, err := f.placeDeferredHomeworkMarks(ctx, tx, asg, from, to)
		permit["homework_marks_placed"] = n
		return err
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, permit)
	return nil
}

// confirmedMarks lists the pupils, in order, each with its suggestion and
// what confirmed (student_id, value, passed, confirmed_at) — the rows of
// confirmed, a query with args — says of it.
func (f *Function) confirmedMarks(ctx context.Context, pupils map[uuid.UUID]bool, sugg map[uuid.UUID]*float64, confirmed string, args ...any) ([]postgradeapi.ConfirmedMark, error) {
	ids := make([]uuid.UUID, 0, len(pupils))
	for s := range pupils {
		ids = append(ids, s)
	}
	slices.SortFunc(ids, compareUUID)
	out := make([]postgradeapi.ConfirmedMark, len(ids))
	at := make(map[uuid.UUID]*postgradeapi.ConfirmedMark, len(ids))
	for i, s := range ids {
		out[i] = postgradeapi.ConfirmedMark{StudentID: s, Suggested: sugg[s]}
		at[s] = &out[i]
	}
	rows, err := f.db.Query(ctx, confirmed, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s uuid.UUID
		var v *int16
		var cm postgradeapi.ConfirmedMark
		if err := rows.Scan(&s, &v, &cm.Passed, &cm.ConfirmedAt); err != nil {
			return nil, err
		}
		if m := at[s]; m != nil {
			m.Value, m.Passed, m.ConfirmedAt = intp(v), cm.Passed, cm.ConfirmedAt
		}
	}
	return out, rows.Err()
}

// confirmation reads the body of a confirmation of marks into in, whose
// items are *items, and checks them (checkConfirmItems).
func confirmation(w http.ResponseWriter, r *http.Request, in any, items *[]postgradeapi.ConfirmItem) ([]uuid.UUID, error) {
	if err := httpx.DecodeJSON(w, r, in, maxMarksBody); err != nil {
		return nil, err
	}
	return checkConfirmItems(*items)
}

// checkConfirmItems validates confirmed marks on their own and returns the pupils.
func checkConfirmItems(items []postgradeapi.ConfirmItem) ([]uuid.UUID, error) {
	if len(items) == 0 || len(items) > maxMarkItems {
		return nil, errs.Fields("неверный запрос", field("items", postgradeapi.ReasonCount, "от 1 до "+strconv.Itoa(maxMarkItems)+" учеников"))
	}
	var fe []errs.FieldError
	students := make([]uuid.UUID, len(items))
	for i, it := range items {
		name := "items[" + strconv.Itoa(i) + "]"
		var err error
		if students[i], err = uuid.Parse(it.StudentID); err != nil {
			fe = append(fe, field(name+".student_id", errs.Format, "идентификатор ученика в формате UUID"))
		}
		switch {
		case (it.Value == nil) == (it.Passed == nil):
			fe = append(fe, field(name+".value", errs.Required, "отметка (value от 1 до 5) или зачёт (passed)"))
		case it.Value != nil && (*it.Value < 1 || *it.Value > 5):
			fe = append(fe, field(name+".value", postgradeapi.ReasonScale, "отметка по пятибалльной шкале: от 1 до 5"))
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields("отметки не сохранены", fe...)
	}
	return students, nil
}

// periodsOf lists a school's periods of an academic year in order.
func (f *Function) periodsOf(ctx context.Context, q querier, org uuid.UUID, year int) ([]postgradeapi.Period, error) {
	rows, err := q.Query(ctx, `SELECT id, kind, no, starts_on, ends_on, closed_at FROM journal.periods
		WHERE organisation_id = $1 AND academic_year = $2 ORDER BY no`, org, int32(year))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []postgradeapi.Period{}
	for rows.Next() {
		p := postgradeapi.Period{OrganisationID: org, AcademicYear: year}
		var no int16
		var from, to time.Time
		if err := rows.Scan(&p.ID, &p.Kind, &no, &from, &to, &p.ClosedAt); err != nil {
			return nil, err
		}
		p.No, p.StartsOn, p.EndsOn = int(no), from.Format(time.DateOnly), to.Format(time.DateOnly)
		out = append(out, p)
	}
	return out, rows.Err()
}

// inCourse is the period that holds day, else the last one ended before it,
// else the first; nil when there are none.
func inCourse(periods []postgradeapi.Period, day time.Time) *postgradeapi.Period {
	d := day.Format(time.DateOnly)
	var pick *postgradeapi.Period
	for i := range periods {
		if periods[i].StartsOn <= d {
			pick = &periods[i]
		}
	}
	if pick == nil && len(periods) > 0 {
		pick = &periods[0]
	}
	return pick
}

// termContext loads an assignment and checks who asks: the assignment's
// teacher (write), or also the class teacher and the administration (read).
// It returns the school's periods of the assignment's year and the one named
// by period — which, when reading, may be "" for the period in course (nil
// if the school has none).
func (f *Function) termContext(ctx context.Context, r *http.Request, period string, write bool) (*postgradeapi.Assignment, []postgradeapi.Period, *postgradeapi.Period, error) {
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := f.assignment(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if a == nil {
		return nil, nil, nil, notYours(theAssignment)
	}
	perm, target := marksCheck(write, a)
	if err := require(ctx, perm, target, theAssignment); err != nil {
		return nil, nil, nil, err
	}
	periods, err := f.periodsOf(ctx, f.db, a.OrganisationID, a.AcademicYear)
	if err != nil {
		return nil, nil, nil, err
	}
	if period == "" && !write {
		return a, periods, inCourse(periods, f.today()), nil
	}
	pid, err := uuid.Parse(period)
	if err != nil {
		return nil, nil, nil, errs.Fields("неверный запрос", field("period_id", errs.Format, "идентификатор периода в формате UUID"))
	}
	for i := range periods {
		if periods[i].ID == pid {
			return a, periods, &periods[i], nil
		}
	}
	return nil, nil, nil, errs.Fields("неверный запрос", field("period_id", postgradeapi.ReasonNotFound, "у этой школы нет такого периода в учебном году назначения"))
}

// span is the period's first and last day.
func periodSpan(p *postgradeapi.Period) (from, to time.Time) {
	from, _ = time.Parse(time.DateOnly, p.StartsOn)
	to, _ = time.Parse(time.DateOnly, p.EndsOn)
	return from, to
}

// suggestions computes each pupil's weighted average of the period.
func (f *Function) suggestions(ctx context.Context, q querier, a *postgradeapi.Assignment, from, to time.Time) (map[uuid.UUID]*float64, error) {
	return suggested(ctx, q, `SELECT m.student_id, round(sum(k.weight * m.value) / sum(k.weight), 2)::float8
		FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind
		WHERE m.class_id = $1 AND m.subject_id = $2 AND m.lesson_date BETWEEN $3 AND $4 AND m.deleted_at IS NULL AND m.value IS NOT NULL
		GROUP BY m.student_id`, a.ClassID, a.SubjectID, from, to)
}

// suggested reads the rows (student_id, mark) of sql into each pupil's
// suggested mark.
func suggested(ctx context.Context, q querier, sql string, args ...any) (map[uuid.UUID]*float64, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uuid.UUID]*float64{}
	for rows.Next() {
		var s uuid.UUID
		var v float64
		if err := rows.Scan(&s, &v); err != nil {
			return nil, err
		}
		out[s] = &v
	}
	return out, rows.Err()
}

// termMarks: GET /api/post-grade/assignments/{id}/term-marks[?period_id=] —
// the pupils of the class at the period's end, the suggested average and
// what has been confirmed; without period_id, of the period in course.
func (f *Function) termMarks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, periods, p, err := f.termContext(ctx, r, r.URL.Query().Get("period_id"), false)
	if err != nil {
		return err
	}
	view := postgradeapi.TermMarksView{Assignment: *a, Period: p, Periods: periods, Items: []postgradeapi.TermMark{}}
	if p == nil {
		httpx.WriteJSON(w, http.StatusOK, view)
		return nil
	}
	from, to := periodSpan(p)
	// The teacher may confirm what confirmTermMarks would accept: a period
	// that is open, or closed under the director's permit.
	if Rules.Reaches(ctx, PermTeach, teaching(a.OrganisationID, a.TeacherID)) {
		_, err := openPeriod(ctx, f.db, a.OrganisationID, to.Format(time.DateOnly), a.ID)
		if err != nil && err != errPeriodClosed {
			return err
		}
		view.MayConfirm = err == nil
	}
	pupils, err := classOn(ctx, f.db, a.ClassID, to)
	if err != nil {
		return err
	}
	sugg, err := f.suggestions(ctx, f.db, a, from, to)
	if err != nil {
		return err
	}
	view.Items, err = f.confirmedMarks(ctx, pupils, sugg, `SELECT student_id, value, passed, confirmed_at FROM journal.term_marks
		WHERE period_id = $1 AND subject_id = $2 AND class_id = $3`, p.ID, a.SubjectID, a.ClassID)
	return httpx.Reply(w, http.StatusOK, view, err)
}

// confirmTermMarks: POST /api/post-grade/assignments/{id}/term-marks — the
// teacher confirms (or corrects) the suggested term marks; the period must be
// open (or the director's permit in force). One transaction, one
// term-mark.confirmed event per pupil.
func (f *Function) confirmTermMarks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in postgradeapi.TermMarksRequest
	students, err := confirmation(w, r, &in, &in.Items)
	if err != nil {
		return err
	}
	a, _, p, err := f.termContext(ctx, r, in.PeriodID, true)
	if err != nil {
		return err
	}
	pid := p.ID
	from, to := periodSpan(p)
	c := callerOf(ctx)
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if _, err := openPeriod(ctx, tx, a.OrganisationID, to.Format(time.DateOnly), a.ID); err != nil {
			return err
		}
		pupils, err := classOn(ctx, tx, a.ClassID, to)
		if err != nil {
			return err
		}
		sugg, err := f.suggestions(ctx, tx, a, from, to)
		if err != nil {
			return err
		}
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			return err
		}
		evs := make([]outbox.Event, 0, len(in.Items))
		for i, it := range in.Items {
			if !pupils[students[i]] {
				return errs.Fields("отметки за период не сохранены",
					field("items["+strconv.Itoa(i)+"].student_id", postgradeapi.ReasonNotEnrolled, "ученик не числится в этом классе в конце периода"))
			}
			var actor *uuid.UUID
			if c.person != uuid.Nil {
				actor = &c.person
			}
			if _, err := tx.Exec(ctx, `INSERT INTO journal.term_marks (student_id, subject_id, period_id, class_id, suggested, value, passed,
				    confirmed_by, confirmed_id, confirmed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (student_id, subject_id, period_id) DO UPDATE SET suggested = EXCLUDED.suggested, value = EXCLUDED.value,
				    passed = EXCLUDED.passed, confirmed_by = EXCLUDED.confirmed_by, confirmed_id = EXCLUDED.confirmed_id, confirmed_at = EXCLUDED.confirmed_at`,
				students[i], a.SubjectID, pid, a.ClassID, sugg[students[i]], int16p(it.Value), it.Passed, c.subject, actor, at); err != nil {
				return err
			}
			evs = append(evs, outbox.Event{Type: postgradeapi.EventTermMarkConfirmed, Source: source, Subject: students[i].String(), Data: postgradeapi.TermMarkEvent{
				StudentID: students[i].String(), SubjectID: a.SubjectID.String(), ClassID: a.ClassID.String(), PeriodID: pid.String(),
				Value: it.Value, Passed: it.Passed, Suggested: sugg[students[i]], ConfirmedAt: at.UTC().Format(time.RFC3339Nano)}})
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
