package postgrade

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// Limits of one save: a class is at most 40 pupils with a few marks each.
const (
	maxMarkItems = 200
	maxMarksBody = 64 << 10
)

// markKinds are the kinds of marks and their weights (postgradeapi.MarkKinds;
// journal.mark_kinds holds the same).
var markKinds = func() map[string]float64 {
	m := map[string]float64{}
	for _, k := range postgradeapi.MarkKinds {
		m[k.Code] = k.Weight
	}
	return m
}()

// saveMarks: POST /api/post-grade/marks — the lesson's teacher saves a class's
// marks in one transaction; any refused item refuses the whole request.
func (f *Function) saveMarks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if r.ContentLength > maxMarksBody {
		return errs.User(errs.TooLarge, "за раз сохраняются оценки одного урока: не больше %d записей", maxMarkItems)
	}
	var in postgradeapi.MarksRequest
	if err := httpx.DecodeJSON(w, r, &in, maxMarksBody); err != nil {
		return err
	}
	lessonID, err := lessonSave(in.LessonID, len(in.Items), "оценок одного урока")
	if err != nil {
		return err
	}
	if fe := checkMarks("items", in.Items); len(fe) > 0 {
		return errs.Fields("оценки не сохранены: исправьте отмеченные ячейки", fe...)
	}
	c := callerOf(ctx)
	var saved []postgradeapi.Mark
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		lc, err := f.editableLesson(ctx, tx, c, lessonID)
		if err != nil {
			return err
		}
		var evs []outbox.Event
		if saved, evs, err = writeMarks(ctx, tx, lc, c, "items", in.Items); err != nil {
			return err
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(saved, ""), err)
}

// lessonSave checks a save of one lesson's items: the lesson's id, and 1 to
// maxMarkItems items (what names them in the refusal).
func lessonSave(lessonID string, items int, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(lessonID)
	if err != nil {
		return uuid.Nil, errs.Fields("неверный запрос", field("lesson_id", errs.Format, "идентификатор урока в формате UUID"))
	}
	if items == 0 || items > maxMarkItems {
		return uuid.Nil, errs.Fields("неверный запрос", field("items", postgradeapi.ReasonCount, "от 1 до "+strconv.Itoa(maxMarkItems)+" "+what))
	}
	return id, nil
}

// checkMarks validates the items of a save on their own; list names them
// in field errors ("items", "marks").
func checkMarks(list string, items []postgradeapi.MarkItem) []errs.FieldError {
	var fe []errs.FieldError
	for i, it := range items {
		fe = append(fe, checkMarkItem(it, list+"["+strconv.Itoa(i)+"]")...)
	}
	return fe
}

// editableLesson reads the lesson with what a save checks (lessonContext),
// when the caller teaches it; otherwise it is not found. A closed period
// refuses the save unless the director's permit lets it through.
func (f *Function) editableLesson(ctx context.Context, tx pgx.Tx, c caller, id uuid.UUID) (*lessonCtx, error) {
	lc, err := lessonContext(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if lc == nil {
		return nil, notYours(theLesson)
	}
	if err := require(ctx, PermTeach, teaching(lc.org, lc.lesson.TeacherID), theLesson); err != nil {
		return nil, err
	}
	if lc.closed && lc.permit == nil {
		return nil, errPeriodClosed
	}
	return lc, nil
}

// writeMarks writes the lesson's marks items in tx (checked with
// checkMarks) and keeps the lesson's totals; it returns the marks as saved
// and their events. Field errors name the items of list.
func writeMarks(ctx context.Context, tx pgx.Tx, lc *lessonCtx, c caller, list string, items []postgradeapi.MarkItem) ([]postgradeapi.Mark, []outbox.Event, error) {
	l, enrolled, date := lc.lesson, lc.enrolled, lc.date
	w := &markWriter{tx: tx, lesson: l, caller: c, permit: lc.permit, role: roleIn(ctx, lc.org, lc.lesson.TeacherID), at: lc.at}
	saved := make([]postgradeapi.Mark, 0, len(items))
	evs := make([]outbox.Event, 0, len(items))
	for i, it := range items {
		name := list + "[" + strconv.Itoa(i) + "]"
		var m postgradeapi.Mark
		var ev outbox.Event
		var err error
		if it.MarkID == "" {
			student, _ := uuid.Parse(it.StudentID)
			if !enrolled[student] {
				return nil, nil, errs.Fields("оценки не сохранены: исправьте отмеченные ячейки",
					field(name+".student_id", postgradeapi.ReasonNotEnrolled, "ученик не числится в этом классе на "+date.Format("02.01.2006")))
			}
			m, ev = w.post(student, it)
		} else if m, ev, err = w.change(ctx, name, it); err != nil {
			return nil, nil, err
		}
		saved, evs = append(saved, m), append(evs, ev)
	}
	if err := w.flush(ctx); err != nil {
		return nil, nil, err
	}
	if err := w.addTotals(ctx); err != nil {
		return nil, nil, err
	}
	return saved, evs, nil
}

// addTotals adds what the writer's saves changed to the lesson's totals: an
// increment, so concurrent saves of the lesson each add their own.
func (mw *markWriter) addTotals(ctx context.Context) error {
	t := mw.totals
	if t == (lessonTotals{}) {
		return nil
	}
	if _, err := mw.tx.Exec(ctx, `UPDATE journal.lessons SET marks_count = marks_count + $2, marks_weight = marks_weight + $3,
		    marks_weighted = marks_weighted + $4 WHERE id = $1`, mw.lesson.ID, t.count, t.weight, t.weighted); err != nil {
		return fmt.Errorf("lesson totals: %w", err)
	}
	mw.totals = lessonTotals{}
	return nil
}

// RecountLessons sets every lesson's mark totals from its marks, for marks
// written around the API (a bulk load).
func RecountLessons(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}) error {
	_, err := q.Exec(ctx, `UPDATE journal.lessons l SET marks_count = s.n, marks_weight = s.w, marks_weighted = s.ws
		FROM (SELECT m.lesson_id, count(*) AS n, coalesce(sum(k.weight) FILTER (WHERE m.value IS NOT NULL), 0) AS w,
		             coalesce(sum(k.weight * m.value), 0) AS ws
		      FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind WHERE m.deleted_at IS NULL GROUP BY m.lesson_id) s
		WHERE s.lesson_id = l.id`)
	return err
}

// openPeriod refuses a change inside a closed period of org, unless the
// director has permitted changes to assignment in it: then it returns the
// permit, which the history records.
func openPeriod(ctx context.Context, q querier, org uuid.UUID, date string, assignment uuid.UUID) (*uuid.UUID, error) {
	var closed bool
	var permit *uuid.UUID
	err := q.QueryRow(ctx, `SELECT true, (SELECT pp.id FROM journal.period_permits pp
		    WHERE pp.period_id = p.id AND pp.assignment_id = $3 AND pp.expires_at > now() ORDER BY pp.expires_at DESC LIMIT 1)
		FROM journal.periods p
		WHERE p.organisation_id = $1 AND $2::date BETWEEN p.starts_on AND p.ends_on AND p.closed_at IS NOT NULL`, org, date, assignment).
		Scan(&closed, &permit)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if permit == nil {
		return nil, errPeriodClosed
	}
	return permit, nil
}

// errPeriodClosed refuses a change inside a closed period.
var errPeriodClosed = &errs.Error{Code: errs.Conflict, ForUser: true, Detail: "учебный период закрыт: изменить оценки можно только с разрешения директора",
	Reason: postgradeapi.ReasonPeriodClosed}

// lessonCtx is what saving a lesson's marks checks, read in one statement.
type lessonCtx struct {
	lesson   *postgradeapi.Lesson
	org      uuid.UUID
	date     time.Time
	closed   bool       // the lesson's date lies in a closed period
	permit   *uuid.UUID // the director's permit for the lesson's assignment in it
	enrolled map[uuid.UUID]bool
	at       time.Time // the database clock
	// attendanceTaken: the lesson's attendance has been recorded.
	attendanceTaken bool
}

// lessonContext reads the lesson, its period's state and the class on its
// date in one round trip, or nil when there is no such lesson.
func lessonContext(ctx context.Context, q querier, id uuid.UUID) (*lessonCtx, error) {
	lc := &lessonCtx{lesson: &postgradeapi.Lesson{}}
	l := lc.lesson
	var no int16
	var topic, homework *string
	var pupils []uuid.UUID
	err := q.QueryRow(ctx, `SELECT l.id, l.assignment_id, l.organisation_id, l.class_id, l.subject_id, l.teacher_id, l.lesson_date, l.lesson_no,
		    l.topic, l.homework, l.attendance_taken_at IS NOT NULL,
		    p.id IS NOT NULL,
		    (SELECT pp.id FROM journal.period_permits pp WHERE pp.period_id = p.id AND pp.assignment_id = l.assignment_id AND pp.expires_at > now()
		     ORDER BY pp.expires_at DESC LIMIT 1),
		    ARRAY(SELECT r.student_id FROM journal.roster r
		          WHERE r.class_id = l.class_id AND r.starts_on <= l.lesson_date AND (r.ends_on IS NULL OR r.ends_on >= l.lesson_date)),
		    clock_timestamp()
		FROM journal.lessons l
		LEFT JOIN journal.periods p ON p.organisation_id = l.organisation_id AND l.lesson_date BETWEEN p.starts_on AND p.ends_on AND p.closed_at IS NOT NULL
		WHERE l.id = $1
		LIMIT 1`, id).Scan(&l.ID, &l.AssignmentID, &lc.org, &l.ClassID, &l.SubjectID, &l.TeacherID, &lc.date, &no, &topic, &homework, &lc.attendanceTaken,
		&lc.closed, &lc.permit, &pupils, &lc.at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l.Date, l.No = lc.date.Format(time.DateOnly), int(no)
	if topic != nil {
		l.Topic = *topic
	}
	if homework != nil {
		l.Homework = *homework
	}
	lc.enrolled = make(map[uuid.UUID]bool, len(pupils))
	for _, p := range pupils {
		lc.enrolled[p] = true
	}
	return lc, nil
}

// classOn returns the students enrolled in class on date.
func classOn(ctx context.Context, q querier, class uuid.UUID, date time.Time) (map[uuid.UUID]bool, error) {
	rows, err := q.Query(ctx, `SELECT student_id FROM journal.roster
		WHERE class_id = $1 AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2)`, class, date)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// markWriter writes the marks of one lesson in one transaction.
type markWriter struct {
	tx     pgx.Tx
	lesson *postgradeapi.Lesson
	caller caller
	role   string
	at     time.Time
	permit *uuid.UUID          // the director's permit when the period is closed
	posted []postgradeapi.Mark // new marks, written together by flush
	// reasons are the posted marks' reasons for their history ("" for none).
	reasons []string
	totals  lessonTotals
}

// lessonTotals is what a save adds to the lesson's totals (marks_count,
// marks_weight, marks_weighted): a new mark adds itself, a deleted one takes
// itself away, a changed one both. Weights are those of markKinds, which
// mirror journal.mark_kinds; sums of weights (halves) times marks are exact.
type lessonTotals struct {
	count            int
	weight, weighted float64
}

// add counts a mark in (sign 1) or out (sign −1).
func (t *lessonTotals) add(sign int, kind string, value *int) {
	t.count += sign
	if value != nil {
		w := markKinds[kind] * float64(sign)
		t.weight += w
		t.weighted += w * float64(*value)
	}
}

// post prepares a new mark; flush writes the prepared ones.
func (mw *markWriter) post(student uuid.UUID, it postgradeapi.MarkItem) (postgradeapi.Mark, outbox.Event) {
	l := mw.lesson
	m := postgradeapi.Mark{ID: newID(), LessonID: l.ID, StudentID: student, Date: l.Date, SubjectID: l.SubjectID, Kind: it.Kind,
		Value: it.Value, Passed: it.Passed, Version: 1, UpdatedAt: mw.at}
	mw.posted, mw.reasons = append(mw.posted, m), append(mw.reasons, it.Reason)
	mw.totals.add(1, m.Kind, m.Value)
	return m, gradeEvent(postgradeapi.EventGradePosted, l, m, nil, "", mw.at)
}

// flush writes every posted mark and its first history entry: two statements
// for the whole column, whatever its size.
func (mw *markWriter) flush(ctx context.Context) error {
	n := len(mw.posted)
	if n == 0 {
		return nil
	}
	ids, students, kinds := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]string, n)
	values, passed := make([]*int16, n), make([]*bool, n)
	for i, m := range mw.posted {
		ids[i], students[i], kinds[i], values[i], passed[i] = m.ID, m.StudentID, m.Kind, int16p(m.Value), m.Passed
	}
	l, c := mw.lesson, mw.caller
	if _, err := mw.tx.Exec(ctx, `INSERT INTO journal.marks (id, lesson_id, student_id, lesson_date, subject_id, class_id, kind, value, passed,
		    version, created_at, created_by, updated_at)
		SELECT u.id, $6, u.student, $7::date, $8, $9, u.kind, u.value, u.passed, 1, $10, $11, $10
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::smallint[], $5::boolean[]) AS u(id, student, kind, value, passed)`,
		ids, students, kinds, values, passed, l.ID, l.Date, l.SubjectID, l.ClassID, mw.at, c.subject); err != nil {
		return fmt.Errorf("post %d marks: %w", n, err)
	}
	var actor *uuid.UUID
	if c.person != uuid.Nil {
		actor = &c.person
	}
	if _, err := mw.tx.Exec(ctx, `INSERT INTO journal.mark_history (mark_id, version, action, new_value, new_passed, new_kind, reason,
		    actor_subject, actor_id, actor_role, at, permit_id)
		SELECT u.id, 1, 'posted', u.value, u.passed, u.kind, NULLIF(u.reason, ''), $6, $7, $8, $9, $10
		FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::boolean[], $5::text[]) AS u(id, kind, value, passed, reason)`,
		ids, kinds, values, passed, mw.reasons, c.subject, actor, mw.role, mw.at, mw.permit); err != nil {
		return fmt.Errorf("post %d marks: history: %w", n, err)
	}
	mw.posted, mw.reasons = mw.posted[:0], mw.reasons[:0]
	return nil
}

func (mw *markWriter) change(ctx context.Context, name string, it postgradeapi.MarkItem) (postgradeapi.Mark, outbox.Event, error) {
	tx, l, at := mw.tx, mw.lesson, mw.at
	id, _ := uuid.Parse(it.MarkID)
	var prev postgradeapi.Mark
	var value *int16
	var deleted *time.Time
	var lesson uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id, lesson_id, student_id, kind, value, passed, version, deleted_at FROM journal.marks WHERE id = $1 FOR UPDATE`, id).
		Scan(&prev.ID, &lesson, &prev.StudentID, &prev.Kind, &value, &prev.Passed, &prev.Version, &deleted)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && lesson != l.ID) {
		return prev, outbox.Event{}, errs.Fields("оценки не сохранены: исправьте отмеченные ячейки",
			field(name+".mark_id", postgradeapi.ReasonNotFound, "в этом уроке нет такой оценки"))
	}
	if err != nil {
		return prev, outbox.Event{}, err
	}
	if value != nil {
		v := int(*value)
		prev.Value = &v
	}
	if deleted != nil || prev.Version != it.Version {
		detail := fmt.Sprintf("оценку уже изменили (сейчас версия %d, вы видели %d): обновите журнал и повторите", prev.Version, it.Version)
		if deleted != nil {
			detail = "оценку уже удалили: обновите журнал"
		}
		return prev, outbox.Event{}, &errs.Error{Code: errs.Conflict, ForUser: true, Detail: detail,
			Extra: map[string]any{postgradeapi.MemberMarkID: id.String(), postgradeapi.MemberStudentID: prev.StudentID.String(), postgradeapi.MemberCurrentVersion: prev.Version}}
	}
	m := postgradeapi.Mark{ID: id, LessonID: l.ID, StudentID: prev.StudentID, Date: l.Date, SubjectID: l.SubjectID, Version: prev.Version + 1, UpdatedAt: at}
	reason := strings.TrimSpace(it.Reason)
	if it.Delete {
		m.Kind, m.Value, m.Passed, m.Deleted, m.DeletedAt = prev.Kind, prev.Value, prev.Passed, true, &at
		if _, err := tx.Exec(ctx, `UPDATE journal.marks SET version = version + 1, updated_at = $2, deleted_at = $2 WHERE id = $1`, id, at); err != nil {
			return m, outbox.Event{}, err
		}
		if err := mw.history(ctx, id, m.Version, "deleted", &prev, postgradeapi.MarkItem{Reason: reason}); err != nil {
			return m, outbox.Event{}, err
		}
		mw.totals.add(-1, prev.Kind, prev.Value)
		return m, gradeEvent(postgradeapi.EventGradeDeleted, l, m, &prev, reason, at), nil
	}
	m.Kind, m.Value, m.Passed = it.Kind, it.Value, it.Passed
	if _, err := tx.Exec(ctx, `UPDATE journal.marks SET kind = $2, value = $3, passed = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
		id, it.Kind, int16p(it.Value), it.Passed, at); err != nil {
		return m, outbox.Event{}, err
	}
	it.Reason = reason
	if err := mw.history(ctx, id, m.Version, "changed", &prev, it); err != nil {
		return m, outbox.Event{}, err
	}
	mw.totals.add(-1, prev.Kind, prev.Value)
	mw.totals.add(1, m.Kind, m.Value)
	return m, gradeEvent(postgradeapi.EventGradeChanged, l, m, &prev, reason, at), nil
}

// history appends one entry to journal.mark_history.
func (mw *markWriter) history(ctx context.Context, mark uuid.UUID, version int, action string, prev *postgradeapi.Mark, now postgradeapi.MarkItem) error {
	c := mw.caller
	var oldValue *int16
	var oldPassed *bool
	var oldKind, newKind *string
	if prev != nil {
		oldValue, oldPassed, oldKind = int16p(prev.Value), prev.Passed, &prev.Kind
	}
	if now.Kind != "" {
		newKind = &now.Kind
	}
	var actor *uuid.UUID
	if c.person != uuid.Nil {
		actor = &c.person
	}
	_, err := mw.tx.Exec(ctx, `INSERT INTO journal.mark_history (mark_id, version, action, old_value, old_passed, old_kind,
		    new_value, new_passed, new_kind, reason, actor_subject, actor_id, actor_role, at, permit_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''), $11, $12, $13, $14, $15)`,
		mark, int32(version), action, oldValue, oldPassed, oldKind, int16p(now.Value), now.Passed, newKind, now.Reason,
		c.subject, actor, mw.role, mw.at, mw.permit)
	return err
}

func gradeEvent(typ string, l *postgradeapi.Lesson, m postgradeapi.Mark, prev *postgradeapi.Mark, reason string, at time.Time) outbox.Event {
	ev := postgradeapi.GradeEvent{MarkID: m.ID.String(), LessonID: l.ID.String(), StudentID: m.StudentID.String(), ClassID: l.ClassID.String(),
		SubjectID: l.SubjectID.String(), Date: l.Date, Kind: m.Kind, Value: m.Value, Passed: m.Passed, Version: m.Version,
		Reason: reason, ChangedAt: at.UTC().Format(time.RFC3339Nano)}
	if prev != nil {
		ev.PreviousValue, ev.PreviousPassed = prev.Value, prev.Passed
	}
	return outbox.Event{Type: typ, Source: source, Subject: m.StudentID.String(), Data: ev}
}

func int16p(v *int) *int16 {
	if v == nil {
		return nil
	}
	x := int16(*v)
	return &x
}

func newID() uuid.UUID { id, _ := uuid.NewV7(); return id }

// markHistory: GET /api/post-grade/marks/{id}/history — every version of a
// mark with who made it and why, for whoever may read the student's diary.
func (f *Function) markHistory(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var student uuid.UUID
	var date time.Time
	err := f.db.QueryRow(ctx, `SELECT student_id, lesson_date FROM journal.marks WHERE id = $1`, id).Scan(&student, &date)
	if errors.Is(err, pgx.ErrNoRows) {
		return notYours(theMark)
	}
	if err != nil {
		return err
	}
	if err := f.requireDiary(ctx, student, date, date, theMark); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT version, action, old_value, old_passed, coalesce(old_kind, ''), new_value, new_passed,
		    coalesce(new_kind, ''), coalesce(reason, ''), actor_id::text, actor_role, at, actor_subject, permit_id::text
		FROM journal.mark_history WHERE mark_id = $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (postgradeapi.HistoryEntry, error) {
		var h postgradeapi.HistoryEntry
		var version int32
		var ov, nv *int16
		err := row.Scan(&version, &h.Action, &ov, &h.OldPassed, &h.OldKind, &nv, &h.NewPassed, &h.NewKind, &h.Reason, &h.ActorID,
			&h.ActorRole, &h.At, &h.ActorLogin, &h.PermitID)
		h.Version, h.OldValue, h.NewValue = int(version), intp(ov), intp(nv)
		return h, err
	})
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

func intp(v *int16) *int {
	if v == nil {
		return nil
	}
	x := int(*v)
	return &x
}

// checkMarkItem validates an item on its own.
func checkMarkItem(it postgradeapi.MarkItem, name string) []errs.FieldError {
	var fe []errs.FieldError
	if it.MarkID == "" {
		if _, err := uuid.Parse(it.StudentID); err != nil {
			fe = append(fe, field(name+".student_id", errs.Format, "идентификатор ученика в формате UUID"))
		}
		if it.Delete || it.Version != 0 {
			fe = append(fe, field(name+".mark_id", errs.Required, "изменяют и удаляют оценку по её mark_id и version"))
		}
	} else {
		if _, err := uuid.Parse(it.MarkID); err != nil {
			fe = append(fe, field(name+".mark_id", errs.Format, "идентификатор оценки в формате UUID"))
		}
		if it.Version < 1 {
			fe = append(fe, field(name+".version", errs.Required, "версия оценки, которую вы видели"))
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(it.Reason)); n < 3 || n > 500 {
			fe = append(fe, field(name+".reason", errs.Required, "причина изменения или удаления (от 3 до 500 символов)"))
		}
	}
	if it.Delete {
		return fe
	}
	if _, ok := markKinds[it.Kind]; !ok {
		fe = append(fe, field(name+".kind", errs.Enum, "вид работы: oral, homework, independent, test, control, dictation"))
	}
	switch {
	case (it.Value == nil) == (it.Passed == nil):
		fe = append(fe, field(name+".value", errs.Required, "оценка (value от 1 до 5) или зачёт (passed)"))
	case it.Value != nil && (*it.Value < 1 || *it.Value > 5):
		fe = append(fe, field(name+".value", postgradeapi.ReasonScale, "оценка по пятибалльной шкале: от 1 до 5"))
	}
	return fe
}
