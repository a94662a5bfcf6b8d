CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    client_ip TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    throttle_key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (throttle_key, at);

ALTER TABLE reports ADD COLUMN assigned_to BIGINT REFERENCES users (id);
ALTER TABLE reports ADD COLUMN duplicate_of_id BIGINT REFERENCES reports (id);
ALTER TABLE reports ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN merchant_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN search_terms TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_category ON reports (category, id);
CREATE INDEX reports_platform ON reports (platform, id);
CREATE INDEX reports_province ON reports (merchant_province, id);
CREATE INDEX reports_assigned ON reports (assigned_to, id);
CREATE INDEX reports_status_id ON reports (status, id);
CREATE INDEX reports_priority ON reports (priority, id);
CREATE INDEX reports_merchant ON reports (merchant_name);
-- Stored vectors: index rechecks and filters read them instead of re-parsing the text per row.
ALTER TABLE reports ADD COLUMN merchant_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', merchant_terms)) STORED;
ALTER TABLE reports ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_terms)) STORED;
CREATE INDEX reports_search ON reports USING GIN (search_vector);
CREATE INDEX reports_merchant_search ON reports USING GIN (merchant_vector);

CREATE TABLE status_counts (
    status TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO status_counts (status, n) SELECT status, count(*) FROM reports GROUP BY status;
CREATE FUNCTION status_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE status_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO status_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET n = status_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER status_counts_insert_delete AFTER INSERT OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION status_counts_track();
CREATE TRIGGER status_counts_update AFTER UPDATE OF status ON reports
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION status_counts_track();

ALTER TABLE report_events ADD COLUMN from_status TEXT;
ALTER TABLE report_events ADD COLUMN actor_id BIGINT REFERENCES users (id);
ALTER TABLE report_events ADD COLUMN reason TEXT;

CREATE TABLE replies (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX replies_report ON replies (report_id, id);
ALTER TABLE evidence ADD COLUMN reply_id BIGINT REFERENCES replies (id);

CREATE TABLE case_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_report ON case_notes (report_id, id);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
