DROP INDEX report_events_validated;
