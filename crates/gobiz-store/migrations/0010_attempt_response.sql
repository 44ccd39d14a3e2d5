-- What each webhook attempt took and the start of what the receiver answered (the console
-- shows both next to the status code). Older attempts have neither.
ALTER TABLE delivery_attempts ADD COLUMN latency_ms BIGINT;
ALTER TABLE delivery_attempts ADD COLUMN response_body TEXT;
