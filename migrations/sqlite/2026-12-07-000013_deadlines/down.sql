DROP TABLE reminders;
DROP TABLE calendar_years;
DROP TABLE deadlines;
