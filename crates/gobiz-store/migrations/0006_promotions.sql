-- GoFood SKU promotions, and stored responses of idempotent requests (per client, outlet
-- and key; kept 30 days).
CREATE TABLE promotions (
    id TEXT PRIMARY KEY NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    external_menu_id TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX promotions_outlet ON promotions (outlet_id, created_at);

CREATE TABLE idempotency_keys (
    client_id TEXT NOT NULL,
    outlet_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, outlet_id, idem_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
