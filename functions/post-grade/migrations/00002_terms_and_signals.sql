-- +goose Up
-- Term marks (the teacher confirms what the weighted average suggests), the
-- director's permits to change a closed period, and chronic-absence signals.

CREATE TABLE journal.term_marks (
    student_id    uuid         NOT NULL,
    subject_id    uuid         NOT NULL,
    period_id     uuid         NOT NULL REFERENCES journal.periods (id),
    class_id      uuid         NOT NULL,
    suggested     numeric(3, 2),
    value         smallint     CHECK (value BETWEEN 1 AND 5),
    passed        boolean,
    confirmed_by  text         NOT NULL,
    confirmed_id  uuid,
    confirmed_at  timestamptz  NOT NULL,
    PRIMARY KEY (student_id, subject_id, period_id),
    CHECK ((value IS NULL) <> (passed IS NULL))
);

-- A director's permission to change marks of a closed period, for one
-- assignment, until a moment, with the reason; used changes name it.
CREATE TABLE journal.period_permits (
    id            uuid        PRIMARY KEY,
    period_id     uuid        NOT NULL REFERENCES journal.periods (id),
    assignment_id uuid        NOT NULL REFERENCES journal.assignments (id),
    reason        text        NOT NULL CHECK (length(reason) BETWEEN 3 AND 500),
    granted_by    text        NOT NULL,
    granted_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX period_permits_idx ON journal.period_permits (assignment_id, period_id, expires_at);
ALTER TABLE journal.mark_history ADD COLUMN permit_id uuid REFERENCES journal.period_permits (id);

-- One chronic-absence signal per student and period (or 30-day span).
CREATE TABLE journal.absence_signals (
    student_id  uuid        NOT NULL,
    span_key    text        NOT NULL, -- the period id, or 'days:<from>' without periods
    absences    integer     NOT NULL,
    lessons     integer     NOT NULL,
    signalled_at timestamptz NOT NULL,
    PRIMARY KEY (student_id, span_key)
);

-- +goose Down
DROP TABLE journal.absence_signals;
ALTER TABLE journal.mark_history DROP COLUMN permit_id;
DROP TABLE journal.period_permits;
DROP TABLE journal.term_marks;
