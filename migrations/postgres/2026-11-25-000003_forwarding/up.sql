-- The regulator directory: which inboxes receive validated cases.
-- `provinces` and `categories` are JSON arrays of codes; an empty array means all.
CREATE TABLE regulators (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    provinces TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The transactional outbox: one row per message to send, written in the same
-- transaction as the change that causes it. `lease_*` mark a claim by a worker;
-- an expired lease (a crashed worker) makes the row claimable again.
CREATE TABLE deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    regulator_id BIGINT REFERENCES regulators (id) ON DELETE SET NULL,
    recipient_name TEXT,
    recipient_email TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    lease_token TEXT,
    last_error TEXT,
    last_attempt_at TIMESTAMP,
    smtp_reply TEXT,
    accepted_at TIMESTAMP,
    failed_at TIMESTAMP,
    note TEXT,
    secret TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_report ON deliveries (report_id, id);

-- The reporter followed an unsubscribe link: no more notifications.
ALTER TABLE reports ADD COLUMN notifications_off BOOLEAN NOT NULL DEFAULT FALSE;
