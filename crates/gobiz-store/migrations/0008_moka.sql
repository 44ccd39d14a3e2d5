-- MokaPOS sales (spec §8, §10.4). The sale is a JSON document; totals, lines and modifier
-- lines are also kept as columns so that every report is one aggregate query over an index.
CREATE TABLE moka_sequences (
    name TEXT PRIMARY KEY NOT NULL,
    next_value BIGINT NOT NULL
);
INSERT INTO moka_sequences (name, next_value) VALUES
    ('sale', 43780001), ('refund', 66001), ('customer', 4504001), ('gratuity', 232901);

CREATE TABLE moka_sales (
    id TEXT PRIMARY KEY NOT NULL,
    number BIGINT NOT NULL UNIQUE,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    transaction_time BIGINT NOT NULL,
    payment_type TEXT NOT NULL,
    gross BIGINT NOT NULL,
    refund BIGINT NOT NULL,
    redemption BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Covers the sales summary and orders the transactions report.
CREATE INDEX moka_sales_time ON moka_sales (outlet_id, transaction_time, number, gross, refund, redemption);
CREATE INDEX moka_sales_payment ON moka_sales (outlet_id, payment_type, transaction_time, number);

CREATE TABLE moka_sale_lines (
    sale_id TEXT NOT NULL REFERENCES moka_sales(id) ON DELETE CASCADE,
    line_index BIGINT NOT NULL,
    outlet_id TEXT NOT NULL,
    transaction_time BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    category_name TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    refunded_quantity BIGINT NOT NULL,
    unit_gross BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    redemption BIGINT NOT NULL,
    cogs BIGINT NOT NULL,
    PRIMARY KEY (sale_id, line_index)
);
CREATE INDEX moka_sale_lines_time ON moka_sale_lines (outlet_id, transaction_time);

CREATE TABLE moka_sale_modifiers (
    sale_id TEXT NOT NULL REFERENCES moka_sales(id) ON DELETE CASCADE,
    line_index BIGINT NOT NULL,
    position BIGINT NOT NULL,
    outlet_id TEXT NOT NULL,
    transaction_time BIGINT NOT NULL,
    modifier_id BIGINT NOT NULL,
    modifier_name TEXT NOT NULL,
    option_id BIGINT NOT NULL,
    option_name TEXT NOT NULL,
    price BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    refunded_quantity BIGINT NOT NULL,
    PRIMARY KEY (sale_id, line_index, position)
);
CREATE INDEX moka_sale_modifiers_time ON moka_sale_modifiers (outlet_id, transaction_time);

CREATE TABLE moka_customers (
    id BIGINT PRIMARY KEY NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX moka_customers_outlet ON moka_customers (outlet_id, id);

CREATE TABLE moka_gratuities (
    id BIGINT PRIMARY KEY NOT NULL,
    outlet_id TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    active BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX moka_gratuities_outlet ON moka_gratuities (outlet_id, active, id);
