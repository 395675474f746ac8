-- +goose Up
-- A college's admission campaign of an academic year: when it takes
-- applications and how many specialties one application may name.
CREATE TABLE college.campaigns (
    organisation_id uuid        NOT NULL,
    academic_year   smallint    NOT NULL,
    municipality_id uuid        NOT NULL,
    opens_on        date        NOT NULL,
    closes_on       date        NOT NULL CHECK (closes_on >= opens_on),
    max_choices     smallint    NOT NULL CHECK (max_choices BETWEEN 1 AND 5),
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, academic_year)
);

-- An applicant's application to a college: the specialties chosen (in
-- college.choices), the school certificate's average mark as entered and,
-- once the college has seen the document, confirmed. The applicant's name
-- is the registry's at the time of applying, for the college's own lists.
CREATE SEQUENCE college.application_numbers;
CREATE TABLE college.applications (
    id                 uuid         PRIMARY KEY,
    number             text         NOT NULL UNIQUE,
    organisation_id    uuid         NOT NULL,
    academic_year      smallint     NOT NULL,
    person_id          uuid         NOT NULL,
    full_name          text         NOT NULL,
    birth_date         date         NOT NULL,
    channel            text         NOT NULL CHECK (channel IN ('cabinet', 'epgu')),
    applicant          text         NOT NULL, -- the account that applied
    external_id        text,                  -- EPGU's order id
    certificate_number text         NOT NULL,
    average_mark       numeric(3,2) NOT NULL CHECK (average_mark BETWEEN 3 AND 5),
    confirmed_at       timestamptz,
    confirmed_by       text,
    status             text         NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'withdrawn', 'enrolled')),
    received_at        timestamptz  NOT NULL,
    FOREIGN KEY (organisation_id, academic_year) REFERENCES college.campaigns,
    UNIQUE (person_id, organisation_id, academic_year),
    UNIQUE (external_id)
);
CREATE INDEX applications_person_idx ON college.applications (person_id);

-- The specialties an application names, in the applicant's order.
CREATE TABLE college.choices (
    application_id uuid     NOT NULL REFERENCES college.applications ON DELETE CASCADE,
    specialty_id   uuid     NOT NULL REFERENCES college.specialties,
    priority       smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
    PRIMARY KEY (application_id, specialty_id),
    UNIQUE (application_id, priority)
);
CREATE INDEX choices_specialty_idx ON college.choices (specialty_id);

-- Consents to enrol: an applicant holds one at a time in a year, whatever
-- the college; withdrawing keeps the row.
CREATE TABLE college.consents (
    id             bigserial   PRIMARY KEY,
    application_id uuid        NOT NULL REFERENCES college.applications,
    specialty_id   uuid        NOT NULL REFERENCES college.specialties,
    person_id      uuid        NOT NULL,
    academic_year  smallint    NOT NULL,
    given_at       timestamptz NOT NULL,
    given_by       text        NOT NULL,
    withdrawn_at   timestamptz
);
CREATE UNIQUE INDEX consents_one_idx ON college.consents (person_id, academic_year) WHERE withdrawn_at IS NULL;
CREATE INDEX consents_specialty_idx ON college.consents (specialty_id) WHERE withdrawn_at IS NULL;

-- Entrance test results at a college, from post-grade's exam import.
CREATE TABLE college.entrance_results (
    person_id       uuid     NOT NULL,
    organisation_id uuid     NOT NULL,
    subject         text     NOT NULL,
    exam_date       date     NOT NULL,
    score           smallint,
    mark            smallint,
    PRIMARY KEY (person_id, organisation_id, subject, exam_date)
);

-- Enrolment orders: one per specialty, into a study group (a registry
-- class of the college), each applicant enrolled once.
CREATE TABLE college.orders (
    id            uuid        PRIMARY KEY,
    number        text        NOT NULL,
    specialty_id  uuid        NOT NULL UNIQUE REFERENCES college.specialties,
    group_id      uuid        NOT NULL,
    group_name    text        NOT NULL,
    issued_at     timestamptz NOT NULL,
    issued_by     text        NOT NULL
);
CREATE TABLE college.order_lines (
    order_id       uuid NOT NULL REFERENCES college.orders,
    application_id uuid NOT NULL UNIQUE REFERENCES college.applications,
    person_id      uuid NOT NULL,
    position       integer NOT NULL,
    enrollment_id  uuid, -- the registry's, once enrolled
    PRIMARY KEY (order_id, application_id)
);

-- Study groups of a college with their specialty (the registry keeps the
-- group as a class; the journal keeps its lessons).
CREATE TABLE college.groups (
    class_id     uuid     PRIMARY KEY,
    specialty_id uuid     NOT NULL REFERENCES college.specialties,
    name         text     NOT NULL
);

-- +goose Down
DROP TABLE college.groups;
DROP TABLE college.order_lines;
DROP TABLE college.orders;
DROP TABLE college.entrance_results;
DROP TABLE college.consents;
DROP TABLE college.choices;
DROP TABLE college.applications;
DROP SEQUENCE college.application_numbers;
DROP TABLE college.campaigns;
