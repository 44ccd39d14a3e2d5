//! GoFood orders (spec §5): lifecycles per acceptance mode and service type, the order
//! webhooks (§9.12) and `webhook_error` (§9.13), pricing, the sandbox order simulator and its
//! refusals (§10.2, §10.3), the GoBiz accept / reject / food-prepared endpoints, timers on
//! the sandbox clock (§10.5) and races. Black box: the real binary over HTTP, on both
//! databases.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::harness::receiver::*;
use crate::harness::*;
use crate::support::catalog::{admin_send, get_v2, ids_of, push_ok, rep, second_partner_on_outlet};
use crate::support::orders::*;
use reqwest::Method;
use serde_json::{json, Value};

fn snaps(pairs: &[(&str, &Value)]) -> HashMap<String, Value> {
    pairs
        .iter()
        .map(|(s, v)| (s.to_string(), as_status(v, s)))
        .collect()
}

fn cancellation(o: &Value) -> Value {
    o["order"]["cancellation_detail"].clone()
}

/// Asserts that nothing about `n` changed: same status and `events[]` as `before`.
async fn assert_unchanged(app: &TestApp, n: &str, before: &Value, what: &str) {
    let now = get_order(app, n).await;
    assert_eq!(
        now["order"]["status"], before["order"]["status"],
        "{what}: status of {n} changed: {now}"
    );
    assert_eq!(
        now["events"], before["events"],
        "{what}: events of {n} changed: {now}"
    );
}

/// Waits for the webhooks about `n` to settle on `count` and asserts there are no more.
async fn settled_hooks(rx: &Receiver, path: &str, n: &str, count: usize) -> Vec<Hook> {
    wait_hooks(rx, path, n, count).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let h = hooks_of(rx, path, n);
    let names: Vec<&str> = h.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        h.len(),
        count,
        "exactly {count} webhooks about {n} on {path}, got {names:?}"
    );
    h
}

/// All webhooks on `path`, parsed once, grouped by order number, deduplicated by event id.
fn group_hooks(rx: &Receiver, path: &str) -> HashMap<String, Vec<(String, Value)>> {
    let mut seen = HashSet::new();
    let mut m: HashMap<String, Vec<(String, Value)>> = HashMap::new();
    for r in rx.requests_to(path) {
        let p = r.json();
        let id = p["header"]["event_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !seen.insert(id) {
            continue;
        }
        let n = p["body"]["order"]["order_number"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = p["header"]["event_name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        m.entry(n).or_default().push((name, p));
    }
    m
}

/// The external ids of `view` replaced by `xids` (item xid, variant xids), in item order.
fn with_xids(view: &Value, xids: &[(Value, Vec<Value>)]) -> Value {
    let mut v = view.clone();
    let items = v["order"]["order_items"].as_array_mut().unwrap();
    assert_eq!(items.len(), xids.len(), "test bug: xids per item");
    for (it, (x, vx)) in items.iter_mut().zip(xids) {
        it["external_id"] = x.clone();
        let vars = it["variants"].as_array_mut().unwrap();
        assert_eq!(vars.len(), vx.len(), "test bug: xids per variant");
        for (var, x) in vars.iter_mut().zip(vx) {
            var["external_id"] = x.clone();
        }
    }
    v
}

fn item_ids(view: &Value) -> Vec<(String, Vec<String>)> {
    view["order"]["order_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["id"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// Asserts a §9.13 `webhook_error` about `view` for `failed` (an order event) naming exactly
/// `expected` (`(order_item_id, variant_id)` pairs).
fn assert_webhook_error(
    h: &Hook,
    view: &Value,
    fx: &Fixture,
    ext: &str,
    expected: &HashSet<(String, Option<String>)>,
) {
    assert_header(h, &fx.notification_secret);
    let b = h.body();
    for k in [
        "service_type",
        "outlet",
        "order",
        "failed_event_name",
        "errors",
    ] {
        assert!(
            b.get(k).is_some(),
            "webhook_error body must carry `{k}`: {b}"
        );
    }
    assert_eq!(b["service_type"], view["service_type"], "service_type: {b}");
    assert_eq!(
        b["outlet"],
        json!({ "id": view["outlet"]["id"], "external_outlet_id": ext }),
        "webhook_error outlet: {b}"
    );
    let failed = b["failed_event_name"]
        .as_str()
        .unwrap_or_else(|| panic!("failed_event_name: {b}"));
    assert!(
        ORDER_EVENTS.contains(&failed),
        "failed_event_name must be an order event: {b}"
    );
    assert_eq!(
        b["order"]["order_number"], view["order"]["order_number"],
        "webhook_error order_number: {b}"
    );
    assert_eq!(
        b["order"]["status"],
        json!(status_of(failed)),
        "webhook_error order.status = the state in the failed event: {b}"
    );
    let errors = b["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors array: {b}"));
    let mut got = HashSet::new();
    for e in errors {
        assert_eq!(
            e["code"],
            json!("MENU_MAPPING_NOT_FOUND"),
            "error code: {e}"
        );
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error message: {e}"
        );
        let item = e["order_item_id"]
            .as_str()
            .unwrap_or_else(|| panic!("order_item_id: {e}"))
            .to_string();
        assert!(
            e.get("variant_id").is_some(),
            "variant_id present (null for items): {e}"
        );
        let var = e["variant_id"].as_str().map(str::to_string);
        got.insert((item, var));
    }
    assert_eq!(
        errors.len(),
        got.len(),
        "no duplicate errors in webhook_error: {b}"
    );
    assert_eq!(
        &got, expected,
        "webhook_error must name exactly the unmapped items/variants: {b}"
    );
}

// ---------------------------------------------------------------------------------------------
// Lifecycles per acceptance mode and service type
// ---------------------------------------------------------------------------------------------

/// Troubleshooting lists the order's six deliveries, for this partner and endpoint.
async fn troubleshooting_lists_the_deliveries(app: &TestApp, e: &Env, n: &str) {
    // Troubleshooting lists the order's deliveries.
    let want: Vec<String> = [CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED]
        .iter()
        .map(|s| event_of(s))
        .collect();
    let deadline = std::time::Instant::now() + WAIT;
    let list = loop {
        let l = notifications(app, &e.tok, n).await;
        if l.len() >= want.len() || std::time::Instant::now() >= deadline {
            break l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut types: Vec<String> = list
        .iter()
        .map(|x| x["event_type"].as_str().unwrap_or_default().to_string())
        .collect();
    types.sort();
    let mut sorted_want = want.clone();
    sorted_want.sort();
    assert_eq!(types, sorted_want, "troubleshooting for {n}: {list:?}");
    for x in &list {
        assert_eq!(x["entity_id"], json!(n), "entity_id: {x}");
        assert_eq!(x["partner_id"], json!(e.fx.partner_id), "partner_id: {x}");
        assert_eq!(x["endpoint"], json!(e.rx.url(HOOK)), "endpoint: {x}");
    }
}

async fn lifecycle_auto_accept_delivery(app: TestApp) {
    let e = env(&app).await;
    let o = place_ok(
        &app,
        e.outlet(),
        json!({ "order_type": "delivery", "items": [nasi(1)], "customer": { "name": "Budi" },
                "cutlery_requested": true }),
    )
    .await;
    let n = num(&o);
    assert_eq!(status(&o), ACCEPTED, "auto_accept: accepted at once: {o}");
    assert_eq!(o["service_type"], json!("gofood"));
    assert_eq!(o["driver"], Value::Null);
    assert_eq!(
        o["acceptance_deadline"],
        Value::Null,
        "no deadline in auto_accept"
    );
    assert_eq!(o["food_prepared_at"], Value::Null);
    assert_view_statuses(&o, &[CREATED, ACCEPTED]);
    assert_eq!(
        get_order(&app, &n).await,
        o,
        "GET answers the view placement returned"
    );

    // Food prepared: recorded, no state change, no event.
    let r = prepared(
        &app,
        &e.tok,
        e.outlet(),
        "delivery",
        &n,
        Some(json!({ "country_code": "ID" })),
    )
    .await;
    assert_ok_empty(&r, "food-prepared");
    let p = get_order(&app, &n).await;
    assert!(p["food_prepared_at"].is_string(), "food_prepared_at: {p}");
    assert_view_statuses(&p, &[CREATED, ACCEPTED]);

    let otw = advance_ok(&app, &n, None).await;
    assert_eq!(status(&otw), OTW);
    assert_eq!(otw["driver"], json!({ "name": DEFAULT_DRIVER }));
    let arr = advance_ok(&app, &n, None).await;
    assert_eq!(status(&arr), ARRIVED);
    let placed = advance_ok(&app, &n, None).await;
    assert_eq!(status(&placed), PLACED);
    assert_eq!(placed["driver"], json!({ "name": DEFAULT_DRIVER }));
    let done = advance_ok(&app, &n, None).await;
    assert_eq!(status(&done), COMPLETED);
    assert_view_statuses(&done, &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED]);
    let r = advance(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");

    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    )
    .await;
    let sn = snaps(&[
        (CREATED, &o),
        (ACCEPTED, &o),
        (OTW, &otw),
        (ARRIVED, &arr),
        (PLACED, &placed),
        (COMPLETED, &done),
    ]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);
    for h in &hooks {
        assert_eq!(
            item_xids(h.body()),
            vec![(json!("NASI"), vec![json!("V-MILD")])],
            "external ids from the partner's mapping in {}",
            h.name
        );
    }
    assert!(
        error_hooks(&hooks_of(&e.rx, HOOK, &n)).is_empty(),
        "no webhook_error with a complete mapping"
    );

    troubleshooting_lists_the_deliveries(&app, &e, &n).await;
    // The outlet's order list carries it.
    let orders = list_orders(&app, e.outlet()).await;
    assert_eq!(orders.len(), 1, "one order on the outlet: {orders:?}");
    assert_eq!(orders[0], done, "list entry = the order view");
}
both_dbs!(lifecycle_auto_accept_delivery);

async fn lifecycle_auto_accept_on_timeout(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "auto_accept_on_timeout").await;
    let o = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&o);
    assert_eq!(status(&o), AWAITING, "{o}");
    assert_view_statuses(&o, &[CREATED, AWAITING]);
    let created = epoch_ms(o["order"]["created_at"].as_str().unwrap());
    let deadline = epoch_ms(
        o["acceptance_deadline"]
            .as_str()
            .unwrap_or_else(|| panic!("acceptance_deadline while awaiting: {o}")),
    );
    assert!(
        (59_000..=61_000).contains(&(deadline - created)),
        "deadline = created_at + 60 s: {o}"
    );

    app.advance_clock(30).await;
    assert_unchanged(&app, &n, &o, "30 s after creation").await;

    app.advance_clock(31).await;
    let acc = get_order(&app, &n).await;
    assert_eq!(
        status(&acc),
        ACCEPTED,
        "accepted right after the clock passed 60 s: {acc}"
    );
    assert_view_statuses(&acc, &[CREATED, AWAITING, ACCEPTED]);
    assert_eq!(acc["driver"], Value::Null);

    let r = prepared(&app, &e.tok, e.outlet(), "delivery", &n, None).await;
    assert_ok_empty(&r, "food-prepared without body");
    let done = advance_ok(&app, &n, Some(COMPLETED)).await;
    assert_eq!(status(&done), COMPLETED);
    assert_view_statuses(
        &done,
        &[CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    );

    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    )
    .await;
    let sn = snaps(&[
        (CREATED, &o),
        (AWAITING, &o),
        (ACCEPTED, &acc),
        (OTW, &done),
        (ARRIVED, &done),
        (PLACED, &done),
        (COMPLETED, &done),
    ]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);
    assert!(
        hooks[2].ts - hooks[0].ts >= 59_000,
        "merchant_accepted comes from the 60 s timer on the sandbox clock: {} → {}",
        hooks[0].payload["header"]["timestamp"],
        hooks[2].payload["header"]["timestamp"]
    );
}
both_dbs!(lifecycle_auto_accept_on_timeout);

async fn lifecycle_manual_timeout(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "manual").await;
    let o = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&o);
    assert_eq!(status(&o), AWAITING, "{o}");
    let created = epoch_ms(o["order"]["created_at"].as_str().unwrap());
    let deadline = epoch_ms(
        o["acceptance_deadline"]
            .as_str()
            .unwrap_or_else(|| panic!("acceptance_deadline while awaiting: {o}")),
    );
    assert!(
        (179_000..=181_000).contains(&(deadline - created)),
        "deadline = created_at + 180 s: {o}"
    );

    app.advance_clock(100).await;
    assert_unchanged(&app, &n, &o, "100 s after creation").await;
    app.advance_clock(70).await;
    assert_unchanged(&app, &n, &o, "170 s after creation").await;
    app.advance_clock(11).await;
    let c = get_order(&app, &n).await;
    assert_eq!(status(&c), CANCELLED, "cancelled after 180 s: {c}");
    assert_eq!(
        cancellation(&c),
        json!({ "reason": "MERCHANT_TIMEOUT", "reason_code": "MERCHANT_TIMEOUT" })
    );
    assert_eq!(c["driver"], Value::Null);
    assert_view_statuses(&c, &[CREATED, AWAITING, CANCELLED]);

    // Too late to accept.
    let r = accept(&app, &e.tok, e.outlet(), "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", CANCELLED);
    let r = advance(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");
    app.advance_clock(600).await;
    assert_unchanged(&app, &n, &c, "later").await;

    let hooks = assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, AWAITING, CANCELLED]).await;
    let sn = snaps(&[(CREATED, &o), (AWAITING, &o), (CANCELLED, &c)]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);
    assert!(
        hooks[2].ts - hooks[0].ts >= 179_000,
        "cancelled comes from the 180 s timer on the sandbox clock"
    );
}
both_dbs!(lifecycle_manual_timeout);

async fn lifecycle_manual_accept_via_api(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "manual").await;
    let o = place_ok(&app, e.outlet(), json!({ "items": [nasi(2), teh(1)] })).await;
    let n = num(&o);
    assert_eq!(status(&o), AWAITING);

    let r = accept(&app, &e.tok, e.outlet(), "delivery", &n).await;
    assert_ok_empty(&r, "accept");
    let acc = get_order(&app, &n).await;
    assert_eq!(status(&acc), ACCEPTED, "{acc}");
    assert_view_statuses(&acc, &[CREATED, AWAITING, ACCEPTED]);

    // Idempotent: a second accept (with an ignored body) answers 200 and emits nothing.
    let r = action(
        &app,
        &e.tok,
        e.outlet(),
        "delivery",
        &n,
        "accepted",
        Some(json!({})),
    )
    .await;
    assert_ok_empty(&r, "second accept");
    assert_unchanged(&app, &n, &acc, "second accept").await;

    // The 180 s timer does not apply to an accepted order.
    app.advance_clock(200).await;
    assert_unchanged(&app, &n, &acc, "after the manual timeout").await;

    let otw = driver(&app, &n, json!({})).await;
    otw.data(200);
    let otw = get_order(&app, &n).await;
    assert_eq!(status(&otw), OTW);
    assert_eq!(otw["driver"], json!({ "name": DEFAULT_DRIVER }));
    let r = prepared(&app, &e.tok, e.outlet(), "delivery", &n, None).await;
    assert_ok_empty(&r, "food-prepared in DRIVER_OTW_PICKUP");
    let done = advance_ok(&app, &n, Some(COMPLETED)).await;
    assert_view_statuses(
        &done,
        &[CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    );

    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    )
    .await;
    let sn = snaps(&[
        (CREATED, &o),
        (AWAITING, &o),
        (ACCEPTED, &acc),
        (OTW, &otw),
        (ARRIVED, &done),
        (PLACED, &done),
        (COMPLETED, &done),
    ]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);
}
both_dbs!(lifecycle_manual_accept_via_api);

async fn lifecycle_reject_via_api(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "manual").await;
    let o = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&o);
    let desc = "One of the items is not available";
    let r = reject(
        &app,
        &e.tok,
        e.outlet(),
        "delivery",
        &n,
        reject_body("ITEMS_OUT_OF_STOCK", desc),
    )
    .await;
    assert_ok_empty(&r, "reject");
    let c = get_order(&app, &n).await;
    assert_eq!(status(&c), CANCELLED, "{c}");
    assert_eq!(
        cancellation(&c),
        json!({ "reason": desc, "reason_code": "ITEMS_OUT_OF_STOCK" })
    );
    assert_view_statuses(&c, &[CREATED, AWAITING, CANCELLED]);

    // Nothing applies any more: the timer, a second reject, an accept, food-prepared.
    app.advance_clock(200).await;
    assert_unchanged(&app, &n, &c, "after the manual timeout").await;
    let r = reject(
        &app,
        &e.tok,
        e.outlet(),
        "delivery",
        &n,
        reject_body("OTHERS", "again"),
    )
    .await;
    assert_wrong_state(&r, &n, "rejected", CANCELLED);
    let r = accept(&app, &e.tok, e.outlet(), "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", CANCELLED);
    let r = prepared(&app, &e.tok, e.outlet(), "delivery", &n, None).await;
    assert_wrong_state(&r, &n, "marked as prepared", CANCELLED);
    assert_unchanged(&app, &n, &c, "refused actions").await;

    let hooks = assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, AWAITING, CANCELLED]).await;
    let sn = snaps(&[(CREATED, &o), (AWAITING, &o), (CANCELLED, &c)]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);
    assert_eq!(
        hooks[2].body()["order"]["cancellation_detail"],
        json!({ "reason": desc, "reason_code": "ITEMS_OUT_OF_STOCK" })
    );

    // Every reason code, and the description's length limits (3 and 200).
    let long = rep('x', 200);
    for (code, d) in [
        ("HIGH_DEMAND", "abc"),
        ("RESTAURANT_CLOSED", long.as_str()),
        ("OTHERS", "Kitchen on fire"),
    ] {
        let o = place_ok(&app, e.outlet(), simple_order()).await;
        let n = num(&o);
        let r = reject(
            &app,
            &e.tok,
            e.outlet(),
            "delivery",
            &n,
            reject_body(code, d),
        )
        .await;
        assert_ok_empty(&r, &format!("reject with {code}"));
        let c = get_order(&app, &n).await;
        assert_eq!(status(&c), CANCELLED);
        assert_eq!(
            cancellation(&c),
            json!({ "reason": d, "reason_code": code })
        );
    }
}
both_dbs!(lifecycle_reject_via_api);

async fn lifecycle_pickup(app: TestApp) {
    let e = env(&app).await;

    // auto_accept: MERCHANT_ACCEPTED → PLACED → COMPLETED, never a driver.
    let o = place_ok(&app, e.outlet(), pickup_order()).await;
    let n = num(&o);
    assert_eq!(o["service_type"], json!("gofood_pickup"));
    assert_eq!(status(&o), ACCEPTED);
    let r = driver(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");
    let r = advance(&app, &n, json!({ "to": ARRIVED })).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &n, &o, "refused driver steps").await;
    let r = prepared(&app, &e.tok, e.outlet(), "delivery", &n, None).await;
    assert_order_not_found(&r, &n);
    let r = prepared(&app, &e.tok, e.outlet(), "pickup", &n, None).await;
    assert_ok_empty(&r, "food-prepared via /pickup/");
    let placed = advance_ok(&app, &n, None).await;
    assert_eq!(status(&placed), PLACED, "pickup skips the driver states");
    assert_eq!(placed["driver"], Value::Null);
    let done = advance_ok(&app, &n, None).await;
    assert_eq!(status(&done), COMPLETED);
    assert_eq!(done["driver"], Value::Null);
    assert_view_statuses(&done, &[CREATED, ACCEPTED, PLACED, COMPLETED]);
    let hooks =
        assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, ACCEPTED, PLACED, COMPLETED]).await;
    let sn = snaps(&[
        (CREATED, &o),
        (ACCEPTED, &o),
        (PLACED, &placed),
        (COMPLETED, &done),
    ]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);
    for h in &hooks {
        assert_eq!(h.body()["service_type"], json!("gofood_pickup"));
        assert_eq!(h.body()["driver"], Value::Null, "{}", h.name);
    }

    // manual: accepted through the /pickup/ path only.
    set_mode(&app, e.outlet(), "manual").await;
    let o = place_ok(&app, e.outlet(), pickup_order()).await;
    let n = num(&o);
    assert_eq!(status(&o), AWAITING);
    let r = accept(&app, &e.tok, e.outlet(), "delivery", &n).await;
    assert_order_not_found(&r, &n);
    let r = reject(
        &app,
        &e.tok,
        e.outlet(),
        "delivery",
        &n,
        reject_body("OTHERS", "wrong path"),
    )
    .await;
    assert_order_not_found(&r, &n);
    assert_unchanged(&app, &n, &o, "wrong order_type").await;
    let r = accept(&app, &e.tok, e.outlet(), "pickup", &n).await;
    assert_ok_empty(&r, "accept via /pickup/");
    let acc = get_order(&app, &n).await;
    let done = advance_ok(&app, &n, Some(COMPLETED)).await;
    assert_view_statuses(&done, &[CREATED, AWAITING, ACCEPTED, PLACED, COMPLETED]);
    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, AWAITING, ACCEPTED, PLACED, COMPLETED],
    )
    .await;
    let sn = snaps(&[
        (CREATED, &o),
        (AWAITING, &o),
        (ACCEPTED, &acc),
        (PLACED, &done),
        (COMPLETED, &done),
    ]);
    assert_hooks_match(&hooks, &sn, &e.fx, &e.fx.external_outlet_id);

    // A pickup order rejected through /pickup/.
    let o = place_ok(&app, e.outlet(), pickup_order()).await;
    let n = num(&o);
    let r = reject(
        &app,
        &e.tok,
        e.outlet(),
        "pickup",
        &n,
        reject_body("HIGH_DEMAND", "Too busy"),
    )
    .await;
    assert_ok_empty(&r, "reject via /pickup/");
    assert_eq!(status(&get_order(&app, &n).await), CANCELLED);
}
both_dbs!(lifecycle_pickup);

// ---------------------------------------------------------------------------------------------
// Pricing and contents (§5.4, §10.3)
// ---------------------------------------------------------------------------------------------

/// Defaults: customer name, cutlery null, takeaway 0, notes ""; a customer id per order.
async fn order_defaults(app: &TestApp, e: &Env, n: &str, o: &Value) {
    // Defaults: customer name, cutlery null, takeaway 0, notes "".
    let d = place_ok(app, e.outlet(), simple_order()).await;
    assert_eq!(d["customer"]["name"], json!(DEFAULT_CUSTOMER));
    assert_eq!(d["order"]["cutlery_requested"], Value::Null);
    assert_eq!(d["order"]["takeaway_charges"], json!(0));
    assert_eq!(d["order"]["order_total"], json!(25000));
    assert_eq!(d["order"]["order_items"][0]["notes"], json!(""));
    assert_eq!(d["service_type"], json!("gofood"), "delivery by default");
    assert_ne!(num(&d), n, "order numbers are unique");
    let f = place_ok(
        app,
        e.outlet(),
        json!({ "items": [teh(1)], "cutlery_requested": false, "customer": {} }),
    )
    .await;
    assert_eq!(f["order"]["cutlery_requested"], json!(false));
    assert_eq!(f["customer"]["name"], json!(DEFAULT_CUSTOMER));
    assert_ne!(
        f["customer"]["id"], o["customer"]["id"],
        "a customer id per order"
    );
}

async fn pricing_variants_and_takeaway(app: TestApp) {
    let e = env(&app).await;
    let ids = ids_of(&get_v2(&app, &e.tok, e.outlet()).await);
    let id = |k: &str| ids.get(k).unwrap_or_else(|| panic!("no {k}")).clone();

    let o = place_ok(
        &app,
        e.outlet(),
        json!({
            "order_type": "delivery",
            "items": [
                { "external_id": "NASI", "quantity": 2, "notes": "extra pedas",
                  "variants": [ { "external_id": "V-HOT" }, { "external_id": "V-EGG" },
                                { "id": id("var:V-CHEESE") } ] },
                { "id": id("item:TEH"), "quantity": 3 }
            ],
            "customer": { "name": "Budi" }, "cutlery_requested": true, "takeaway_charges": 1500
        }),
    )
    .await;
    let n = num(&o);
    let ord = &o["order"];
    assert_eq!(o["customer"]["name"], json!("Budi"));
    assert_eq!(ord["cutlery_requested"], json!(true));
    assert_eq!(ord["takeaway_charges"], json!(1500));
    assert_eq!(ord["currency"], json!("IDR"));
    let items = ord["order_items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{o}");
    let nasi_line = &items[0];
    assert_eq!(nasi_line["id"], json!(id("item:NASI")));
    assert_eq!(nasi_line["external_id"], json!("NASI"));
    assert_eq!(nasi_line["name"], json!("Nasi Goreng"));
    assert_eq!(nasi_line["quantity"], json!(2));
    assert_eq!(
        nasi_line["price"],
        json!(25000 + 2000 + 5000 + 3000),
        "unit price = item + variants: {nasi_line}"
    );
    assert_eq!(nasi_line["notes"], json!("extra pedas"));
    let mut vars: Vec<Value> = nasi_line["variants"].as_array().unwrap().clone();
    vars.sort_by_key(|v| v["external_id"].to_string());
    let mut want = vec![
        json!({ "id": id("var:V-HOT"), "external_id": "V-HOT", "name": "Hot" }),
        json!({ "id": id("var:V-EGG"), "external_id": "V-EGG", "name": "Egg" }),
        json!({ "id": id("var:V-CHEESE"), "external_id": "V-CHEESE", "name": "Cheese" }),
    ];
    want.sort_by_key(|v| v["external_id"].to_string());
    assert_eq!(vars, want, "variants of the NASI line");
    let teh_line = &items[1];
    assert_eq!(teh_line["id"], json!(id("item:TEH")));
    assert_eq!(teh_line["external_id"], json!("TEH"));
    assert_eq!(teh_line["name"], json!("Es Teh"));
    assert_eq!(teh_line["quantity"], json!(3));
    assert_eq!(teh_line["price"], json!(8000));
    assert_eq!(teh_line["notes"], json!(""), "notes default to \"\"");
    assert_eq!(teh_line["variants"], json!([]));
    assert_eq!(
        ord["order_total"],
        json!(35000 * 2 + 8000 * 3 + 1500),
        "order_total = Σ price × quantity + takeaway_charges"
    );

    // The webhooks carry the same contents.
    let hooks = assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, ACCEPTED]).await;
    assert_hooks_match(
        &hooks,
        &snaps(&[(CREATED, &o), (ACCEPTED, &o)]),
        &e.fx,
        &e.fx.external_outlet_id,
    );

    order_defaults(&app, &e, &n, &o).await;
    // Limits: 50 lines of 99.
    let lines: Vec<Value> = (0..50).map(|_| teh(99)).collect();
    let big = place_ok(&app, e.outlet(), json!({ "items": lines })).await;
    assert_eq!(big["order"]["order_total"], json!(50 * 99 * 8000));

    // A later catalog change leaves placed orders alone.
    let mut cat = order_catalog();
    cat["menus"][0]["menu_items"][0]["price"] = json!(99999);
    push_ok(&app, &e.tok, e.outlet(), &cat).await;
    let again = get_order(&app, &n).await;
    assert_eq!(again["order"]["order_items"], o["order"]["order_items"]);
    assert_eq!(again["order"]["order_total"], o["order"]["order_total"]);
    let newer = place_ok(&app, e.outlet(), simple_order()).await;
    assert_eq!(
        newer["order"]["order_total"],
        json!(99999),
        "priced at placement time"
    );
    let all: HashSet<String> = list_orders(&app, e.outlet())
        .await
        .iter()
        .map(num)
        .collect();
    assert_eq!(all.len(), 5, "five orders listed: {all:?}");
    assert!(all.contains(&n));
}
both_dbs!(pricing_variants_and_takeaway);

// ---------------------------------------------------------------------------------------------
// Refusals (422) and body errors (400)
// ---------------------------------------------------------------------------------------------

/// Stock flipped through the API is honoured at once (and flipped back).
async fn stock_flips_are_honoured(app: &TestApp, e: &Env, o: &str) {
    // Stock flipped through the API is honoured at once.
    crate::support::catalog::stock_ok(
        app,
        &e.tok,
        o,
        crate::support::catalog::ITEM_STOCKS,
        json!([ { "external_id": "TEH", "in_stock": false } ]),
    )
    .await;
    let r = place(app, o, json!({ "items": [teh(1)] })).await;
    assert_refused(&r, "Item TEH is out of stock");
    crate::support::catalog::stock_ok(
        app,
        &e.tok,
        o,
        crate::support::catalog::VARIANT_STOCKS,
        json!([ { "external_id": "V-MILD", "in_stock": false } ]),
    )
    .await;
    let r = place(app, o, simple_order()).await;
    assert_refused(&r, "Variant V-MILD is out of stock");
    crate::support::catalog::stock_ok(
        app,
        &e.tok,
        o,
        crate::support::catalog::VARIANT_STOCKS,
        json!([ { "external_id": "V-MILD", "in_stock": true } ]),
    )
    .await;
}

async fn refusals_422(app: TestApp) {
    let e = env(&app).await;
    let o = e.outlet().to_string();
    let unknown_id = uuid::Uuid::new_v4().to_string();
    let cases: Vec<(Value, String)> = vec![
        (
            json!({ "items": [ { "external_id": "NOPE", "quantity": 1 } ] }),
            "Item NOPE is not in the catalog".into(),
        ),
        (
            json!({ "items": [ { "id": unknown_id, "quantity": 1 } ] }),
            format!("Item {unknown_id} is not in the catalog"),
        ),
        (
            json!({ "items": [ teh(1), { "external_id": "SATE", "quantity": 1 } ] }),
            "Item SATE is out of stock".into(),
        ),
        (
            json!({ "items": [ { "external_id": "NASI", "quantity": 1,
                                 "variants": [ { "external_id": "V-MILD" }, { "external_id": "V-NOPE" } ] } ] }),
            "Variant V-NOPE is not in the catalog".into(),
        ),
        (
            json!({ "items": [ { "external_id": "NASI", "quantity": 1,
                                 "variants": [ { "external_id": "V-MILD" }, { "external_id": "V-OOS" } ] } ] }),
            "Variant V-OOS is out of stock".into(),
        ),
        (
            json!({ "items": [ { "external_id": "TEH", "quantity": 1,
                                 "variants": [ { "external_id": "V-HOT" } ] } ] }),
            "Variant V-HOT does not belong to item TEH".into(),
        ),
        (
            json!({ "items": [ { "external_id": "NASI", "quantity": 1, "variants": [] } ] }),
            "Variant category VC-SPICY needs 1 to 1 selections".into(),
        ),
        (
            json!({ "items": [ { "external_id": "NASI", "quantity": 1 } ] }),
            "Variant category VC-SPICY needs 1 to 1 selections".into(),
        ),
        (
            json!({ "items": [ { "external_id": "NASI", "quantity": 1,
                                 "variants": [ { "external_id": "V-MILD" }, { "external_id": "V-HOT" } ] } ] }),
            "Variant category VC-SPICY needs 1 to 1 selections".into(),
        ),
        (
            json!({ "items": [ { "external_id": "NASI", "quantity": 1,
                                 "variants": [ { "external_id": "V-MILD" }, { "external_id": "V-EGG" },
                                               { "external_id": "V-CHEESE" }, { "external_id": "V-SAUSAGE" } ] } ] }),
            "Variant category VC-TOP needs 0 to 2 selections".into(),
        ),
    ];
    for (body, msg) in &cases {
        let r = place(&app, &o, body.clone()).await;
        assert_refused(&r, msg);
    }

    stock_flips_are_honoured(&app, &e, &o).await;
    // An outlet without a catalog knows no item.
    // (The message for this case is not part of the contract.)
    let bare = app.create_outlet_id(&e.fx.merchant_id, "Bare").await;
    let r = place(&app, &bare, simple_order()).await;
    assert_error_title(&r, 422, "Unprocessable Entity");

    // force_close refuses every order; reopening accepts again.
    set_force_close(&app, &o, true).await;
    let r = place(&app, &o, simple_order()).await;
    assert_refused(&r, &format!("Outlet {o} is closed (force_close)"));
    set_force_close(&app, &o, false).await;

    // Nothing was created by any refusal.
    assert!(
        list_orders(&app, &o).await.is_empty(),
        "refusals create no order"
    );
    assert!(list_orders(&app, &bare).await.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        e.rx.requests_to(HOOK).is_empty(),
        "refusals emit nothing: {} webhooks",
        e.rx.requests_to(HOOK).len()
    );
    let ok = place_ok(&app, &o, simple_order()).await;
    assert_eq!(status(&ok), ACCEPTED);
    assert_eq!(list_orders(&app, &o).await.len(), 1);

    // Unknown outlet.
    let r = place(&app, "G999999998", simple_order()).await;
    assert_eq!(r.status, 404, "unknown outlet: {}", r.text);
}
both_dbs!(refusals_422);

async fn refusal_operational_hours(app: TestApp) {
    let e = env_with(&app, false).await;
    let now = clock_now_ms(&app).await;
    let (t, _) = jakarta(now);
    // A window two hours away from now (Jakarta time), every day.
    let (start, end, into_window_min) = if t + 180 <= 23 * 60 + 59 {
        (t + 120, t + 180, 150)
    } else {
        (t - 180, t - 120, 24 * 60 - 150)
    };
    push_ok(
        &app,
        &e.tok,
        e.outlet(),
        &order_catalog_with_hours(&hhmm(start), &hhmm(end)),
    )
    .await;

    let before = clock_now_ms(&app).await;
    let r = place(
        &app,
        e.outlet(),
        json!({ "items": [ { "external_id": "LATE", "quantity": 1 } ] }),
    )
    .await;
    let after = clock_now_ms(&app).await;
    assert_error_title(&r, 422, "Unprocessable Entity");
    let msg = r.messages().first().cloned().unwrap_or_default();
    let mut allowed = Vec::new();
    let mut ms = before;
    while ms <= after + 60_000 {
        let (m, day) = jakarta(ms.min(after));
        allowed.push(format!(
            "Item LATE is not available at {} on {day}",
            hhmm(m)
        ));
        ms += 60_000;
    }
    assert!(
        allowed.contains(&msg),
        "expected one of {allowed:?} (Asia/Jakarta time), got {msg:?}"
    );

    // Items without hours are sold at any time.
    place_ok(&app, e.outlet(), simple_order()).await;

    // Move the server clock into the window: sold.
    app.advance_clock(into_window_min * 60).await;
    let o = place_ok(
        &app,
        e.outlet(),
        json!({ "items": [ { "external_id": "LATE", "quantity": 2 } ] }),
    )
    .await;
    assert_eq!(o["order"]["order_total"], json!(30000));
}
both_dbs!(refusal_operational_hours);

/// food-prepared body errors, after the order is accepted.
async fn prepared_body_errors(app: &TestApp, e: &Env, o: &str, n: &str) {
    // food-prepared body.
    let r = accept(app, &e.tok, o, "delivery", n).await;
    assert_ok_empty(&r, "accept");
    for bad in [
        json!("id"),
        json!("IDN"),
        json!("I"),
        json!(62),
        json!("1D"),
    ] {
        let r = prepared(
            app,
            &e.tok,
            o,
            "delivery",
            n,
            Some(json!({ "country_code": bad })),
        )
        .await;
        assert_eq!(r.status, 400, "country_code {bad}: {}", r.text);
        assert_field_error(&r, "country_code");
    }
    assert_eq!(
        get_order(app, n).await["food_prepared_at"],
        Value::Null,
        "a refused food-prepared records nothing"
    );
    let r = prepared(app, &e.tok, o, "delivery", n, Some(json!({}))).await;
    assert_ok_empty(&r, "food-prepared with {}");
    let r = prepared(
        app,
        &e.tok,
        o,
        "delivery",
        n,
        Some(json!({ "country_code": "SG" })),
    )
    .await;
    assert_ok_empty(&r, "food-prepared with SG");
}

async fn body_errors_400(app: TestApp) {
    let e = env(&app).await;
    let o = e.outlet().to_string();
    let many: Vec<Value> = (0..51).map(|_| teh(1)).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "items": [] }), "items"),
        (json!({}), "items"),
        (json!({ "items": many }), "items"),
        (json!({ "items": [teh(0)] }), "items"),
        (json!({ "items": [teh(100)] }), "items"),
        (
            json!({ "items": [ { "external_id": "TEH", "quantity": "2" } ] }),
            "items",
        ),
        (json!({ "items": [ { "external_id": "TEH" } ] }), "items"),
        (
            json!({ "order_type": "dine_in", "items": [teh(1)] }),
            "order_type",
        ),
        (json!({ "order_type": 1, "items": [teh(1)] }), "order_type"),
        (
            json!({ "items": [teh(1)], "takeaway_charges": -1 }),
            "takeaway_charges",
        ),
        (
            json!({ "items": [teh(1)], "takeaway_charges": 1.5 }),
            "takeaway_charges",
        ),
        (
            json!({ "items": [teh(1)], "cutlery_requested": "yes" }),
            "cutlery_requested",
        ),
    ];
    for (body, field) in &cases {
        let r = place(&app, &o, body.clone()).await;
        assert_eq!(r.status, 400, "{body} must be refused with 400: {}", r.text);
        assert_field_error(&r, field);
    }
    // Neither `external_id` nor `id`.
    let r = place(&app, &o, json!({ "items": [ { "quantity": 1 } ] })).await;
    assert_error_title(&r, 400, "Bad Request");
    // Not JSON.
    let r = app
        .send(
            app.request(Method::POST, &format!("/sandbox/v1/outlets/{o}/orders"))
                .bearer_auth(ADMIN_TOKEN)
                .header("content-type", "application/json")
                .body("{ not json"),
        )
        .await;
    assert_error_title(&r, 400, "Bad Request");
    assert!(
        list_orders(&app, &o).await.is_empty(),
        "400s create no order"
    );

    // Reject body.
    set_mode(&app, &o, "manual").await;
    let w = place_ok(&app, &o, simple_order()).await;
    let n = num(&w);
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "cancel_reason_code"),
        (
            json!({ "cancel_reason_description": "Too busy" }),
            "cancel_reason_code",
        ),
        (reject_body("BUSY", "Too busy"), "cancel_reason_code"),
        (
            json!({ "cancel_reason_code": 1, "cancel_reason_description": "Too busy" }),
            "cancel_reason_code",
        ),
        (
            json!({ "cancel_reason_code": "OTHERS" }),
            "cancel_reason_description",
        ),
        (reject_body("OTHERS", "ab"), "cancel_reason_description"),
        (
            reject_body("OTHERS", &rep('x', 201)),
            "cancel_reason_description",
        ),
        (
            json!({ "cancel_reason_code": "OTHERS", "cancel_reason_description": 5 }),
            "cancel_reason_description",
        ),
    ];
    for (body, field) in &cases {
        let r = reject(&app, &e.tok, &o, "delivery", &n, body.clone()).await;
        assert_eq!(r.status, 400, "reject {body}: {}", r.text);
        assert_field_error(&r, field);
    }
    // Body syntax is checked before the order is looked up (§1.7).
    let r = reject(&app, &e.tok, &o, "delivery", "F-000000000", json!({})).await;
    assert_eq!(r.status, 400, "bad body on an unknown order: {}", r.text);
    assert_unchanged(&app, &n, &w, "rejected reject bodies").await;

    prepared_body_errors(&app, &e, &o, &n).await;
}
both_dbs!(body_errors_400);

// ---------------------------------------------------------------------------------------------
// 404 / 403 / 401 on the GoBiz endpoints
// ---------------------------------------------------------------------------------------------

async fn not_found_and_auth(app: TestApp) {
    let e = env(&app).await;
    let a = e.outlet().to_string();
    let b = second_outlet(&app, &e, "ext-b").await;
    set_mode(&app, &a, "manual").await;
    set_mode(&app, &b, "manual").await;
    let on_a = place_ok(&app, &a, simple_order()).await;
    let on_b = place_ok(&app, &b, simple_order()).await;
    let (na, nb) = (num(&on_a), num(&on_b));
    let good_reject = reject_body("OTHERS", "Not today");

    for act in ["accepted", "cancelled", "food-prepared"] {
        let body = (act == "cancelled").then(|| good_reject.clone());
        // Unknown order.
        let r = action(
            &app,
            &e.tok,
            &a,
            "delivery",
            "F-000000000",
            act,
            body.clone(),
        )
        .await;
        assert_order_not_found(&r, "F-000000000");
        // Another outlet's order (same partner).
        let r = action(&app, &e.tok, &a, "delivery", &nb, act, body.clone()).await;
        assert_order_not_found(&r, &nb);
        // order_type mismatch.
        let r = action(&app, &e.tok, &a, "pickup", &na, act, body.clone()).await;
        assert_order_not_found(&r, &na);
    }
    assert_unchanged(&app, &na, &on_a, "404s").await;
    assert_unchanged(&app, &nb, &on_b, "404s").await;

    // Outlet rows 6 and 7.
    let r = accept(&app, &e.tok, "G999999999", "delivery", &na).await;
    assert_error(
        &r,
        404,
        "Not found",
        "Outlet with id: G999999999 is not found",
    );
    let unlinked = app.create_outlet_id(&e.fx.merchant_id, "Unlinked").await;
    let r = accept(&app, &e.tok, &unlinked, "delivery", &na).await;
    assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);

    // A partner that is not linked to the outlet does not see its orders.
    let other = app.setup_facilitator().await;
    let other_tok = app.fixture_token(&other).await;
    let r = accept(&app, &other_tok, &a, "delivery", &na).await;
    assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);

    // Missing scope; no token.
    let weak = app
        .access_token(
            &e.fx.client_id,
            &e.fx.client_secret,
            "gofood:order:read gofood:catalog:write",
        )
        .await;
    for act in ["accepted", "cancelled", "food-prepared"] {
        let body = (act == "cancelled").then(|| good_reject.clone());
        let r = action(&app, &weak, &a, "delivery", &na, act, body.clone()).await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: gofood:order:write",
        );
        assert!(
            r.header("www-authenticate")
                .is_some_and(|h| h.contains("insufficient_scope")),
            "WWW-Authenticate on a missing scope: {:?}",
            r.headers
        );
        let r = app
            .send(app.request(Method::PUT, &action_path(&a, "delivery", &na, act)))
            .await;
        assert_session_expired(&r);
    }
    assert_unchanged(&app, &na, &on_a, "auth failures").await;

    // Sandbox: unknown order.
    let r = get_order_resp(&app, "F-000000000").await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = advance(&app, "F-000000000", json!({})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = driver(&app, "F-000000000", json!({})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = customer_cancel(&app, "F-000000000", json!({})).await;
    assert_eq!(r.status, 404, "{}", r.text);

    // The orders are listed per outlet.
    let la: Vec<String> = list_orders(&app, &a).await.iter().map(num).collect();
    let lb: Vec<String> = list_orders(&app, &b).await.iter().map(num).collect();
    assert_eq!(la, vec![na.clone()]);
    assert_eq!(lb, vec![nb.clone()]);

    // Webhooks of outlet b carry its own link id.
    let hb = assert_hook_sequence(&e.rx, HOOK, &nb, &[CREATED, AWAITING]).await;
    for h in &hb {
        assert_eq!(
            h.body()["outlet"],
            json!({ "id": b, "external_outlet_id": "ext-b" })
        );
    }
}
both_dbs!(not_found_and_auth);

// ---------------------------------------------------------------------------------------------
// 409 wrong states; idempotent accept and food-prepared
// ---------------------------------------------------------------------------------------------

async fn wrong_states_and_idempotency(app: TestApp) {
    let e = env(&app).await;
    let o = e.outlet().to_string();
    let t = e.tok.clone();
    let rb = || reject_body("HIGH_DEMAND", "Too busy");

    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    // MERCHANT_ACCEPTED.
    let r = reject(&app, &t, &o, "delivery", &n, rb()).await;
    assert_wrong_state(&r, &n, "rejected", ACCEPTED);
    let r = accept(&app, &t, &o, "delivery", &n).await;
    assert_ok_empty(&r, "accept when already accepted");
    let r = prepared(&app, &t, &o, "delivery", &n, None).await;
    assert_ok_empty(&r, "food-prepared in MERCHANT_ACCEPTED");
    let p1 = get_order(&app, &n).await;
    assert!(p1["food_prepared_at"].is_string(), "{p1}");
    let r = prepared(&app, &t, &o, "delivery", &n, None).await;
    assert_ok_empty(&r, "food-prepared again");
    let p2 = get_order(&app, &n).await;
    assert!(p2["food_prepared_at"].is_string(), "{p2}");
    assert_unchanged(&app, &n, &v, "idempotent accept / food-prepared").await;

    // DRIVER_OTW_PICKUP.
    driver(&app, &n, json!({})).await.data(200);
    let r = accept(&app, &t, &o, "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", OTW);
    let r = reject(&app, &t, &o, "delivery", &n, rb()).await;
    assert_wrong_state(&r, &n, "rejected", OTW);
    let r = prepared(&app, &t, &o, "delivery", &n, None).await;
    assert_ok_empty(&r, "food-prepared in DRIVER_OTW_PICKUP");
    let r = driver(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");

    // DRIVER_ARRIVED.
    advance_ok(&app, &n, None).await;
    let r = prepared(&app, &t, &o, "delivery", &n, None).await;
    assert_ok_empty(&r, "food-prepared in DRIVER_ARRIVED");
    let r = accept(&app, &t, &o, "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", ARRIVED);

    // PLACED.
    advance_ok(&app, &n, None).await;
    let r = prepared(&app, &t, &o, "delivery", &n, None).await;
    assert_wrong_state(&r, &n, "marked as prepared", PLACED);
    let r = accept(&app, &t, &o, "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", PLACED);
    let r = reject(&app, &t, &o, "delivery", &n, rb()).await;
    assert_wrong_state(&r, &n, "rejected", PLACED);

    // COMPLETED.
    let done = advance_ok(&app, &n, None).await;
    let r = prepared(&app, &t, &o, "delivery", &n, None).await;
    assert_wrong_state(&r, &n, "marked as prepared", COMPLETED);
    let r = accept(&app, &t, &o, "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", COMPLETED);
    let r = reject(&app, &t, &o, "delivery", &n, rb()).await;
    assert_wrong_state(&r, &n, "rejected", COMPLETED);
    let r = advance(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");
    let r = advance(&app, &n, json!({ "to": COMPLETED })).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &n, &done, "refusals after COMPLETED").await;
    assert_view_statuses(&done, &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED]);
    assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    )
    .await;

    // AWAITING_MERCHANT_ACCEPTANCE.
    set_mode(&app, &o, "manual").await;
    let w = place_ok(&app, &o, simple_order()).await;
    let m = num(&w);
    let r = prepared(&app, &t, &o, "delivery", &m, None).await;
    assert_wrong_state(&r, &m, "marked as prepared", AWAITING);
    let r = driver(&app, &m, json!({})).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &m, &w, "refusals while awaiting").await;
    assert_eq!(get_order(&app, &m).await["food_prepared_at"], Value::Null);
    assert_hook_sequence(&e.rx, HOOK, &m, &[CREATED, AWAITING]).await;
}
both_dbs!(wrong_states_and_idempotency);

// ---------------------------------------------------------------------------------------------
// Races
// ---------------------------------------------------------------------------------------------

struct Shot {
    client: reqwest::Client,
    base: String,
    tok: String,
}

impl Shot {
    fn of(app: &TestApp, tok: &str) -> Arc<Shot> {
        Arc::new(Shot {
            client: app.client.clone(),
            base: app.base.clone(),
            tok: tok.to_string(),
        })
    }

    async fn put(&self, path: &str, body: Option<Value>) -> Resp {
        let mut rb = self
            .client
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.tok);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Resp::read(rb.send().await.expect("request")).await
    }

    async fn advance_clock(&self, seconds: i64) -> Resp {
        let rb = self
            .client
            .post(format!("{}/sandbox/v1/clock/advance", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "seconds": seconds }));
        Resp::read(rb.send().await.expect("request")).await
    }
}

async fn race_accept_vs_reject(app: TestApp) {
    const N: usize = 100;
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let rx = Receiver::start().await;
    for ev in ["gofood.order.merchant_accepted", "gofood.order.cancelled"] {
        subscribe(&app, &tok, ev, &rx.url("/race")).await;
    }
    push_ok(&app, &tok, &fx.outlet_id, &order_catalog()).await;
    set_mode(&app, &fx.outlet_id, "manual").await;
    let mut nums = Vec::new();
    for _ in 0..N {
        nums.push(num(&place_ok(&app, &fx.outlet_id, simple_order()).await));
    }

    let shot = Shot::of(&app, &tok);
    let sem = Arc::new(tokio::sync::Semaphore::new(20));
    let mut set = tokio::task::JoinSet::new();
    for n in nums.clone() {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let shot = shot.clone();
        let outlet = fx.outlet_id.clone();
        set.spawn(async move {
            let a = action_path(&outlet, "delivery", &n, "accepted");
            let c = action_path(&outlet, "delivery", &n, "cancelled");
            let (ra, rc) = tokio::join!(
                shot.put(&a, None),
                shot.put(&c, Some(reject_body("HIGH_DEMAND", "Too busy")))
            );
            drop(permit);
            (n, ra, rc)
        });
    }
    let mut winners: HashMap<String, &str> = HashMap::new();
    while let Some(res) = set.join_next().await {
        let (n, ra, rc) = res.unwrap();
        match (ra.status, rc.status) {
            (200, 409) => {
                assert_ok_empty(&ra, "winning accept");
                assert_wrong_state(&rc, &n, "rejected", ACCEPTED);
                winners.insert(n, ACCEPTED);
            }
            (409, 200) => {
                assert_ok_empty(&rc, "winning reject");
                assert_wrong_state(&ra, &n, "accepted", CANCELLED);
                winners.insert(n, CANCELLED);
            }
            (a, c) => panic!(
                "{n}: exactly one of accept/reject must win, got accept {a} ({}) and reject {c} ({})",
                ra.text, rc.text
            ),
        }
    }
    assert_eq!(winners.len(), N);
    let accepted = winners.values().filter(|w| **w == ACCEPTED).count();
    eprintln!("race_accept_vs_reject: accept won {accepted} of {N}");

    for n in &nums {
        let v = get_order(&app, n).await;
        let w = winners[n];
        assert_eq!(status(&v), w, "final state of {n} = the winner: {v}");
        assert_view_statuses(&v, &[CREATED, AWAITING, w]);
        if w == CANCELLED {
            assert_eq!(
                cancellation(&v),
                json!({ "reason": "Too busy", "reason_code": "HIGH_DEMAND" })
            );
        }
    }

    rx.wait_for_path("/race", N, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let groups = group_hooks(&rx, "/race");
    for n in &nums {
        let got: Vec<String> = groups
            .get(n)
            .map(|v| v.iter().map(|(name, _)| name.clone()).collect())
            .unwrap_or_default();
        assert_eq!(
            got,
            vec![event_of(winners[n])],
            "{n}: exactly one of merchant_accepted/cancelled, the winner's"
        );
    }
    assert_eq!(groups.len(), N, "webhooks about unknown orders");
}
both_dbs!(race_accept_vs_reject);

/// Places `count` orders on `outlet`, then sends `action` (with `body`) on each of them while
/// one more request moves the clock `seconds` ahead, all at once. Returns the order numbers
/// and the answer to each action.
async fn race_clock(
    app: &TestApp,
    shot: &Arc<Shot>,
    outlet: &str,
    count: usize,
    seconds: i64,
    action: &str,
    body: Option<Value>,
) -> (Vec<String>, HashMap<String, Resp>) {
    let mut nums = Vec::new();
    for _ in 0..count {
        nums.push(num(&place_ok(app, outlet, simple_order()).await));
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, n) in nums.iter().enumerate() {
        if i == 0 {
            let s = shot.clone();
            set.spawn(async move { (String::new(), s.advance_clock(seconds).await) });
        }
        let s = shot.clone();
        let (n, p) = (n.clone(), action_path(outlet, "delivery", n, action));
        let body = body.clone();
        set.spawn(async move { (n, s.put(&p, body).await) });
    }
    let mut results = HashMap::new();
    while let Some(r) = set.join_next().await {
        let (n, r) = r.unwrap();
        if n.is_empty() {
            r.data(200);
        } else {
            results.insert(n, r);
        }
    }
    (nums, results)
}

async fn race_timer_vs_api(app: TestApp) {
    const N: usize = 25;
    let e = env(&app).await;
    let shot = Shot::of(&app, &e.tok);

    // 1. manual: the 180 s timeout against API accepts.
    let a = e.outlet().to_string();
    set_mode(&app, &a, "manual").await;
    let (nums, results) = race_clock(&app, &shot, &a, N, 181, "accepted", None).await;
    for n in &nums {
        let r = &results[n];
        let v = get_order(&app, n).await;
        match r.status {
            200 => {
                assert_ok_empty(r, "accept");
                assert_eq!(status(&v), ACCEPTED, "accept won for {n}: {v}");
                assert_view_statuses(&v, &[CREATED, AWAITING, ACCEPTED]);
            }
            409 => {
                assert_wrong_state(r, n, "accepted", CANCELLED);
                assert_eq!(status(&v), CANCELLED, "timer won for {n}: {v}");
                assert_eq!(
                    cancellation(&v),
                    json!({ "reason": "MERCHANT_TIMEOUT", "reason_code": "MERCHANT_TIMEOUT" })
                );
                assert_view_statuses(&v, &[CREATED, AWAITING, CANCELLED]);
            }
            s => panic!("accept of {n}: unexpected {s}: {}", r.text),
        }
    }

    let won = results.values().filter(|r| r.status == 200).count();
    eprintln!("race_timer_vs_api: accept beat the manual timer {won} of {N}");

    // 2. auto_accept_on_timeout: the 60 s timer against API rejects.
    let b = second_outlet(&app, &e, "ext-timer").await;
    set_mode(&app, &b, "auto_accept_on_timeout").await;
    let reject = Some(reject_body("HIGH_DEMAND", "Too busy"));
    let (nums_b, results_b) = race_clock(&app, &shot, &b, N, 61, "cancelled", reject).await;
    for n in &nums_b {
        let r = &results_b[n];
        let v = get_order(&app, n).await;
        match r.status {
            200 => {
                assert_ok_empty(r, "reject");
                assert_eq!(status(&v), CANCELLED, "reject won for {n}: {v}");
                assert_view_statuses(&v, &[CREATED, AWAITING, CANCELLED]);
            }
            409 => {
                assert_wrong_state(r, n, "rejected", ACCEPTED);
                assert_eq!(status(&v), ACCEPTED, "timer won for {n}: {v}");
                assert_view_statuses(&v, &[CREATED, AWAITING, ACCEPTED]);
            }
            s => panic!("reject of {n}: unexpected {s}: {}", r.text),
        }
    }

    let won = results_b.values().filter(|r| r.status == 200).count();
    eprintln!("race_timer_vs_api: reject beat the 60 s timer {won} of {N}");

    // Later timers change nothing.
    let mut before = HashMap::new();
    for n in nums.iter().chain(&nums_b) {
        before.insert(n.clone(), get_order(&app, n).await);
    }
    app.advance_clock(400).await;
    for n in nums.iter().chain(&nums_b) {
        assert_unchanged(&app, n, &before[n], "later timers").await;
    }

    // Exactly one of merchant_accepted / cancelled per order.
    e.rx.wait_for_path(HOOK, 2 * N * 3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let groups = group_hooks(&e.rx, HOOK);
    for n in nums.iter().chain(&nums_b) {
        let names: Vec<String> = groups
            .get(n)
            .map(|v| v.iter().map(|(x, _)| x.clone()).collect())
            .unwrap_or_default();
        let end: Vec<&String> = names
            .iter()
            .filter(|x| *x == "gofood.order.merchant_accepted" || *x == "gofood.order.cancelled")
            .collect();
        assert_eq!(
            end,
            vec![&event_of(&status(&before[n]))],
            "{n}: exactly one final event matching the state; all: {names:?}"
        );
        assert_eq!(names.len(), 3, "{n}: three events: {names:?}");
    }
}
both_dbs!(race_timer_vs_api);

// ---------------------------------------------------------------------------------------------
// webhook_error and per-partner mapping (§9.13)
// ---------------------------------------------------------------------------------------------

async fn webhook_error_sandbox_catalog(app: TestApp) {
    let e = env_with(&app, false).await;
    let r = admin_send(
        &app,
        Method::PUT,
        &format!("/sandbox/v1/outlets/{}/catalog", e.outlet()),
        Some(order_catalog()),
    )
    .await;
    crate::support::catalog::assert_empty_ok(&r, "sandbox catalog");

    let o = place_ok(&app, e.outlet(), json!({ "items": [nasi(1), teh(2)] })).await;
    let n = num(&o);
    let hooks = settled_hooks(&e.rx, HOOK, &n, 4).await;
    let st = assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, ACCEPTED]).await;
    let unmapped = [(Value::Null, vec![Value::Null]), (Value::Null, vec![])];
    for h in &st {
        assert_eq!(
            item_xids(h.body()),
            unmapped.to_vec(),
            "{}: external_id null for what the partner never mapped",
            h.name
        );
    }
    let sn = snaps(&[
        (CREATED, &with_xids(&o, &unmapped)),
        (ACCEPTED, &with_xids(&o, &unmapped)),
    ]);
    assert_hooks_match(&st, &sn, &e.fx, &e.fx.external_outlet_id);

    let ids = item_ids(&o);
    let expected: HashSet<(String, Option<String>)> = [
        (ids[0].0.clone(), None),
        (ids[0].0.clone(), Some(ids[0].1[0].clone())),
        (ids[1].0.clone(), None),
    ]
    .into_iter()
    .collect();
    let errs = error_hooks(&hooks);
    assert_eq!(errs.len(), 2, "one webhook_error per order event");
    let mut failed: Vec<String> = errs
        .iter()
        .map(|h| {
            assert_webhook_error(h, &o, &e.fx, &e.fx.external_outlet_id, &expected);
            h.body()["failed_event_name"].as_str().unwrap().to_string()
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        vec![
            "gofood.order.created".to_string(),
            "gofood.order.merchant_accepted".to_string()
        ]
    );

    // Once the partner pushes its own catalog, orders are fully mapped.
    push_ok(&app, &e.tok, e.outlet(), &order_catalog()).await;
    let o2 = place_ok(&app, e.outlet(), json!({ "items": [nasi(1), teh(2)] })).await;
    let n2 = num(&o2);
    let h2 = settled_hooks(&e.rx, HOOK, &n2, 2).await;
    assert!(error_hooks(&h2).is_empty(), "no webhook_error once mapped");
    for h in &h2 {
        assert_eq!(
            item_xids(h.body()),
            vec![
                (json!("NASI"), vec![json!("V-MILD")]),
                (json!("TEH"), vec![])
            ]
        );
    }
}
both_dbs!(webhook_error_sandbox_catalog);

async fn webhook_error_other_partner_catalog(app: TestApp) {
    // Partner 1 pushed the menu; partner 2 (same outlet) then pushes one with KOPI added.
    let e = env(&app).await;
    let p2 = second_partner_on_outlet(&app, &e.fx).await;
    let tok2 = app.fixture_token(&p2).await;
    subscribe_all(&app, &tok2, &e.rx.url("/p2")).await;
    push_ok(&app, &tok2, e.outlet(), &order_catalog_with_kopi()).await;

    let o = place_ok(
        &app,
        e.outlet(),
        json!({ "items": [nasi(1), { "external_id": "KOPI", "quantity": 1 }] }),
    )
    .await;
    let n = num(&o);
    assert_eq!(status(&o), ACCEPTED);

    // Partner 1: KOPI unmapped.
    let h1 = settled_hooks(&e.rx, HOOK, &n, 4).await;
    let st1 = assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, ACCEPTED]).await;
    let xids1 = [
        (json!("NASI"), vec![json!("V-MILD")]),
        (Value::Null, vec![]),
    ];
    let v1 = with_xids(&o, &xids1);
    assert_hooks_match(
        &st1,
        &snaps(&[(CREATED, &v1), (ACCEPTED, &v1)]),
        &e.fx,
        &e.fx.external_outlet_id,
    );
    let kopi = item_ids(&o)[1].0.clone();
    let expected: HashSet<(String, Option<String>)> = [(kopi, None)].into_iter().collect();
    let errs = error_hooks(&h1);
    assert_eq!(
        errs.len(),
        2,
        "one webhook_error per order event for partner 1"
    );
    for h in &errs {
        assert_webhook_error(h, &o, &e.fx, &e.fx.external_outlet_id, &expected);
    }

    // Partner 2: everything mapped, its own link id, its own signature, no webhook_error.
    let h2 = settled_hooks(&e.rx, "/p2", &n, 2).await;
    assert!(error_hooks(&h2).is_empty(), "partner 2 mapped everything");
    let st2 = assert_hook_sequence(&e.rx, "/p2", &n, &[CREATED, ACCEPTED]).await;
    let xids2 = [
        (json!("NASI"), vec![json!("V-MILD")]),
        (json!("KOPI"), vec![]),
    ];
    let v2 = with_xids(&o, &xids2);
    assert_hooks_match(
        &st2,
        &snaps(&[(CREATED, &v2), (ACCEPTED, &v2)]),
        &p2,
        "second-ext",
    );

    // Troubleshooting is per partner.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let l1 = notifications(&app, &e.tok, &n).await;
        let l2 = notifications(&app, &tok2, &n).await;
        let t1: HashSet<String> = l1
            .iter()
            .map(|x| x["event_type"].as_str().unwrap_or_default().to_string())
            .collect();
        let t2: HashSet<String> = l2
            .iter()
            .map(|x| x["event_type"].as_str().unwrap_or_default().to_string())
            .collect();
        let want: HashSet<String> = [event_of(CREATED), event_of(ACCEPTED)]
            .into_iter()
            .collect();
        if t1.is_superset(&want) && t2 == want && l2.len() == 2 {
            for x in &l1 {
                assert_eq!(x["partner_id"], json!(e.fx.partner_id));
            }
            for x in &l2 {
                assert_eq!(x["partner_id"], json!(p2.partner_id));
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "troubleshooting per partner: p1 {l1:?} / p2 {l2:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
both_dbs!(webhook_error_other_partner_catalog);

// ---------------------------------------------------------------------------------------------
// Customer cancel, advance with `to`, driver endpoint
// ---------------------------------------------------------------------------------------------

async fn customer_cancel_flows(app: TestApp) {
    let e = env(&app).await;
    let o = e.outlet().to_string();

    // From MERCHANT_ACCEPTED with a reason.
    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    customer_cancel(&app, &n, json!({ "reason": "Changed my mind" }))
        .await
        .data(200);
    let c = get_order(&app, &n).await;
    assert_eq!(status(&c), CANCELLED);
    assert_eq!(
        cancellation(&c),
        json!({ "reason": "Changed my mind", "reason_code": "CUSTOMER_CANCELLED" })
    );
    assert_view_statuses(&c, &[CREATED, ACCEPTED, CANCELLED]);
    let hooks = assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, ACCEPTED, CANCELLED]).await;
    assert_hooks_match(
        &hooks,
        &snaps(&[(CREATED, &v), (ACCEPTED, &v), (CANCELLED, &c)]),
        &e.fx,
        &e.fx.external_outlet_id,
    );
    let r = customer_cancel(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");

    // From DRIVER_ARRIVED without a reason: the driver stays on the cancelled event.
    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    let arr = advance_ok(&app, &n, Some(ARRIVED)).await;
    assert_eq!(status(&arr), ARRIVED);
    customer_cancel(&app, &n, json!({})).await.data(200);
    let c = get_order(&app, &n).await;
    assert_eq!(
        cancellation(&c),
        json!({ "reason": "Cancelled by customer", "reason_code": "CUSTOMER_CANCELLED" })
    );
    assert_eq!(c["driver"], json!({ "name": DEFAULT_DRIVER }));
    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, ACCEPTED, OTW, ARRIVED, CANCELLED],
    )
    .await;
    assert_hooks_match(
        &hooks,
        &snaps(&[
            (CREATED, &v),
            (ACCEPTED, &v),
            (OTW, &arr),
            (ARRIVED, &arr),
            (CANCELLED, &c),
        ]),
        &e.fx,
        &e.fx.external_outlet_id,
    );
    assert_eq!(
        hooks[4].body()["driver"],
        json!({ "name": DEFAULT_DRIVER }),
        "driver as at cancellation"
    );

    // From AWAITING: the timer no longer applies, the merchant can no longer accept.
    set_mode(&app, &o, "manual").await;
    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    customer_cancel(&app, &n, json!({})).await.data(200);
    let c = get_order(&app, &n).await;
    assert_eq!(status(&c), CANCELLED);
    assert_eq!(
        c["order"]["cancellation_detail"]["reason_code"],
        json!("CUSTOMER_CANCELLED")
    );
    app.advance_clock(200).await;
    assert_unchanged(&app, &n, &c, "timer after a customer cancel").await;
    let r = accept(&app, &e.tok, &o, "delivery", &n).await;
    assert_wrong_state(&r, &n, "accepted", CANCELLED);
    assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, AWAITING, CANCELLED]).await;

    // From PLACED and COMPLETED: refused.
    set_mode(&app, &o, "auto_accept").await;
    let v = place_ok(&app, &o, pickup_order()).await;
    let n = num(&v);
    let placed = advance_ok(&app, &n, Some(PLACED)).await;
    let r = customer_cancel(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &n, &placed, "cancel in PLACED").await;
    let done = advance_ok(&app, &n, None).await;
    let r = customer_cancel(&app, &n, json!({ "reason": "late" })).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &n, &done, "cancel in COMPLETED").await;
    assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, ACCEPTED, PLACED, COMPLETED]).await;

    // A pickup order cancelled before collection.
    let v = place_ok(&app, &o, pickup_order()).await;
    let n = num(&v);
    customer_cancel(&app, &n, json!({})).await.data(200);
    let c = get_order(&app, &n).await;
    assert_eq!(status(&c), CANCELLED);
    assert_eq!(c["driver"], Value::Null);
}
both_dbs!(customer_cancel_flows);

async fn advance_to_and_driver(app: TestApp) {
    let e = env(&app).await;
    let o = e.outlet().to_string();

    // `to: COMPLETED` walks every state, emitting each event in order.
    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    let done = advance_ok(&app, &n, Some(COMPLETED)).await;
    assert_eq!(status(&done), COMPLETED);
    assert_view_statuses(&done, &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED]);
    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    )
    .await;
    assert_hooks_match(
        &hooks,
        &snaps(&[
            (CREATED, &v),
            (ACCEPTED, &v),
            (OTW, &done),
            (ARRIVED, &done),
            (PLACED, &done),
            (COMPLETED, &done),
        ]),
        &e.fx,
        &e.fx.external_outlet_id,
    );

    // The driver endpoint names the driver; the name stays to the end.
    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    driver(&app, &n, json!({ "name": "Pak Joko" }))
        .await
        .data(200);
    let otw = get_order(&app, &n).await;
    assert_eq!(status(&otw), OTW);
    assert_eq!(otw["driver"], json!({ "name": "Pak Joko" }));
    let r = driver(&app, &n, json!({ "name": "Someone else" })).await;
    assert_error_title(&r, 409, "Conflict");
    let arr = advance_ok(&app, &n, None).await;
    assert_eq!(arr["driver"], json!({ "name": "Pak Joko" }));
    // Backwards is not reachable.
    let r = advance(&app, &n, json!({ "to": ACCEPTED })).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &n, &arr, "backwards advance").await;
    let done = advance_ok(&app, &n, Some(COMPLETED)).await;
    assert_eq!(done["driver"], json!({ "name": "Pak Joko" }));
    let hooks = assert_hook_sequence(
        &e.rx,
        HOOK,
        &n,
        &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED],
    )
    .await;
    assert_hooks_match(
        &hooks,
        &snaps(&[
            (CREATED, &v),
            (ACCEPTED, &v),
            (OTW, &otw),
            (ARRIVED, &arr),
            (PLACED, &done),
            (COMPLETED, &done),
        ]),
        &e.fx,
        &e.fx.external_outlet_id,
    );

    // From AWAITING, a plain advance accepts; `to` goes on from there.
    set_mode(&app, &o, "manual").await;
    let v = place_ok(&app, &o, simple_order()).await;
    let n = num(&v);
    let r = driver(&app, &n, json!({})).await;
    assert_error_title(&r, 409, "Conflict");
    let acc = advance_ok(&app, &n, None).await;
    assert_eq!(status(&acc), ACCEPTED);
    assert_view_statuses(&acc, &[CREATED, AWAITING, ACCEPTED]);
    let v2 = place_ok(&app, &o, simple_order()).await;
    let n2 = num(&v2);
    let placed = advance_ok(&app, &n2, Some(PLACED)).await;
    assert_view_statuses(
        &placed,
        &[CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED],
    );
    // Neither accepted order is touched by the manual timer.
    app.advance_clock(200).await;
    assert_unchanged(&app, &n, &acc, "timer after advance").await;
    assert_unchanged(&app, &n2, &placed, "timer after advance").await;
    assert_hook_sequence(&e.rx, HOOK, &n, &[CREATED, AWAITING, ACCEPTED]).await;
    assert_hook_sequence(
        &e.rx,
        HOOK,
        &n2,
        &[CREATED, AWAITING, ACCEPTED, OTW, ARRIVED, PLACED],
    )
    .await;

    // Pickup: driver states are not reachable.
    set_mode(&app, &o, "auto_accept").await;
    let p = place_ok(&app, &o, pickup_order()).await;
    let pn = num(&p);
    let r = advance(&app, &pn, json!({ "to": OTW })).await;
    assert_error_title(&r, 409, "Conflict");
    let r = driver(&app, &pn, json!({ "name": "Pak Joko" })).await;
    assert_error_title(&r, 409, "Conflict");
    assert_unchanged(&app, &pn, &p, "driver steps on pickup").await;
    assert_hook_sequence(&e.rx, HOOK, &pn, &[CREATED, ACCEPTED]).await;
}
both_dbs!(advance_to_and_driver);
