-- "Every province" / "every category" becomes a value of its own, so an
-- empty list (from a renamed code or a corrupt row) can no longer read as
-- "all" (see domain::routing::Scope).
UPDATE regulators SET provinces = '"all"' WHERE provinces = '[]';
UPDATE regulators SET categories = '"all"' WHERE categories = '[]';
-- Structured details of a timeline event (e.g. who received a forwarded
-- case), rendered in the reader's language.
ALTER TABLE report_events ADD COLUMN details TEXT;
-- No longer read: related cases are recomputed from the (signal, case)
-- pairs that are new.
ALTER TABLE case_profiles DROP COLUMN first_run;
