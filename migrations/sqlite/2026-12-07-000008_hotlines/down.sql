-- The columns stay nullable: a NOT NULL that existing rows would break is
-- not restored.
DROP TABLE hotlines;
