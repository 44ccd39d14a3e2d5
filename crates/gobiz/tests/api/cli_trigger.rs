//! `gobiz trigger <event>` (issue 18 §2): the real binary against a test server with the demo
//! data. For every event of spec §9.1 the flow runs and a receiver subscribed by the demo
//! partner gets the event (and, for the order flows, every event on the way, in order of
//! `header.timestamp`); `--synthetic` delivers the plain event; unknown events and outlets
//! fail on one line with their exit code. Also the sandbox endpoints the flows use that act
//! as the merchant's POS and as a partner re-pushing its menu, on their unhappy paths.

use crate::harness::receiver::*;
use crate::harness::*;
use serde_json::{json, Value};
use std::time::Duration;

const DEMO_OUTLET: &str = "G000012345";
const DEMO_CLIENT: &str = "demo-pos-client";
const DEMO_SECRET: &str = "demo-pos-secret-change-me-0123456789abcdefg";
const WAIT: Duration = Duration::from_secs(20);

const EVENTS: [&str; 11] = [
    "gofood.order.created",
    "gofood.order.awaiting_merchant_acceptance",
    "gofood.order.merchant_accepted",
    "gofood.order.driver_otw_pickup",
    "gofood.order.driver_arrived",
    "gofood.order.placed",
    "gofood.order.completed",
    "gofood.order.cancelled",
    "gofood.order.webhook_error",
    "gofood.catalog.menu_mapping_updated",
    "payment.transaction.settlement",
];

/// The demo data, and a receiver the demo partner subscribed to every event.
async fn demo_with_receiver(app: &TestApp) -> Receiver {
    app.admin_post("/sandbox/v1/reset", json!({ "demo": true }))
        .await
        .data(200);
    let tok = app
        .access_token(
            DEMO_CLIENT,
            DEMO_SECRET,
            "gofood:order:read gofood:catalog:read payment:transaction:read partner:outlet:read partner:outlet:write",
        )
        .await;
    let rx = Receiver::start().await;
    for e in EVENTS {
        subscribe(app, &tok, e, &rx.url("/hook")).await;
    }
    rx
}

/// The troubleshooting entity of a webhook body (spec §9.10).
fn entity_of(body: &Value) -> Option<String> {
    let b = &body["body"];
    [
        &b["order"]["order_number"],
        &b["transaction"]["id"],
        &b["request_id"],
    ]
    .into_iter()
    .find_map(|v| v.as_str().map(str::to_string))
}

/// The webhooks received about `entity`: (event name, header.timestamp).
fn received_about(rx: &Receiver, entity: &str) -> Vec<(String, String)> {
    rx.requests_to("/hook")
        .iter()
        .map(|r| r.json())
        .filter(|b| entity_of(b).as_deref() == Some(entity))
        .map(|b| {
            (
                b["header"]["event_name"].as_str().unwrap().to_string(),
                b["header"]["timestamp"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A run refused before anything happened: its exit code, nothing on stdout, one `gobiz: …`
/// line on stderr.
fn one_line(run: &CliRun, code: i32) -> String {
    assert!(run.stdout.is_empty(), "{run:#?}");
    fails(run, code)
}

/// A run that failed during its flow (the steps done so far are on stdout): its exit code
/// and one `gobiz: …` line on stderr.
fn fails(run: &CliRun, code: i32) -> String {
    assert_eq!(run.code, code, "{run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {run:#?}");
    assert!(lines[0].starts_with("gobiz: "), "{run:#?}");
    lines[0].to_string()
}

async fn every_event_runs_its_real_flow(app: TestApp) {
    let rx = demo_with_receiver(&app).await;
    for event in EVENTS {
        let mut args = vec!["trigger", event, "--json"];
        if event == "gofood.order.cancelled" {
            args.extend(["--by", "merchant", "--reason-code", "HIGH_DEMAND"]);
        }
        let run = cli(&app, &args).await.ok();
        let summary = run.json();
        assert_eq!(summary["event"], event, "{summary}");
        assert_eq!(summary["outlet_id"], DEMO_OUTLET, "{summary}");
        assert_eq!(summary["synthetic"], false, "{summary}");
        let entity = summary["entity_id"]
            .as_str()
            .expect("entity_id")
            .to_string();
        let expected: Vec<String> = summary["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["events"].as_array().unwrap().clone())
            .map(|e| e.as_str().unwrap().to_string())
            .collect();
        assert!(
            expected.iter().any(|e| e == event),
            "the flow names {event}: {summary}"
        );
        // Every event the flow printed reaches the receiver, and nothing else about it.
        let got = rx
            .wait_until(WAIT, &format!("the events of {event}"), |_| {
                received_about(&rx, &entity).len() >= expected.len()
            })
            .await;
        drop(got);
        let got = received_about(&rx, &entity);
        let names: Vec<String> = got.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(
            sorted(names.clone()),
            sorted(expected.clone()),
            "{event}: {got:?} vs {summary}"
        );
        if event != "gofood.order.webhook_error" {
            // In order of header.timestamp: an event printed later never carries an earlier
            // timestamp than one printed before it.
            let stamp = |name: &str| {
                got.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| t.clone())
                    .unwrap()
            };
            for pair in expected.windows(2) {
                assert!(
                    stamp(&pair[0]) <= stamp(&pair[1]),
                    "{event}: {} before {}: {got:?}",
                    pair[0],
                    pair[1]
                );
            }
        }
        // What each flow is made of.
        let want: &[&str] = match event {
            "gofood.order.created" => &["gofood.order.created", "gofood.order.merchant_accepted"],
            "gofood.order.awaiting_merchant_acceptance" => &[
                "gofood.order.created",
                "gofood.order.awaiting_merchant_acceptance",
            ],
            "gofood.order.completed" => &[
                "gofood.order.created",
                "gofood.order.awaiting_merchant_acceptance",
                "gofood.order.merchant_accepted",
                "gofood.order.driver_otw_pickup",
                "gofood.order.driver_arrived",
                "gofood.order.placed",
                "gofood.order.completed",
            ],
            "gofood.order.cancelled" => &[
                "gofood.order.created",
                "gofood.order.awaiting_merchant_acceptance",
                "gofood.order.cancelled",
            ],
            "gofood.order.webhook_error" => &[
                "gofood.order.created",
                "gofood.order.webhook_error",
                "gofood.order.merchant_accepted",
                "gofood.order.webhook_error",
            ],
            "gofood.catalog.menu_mapping_updated" => &["gofood.catalog.menu_mapping_updated"],
            "payment.transaction.settlement" => &["payment.transaction.settlement"],
            _ => &[],
        };
        if !want.is_empty() {
            assert_eq!(expected, want, "{event}: {summary}");
        }
    }

    // The server agrees: the completed order went through every state; the rejected one
    // carries the merchant's reason; the menu is as before the webhook_error flow; the
    // outlet is back to auto_accept; the transaction is settled.
    let orders = app
        .admin_get(&format!(
            "/sandbox/v1/outlets/{DEMO_OUTLET}/orders?per_page=100"
        ))
        .await;
    let orders = orders.data(200)["orders"].as_array().unwrap().clone();
    assert!(orders.iter().any(|o| o["order"]["status"] == "COMPLETED"));
    let rejected = orders
        .iter()
        .find(|o| o["order"]["status"] == "CANCELLED")
        .expect("the rejected order");
    assert_eq!(
        rejected["order"]["cancellation_detail"]["reason_code"],
        "HIGH_DEMAND"
    );
    let outlet = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}"))
        .await;
    assert_eq!(outlet.data(200)["outlet"]["acceptance_mode"], "auto_accept");
    let menu = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}/catalog"))
        .await;
    let items: Vec<String> = menu.data(200)["menus"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["menu_items"].as_array().unwrap().clone())
        .map(|i| i["external_id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        items.iter().all(|i| !i.starts_with("gobiz-trigger-")),
        "{items:?}"
    );
    let txs = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}/transactions"))
        .await;
    assert_eq!(
        txs.data(200)["transactions"][0]["transaction"]["status"],
        "settlement"
    );

    // A pickup order walks past the driver states; the human output names each step.
    let run = cli(&app, &["trigger", "gofood.order.completed", "--pickup"])
        .await
        .ok();
    assert!(
        run.stdout.contains("the customer collected the food"),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("driver"), "{run:#?}");
    assert!(run.stdout.contains("→ gofood.order.completed"), "{run:#?}");
}
both_dbs!(every_event_runs_its_real_flow);

async fn synthetic_sends_the_plain_event(app: TestApp) {
    let rx = demo_with_receiver(&app).await;
    for event in EVENTS {
        let summary = cli(&app, &["trigger", event, "--synthetic", "--json"])
            .await
            .ok()
            .json();
        assert_eq!(summary["synthetic"], true, "{summary}");
        let event_id = summary["entity_id"].as_str().unwrap().to_string();
        assert_eq!(summary["steps"][0]["events"], json!([event]), "{summary}");
        let got = rx
            .wait_until(WAIT, event, |all| {
                all.iter().any(|r| r.event_id() == event_id)
            })
            .await;
        let body = got
            .iter()
            .find(|r| r.event_id() == event_id)
            .unwrap()
            .json();
        assert_eq!(body["header"]["event_name"], event, "{body}");
    }
    // No flow ran: no order was placed, no transaction created.
    let orders = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}/orders"))
        .await;
    assert_eq!(orders.data(200)["orders"], json!([]));
    let txs = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}/transactions"))
        .await;
    assert_eq!(txs.data(200)["transactions"], json!([]));
}
both_dbs!(synthetic_sends_the_plain_event);

async fn wrong_event_outlet_and_options(app: TestApp) {
    app.admin_post("/sandbox/v1/reset", json!({ "demo": true }))
        .await
        .data(200);
    let line = one_line(&cli(&app, &["trigger", "gofood.order.eaten"]).await, 2);
    assert!(line.contains("unknown event"), "{line}");
    for e in EVENTS {
        assert!(line.contains(e), "{line} lists {e}");
    }
    let line = one_line(
        &cli(
            &app,
            &[
                "trigger",
                "gofood.order.completed",
                "--outlet",
                "G999999999",
            ],
        )
        .await,
        5,
    );
    assert!(line.contains("G999999999"), "{line}");
    let line = one_line(
        &cli(
            &app,
            &["trigger", "gofood.order.driver_arrived", "--pickup"],
        )
        .await,
        2,
    );
    assert!(line.contains("pickup"), "{line}");
    // A wrong rejection code is refused before any order is placed.
    let line = one_line(
        &cli(
            &app,
            &[
                "trigger",
                "gofood.order.cancelled",
                "--by",
                "merchant",
                "--reason-code",
                "BORED",
            ],
        )
        .await,
        2,
    );
    assert!(line.contains("HIGH_DEMAND"), "{line}");
    let orders = app
        .admin_get(&format!("/sandbox/v1/outlets/{DEMO_OUTLET}/orders"))
        .await;
    assert_eq!(orders.data(200)["orders"], json!([]));
    // An outlet with no menu cannot be ordered from nor re-pushed.
    let merchant = app.create_merchant("Warung Kosong").await;
    let empty = app.create_outlet_id(&merchant, "Kosong").await;
    let line = fails(
        &cli(
            &app,
            &["trigger", "gofood.order.created", "--outlet", &empty],
        )
        .await,
        6,
    );
    assert!(line.contains(&empty), "{line}");
    let line = fails(
        &cli(
            &app,
            &[
                "trigger",
                "gofood.catalog.menu_mapping_updated",
                "--outlet",
                &empty,
            ],
        )
        .await,
        6,
    );
    assert!(line.contains("no catalog"), "{line}");
}
both_dbs!(wrong_event_outlet_and_options);

/// `POST /sandbox/v1/orders/{n}/accept|reject|food-prepared` and
/// `POST /sandbox/v1/outlets/{id}/catalog/push` on their unhappy paths.
async fn pos_and_push_endpoints_refuse_what_they_must(app: TestApp) {
    app.admin_post("/sandbox/v1/reset", json!({ "demo": true }))
        .await
        .data(200);
    for action in ["accept", "reject", "food-prepared"] {
        let body = if action == "reject" {
            json!({ "cancel_reason_code": "OTHERS", "cancel_reason_description": "Closed early" })
        } else {
            json!({})
        };
        let r = app
            .admin_post(&format!("/sandbox/v1/orders/F-000000001/{action}"), body)
            .await;
        assert_error(
            &r,
            404,
            "Not found",
            "Order with id: F-000000001 is not found",
        );
    }
    // The demo outlet accepts at once: the order is past acceptance.
    let placed = app
        .admin_post(
            &format!("/sandbox/v1/outlets/{DEMO_OUTLET}/orders"),
            json!({ "items": [{ "external_id": "XID-2", "quantity": 1 }] }),
        )
        .await;
    let n = placed.data(201)["order"]["order"]["order_number"]
        .as_str()
        .unwrap()
        .to_string();
    // Accepting again is idempotent; rejecting is too late.
    let r = app
        .admin_post(&format!("/sandbox/v1/orders/{n}/accept"), json!({}))
        .await;
    assert_eq!(r.data(200)["order"]["order"]["status"], "MERCHANT_ACCEPTED");
    let r = app
        .admin_post(
            &format!("/sandbox/v1/orders/{n}/reject"),
            json!({ "cancel_reason_code": "OTHERS", "cancel_reason_description": "Closed early" }),
        )
        .await;
    assert_error(
        &r,
        409,
        "Conflict",
        &format!("Order {n} cannot be rejected in state MERCHANT_ACCEPTED"),
    );
    let r = app
        .admin_post(
            &format!("/sandbox/v1/orders/{n}/reject"),
            json!({ "cancel_reason_code": "BORED" }),
        )
        .await;
    assert_error_title(&r, 400, "Bad Request");
    let r = app
        .admin_post(&format!("/sandbox/v1/orders/{n}/food-prepared"), json!({}))
        .await;
    assert!(
        r.data(200)["order"]["food_prepared_at"].is_string(),
        "{}",
        r.text
    );
    // Cancelled: nothing more to accept or prepare.
    app.admin_post(&format!("/sandbox/v1/orders/{n}/cancel"), json!({}))
        .await
        .data(200);
    let r = app
        .admin_post(&format!("/sandbox/v1/orders/{n}/accept"), json!({}))
        .await;
    assert_error(
        &r,
        409,
        "Conflict",
        &format!("Order {n} cannot be accepted in state CANCELLED"),
    );
    let r = app
        .admin_post(&format!("/sandbox/v1/orders/{n}/food-prepared"), json!({}))
        .await;
    assert_error(
        &r,
        409,
        "Conflict",
        &format!("Order {n} cannot be marked as prepared in state CANCELLED"),
    );

    // The re-push: unknown outlet, unknown partner, a partner without the outlet, an outlet
    // without a catalog.
    let r = app
        .admin_post("/sandbox/v1/outlets/G999999999/catalog/push", json!({}))
        .await;
    assert_error_title(&r, 404, "Not found");
    let r = app
        .admin_post(
            &format!("/sandbox/v1/outlets/{DEMO_OUTLET}/catalog/push"),
            json!({ "partner_id": "00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    assert_error_title(&r, 404, "Not found");
    let other = app
        .create_partner(json!({ "name": "Other POS", "type": "facilitator" }))
        .await;
    let other_id = other["id"].as_str().unwrap();
    let r = app
        .admin_post(
            &format!("/sandbox/v1/outlets/{DEMO_OUTLET}/catalog/push"),
            json!({ "partner_id": other_id }),
        )
        .await;
    assert_error(
        &r,
        422,
        "Unprocessable Entity",
        &format!("Partner {other_id} does not have outlet {DEMO_OUTLET} for gofood: link it first"),
    );
    let merchant = app.create_merchant("Warung Kosong").await;
    let empty = app.create_outlet_id(&merchant, "Kosong").await;
    let r = app
        .admin_post(
            &format!("/sandbox/v1/outlets/{empty}/catalog/push"),
            json!({}),
        )
        .await;
    assert_error(
        &r,
        422,
        "Unprocessable Entity",
        &format!("Outlet {empty} has no catalog to push: set one first"),
    );
    // The happy path answers the push and its request id.
    let r = app
        .admin_post(
            &format!("/sandbox/v1/outlets/{DEMO_OUTLET}/catalog/push"),
            json!({}),
        )
        .await;
    let push = r.data(200)["push"].clone();
    assert_eq!(push["outlet_id"], DEMO_OUTLET, "{push}");
    assert!(is_uuid(push["request_id"].as_str().unwrap()), "{push}");
    assert!(push["menu_items"].as_u64().unwrap() > 0, "{push}");
}
both_dbs!(pos_and_push_endpoints_refuse_what_they_must);
