-- `gobiz listen`: a listener is a temporary receiver of a partner's webhooks that a CLI
-- attaches to over a stream. Its subscriptions are ordinary rows whose url is
-- 'gobiz-listen:<listener id>'; the dispatcher leaves their deliveries to the listener's stream.
CREATE TABLE listeners (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    outlet_id TEXT,
    events TEXT NOT NULL,
    forward_to TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX deliveries_endpoint_due ON deliveries (endpoint, status, next_attempt_at);
