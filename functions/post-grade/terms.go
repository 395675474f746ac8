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

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// PermitRequest is the body of POST /api/post-grade/periods/{id}/permits.
type PermitRequest struct {
	AssignmentID string `json:"assignment_id"`
	Reason       string `json:"reason"`
	Hours        int    `json:"hours"` // how long the permit lasts: 1..168
}

// grantPermit: POST /api/post-grade/periods/{id}/permits — the director lets
// the teacher of an assignment change a closed period's marks for a while; the
// permit and every change made under it are recorded.
func (f *Function) grantPermit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	var in PermitRequest
	if err := httpx.DecodeJSON(w, r, &in, 2<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	asg, err := uuid.Parse(in.AssignmentID)
	if err != nil {
		fe = append(fe, field("assignment_id", "format", "идентификатор назначения в формате UUID"))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Reason)); n < 3 || n > 500 {
		fe = append(fe, field("reason", "required", "основание (от 3 до 500 символов)"))
	}
	if in.Hours < 1 || in.Hours > 168 {
		fe = append(fe, field("hours", "range", "от 1 до 168 часов"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверное разрешение", fe...)
	}
	c := callerOf(ctx)
	var org uuid.UUID
	var closed *time.Time
	err = f.db.QueryRow(ctx, `SELECT organisation_id, closed_at FROM journal.periods WHERE id = $1`, id).Scan(&org, &closed)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !c.administers(org)) {
		return errs.User(errs.NotFound, "период не найден")
	}
	if err != nil {
		return err
	}
	a, err := f.assignment(ctx, asg)
	if err != nil {
		return err
	}
	if a == nil || a.OrganisationID != org {
		return errs.Fields("неверное разрешение", field("assignment_id", "not_found", "в этой школе нет такого назначения"))
	}
	if closed == nil {
		return errs.User(errs.Conflict, "период открыт: разрешение не нужно")
	}
	permit := map[string]any{"id": uuid.New(), "period_id": id, "assignment_id": asg}
	var expires time.Time
	if err := f.db.QueryRow(ctx, `INSERT INTO journal.period_permits (id, period_id, assignment_id, reason, granted_by, granted_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp() + make_interval(hours => $6)) RETURNING expires_at`,
		permit["id"], id, asg, strings.TrimSpace(in.Reason), c.subject, int32(in.Hours)).Scan(&expires); err != nil {
		return err
	}
	permit["expires_at"] = expires
	httpx.WriteJSON(w, http.StatusCreated, permit)
	return nil
}

// ConfirmedMark is a pupil's mark for a span in a subject — a term, the year,
// the final — as the journal suggests it and as the teacher confirmed it.
type ConfirmedMark struct {
	StudentID   uuid.UUID  `json:"student_id"`
	Suggested   *float64   `json:"suggested"`
	Value       *int       `json:"value,omitempty"`
	Passed      *bool      `json:"passed,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// TermMark is a pupil's mark for a period: the weighted average suggests, the
// teacher confirms.
type TermMark = ConfirmedMark

// confirmedMarks lists the pupils, in order, each with its suggestion and
// what confirmed (student_id, value, passed, confirmed_at) — the rows of
// confirmed, a query with args — says of it.
func (f *Function) confirmedMarks(ctx context.Context, pupils map[uuid.UUID]bool, sugg map[uuid.UUID]*float64, confirmed string, args ...any) ([]ConfirmedMark, error) {
	ids := make([]uuid.UUID, 0, len(pupils))
	for s := range pupils {
		ids = append(ids, s)
	}
	slices.SortFunc(ids, compareUUID)
	out := make([]ConfirmedMark, len(ids))
	at := make(map[uuid.UUID]*ConfirmedMark, len(ids))
	for i, s := range ids {
		out[i] = ConfirmedMark{StudentID: s, Suggested: sugg[s]}
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
		var cm ConfirmedMark
		if err := rows.Scan(&s, &v, &cm.Passed, &cm.ConfirmedAt); err != nil {
			return nil, err
		}
		if m := at[s]; m != nil {
			m.Value, m.Passed, m.ConfirmedAt = intp(v), cm.Passed, cm.ConfirmedAt
		}
	}
	return out, rows.Err()
}

// TermMarksRequest confirms term marks of an assignment for a period.
type TermMarksRequest struct {
	PeriodID string        `json:"period_id"`
	Items    []ConfirmItem `json:"items"`
}

// ConfirmItem is a pupil's confirmed term, year or final mark.
type ConfirmItem struct {
	StudentID string `json:"student_id"`
	Value     *int   `json:"value,omitempty"`
	Passed    *bool  `json:"passed,omitempty"`
}

// checkConfirmItems validates confirmed marks on their own and returns the pupils.
func checkConfirmItems(items []ConfirmItem) ([]uuid.UUID, error) {
	if len(items) == 0 || len(items) > maxMarkItems {
		return nil, errs.Fields("неверный запрос", field("items", "count", "от 1 до "+strconv.Itoa(maxMarkItems)+" учеников"))
	}
	var fe []errs.FieldError
	students := make([]uuid.UUID, len(items))
	for i, it := range items {
		name := "items[" + strconv.Itoa(i) + "]"
		var err error
		if students[i], err = uuid.Parse(it.StudentID); err != nil {
			fe = append(fe, field(name+".student_id", "format", "идентификатор ученика в формате UUID"))
		}
		switch {
		case (it.Value == nil) == (it.Passed == nil):
			fe = append(fe, field(name+".value", "required", "отметка (value от 1 до 5) или зачёт (passed)"))
		case it.Value != nil && (*it.Value < 1 || *it.Value > 5):
			fe = append(fe, field(name+".value", "scale", "отметка по пятибалльной шкале: от 1 до 5"))
		}
	}
	if len(fe) > 0 {
		return nil, errs.Fields("отметки не сохранены", fe...)
	}
	return students, nil
}

// TermMarkEvent is the data of term-mark.confirmed.
type TermMarkEvent struct {
	StudentID   string   `json:"student_id"`
	SubjectID   string   `json:"subject_id"`
	ClassID     string   `json:"class_id"`
	PeriodID    string   `json:"period_id"`
	Value       *int     `json:"value,omitempty"`
	Passed      *bool    `json:"passed,omitempty"`
	Suggested   *float64 `json:"suggested,omitempty"`
	ConfirmedAt string   `json:"confirmed_at"`
}

// TermMarksView is GET term-marks: the period asked for (or the one in
// course), the periods of the school in the assignment's year and each
// pupil's suggested and confirmed mark.
type TermMarksView struct {
	Assignment Assignment `json:"assignment"`
	Period     *Period    `json:"period"`
	Periods    []Period   `json:"periods"`
	Items      []TermMark `json:"items"`
}

// periodsOf lists a school's periods of an academic year in order.
func (f *Function) periodsOf(ctx context.Context, q querier, org uuid.UUID, year int) ([]Period, error) {
	rows, err := q.Query(ctx, `SELECT id, kind, no, starts_on, ends_on, closed_at FROM journal.periods
		WHERE organisation_id = $1 AND academic_year = $2 ORDER BY no`, org, int32(year))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Period{}
	for rows.Next() {
		p := Period{OrganisationID: org, AcademicYear: year}
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
func inCourse(periods []Period, day time.Time) *Period {
	d := day.Format(time.DateOnly)
	var pick *Period
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
func (f *Function) termContext(ctx context.Context, r *http.Request, period string, write bool) (*Assignment, []Period, *Period, error) {
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := f.assignment(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	c := callerOf(ctx)
	if a == nil || !(c.teaches(a.OrganisationID, a.TeacherID) || (!write && (c.administers(a.OrganisationID) || c.holds(access.Class, a.ClassID, access.ClassTeacher)))) {
		return nil, nil, nil, errs.User(errs.NotFound, "назначение не найдено среди ваших")
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
		return nil, nil, nil, errs.Fields("неверный запрос", field("period_id", "format", "идентификатор периода в формате UUID"))
	}
	for i := range periods {
		if periods[i].ID == pid {
			return a, periods, &periods[i], nil
		}
	}
	return nil, nil, nil, errs.Fields("неверный запрос", field("period_id", "not_found", "у этой школы нет такого периода в учебном году назначения"))
}

// span is the period's first and last day.
func (p *Period) span() (from, to time.Time) {
	from, _ = time.Parse(time.DateOnly, p.StartsOn)
	to, _ = time.Parse(time.DateOnly, p.EndsOn)
	return from, to
}

// suggestions computes each pupil's weighted average of the period.
func (f *Function) suggestions(ctx context.Context, q querier, a *Assignment, from, to time.Time) (map[uuid.UUID]*float64, error) {
	rows, err := q.Query(ctx, `SELECT m.student_id, round(sum(k.weight * m.value) / sum(k.weight), 2)::float8
		FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind
		WHERE m.class_id = $1 AND m.subject_id = $2 AND m.lesson_date BETWEEN $3 AND $4 AND m.deleted_at IS NULL AND m.value IS NOT NULL
		GROUP BY m.student_id`, a.ClassID, a.SubjectID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uuid.UUID]*float64{}
	for rows.Next() {
		var s uuid.UUID
		var avg float64
		if err := rows.Scan(&s, &avg); err != nil {
			return nil, err
		}
		out[s] = &avg
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
	view := TermMarksView{Assignment: *a, Period: p, Periods: periods, Items: []TermMark{}}
	if p == nil {
		httpx.WriteJSON(w, http.StatusOK, view)
		return nil
	}
	from, to := p.span()
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
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, view)
	return nil
}

// confirmTermMarks: POST /api/post-grade/assignments/{id}/term-marks — the
// teacher confirms (or corrects) the suggested term marks; the period must be
// open (or the director's permit in force). One transaction, one
// term-mark.confirmed event per pupil.
func (f *Function) confirmTermMarks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in TermMarksRequest
	if err := httpx.DecodeJSON(w, r, &in, maxMarksBody); err != nil {
		return err
	}
	students, err := checkConfirmItems(in.Items)
	if err != nil {
		return err
	}
	a, _, p, err := f.termContext(ctx, r, in.PeriodID, true)
	if err != nil {
		return err
	}
	pid := p.ID
	from, to := p.span()
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
					field("items["+strconv.Itoa(i)+"].student_id", "not_enrolled", "ученик не числится в этом классе в конце периода"))
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
			evs = append(evs, outbox.Event{Type: EventTermMarkConfirmed, Source: source, Subject: students[i].String(), Data: TermMarkEvent{
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
