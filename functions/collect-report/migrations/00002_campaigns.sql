-- +goose Up
-- Campaigns: a pinned form version, the target organisations, the period
-- and the legal basis; opening creates each target's submission.
CREATE TABLE reports.campaigns (
    id              uuid        PRIMARY KEY,
    code            text        NOT NULL,
    version         integer     NOT NULL,
    title           text        NOT NULL,
    legal_basis     text        NOT NULL DEFAULT '',
    legal_reference text        NOT NULL DEFAULT '',
    opens_at        timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL CHECK (closes_at > opens_at),
    allow_late      boolean     NOT NULL DEFAULT false,
    targets         jsonb       NOT NULL,
    state           text        NOT NULL CHECK (state IN ('draft', 'open')),
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    opened_at       timestamptz,
    FOREIGN KEY (code, version) REFERENCES reports.definitions (code, version)
);

-- One organisation's submission in a campaign: the values as filled, the
-- version every save names (two people editing get a 409, not a lost save).
CREATE TABLE reports.submissions (
    id              uuid        PRIMARY KEY,
    campaign_id     uuid        NOT NULL REFERENCES reports.campaigns (id),
    organisation_id uuid        NOT NULL,
    municipality_id uuid,
    state           text        NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
    "values"        jsonb       NOT NULL DEFAULT '{}',
    version         integer     NOT NULL DEFAULT 1,
    late            boolean     NOT NULL DEFAULT false,
    submitted_at    timestamptz,
    updated_at      timestamptz NOT NULL,
    updated_by      text,
    UNIQUE (campaign_id, organisation_id)
);
CREATE INDEX submissions_organisation_idx ON reports.submissions (organisation_id);
CREATE INDEX submissions_municipality_idx ON reports.submissions (campaign_id, municipality_id);

-- +goose Down
DROP TABLE reports.submissions;
DROP TABLE reports.campaigns;
