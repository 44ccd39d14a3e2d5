-- Foundation schema. Instants are BIGINT milliseconds since the Unix epoch (UTC);
-- booleans are BIGINT 0/1 so that both engines decode them alike through sqlx::Any.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE merchants (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE outlets (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    acceptance_mode TEXT NOT NULL,
    force_close BIGINT NOT NULL,
    qris_active BIGINT NOT NULL,
    gopay_active BIGINT NOT NULL,
    midtrans_active BIGINT NOT NULL,
    pop_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outlets_merchant ON outlets (merchant_id, created_at, id);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    phone TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    primary_outlet_id TEXT REFERENCES outlets(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, merchant_id)
);

CREATE TABLE partners (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    merchant_id TEXT REFERENCES merchants(id) ON DELETE CASCADE,
    standard_webhooks BIGINT NOT NULL,
    read_scopes TEXT NOT NULL,
    notification_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT,
    allowed_scopes TEXT NOT NULL,
    allowed_grants TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    is_public BIGINT NOT NULL,
    require_pkce BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_id TEXT,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

CREATE TABLE outlet_links (
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    external_outlet_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, outlet_id, product)
);
CREATE INDEX outlet_links_outlet ON outlet_links (outlet_id);
