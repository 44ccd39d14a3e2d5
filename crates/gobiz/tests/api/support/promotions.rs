//! Fixtures, calls, dates and assertions for the GoFood SKU promotion tests (spec §6, §5.4,
//! §9.12). Used as `crate::support::promotions`.

use gobiz_domain::local_time;
use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{
    assert_error, assert_rfc3339_z, is_uuid, Fixture, Resp, TestApp, FACILITATOR_SCOPES,
};
use crate::support::catalog::{item, menu, push_ok, DAYS};
use crate::support::orders::{
    assert_header, assert_view_shape, clock_now_ms, epoch_ms, order_catalog_with_kopi, place,
    status_of, webhook_part, Hook,
};

pub const READ: &str = "promo:food_promo:read";
pub const WRITE: &str = "promo:food_promo:write";
pub const KEY: &str = "X-Idempotency-Key";
pub const REPLAYED: &str = "idempotent-replayed";

pub const NOT_ACTIVE: &str = "Item is not active";
pub const PRICE_MIN: &str = "Selling price must be at least 1";
pub const PRICE_10: &str = "Selling price must be at least 10% below the item price";
pub const START_PAST: &str = "Start date must be today or later";
pub const END_BEFORE: &str = "End date must not be before start date";
pub const TOO_LONG: &str = "Promotion period must not exceed 90 days";
pub const TIME_ORDER: &str = "Start time must be before end time";
pub const OVERLAP: &str = "Item already has a promotion in this period";
pub const KEY_REUSED: &str =
    "X-Idempotency-Key has already been used with a different request body";

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

// ---------------------------------------------------------------------------------------------
// Paths and calls
// ---------------------------------------------------------------------------------------------

pub fn promos_path(outlet: &str) -> String {
    format!("/integrations/promo/outlets/{outlet}/v1/food-promos")
}

pub fn promo_path(outlet: &str, id: &str) -> String {
    format!("{}/{id}", promos_path(outlet))
}

pub fn deactivate_path(outlet: &str, id: &str) -> String {
    format!("{}/deactivate", promo_path(outlet, id))
}

pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `POST .../food-promos` with `X-Idempotency-Key: key` (omitted when `None`).
pub async fn create(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    key: Option<&str>,
    body: &Value,
) -> Resp {
    let mut rb = app
        .request(Method::POST, &promos_path(outlet))
        .bearer_auth(tok)
        .json(body);
    if let Some(k) = key {
        rb = rb.header(KEY, k);
    }
    app.send(rb).await
}

/// Like [`create`] with a raw body text (sent as `application/json`).
pub async fn create_raw(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    key: Option<&str>,
    raw: &str,
) -> Resp {
    let mut rb = app
        .request(Method::POST, &promos_path(outlet))
        .bearer_auth(tok)
        .header("content-type", "application/json")
        .body(raw.to_string());
    if let Some(k) = key {
        rb = rb.header(KEY, k);
    }
    app.send(rb).await
}

/// `GET .../food-promos{query}` (`query` empty or starting with `?`).
pub async fn list(app: &TestApp, tok: &str, outlet: &str, query: &str) -> Resp {
    app.api_get(&format!("{}{query}", promos_path(outlet)), tok)
        .await
}

pub async fn get_promo(app: &TestApp, tok: &str, outlet: &str, id: &str) -> Resp {
    app.api_get(&promo_path(outlet, id), tok).await
}

pub async fn deactivate(app: &TestApp, tok: &str, outlet: &str, id: &str) -> Resp {
    app.api_send(Method::PUT, &deactivate_path(outlet, id), tok, None)
        .await
}

pub async fn delete(app: &TestApp, tok: &str, outlet: &str, id: &str) -> Resp {
    app.api_send(Method::DELETE, &promo_path(outlet, id), tok, None)
        .await
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// Every facilitator scope plus both promotion scopes.
pub fn all_scopes() -> Vec<&'static str> {
    let mut s = FACILITATOR_SCOPES.to_vec();
    s.push(READ);
    s.push(WRITE);
    s
}

/// A new client of `partner_id` allowed [`all_scopes`]; returns `(client_id, secret)`.
pub async fn promo_client(app: &TestApp, partner_id: &str) -> (String, String) {
    app.create_client(partner_id, &all_scopes()).await
}

/// A token of `client` with [`all_scopes`].
pub async fn promo_token(app: &TestApp, client_id: &str, secret: &str) -> String {
    app.access_token(client_id, secret, &all_scopes().join(" "))
        .await
}

/// [`order_catalog_with_kopi`] (`NASI` 25000 with variants, `SATE` 30000 out of stock,
/// `TEH` 8000, `KOPI` 10000) plus a menu "Extras" with `P1`..`P9` at 10000 each.
pub fn promo_catalog() -> Value {
    let mut c = order_catalog_with_kopi();
    c["request_id"] = json!("promo-catalog");
    let extras: Vec<Value> = (1..=9)
        .map(|i| item(&format!("P{i}"), &format!("Promo item {i}"), 10000, true))
        .collect();
    c["menus"]
        .as_array_mut()
        .unwrap()
        .push(menu("Extras", extras));
    c
}

/// The facilitator fixture (outlet linked for `gofood`), a second client of its partner with
/// [`all_scopes`] and its token, and [`promo_catalog`] pushed.
pub struct PEnv {
    pub fx: Fixture,
    pub tok: String,
    pub client_id: String,
    pub client_secret: String,
}

impl PEnv {
    pub fn outlet(&self) -> &str {
        &self.fx.outlet_id
    }
}

pub async fn penv(app: &TestApp) -> PEnv {
    let fx = app.setup_facilitator().await;
    let (client_id, client_secret) = promo_client(app, &fx.partner_id).await;
    let tok = promo_token(app, &client_id, &client_secret).await;
    push_ok(app, &tok, &fx.outlet_id, &promo_catalog()).await;
    PEnv {
        fx,
        tok,
        client_id,
        client_secret,
    }
}

/// A new token of `e`'s promotion client (tokens expire when the sandbox clock moves on).
pub async fn retoken(app: &TestApp, e: &PEnv) -> String {
    promo_token(app, &e.client_id, &e.client_secret).await
}

/// A second outlet of the fixture's merchant linked for `gofood` to the same partner, with
/// [`promo_catalog`].
pub async fn second_outlet(app: &TestApp, e: &PEnv) -> String {
    let o = app
        .create_outlet_id(&e.fx.merchant_id, "Second outlet")
        .await;
    app.link(&e.fx, &o, "gofood", "ext-second").await;
    push_ok(app, &e.tok, &o, &promo_catalog()).await;
    o
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/// `{promo_type: sku_promo, promo_detail: {external_menu_id, selling_price, start_date,
/// end_date}}`.
pub fn promo(xid: &str, price: i64, start: &str, end: &str) -> Value {
    json!({ "promo_type": "sku_promo",
            "promo_detail": { "external_menu_id": xid, "selling_price": price,
                              "start_date": start, "end_date": end } })
}

pub fn with_window(mut p: Value, start: &str, end: &str) -> Value {
    p["promo_detail"]["start_time"] = json!(start);
    p["promo_detail"]["end_time"] = json!(end);
    p
}

pub fn with_days(mut p: Value, days: &[&str]) -> Value {
    p["promo_detail"]["applicable_days"] = json!(days);
    p
}

/// The `promo_detail` a GET must show for the request object `p` (absent optional → null).
pub fn expected_detail(p: &Value) -> Value {
    let d = &p["promo_detail"];
    let opt = |k: &str| d.get(k).cloned().unwrap_or(Value::Null);
    json!({ "start_date": d["start_date"], "end_date": d["end_date"],
            "start_time": opt("start_time"), "end_time": opt("end_time"),
            "selling_price": d["selling_price"], "external_menu_id": d["external_menu_id"],
            "applicable_days": opt("applicable_days") })
}

// ---------------------------------------------------------------------------------------------
// Create results
// ---------------------------------------------------------------------------------------------

/// The `(success, failure)` lists of a 200 create response, with each entry's shape checked.
pub fn results(r: &Resp) -> (Vec<Value>, Vec<Value>) {
    let d = r.data(200);
    let s = d["success"]
        .as_array()
        .unwrap_or_else(|| panic!("data.success must be an array: {}", r.text))
        .clone();
    let f = d["failure"]
        .as_array()
        .unwrap_or_else(|| panic!("data.failure must be an array: {}", r.text))
        .clone();
    for e in &s {
        assert!(
            e["id"].as_str().is_some_and(is_uuid),
            "success[].id must be a UUID: {}",
            r.text
        );
        assert!(
            e["external_menu_id"].is_string(),
            "success[].external_menu_id: {}",
            r.text
        );
        assert!(
            e.get("errors").is_some_and(Value::is_null),
            "success[].errors must be null: {}",
            r.text
        );
    }
    for e in &f {
        assert!(
            e.get("id").is_some_and(Value::is_null),
            "failure[].id must be null: {}",
            r.text
        );
        assert!(
            e["external_menu_id"].is_string(),
            "failure[].external_menu_id: {}",
            r.text
        );
        assert!(
            e["errors"].is_string(),
            "failure[].errors must be a string: {}",
            r.text
        );
    }
    (s, f)
}

/// The ids of `success[]`.
pub fn ids(s: &[Value]) -> Vec<String> {
    s.iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// Creates `body` (one object) with a fresh key, asserting one success; returns its id.
pub async fn create_one(app: &TestApp, tok: &str, outlet: &str, body: &Value) -> String {
    let r = create(app, tok, outlet, Some(&new_key()), body).await;
    let (s, f) = results(&r);
    assert!(
        f.is_empty() && s.len() == 1,
        "expected one success for {body}: {}",
        r.text
    );
    assert_eq!(
        s[0]["external_menu_id"], body["promo_detail"]["external_menu_id"],
        "success[0].external_menu_id: {}",
        r.text
    );
    s[0]["id"].as_str().unwrap().to_string()
}

/// Creates `body` (one object) with a fresh key, asserting 200 with exactly one failure
/// `{id: null, external_menu_id, errors: text}`.
pub async fn create_fails(app: &TestApp, tok: &str, outlet: &str, body: &Value, text: &str) {
    let r = create(app, tok, outlet, Some(&new_key()), body).await;
    let (s, f) = results(&r);
    assert!(
        s.is_empty() && f.len() == 1,
        "expected one failure `{text}` for {body}: {}",
        r.text
    );
    assert_eq!(
        f[0],
        json!({ "id": null, "external_menu_id": body["promo_detail"]["external_menu_id"],
                "errors": text }),
        "failure entry for {body}"
    );
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/// `GET` detail → `data.promotion`, asserting 200 and the §6.5 shape.
pub async fn detail(app: &TestApp, tok: &str, outlet: &str, id: &str) -> Value {
    let r = get_promo(app, tok, outlet, id).await;
    let p = r.data(200)["promotion"].clone();
    for k in [
        "id",
        "promo_type",
        "status",
        "start_date",
        "end_date",
        "promo_detail",
        "created_at",
        "updated_at",
    ] {
        assert!(p.get(k).is_some(), "promotion.{k} missing: {}", r.text);
    }
    assert_eq!(p["id"], json!(id), "promotion.id: {}", r.text);
    assert_eq!(
        p["promo_type"],
        json!("sku_promo"),
        "promo_type: {}",
        r.text
    );
    assert_eq!(
        p["start_date"], p["promo_detail"]["start_date"],
        "start_date mirrors promo_detail: {}",
        r.text
    );
    assert_eq!(
        p["end_date"], p["promo_detail"]["end_date"],
        "end_date mirrors promo_detail: {}",
        r.text
    );
    assert_rfc3339_z(&p["created_at"]);
    assert_rfc3339_z(&p["updated_at"]);
    p
}

pub async fn status(app: &TestApp, tok: &str, outlet: &str, id: &str) -> String {
    detail(app, tok, outlet, id).await["status"]
        .as_str()
        .unwrap_or_else(|| panic!("promotion.status of {id}"))
        .to_string()
}

/// `GET` list → `data`, asserting 200 and the §6.4 shape.
pub async fn list_data(app: &TestApp, tok: &str, outlet: &str, query: &str) -> Value {
    let r = list(app, tok, outlet, query).await;
    let d = r.data(200).clone();
    let ps = d["promotions"]
        .as_array()
        .unwrap_or_else(|| panic!("data.promotions array: {}", r.text));
    for p in ps {
        for k in ["id", "start_date", "end_date", "status", "external_menu_id"] {
            assert!(p.get(k).is_some(), "promotions[].{k} missing: {}", r.text);
        }
    }
    assert!(d["total_count"].is_u64(), "total_count: {}", r.text);
    assert!(d["limit"].is_u64(), "limit: {}", r.text);
    assert!(d["page"].is_u64(), "page: {}", r.text);
    d
}

/// `total_count` of the list.
pub async fn count(app: &TestApp, tok: &str, outlet: &str) -> u64 {
    list_data(app, tok, outlet, "?limit=100").await["total_count"]
        .as_u64()
        .unwrap()
}

/// Ids in a list page, in order.
pub fn list_ids(d: &Value) -> Vec<String> {
    d["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn assert_promo_not_found(r: &Resp, id: &str) {
    assert_error(
        r,
        404,
        "Not found",
        &format!("Promotion with id: {id} is not found"),
    );
}

pub fn assert_not_replayed(r: &Resp, what: &str) {
    assert_ne!(
        r.header(REPLAYED).as_deref(),
        Some("true"),
        "{what}: must not be a replay; body: {}",
        r.text
    );
}

pub fn assert_replayed(r: &Resp, what: &str) {
    assert_eq!(
        r.header(REPLAYED).as_deref(),
        Some("true"),
        "{what}: Idempotent-Replayed: true expected; status {} body: {}",
        r.status,
        r.text
    );
}

// ---------------------------------------------------------------------------------------------
// Dates and the server clock (Asia/Jakarta)
// ---------------------------------------------------------------------------------------------

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn date(days: i64) -> String {
    let (y, m, d) = local_time::civil_from_days(days);
    local_time::format_civil(y, m, d)
}

/// Lower-case weekday name of a day number.
pub fn weekday(days: i64) -> &'static str {
    DAYS[local_time::weekday_of(days)]
}

/// `(day number, second of day)` of the server clock in Asia/Jakarta.
pub async fn jakarta_now(app: &TestApp) -> (i64, i64) {
    let t = local_time::JakartaTime::at(clock_now_ms(app).await);
    (t.day, i64::from(t.second_of_day()))
}

/// Advances the server clock to `second` of `day` (Asia/Jakarta), or just after it.
pub async fn goto(app: &TestApp, day: i64, second: i64) {
    let target_ms = local_time::day_start(day) + second * 1000;
    let now = clock_now_ms(app).await;
    let delta = (target_ms - now + 999).div_euclid(1000);
    assert!(
        delta >= 1,
        "test bug: the clock is already past day {day} second {second}"
    );
    app.advance_clock(delta).await;
}

/// Moves the server clock to the next 12:00:00 in Asia/Jakarta; returns that day number.
pub async fn goto_noon(app: &TestApp) -> i64 {
    let (d, s) = jakarta_now(app).await;
    let day = if s < 12 * HOUR - 5 { d } else { d + 1 };
    goto(app, day, 12 * HOUR).await;
    day
}

pub fn hms(h: i64, m: i64, s: i64) -> i64 {
    h * HOUR + m * 60 + s
}

/// Epoch milliseconds of an RFC 3339 value.
pub fn ms_of(v: &Value) -> i64 {
    epoch_ms(
        v.as_str()
            .unwrap_or_else(|| panic!("timestamp string: {v}")),
    )
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

/// `v` with promotion fields cleared (`applied_promotions: []`, `sku_promo_id: null`), so the
/// order helpers' shape checks apply to promoted orders too.
pub fn strip_promos(v: &Value) -> Value {
    let mut v = v.clone();
    v["order"]["applied_promotions"] = json!([]);
    if let Some(items) = v["order"]["order_items"].as_array_mut() {
        for it in items {
            it["sku_promo_id"] = Value::Null;
        }
    }
    v
}

/// Places an order, asserting 201 and the §9.12 shape (promotion fields checked separately
/// with [`assert_promos`]); returns the view.
pub async fn place_any(app: &TestApp, outlet: &str, body: Value) -> Value {
    let r = place(app, outlet, body.clone()).await;
    assert_eq!(r.status, 201, "place order {body}: {}", r.text);
    let o = r.data(201)["order"].clone();
    assert_view_shape(&strip_promos(&o), outlet);
    o
}

/// `GET /sandbox/v1/orders/{n}` → `data.order` (shape checked as in [`place_any`]).
pub async fn get_order_any(app: &TestApp, n: &str) -> Value {
    let r = app.admin_get(&format!("/sandbox/v1/orders/{n}")).await;
    let o = r.data(200)["order"].clone();
    let outlet = o["outlet"]["id"].as_str().unwrap_or_default().to_string();
    assert_view_shape(&strip_promos(&o), &outlet);
    o
}

/// One expected applied promotion: `(promotion id, item external id, original, selling)`.
pub type Applied<'a> = (&'a str, &'a str, i64, i64);

/// Asserts `order.applied_promotions` and `order_items[].sku_promo_id` of a view or webhook
/// body: exactly the `expected` promotions (in any order), every other item unpromoted.
pub fn assert_promos(o: &Value, expected: &[Applied]) {
    let items = o["order"]["order_items"]
        .as_array()
        .unwrap_or_else(|| panic!("order_items: {o}"));
    let mut want = Vec::new();
    for it in items {
        let xid = it["external_id"].as_str().unwrap_or_default();
        match expected.iter().find(|e| e.1 == xid) {
            Some((id, _, orig, sell)) => {
                assert_eq!(it["sku_promo_id"], json!(id), "sku_promo_id of {xid}: {o}");
                want.push(
                    json!({ "id": id, "promo_type": "sku_promo", "item_id": it["id"],
                                  "external_menu_id": xid, "original_price": orig,
                                  "selling_price": sell }),
                );
            }
            None => assert_eq!(
                it["sku_promo_id"],
                Value::Null,
                "sku_promo_id of unpromoted {xid}: {o}"
            ),
        }
    }
    assert_eq!(
        want.len(),
        expected.len(),
        "test bug: every expected promotion needs an order item"
    );
    let mut got = o["order"]["applied_promotions"]
        .as_array()
        .unwrap_or_else(|| panic!("applied_promotions must be an array: {o}"))
        .clone();
    let key = |v: &Value| v["id"].as_str().unwrap_or_default().to_string();
    got.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(
        Value::Array(got),
        Value::Array(want),
        "applied_promotions: {o}"
    );
}

/// `(external_id, price)` of every order item.
pub fn prices(o: &Value) -> Vec<(String, i64)> {
    o["order"]["order_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["external_id"].as_str().unwrap_or_default().to_string(),
                i["price"].as_i64().unwrap(),
            )
        })
        .collect()
}

pub fn total(o: &Value) -> i64 {
    o["order"]["order_total"].as_i64().unwrap()
}

/// An order webhook about `view`'s order: header and signature, and body equal to the view's
/// webhook part with the event's status and the recipient's `external_outlet_id`.
pub fn assert_hook_is_view(h: &Hook, view: &Value, fx: &Fixture) {
    assert_header(h, &fx.notification_secret);
    let mut want = webhook_part(view);
    want["order"]["status"] = json!(status_of(&h.name));
    want["outlet"]["external_outlet_id"] = json!(fx.external_outlet_id);
    assert_eq!(
        *h.body(),
        want,
        "{} body must equal the order view (promotion fields included)",
        h.name
    );
}
