ALTER TABLE evidence ADD COLUMN phash_c0 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_c1 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_c2 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_c3 INTEGER;
UPDATE evidence SET
    phash_c0 = (phash >> 48) & 65535,
    phash_c1 = (phash >> 32) & 65535,
    phash_c2 = (phash >> 16) & 65535,
    phash_c3 = phash & 65535
WHERE phash IS NOT NULL;
CREATE INDEX evidence_phash_c0 ON evidence (phash_c0);
CREATE INDEX evidence_phash_c1 ON evidence (phash_c1);
CREATE INDEX evidence_phash_c2 ON evidence (phash_c2);
CREATE INDEX evidence_phash_c3 ON evidence (phash_c3);
DROP INDEX evidence_phash_h0;
DROP INDEX evidence_phash_h1;
ALTER TABLE evidence DROP COLUMN phash_h0;
ALTER TABLE evidence DROP COLUMN phash_h1;
