ALTER TABLE case_profiles ADD COLUMN first_run BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE report_events DROP COLUMN details;
UPDATE regulators SET provinces = '[]' WHERE provinces = '"all"';
UPDATE regulators SET categories = '[]' WHERE categories = '"all"';
