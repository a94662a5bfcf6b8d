-- The Ed25519 keys that sign the case files sent to regulators. The seed is
-- kept wrapped with the server's secret key (QINGLANG_SECRET_KEY), so a copy
-- of the database alone cannot sign; retired keys stay published so that
-- files signed with them can still be verified.
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    public_key_pem TEXT NOT NULL,
    wrapped_seed TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
