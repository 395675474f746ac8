-- +goose Up
-- Portfolios of pupils and teachers: achievements with where each came from
-- and every step it went through, the proof files of claims, and the roster
-- the object checks read (a read model of the registry's enrollment events).
-- People, organisations and classes are registry ids; their data stay there.

-- Who is enrolled where, from enrollment.created / enrollment.changed.
CREATE TABLE portfolio.enrollments (
    enrollment_id   uuid    PRIMARY KEY,
    pupil_id        uuid    NOT NULL,
    organisation_id uuid    NOT NULL,
    class_id        uuid,
    academic_year   integer NOT NULL,
    starts_on       date    NOT NULL,
    ends_on         date
);
CREATE INDEX enrollments_pupil_idx ON portfolio.enrollments (pupil_id);
CREATE INDEX enrollments_class_idx ON portfolio.enrollments (class_id);
CREATE INDEX enrollments_organisation_idx ON portfolio.enrollments (organisation_id);

-- An achievement. source_system + source_record make one built from an
-- event or posted by another system idempotent: the same record is one
-- achievement whatever the redeliveries.
CREATE TABLE portfolio.achievements (
    id              uuid        PRIMARY KEY,
    owner_id        uuid        NOT NULL,
    owner_kind      text        NOT NULL CHECK (owner_kind IN ('pupil', 'teacher')),
    organisation_id uuid,
    municipality_id uuid,
    category        text        NOT NULL,
    title           text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    level           text,
    result          text,
    organiser       text        NOT NULL DEFAULT '' CHECK (length(organiser) <= 300),
    awarded_on      date        NOT NULL,
    hours           integer     CHECK (hours BETWEEN 1 AND 5000),
    document        text        NOT NULL DEFAULT '' CHECK (length(document) <= 300),
    description     text        NOT NULL DEFAULT '' CHECK (length(description) <= 3000),
    source          text        NOT NULL CHECK (source IN ('eko', 'claim', 'external')),
    source_system   text,
    source_record   text,
    source_event    text,
    source_at       timestamptz,
    state           text        NOT NULL CHECK (state IN ('claimed', 'confirmed', 'rejected', 'withdrawn')),
    version         integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    changed_at      timestamptz NOT NULL,
    UNIQUE (source_system, source_record),
    CHECK ((source = 'claim') = (source_system IS NULL)),
    CHECK (owner_kind = 'pupil' OR organisation_id IS NOT NULL)
);
CREATE INDEX achievements_owner_idx ON portfolio.achievements (owner_id, awarded_on DESC);
CREATE INDEX achievements_claimed_idx ON portfolio.achievements (organisation_id, created_at) WHERE state = 'claimed';

-- Every step of an achievement, append-only: who did what, under which
-- role, when, and why.
CREATE TABLE portfolio.steps (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    achievement_id uuid        NOT NULL REFERENCES portfolio.achievements (id),
    action         text        NOT NULL,
    state          text        NOT NULL,
    reason         text,
    actor_subject  text        NOT NULL,
    actor_id       uuid,
    actor_role     text,
    at             timestamptz NOT NULL
);
CREATE INDEX steps_achievement_idx ON portfolio.steps (achievement_id, id);

-- Proof files of claims (scans), uploaded straight to MinIO.
CREATE TABLE portfolio.files (
    id             uuid        PRIMARY KEY,
    achievement_id uuid        NOT NULL REFERENCES portfolio.achievements (id),
    object_key     text        NOT NULL UNIQUE,
    name           text        NOT NULL,
    content_type   text        NOT NULL,
    size           bigint      NOT NULL,
    sha256         bytea,
    state          text        NOT NULL CHECK (state IN ('uploading', 'clean', 'refused')),
    refusal        text,
    owner_subject  text        NOT NULL,
    created_at     timestamptz NOT NULL,
    confirmed_at   timestamptz
);
CREATE INDEX files_achievement_idx ON portfolio.files (achievement_id);

-- +goose Down
DROP TABLE portfolio.files;
DROP TABLE portfolio.steps;
DROP TABLE portfolio.achievements;
DROP TABLE portfolio.enrollments;
