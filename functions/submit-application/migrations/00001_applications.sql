-- +goose Up
-- Education services: kindergarten queue, first-grade enrollment and
-- additional-education enrollment. People and organisations are referred to by
-- their registry ids only; their data stay in the registry.

-- Enrollment windows of the first-grade campaign, as data: window 1 (the school's
-- assigned territory and priority categories) and window 2 (everyone). A row with
-- municipality_id NULL applies to every municipality that has no row of its own
-- for the same academic year and window.
CREATE TABLE applications.enrollment_windows (
    id              uuid        PRIMARY KEY,
    service         text        NOT NULL DEFAULT 'first_grade' CHECK (service = 'first_grade'),
    academic_year   integer     NOT NULL CHECK (academic_year BETWEEN 2000 AND 2100), -- admission on 1 September of this year
    municipality_id uuid,
    window_no       smallint    NOT NULL CHECK (window_no IN (1, 2)),
    opens_at        timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL,
    CHECK (closes_at > opens_at)
);
CREATE UNIQUE INDEX enrollment_windows_uniq ON applications.enrollment_windows
    (service, academic_year, coalesce(municipality_id, '00000000-0000-0000-0000-000000000000'::uuid), window_no);

-- Additional-education programmes with their age limits and capacity.
CREATE TABLE applications.programmes (
    id              uuid     PRIMARY KEY,
    organisation_id uuid     NOT NULL,
    municipality_id uuid     NOT NULL,
    name            text     NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    age_from        smallint NOT NULL DEFAULT 5 CHECK (age_from BETWEEN 5 AND 18),
    age_to          smallint NOT NULL DEFAULT 17 CHECK (age_to BETWEEN age_from AND 18),
    capacity        integer  CHECK (capacity > 0),
    status          text     NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed'))
);

-- Application numbers and the tie-breaker of equal receipt times.
CREATE SEQUENCE applications.application_seq;

CREATE TABLE applications.applications (
    id                     uuid        PRIMARY KEY,
    seq                    bigint      NOT NULL UNIQUE,          -- from application_seq; breaks ties of received_at
    number                 text        NOT NULL UNIQUE,          -- «1К-2027-0000123»: service, year of receipt, seq
    service                text        NOT NULL CHECK (service IN ('kindergarten', 'first_grade', 'additional_education')),
    channel                text        NOT NULL CHECK (channel IN ('cabinet', 'epgu')),
    -- The child: the registry person (NULL for an EPGU child the registry has not
    -- matched yet) and the key one-active-application is enforced on.
    child_id               uuid,
    child_key              text        NOT NULL,
    child_birth_date       date        NOT NULL,
    applicant_subject      text        NOT NULL,                 -- ESIA oid of the parent
    applicant_person_id    uuid,
    target_organisation_id uuid        NOT NULL,                 -- the school, the first preferred kindergarten, the programme's organisation
    organisation_ids       uuid[]      NOT NULL,                 -- every organisation the application is addressed to
    municipality_id        uuid        NOT NULL,
    target_key             text        NOT NULL,                 -- what "the same service target" means for the service
    status                 text        NOT NULL,
    window_no              smallint    CHECK (window_no IN (1, 2)),
    academic_year          integer,
    received_at            timestamptz NOT NULL,                 -- the database clock in the writing transaction
    updated_at             timestamptz NOT NULL,
    deadline               timestamptz,
    data                   jsonb       NOT NULL,
    idempotency_key        text        CHECK (length(idempotency_key) BETWEEN 1 AND 100),
    request_hash           bytea       NOT NULL,
    epgu_order_id          text        UNIQUE,
    CONSTRAINT applications_idempotency UNIQUE (applicant_subject, idempotency_key),
    CHECK ((channel = 'cabinet' AND idempotency_key IS NOT NULL AND child_id IS NOT NULL)
        OR (channel = 'epgu' AND epgu_order_id IS NOT NULL)),
    CHECK (service <> 'first_grade' OR (window_no IS NOT NULL AND academic_year IS NOT NULL))
);
-- One active application per child and service target. Statuses listed here are
-- the active ones of statuses.go (Active); a test keeps the two in step.
CREATE UNIQUE INDEX applications_active_uniq ON applications.applications (child_key, service, target_key)
    WHERE status IN ('submitted', 'checking', 'documents_requested', 'registered', 'directed', 'direction_declined', 'direction_expired');
CREATE INDEX applications_organisations_idx ON applications.applications USING gin (organisation_ids);
CREATE INDEX applications_municipality_idx ON applications.applications (municipality_id, seq);
CREATE INDEX applications_child_idx ON applications.applications (child_id, seq);
-- The ranked list of a school: window, receipt time, sequence.
CREATE INDEX applications_ranking_idx ON applications.applications (target_organisation_id, academic_year, window_no, received_at, seq)
    WHERE service = 'first_grade';

-- Every status an application has had, the first one included.
CREATE TABLE applications.status_history (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  uuid        NOT NULL REFERENCES applications.applications (id),
    status          text        NOT NULL,
    epgu_code       integer     NOT NULL,
    reason          text,
    comment         text        CHECK (length(comment) <= 1000),
    actor_subject   text        NOT NULL,
    actor_person_id uuid,
    actor_role      text        NOT NULL,
    changed_at      timestamptz NOT NULL
);
CREATE INDEX status_history_application_idx ON applications.status_history (application_id, id);

-- add_working_days returns ts moved n working days (Monday–Friday) ahead.
-- Public holidays are not known to it yet.
-- +goose StatementBegin
CREATE FUNCTION applications.add_working_days(ts timestamptz, n integer) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    d timestamptz := ts;
    left_ integer := n;
BEGIN
    WHILE left_ > 0 LOOP
        d := d + interval '1 day';
        IF extract(isodow FROM d AT TIME ZONE 'Asia/Novokuznetsk') < 6 THEN
            left_ := left_ - 1;
        END IF;
    END LOOP;
    RETURN d;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION applications.add_working_days(timestamptz, integer);
DROP TABLE applications.status_history;
DROP TABLE applications.applications;
DROP SEQUENCE applications.application_seq;
DROP TABLE applications.programmes;
DROP TABLE applications.enrollment_windows;
