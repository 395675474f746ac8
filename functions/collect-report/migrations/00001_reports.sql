-- +goose Up
-- The ministry's data collection. First, forms as data: each definition of
-- a code is a version, immutable once stored; campaigns pin one.
CREATE TABLE reports.definitions (
    code       text        NOT NULL CHECK (code ~ '^[a-z][a-z0-9-]{1,40}$'),
    version    integer     NOT NULL CHECK (version > 0),
    title      text        NOT NULL,
    definition jsonb       NOT NULL,
    cells      integer     NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text        NOT NULL,
    PRIMARY KEY (code, version)
);

-- +goose Down
DROP TABLE reports.definitions;
