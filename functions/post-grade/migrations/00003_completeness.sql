-- +goose Up
-- Journal completeness: whether attendance was taken for a lesson (all
-- present included), for the municipal and ministry aggregates.
ALTER TABLE journal.lessons ADD COLUMN attendance_taken_at timestamptz;
CREATE INDEX lessons_organisation_date_idx ON journal.lessons (organisation_id, lesson_date);

-- +goose Down
DROP INDEX journal.lessons_organisation_date_idx;
ALTER TABLE journal.lessons DROP COLUMN attendance_taken_at;
