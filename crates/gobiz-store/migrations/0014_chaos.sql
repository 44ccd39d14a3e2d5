-- Delivery chaos (issue 19, sandbox): a partner's settings, and the number of chaos decisions
-- made so far (each delivery gets the next one, so a seed replays the same decisions).
CREATE TABLE chaos (
    partner_id TEXT PRIMARY KEY NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    config TEXT NOT NULL,
    decisions BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE deliveries ADD COLUMN chaos_seq BIGINT;
