//! Fixtures, calls and payload assertions for the GoFood order tests (spec §5, §9.12, §9.13,
//! §10.2, §10.3). Used as `crate::support::orders`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::receiver::{go_signature, subscribe, Received, Receiver};
use crate::harness::{assert_error, is_uuid, Fixture, Resp, TestApp};
use crate::support::catalog::{category, item, menu, push_ok, variant, window, DAYS};

pub const WAIT: Duration = Duration::from_secs(20);

/// The eight order-status events (§9.12), in lifecycle order.
pub const ORDER_EVENTS: [&str; 8] = [
    "gofood.order.created",
    "gofood.order.awaiting_merchant_acceptance",
    "gofood.order.merchant_accepted",
    "gofood.order.driver_otw_pickup",
    "gofood.order.driver_arrived",
    "gofood.order.placed",
    "gofood.order.completed",
    "gofood.order.cancelled",
];
pub const WEBHOOK_ERROR: &str = "gofood.order.webhook_error";

/// Receiver path of the main partner's subscriptions.
pub const HOOK: &str = "/orders";

pub const CREATED: &str = "CREATED";
pub const AWAITING: &str = "AWAITING_MERCHANT_ACCEPTANCE";
pub const ACCEPTED: &str = "MERCHANT_ACCEPTED";
pub const OTW: &str = "DRIVER_OTW_PICKUP";
pub const ARRIVED: &str = "DRIVER_ARRIVED";
pub const PLACED: &str = "PLACED";
pub const COMPLETED: &str = "COMPLETED";
pub const CANCELLED: &str = "CANCELLED";

pub const DEFAULT_CUSTOMER: &str = "GoFood Customer";
pub const DEFAULT_DRIVER: &str = "GoFood Driver";
pub const NOT_REGISTERED: &str =
    "The outlet is not yet registered for integration. Please contact the support team.";

/// `gofood.order.<status lower-case>`.
pub fn event_of(status: &str) -> String {
    format!("gofood.order.{}", status.to_lowercase())
}

/// The status an order event name stands for.
pub fn status_of(event: &str) -> String {
    event
        .strip_prefix("gofood.order.")
        .unwrap_or_else(|| panic!("not an order event: {event}"))
        .to_uppercase()
}

// ---------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------

/// The order tests' menu:
///
/// - `NASI` 25000 (categories `VC-SPICY`, `VC-TOP`), `TEH` 8000 (none), `SATE` 30000 out of
///   stock (none);
/// - `VC-SPICY` "Spice level", 1..=1: `V-MILD` 0, `V-HOT` 2000;
/// - `VC-TOP` "Topping", 0..=2: `V-EGG` 5000, `V-CHEESE` 3000, `V-SAUSAGE` 4000, `V-OOS`
///   1000 out of stock.
pub fn order_catalog() -> Value {
    json!({
      "request_id": "orders-catalog",
      "menus": [
        menu("Mains", vec![
          {
            let mut i = item("NASI", "Nasi Goreng", 25000, true);
            i["variant_category_external_ids"] = json!(["VC-SPICY", "VC-TOP"]);
            i
          },
          item("SATE", "Sate Ayam", 30000, false),
        ]),
        menu("Drinks", vec![item("TEH", "Es Teh", 8000, true)]),
      ],
      "variant_categories": [
        category("VC-SPICY", "Spice level", 1, json!(1), vec![
          variant("V-MILD", "Mild", 0, true),
          variant("V-HOT", "Hot", 2000, true),
        ]),
        category("VC-TOP", "Topping", 0, json!(2), vec![
          variant("V-EGG", "Egg", 5000, true),
          variant("V-CHEESE", "Cheese", 3000, true),
          variant("V-SAUSAGE", "Sausage", 4000, true),
          variant("V-OOS", "Truffle", 1000, false),
        ]),
      ]
    })
}

/// `order_catalog()` plus `KOPI` (10000, no variants) in "Drinks".
pub fn order_catalog_with_kopi() -> Value {
    let mut c = order_catalog();
    c["request_id"] = json!("orders-catalog-kopi");
    c["menus"][1]["menu_items"]
        .as_array_mut()
        .unwrap()
        .push(item("KOPI", "Kopi Susu", 10000, true));
    c
}

/// `order_catalog()` plus `LATE` (15000) sold only in `start`–`end` every day.
pub fn order_catalog_with_hours(start: &str, end: &str) -> Value {
    let mut c = order_catalog();
    let mut late = item("LATE", "Martabak", 15000, true);
    let mut hours = serde_json::Map::new();
    for d in DAYS {
        hours.insert(d.to_string(), json!([window(start, end)]));
    }
    late["operational_hours"] = Value::Object(hours);
    c["menus"][0]["menu_items"]
        .as_array_mut()
        .unwrap()
        .push(late);
    c
}

/// One `NASI` with the mandatory spice choice `V-MILD` (unit price 25000).
pub fn nasi(quantity: i64) -> Value {
    json!({ "external_id": "NASI", "quantity": quantity, "variants": [ { "external_id": "V-MILD" } ] })
}

pub fn teh(quantity: i64) -> Value {
    json!({ "external_id": "TEH", "quantity": quantity })
}

/// A delivery order of one `NASI` (total 25000).
pub fn simple_order() -> Value {
    json!({ "items": [ nasi(1) ] })
}

pub fn pickup_order() -> Value {
    json!({ "order_type": "pickup", "items": [ nasi(1) ] })
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// A linked facilitator with a token, a receiver subscribed (general subscriptions) to every
/// order event and `webhook_error` on [`HOOK`], and [`order_catalog`] pushed through the API.
pub struct Env {
    pub fx: Fixture,
    pub tok: String,
    pub rx: Receiver,
}

impl Env {
    pub fn outlet(&self) -> &str {
        &self.fx.outlet_id
    }
}

/// Subscribes the partner of `tok` to every order event and `webhook_error` on `url`.
pub async fn subscribe_all(app: &TestApp, tok: &str, url: &str) {
    for ev in ORDER_EVENTS.iter().chain([WEBHOOK_ERROR].iter()) {
        subscribe(app, tok, ev, url).await;
    }
}

/// See [`Env`]; `push_catalog = false` leaves the outlet without a catalog.
pub async fn env_with(app: &TestApp, push_catalog: bool) -> Env {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let rx = Receiver::start().await;
    subscribe_all(app, &tok, &rx.url(HOOK)).await;
    if push_catalog {
        push_ok(app, &tok, &fx.outlet_id, &order_catalog()).await;
    }
    Env { fx, tok, rx }
}

pub async fn env(app: &TestApp) -> Env {
    env_with(app, true).await
}

/// A second outlet of the fixture's merchant, linked for `gofood` to the same partner with
/// `external_outlet_id` = `ext`, carrying [`order_catalog`].
pub async fn second_outlet(app: &TestApp, e: &Env, ext: &str) -> String {
    let o = app
        .create_outlet_id(&e.fx.merchant_id, "Second outlet")
        .await;
    app.link(&e.fx, &o, "gofood", ext).await;
    push_ok(app, &e.tok, &o, &order_catalog()).await;
    o
}

/// `PATCH /sandbox/v1/outlets/{id} {"acceptance_mode": mode}`.
pub async fn set_mode(app: &TestApp, outlet: &str, mode: &str) {
    let r = app
        .admin_patch(
            &format!("/sandbox/v1/outlets/{outlet}"),
            json!({ "acceptance_mode": mode }),
        )
        .await;
    r.data(200);
}

pub async fn set_force_close(app: &TestApp, outlet: &str, on: bool) {
    let r = app
        .admin_patch(
            &format!("/sandbox/v1/outlets/{outlet}"),
            json!({ "force_close": on }),
        )
        .await;
    r.data(200);
}

// ---------------------------------------------------------------------------------------------
// Sandbox calls
// ---------------------------------------------------------------------------------------------

pub async fn place(app: &TestApp, outlet: &str, body: Value) -> Resp {
    app.admin_post(&format!("/sandbox/v1/outlets/{outlet}/orders"), body)
        .await
}

/// Places an order, asserting 201 and the view's shape; returns `data.order`.
pub async fn place_ok(app: &TestApp, outlet: &str, body: Value) -> Value {
    let r = place(app, outlet, body.clone()).await;
    assert_eq!(r.status, 201, "place order {body}: {}", r.text);
    let o = r.data(201)["order"].clone();
    assert_view_shape(&o, outlet);
    o
}

/// `order.order_number` of a view or webhook body.
pub fn num(o: &Value) -> String {
    o["order"]["order_number"]
        .as_str()
        .unwrap_or_else(|| panic!("order.order_number: {o}"))
        .to_string()
}

pub fn status(o: &Value) -> String {
    o["order"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("order.status: {o}"))
        .to_string()
}

pub async fn get_order_resp(app: &TestApp, n: &str) -> Resp {
    app.admin_get(&format!("/sandbox/v1/orders/{n}")).await
}

/// `GET /sandbox/v1/orders/{n}` → `data.order` (shape checked against `outlet`).
pub async fn get_order(app: &TestApp, n: &str) -> Value {
    let r = get_order_resp(app, n).await;
    let o = r.data(200)["order"].clone();
    let outlet = o["outlet"]["id"].as_str().unwrap_or_default().to_string();
    assert_view_shape(&o, &outlet);
    assert_eq!(num(&o), n, "GET order {n}: {o}");
    o
}

pub async fn advance(app: &TestApp, n: &str, body: Value) -> Resp {
    app.admin_post(&format!("/sandbox/v1/orders/{n}/advance"), body)
        .await
}

/// Advances (optionally `to`), asserting 200; returns the view read afterwards.
pub async fn advance_ok(app: &TestApp, n: &str, to: Option<&str>) -> Value {
    let body = match to {
        Some(t) => json!({ "to": t }),
        None => json!({}),
    };
    let r = advance(app, n, body.clone()).await;
    r.data(200);
    get_order(app, n).await
}

pub async fn driver(app: &TestApp, n: &str, body: Value) -> Resp {
    app.admin_post(&format!("/sandbox/v1/orders/{n}/driver"), body)
        .await
}

pub async fn customer_cancel(app: &TestApp, n: &str, body: Value) -> Resp {
    app.admin_post(&format!("/sandbox/v1/orders/{n}/cancel"), body)
        .await
}

/// `GET /sandbox/v1/outlets/{id}/orders` → `data.orders`.
pub async fn list_orders(app: &TestApp, outlet: &str) -> Vec<Value> {
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}/orders"))
        .await;
    r.data(200)["orders"]
        .as_array()
        .unwrap_or_else(|| panic!("data.orders array: {}", r.text))
        .clone()
}

/// The server clock's `now` as epoch milliseconds.
pub async fn clock_now_ms(app: &TestApp) -> i64 {
    let r = app.admin_get("/sandbox/v1/clock").await;
    let now = r.data(200)["clock"]["now"].clone();
    epoch_ms(
        now.as_str()
            .unwrap_or_else(|| panic!("clock.now: {}", r.text)),
    )
}

// ---------------------------------------------------------------------------------------------
// GoBiz order actions (§5.6–§5.8)
// ---------------------------------------------------------------------------------------------

pub fn action_path(outlet: &str, ty: &str, n: &str, action: &str) -> String {
    format!("/integrations/gofood/outlets/{outlet}/v1/orders/{ty}/{n}/{action}")
}

pub async fn action(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    ty: &str,
    n: &str,
    act: &str,
    body: Option<Value>,
) -> Resp {
    app.api_send(Method::PUT, &action_path(outlet, ty, n, act), tok, body)
        .await
}

pub async fn accept(app: &TestApp, tok: &str, outlet: &str, ty: &str, n: &str) -> Resp {
    action(app, tok, outlet, ty, n, "accepted", None).await
}

pub fn reject_body(code: &str, desc: &str) -> Value {
    json!({ "cancel_reason_code": code, "cancel_reason_description": desc })
}

pub async fn reject(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    ty: &str,
    n: &str,
    body: Value,
) -> Resp {
    action(app, tok, outlet, ty, n, "cancelled", Some(body)).await
}

pub async fn prepared(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    ty: &str,
    n: &str,
    body: Option<Value>,
) -> Resp {
    action(app, tok, outlet, ty, n, "food-prepared", body).await
}

/// Exactly `{"success":true,"data":{}}` with 200.
pub fn assert_ok_empty(r: &Resp, what: &str) {
    assert_eq!(r.status, 200, "{what}: status; body: {}", r.text);
    assert_eq!(
        r.json,
        json!({ "success": true, "data": {} }),
        "{what}: body; body: {}",
        r.text
    );
}

pub fn assert_order_not_found(r: &Resp, n: &str) {
    assert_error(
        r,
        404,
        "Not found",
        &format!("Order with id: {n} is not found"),
    );
}

/// 409 `Conflict` / `Order <n> cannot be <verb> in state <state>`.
pub fn assert_wrong_state(r: &Resp, n: &str, verb: &str, state: &str) {
    assert_error(
        r,
        409,
        "Conflict",
        &format!("Order {n} cannot be {verb} in state {state}"),
    );
}

pub fn assert_refused(r: &Resp, message: &str) {
    assert_error(r, 422, "Unprocessable Entity", message);
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

pub use crate::harness::epoch_ms;

/// `(minute of day, weekday name)` in Asia/Jakarta for epoch milliseconds.
pub fn jakarta(ms: i64) -> (i64, &'static str) {
    let t = gobiz_domain::local_time::JakartaTime::at(ms);
    (i64::from(t.minute_of_day()), DAYS[t.weekday()])
}

pub fn hhmm(minute: i64) -> String {
    let minute = u16::try_from(minute).unwrap_or_else(|_| panic!("minute of day {minute}"));
    gobiz_domain::local_time::format_hhmm(minute)
}

/// RFC 3339 in UTC (`Z`), whole seconds or milliseconds.
pub fn assert_utc(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} must be a string, got {v}"));
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$").unwrap();
    assert!(
        re.is_match(s),
        "{what} must be an RFC 3339 UTC timestamp: {s}"
    );
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+07:00`.
pub fn assert_jakarta_ms(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} must be a string, got {v}"));
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$").unwrap();
    assert!(
        re.is_match(s),
        "{what} must be +07:00 with milliseconds: {s}"
    );
}

// ---------------------------------------------------------------------------------------------
// Shapes (§9.12)
// ---------------------------------------------------------------------------------------------

fn keys(v: &Value, keys: &[&str], what: &str) {
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} must be an object, got {v}"));
    for k in keys {
        assert!(
            o.contains_key(*k),
            "{what} must carry `{k}` (null when empty): {v}"
        );
    }
}

fn is_int(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

fn int(v: &Value, what: &str) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("{what} must be an integer, got {v}"))
}

fn string<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} must be a string, got {v}"))
}

/// The §9.12 field table, applied to a webhook `body` or a sandbox view, plus pricing
/// consistency (`order_total` = Σ price × quantity + takeaway_charges).
pub fn assert_body_shape(b: &Value, outlet: &str) {
    let w = format!("order body {b}");
    keys(
        b,
        &["service_type", "outlet", "customer", "driver", "order"],
        "body",
    );
    let st = string(&b["service_type"], "service_type");
    assert!(
        st == "gofood" || st == "gofood_pickup",
        "service_type must be gofood or gofood_pickup: {w}"
    );
    keys(&b["outlet"], &["id", "external_outlet_id"], "body.outlet");
    assert_eq!(b["outlet"]["id"], json!(outlet), "outlet.id: {w}");
    let ext = &b["outlet"]["external_outlet_id"];
    assert!(
        ext.is_string() || ext.is_null(),
        "outlet.external_outlet_id: {w}"
    );
    keys(&b["customer"], &["id", "name"], "body.customer");
    let cid = string(&b["customer"]["id"], "customer.id");
    assert!(
        cid.len() == 32
            && cid
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c)),
        "customer.id must be 32 upper-case hex: {cid}"
    );
    let cn = &b["customer"]["name"];
    assert!(cn.is_string() || cn.is_null(), "customer.name: {w}");
    let d = &b["driver"];
    if !d.is_null() {
        keys(d, &["name"], "body.driver");
        string(&d["name"], "driver.name");
    }
    if st == "gofood_pickup" {
        assert!(d.is_null(), "driver is always null for pickup: {w}");
    }
    let o = &b["order"];
    keys(
        o,
        &[
            "status",
            "pin",
            "order_number",
            "order_total",
            "currency",
            "created_at",
            "cutlery_requested",
            "takeaway_charges",
            "applied_promotions",
            "scheduled_flag",
            "cancellation_detail",
            "order_items",
        ],
        "body.order",
    );
    let status = string(&o["status"], "order.status");
    assert!(
        [CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED, CANCELLED].contains(&status),
        "order.status unknown: {w}"
    );
    let pin = string(&o["pin"], "order.pin");
    assert!(
        pin.len() == 4 && pin.bytes().all(|c| c.is_ascii_digit()),
        "pin must be 4 digits: {pin}"
    );
    let n = string(&o["order_number"], "order.order_number");
    assert!(
        n.len() == 11 && n.starts_with("F-") && n[2..].bytes().all(|c| c.is_ascii_digit()),
        "order_number must be F- + 9 digits: {n}"
    );
    assert_eq!(o["currency"], json!("IDR"), "currency: {w}");
    assert_jakarta_ms(&o["created_at"], "order.created_at");
    let cut = &o["cutlery_requested"];
    assert!(
        cut.is_boolean() || cut.is_null(),
        "cutlery_requested must be a boolean or null: {w}"
    );
    assert!(
        is_int(&o["takeaway_charges"]) && int(&o["takeaway_charges"], "takeaway") >= 0,
        "takeaway_charges must be an integer ≥ 0: {w}"
    );
    assert_eq!(
        o["applied_promotions"],
        json!([]),
        "applied_promotions: {w}"
    );
    assert_eq!(o["scheduled_flag"], Value::Null, "scheduled_flag: {w}");
    let cd = &o["cancellation_detail"];
    if status == CANCELLED {
        keys(cd, &["reason", "reason_code"], "cancellation_detail");
        string(&cd["reason"], "cancellation_detail.reason");
        string(&cd["reason_code"], "cancellation_detail.reason_code");
    } else {
        assert!(
            cd.is_null(),
            "cancellation_detail must be null unless cancelled: {w}"
        );
    }
    if [CREATED, AWAITING, ACCEPTED].contains(&status) {
        assert!(d.is_null(), "no driver before assignment ({status}): {w}");
    }
    if [OTW, ARRIVED].contains(&status) {
        assert!(d.is_object(), "driver must be set in {status}: {w}");
    }
    let items = o["order_items"]
        .as_array()
        .unwrap_or_else(|| panic!("order_items must be an array: {w}"));
    assert!(!items.is_empty(), "order_items must not be empty: {w}");
    let mut sum = 0;
    for (i, it) in items.iter().enumerate() {
        let iw = format!("order_items[{i}]");
        keys(
            it,
            &[
                "id",
                "external_id",
                "name",
                "quantity",
                "price",
                "notes",
                "sku_promo_id",
                "variants",
            ],
            &iw,
        );
        assert!(
            is_uuid(string(&it["id"], &format!("{iw}.id"))),
            "{iw}.id must be a UUID: {w}"
        );
        assert!(
            it["external_id"].is_string() || it["external_id"].is_null(),
            "{iw}.external_id: {w}"
        );
        string(&it["name"], &format!("{iw}.name"));
        let q = int(&it["quantity"], &format!("{iw}.quantity"));
        assert!((1..=99).contains(&q), "{iw}.quantity: {w}");
        let p = int(&it["price"], &format!("{iw}.price"));
        assert!(p >= 0, "{iw}.price: {w}");
        string(&it["notes"], &format!("{iw}.notes"));
        assert_eq!(it["sku_promo_id"], Value::Null, "{iw}.sku_promo_id: {w}");
        let vars = it["variants"]
            .as_array()
            .unwrap_or_else(|| panic!("{iw}.variants must be an array: {w}"));
        for (j, v) in vars.iter().enumerate() {
            let vw = format!("{iw}.variants[{j}]");
            keys(v, &["id", "external_id", "name"], &vw);
            assert!(
                is_uuid(string(&v["id"], &format!("{vw}.id"))),
                "{vw}.id: {w}"
            );
            assert!(
                v["external_id"].is_string() || v["external_id"].is_null(),
                "{vw}.external_id: {w}"
            );
            string(&v["name"], &format!("{vw}.name"));
            assert!(v.get("price").is_none(), "{vw} carries no price: {w}");
        }
        sum += p * q;
    }
    assert_eq!(
        int(&o["order_total"], "order_total"),
        sum + int(&o["takeaway_charges"], "takeaway_charges"),
        "order_total = Σ price × quantity + takeaway_charges: {w}"
    );
}

/// A sandbox view: the webhook body plus `acceptance_deadline`, `food_prepared_at` and
/// `events[]` whose last status is the order's.
pub fn assert_view_shape(o: &Value, outlet: &str) {
    assert_body_shape(o, outlet);
    keys(
        o,
        &["acceptance_deadline", "food_prepared_at", "events"],
        "order view",
    );
    for k in ["acceptance_deadline", "food_prepared_at"] {
        if !o[k].is_null() {
            assert_utc(&o[k], k);
        }
    }
    let evs = o["events"]
        .as_array()
        .unwrap_or_else(|| panic!("events must be an array: {o}"));
    assert!(!evs.is_empty(), "events must not be empty: {o}");
    for e in evs {
        keys(e, &["event", "status", "at"], "events[]");
        let st = string(&e["status"], "events[].status");
        let ev = string(&e["event"], "events[].event");
        assert!(
            ev.ends_with(&st.to_lowercase()),
            "events[].event must name its status: {e}"
        );
        string(&e["at"], "events[].at");
    }
    assert_eq!(
        evs.last().unwrap()["status"],
        o["order"]["status"],
        "the last event is the current status: {o}"
    );
}

/// The statuses of `events[]` of a view.
pub fn view_statuses(o: &Value) -> Vec<String> {
    o["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect()
}

pub fn assert_view_statuses(o: &Value, expected: &[&str]) {
    assert_eq!(
        view_statuses(o),
        expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "events[] statuses of {}: {o}",
        num(o)
    );
}

/// The webhook part of a view (drops `acceptance_deadline`, `food_prepared_at`, `events`).
pub fn webhook_part(view: &Value) -> Value {
    let mut v = view.clone();
    let m = v.as_object_mut().unwrap();
    m.remove("acceptance_deadline");
    m.remove("food_prepared_at");
    m.remove("events");
    v
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/// One received webhook, parsed.
#[derive(Debug, Clone)]
pub struct Hook {
    pub name: String,
    pub event_id: String,
    pub ts: i64,
    pub payload: Value,
    pub raw: Received,
}

impl Hook {
    pub fn body(&self) -> &Value {
        &self.payload["body"]
    }
}

fn parse_hook(r: &Received) -> Hook {
    let p = r.json();
    let name = p["header"]["event_name"]
        .as_str()
        .unwrap_or_else(|| panic!("header.event_name: {p}"))
        .to_string();
    let ts = epoch_ms(
        p["header"]["timestamp"]
            .as_str()
            .unwrap_or_else(|| panic!("header.timestamp: {p}")),
    );
    Hook {
        name,
        event_id: p["header"]["event_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ts,
        payload: p,
        raw: r.clone(),
    }
}

/// Webhooks on `path` about order `n` (order events and webhook errors), deduplicated by
/// `event_id`, in arrival order.
pub fn hooks_of(rx: &Receiver, path: &str, n: &str) -> Vec<Hook> {
    let mut seen = HashSet::new();
    rx.requests_to(path)
        .iter()
        .map(parse_hook)
        .filter(|h| h.payload["body"]["order"]["order_number"] == json!(n))
        .filter(|h| seen.insert(h.event_id.clone()))
        .collect()
}

/// Waits until `count` distinct webhooks about `n` arrived on `path`; returns them.
pub async fn wait_hooks(rx: &Receiver, path: &str, n: &str, count: usize) -> Vec<Hook> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let h = hooks_of(rx, path, n);
        if h.len() >= count {
            return h;
        }
        if std::time::Instant::now() >= deadline {
            let names: Vec<&str> = h.iter().map(|x| x.name.as_str()).collect();
            panic!("timed out waiting for {count} webhooks about {n} on {path}; got {names:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Order-status webhooks only (no `webhook_error`).
pub fn status_hooks(h: &[Hook]) -> Vec<Hook> {
    h.iter()
        .filter(|x| x.name != WEBHOOK_ERROR)
        .cloned()
        .collect()
}

pub fn error_hooks(h: &[Hook]) -> Vec<Hook> {
    h.iter()
        .filter(|x| x.name == WEBHOOK_ERROR)
        .cloned()
        .collect()
}

/// Asserts that the order events about `n` are exactly `expected` (event names, each once) and
/// that their `header.timestamp`s never go backwards along that order; waits for them, then
/// a little longer to catch extra ones. Returns them in `expected` order.
pub async fn assert_hook_sequence(
    rx: &Receiver,
    path: &str,
    n: &str,
    expected: &[&str],
) -> Vec<Hook> {
    let want: Vec<String> = expected.iter().map(|s| event_of(s)).collect();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let got = status_hooks(&hooks_of(rx, path, n));
        if got.len() >= want.len() || std::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut got = status_hooks(&hooks_of(rx, path, n));
    // Stable sort by timestamp; equal timestamps keep the lifecycle order of `expected`.
    let rank = |name: &str| want.iter().position(|w| w == name).unwrap_or(usize::MAX);
    got.sort_by_key(|h| (h.ts, rank(&h.name)));
    let names: Vec<String> = got.iter().map(|h| h.name.clone()).collect();
    assert_eq!(
        names, want,
        "order events of {n} sorted by header.timestamp (ties in lifecycle order)"
    );
    got
}

/// Header and signature checks of a webhook.
pub fn assert_header(h: &Hook, secret: &str) {
    let hd = &h.payload["header"];
    keys(
        hd,
        &["event_name", "event_id", "version", "timestamp"],
        "header",
    );
    assert!(is_uuid(&h.event_id), "header.event_id must be a UUID: {hd}");
    assert_eq!(hd["version"], json!(1), "header.version: {hd}");
    assert_jakarta_ms(&hd["timestamp"], "header.timestamp");
    assert_eq!(
        h.raw.header("x-go-signature"),
        Some(go_signature(secret, &h.raw.body)),
        "X-Go-Signature of {}",
        h.name
    );
}

/// Asserts an order webhook: header, §9.12 shape, status matching the event, recipient's
/// `external_outlet_id`, and body equal to `view` (the sandbox view at that moment) with the
/// event's status — comparing everything but `outlet.external_outlet_id` (partner-specific).
pub fn assert_hook_matches(h: &Hook, view: &Value, fx: &Fixture, ext: &str) {
    assert_header(h, &fx.notification_secret);
    let b = h.body();
    let outlet = view["outlet"]["id"].as_str().unwrap();
    assert_body_shape(b, outlet);
    let st = status_of(&h.name);
    assert_eq!(b["order"]["status"], json!(st), "status of {}: {b}", h.name);
    assert_eq!(
        b["outlet"]["external_outlet_id"],
        json!(ext),
        "{}: outlet.external_outlet_id must be the recipient's link id",
        h.name
    );
    let mut want = webhook_part(view);
    want["order"]["status"] = json!(st);
    want["outlet"]["external_outlet_id"] = json!(ext);
    assert_eq!(
        *b, want,
        "{} body must equal the order view's webhook part at that moment",
        h.name
    );
}

/// Asserts each hook against the snapshot taken for its status.
pub fn assert_hooks_match(hooks: &[Hook], snaps: &HashMap<String, Value>, fx: &Fixture, ext: &str) {
    for h in hooks {
        let st = status_of(&h.name);
        let view = snaps
            .get(&st)
            .unwrap_or_else(|| panic!("no snapshot for {st} (test bug)"));
        assert_hook_matches(h, view, fx, ext);
    }
}

/// `snap` with the status set to `st` (the view right after a transition that moved on in
/// the same transaction, e.g. `CREATED` → `MERCHANT_ACCEPTED`).
pub fn as_status(snap: &Value, st: &str) -> Value {
    let mut v = snap.clone();
    v["order"]["status"] = json!(st);
    v
}

/// The external ids the view's items and variants carry: `(item xid, [variant xids])`.
pub fn item_xids(b: &Value) -> Vec<(Value, Vec<Value>)> {
    b["order"]["order_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["external_id"].clone(),
                i["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["external_id"].clone())
                    .collect(),
            )
        })
        .collect()
}

/// `GET /integrations/partner/notifications?entity_id=n` → `data.notifications`.
pub async fn notifications(app: &TestApp, tok: &str, n: &str) -> Vec<Value> {
    let r = app
        .api_get(
            &format!("/integrations/partner/notifications?entity_id={n}"),
            tok,
        )
        .await;
    r.data(200)["notifications"]
        .as_array()
        .unwrap_or_else(|| panic!("notifications array: {}", r.text))
        .clone()
}
