-- +goose Up
-- The kindergarten queue, its explained position history, privilege decisions,
-- the parent's changes of choice, allocation campaigns and directions.
-- See queue.go for the rules; the SQL here is their single source where the
-- database applies them (age band, the privilege that counts, queue membership).

-- kindergarten_age_band is the age band of a kindergarten application: the
-- child's full years of age on 1 September of the year of the desired start
-- (0 for a child not yet born by that day).
CREATE FUNCTION applications.kindergarten_age_band(birth date, desired_start date) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT greatest(0, extract(year FROM age(make_date(extract(year FROM desired_start)::int, 9, 1), birth)))::smallint
$$;

-- kindergarten_privilege is the best confirmed privilege of a kindergarten
-- application's data (extraordinary, then first_priority, then sibling), or
-- NULL: a privilege that is claimed but not confirmed counts for nothing.
CREATE FUNCTION applications.kindergarten_privilege(data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p->>'kind'
    FROM jsonb_array_elements(coalesce(data->'privileges', '[]'::jsonb)) AS p
    WHERE p->>'confirmed' = 'true' AND p->>'kind' IN ('extraordinary', 'first_priority', 'sibling')
    ORDER BY array_position(ARRAY['extraordinary', 'first_priority', 'sibling'], p->>'kind')
    LIMIT 1
$$;

-- kindergarten_privilege_rank orders privileges: 1 extraordinary, 2 first
-- priority, 3 sibling, 4 none.
CREATE FUNCTION applications.kindergarten_privilege_rank(privilege text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_position(ARRAY['extraordinary', 'first_priority', 'sibling'], privilege), 4)::smallint
$$;

-- kindergarten_queue_entries is what the queue should hold: every registered
-- kindergarten application, once in the queue of each preferred kindergarten in
-- its age band. queue_positions is kept equal to it by the code (requeue), in
-- the transaction of every change.
CREATE VIEW applications.kindergarten_queue_entries AS
SELECT a.id AS application_id,
       p.kindergarten_id,
       p.preference,
       a.municipality_id,
       applications.kindergarten_age_band(a.child_birth_date, (a.data->>'desired_start')::date) AS age_band,
       a.data->>'group_type' AS group_type,
       (a.data->>'desired_start')::date AS desired_start,
       applications.kindergarten_privilege(a.data) AS privilege,
       applications.kindergarten_privilege_rank(applications.kindergarten_privilege(a.data)) AS privilege_rank,
       a.received_at,
       a.seq
FROM applications.applications a
CROSS JOIN LATERAL (
    SELECT k::uuid AS kindergarten_id, n::smallint AS preference
    FROM jsonb_array_elements_text(a.data->'preferences') WITH ORDINALITY AS t(k, n)
) p
WHERE a.service = 'kindergarten' AND a.status = 'registered';

-- The current place of each queued application in each of its queues
-- (kindergarten, age band), ordered by the privilege that counts, then receipt
-- time, then sequence. Position is NULL only inside the transaction that adds
-- the entry. It is in no index, so that renumbering a queue updates rows in
-- place (HOT, hence the fill factor) instead of every index: allocation moves
-- hundreds of thousands of positions at once.
CREATE TABLE applications.queue_positions (
    application_id  uuid        NOT NULL REFERENCES applications.applications (id),
    kindergarten_id uuid        NOT NULL,
    age_band        smallint    NOT NULL CHECK (age_band BETWEEN 0 AND 8),
    preference      smallint    NOT NULL CHECK (preference BETWEEN 1 AND 5),
    municipality_id uuid        NOT NULL,
    group_type      text        NOT NULL,
    desired_start   date        NOT NULL,
    privilege       text        CHECK (privilege IN ('extraordinary', 'first_priority', 'sibling')),
    privilege_rank  smallint    NOT NULL CHECK (privilege_rank BETWEEN 1 AND 4),
    received_at     timestamptz NOT NULL,
    seq             bigint      NOT NULL,
    position        integer     CHECK (position > 0),
    PRIMARY KEY (application_id, kindergarten_id)
) WITH (fillfactor = 70);
CREATE INDEX queue_positions_order_idx ON applications.queue_positions (kindergarten_id, age_band, privilege_rank, received_at, seq);
CREATE INDEX queue_positions_municipality_idx ON applications.queue_positions (municipality_id, desired_start);

-- Every change of an application's position in a queue, with its cause (see
-- queuecauses.go). The cause names at most the kind of another application's
-- privilege, never that application: trigger_application_id is kept for the
-- municipality's investigation of a complaint and is never shown to parents.
CREATE TABLE applications.queue_history (
    id                     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id         uuid        NOT NULL,
    kindergarten_id        uuid        NOT NULL,
    age_band               smallint    NOT NULL,  -- the queue's band (the band left, for a departure)
    from_band              smallint,              -- age_band_changed: the band it came from
    from_position          integer,               -- NULL: it entered this queue
    to_position            integer,               -- NULL: it left this queue
    cause                  text        NOT NULL,
    privilege              text,                  -- the kind of privilege the cause names
    left_status            text,                  -- the status with which an application left the queue
    trigger_application_id uuid,
    changed_at             timestamptz NOT NULL
);
CREATE INDEX queue_history_application_idx ON applications.queue_history (application_id, kindergarten_id, id);

-- Staff decisions on claimed privileges.
CREATE TABLE applications.privilege_decisions (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  uuid        NOT NULL REFERENCES applications.applications (id),
    kind            text        NOT NULL CHECK (kind IN ('extraordinary', 'first_priority', 'sibling')),
    confirmed       boolean     NOT NULL,
    comment         text        CHECK (length(comment) <= 1000),
    actor_subject   text        NOT NULL,
    actor_person_id uuid,
    actor_role      text        NOT NULL,
    decided_at      timestamptz NOT NULL
);
CREATE INDEX privilege_decisions_application_idx ON applications.privilege_decisions (application_id, id);

-- The parent's changes of kindergartens, desired start and group type.
CREATE TABLE applications.kindergarten_choice_changes (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id uuid        NOT NULL REFERENCES applications.applications (id),
    previous       jsonb       NOT NULL,
    current        jsonb       NOT NULL,
    actor_subject  text        NOT NULL,
    actor_role     text        NOT NULL,
    changed_at     timestamptz NOT NULL
);
CREATE INDEX kindergarten_choice_changes_application_idx ON applications.kindergarten_choice_changes (application_id, id);

-- Allocation campaigns of a municipality: places offered per kindergarten, age
-- band and group type; a draft computed from the queue (re-runnable) and, once
-- confirmed, the directions it issued.
CREATE TABLE applications.allocation_runs (
    id              uuid        PRIMARY KEY,
    municipality_id uuid        NOT NULL,
    start_date      date        NOT NULL,  -- applications whose desired start is on or before it take part
    response_days   smallint    NOT NULL CHECK (response_days BETWEEN 1 AND 90),
    status          text        NOT NULL CHECK (status IN ('draft', 'confirmed')),
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    computed_at     timestamptz,
    computations    integer     NOT NULL DEFAULT 0,
    considered      integer     NOT NULL DEFAULT 0,
    directed        integer     NOT NULL DEFAULT 0,
    digest          bytea,                 -- SHA-256 of the results in order: equal inputs, equal digest
    confirmed_by    text,
    confirmed_at    timestamptz
);
CREATE INDEX allocation_runs_municipality_idx ON applications.allocation_runs (municipality_id, created_at);

CREATE TABLE applications.allocation_places (
    run_id          uuid     NOT NULL REFERENCES applications.allocation_runs (id),
    kindergarten_id uuid     NOT NULL,
    age_band        smallint NOT NULL CHECK (age_band BETWEEN 0 AND 8),
    group_type      text     NOT NULL CHECK (group_type IN ('general', 'compensating', 'short_stay')),
    places          integer  NOT NULL CHECK (places BETWEEN 0 AND 10000),
    PRIMARY KEY (run_id, kindergarten_id, age_band, group_type)
);

-- One row per application that took part, in the order of allocation.
-- preferences and reasons are aligned: for each preference up to the one that
-- was given, why it was not (no_places, taken) or that it was (directed).
CREATE TABLE applications.allocation_results (
    run_id          uuid     NOT NULL REFERENCES applications.allocation_runs (id),
    ordinal         integer  NOT NULL,
    application_id  uuid     NOT NULL,
    outcome         text     NOT NULL CHECK (outcome IN ('directed', 'not_directed')),
    kindergarten_id uuid,
    preference      smallint,
    age_band        smallint NOT NULL,
    group_type      text     NOT NULL,
    privilege       text,
    preferences     uuid[]   NOT NULL,
    reasons         text[]   NOT NULL,
    PRIMARY KEY (run_id, ordinal)
);
CREATE INDEX allocation_results_kindergarten_idx ON applications.allocation_results (run_id, kindergarten_id, ordinal);

-- direction_respond_by is the end of the response period of a direction issued
-- at issued with days to answer: midnight (Kemerovo time) after the last day.
CREATE FUNCTION applications.direction_respond_by(issued timestamptz, days integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ((issued AT TIME ZONE 'Asia/Novokuznetsk')::date + days + 1)::timestamp AT TIME ZONE 'Asia/Novokuznetsk'
$$;

-- Directions to a kindergarten and the parent's answer.
CREATE TABLE applications.directions (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  uuid        NOT NULL REFERENCES applications.applications (id),
    kindergarten_id uuid        NOT NULL,
    age_band        smallint    NOT NULL,
    group_type      text        NOT NULL,
    allocation_id   uuid        REFERENCES applications.allocation_runs (id),
    issued_at       timestamptz NOT NULL,
    respond_by      timestamptz NOT NULL,
    state           text        NOT NULL CHECK (state IN ('issued', 'accepted', 'declined', 'expired', 'enrolled', 'withdrawn')),
    answered_at     timestamptz
);
-- At most one open direction per application.
CREATE UNIQUE INDEX directions_open_uniq ON applications.directions (application_id) WHERE state IN ('issued', 'accepted');
CREATE INDEX directions_due_idx ON applications.directions (respond_by) WHERE state = 'issued';
CREATE INDEX directions_application_idx ON applications.directions (application_id, id);

-- Finding the children who turned 7.
CREATE INDEX applications_kindergarten_birth_idx ON applications.applications (child_birth_date)
    WHERE service = 'kindergarten';

-- Applications registered before this migration enter the queue now.
INSERT INTO applications.queue_positions (application_id, kindergarten_id, age_band, preference, municipality_id,
    group_type, desired_start, privilege, privilege_rank, received_at, seq, position)
SELECT application_id, kindergarten_id, age_band, preference, municipality_id, group_type, desired_start, privilege,
       privilege_rank, received_at, seq,
       row_number() OVER (PARTITION BY kindergarten_id, age_band ORDER BY privilege_rank, received_at, seq)
FROM applications.kindergarten_queue_entries;
INSERT INTO applications.queue_history (application_id, kindergarten_id, age_band, to_position, cause, changed_at)
SELECT application_id, kindergarten_id, age_band, position, 'entered', now() FROM applications.queue_positions;

-- +goose Down
DROP INDEX applications.applications_kindergarten_birth_idx;
DROP TABLE applications.directions;
DROP FUNCTION applications.direction_respond_by(timestamptz, integer);
DROP TABLE applications.allocation_results;
DROP TABLE applications.allocation_places;
DROP TABLE applications.allocation_runs;
DROP TABLE applications.kindergarten_choice_changes;
DROP TABLE applications.privilege_decisions;
DROP TABLE applications.queue_history;
DROP TABLE applications.queue_positions;
DROP VIEW applications.kindergarten_queue_entries;
DROP FUNCTION applications.kindergarten_privilege_rank(text);
DROP FUNCTION applications.kindergarten_privilege(jsonb);
DROP FUNCTION applications.kindergarten_age_band(date, date);
