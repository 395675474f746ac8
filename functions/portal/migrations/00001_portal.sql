-- +goose Up
-- Server-side sessions of the web cabinets. The browser holds only a random
-- 256-bit session id in a cookie; the database keeps its SHA-256, so a copy of
-- this table opens no session. Tokens are sealed with the personal-data key
-- ring (shared/pdata), never stored in the clear and never put in a cookie.

CREATE TABLE portal.sessions (
    id_hash      bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32), -- SHA-256 of the cookie's session id
    subject      text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200), -- the ESIA oid
    access_token bytea NOT NULL,                  -- sealed (pdata)
    id_token     bytea NOT NULL,                  -- sealed (pdata); the hint for the end-session request
    csrf_token   text NOT NULL CHECK (length(csrf_token) >= 43), -- per-session form token
    active_role  text NOT NULL DEFAULT '' CHECK (length(active_role) <= 300),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL            -- the access token's expiry
);
CREATE INDEX sessions_expires_idx ON portal.sessions (expires_at);
CREATE INDEX sessions_subject_idx ON portal.sessions (subject);

-- A login in progress: what the callback must find to accept the provider's
-- answer. Bound to the browser by a short-lived cookie whose hash is the key;
-- taken (deleted) by the callback, so a state is used once.
CREATE TABLE portal.logins (
    id_hash    bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    state      text NOT NULL,
    nonce      text NOT NULL,
    verifier   bytea NOT NULL,                    -- sealed PKCE code verifier
    return_to  text NOT NULL CHECK (length(return_to) <= 512),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX logins_expires_idx ON portal.logins (expires_at);

-- +goose Down
DROP TABLE portal.logins;
DROP TABLE portal.sessions;
