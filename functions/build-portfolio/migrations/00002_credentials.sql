-- +goose Up
-- Verifiable credentials issued from portfolios, and the Bitstring Status
-- Lists that revoke them.

-- A revocation list: 131,072 entries (index 0 the left-most bit of the
-- first byte), and its signed BitstringStatusListCredential as served
-- (signed anew whenever an entry changes).
CREATE TABLE portfolio.status_lists (
    id         integer     PRIMARY KEY,
    bits       bytea       NOT NULL CHECK (length(bits) = 16384),
    document   jsonb       NOT NULL,
    changed_at timestamptz NOT NULL
);

-- A credential issued: one achievement (an AchievementCredential) or a
-- portfolio (a ClrCredential), signed both ways, with its entry in a list.
CREATE TABLE portfolio.credentials (
    id                 uuid        PRIMARY KEY,
    owner_id           uuid        NOT NULL,
    kind               text        NOT NULL CHECK (kind IN ('achievement', 'portfolio')),
    achievements       uuid[]      NOT NULL,
    list_id            integer     NOT NULL REFERENCES portfolio.status_lists (id),
    list_index         integer     NOT NULL CHECK (list_index BETWEEN 0 AND 131071),
    document           jsonb       NOT NULL,
    jwt                text        NOT NULL,
    issued_at          timestamptz NOT NULL,
    issued_by_subject  text        NOT NULL,
    revoked_at         timestamptz,
    revoked_by_subject text,
    revoke_reason      text,
    UNIQUE (list_id, list_index)
);
CREATE INDEX credentials_owner_idx ON portfolio.credentials (owner_id, issued_at DESC);

-- +goose Down
DROP TABLE portfolio.credentials;
DROP TABLE portfolio.status_lists;
