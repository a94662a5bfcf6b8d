-- The hotline blocklist reads the validation events of its cases: a partial
-- index holds only those (a few percent of all events), where the index by
-- report would be walked whole and filtered.
CREATE INDEX IF NOT EXISTS report_events_validated ON report_events (report_id, at)
    WHERE status = 'validated';
