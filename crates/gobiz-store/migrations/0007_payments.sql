-- QRIS payment transactions.
CREATE TABLE payment_transactions (
    id TEXT PRIMARY KEY NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    reference_label TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX payment_transactions_order ON payment_transactions (outlet_id, order_id);
CREATE INDEX payment_transactions_reference ON payment_transactions (reference_label);
CREATE INDEX payment_transactions_expiry ON payment_transactions (status, expires_at);
