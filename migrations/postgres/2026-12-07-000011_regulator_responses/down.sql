ALTER TABLE deliveries DROP COLUMN replies_to;
ALTER TABLE deliveries DROP COLUMN response_revoked_at;
DROP TABLE regulator_responses;
