-- Token buckets shared by every instance on this database (see
-- domain::throttle): filings per client address and overall, notices per
-- mailbox, login attempts per account and address.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX rate_limits_updated ON rate_limits (updated_ms);
-- Replaced by rate_limits.
DROP TABLE login_failures;
