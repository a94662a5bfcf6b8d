CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    tracking_code_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    platform TEXT NOT NULL,
    merchant_name TEXT NOT NULL,
    shop_url TEXT,
    product_url TEXT,
    order_id TEXT,
    merchant_province TEXT,
    merchant_city TEXT,
    description TEXT NOT NULL,
    review_texts TEXT NOT NULL,
    logistics TEXT,
    tracking_number TEXT,
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_phone TEXT,
    consent_share_contact BOOLEAN NOT NULL,
    email_tracking_code BOOLEAN NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_status_created ON reports (status, created_at, id);
CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX reports_tracking_number ON reports (tracking_number);
CREATE INDEX reports_order_id ON reports (order_id);

CREATE TABLE report_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    public_note TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, at);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    storage_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    original_sha256 TEXT NOT NULL,
    original_size_bytes BIGINT NOT NULL,
    width INTEGER,
    height INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_report ON evidence (report_id);
CREATE INDEX evidence_sha256 ON evidence (sha256);
CREATE INDEX evidence_original_sha256 ON evidence (original_sha256);
