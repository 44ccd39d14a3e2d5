-- The console's overview counts today's orders of every outlet from an index.
CREATE INDEX orders_created ON orders (created_at);
