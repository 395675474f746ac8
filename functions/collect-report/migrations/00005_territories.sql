-- +goose Up
-- The second level of review: a municipality sends the ministry its
-- territory's consolidation once every organisation's report is approved;
-- the ministry approves it (locking the municipality's reviews) or returns
-- it with a comment. Every decision is kept.
CREATE TABLE reports.territories (
    campaign_id     uuid        NOT NULL REFERENCES reports.campaigns (id),
    municipality_id uuid        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('submitted', 'returned', 'approved')),
    version         integer     NOT NULL DEFAULT 1,
    totals          jsonb       NOT NULL,
    organisations   integer     NOT NULL,
    comment         text        NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, municipality_id)
);

CREATE TABLE reports.territory_reviews (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id     uuid        NOT NULL,
    municipality_id uuid        NOT NULL,
    decision        text        NOT NULL CHECK (decision IN ('submitted', 'returned', 'approved')),
    comment         text        NOT NULL DEFAULT '',
    actor_subject   text        NOT NULL,
    actor_role      text        NOT NULL,
    at              timestamptz NOT NULL,
    FOREIGN KEY (campaign_id, municipality_id) REFERENCES reports.territories (campaign_id, municipality_id)
);
CREATE INDEX territory_reviews_idx ON reports.territory_reviews (campaign_id, municipality_id, id);

-- +goose Down
DROP TABLE reports.territory_reviews;
DROP TABLE reports.territories;
