DROP TABLE evidence;
DROP TABLE report_events;
DROP TABLE reports;
