-- An outlet's transactions, newest first (the sandbox listing and the console, issue 17).
CREATE INDEX payment_transactions_outlet ON payment_transactions (outlet_id, created_at, id);
