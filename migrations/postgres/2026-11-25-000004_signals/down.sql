DROP TABLE signals;
ALTER TABLE evidence DROP COLUMN phash_c3;
ALTER TABLE evidence DROP COLUMN phash_c2;
ALTER TABLE evidence DROP COLUMN phash_c1;
ALTER TABLE evidence DROP COLUMN phash_c0;
ALTER TABLE evidence DROP COLUMN phash;
DROP TABLE tracking_numbers;
DROP TABLE case_profiles;
DROP TABLE merchants;
