-- A fake hotline report may name no shop and no platform: the reports table
-- is rebuilt with `platform` and `merchant_name` nullable (SQLite's
-- documented procedure: foreign keys off, copy, drop, rename, recreate the
-- indexes and triggers), keeping every id and the AUTOINCREMENT sequence.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE reports_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    tracking_code_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    platform TEXT,
    merchant_name TEXT,
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
    updated_at TIMESTAMP NOT NULL,
    assigned_to BIGINT REFERENCES users (id),
    duplicate_of_id BIGINT REFERENCES reports (id),
    priority INTEGER NOT NULL DEFAULT 0,
    merchant_terms TEXT NOT NULL DEFAULT '',
    search_terms TEXT NOT NULL DEFAULT '',
    notifications_off BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO reports_rebuilt (
    id, reference, tracking_code_hash, status, category, platform, merchant_name,
    shop_url, product_url, order_id, merchant_province, merchant_city, description,
    review_texts, logistics, tracking_number, reporter_name, reporter_email,
    reporter_phone, consent_share_contact, email_tracking_code, locale, created_at,
    updated_at, assigned_to, duplicate_of_id, priority, merchant_terms, search_terms,
    notifications_off
)
SELECT
    id, reference, tracking_code_hash, status, category, platform, merchant_name,
    shop_url, product_url, order_id, merchant_province, merchant_city, description,
    review_texts, logistics, tracking_number, reporter_name, reporter_email,
    reporter_phone, consent_share_contact, email_tracking_code, locale, created_at,
    updated_at, assigned_to, duplicate_of_id, priority, merchant_terms, search_terms,
    notifications_off
FROM reports;
CREATE TEMP TABLE reports_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'reports';
DROP TABLE reports;
ALTER TABLE reports_rebuilt RENAME TO reports;
DELETE FROM sqlite_sequence WHERE name = 'reports';
INSERT INTO sqlite_sequence (name, seq) SELECT 'reports', seq FROM temp.reports_sequence;
DROP TABLE temp.reports_sequence;

CREATE INDEX reports_status_created ON reports (status, created_at, id);
CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX reports_tracking_number ON reports (tracking_number);
CREATE INDEX reports_order_id ON reports (order_id);
CREATE INDEX reports_category ON reports (category, id);
CREATE INDEX reports_platform ON reports (platform, id);
CREATE INDEX reports_province ON reports (merchant_province, id);
CREATE INDEX reports_assigned ON reports (assigned_to, id);
CREATE INDEX reports_status_id ON reports (status, id);
CREATE INDEX reports_priority ON reports (priority, id);
CREATE INDEX reports_merchant ON reports (merchant_name);
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

-- The hotline of a fake_service_hotline report (one per report). `number`
-- is the normalized form (digits only), `found_domain` the registrable
-- domain of `found_url`: the keys other cases are matched by.
CREATE TABLE hotlines (
    report_id BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    impersonated_brand TEXT NOT NULL,
    found_via TEXT,
    found_url TEXT,
    found_domain TEXT,
    search_terms TEXT,
    page_text TEXT,
    technician_visited BOOLEAN,
    amount_paid_fen BIGINT,
    incident_province TEXT,
    incident_city TEXT
);
CREATE INDEX hotlines_number ON hotlines (number, report_id);
CREATE INDEX hotlines_domain ON hotlines (found_domain, report_id);

COMMIT;
PRAGMA foreign_keys = ON;
