ALTER TABLE reports DROP COLUMN notifications_off;
DROP TABLE deliveries;
DROP TABLE regulators;
