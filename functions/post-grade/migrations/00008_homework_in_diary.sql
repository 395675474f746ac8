-- +goose Up
-- Homework as the diary shows it, kept from issue-homework's events (never
-- from its tables): the homework of a lesson (homework.issued, changed,
-- cancelled: the newest version wins) and each pupil's work on it
-- (homework-work.changed: the newest version wins).
CREATE TABLE journal.homework (
    homework_id         uuid        PRIMARY KEY,
    lesson_id           uuid        NOT NULL,
    class_id            uuid        NOT NULL,
    text                text        NOT NULL,
    due_at              timestamptz NOT NULL,
    submission_expected boolean     NOT NULL,
    marked              boolean     NOT NULL,
    pupils              uuid[]      NOT NULL, -- empty: the whole class
    status              text        NOT NULL CHECK (status IN ('issued', 'cancelled')),
    version             integer     NOT NULL
);
CREATE INDEX homework_lesson_idx ON journal.homework (lesson_id);

CREATE TABLE journal.homework_work (
    homework_id uuid        NOT NULL,
    pupil_id    uuid        NOT NULL,
    state       text        NOT NULL,
    attempt     integer     NOT NULL,
    late        boolean     NOT NULL,
    mark        smallint,
    version     integer     NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (homework_id, pupil_id)
);

-- +goose Down
DROP TABLE journal.homework_work;
DROP TABLE journal.homework;
