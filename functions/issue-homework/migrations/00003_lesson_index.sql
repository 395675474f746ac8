-- +goose Up
-- The homework of a lesson, for the journal's lesson page.
CREATE INDEX homework_lesson_idx ON homework.homework (lesson_id);

-- +goose Down
DROP INDEX homework.homework_lesson_idx;
