-- +goose Up
-- The transactional outbox: a function writes its domain rows and the events that
-- describe them in one transaction; outbox-relay delivers them at least once.
CREATE TABLE platform.outbox (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              uuid        NOT NULL UNIQUE,          -- the CloudEvent id
    type            text        NOT NULL,
    source          text        NOT NULL,
    subject         text,
    data            jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz
);
-- The relay's work queue: only pending rows, oldest first.
CREATE INDEX outbox_pending_idx ON platform.outbox (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX outbox_dead_idx ON platform.outbox (seq) WHERE status = 'dead';
CREATE INDEX outbox_delivered_idx ON platform.outbox (delivered_at) WHERE status = 'delivered';

-- Consumers record every event they applied in the same transaction as its effect,
-- so a redelivered event has no second effect.
CREATE TABLE platform.processed_events (
    consumer     text        NOT NULL,
    source       text        NOT NULL,
    id           text        NOT NULL,
    type         text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, source, id)
);

-- +goose Down
DROP TABLE platform.processed_events;
DROP TABLE platform.outbox;
