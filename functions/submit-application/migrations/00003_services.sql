-- +goose Up
-- Deadline compliance, the overdue view, the additional-education registration
-- certificate and the programmes' listing.

-- decided_at: when the application first reached the decision its deadline is
-- for (statuses.go: decision). Compliance is decided_at <= deadline.
ALTER TABLE applications.applications ADD COLUMN decided_at timestamptz;
-- Undecided applications by deadline: the overdue work of a municipality.
CREATE INDEX applications_undecided_idx ON applications.applications (municipality_id, deadline)
    WHERE decided_at IS NULL AND status IN ('submitted', 'checking', 'documents_requested', 'registered');
-- Service accounting counts by the receipt time.
CREATE INDEX applications_received_idx ON applications.applications (received_at);

CREATE INDEX programmes_organisation_idx ON applications.programmes (organisation_id);
CREATE INDEX programmes_municipality_idx ON applications.programmes (municipality_id, status);
-- Enrolled children of a programme are counted against its capacity.
CREATE INDEX applications_enrolled_idx ON applications.applications (target_key)
    WHERE status = 'enrolled';

-- The registration certificate of additional education: one per child, ages 5–18.
CREATE SEQUENCE applications.certificate_seq;
CREATE TABLE applications.certificates (
    id                uuid        PRIMARY KEY,
    number            text        NOT NULL UNIQUE,          -- «ДО-42-0000123»: region 42, sequence
    child_id          uuid        NOT NULL UNIQUE,
    child_birth_date  date        NOT NULL,
    applicant_subject text        NOT NULL,                 -- ESIA oid of the parent who asked for it
    issued_at         timestamptz NOT NULL,
    valid_until       date        NOT NULL                  -- the child's 18th birthday
);

-- +goose Down
DROP TABLE applications.certificates;
DROP SEQUENCE applications.certificate_seq;
DROP INDEX applications.applications_enrolled_idx;
DROP INDEX applications.programmes_municipality_idx;
DROP INDEX applications.programmes_organisation_idx;
DROP INDEX applications.applications_received_idx;
DROP INDEX applications.applications_undecided_idx;
ALTER TABLE applications.applications DROP COLUMN decided_at;
