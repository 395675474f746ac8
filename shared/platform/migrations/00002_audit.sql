-- +goose Up
-- The audit log of personal-data access (DESIGN §7, shared/audit): who read or
-- changed whose data, when, why and from where. Rows are written by audit.Append
-- in the transaction of the access they describe.
--
-- Append-only: the triggers below refuse UPDATE, DELETE and TRUNCATE for every
-- role, the owner included. Only a superuser (or the owner) can disable them; the
-- per-subject hash chain (prev_hash, hash) makes such an edit detectable by
-- audit.Verify. The hash encoding is documented in shared/audit.
CREATE TABLE platform.audit_log (
    seq               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                timestamptz NOT NULL DEFAULT now(),
    actor_subject     text        NOT NULL CHECK (actor_subject <> ''), -- ESIA oid or "service:<client>"
    actor_person_id   uuid,                                             -- the actor's registry person, if any
    actor_role        text        NOT NULL DEFAULT '',
    subject_person_id uuid        NOT NULL,                             -- whose data (typically a child)
    action            text        NOT NULL
                      CHECK (action IN ('read', 'create', 'update', 'delete', 'export')),
    object            text        NOT NULL CHECK (object <> ''),         -- e.g. registry.person
    fields            text[]      NOT NULL DEFAULT '{}',                 -- e.g. {snils,document}
    purpose           text        NOT NULL DEFAULT '',
    remote_addr       text        NOT NULL DEFAULT '',
    user_agent        text        NOT NULL DEFAULT '',
    prev_hash         bytea       CHECK (prev_hash IS NULL OR length(prev_hash) = 32),
    hash              bytea       NOT NULL CHECK (length(hash) = 32)
);
-- A subject's log, in order: audit.List, audit.Verify and the chain head lookup.
CREATE INDEX audit_log_subject_idx ON platform.audit_log (subject_person_id, seq);
-- The chain of a subject never forks: no two entries share a predecessor, and
-- only one entry starts the chain. A writer that read a stale head (for example
-- in a REPEATABLE READ transaction) fails here instead of committing a fork.
CREATE UNIQUE INDEX audit_log_chain_key ON platform.audit_log (subject_person_id, coalesce(prev_hash, ''::bytea));

-- +goose StatementBegin
CREATE FUNCTION platform.audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'platform.audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit records are never changed or removed';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON platform.audit_log
    FOR EACH ROW EXECUTE FUNCTION platform.audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON platform.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_log_refuse_change();

-- +goose Down
-- Destroys the audit log. Never run this against a database with real data.
DROP TABLE platform.audit_log;
DROP FUNCTION platform.audit_log_refuse_change();
