-- GoFood orders: the order document, its state for queries, the acceptance timer, and a
-- version for optimistic concurrency (accept and reject racing on one order: one wins).
CREATE TABLE orders (
    order_number TEXT PRIMARY KEY NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    timer_due_at BIGINT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orders_outlet ON orders (outlet_id, created_at);
CREATE INDEX orders_timer ON orders (timer_due_at);
