-- +goose Up
-- The guardianship authority's workplace. Its wards come from the
-- registry's events (a guardian's or a foster parent's link, a placement in
-- an organisation's care); where every pupil studies from the registry's
-- enrollments (the roster: a ward's enrollments may come before the link);
-- the signals about wards (the journal's chronic absence, an enrollment
-- ended with no new one) become tasks with deadlines; the officials' case
-- notes and visits.
CREATE TABLE guardianship.wards (
    child_id uuid        PRIMARY KEY,
    kind     text        NOT NULL CHECK (kind IN ('guardian', 'foster', 'institution')),
    since    timestamptz NOT NULL
);

CREATE TABLE guardianship.enrollments (
    enrollment_id   uuid PRIMARY KEY,
    person_id       uuid NOT NULL,
    organisation_id uuid NOT NULL,
    starts_on       date NOT NULL,
    ends_on         date
);
CREATE INDEX enrollments_person_idx ON guardianship.enrollments (person_id);

CREATE TABLE guardianship.tasks (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id  uuid        NOT NULL REFERENCES guardianship.wards (child_id),
    kind      text        NOT NULL CHECK (kind IN ('absence', 'left_school')),
    state     text        NOT NULL CHECK (state IN ('open', 'done')),
    due_on    date        NOT NULL,
    details   text        NOT NULL DEFAULT '',
    event_id  text        UNIQUE,
    opened_at timestamptz NOT NULL,
    done_at   timestamptz,
    done_by   text,
    outcome   text        NOT NULL DEFAULT ''
);
CREATE INDEX tasks_child_idx ON guardianship.tasks (child_id, state);

CREATE TABLE guardianship.notes (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id   uuid        NOT NULL REFERENCES guardianship.wards (child_id),
    kind       text        NOT NULL CHECK (kind IN ('note', 'visit')),
    text       text        NOT NULL,
    visited_on date,
    by         text        NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX notes_child_idx ON guardianship.notes (child_id, id);

-- +goose Down
DROP TABLE guardianship.notes;
DROP TABLE guardianship.tasks;
DROP TABLE guardianship.enrollments;
DROP TABLE guardianship.wards;
