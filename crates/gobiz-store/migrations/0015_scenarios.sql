-- Traffic scenarios (issue 19, sandbox): one row per run, read by every node. `heartbeat_at`
-- is real time (not the sandbox clock, which a compressed scenario moves): a `running` or
-- `stopping` row whose heartbeat is older than 30 s lost its node and is marked `failed`.
CREATE TABLE scenarios (
    id TEXT PRIMARY KEY NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    minute BIGINT NOT NULL,
    total_minutes BIGINT NOT NULL,
    orders_planned BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    restore_mode TEXT,
    node TEXT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX scenarios_status ON scenarios (status);

-- What a scenario created, in order: its orders (entity = order number) and QRIS payments
-- (entity = transaction id). Summaries count from here and the entities' own tables.
CREATE TABLE scenario_entities (
    scenario_id TEXT NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    minute BIGINT NOT NULL,
    PRIMARY KEY (scenario_id, seq)
);
CREATE INDEX scenario_entities_entity ON scenario_entities (entity_id);
