-- Issue 20 (webhook throughput): the dispatcher's claim looks for open deliveries in
-- due order. Through deliveries_due (status, next_attempt_at), PostgreSQL read every index
-- entry a delivery ever left behind while it was pending (61,576 entries and 5,793 heap pages
-- for a claim that found nothing, 11 ms, until autovacuum came by). This index holds open
-- deliveries only and is read in order with a LIMIT, so entries of rows that moved on are
-- skipped once seen (PostgreSQL marks them dead) and never reached at all on SQLite.
-- The queries name the predicate with literals (`outbox::OPEN`), which both planners need
-- to match a partial index.
CREATE INDEX deliveries_open ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
