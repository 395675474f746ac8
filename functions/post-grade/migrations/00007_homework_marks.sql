-- +goose Up
-- Marks placed from homework reviews (issue-homework's homework.reviewed):
-- one live mark per homework and pupil, changed by a re-review, never a
-- second one; homework_reviewed_at is the review it stands for, so that an
-- older review delivered late changes nothing.
ALTER TABLE journal.marks ADD COLUMN homework_id uuid;
ALTER TABLE journal.marks ADD COLUMN homework_reviewed_at timestamptz;
CREATE UNIQUE INDEX marks_homework_uniq ON journal.marks (homework_id, student_id) WHERE homework_id IS NOT NULL AND deleted_at IS NULL;

-- Homework marks the journal could not place yet: the lesson's period is
-- closed. Each is placed when the director's permit opens the period for the
-- lesson's assignment.
CREATE TABLE journal.deferred_homework_marks (
    homework_id uuid        NOT NULL,
    student_id  uuid        NOT NULL,
    review_id   uuid        NOT NULL,
    lesson_id   uuid        NOT NULL REFERENCES journal.lessons (id),
    kind        text        NOT NULL REFERENCES journal.mark_kinds (code),
    value       smallint    NOT NULL CHECK (value BETWEEN 1 AND 5),
    attempt     integer     NOT NULL,
    reviewer_id uuid,
    reviewed_at timestamptz NOT NULL,
    deferred_at timestamptz NOT NULL,
    PRIMARY KEY (homework_id, student_id)
);
CREATE INDEX deferred_homework_marks_lesson_idx ON journal.deferred_homework_marks (lesson_id);

-- +goose Down
DROP TABLE journal.deferred_homework_marks;
DROP INDEX journal.marks_homework_uniq;
ALTER TABLE journal.marks DROP COLUMN homework_reviewed_at;
ALTER TABLE journal.marks DROP COLUMN homework_id;
