-- +goose Up
-- Each lesson carries its own totals, kept in the transactions that save its
-- marks and its attendance, so that aggregates over a municipality or the
-- region read lessons only, never their marks.
ALTER TABLE journal.lessons
    ADD COLUMN marks_count    integer          NOT NULL DEFAULT 0, -- marks not deleted
    ADD COLUMN marks_weight   double precision NOT NULL DEFAULT 0, -- Σ weight of those with a value
    ADD COLUMN marks_weighted double precision NOT NULL DEFAULT 0, -- Σ weight × value
    ADD COLUMN absences       integer          NOT NULL DEFAULT 0, -- absent_* marks
    ADD COLUMN pupils         integer          NOT NULL DEFAULT 0; -- on the roster when attendance was taken

UPDATE journal.lessons l SET marks_count = s.n, marks_weight = s.w, marks_weighted = s.ws
FROM (SELECT m.lesson_id, count(*) AS n, coalesce(sum(k.weight) FILTER (WHERE m.value IS NOT NULL), 0) AS w,
             coalesce(sum(k.weight * m.value), 0) AS ws
      FROM journal.marks m JOIN journal.mark_kinds k ON k.code = m.kind
      WHERE m.deleted_at IS NULL GROUP BY m.lesson_id) s
WHERE s.lesson_id = l.id;

UPDATE journal.lessons l SET absences = s.n
FROM (SELECT lesson_id, count(*) AS n FROM journal.attendance WHERE status LIKE 'absent_%' GROUP BY lesson_id) s
WHERE s.lesson_id = l.id;

UPDATE journal.lessons l SET pupils = (SELECT count(*) FROM journal.roster r WHERE r.class_id = l.class_id
    AND r.starts_on <= l.lesson_date AND (r.ends_on IS NULL OR r.ends_on >= l.lesson_date))
WHERE l.attendance_taken_at IS NOT NULL;

-- The region's lessons of a span. The totals stay out of every index, so
-- that keeping them is a HOT update of the lesson's row.
CREATE INDEX lessons_date_idx ON journal.lessons (lesson_date);

-- +goose Down
DROP INDEX journal.lessons_date_idx;
ALTER TABLE journal.lessons DROP COLUMN marks_count, DROP COLUMN marks_weight, DROP COLUMN marks_weighted,
    DROP COLUMN absences, DROP COLUMN pupils;
