ALTER TABLE evidence DROP COLUMN thumbnail;
