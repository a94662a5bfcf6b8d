-- Merchants as reports name them: one row per platform and normalized name
-- (see domain::signals::cross::merchant_keys), kept current at intake.
CREATE TABLE merchants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    province TEXT,
    report_count BIGINT NOT NULL DEFAULT 0,
    reporter_count BIGINT NOT NULL DEFAULT 0,
    first_reported_at TIMESTAMP NOT NULL,
    last_reported_at TIMESTAMP NOT NULL
);
CREATE INDEX merchants_by_reports ON merchants (report_count, id);
CREATE INDEX merchants_platform ON merchants (platform, report_count, id);
CREATE INDEX merchants_province ON merchants (province, report_count, id);

-- What the signals of a case are computed from and where that stands:
-- `dirty` cases are (re)computed in the background, claimed under a lease;
-- `version` counts the changes, so a change made while a worker computes
-- keeps the case dirty.
CREATE TABLE case_profiles (
    report_id BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    merchant_id BIGINT REFERENCES merchants (id),
    name_key TEXT NOT NULL,
    shop_key TEXT,
    contact_key TEXT,
    network_key TEXT,
    independent_reporters INTEGER,
    priority_explanation TEXT,
    signals_computed_at TIMESTAMP,
    dirty BOOLEAN NOT NULL DEFAULT TRUE,
    first_run BOOLEAN NOT NULL DEFAULT TRUE,
    due_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    lease_token TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_profiles_merchant ON case_profiles (merchant_id, report_id);
CREATE INDEX case_profiles_name_key ON case_profiles (name_key);
CREATE INDEX case_profiles_shop_key ON case_profiles (shop_key);
CREATE INDEX case_profiles_due ON case_profiles (due_at) WHERE dirty;

-- Normalized tracking numbers a case gives (its record and its exports).
CREATE TABLE tracking_numbers (
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    PRIMARY KEY (report_id, number)
);
CREATE INDEX tracking_numbers_number ON tracking_numbers (number);

-- Perceptual hashes of images, with the four 16-bit chunks indexed for
-- multi-index hashing: a hash within distance d of another shares at least
-- one chunk within distance d/4 of it.
ALTER TABLE evidence ADD COLUMN phash BIGINT;
ALTER TABLE evidence ADD COLUMN phash_c0 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_c1 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_c2 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_c3 INTEGER;
-- Text read from a screenshot (when OCR is installed); NULL: not read yet.
ALTER TABLE evidence ADD COLUMN ocr_text TEXT;
CREATE INDEX evidence_phash_c0 ON evidence (phash_c0);
CREATE INDEX evidence_phash_c1 ON evidence (phash_c1);
CREATE INDEX evidence_phash_c2 ON evidence (phash_c2);
CREATE INDEX evidence_phash_c3 ON evidence (phash_c3);

CREATE TABLE signals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    explanation_zh TEXT NOT NULL,
    explanation_en TEXT NOT NULL,
    related TEXT NOT NULL DEFAULT '[]',
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX signals_report ON signals (report_id);
CREATE INDEX signals_code ON signals (code, report_id);
