package postgrade

import (
	"context"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// myLessons: GET /api/post-grade/lessons?date= — the caller's own lessons of a
// day: what a teacher opens the journal from. Without a date, today's — or,
// when today has none (a Sunday, the holidays), those of the caller's last
// day with lessons, saying so.
func (f *Function) myLessons(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := callerOf(ctx)
	day := f.today()
	asked := r.URL.Query().Get("date")
	if asked != "" {
		d, err := time.Parse(time.DateOnly, asked)
		if err != nil {
			return errs.Fields("неверные параметры", field("date", errs.Format, "дата ГГГГ-ММ-ДД"))
		}
		day = d
	}
	out, err := f.lessonsOn(ctx, c, day)
	if err != nil {
		return err
	}
	answer := postgradeapi.TeacherDay{Date: day.Format(time.DateOnly), Items: out}
	if asked == "" && len(out) == 0 {
		var last *time.Time
		if err := f.db.QueryRow(ctx, `SELECT max(lesson_date) FROM journal.lessons WHERE teacher_id = $1 AND lesson_date < $2`,
			c.person, day).Scan(&last); err != nil {
			return err
		}
		if last != nil {
			if answer.Items, err = f.lessonsOn(ctx, c, *last); err != nil {
				return err
			}
			answer.Today, answer.Date = answer.Date, last.Format(time.DateOnly)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, answer)
	return nil
}

// lessonsOn are the caller's lessons of day in the schools where the caller
// still teaches.
func (f *Function) lessonsOn(ctx context.Context, c caller, day time.Time) ([]postgradeapi.TeacherLesson, error) {
	rows, err := f.db.Query(ctx, `SELECT l.id, l.assignment_id, l.class_id, l.subject_id, l.teacher_id, to_char(l.lesson_date, 'YYYY-MM-DD'), l.lesson_no,
		    coalesce(l.topic, ''), coalesce(l.homework, ''), s.name, l.organisation_id
		FROM journal.lessons l JOIN journal.subjects s ON s.id = l.subject_id
		WHERE l.teacher_id = $1 AND l.lesson_date = $2 ORDER BY l.lesson_no`, c.person, day)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (postgradeapi.TeacherLesson, error) {
		var tl postgradeapi.TeacherLesson
		var no int16
		err := row.Scan(&tl.ID, &tl.AssignmentID, &tl.ClassID, &tl.SubjectID, &tl.TeacherID, &tl.Date, &no, &tl.Topic, &tl.Homework, &tl.Subject, &tl.OrganisationID)
		tl.No = int(no)
		return tl, err
	})
	if err != nil {
		return nil, err
	}
	out := []postgradeapi.TeacherLesson{}
	for _, l := range list {
		if Rules.Reaches(ctx, PermTeach, teaching(l.OrganisationID, l.TeacherID)) {
			out = append(out, l)
		}
	}
	return out, nil
}
