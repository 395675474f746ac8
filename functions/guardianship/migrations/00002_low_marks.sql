-- +goose Up
-- A ward's term marks below the threshold: the journal's term-mark.confirmed
-- for the wards only, the latest confirmation of a subject in a period
-- winning; a period with such marks is one «low marks» task, naming its
-- subjects, closed by itself when every one of them is corrected.
CREATE TABLE guardianship.term_marks (
    child_id     uuid        NOT NULL REFERENCES guardianship.wards (child_id),
    period_id    uuid        NOT NULL,
    subject_id   uuid        NOT NULL,
    low          boolean     NOT NULL,
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (child_id, period_id, subject_id)
);

ALTER TABLE guardianship.tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE guardianship.tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN ('absence', 'left_school', 'low_marks'));
ALTER TABLE guardianship.tasks ADD COLUMN subjects uuid[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE guardianship.tasks DROP COLUMN subjects;
DELETE FROM guardianship.tasks WHERE kind = 'low_marks';
ALTER TABLE guardianship.tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE guardianship.tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN ('absence', 'left_school'));
DROP TABLE guardianship.term_marks;
