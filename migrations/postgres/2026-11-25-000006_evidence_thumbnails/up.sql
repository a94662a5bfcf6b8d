-- A small luma grid of each image, for crop-tolerant matching (see
-- src/domain/signals/thumbnail.rs). Cases with images are queued again so
-- their thumbnails are made and their signals see cropped copies.
ALTER TABLE evidence ADD COLUMN thumbnail BYTEA;
UPDATE case_profiles SET dirty = TRUE
WHERE report_id IN (SELECT report_id FROM evidence WHERE phash IS NOT NULL);
