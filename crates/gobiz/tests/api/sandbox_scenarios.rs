//! Traffic scenarios (issue 19): a compressed 30-minute lunch rush on the sandbox clock
//! finishes in seconds, and its summary matches the orders, payments and deliveries the
//! sandbox lists and the webhooks the receiver got; the same seed replays the same traffic;
//! stopping a running scenario leaves only whole orders; bad requests get the error envelope;
//! another node reads and stops a scenario, and marks `failed` one whose node died.

use crate::harness::receiver::*;
use crate::harness::*;
use crate::support::orders::*;
use crate::support::payments;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SCENARIOS: &str = "/sandbox/v1/scenarios";

fn scenario_path(id: &str) -> String {
    format!("{SCENARIOS}/{id}")
}

async fn start(app: &TestApp, body: Value) -> Value {
    let r = app.admin_post(SCENARIOS, body.clone()).await;
    assert_eq!(r.status, 201, "start {body}: {}", r.text);
    let s = r.data(201)["scenario"].clone();
    assert_eq!(s["status"], json!("running"), "{s}");
    s
}

async fn get_scenario(app: &TestApp, id: &str) -> Value {
    app.admin_get(&scenario_path(id)).await.data(200)["scenario"].clone()
}

/// Polls the scenario until its status is `status`.
async fn wait_for_status(app: &TestApp, id: &str, status: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let s = get_scenario(app, id).await;
        if s["status"] == json!(status) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "scenario not {status} after {timeout:?}: {s}"
        );
        assert!(
            s["status"] == json!("running") || s["status"] == json!("stopping"),
            "scenario ended otherwise: {s}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls until no delivery of the scenario waits for an attempt; the scenario then.
async fn wait_webhooks_settled(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = get_scenario(app, id).await;
        if s["summary"]["webhooks"]["pending"] == json!(0) {
            return s;
        }
        assert!(Instant::now() < deadline, "deliveries still pending: {s}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every page of a sandbox list (`per_page=100`).
async fn all_pages(app: &TestApp, path: &str, key: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    for page in 1.. {
        let r = app
            .admin_get(&format!("{path}{sep}page={page}&per_page=100"))
            .await;
        let items = r.data(200)[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} array: {}", r.text))
            .clone();
        if items.is_empty() {
            break;
        }
        out.extend(items);
    }
    out
}

fn count(v: &Value, path: &str) -> i64 {
    v.pointer(path)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{path} in {v}"))
}

/// The order env plus a `payment` link and a subscription to payment settlements.
async fn payment_env(app: &TestApp) -> Env {
    let e = env(app).await;
    app.link(&e.fx, e.outlet(), "payment", &e.fx.external_outlet_id)
        .await;
    // The partner holds the payment read scope (spec §9.6) through a payment client.
    let pay = payments::pay_client(app, &e.fx.partner_id).await;
    let pay_tok = payments::token(app, &pay, payments::READ).await;
    subscribe(app, &pay_tok, payments::EVENT, &e.rx.url(HOOK)).await;
    e
}

fn lunch_rush(outlet: &str, seed: u64) -> Value {
    json!({
        "name": "lunch-rush", "outlet_id": outlet, "duration_minutes": 30,
        "peak_orders_per_minute": 6, "compressed": true, "seed": seed,
        "mix": { "customer_cancel": 0.1, "timeout": 0.1, "payment": 0.3, "payment_paid": 0.7 }
    })
}

async fn compressed_lunch_rush_matches_the_database(app: TestApp) {
    let e = payment_env(&app).await;
    let began = Instant::now();
    let started = start(&app, lunch_rush(e.outlet(), 42)).await;
    let id = started["id"].as_str().unwrap().to_string();
    assert_eq!(started["spec"]["seed"], json!(42));
    assert_eq!(started["progress"]["total_minutes"], json!(34));
    assert_eq!(started["restores_acceptance_mode"], json!("auto_accept"));
    let per_minute: Vec<i64> = started["spec"]["orders_per_minute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .collect();
    assert_eq!(per_minute.len(), 30);
    let peak = *per_minute.iter().max().unwrap();
    assert!(
        peak >= 5 && per_minute[0] <= 2 && per_minute[29] <= 2,
        "{per_minute:?}"
    );

    let done = wait_for_status(&app, &id, "finished", Duration::from_secs(120)).await;
    assert!(
        began.elapsed() < Duration::from_secs(120),
        "a compressed 30-minute rush takes seconds"
    );
    assert_eq!(done["progress"]["minute"], json!(34), "{done}");
    let planned = count(&done, "/progress/orders_planned");
    assert_eq!(planned, per_minute.iter().sum::<i64>());
    // The outlet is back in its own mode.
    let outlet = app
        .admin_get(&format!("/sandbox/v1/outlets/{}", e.outlet()))
        .await;
    assert_eq!(
        outlet.data(200)["outlet"]["acceptance_mode"],
        json!("auto_accept")
    );

    let s = wait_webhooks_settled(&app, &id).await;
    let sum = &s["summary"];
    // Orders: the sandbox's own list, every page.
    let orders = all_pages(
        &app,
        &format!("/sandbox/v1/outlets/{}/orders", e.outlet()),
        "orders",
    )
    .await;
    assert_eq!(orders.len() as i64, count(sum, "/orders/placed"), "{sum}");
    assert_eq!(count(&s, "/progress/orders_placed"), orders.len() as i64);
    assert_eq!(orders.len() as i64, planned, "every planned order placed");
    assert_eq!(count(&s, "/progress/refused_actions"), 0, "{s}");
    let status_of = |o: &Value| o["order"]["status"].as_str().unwrap_or("").to_string();
    let code_of = |o: &Value| {
        o["order"]["cancellation_detail"]["reason_code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let n = |f: &dyn Fn(&Value) -> bool| orders.iter().filter(|o| f(o)).count() as i64;
    let accepted = n(&|o| {
        o["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|ev| ev["status"] == json!(ACCEPTED))
    });
    assert_eq!(accepted, count(sum, "/orders/accepted"));
    assert_eq!(
        n(&|o| status_of(o) == COMPLETED),
        count(sum, "/orders/completed")
    );
    assert_eq!(
        n(&|o| status_of(o) == CANCELLED && code_of(o) == "CUSTOMER_CANCELLED"),
        count(sum, "/orders/cancelled_by_customer")
    );
    assert_eq!(
        n(&|o| status_of(o) == CANCELLED && code_of(o) == "MERCHANT_TIMEOUT"),
        count(sum, "/orders/timed_out")
    );
    assert_eq!(count(sum, "/orders/open"), 0, "every order ended: {sum}");
    assert_eq!(count(sum, "/orders/rejected"), 0);
    for key in ["completed", "cancelled_by_customer", "timed_out"] {
        assert!(count(sum, &format!("/orders/{key}")) > 0, "{key}: {sum}");
    }
    assert!(orders
        .iter()
        .any(|o| o["service_type"] == json!("gofood_pickup")));
    // Baskets: 1 to 4 items in stock, quantities 1 to 3.
    for o in &orders {
        let items = o["order"]["order_items"].as_array().unwrap();
        assert!((1..=4).contains(&items.len()), "{o}");
        for it in items {
            assert!((1..=3).contains(&it["quantity"].as_i64().unwrap()), "{it}");
            assert_ne!(it["external_id"], json!("SATE"), "out of stock");
        }
    }

    // Payments: the sandbox's list.
    let txs = all_pages(
        &app,
        &format!("/sandbox/v1/outlets/{}/transactions", e.outlet()),
        "transactions",
    )
    .await;
    let tx_status = |st: &str| {
        txs.iter()
            .filter(|t| t["transaction"]["status"] == json!(st))
            .count() as i64
    };
    assert_eq!(txs.len() as i64, count(sum, "/payments/created"));
    assert!(count(sum, "/payments/created") > 0);
    assert_eq!(tx_status("settlement"), count(sum, "/payments/settled"));
    assert_eq!(tx_status("expire"), count(sum, "/payments/expired"));
    assert_eq!(count(sum, "/payments/pending"), 0);

    // Deliveries: the sandbox's delivery log, and the receiver.
    let dels = all_pages(
        &app,
        &format!("/sandbox/v1/deliveries?partner_id={}", e.fx.partner_id),
        "deliveries",
    )
    .await;
    assert_eq!(
        dels.len() as i64,
        count(sum, "/webhooks/deliveries"),
        "{sum}"
    );
    assert!(count(sum, "/webhooks/deliveries") > orders.len() as i64);
    assert_eq!(count(sum, "/webhooks/delivered"), dels.len() as i64);
    let received = e.rx.requests_to(HOOK);
    assert_eq!(received.len() as i64, count(sum, "/webhooks/delivered"));
    assert_eq!(count(sum, "/webhooks/attempts"), dels.len() as i64);
    let settlements = received
        .iter()
        .filter(|r| r.json()["header"]["event_name"] == json!(payments::EVENT))
        .count() as i64;
    assert_eq!(settlements, count(sum, "/payments/settled"));
    assert!(sum["webhooks"]["p50_ms"].as_i64().is_some(), "{sum}");
    assert!(count(sum, "/webhooks/p99_ms") >= count(sum, "/webhooks/p50_ms"));
    assert_eq!(sum["webhooks"]["failures"], json!({}));

    // Listed, and a finished scenario cannot be stopped.
    let list = app.admin_get(SCENARIOS).await;
    let listed = list.data(200)["scenarios"].as_array().unwrap().clone();
    assert!(listed
        .iter()
        .any(|x| x["id"] == json!(id) && x["status"] == json!("finished")));
    let again = app
        .admin_post(&format!("{}/stop", scenario_path(&id)), json!({}))
        .await;
    assert_error(
        &again,
        409,
        "Conflict",
        &format!("Scenario {id} is already finished"),
    );
}
both_dbs!(compressed_lunch_rush_matches_the_database);

/// Per simulated minute (from the scenario's start on the sandbox clock), the multiset of
/// (type, basket, customer, final status) of the outlet's orders.
async fn traffic(app: &TestApp, outlet: &str, started_at: &str) -> BTreeMap<i64, Vec<String>> {
    let t0 = epoch_ms(started_at);
    let mut by_minute: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for o in all_pages(
        app,
        &format!("/sandbox/v1/outlets/{outlet}/orders"),
        "orders",
    )
    .await
    {
        let created = epoch_ms(o["order"]["created_at"].as_str().unwrap());
        let items: Vec<String> = o["order"]["order_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let variants: Vec<&str> = i["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["external_id"].as_str().unwrap())
                    .collect();
                format!("{}x{}{variants:?}", i["external_id"], i["quantity"])
            })
            .collect();
        by_minute
            .entry((created - t0) / 60_000)
            .or_default()
            .push(format!(
                "{} {} {} {:?}",
                o["service_type"], o["customer"]["name"], o["order"]["status"], items
            ));
    }
    for v in by_minute.values_mut() {
        v.sort();
    }
    by_minute
}

async fn same_seed_replays_the_same_traffic(app: TestApp) {
    let e = env(&app).await;
    let second = second_outlet(&app, &e, "ext-replay").await;
    let body = |outlet: &str| {
        json!({
            "name": "custom", "outlet_id": outlet, "compressed": true, "seed": 7,
            "rate": { "per_minute": [2, 4, 6, 3] },
            "mix": { "pickup": 0.3, "customer_cancel": 0.2, "timeout": 0.2, "payment": 0 }
        })
    };
    let mut runs = Vec::new();
    for outlet in [e.outlet().to_string(), second.clone()] {
        let s = start(&app, body(&outlet)).await;
        let id = s["id"].as_str().unwrap().to_string();
        let done = wait_for_status(&app, &id, "finished", Duration::from_secs(60)).await;
        runs.push((outlet, done));
    }
    let (a, b) = (&runs[0].1, &runs[1].1);
    assert_eq!(a["spec"]["orders_per_minute"], json!([2, 4, 6, 3]));
    assert_eq!(a["spec"], {
        let mut s = b["spec"].clone();
        s["outlet_id"] = a["spec"]["outlet_id"].clone();
        s
    });
    assert_eq!(a["summary"]["orders"], b["summary"]["orders"], "same mix");
    assert_eq!(count(a, "/summary/orders/placed"), 15);
    let ta = traffic(&app, &runs[0].0, a["started_at"].as_str().unwrap()).await;
    let tb = traffic(&app, &runs[1].0, b["started_at"].as_str().unwrap()).await;
    let sizes: Vec<usize> = ta.values().map(Vec::len).collect();
    assert_eq!(sizes, vec![2, 4, 6, 3], "orders per minute: {ta:?}");
    assert_eq!(ta, tb, "same orders, baskets and fates minute by minute");
    // Another seed gives other traffic.
    let third = second_outlet(&app, &e, "ext-other").await;
    let mut other = body(&third);
    other["seed"] = json!(8);
    let s = start(&app, other).await;
    let done = wait_for_status(
        &app,
        s["id"].as_str().unwrap(),
        "finished",
        Duration::from_secs(60),
    )
    .await;
    let tc = traffic(&app, &third, done["started_at"].as_str().unwrap()).await;
    assert_ne!(ta, tc);
}
both_dbs!(same_seed_replays_the_same_traffic);

async fn stopping_leaves_only_whole_orders(app: TestApp) {
    let e = env(&app).await;
    // Real time: one order a second.
    let s = start(
        &app,
        json!({ "name": "custom", "outlet_id": e.outlet(), "rate": { "per_minute": [60, 60] },
                "mix": { "payment": 0, "timeout": 0 }, "seed": 3 }),
    )
    .await;
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["spec"]["compressed"], json!(false));
    assert_eq!(s["restores_acceptance_mode"], Value::Null);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = get_scenario(&app, &id).await;
        if count(&now, "/progress/orders_placed") >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "no orders placed: {now}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = app
        .admin_post(&format!("{}/stop", scenario_path(&id)), json!({}))
        .await;
    let stopped = r.data(200)["scenario"].clone();
    assert_eq!(stopped["status"], json!("stopped"), "{stopped}");
    assert!(stopped["ended_at"].is_string());
    let placed = count(&stopped, "/summary/orders/placed");
    assert!((3..60).contains(&placed), "{stopped}");
    // Nothing more happens, and every order is whole: placed, accepted, its events there.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let orders = list_orders(&app, e.outlet()).await;
    assert_eq!(orders.len() as i64, placed);
    for o in &orders {
        let events: Vec<&str> = o["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ev| ev["status"].as_str().unwrap())
            .collect();
        assert_eq!(&events[..2], &[CREATED, ACCEPTED], "{o}");
        assert_eq!(events.last().copied(), o["order"]["status"].as_str(), "{o}");
        assert!(!o["order"]["order_items"].as_array().unwrap().is_empty());
    }
    let after = get_scenario(&app, &id).await;
    assert_eq!(after["status"], json!("stopped"));
    assert_eq!(count(&after, "/summary/orders/placed"), placed);
    let again = app
        .admin_post(&format!("{}/stop", scenario_path(&id)), json!({}))
        .await;
    assert_error(
        &again,
        409,
        "Conflict",
        &format!("Scenario {id} is already stopped"),
    );
}
both_dbs!(stopping_leaves_only_whole_orders);

async fn bad_requests_get_the_envelope(app: TestApp) {
    let e = env(&app).await;
    let bad = app
        .admin_post(
            SCENARIOS,
            json!({ "name": "brunch", "outlet_id": e.outlet(), "duration_minutes": -5,
                    "seed": -1, "mix": { "pickup": 2 } }),
        )
        .await;
    assert_error_title(&bad, 400, "Bad Request");
    for path in ["name", "duration_minutes", "seed", "mix.pickup"] {
        assert!(
            bad.json["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|er| er["message"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with(&format!("{path}:"))),
            "{path}: {}",
            bad.text
        );
    }
    let custom = app
        .admin_post(
            SCENARIOS,
            json!({ "name": "custom", "outlet_id": e.outlet(), "rate": { "per_minute": [1, -2] } }),
        )
        .await;
    assert_error(
        &custom,
        400,
        "Bad Request",
        "rate.per_minute[1]: must be 0 to 600",
    );
    let no_outlet = app
        .admin_post(SCENARIOS, json!({ "name": "lunch-rush" }))
        .await;
    assert_error(&no_outlet, 400, "Bad Request", "outlet_id: is required");
    let unknown = app
        .admin_post(
            SCENARIOS,
            json!({ "name": "lunch-rush", "outlet_id": "G999999999" }),
        )
        .await;
    assert_error_title(&unknown, 404, "Not found");
    // No payment partner while the mix has payments.
    let no_pay = app
        .admin_post(
            SCENARIOS,
            json!({ "name": "lunch-rush", "outlet_id": e.outlet() }),
        )
        .await;
    assert_error(
        &no_pay,
        422,
        "Unprocessable Entity",
        &format!(
            "No partner has outlet {} for payment: link one first, or set mix.payment to 0",
            e.outlet()
        ),
    );
    // An outlet without a menu.
    let bare = env_with(&app, false).await;
    let no_menu = app
        .admin_post(
            SCENARIOS,
            json!({ "name": "lunch-rush", "outlet_id": bare.outlet(), "mix": { "payment": 0 } }),
        )
        .await;
    assert_error(
        &no_menu,
        422,
        "Unprocessable Entity",
        &format!(
            "Outlet {} has no menu to order from: set a catalog with an item in stock and on sale now",
            bare.outlet()
        ),
    );
    let missing = app
        .admin_get(&scenario_path("3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"))
        .await;
    assert_error_title(&missing, 404, "Not found");
    let stop_missing = app
        .admin_post(&format!("{}/stop", scenario_path("nope")), json!({}))
        .await;
    assert_error_title(&stop_missing, 404, "Not found");
    let list = app.admin_get(SCENARIOS).await;
    assert_eq!(list.data(200)["scenarios"], json!([]));
}
both_dbs!(bad_requests_get_the_envelope);

async fn acceptance_mode(app: &TestApp, path: &str) -> Value {
    app.admin_get(path).await.data(200)["outlet"]["acceptance_mode"].clone()
}

/// Two nodes on one PostgreSQL database: a scenario started on node A is read and stopped
/// through node B; a scenario whose node dies is `failed` (no heartbeat for 30 s) and the
/// outlet gets its acceptance mode back. PostgreSQL only (skipped without
/// `GOBIZ_TEST_POSTGRES_URL`).
#[tokio::test]
async fn another_node_reads_and_stops_and_sees_a_dead_node() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let a = TestApp::start(&db.url).await;
    let b = TestApp::start(&db.url).await;
    let e = env(&a).await;
    let body = json!({ "name": "custom", "outlet_id": e.outlet(), "rate": { "per_minute": [60, 60] },
                       "mix": { "payment": 0, "timeout": 0.5 }, "seed": 5 });
    let s = start(&a, body.clone()).await;
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["restores_acceptance_mode"], json!("auto_accept"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = get_scenario(&b, &id).await;
        assert_eq!(seen["status"], json!("running"), "{seen}");
        if count(&seen, "/progress/orders_placed") >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress seen from B: {seen}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stop = b
        .admin_post(&format!("{}/stop", scenario_path(&id)), json!({}))
        .await;
    let stopped = stop.data(200)["scenario"].clone();
    assert_eq!(stopped["status"], json!("stopped"), "{stopped}");
    let path = format!("/sandbox/v1/outlets/{}", e.outlet());
    assert_eq!(acceptance_mode(&b, &path).await, json!("auto_accept"));

    // Node A dies in the middle of the next one.
    let s = start(&a, body).await;
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(acceptance_mode(&b, &path).await, json!("manual"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(60);
    let failed = loop {
        let seen = get_scenario(&b, &id).await;
        if seen["status"] == json!("failed") {
            break seen;
        }
        assert_eq!(seen["status"], json!("running"), "{seen}");
        assert!(
            Instant::now() < deadline,
            "a dead node's scenario not failed: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let reason = failed["reason"].as_str().unwrap_or("");
    assert!(
        reason.starts_with("The node running it stopped (no heartbeat since "),
        "{failed}"
    );
    assert_eq!(acceptance_mode(&b, &path).await, json!("auto_accept"));
    let again = b
        .admin_post(&format!("{}/stop", scenario_path(&id)), json!({}))
        .await;
    assert_error(
        &again,
        409,
        "Conflict",
        &format!("Scenario {id} is already failed"),
    );
    db.cleanup().await;
}
