DROP TRIGGER merchant_tokens_update ON reports;
DROP TRIGGER merchant_tokens_insert ON reports;
DROP FUNCTION merchant_tokens_sync();
DROP TABLE merchant_tokens;
