-- Notifications: subscriptions, the event outbox, deliveries and their attempts.
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    -- '' for partner-wide subscriptions, else the outlet id (keeps the unique key portable).
    outlet_key TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX subscriptions_unique ON subscriptions (partner_id, outlet_key, event, url);
CREATE INDEX subscriptions_event ON subscriptions (event, active);

CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    outlet_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    request_id TEXT,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    headers TEXT NOT NULL,
    status TEXT NOT NULL,
    retries BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    lease_owner TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_entity ON deliveries (partner_id, entity_id, created_at);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT,
    exception_message TEXT,
    delivered BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, seq)
);
