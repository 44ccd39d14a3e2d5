//! Fixtures, calls, time formatting, a deterministic RNG and independent report checks for
//! the MokaPOS tests (spec §8, §10.4). Used as `crate::support::moka`.

use std::collections::{BTreeMap, HashSet};

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{assert_error, civil_date, epoch_ms, Fixture, Resp, TestApp};

pub const REPORTING: &str = "mokapos:reporting:read";
pub const TRANSACTION: &str = "mokapos:transaction:read";
pub const CUSTOMER: &str = "mokapos:customer:read";
pub const LIBRARY: &str = "mokapos:library:read";
/// Every MokaPOS read scope the tests use.
pub const ALL_MOKA: &[&str] = &[REPORTING, TRANSACTION, CUSTOMER, LIBRARY];

pub const NOT_REGISTERED: &str =
    "The outlet is not yet registered for integration. Please contact the support team.";

/// The three POST reports.
pub const SUMMARY: &str = "sales-summary";
pub const ITEMS: &str = "item-sales";
pub const MODIFIERS: &str = "modifiers";
pub const REPORTS: [&str; 3] = [SUMMARY, ITEMS, MODIFIERS];

pub const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------------------------
// Time (independent of the server): epoch seconds ⇄ RFC 3339
// ---------------------------------------------------------------------------------------------

/// Epoch seconds of an RFC 3339 timestamp (fractions dropped toward the past).
pub fn secs(s: &str) -> i64 {
    epoch_ms(s).div_euclid(1000)
}

/// Local wall-clock text `YYYY-MM-DDTHH:MM:SS` of `secs + offset_min` minutes.
fn wall(secs: i64, offset_min: i64) -> String {
    let t = secs + offset_min * 60;
    let (y, m, d) = civil_date(t.div_euclid(DAY));
    let r = t.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        r / 3600,
        r % 3600 / 60,
        r % 60
    )
}

/// `2024-05-03T05:30:00Z`.
pub fn utc(secs: i64) -> String {
    format!("{}Z", wall(secs, 0))
}

/// The same instant written with a `±HH:MM` offset (minutes east of UTC).
pub fn with_offset(secs: i64, offset_min: i64) -> String {
    let sign = if offset_min < 0 { '-' } else { '+' };
    let a = offset_min.abs();
    format!(
        "{}{sign}{:02}:{:02}",
        wall(secs, offset_min),
        a / 60,
        a % 60
    )
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of(secs: i64) -> String {
    wall(secs, 0)[..10].to_string()
}

/// A few offsets, `Z` written as both `Z` and `+00:00`.
pub fn fmt_any(secs: i64, pick: u64) -> String {
    match pick % 6 {
        0 => utc(secs),
        1 => with_offset(secs, 420),
        2 => with_offset(secs, -300),
        3 => with_offset(secs, 345),
        4 => with_offset(secs, 0),
        _ => with_offset(secs, -570),
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic RNG (SplitMix64)
// ---------------------------------------------------------------------------------------------

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The facilitator fixture (outlet linked for `gofood`) plus a client of the same partner
/// allowed every MokaPOS read scope, and a token with all of them.
pub struct MEnv {
    pub fx: Fixture,
    pub tok: String,
    pub client: (String, String),
}

impl MEnv {
    pub fn outlet(&self) -> &str {
        &self.fx.outlet_id
    }
}

pub async fn menv(app: &TestApp) -> MEnv {
    let fx = app.setup_facilitator().await;
    let client = app.create_client(&fx.partner_id, ALL_MOKA).await;
    let tok = app
        .access_token(&client.0, &client.1, &ALL_MOKA.join(" "))
        .await;
    MEnv { fx, tok, client }
}

/// A token of a new client of `partner_id` allowed exactly `scopes`.
pub async fn token_with(app: &TestApp, partner_id: &str, scopes: &[&str]) -> String {
    let (id, secret) = app.create_client(partner_id, scopes).await;
    app.access_token(&id, &secret, &scopes.join(" ")).await
}

/// A new outlet of the fixture's merchant linked to its partner for `product`.
pub async fn linked_outlet(app: &TestApp, fx: &Fixture, product: &str, name: &str) -> String {
    let o = app.create_outlet_id(&fx.merchant_id, name).await;
    let ext = format!("ext-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.link(fx, &o, product, &ext).await;
    o
}

// ---------------------------------------------------------------------------------------------
// Partner API paths and calls
// ---------------------------------------------------------------------------------------------

pub fn report_path(outlet: &str, kind: &str) -> String {
    format!("/integrations/mokapos/outlets/{outlet}/v1/reporting/{kind}")
}

pub fn invoices_path(outlet: &str) -> String {
    format!("/integrations/mokapos/outlets/{outlet}/v1/reporting/invoices")
}

pub fn transactions_path(outlet: &str) -> String {
    format!("/integrations/mokapos/outlets/{outlet}/v1/reporting/transactions")
}

pub fn gratuities_path(outlet: &str) -> String {
    format!("/integrations/mokapos/outlets/{outlet}/v1/library/gratuities")
}

pub fn customers_path(outlet: &str) -> String {
    format!("/integrations/mokapos/outlets/{outlet}/v1/customers")
}

pub fn business_outlets_path(business: &str) -> String {
    format!("/integrations/mokapos/businesses/{business}/v1/outlets")
}

pub fn range_body(gte: &str, lte: &str) -> Value {
    json!({ "query": { "range": { "transaction_time": { "gte": gte, "lte": lte } } } })
}

pub async fn report_raw_body(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    kind: &str,
    body: &Value,
) -> Resp {
    app.api_send(
        Method::POST,
        &report_path(outlet, kind),
        tok,
        Some(body.clone()),
    )
    .await
}

pub async fn report(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    kind: &str,
    gte: &str,
    lte: &str,
) -> Resp {
    report_raw_body(app, tok, outlet, kind, &range_body(gte, lte)).await
}

pub async fn report_ok(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    kind: &str,
    gte: &str,
    lte: &str,
) -> Value {
    let r = report(app, tok, outlet, kind, gte, lte).await;
    r.data(200).clone()
}

/// A report request with a raw body text and `Content-Type`.
pub async fn report_text(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    kind: &str,
    content_type: &str,
    body: &str,
) -> Resp {
    let rb = app
        .request(Method::POST, &report_path(outlet, kind))
        .bearer_auth(tok)
        .header("content-type", content_type)
        .body(body.to_string());
    app.send(rb).await
}

/// The three reports of one range.
#[derive(Debug, Clone, PartialEq)]
pub struct Reports {
    pub summary: Value,
    pub items: Value,
    pub modifiers: Value,
}

pub async fn reports(app: &TestApp, tok: &str, outlet: &str, gte: &str, lte: &str) -> Reports {
    Reports {
        summary: report_ok(app, tok, outlet, SUMMARY, gte, lte).await,
        items: report_ok(app, tok, outlet, ITEMS, gte, lte).await,
        modifiers: report_ok(app, tok, outlet, MODIFIERS, gte, lte).await,
    }
}

/// GET with a query string (`?` included by the caller when needed).
pub async fn list(app: &TestApp, tok: &str, path: &str, query: &str) -> Resp {
    app.api_get(&format!("{path}{query}"), tok).await
}

/// One page of transactions; `order` `None` = server default.
pub async fn tx_page(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    page: u64,
    per_page: u64,
    order: Option<&str>,
) -> Value {
    let mut q = format!("?page={page}&per_page={per_page}");
    if let Some(o) = order {
        q.push_str(&format!("&order={o}"));
    }
    list(app, tok, &transactions_path(outlet), &q)
        .await
        .data(200)
        .clone()
}

/// Every transaction, paging with `per_page` until `completed`; checks `completed` is false
/// on every page but the last, that the last page is not empty (unless there is nothing at
/// all), and that the page after the last is empty and completed.
pub async fn all_transactions(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    per_page: u64,
    order: Option<&str>,
) -> Vec<Value> {
    paged(
        app,
        tok,
        &transactions_path(outlet),
        "transactions",
        per_page,
        order,
    )
    .await
}

pub async fn all_invoices(app: &TestApp, tok: &str, outlet: &str, per_page: u64) -> Vec<Value> {
    paged(app, tok, &invoices_path(outlet), "invoices", per_page, None).await
}

async fn paged(
    app: &TestApp,
    tok: &str,
    path: &str,
    key: &str,
    per_page: u64,
    order: Option<&str>,
) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let extra = order.map(|o| format!("&order={o}")).unwrap_or_default();
    let mut page = 1u64;
    loop {
        let q = format!("?page={page}&per_page={per_page}{extra}");
        let r = list(app, tok, path, &q).await;
        let d = r.data(200);
        let rows = d[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} array on {path}{q}: {}", r.text))
            .clone();
        let completed = d["completed"]
            .as_bool()
            .unwrap_or_else(|| panic!("completed flag on {path}{q}: {}", r.text));
        assert!(
            rows.len() as u64 <= per_page,
            "{path}{q}: {} rows for per_page {per_page}",
            rows.len()
        );
        if !completed {
            assert_eq!(
                rows.len() as u64,
                per_page,
                "{path}{q}: a page that is not the last must be full"
            );
        }
        if completed && rows.is_empty() && page > 1 {
            panic!(
                "{path}{q}: page {page} is empty but page {} was not completed",
                page - 1
            );
        }
        out.extend(rows);
        if completed {
            break;
        }
        page += 1;
        assert!(page < 100_000, "{path}: runaway paging");
    }
    // Past the end: empty and completed.
    let q = format!("?page={}&per_page={per_page}{extra}", page + 1);
    let r = list(app, tok, path, &q).await;
    let d = r.data(200);
    assert_eq!(d[key], json!([]), "{path}{q} past the end: {}", r.text);
    assert_eq!(
        d["completed"],
        json!(true),
        "{path}{q} past the end: {}",
        r.text
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Sandbox calls
// ---------------------------------------------------------------------------------------------

pub fn sales_path(outlet: &str) -> String {
    format!("/sandbox/v1/outlets/{outlet}/moka/sales")
}

pub fn refunds_path(sale_id: &str) -> String {
    format!("/sandbox/v1/moka/sales/{sale_id}/refunds")
}

pub async fn record(app: &TestApp, outlet: &str, body: Value) -> Resp {
    app.admin_post(&sales_path(outlet), body).await
}

/// A recorded sale (201), returning `data.sale`.
pub async fn record_ok(app: &TestApp, outlet: &str, body: Value) -> Value {
    let r = record(app, outlet, body).await;
    r.data(201)["sale"].clone()
}

pub async fn refund(app: &TestApp, sale_id: &str, body: Value) -> Resp {
    app.admin_post(&refunds_path(sale_id), body).await
}

/// A refund refused with `status`, `title` and `message`.
pub async fn assert_refund_refused(
    app: &TestApp,
    sale_id: &str,
    body: Value,
    status: u16,
    title: &str,
    message: &str,
) {
    let r = refund(app, sale_id, body).await;
    assert_error(&r, status, title, message);
}

pub async fn refund_ok(app: &TestApp, sale_id: &str, body: Value) -> Value {
    let r = refund(app, sale_id, body).await;
    r.data(201)["refund"].clone()
}

pub async fn generate(app: &TestApp, outlet: &str, body: Value) -> Resp {
    app.admin_post(&format!("/sandbox/v1/outlets/{outlet}/moka/generate"), body)
        .await
}

pub async fn generate_ok(
    app: &TestApp,
    outlet: &str,
    count: i64,
    from: i64,
    to: i64,
    seed: i64,
) -> Value {
    let r = generate(
        app,
        outlet,
        json!({ "count": count, "from": utc(from), "to": utc(to), "seed": seed }),
    )
    .await;
    let g = r.data(201)["generated"].clone();
    assert_eq!(g["count"], json!(count), "generated.count: {g}");
    assert_eq!(g["seed"], json!(seed), "generated.seed: {g}");
    assert_eq!(
        secs(g["from"].as_str().expect("generated.from")),
        from,
        "generated.from: {g}"
    );
    assert_eq!(
        secs(g["to"].as_str().expect("generated.to")),
        to,
        "generated.to: {g}"
    );
    let refunds = int(&g, "refunds");
    assert!((0..=count).contains(&refunds), "generated.refunds: {g}");
    g
}

pub async fn create_customer(app: &TestApp, outlet: &str, body: Value) -> Resp {
    app.admin_post(
        &format!("/sandbox/v1/outlets/{outlet}/moka/customers"),
        body,
    )
    .await
}

pub async fn customer_ok(app: &TestApp, outlet: &str, body: Value) -> Value {
    create_customer(app, outlet, body).await.data(201)["customer"].clone()
}

pub async fn create_gratuity(app: &TestApp, outlet: &str, body: Value) -> Resp {
    app.admin_post(
        &format!("/sandbox/v1/outlets/{outlet}/moka/gratuities"),
        body,
    )
    .await
}

pub async fn gratuity_ok(app: &TestApp, outlet: &str, body: Value) -> Value {
    create_gratuity(app, outlet, body).await.data(201)["gratuity"].clone()
}

// ---------------------------------------------------------------------------------------------
// Sale bodies
// ---------------------------------------------------------------------------------------------

/// A line without modifiers, discount, cogs or redemption.
pub fn line(variant_id: i64, name: &str, category: &str, quantity: i64, price: i64) -> Value {
    json!({ "variant_id": variant_id, "name": name, "category_name": category,
            "quantity": quantity, "price": price })
}

pub fn modifier(
    modifier_id: i64,
    modifier_name: &str,
    option_id: i64,
    option_name: &str,
    price: i64,
) -> Value {
    json!({ "modifier_id": modifier_id, "modifier_name": modifier_name,
            "option_id": option_id, "option_name": option_name, "price": price })
}

/// A cash sale at `time` with `lines`.
pub fn sale(time: &str, lines: Vec<Value>) -> Value {
    json!({ "transaction_time": time, "payment_type": "cash", "lines": lines })
}

/// A cash sale at `time` of one line (variant 1, "Item") worth `price` × 1.
pub fn priced_sale(time: &str, price: i64) -> Value {
    sale(time, vec![line(1, "Item", "Misc", 1, price)])
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

/// `v[key]` as an integer; panics with the object otherwise.
pub fn int(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("`{key}` must be an integer in {v}"))
}

pub fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` must be an array in {v}"))
}

pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` must be a string in {v}"))
}

/// The single IDR entry of a sales summary.
pub fn idr(summary: &Value) -> &Value {
    let list = arr(summary, "sales_summary");
    assert_eq!(list.len(), 1, "exactly one currency entry: {summary}");
    assert_eq!(list[0]["currency"], json!("IDR"), "currency: {summary}");
    &list[0]
}

/// `sum(rows, key)` = Σ `row[key]`.
pub fn sum(rows: &[Value], key: &str) -> i64 {
    rows.iter().map(|r| int(r, key)).sum()
}

/// Two lists are equal; on failure names the first difference instead of printing both.
pub fn assert_same(a: &[Value], b: &[Value], what: &str) {
    if a == b {
        return;
    }
    let i = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    panic!(
        "{what}: {} vs {} entries, first difference at {i}: {} vs {}",
        a.len(),
        b.len(),
        a.get(i).map(Value::to_string).unwrap_or_default(),
        b.get(i).map(Value::to_string).unwrap_or_default()
    );
}

// ---------------------------------------------------------------------------------------------
// Error helpers
// ---------------------------------------------------------------------------------------------

pub fn assert_unregistered(r: &Resp) {
    assert_error(r, 404, "Requested resource not found", NOT_REGISTERED);
}

pub fn assert_outlet_not_found(r: &Resp, outlet: &str) {
    assert_error(
        r,
        404,
        "Not found",
        &format!("Outlet with id: {outlet} is not found"),
    );
}

/// 400 `Bad Request` with a message about any of `fields` (`<field>: …`, `<field>[…` or
/// `<field>.…`).
pub fn assert_field_error_any(r: &Resp, fields: &[&str]) {
    crate::harness::assert_error_title(r, 400, "Bad Request");
    let msgs = r.messages();
    let hit = msgs.iter().any(|m| {
        fields.iter().any(|f| {
            m.strip_prefix(f).is_some_and(|rest| {
                rest.starts_with(':') || rest.starts_with('[') || rest.starts_with('.')
            })
        })
    });
    assert!(
        hit,
        "expected an error about one of {fields:?}, got {msgs:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Independent report checks
// ---------------------------------------------------------------------------------------------

const ITEM_KEYS: [&str; 9] = [
    "refund",
    "redemption",
    "net_sales",
    "item_sold",
    "item_refunded",
    "cogs",
    "gross_sales",
    "gross_profit",
    "discount",
];
const MOD_KEYS: [&str; 5] = ["refund", "quantity", "net_sales", "gross_sales", "discount"];

/// The internal consistency of the three reports of one range (spec §8.3–§8.5).
pub fn check_invariants(r: &Reports, ctx: &str) {
    let sum_entry = idr(&r.summary);
    let gross = int(sum_entry, "gross_amount");
    let refund = int(sum_entry, "refund");
    let redemption = int(sum_entry, "redemption");
    assert!(
        gross >= 0 && refund >= 0 && redemption >= 0,
        "{ctx}: summary {}",
        r.summary
    );
    assert!(refund <= gross, "{ctx}: refund ≤ gross: {}", r.summary);
    assert!(
        redemption <= gross,
        "{ctx}: redemption ≤ gross: {}",
        r.summary
    );

    // Item sales.
    let items = arr(&r.items, "item_sales");
    let mut seen = HashSet::new();
    for e in items {
        for k in ITEM_KEYS {
            assert!(
                int(e, k) >= 0 || k == "net_sales" || k == "gross_profit",
                "{ctx}: {k} ≥ 0 in {e}"
            );
        }
        let vid = s(e, "variant_id");
        assert!(
            !vid.is_empty() && vid.bytes().all(|b| b.is_ascii_digit()),
            "{ctx}: variant_id is a numeric string: {e}"
        );
        assert!(
            seen.insert(vid.to_string()),
            "{ctx}: one entry per variant_id: {vid}"
        );
        s(e, "name");
        s(e, "category_name");
        assert_eq!(
            int(e, "net_sales"),
            int(e, "gross_sales") - int(e, "discount") - int(e, "refund") - int(e, "redemption"),
            "{ctx}: net = gross − discount − refund − redemption in {e}"
        );
        assert_eq!(
            int(e, "gross_profit"),
            int(e, "net_sales") - int(e, "cogs"),
            "{ctx}: gross_profit = net − cogs in {e}"
        );
        assert!(
            int(e, "item_refunded") <= int(e, "item_sold"),
            "{ctx}: refunded ≤ sold in {e}"
        );
        assert!(int(e, "item_sold") > 0, "{ctx}: an entry has sales: {e}");
        assert!(
            int(e, "refund") <= int(e, "gross_sales"),
            "{ctx}: refund ≤ gross in {e}"
        );
    }
    for w in items.windows(2) {
        assert!(
            s(&w[0], "name") <= s(&w[1], "name"),
            "{ctx}: item_sales sorted by name: {} then {}",
            w[0],
            w[1]
        );
    }
    for (total, key) in [
        ("total_refund", "refund"),
        ("total_net_sales", "net_sales"),
        ("total_item_sold", "item_sold"),
        ("total_gross_sales", "gross_sales"),
        ("total_discounts", "discount"),
    ] {
        assert_eq!(
            int(&r.items, total),
            sum(items, key),
            "{ctx}: {total} = Σ {key}"
        );
    }
    assert_eq!(
        sum(items, "gross_sales"),
        gross,
        "{ctx}: Σ item gross_sales = summary gross_amount"
    );
    assert_eq!(
        sum(items, "refund"),
        refund,
        "{ctx}: Σ item refund = summary refund"
    );
    assert_eq!(
        sum(items, "redemption"),
        redemption,
        "{ctx}: Σ item redemption = summary redemption"
    );

    // Modifiers.
    let mods = arr(&r.modifiers, "modifiers");
    let mut mod_ids = HashSet::new();
    for m in mods {
        assert!(
            mod_ids.insert(int(m, "id")),
            "{ctx}: one row per modifier id: {m}"
        );
        s(m, "name");
        let opts = arr(m, "options");
        assert!(!opts.is_empty(), "{ctx}: a modifier row has options: {m}");
        let mut opt_ids = HashSet::new();
        for o in opts {
            assert!(
                opt_ids.insert(int(o, "id")),
                "{ctx}: one entry per option id in {m}"
            );
            s(o, "name");
            assert_eq!(int(o, "discount"), 0, "{ctx}: option discount is 0: {o}");
            assert_eq!(
                int(o, "net_sales"),
                int(o, "gross_sales") - int(o, "refund"),
                "{ctx}: option net = gross − refund: {o}"
            );
            assert!(int(o, "quantity") > 0, "{ctx}: option quantity > 0: {o}");
            assert!(
                (0..=int(o, "gross_sales")).contains(&int(o, "refund")),
                "{ctx}: 0 ≤ option refund ≤ gross: {o}"
            );
        }
        for k in MOD_KEYS {
            assert_eq!(
                int(m, k),
                sum(opts, k),
                "{ctx}: modifier {k} = Σ options {k}: {m}"
            );
        }
    }
    for w in mods.windows(2) {
        let (a, b) = (s(&w[0], "name"), s(&w[1], "name"));
        assert!(
            a < b || (a == b && int(&w[0], "id") < int(&w[1], "id")),
            "{ctx}: modifiers sorted by name then id: {} then {}",
            w[0]["id"],
            w[1]["id"]
        );
    }
    for (total, key) in [
        ("total_refunds", "refund"),
        ("total_quantity", "quantity"),
        ("total_net_sales", "net_sales"),
        ("total_gross_sales", "gross_sales"),
        ("total_discounts", "discount"),
    ] {
        assert_eq!(
            int(&r.modifiers, total),
            sum(mods, key),
            "{ctx}: modifiers {total} = Σ {key}"
        );
    }
    assert!(
        int(&r.modifiers, "total_gross_sales") <= gross,
        "{ctx}: modifier gross is part of the line gross"
    );
    assert!(
        int(&r.modifiers, "total_refunds") <= refund,
        "{ctx}: modifier refunds are part of the line refunds"
    );
}

/// Transactions with `transaction_date` in `[gte, lte]` (epoch seconds, inclusive).
pub fn in_range(txns: &[Value], gte: i64, lte: i64) -> Vec<&Value> {
    txns.iter()
        .filter(|t| {
            let at = secs(s(t, "transaction_date"));
            gte <= at && at <= lte
        })
        .collect()
}

#[derive(Default, Debug, PartialEq)]
struct VariantAgg {
    sold: i64,
    gross: i64,
    discount: i64,
    names: HashSet<(String, String)>,
}

/// Recomputes from the transaction list what the reports of `[gte, lte]` must say.
pub fn check_against_transactions(r: &Reports, txns: &[Value], gte: i64, lte: i64, ctx: &str) {
    let sel = in_range(txns, gte, lte);
    let mut gross = 0;
    let mut refund = 0;
    let mut discounts = 0;
    let mut item_discounts = 0;
    let mut sold = 0;
    let mut modifier_gross = 0;
    let mut per_variant: BTreeMap<String, VariantAgg> = BTreeMap::new();
    for t in &sel {
        discounts += int(t, "discounts");
        for it in arr(t, "items") {
            gross += int(it, "gross_sales");
            item_discounts += int(it, "discount_amount");
            sold += int(it, "quantity");
            // price_library = the line's own price; the rest of its gross is modifiers.
            modifier_gross +=
                int(it, "gross_sales") - int(it, "price_library") * int(it, "quantity");
            let a = per_variant
                .entry(int(it, "variant_id").to_string())
                .or_default();
            a.sold += int(it, "quantity");
            a.gross += int(it, "gross_sales");
            a.discount += int(it, "discount_amount");
            a.names.insert((
                s(it, "item_name").to_string(),
                s(it, "category_name").to_string(),
            ));
        }
        for rf in arr(t, "payment_refunds") {
            refund += int(rf, "refund_amount");
        }
    }
    assert_eq!(
        discounts, item_discounts,
        "{ctx}: Σ transaction discounts = Σ item discount_amount"
    );
    let e = idr(&r.summary);
    assert_eq!(
        int(e, "gross_amount"),
        gross,
        "{ctx}: summary gross = Σ items[].gross_sales of the {} transactions in range",
        sel.len()
    );
    assert_eq!(
        int(e, "refund"),
        refund,
        "{ctx}: summary refund = Σ payment_refunds[].refund_amount in range"
    );
    assert_eq!(
        int(&r.items, "total_discounts"),
        discounts,
        "{ctx}: total_discounts"
    );
    assert_eq!(
        int(&r.items, "total_item_sold"),
        sold,
        "{ctx}: total_item_sold"
    );
    assert_eq!(
        int(&r.modifiers, "total_gross_sales"),
        modifier_gross,
        "{ctx}: modifiers gross = Σ (gross_sales − price_library × quantity) in range"
    );
    let items = arr(&r.items, "item_sales");
    assert_eq!(
        items.len(),
        per_variant.len(),
        "{ctx}: one item-sales entry per variant sold in range"
    );
    for it in items {
        let vid = s(it, "variant_id");
        let a = per_variant
            .get(vid)
            .unwrap_or_else(|| panic!("{ctx}: variant {vid} was not sold in range"));
        assert_eq!(int(it, "item_sold"), a.sold, "{ctx}: item_sold of {vid}");
        assert_eq!(
            int(it, "gross_sales"),
            a.gross,
            "{ctx}: gross_sales of {vid}"
        );
        assert_eq!(int(it, "discount"), a.discount, "{ctx}: discount of {vid}");
        if a.names.len() == 1 {
            let (n, c) = a.names.iter().next().unwrap();
            assert_eq!(s(it, "name"), n, "{ctx}: name of {vid}");
            assert_eq!(s(it, "category_name"), c, "{ctx}: category of {vid}");
        }
    }
}

/// Invoices must be exactly the invoice-type transactions, newest first, with matching figures.
pub fn check_invoices_against_transactions(invoices: &[Value], txns_desc: &[Value], ctx: &str) {
    let inv_txns: Vec<&Value> = txns_desc
        .iter()
        .filter(|t| t["payment_type"] == json!("invoice"))
        .collect();
    assert_eq!(
        invoices.len(),
        inv_txns.len(),
        "{ctx}: one invoice per invoice-type transaction"
    );
    let mut ids = HashSet::new();
    for (inv, t) in invoices.iter().zip(inv_txns) {
        assert!(
            ids.insert(int(inv, "id")),
            "{ctx}: invoice ids are unique: {inv}"
        );
        assert_eq!(inv["payment_type"], json!("invoice"), "{ctx}: {inv}");
        assert_eq!(
            inv["invoice_no"], t["invoice_no"],
            "{ctx}: invoice_no (order) {inv} vs {t}"
        );
        assert_eq!(
            inv["payment_no"], inv["invoice_no"],
            "{ctx}: payment_no = invoice_no"
        );
        assert_eq!(
            inv["invoice_due_date"], t["invoice_due_date"],
            "{ctx}: due date"
        );
        assert_eq!(
            inv["invoice_deposit_amount"], t["invoice_deposit_amount"],
            "{ctx}: deposit"
        );
        assert_eq!(
            inv["payment_note"], t["payment_note"],
            "{ctx}: payment_note"
        );
        let gross: i64 = arr(t, "items").iter().map(|i| int(i, "gross_sales")).sum();
        let refund: i64 = arr(t, "payment_refunds")
            .iter()
            .map(|x| int(x, "refund_amount"))
            .sum();
        assert_eq!(
            int(inv, "total_gross_sales"),
            gross,
            "{ctx}: total_gross_sales {inv}"
        );
        assert_eq!(
            int(inv, "refund_amount"),
            refund,
            "{ctx}: refund_amount {inv}"
        );
        assert_eq!(
            int(inv, "total_discount_amount"),
            int(t, "discounts"),
            "{ctx}: discounts"
        );
        assert_eq!(
            int(inv, "total_tax_amount"),
            int(t, "taxes"),
            "{ctx}: taxes"
        );
        assert_eq!(
            int(inv, "total_gratuity_amount"),
            int(t, "gratuities"),
            "{ctx}: gratuities"
        );
        assert_eq!(int(inv, "subtotal"), int(t, "subtotal"), "{ctx}: subtotal");
        assert_eq!(
            int(inv, "total_collected_amount"),
            int(t, "total_collected"),
            "{ctx}: total_collected_amount"
        );
        assert_eq!(
            int(inv, "amount_pay"),
            int(t, "total_collected"),
            "{ctx}: amount_pay"
        );
        assert_eq!(int(inv, "amount_change"), 0, "{ctx}: amount_change");
        assert_eq!(
            int(inv, "total_net_sales"),
            gross - int(t, "discounts") - refund,
            "{ctx}: total_net_sales = gross − discount − refund"
        );
        assert_eq!(
            int(inv, "subtotal"),
            gross - int(t, "discounts"),
            "{ctx}: subtotal = gross − discount"
        );
        assert_eq!(
            int(inv, "total_collected_amount"),
            int(inv, "subtotal") + int(inv, "total_tax_amount") + int(inv, "total_gratuity_amount"),
            "{ctx}: collected = subtotal + taxes + gratuities"
        );
    }
}

/// The self-consistency of one transaction object (spec §8.7 mapping).
pub fn check_transaction_shape(t: &Value, ctx: &str) {
    let id = s(t, "id");
    assert!(
        crate::harness::is_uuid(id),
        "{ctx}: transaction id is a UUID: {t}"
    );
    crate::harness::assert_rfc3339_z(&t["transaction_date"]);
    let items = arr(t, "items");
    assert!(!items.is_empty(), "{ctx}: a transaction has items: {t}");
    assert_eq!(
        t["name"], items[0]["item_name"],
        "{ctx}: name = first item's name"
    );
    let gross: i64 = sum(items, "gross_sales");
    assert_eq!(
        int(t, "discounts"),
        sum(items, "discount_amount"),
        "{ctx}: discounts {t}"
    );
    assert_eq!(
        int(t, "subtotal"),
        gross - int(t, "discounts"),
        "{ctx}: subtotal {t}"
    );
    assert_eq!(
        int(t, "taxes"),
        sum(arr(t, "payment_taxes"), "amount"),
        "{ctx}: taxes {t}"
    );
    assert_eq!(
        int(t, "gratuities"),
        sum(arr(t, "payment_gratuities"), "amount"),
        "{ctx}: gratuities {t}"
    );
    assert_eq!(
        int(t, "total_collected"),
        int(t, "subtotal") + int(t, "taxes") + int(t, "gratuities"),
        "{ctx}: total_collected {t}"
    );
    assert_eq!(
        int(t, "tendered"),
        int(t, "total_collected"),
        "{ctx}: tendered {t}"
    );
    assert_eq!(
        t["payment_discounts"],
        json!([]),
        "{ctx}: payment_discounts {t}"
    );
    assert_eq!(
        t["invoice_payment_records"],
        json!([]),
        "{ctx}: invoice_payment_records {t}"
    );
    let invoice = t["payment_type"] == json!("invoice");
    for k in ["invoice_due_date", "invoice_no", "invoice_deposit_amount"] {
        assert_eq!(
            t[k].is_null(),
            !invoice,
            "{ctx}: {k} null unless invoice: {t}"
        );
    }
    for it in items {
        assert_eq!(int(it, "custom_amount"), 0, "{ctx}: custom_amount {it}");
        assert_eq!(int(it, "tax_amount"), 0, "{ctx}: tax_amount {it}");
        assert!(int(it, "quantity") >= 1, "{ctx}: quantity {it}");
        assert!(
            int(it, "variant_id") >= 1,
            "{ctx}: variant_id is an integer ≥ 1 {it}"
        );
        assert!(
            int(it, "discount_amount") <= int(it, "gross_sales"),
            "{ctx}: discount ≤ gross {it}"
        );
    }
    let mut refunded = 0;
    for rf in arr(t, "payment_refunds") {
        assert_eq!(rf["status"], json!("Done"), "{ctx}: refund status {rf}");
        assert_eq!(int(rf, "amount_pay"), 0, "{ctx}: refund amount_pay {rf}");
        assert_eq!(
            rf["is_refunded"],
            json!(true),
            "{ctx}: refund is_refunded {rf}"
        );
        assert!(
            rf["refund_type"] == json!("partial") || rf["refund_type"] == json!("full"),
            "{ctx}: refund_type {rf}"
        );
        crate::harness::assert_rfc3339_z(&rf["refunded_date"]);
        assert!(int(rf, "refund_amount") > 0, "{ctx}: refund_amount {rf}");
        refunded += int(rf, "refund_amount");
    }
    assert!(refunded <= gross, "{ctx}: refunds ≤ gross {t}");
}
