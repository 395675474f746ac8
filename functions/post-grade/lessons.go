package postgrade

import (
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// myLessons: GET /api/post-grade/lessons?date= — the caller's own lessons of a
// day (today by default): what a teacher opens the journal from.
func (f *Function) myLessons(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	day := f.today()
	if s := r.URL.Query().Get("date"); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return errs.Fields("неверные параметры", field("date", errs.Format, "дата ГГГГ-ММ-ДД"))
		}
		day = d
	}
	c := callerOf(ctx)
	rows, err := f.db.Query(ctx, `SELECT l.id, l.assignment_id, l.class_id, l.subject_id, l.teacher_id, to_char(l.lesson_date, 'YYYY-MM-DD'), l.lesson_no,
		    coalesce(l.topic, ''), coalesce(l.homework, ''), s.name, l.organisation_id
		FROM journal.lessons l JOIN journal.subjects s ON s.id = l.subject_id
		WHERE l.teacher_id = $1 AND l.lesson_date = $2 ORDER BY l.lesson_no`, c.person, day)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (postgradeapi.TeacherLesson, error) {
		var tl postgradeapi.TeacherLesson
		var no int16
		err := row.Scan(&tl.ID, &tl.AssignmentID, &tl.ClassID, &tl.SubjectID, &tl.TeacherID, &tl.Date, &no, &tl.Topic, &tl.Homework, &tl.Subject, &tl.OrganisationID)
		tl.No = int(no)
		return tl, err
	})
	if err != nil {
		return err
	}
	// Only lessons of schools where the caller still teaches.
	out := []postgradeapi.TeacherLesson{}
	for _, l := range list {
		if Rules.Reaches(ctx, PermTeach, teaching(l.OrganisationID, l.TeacherID)) {
			out = append(out, l)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, postgradeapi.TeacherDay{Date: day.Format(time.DateOnly), Items: out})
	return nil
}
