-- +goose Up
-- Review up the hierarchy: every decision on a submission, append-only,
-- with its comments per cell; a returned submission opens only its
-- returned cells.
ALTER TABLE reports.submissions ADD COLUMN returned_cells text[] NOT NULL DEFAULT '{}';
ALTER TABLE reports.submissions ADD COLUMN comments jsonb NOT NULL DEFAULT '{}';

CREATE TABLE reports.reviews (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id uuid        NOT NULL REFERENCES reports.submissions (id),
    decision      text        NOT NULL CHECK (decision IN ('returned', 'approved', 'reopened')),
    comments      jsonb       NOT NULL DEFAULT '{}',
    reason        text,
    actor_subject text        NOT NULL,
    actor_role    text,
    at            timestamptz NOT NULL
);
CREATE INDEX reviews_submission_idx ON reports.reviews (submission_id, id);

-- +goose Down
DROP TABLE reports.reviews;
ALTER TABLE reports.submissions DROP COLUMN comments;
ALTER TABLE reports.submissions DROP COLUMN returned_cells;
