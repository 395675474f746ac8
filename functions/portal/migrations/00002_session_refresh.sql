-- +goose Up
-- Sessions that outlive one access token. A session keeps the provider's
-- refresh token (sealed) and renews its access token with it; keep_until is
-- how long the row stays — as long as the session may be renewed, and past
-- its end long enough for a form posted after it to be resumed once the
-- user has logged in again.
ALTER TABLE portal.sessions ADD COLUMN refresh_token bytea, ADD COLUMN keep_until timestamptz;
UPDATE portal.sessions SET keep_until = expires_at;
ALTER TABLE portal.sessions ALTER COLUMN keep_until SET NOT NULL;
CREATE INDEX sessions_keep_idx ON portal.sessions (keep_until);

-- A login started because a form was posted after its session had ended:
-- the form (sealed: it may hold personal data) and whose it was; the
-- callback posts it again for the same person only.
ALTER TABLE portal.logins ADD COLUMN resume bytea, ADD COLUMN resume_subject text;

-- +goose Down
ALTER TABLE portal.logins DROP COLUMN resume_subject, DROP COLUMN resume;
DROP INDEX portal.sessions_keep_idx;
ALTER TABLE portal.sessions DROP COLUMN keep_until, DROP COLUMN refresh_token;
