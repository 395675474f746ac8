-- +goose Up
-- The juvenile-affairs commission's cases: one open case per pupil at a
-- time; every signal that opened or joined it (the journal's chronic
-- absence, the school's referral), the commission's decisions with their
-- measures, the school's reports, the closing. The municipality is the
-- organisation's, learnt from the registry with the first official's token
-- that reads the case.
CREATE TABLE kdn.cases (
    id              uuid        PRIMARY KEY,
    pupil_id        uuid        NOT NULL,
    organisation_id uuid        NOT NULL,
    municipality_id uuid,
    state           text        NOT NULL CHECK (state IN ('open', 'decided', 'closed')),
    reason          text        NOT NULL CHECK (reason IN ('chronic_absence', 'referral')),
    version         integer     NOT NULL DEFAULT 1,
    opened_at       timestamptz NOT NULL,
    closed_at       timestamptz,
    outcome         text        NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX cases_one_open_idx ON kdn.cases (pupil_id) WHERE state <> 'closed';
CREATE INDEX cases_organisation_idx ON kdn.cases (organisation_id);
CREATE INDEX cases_municipality_idx ON kdn.cases (municipality_id, state);

CREATE TABLE kdn.signals (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id   uuid        NOT NULL REFERENCES kdn.cases (id),
    kind      text        NOT NULL CHECK (kind IN ('chronic_absence', 'referral')),
    event_id  text        UNIQUE,
    data      jsonb       NOT NULL,
    at        timestamptz NOT NULL,
    by        text        NOT NULL
);
CREATE INDEX signals_case_idx ON kdn.signals (case_id, id);

CREATE TABLE kdn.decisions (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    uuid        NOT NULL REFERENCES kdn.cases (id),
    meeting_on date        NOT NULL,
    text       text        NOT NULL,
    measures   jsonb       NOT NULL,
    by         text        NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX decisions_case_idx ON kdn.decisions (case_id, id);

CREATE TABLE kdn.reports (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id uuid        NOT NULL REFERENCES kdn.cases (id),
    text    text        NOT NULL,
    by      text        NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX reports_case_idx ON kdn.reports (case_id, id);

-- +goose Down
DROP TABLE kdn.reports;
DROP TABLE kdn.decisions;
DROP TABLE kdn.signals;
DROP TABLE kdn.cases;
