-- The similar-screenshot index moves from four 16-bit chunks of the
-- perceptual hash to two 32-bit halves: the even bits (phash_h0) and the
-- odd bits (phash_h1), each compacted in order and stored as a signed
-- 32-bit integer (bit 31 is the sign). See domain::signals::image_hash:
-- screenshots of one app layout share whole chunks, so a chunk matched tens
-- of thousands of rows. The expressions below are ImageHash::halves in SQL
-- (db::tests checks they agree).
ALTER TABLE evidence ADD COLUMN phash_h0 INTEGER;
ALTER TABLE evidence ADD COLUMN phash_h1 INTEGER;
UPDATE evidence SET
    phash_h0 =
        ((phash >> 0) & 1) + (((phash >> 2) & 1) << 1) + (((phash >> 4) & 1) << 2) + (((phash >> 6) & 1) << 3)
        + (((phash >> 8) & 1) << 4) + (((phash >> 10) & 1) << 5) + (((phash >> 12) & 1) << 6) + (((phash >> 14) & 1) << 7)
        + (((phash >> 16) & 1) << 8) + (((phash >> 18) & 1) << 9) + (((phash >> 20) & 1) << 10) + (((phash >> 22) & 1) << 11)
        + (((phash >> 24) & 1) << 12) + (((phash >> 26) & 1) << 13) + (((phash >> 28) & 1) << 14) + (((phash >> 30) & 1) << 15)
        + (((phash >> 32) & 1) << 16) + (((phash >> 34) & 1) << 17) + (((phash >> 36) & 1) << 18) + (((phash >> 38) & 1) << 19)
        + (((phash >> 40) & 1) << 20) + (((phash >> 42) & 1) << 21) + (((phash >> 44) & 1) << 22) + (((phash >> 46) & 1) << 23)
        + (((phash >> 48) & 1) << 24) + (((phash >> 50) & 1) << 25) + (((phash >> 52) & 1) << 26) + (((phash >> 54) & 1) << 27)
        + (((phash >> 56) & 1) << 28) + (((phash >> 58) & 1) << 29) + (((phash >> 60) & 1) << 30) - (((phash >> 62) & 1) << 31),
    phash_h1 =
        ((phash >> 1) & 1) + (((phash >> 3) & 1) << 1) + (((phash >> 5) & 1) << 2) + (((phash >> 7) & 1) << 3)
        + (((phash >> 9) & 1) << 4) + (((phash >> 11) & 1) << 5) + (((phash >> 13) & 1) << 6) + (((phash >> 15) & 1) << 7)
        + (((phash >> 17) & 1) << 8) + (((phash >> 19) & 1) << 9) + (((phash >> 21) & 1) << 10) + (((phash >> 23) & 1) << 11)
        + (((phash >> 25) & 1) << 12) + (((phash >> 27) & 1) << 13) + (((phash >> 29) & 1) << 14) + (((phash >> 31) & 1) << 15)
        + (((phash >> 33) & 1) << 16) + (((phash >> 35) & 1) << 17) + (((phash >> 37) & 1) << 18) + (((phash >> 39) & 1) << 19)
        + (((phash >> 41) & 1) << 20) + (((phash >> 43) & 1) << 21) + (((phash >> 45) & 1) << 22) + (((phash >> 47) & 1) << 23)
        + (((phash >> 49) & 1) << 24) + (((phash >> 51) & 1) << 25) + (((phash >> 53) & 1) << 26) + (((phash >> 55) & 1) << 27)
        + (((phash >> 57) & 1) << 28) + (((phash >> 59) & 1) << 29) + (((phash >> 61) & 1) << 30) - (((phash >> 63) & 1) << 31)
WHERE phash IS NOT NULL;
-- The hash and the id ride along so that the lookup reads only the index:
-- inside one app layout thousands of rows can share a half's neighbourhood,
-- and the full distance is checked on them all.
CREATE INDEX evidence_phash_h0 ON evidence (phash_h0, phash, id);
CREATE INDEX evidence_phash_h1 ON evidence (phash_h1, phash, id);
DROP INDEX evidence_phash_c0;
DROP INDEX evidence_phash_c1;
DROP INDEX evidence_phash_c2;
DROP INDEX evidence_phash_c3;
ALTER TABLE evidence DROP COLUMN phash_c0;
ALTER TABLE evidence DROP COLUMN phash_c1;
ALTER TABLE evidence DROP COLUMN phash_c2;
ALTER TABLE evidence DROP COLUMN phash_c3;
