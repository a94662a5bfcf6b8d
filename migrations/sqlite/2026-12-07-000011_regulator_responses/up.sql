-- A regulator's answers to a forwarded case, each through the signed link
-- of the delivery that brought it the case (see domain::response).
CREATE TABLE regulator_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    own_reference TEXT,
    expected_date DATE,
    reason TEXT,
    question TEXT,
    outcome TEXT,
    public_summary TEXT,
    client_ip TEXT,
    created_at TIMESTAMP NOT NULL,
    -- For a question: when a moderator relayed it to the reporter, and
    -- the reporter's reply that answered it.
    relayed_at TIMESTAMP,
    answered_by_reply_id BIGINT REFERENCES replies (id)
);
CREATE INDEX regulator_responses_report ON regulator_responses (report_id, id);
CREATE INDEX regulator_responses_delivery ON regulator_responses (delivery_id, id);

-- A regulator's response link stops working when the case is reopened.
ALTER TABLE deliveries ADD COLUMN response_revoked_at TIMESTAMP;
-- A message that follows up another (supplementary material, reminders),
-- threaded on it by In-Reply-To and References.
ALTER TABLE deliveries ADD COLUMN replies_to BIGINT REFERENCES deliveries (id);
