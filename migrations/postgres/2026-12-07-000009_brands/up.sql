-- The brand directory admins keep: names, and the brand's own service
-- numbers (normalized) and web domains (registrable), as JSON lists.
CREATE TABLE brands (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    official_numbers TEXT NOT NULL,
    official_domains TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
