-- +goose Up
-- Share links: a portfolio's chosen confirmed achievements shown to anyone
-- holding the link, until it expires or is revoked. Only the SHA-256 of the
-- link's token is kept: the token itself is shown once, to its creator.
CREATE TABLE portfolio.shares (
    id                 uuid        PRIMARY KEY,
    owner_id           uuid        NOT NULL,
    token_hash         bytea       NOT NULL UNIQUE,
    achievements       uuid[]      NOT NULL CHECK (cardinality(achievements) BETWEEN 1 AND 200),
    created_at         timestamptz NOT NULL,
    created_by_subject text        NOT NULL,
    expires_at         timestamptz NOT NULL,
    revoked_at         timestamptz,
    views              integer     NOT NULL DEFAULT 0,
    last_viewed_at     timestamptz
);
CREATE INDEX shares_owner_idx ON portfolio.shares (owner_id, created_at DESC);

-- +goose Down
DROP TABLE portfolio.shares;
