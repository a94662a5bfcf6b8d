-- A fake hotline report may name no shop and no platform.
ALTER TABLE reports
    ALTER COLUMN platform DROP NOT NULL,
    ALTER COLUMN merchant_name DROP NOT NULL;

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
