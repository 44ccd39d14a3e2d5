-- The delivery log (sandbox API and console) lists newest first and filters by outlet: one
-- page reads an index instead of sorting every delivery, and an outlet's events are found
-- without scanning them all.
CREATE INDEX deliveries_created ON deliveries (created_at, id);
CREATE INDEX events_outlet ON events (outlet_id);
