-- The tokens of each report's merchant name (see domain::search) in a B-tree
-- ordered by report: the queue's `merchant` filter reads matching ids newest
-- first from the index alone and stops after a page, instead of visiting
-- every matching row of `reports` through the GIN index (thousands of heap
-- pages for a common fragment). Kept current by a trigger.
CREATE TABLE merchant_tokens (
    token TEXT NOT NULL,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    PRIMARY KEY (token, report_id)
);
CREATE INDEX merchant_tokens_report ON merchant_tokens (report_id);

INSERT INTO merchant_tokens (token, report_id)
SELECT DISTINCT t, r.id
FROM reports r, unnest(string_to_array(r.merchant_terms, ' ')) AS t
WHERE t <> '';

CREATE FUNCTION merchant_tokens_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM merchant_tokens WHERE report_id = NEW.id;
    END IF;
    INSERT INTO merchant_tokens (token, report_id)
    SELECT DISTINCT t, NEW.id
    FROM unnest(string_to_array(NEW.merchant_terms, ' ')) AS t
    WHERE t <> '';
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER merchant_tokens_insert AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION merchant_tokens_sync();
CREATE TRIGGER merchant_tokens_update AFTER UPDATE OF merchant_terms ON reports
    FOR EACH ROW WHEN (OLD.merchant_terms IS DISTINCT FROM NEW.merchant_terms)
    EXECUTE FUNCTION merchant_tokens_sync();
