-- The deadline running on a case (see domain::calendar): what for, from
-- when, and when it is due; no row while none runs. Ordered by due time for
-- the queue's `overdue`/`sort=due` and for the reminder scan.
CREATE TABLE deadlines (
    report_id BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    -- When the reminder scan reminded, and escalated, this deadline: each
    -- scan takes the next cases, not the same first ones again.
    reminded_at TIMESTAMP,
    escalated_at TIMESTAMP,
    -- The case's assignee, kept with the deadline (the workflow updates
    -- both) so the daily digest counts each one's overdue cases by index.
    assigned_to BIGINT
);
CREATE INDEX deadlines_due ON deadlines (due_at, report_id);
CREATE INDEX deadlines_kind_due ON deadlines (kind, due_at);
CREATE INDEX deadlines_assignee_due ON deadlines (assigned_to, due_at);

-- Working-day calendar years admins entered (the current year ships in the
-- code); each list a JSON array of YYYY-MM-DD dates.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    holidays TEXT NOT NULL,
    workdays TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Reminders sent, one row per reminder and period: the key names both, so
-- however many instances scan at once, each reminder is queued once.
CREATE TABLE reminders (
    key TEXT PRIMARY KEY,
    report_id BIGINT REFERENCES reports (id) ON DELETE CASCADE,
    delivery_id BIGINT REFERENCES deliveries (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
