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

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// subjects: GET /api/post-grade/subjects — the catalogue.
func (f *Function) subjects(w http.ResponseWriter, r *http.Request) error {
	list, err := db.Collect[postgradeapi.Subject](r.Context(), f.db, `SELECT id, code, name FROM journal.subjects ORDER BY name`)
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

var periodCount = map[string]int{"quarter": 4, "trimester": 3, "semester": 2}

// createPeriods: POST /api/post-grade/periods — the school's administration.
func (f *Function) createPeriods(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in postgradeapi.PeriodsRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	org, err := uuid.Parse(in.OrganisationID)
	if err != nil {
		fe = append(fe, field("organisation_id", errs.Format, "идентификатор школы в формате UUID"))
	}
	if in.AcademicYear < 2000 || in.AcademicYear > 2100 {
		fe = append(fe, field("academic_year", errs.Range, "учебный год по году его начала, например 2026"))
	}
	n, ok := periodCount[in.Kind]
	if !ok {
		fe = append(fe, field("kind", errs.Enum, "quarter, trimester или semester"))
	} else if len(in.Periods) != n {
		fe = append(fe, field("periods", postgradeapi.ReasonCount, fmt.Sprintf("для %s нужно %d периода(ов)", in.Kind, n)))
	}
	var prevEnd time.Time
	starts, ends := make([]time.Time, len(in.Periods)), make([]time.Time, len(in.Periods))
	for i, p := range in.Periods {
		name := "periods[" + strconv.Itoa(i) + "]"
		s, err1 := time.Parse(time.DateOnly, p.StartsOn)
		e, err2 := time.Parse(time.DateOnly, p.EndsOn)
		switch {
		case err1 != nil || err2 != nil:
			fe = append(fe, field(name, errs.Format, "даты ГГГГ-ММ-ДД"))
		case e.Before(s):
			fe = append(fe, field(name, errs.Range, "период кончается не раньше, чем начинается"))
		case !prevEnd.IsZero() && !s.After(prevEnd):
			fe = append(fe, field(name, postgradeapi.ReasonOrder, "периоды идут по порядку и не пересекаются"))
		case s.Year() < in.AcademicYear || e.After(time.Date(in.AcademicYear+1, time.August, 31, 0, 0, 0, 0, time.UTC)):
			fe = append(fe, field(name, errs.Range, "период лежит внутри учебного года"))
		}
		starts[i], ends[i], prevEnd = s, e, e
	}
	if len(fe) > 0 {
		return errs.Fields("неверные учебные периоды", fe...)
	}
	if err := require(ctx, PermSetup, school(org), theSchool); err != nil {
		return err
	}
	var out []postgradeapi.Period
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var closed int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM journal.periods WHERE organisation_id = $1 AND academic_year = $2 AND closed_at IS NOT NULL`,
			org, int32(in.AcademicYear)).Scan(&closed); err != nil {
			return err
		}
		if closed > 0 {
			return errs.User(errs.Conflict, "в этом учебном году уже есть закрытые периоды; их границы не меняют")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM journal.periods WHERE organisation_id = $1 AND academic_year = $2`, org, int32(in.AcademicYear)); err != nil {
			return err
		}
		for i := range in.Periods {
			p := postgradeapi.Period{ID: uuid.New(), OrganisationID: org, AcademicYear: in.AcademicYear, Kind: in.Kind, No: i + 1,
				StartsOn: in.Periods[i].StartsOn, EndsOn: in.Periods[i].EndsOn}
			if _, err := tx.Exec(ctx, `INSERT INTO journal.periods (id, organisation_id, academic_year, kind, no, starts_on, ends_on)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, org, int32(in.AcademicYear), in.Kind, int16(i+1), starts[i], ends[i]); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return httpx.Reply(w, http.StatusCreated, httpx.PageOf(out, ""), err)
}

// closePeriod: POST /api/post-grade/periods/{id}/close — after term marks are
// confirmed the administration closes the period; its marks no longer change.
func (f *Function) closePeriod(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	c := callerOf(ctx)
	var org uuid.UUID
	var closed *time.Time
	err := f.db.QueryRow(ctx, `SELECT organisation_id, closed_at FROM journal.periods WHERE id = $1`, id).Scan(&org, &closed)
	if errors.Is(err, pgx.ErrNoRows) {
		return notYours(thePeriod)
	}
	if err != nil {
		return err
	}
	if err := require(ctx, PermSetup, school(org), thePeriod); err != nil {
		return err
	}
	if closed != nil {
		return errs.User(errs.Conflict, "период уже закрыт")
	}
	if _, err := f.db.Exec(ctx, `UPDATE journal.periods SET closed_at = clock_timestamp(), closed_by = $2 WHERE id = $1 AND closed_at IS NULL`,
		id, c.subject); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// createAssignment: POST /api/post-grade/assignments — the administration
// assigns a teacher to a class and subject. The class must be one of the
// school's (it has pupils on the roster).
func (f *Function) createAssignment(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in postgradeapi.AssignmentRequest
	if err := httpx.DecodeJSON(w, r, &in, 2<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	a := postgradeapi.Assignment{ID: uuid.New(), AcademicYear: in.AcademicYear}
	for _, x := range []struct {
		name, v string
		dst     *uuid.UUID
	}{{"organisation_id", in.OrganisationID, &a.OrganisationID}, {"teacher_id", in.TeacherID, &a.TeacherID},
		{"class_id", in.ClassID, &a.ClassID}, {"subject_id", in.SubjectID, &a.SubjectID}} {
		id, err := uuid.Parse(x.v)
		if err != nil {
			fe = append(fe, field(x.name, errs.Format, "идентификатор в формате UUID"))
		}
		*x.dst = id
	}
	if in.AcademicYear < 2000 || in.AcademicYear > 2100 {
		fe = append(fe, field("academic_year", errs.Range, "учебный год по году его начала"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверное назначение", fe...)
	}
	if err := require(ctx, PermSetup, school(a.OrganisationID), theSchool); err != nil {
		return err
	}
	var inSchool bool
	if err := f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM journal.roster WHERE class_id = $1 AND organisation_id = $2 AND academic_year = $3)`,
		a.ClassID, a.OrganisationID, int32(a.AcademicYear)).Scan(&inSchool); err != nil {
		return err
	}
	if !inSchool {
		return errs.Fields("неверное назначение", field("class_id", postgradeapi.ReasonNotFound, "в этой школе нет такого класса в этом учебном году"))
	}
	tag, err := f.db.Exec(ctx, `INSERT INTO journal.assignments (id, organisation_id, academic_year, teacher_id, class_id, subject_id)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM journal.subjects WHERE id = $6)
		ON CONFLICT (teacher_id, class_id, subject_id, academic_year) DO NOTHING`,
		a.ID, a.OrganisationID, int32(a.AcademicYear), a.TeacherID, a.ClassID, a.SubjectID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		var existing uuid.UUID
		err := f.db.QueryRow(ctx, `SELECT id FROM journal.assignments WHERE teacher_id = $1 AND class_id = $2 AND subject_id = $3 AND academic_year = $4`,
			a.TeacherID, a.ClassID, a.SubjectID, int32(a.AcademicYear)).Scan(&existing)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Fields("неверное назначение", field("subject_id", postgradeapi.ReasonNotFound, "предмета нет в справочнике"))
		}
		if err != nil {
			return err
		}
		a.ID = existing
		httpx.WriteJSON(w, http.StatusOK, a)
		return nil
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

// maxLessonsGenerated bounds one timetable request (a school year of daily lessons).
const maxLessonsGenerated = 400

// generateLessons: POST /api/post-grade/assignments/{id}/timetable — lessons
// by date from the weekly timetable; existing ones are kept.
func (f *Function) generateLessons(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in postgradeapi.TimetableRequest
	if err := httpx.DecodeJSON(w, r, &in, 2<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	from, err1 := time.Parse(time.DateOnly, in.From)
	to, err2 := time.Parse(time.DateOnly, in.To)
	if err1 != nil || err2 != nil || to.Before(from) || to.Sub(from) > 366*24*time.Hour {
		fe = append(fe, field("to", errs.Range, "from и to — даты ГГГГ-ММ-ДД, не дальше года друг от друга"))
	}
	days := map[time.Weekday]bool{}
	for _, d := range in.Weekdays {
		if d < 1 || d > 6 {
			fe = append(fe, field("weekdays", errs.Range, "дни недели от 1 (понедельник) до 6 (суббота)"))
			break
		}
		days[time.Weekday(d%7)] = true
	}
	if len(days) == 0 {
		fe = append(fe, field("weekdays", errs.Required, "хотя бы один день недели"))
	}
	if in.LessonNo < 1 || in.LessonNo > 12 {
		fe = append(fe, field("lesson_no", errs.Range, "номер урока от 1 до 12"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверное расписание", fe...)
	}
	a, err := f.assignment(ctx, id)
	if err != nil {
		return err
	}
	if a == nil {
		return notYours(theAssignment)
	}
	if err := require(ctx, PermSetup, school(a.OrganisationID), theAssignment); err != nil {
		return err
	}
	var dates []time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if days[d.Weekday()] {
			dates = append(dates, d)
		}
	}
	if len(dates) > maxLessonsGenerated {
		return errs.User(errs.TooLarge, "за раз создаётся не больше %d уроков", maxLessonsGenerated)
	}
	rows, err := f.db.Query(ctx, `INSERT INTO journal.lessons (id, assignment_id, organisation_id, class_id, subject_id, teacher_id, lesson_date, lesson_no)
		SELECT gen_random_uuid(), $1, $2, $3, $4, $5, d, $7 FROM unnest($6::date[]) AS d
		ON CONFLICT (assignment_id, lesson_date, lesson_no) DO NOTHING
		RETURNING id, lesson_date`, a.ID, a.OrganisationID, a.ClassID, a.SubjectID, a.TeacherID, dates, int16(in.LessonNo))
	if err != nil {
		return err
	}
	var out []postgradeapi.Lesson
	for rows.Next() {
		l := postgradeapi.Lesson{AssignmentID: a.ID, ClassID: a.ClassID, SubjectID: a.SubjectID, TeacherID: a.TeacherID, No: in.LessonNo}
		var d time.Time
		if err := rows.Scan(&l.ID, &d); err != nil {
			return err
		}
		l.Date = d.Format(time.DateOnly)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if out == nil {
		out = []postgradeapi.Lesson{}
	}
	httpx.WriteJSON(w, http.StatusCreated, httpx.PageOf(out, ""))
	return nil
}

func (f *Function) assignment(ctx context.Context, id uuid.UUID) (*postgradeapi.Assignment, error) {
	var a postgradeapi.Assignment
	var year int32
	err := f.db.QueryRow(ctx, `SELECT id, organisation_id, academic_year, teacher_id, class_id, subject_id FROM journal.assignments WHERE id = $1`, id).
		Scan(&a.ID, &a.OrganisationID, &year, &a.TeacherID, &a.ClassID, &a.SubjectID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	a.AcademicYear = int(year)
	return &a, err
}

// setTopic: PATCH /api/post-grade/lessons/{id} — the lesson's teacher writes
// its topic (and the homework note).
func (f *Function) setTopic(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in postgradeapi.TopicRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	if in.Topic != nil && utf8.RuneCountInString(*in.Topic) > 500 {
		fe = append(fe, field("topic", errs.Length, "не длиннее 500 символов"))
	}
	if in.Homework != nil && utf8.RuneCountInString(*in.Homework) > 2000 {
		fe = append(fe, field("homework", errs.Length, "не длиннее 2000 символов"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверная тема урока", fe...)
	}
	l, org, err := f.lesson(ctx, f.db, id)
	if err != nil {
		return err
	}
	if l == nil {
		return notYours(theLesson)
	}
	if err := require(ctx, PermTeach, teaching(org, l.TeacherID), theLesson); err != nil {
		return err
	}
	if in.Topic != nil {
		l.Topic = strings.TrimSpace(*in.Topic)
	}
	if in.Homework != nil {
		l.Homework = strings.TrimSpace(*in.Homework)
	}
	if _, err := f.db.Exec(ctx, `UPDATE journal.lessons SET topic = NULLIF($2, ''), homework = NULLIF($3, '') WHERE id = $1`,
		id, l.Topic, l.Homework); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

// lesson reads a lesson and its organisation, or nil.
func (f *Function) lesson(ctx context.Context, q querier, id uuid.UUID) (*postgradeapi.Lesson, uuid.UUID, error) {
	var l postgradeapi.Lesson
	var org uuid.UUID
	var d time.Time
	var no int16
	var topic, homework *string
	err := q.QueryRow(ctx, `SELECT id, assignment_id, organisation_id, class_id, subject_id, teacher_id, lesson_date, lesson_no, topic, homework
		FROM journal.lessons WHERE id = $1`, id).Scan(&l.ID, &l.AssignmentID, &org, &l.ClassID, &l.SubjectID, &l.TeacherID, &d, &no, &topic, &homework)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, uuid.Nil, nil
	}
	if err != nil {
		return nil, uuid.Nil, err
	}
	l.Date, l.No = d.Format(time.DateOnly), int(no)
	if topic != nil {
		l.Topic = *topic
	}
	if homework != nil {
		l.Homework = *homework
	}
	return &l, org, nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

// uuidParam parses an {id} of the path; a malformed one is not found.
var uuidParam = httpx.PathUUID
