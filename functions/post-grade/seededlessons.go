package postgrade

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
)

// SeededLessons are the lessons from from to to (inclusive) of the classes
// where any of pupils studies and of teachers, each with the pupils of its
// class on its date, by date and lesson number: the seed of the homework
// takes them, so that the fixture logins meet homework in their own classes.
func SeededLessons(ctx context.Context, pool *pgxpool.Pool, pupils, teachers []uuid.UUID, from, to time.Time) ([]postgradeapi.SeededLesson, error) {
	rows, err := pool.Query(ctx, `
		WITH classes AS (SELECT DISTINCT class_id FROM journal.roster WHERE student_id = ANY($1) AND class_id IS NOT NULL)
		SELECT l.id, l.organisation_id, l.class_id, l.subject_id, l.teacher_id, to_char(l.lesson_date, 'YYYY-MM-DD'),
		       coalesce((SELECT array_agg(r.student_id ORDER BY r.student_id) FROM journal.roster r
		                 WHERE r.class_id = l.class_id AND r.starts_on <= l.lesson_date AND (r.ends_on IS NULL OR r.ends_on > l.lesson_date)), '{}')
		FROM journal.lessons l
		WHERE l.lesson_date BETWEEN $3 AND $4 AND (l.class_id IN (SELECT class_id FROM classes) OR l.teacher_id = ANY($2))
		ORDER BY l.lesson_date, l.lesson_no, l.id`, pupils, teachers, from, to)
	if err != nil {
		return nil, fmt.Errorf("seeded lessons: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (postgradeapi.SeededLesson, error) {
		var l postgradeapi.SeededLesson
		err := row.Scan(&l.ID, &l.OrganisationID, &l.ClassID, &l.SubjectID, &l.TeacherID, &l.Date, &l.Pupils)
		return l, err
	})
}
