-- +goose Up
-- Prefill with provenance: where each prefilled cell's number came from,
-- the organisation's corrections with their reasons, and the cells whose
-- source changed after the submission was sent in.
ALTER TABLE reports.submissions ADD COLUMN prefill jsonb NOT NULL DEFAULT '{}';
ALTER TABLE reports.submissions ADD COLUMN corrections jsonb NOT NULL DEFAULT '{}';
ALTER TABLE reports.submissions ADD COLUMN drift jsonb NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE reports.submissions DROP COLUMN drift;
ALTER TABLE reports.submissions DROP COLUMN corrections;
ALTER TABLE reports.submissions DROP COLUMN prefill;
