package postgrade

import (
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// classAssignments: GET /api/post-grade/classes/{id}/assignments[?year=] —
// the class's subjects and teachers this academic year (or the one named),
// for the class teacher, the school's administration and the class's own
// teachers: where the class teacher starts reading the whole class's journal.
func (f *Function) classAssignments(w http.ResponseWriter, r *http.Request, class uuid.UUID) error {
	ctx := r.Context()
	var fe []errs.FieldError
	year := httpx.QueryYear(r.URL.Query(), kuzbass.AcademicYearOf(f.today()), &fe)
	if len(fe) > 0 {
		return errs.Fields("неверный запрос", fe...)
	}
	var org uuid.UUID
	err := f.db.QueryRow(ctx, `SELECT organisation_id FROM journal.roster WHERE class_id = $1
		UNION ALL SELECT organisation_id FROM journal.assignments WHERE class_id = $1 LIMIT 1`, class).Scan(&org)
	if errors.Is(err, pgx.ErrNoRows) {
		return notYours(theClass)
	}
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT a.id, a.teacher_id, a.subject_id, s.name FROM journal.assignments a
		JOIN journal.subjects s ON s.id = a.subject_id WHERE a.class_id = $1 AND a.academic_year = $2 ORDER BY s.name`, class, int32(year))
	if err != nil {
		return err
	}
	defer rows.Close()
	out := postgradeapi.ClassJournal{ClassID: class, OrganisationID: org, AcademicYear: year, Items: []postgradeapi.ClassAssignment{}}
	var teachers []uuid.UUID
	for rows.Next() {
		a := postgradeapi.ClassAssignment{Assignment: postgradeapi.Assignment{OrganisationID: org, AcademicYear: year, ClassID: class}}
		if err := rows.Scan(&a.ID, &a.TeacherID, &a.SubjectID, &a.Subject); err != nil {
			return err
		}
		teachers = append(teachers, a.TeacherID)
		out.Items = append(out.Items, a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := require(ctx, PermJournalRead, journalOf(org, class, teachers...), theClass); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
