-- PostgreSQL gets a B-tree of merchant-name tokens here for the queue's
-- `merchant` filter. SQLite needs none: its FTS5 index (reports_fts) already
-- yields matching ids in id order (see db::cases).
SELECT 1;
