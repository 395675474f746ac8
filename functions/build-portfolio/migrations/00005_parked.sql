-- +goose Up
-- Results other systems posted that matched nobody (or several people):
-- waiting for the operator, with the reason. The participant is kept as
-- named, SNILS masked. (system, record) is the system's result: posting it
-- again is the same one.
CREATE TABLE portfolio.parked (
    id             uuid        PRIMARY KEY,
    system         text        NOT NULL,
    record         text        NOT NULL,
    data           jsonb       NOT NULL,
    reason         text        NOT NULL,
    received_at    timestamptz NOT NULL,
    resolved_at    timestamptz,
    resolved_by    text,
    achievement_id uuid REFERENCES portfolio.achievements (id),
    UNIQUE (system, record)
);
CREATE INDEX parked_open_idx ON portfolio.parked (received_at) WHERE resolved_at IS NULL;

-- +goose Down
DROP TABLE portfolio.parked;
