CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    client_ip TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, by account and by client address, for throttling across instances.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (throttle_key, at);

ALTER TABLE reports ADD COLUMN assigned_to BIGINT REFERENCES users (id);
ALTER TABLE reports ADD COLUMN duplicate_of_id BIGINT REFERENCES reports (id);
ALTER TABLE reports ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
-- Words and CJK character bigrams (see domain::search): of the merchant's name,
-- for the `merchant` filter, and of merchant, description and reviews, for `q`.
ALTER TABLE reports ADD COLUMN merchant_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN search_terms TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_category ON reports (category, id);
CREATE INDEX reports_platform ON reports (platform, id);
CREATE INDEX reports_province ON reports (merchant_province, id);
CREATE INDEX reports_assigned ON reports (assigned_to, id);
CREATE INDEX reports_status_id ON reports (status, id);
CREATE INDEX reports_priority ON reports (priority, id);
CREATE INDEX reports_merchant ON reports (merchant_name);

CREATE VIRTUAL TABLE reports_fts USING fts5 (
    merchant_terms, search_terms, content = 'reports', content_rowid = 'id'
);
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
    INSERT INTO reports_fts (rowid, merchant_terms, search_terms)
        VALUES (new.id, new.merchant_terms, new.search_terms);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF merchant_terms, search_terms ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, merchant_terms, search_terms)
        VALUES ('delete', old.id, old.merchant_terms, old.search_terms);
    INSERT INTO reports_fts (rowid, merchant_terms, search_terms)
        VALUES (new.id, new.merchant_terms, new.search_terms);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, merchant_terms, search_terms)
        VALUES ('delete', old.id, old.merchant_terms, old.search_terms);
END;

-- Cases per status, kept exact by triggers so the queue's tabs never count a million rows.
CREATE TABLE status_counts (
    status TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO status_counts (status, n) SELECT status, count(*) FROM reports GROUP BY status;
CREATE TRIGGER status_counts_insert AFTER INSERT ON reports BEGIN
    INSERT INTO status_counts (status, n) VALUES (new.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER status_counts_update AFTER UPDATE OF status ON reports WHEN old.status <> new.status BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = old.status;
    INSERT INTO status_counts (status, n) VALUES (new.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER status_counts_delete AFTER DELETE ON reports BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = old.status;
END;

ALTER TABLE report_events ADD COLUMN from_status TEXT;
ALTER TABLE report_events ADD COLUMN actor_id BIGINT REFERENCES users (id);
ALTER TABLE report_events ADD COLUMN reason TEXT;

CREATE TABLE replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX replies_report ON replies (report_id, id);
ALTER TABLE evidence ADD COLUMN reply_id BIGINT REFERENCES replies (id);

CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_report ON case_notes (report_id, id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    actor_label TEXT,
    action TEXT NOT NULL,
    report_id BIGINT,
    client_ip TEXT,
    before_state TEXT,
    after_state TEXT
);
CREATE INDEX audit_log_report ON audit_log (report_id, id);
-- The audit trail is append-only, whatever code runs against the database.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
