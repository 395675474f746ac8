-- +goose Up
-- Homework issued for a lesson, the pupils' submissions with their attempts
-- and files, and the teacher's reviews. People, classes, lessons and marks are
-- referred to by their ids only: they are the registry's and the journal's.

-- A homework: issued by the lesson's teacher for the class or for chosen
-- pupils. version rises on every change; history keeps each earlier state.
CREATE TABLE homework.homework (
    id                  uuid        PRIMARY KEY,
    organisation_id     uuid        NOT NULL,
    class_id            uuid        NOT NULL,
    subject_id          uuid        NOT NULL,
    teacher_id          uuid        NOT NULL,
    lesson_id           uuid        NOT NULL,
    lesson_date         date        NOT NULL,
    text                text        NOT NULL CHECK (length(text) BETWEEN 1 AND 5000),
    due_at              timestamptz NOT NULL,
    cutoff_at           timestamptz CHECK (cutoff_at >= due_at),
    submission_expected boolean     NOT NULL,
    marked              boolean     NOT NULL,
    mark_kind           text,
    pupils              uuid[]      NOT NULL DEFAULT '{}', -- empty: the whole class
    status              text        NOT NULL CHECK (status IN ('issued', 'cancelled')),
    version             integer     NOT NULL DEFAULT 1,
    issued_at           timestamptz NOT NULL,
    changed_at          timestamptz NOT NULL,
    CHECK (marked = (mark_kind IS NOT NULL)),
    CHECK (NOT marked OR submission_expected)
);
CREATE INDEX homework_class_due_idx ON homework.homework (class_id, due_at);
CREATE INDEX homework_teacher_due_idx ON homework.homework (teacher_id, due_at);

-- The pupils a homework is for: the chosen ones, or the lesson's class as
-- the journal lists it on the lesson's date when it is issued.
CREATE TABLE homework.recipients (
    homework_id uuid NOT NULL REFERENCES homework.homework (id),
    pupil_id    uuid NOT NULL,
    PRIMARY KEY (homework_id, pupil_id)
);
CREATE INDEX recipients_pupil_idx ON homework.recipients (pupil_id, homework_id);

-- Earlier states of a homework: what it said before each change or the cancelling.
CREATE TABLE homework.homework_history (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    homework_id   uuid        NOT NULL REFERENCES homework.homework (id),
    version       integer     NOT NULL,   -- the version this row was
    action        text        NOT NULL CHECK (action IN ('changed', 'cancelled')),
    state         jsonb       NOT NULL,   -- the homework as it was
    reason        text,
    actor_subject text        NOT NULL,
    actor_id      uuid,
    at            timestamptz NOT NULL
);
CREATE INDEX homework_history_idx ON homework.homework_history (homework_id, id);

-- One pupil's work on one homework: its state now. attempt counts the
-- submissions made (0 while never submitted); version rises on every change.
CREATE TABLE homework.submissions (
    id            uuid        PRIMARY KEY,
    homework_id   uuid        NOT NULL REFERENCES homework.homework (id),
    pupil_id      uuid        NOT NULL,
    state         text        NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    attempt       integer     NOT NULL DEFAULT 0,
    text          text        NOT NULL DEFAULT '' CHECK (length(text) <= 20000),
    version       integer     NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL,
    UNIQUE (homework_id, pupil_id)
);
CREATE INDEX submissions_pupil_idx ON homework.submissions (pupil_id, updated_at);

-- Each submission made, with its receipt: the server's time and the SHA-256
-- of every file. Append-only.
CREATE TABLE homework.attempts (
    submission_id uuid        NOT NULL REFERENCES homework.submissions (id),
    attempt       integer     NOT NULL CHECK (attempt > 0),
    text          text        NOT NULL,
    files         jsonb       NOT NULL,   -- [{id, name, content_type, size, sha256}]
    received_at   timestamptz NOT NULL,
    late          boolean     NOT NULL,
    taken_back_at timestamptz,            -- the pupil took it back before review
    PRIMARY KEY (submission_id, attempt)
);

-- Files: the teacher's attachments of a homework and the pupils' of a
-- submission. A file is written by a presigned PUT, then confirmed: its bytes
-- sniffed against the declared type (state clean, or refused and deleted).
CREATE TABLE homework.files (
    id            uuid        PRIMARY KEY,
    homework_id   uuid        NOT NULL REFERENCES homework.homework (id),
    submission_id uuid        REFERENCES homework.submissions (id), -- NULL: the teacher's attachment
    object_key    text        NOT NULL UNIQUE,
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    content_type  text        NOT NULL,
    size          bigint      NOT NULL CHECK (size > 0),
    sha256        bytea,
    state         text        NOT NULL CHECK (state IN ('uploading', 'clean', 'refused', 'removed')),
    refusal       text,
    owner_subject text        NOT NULL,
    created_at    timestamptz NOT NULL,
    confirmed_at  timestamptz
);
CREATE INDEX files_homework_idx ON homework.files (homework_id, submission_id);

-- The teacher's reviews: returned for rework, or accepted with a mark or
-- without one. journal is where the mark stands in the journal: pending
-- until post-grade reports it placed (or deferred by a closed period).
CREATE TABLE homework.reviews (
    id            uuid        PRIMARY KEY,
    submission_id uuid        NOT NULL REFERENCES homework.submissions (id),
    attempt       integer     NOT NULL,
    decision      text        NOT NULL CHECK (decision IN ('returned', 'accepted')),
    mark          smallint    CHECK (mark BETWEEN 1 AND 5),
    comment       text        CHECK (length(comment) <= 2000),
    reviewer_subject text     NOT NULL,
    reviewer_id   uuid,
    reviewed_at   timestamptz NOT NULL,
    -- Where the mark stands in the journal: none (no mark), pending (sent,
    -- not yet reported), placed (post-grade holds it as journal_mark_id), or
    -- deferred (the lesson's period is closed: placed once a permit opens it).
    journal       text        NOT NULL DEFAULT 'none' CHECK (journal IN ('none', 'pending', 'placed', 'deferred')),
    journal_mark_id uuid,
    CHECK (decision = 'accepted' OR mark IS NULL)
);
CREATE INDEX reviews_submission_idx ON homework.reviews (submission_id, reviewed_at);

-- +goose Down
DROP TABLE homework.reviews;
DROP TABLE homework.files;
DROP TABLE homework.attempts;
DROP TABLE homework.submissions;
DROP TABLE homework.homework_history;
DROP TABLE homework.recipients;
DROP TABLE homework.homework;
