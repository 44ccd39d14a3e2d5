-- GoFood catalogs: one live catalog per outlet (the document, and its v2 read model rendered
-- once per change so reads return stored bytes), plus each partner's menu mapping.
CREATE TABLE catalogs (
    outlet_id TEXT PRIMARY KEY NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    document TEXT NOT NULL,
    read_json TEXT NOT NULL,
    -- Changes on every write; lets nodes cache the rendered read model safely.
    etag TEXT NOT NULL,
    pushed_by TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE catalog_mappings (
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    request_id TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (outlet_id, partner_id)
);
