//! Notifications: subscriptions, routing, delivery, signatures, retries, troubleshooting
//! (spec §9, §10.2 deliveries and events).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use crate::harness::receiver::*;
use crate::harness::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Retry delays (ms) used by the fast server; see [`FAST`].
const SCHEDULE_MS: [u64; 5] = [100, 200, 300, 400, 500];

/// Compressed retry schedule and a short per-attempt timeout.
const FAST: &[(&str, &str)] = &[
    ("GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS", "100,200,300,400,500"),
    ("GOBIZ_WEBHOOK_TIMEOUT_MS", "1000"),
];

const EV: &str = "gofood.order.merchant_accepted";
const WAIT: Duration = Duration::from_secs(20);

/// The fields of a troubleshooting notification (§9.10).
const NOTIFICATION_FIELDS: [&str; 11] = [
    "entity_id",
    "created_at",
    "partner_id",
    "event_type",
    "event_id",
    "subscription_id",
    "delivery_status",
    "endpoint",
    "headers",
    "payload",
    "history",
];

const SUBSCRIPTION_NOT_FOUND_TITLE: &str = "Not found";

fn sub_path(base: &str, id: &str) -> String {
    format!("{base}/{id}")
}

fn assert_subscription_shape(s: &Value, event: &str, url: &str, active: bool) {
    let id = s["id"].as_str().unwrap_or_else(|| panic!("id: {s}"));
    assert!(
        is_uuid(id),
        "subscription id must be a lower-case UUID: {s}"
    );
    assert_eq!(s["event"], json!(event), "event: {s}");
    assert_eq!(s["url"], json!(url), "url: {s}");
    assert_eq!(s["active"], json!(active), "active: {s}");
    assert_rfc3339_z(&s["created_at"]);
    assert_rfc3339_z(&s["updated_at"]);
}

fn assert_subscription_not_found(r: &Resp, id: &str) {
    assert_error(
        r,
        404,
        SUBSCRIPTION_NOT_FOUND_TITLE,
        &format!("Subscription with id: {id} is not found"),
    );
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (delivery records, §1.12).
fn assert_ms_z(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("timestamp must be a string, got {v}"));
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$").unwrap();
    assert!(re.is_match(s), "not a UTC millisecond timestamp: {s}");
}

fn history(d: &Value) -> Vec<Value> {
    d["history"]
        .as_array()
        .unwrap_or_else(|| panic!("history array: {d}"))
        .clone()
}

/// `dead` with `attempts` failed entries (each checked by `check`) and the final entry.
fn assert_dead(d: &Value, attempts: usize, check: impl Fn(&Value)) {
    assert_eq!(d["delivery_status"], json!("dead"), "status: {d}");
    let h = history(d);
    assert_eq!(
        h.len(),
        attempts + 1,
        "history: {attempts} attempts + the final entry expected: {d}"
    );
    for e in &h[..attempts] {
        assert_eq!(e["delivered"], json!(false), "attempt entry: {e}");
        assert_ms_z(&e["time"]);
        check(e);
    }
    let last = &h[attempts];
    assert_eq!(
        last["exception_message"],
        json!("Failed after automatic attempts."),
        "final entry: {last}"
    );
    assert_eq!(last["delivered"], json!(false), "final entry: {last}");
    assert_eq!(last["status_code"], Value::Null, "final entry: {last}");
    assert_ms_z(&last["time"]);
}

fn http_failure(status: u16, message: &'static str) -> impl Fn(&Value) {
    move |e: &Value| {
        assert_eq!(e["status_code"], json!(status), "status_code: {e}");
        assert_eq!(e["exception_message"], json!(message), "exception: {e}");
    }
}

/// All requests of one delivery carry the same body, signature and idempotency key.
fn assert_identical_retries(reqs: &[Received]) {
    let first = &reqs[0];
    for r in &reqs[1..] {
        assert_eq!(r.body, first.body, "retry body differs on {}", r.path);
        assert_eq!(
            r.idempotency_key(),
            first.idempotency_key(),
            "retry idempotency key differs on {}",
            r.path
        );
        assert_eq!(
            r.header("x-go-signature"),
            first.header("x-go-signature"),
            "retry signature differs on {}",
            r.path
        );
    }
}

/// A second facilitator partner linked (gofood) to `fx.outlet_id` by the same owner.
async fn second_partner_on_outlet(app: &TestApp, fx: &Fixture) -> Fixture {
    let partner = app
        .create_partner(json!({ "name": "Second POS", "type": "facilitator" }))
        .await;
    let partner_id = partner["id"].as_str().unwrap().to_string();
    let (client_id, client_secret) = app.create_client(&partner_id, FACILITATOR_SCOPES).await;
    let other = Fixture {
        partner_id,
        notification_secret: partner["notification_secret"].as_str().unwrap().to_string(),
        client_id,
        client_secret,
        external_outlet_id: "second-ext".to_string(),
        ..fx.clone()
    };
    app.link(&other, &fx.outlet_id, "gofood", "second-ext")
        .await;
    other
}

// ---------------------------------------------------------------------------------------------
// Subscriptions (§9.2–§9.5)
// ---------------------------------------------------------------------------------------------

/// Another partner does not see the subscriptions; another client of the same partner does.
async fn subscriptions_per_partner(app: &TestApp, fx: &Fixture, id1: &str) {
    // Another partner does not see them.
    let other = app.setup_facilitator().await;
    let other_tok = order_token(app, &other).await;
    let r = app.api_get(SUBS, &other_tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([]));
    let r = app.api_get(&sub_path(SUBS, id1), &other_tok).await;
    assert_subscription_not_found(&r, id1);
    let r = app
        .api_send(Method::DELETE, &sub_path(SUBS, id1), &other_tok, None)
        .await;
    assert_subscription_not_found(&r, id1);

    // Another client of the same partner sees the same set.
    let (cid, csecret) = app
        .create_client(&fx.partner_id, &["partner:outlet:read"])
        .await;
    let tok2 = app
        .access_token(&cid, &csecret, "partner:outlet:read")
        .await;
    let r = app.api_get(SUBS, &tok2).await;
    assert_eq!(r.data(200)["subscriptions"].as_array().unwrap().len(), 2);
}

/// The direct partner has its own set and works with a cc token.
async fn direct_partner_subscriptions(app: &TestApp, url1: &str) {
    // The direct partner has its own set and works with a cc token.
    let d = app.setup_direct().await;
    let dtok = order_token(app, &d).await;
    let s = subscribe_at(app, &dtok, SUBS, "gofood.order.cancelled", url1).await;
    assert_subscription_shape(&s, "gofood.order.cancelled", url1, true);
    let r = app.api_get(SUBS, &dtok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([s]));
}

async fn subscriptions_general_crud(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;

    let r = app.api_get(SUBS, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([]));

    let url1 = "https://sample-endpoint.com/notifications";
    let r = app
        .api_send(
            Method::POST,
            SUBS,
            &tok,
            Some(json!({ "event": "gofood.order.driver_arrived", "url": url1 })),
        )
        .await;
    let s1 = r.data(201)["subscription"].clone();
    assert_subscription_shape(&s1, "gofood.order.driver_arrived", url1, true);
    let id1 = s1["id"].as_str().unwrap().to_string();

    let url2 = "http://127.0.0.1:9/hooks/2";
    let r = app
        .api_send(
            Method::POST,
            SUBS,
            &tok,
            Some(json!({ "event": "gofood.order.completed", "url": url2, "active": false })),
        )
        .await;
    let s2 = r.data(201)["subscription"].clone();
    assert_subscription_shape(&s2, "gofood.order.completed", url2, false);
    let id2 = s2["id"].as_str().unwrap().to_string();
    assert_ne!(id1, id2);

    // List: oldest first.
    let r = app.api_get(SUBS, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([s1, s2]));

    // Get one.
    let r = app.api_get(&sub_path(SUBS, &id1), &tok).await;
    assert_eq!(r.data(200)["subscription"], s1);

    // Partial PUT: only `active`.
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(SUBS, &id1),
            &tok,
            Some(json!({ "active": false })),
        )
        .await;
    let s = r.data(200)["subscription"].clone();
    assert_subscription_shape(&s, "gofood.order.driver_arrived", url1, false);
    assert_eq!(s["id"], json!(id1));
    assert_eq!(s["created_at"], s1["created_at"]);

    // Partial PUT: `url` and `event`; `active` unchanged.
    let url3 = "https://sample-endpoint.com/other";
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(SUBS, &id1),
            &tok,
            Some(json!({ "url": url3, "event": "gofood.order.placed" })),
        )
        .await;
    let s = r.data(200)["subscription"].clone();
    assert_subscription_shape(&s, "gofood.order.placed", url3, false);
    let r = app.api_get(&sub_path(SUBS, &id1), &tok).await;
    assert_eq!(r.data(200)["subscription"], s);

    subscriptions_per_partner(&app, &fx, &id1).await;
    // Delete.
    let r = app
        .api_send(Method::DELETE, &sub_path(SUBS, &id1), &tok, None)
        .await;
    assert_eq!(r.data(200), &json!({}));
    let r = app.api_get(&sub_path(SUBS, &id1), &tok).await;
    assert_subscription_not_found(&r, &id1);
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(SUBS, &id1),
            &tok,
            Some(json!({ "active": true })),
        )
        .await;
    assert_subscription_not_found(&r, &id1);
    let r = app
        .api_send(Method::DELETE, &sub_path(SUBS, &id1), &tok, None)
        .await;
    assert_subscription_not_found(&r, &id1);
    let r = app.api_get(SUBS, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([s2]));

    // Unknown and malformed ids.
    let unknown = uuid::Uuid::new_v4().to_string();
    let r = app.api_get(&sub_path(SUBS, &unknown), &tok).await;
    assert_subscription_not_found(&r, &unknown);
    let r = app.api_get(&sub_path(SUBS, "not-a-uuid"), &tok).await;
    assert_subscription_not_found(&r, "not-a-uuid");

    direct_partner_subscriptions(&app, url1).await;
}
both_dbs!(subscriptions_general_crud);

async fn subscriptions_outlet_crud(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let base = outlet_subs(&fx.outlet_id);
    let url = "http://127.0.0.1:9/outlet-hook";

    let r = app.api_get(&base, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([]));

    let s1 = subscribe_at(&app, &tok, &base, EV, url).await;
    assert_subscription_shape(&s1, EV, url, true);
    let id1 = s1["id"].as_str().unwrap().to_string();
    let s2 = subscribe_at(&app, &tok, &base, "gofood.order.cancelled", url).await;
    let id2 = s2["id"].as_str().unwrap().to_string();

    let r = app.api_get(&base, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([s1, s2]));
    let r = app.api_get(&sub_path(&base, &id1), &tok).await;
    assert_eq!(r.data(200)["subscription"], s1);

    // The same event and URL at the general level is another subscription.
    let g = subscribe_at(&app, &tok, SUBS, EV, url).await;
    let gid = g["id"].as_str().unwrap().to_string();
    // Each list holds only its own kind; the other kind's id is not found.
    let r = app.api_get(SUBS, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([g]));
    let r = app.api_get(&sub_path(SUBS, &id1), &tok).await;
    assert_subscription_not_found(&r, &id1);
    let r = app.api_get(&sub_path(&base, &gid), &tok).await;
    assert_subscription_not_found(&r, &gid);
    let r = app
        .api_send(Method::DELETE, &sub_path(&base, &gid), &tok, None)
        .await;
    assert_subscription_not_found(&r, &gid);

    // Another outlet of the partner: the subscription is not visible there.
    let outlet2 = app.create_outlet_id(&fx.merchant_id, "Second outlet").await;
    app.link(&fx, &outlet2, "gofood", "ext-2").await;
    let base2 = outlet_subs(&outlet2);
    let r = app.api_get(&base2, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([]));
    let r = app.api_get(&sub_path(&base2, &id1), &tok).await;
    assert_subscription_not_found(&r, &id1);

    // Partial PUT.
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(&base, &id2),
            &tok,
            Some(json!({ "active": false })),
        )
        .await;
    let s = r.data(200)["subscription"].clone();
    assert_subscription_shape(&s, "gofood.order.cancelled", url, false);

    // Delete.
    let r = app
        .api_send(Method::DELETE, &sub_path(&base, &id1), &tok, None)
        .await;
    assert_eq!(r.data(200), &json!({}));
    let r = app.api_get(&sub_path(&base, &id1), &tok).await;
    assert_subscription_not_found(&r, &id1);
    let r = app.api_get(&base, &tok).await;
    assert_eq!(r.data(200)["subscriptions"], json!([s]));

    // Unknown outlet: row 6; existing outlet not linked: row 7.
    let r = app.api_get(&outlet_subs("G999999999"), &tok).await;
    assert_error(
        &r,
        404,
        "Not found",
        "Outlet with id: G999999999 is not found",
    );
    let r = post_subscription(&app, &tok, &outlet_subs("G999999999"), EV, url).await;
    assert_error(
        &r,
        404,
        "Not found",
        "Outlet with id: G999999999 is not found",
    );
    let stranger = app.create_merchant("Stranger").await;
    let foreign = app.create_outlet_id(&stranger, "Foreign outlet").await;
    let row7 = "The outlet is not yet registered for integration. Please contact the support team.";
    for r in [
        app.api_get(&outlet_subs(&foreign), &tok).await,
        post_subscription(&app, &tok, &outlet_subs(&foreign), EV, url).await,
        app.api_get(&sub_path(&outlet_subs(&foreign), &id2), &tok)
            .await,
    ] {
        assert_error(&r, 404, "Requested resource not found", row7);
    }

    // A direct partner may use its own outlet.
    let d = app.setup_direct().await;
    let dtok = order_token(&app, &d).await;
    let s = subscribe_at(&app, &dtok, &outlet_subs(&d.outlet_id), EV, url).await;
    assert_subscription_shape(&s, EV, url, true);
    let r = app.api_get(&outlet_subs(&fx.outlet_id), &dtok).await;
    assert_error(&r, 404, "Requested resource not found", row7);
}
both_dbs!(subscriptions_outlet_crud);

/// Refused creates and updates at one subscription level (`base`); nothing changes.
async fn subscription_body_errors(app: &TestApp, tok: &str, base: &str, url: &str) {
    // Unknown event.
    let r = app
        .api_send(
            Method::POST,
            base,
            tok,
            Some(json!({ "event": "gofood.order.teleported", "url": url })),
        )
        .await;
    assert_error_title(&r, 400, "Bad Request");
    let m = r.messages();
    assert!(
        m.iter()
            .any(|m| m.starts_with("event: unknown event")
                && m.contains("gofood.order.teleported")),
        "unknown event message: {m:?}"
    );
    // Missing fields and wrong types.
    let r = app
        .api_send(Method::POST, base, tok, Some(json!({ "url": url })))
        .await;
    assert_field_error(&r, "event");
    let r = app
        .api_send(Method::POST, base, tok, Some(json!({ "event": EV })))
        .await;
    assert_field_error(&r, "url");
    let r = app
        .api_send(
            Method::POST,
            base,
            tok,
            Some(json!({ "event": EV, "url": url, "active": "yes" })),
        )
        .await;
    assert_field_error(&r, "active");
    // Bad URLs.
    for bad in ["not a url", "ftp://example.com/hook", "", "/relative/path"] {
        let r = post_subscription(app, tok, base, EV, bad).await;
        assert_field_error(&r, "url");
    }
    // Duplicate at the same level.
    let s = subscribe_at(app, tok, base, EV, url).await;
    let id = s["id"].as_str().unwrap().to_string();
    let r = app
        .api_send(
            Method::POST,
            base,
            tok,
            Some(json!({ "event": EV, "url": url, "active": false })),
        )
        .await;
    assert_error(&r, 409, "Conflict", "url has already been taken");
    // A PUT that would create the same duplicate.
    let s2 = subscribe_at(app, tok, base, EV, "http://127.0.0.1:9/other").await;
    let id2 = s2["id"].as_str().unwrap().to_string();
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(base, &id2),
            tok,
            Some(json!({ "url": url })),
        )
        .await;
    assert_error(&r, 409, "Conflict", "url has already been taken");
    // PUT validation.
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(base, &id),
            tok,
            Some(json!({ "event": "nope" })),
        )
        .await;
    assert_error_title(&r, 400, "Bad Request");
    assert!(
        r.messages()
            .iter()
            .any(|m| m.starts_with("event: unknown event")),
        "PUT unknown event: {:?}",
        r.messages()
    );
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(base, &id),
            tok,
            Some(json!({ "url": "ftp://x/y" })),
        )
        .await;
    assert_field_error(&r, "url");
    // Nothing changed.
    let r = app.api_get(&sub_path(base, &id), tok).await;
    assert_eq!(r.data(200)["subscription"], s);
}

/// Scopes: none of gofood:*, payment:*, partner:outlet:* → 403; payment:* and
/// partner:outlet:* are enough.
async fn subscription_scope_errors(app: &TestApp, fx: &Fixture, url: &str) {
    // Scopes: none of gofood:*, payment:*, partner:outlet:* → 403.
    let (cid, csecret) = app
        .create_client(
            &fx.partner_id,
            &["promo:food_promo:read", "payment:transaction:read"],
        )
        .await;
    let promo = app
        .access_token(&cid, &csecret, "promo:food_promo:read")
        .await;
    let some_id = uuid::Uuid::new_v4().to_string();
    for base in [SUBS.to_string(), outlet_subs(&fx.outlet_id)] {
        let r = app.api_get(&base, &promo).await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: partner:outlet:read",
        );
        let r = app.api_get(&sub_path(&base, &some_id), &promo).await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: partner:outlet:read",
        );
        let r = post_subscription(app, &promo, &base, EV, url).await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: partner:outlet:write",
        );
        let r = app
            .api_send(
                Method::PUT,
                &sub_path(&base, &some_id),
                &promo,
                Some(json!({ "active": false })),
            )
            .await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: partner:outlet:write",
        );
        let r = app
            .api_send(Method::DELETE, &sub_path(&base, &some_id), &promo, None)
            .await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: partner:outlet:write",
        );
        // No token at all.
        let r = app.get(&base).await;
        assert_session_expired(&r);
    }
    // payment:* and partner:outlet:* scopes are enough (reads and writes).
    let pay = app
        .access_token(&cid, &csecret, "payment:transaction:read")
        .await;
    let r = app.api_get(SUBS, &pay).await;
    assert_eq!(r.data(200)["subscriptions"].as_array().unwrap().len(), 2);
    let s = subscribe_at(
        app,
        &pay,
        SUBS,
        "payment.transaction.settlement",
        "http://127.0.0.1:9/pay",
    )
    .await;
    assert_subscription_shape(
        &s,
        "payment.transaction.settlement",
        "http://127.0.0.1:9/pay",
        true,
    );
    let po = app
        .access_token(&fx.client_id, &fx.client_secret, "partner:outlet:read")
        .await;
    let r = app.api_get(SUBS, &po).await;
    assert_eq!(r.data(200)["subscriptions"].as_array().unwrap().len(), 3);
}

async fn subscriptions_errors(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let url = "http://127.0.0.1:9/hook";

    for base in [SUBS.to_string(), outlet_subs(&fx.outlet_id)] {
        subscription_body_errors(&app, &tok, &base, url).await;
    }
    subscription_scope_errors(&app, &fx, url).await;
}
both_dbs!(subscriptions_errors);

// ---------------------------------------------------------------------------------------------
// Delivery request (§9.7, §9.10 records, §9.11 envelope)
// ---------------------------------------------------------------------------------------------

/// The secret the fixture got at creation is the one the sandbox shows: 64 lower-case hex.
async fn notification_secret_shown(app: &TestApp, fx: &Fixture) {
    // The secret the fixture got at creation is the one the sandbox shows.
    let r = app
        .admin_get(&format!(
            "/sandbox/v1/partners/{}/notification-secret",
            fx.partner_id
        ))
        .await;
    assert_eq!(
        r.data(200)["notification_secret"],
        json!(fx.notification_secret)
    );
    assert!(
        fx.notification_secret.len() == 64
            && fx
                .notification_secret
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "notification secret is 64 lower-case hex: {}",
        fx.notification_secret
    );
}

async fn delivery_request_signature_and_record(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let url = rx.url("/hook");
    let sub = subscribe(&app, &tok, EV, &url).await;

    notification_secret_shown(&app, &fx).await;
    let on = order_number();
    let body = json!({ "service_type": "gofood",
                       "order": { "order_number": on, "status": "MERCHANT_ACCEPTED", "order_total": 111000 },
                       "outlet": { "id": fx.outlet_id, "external_outlet_id": fx.external_outlet_id },
                       "note": "ünïcödé ✓" });
    let ev = emit(&app, EV, &fx.outlet_id, Some(body.clone())).await;
    assert_eq!(ev["deliveries"], json!(1), "event: {ev}");
    let event_id = ev["event_id"].as_str().unwrap().to_string();
    assert!(is_uuid(&event_id), "event_id: {event_id}");

    let got = rx.wait_for(1, WAIT).await[0].clone();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/hook");
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(got.header("accept").as_deref(), Some("application/json"));
    let ua = got.header("user-agent").unwrap_or_default();
    assert!(
        ua.strip_prefix("gobiz-webhooks/")
            .is_some_and(|v| !v.is_empty()),
        "User-Agent: {ua:?}"
    );
    // Signature: independent HMAC over the raw bytes received.
    let sig = got.header("x-go-signature").expect("X-Go-Signature");
    assert_eq!(
        sig,
        go_signature(&fx.notification_secret, &got.body),
        "X-Go-Signature must be hex HMAC-SHA256(secret, raw body)"
    );
    assert_eq!(sig.len(), 64);
    assert_eq!(sig, sig.to_lowercase());
    // Idempotency key: UUIDv5(event_id, subscription id).
    assert_eq!(got.idempotency_key(), idempotency_key(&event_id, &sub));
    // No Standard Webhooks headers unless enabled.
    for h in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        assert!(
            got.header(h).is_none(),
            "{h} sent without standard_webhooks"
        );
    }

    // Envelope.
    let p = got.json();
    let keys: BTreeSet<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["body", "header"]), "payload: {p}");
    assert_eq!(p["header"]["event_name"], json!(EV));
    assert_eq!(p["header"]["event_id"], json!(event_id));
    assert_eq!(p["header"]["version"], json!(1));
    let ts = p["header"]["timestamp"].as_str().expect("header.timestamp");
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$").unwrap();
    assert!(re.is_match(ts), "header.timestamp: {ts}");
    assert_eq!(p["body"], body, "payload body must be the body given");

    // The delivery record.
    let d = wait_status(
        &app,
        delivery_of(&app, &sub).await["id"].as_str().unwrap(),
        "delivered",
        WAIT,
    )
    .await;
    assert!(is_uuid(d["id"].as_str().unwrap_or_default()), "id: {d}");
    assert_eq!(d["entity_id"], json!(on), "{d}");
    assert_eq!(d["partner_id"], json!(fx.partner_id), "{d}");
    assert_eq!(d["event_type"], json!(EV), "{d}");
    assert_eq!(d["event_id"], json!(event_id), "{d}");
    assert_eq!(d["subscription_id"], json!(sub), "{d}");
    assert_eq!(d["endpoint"], json!(url), "{d}");
    assert_ms_z(&d["created_at"]);
    assert_record_matches(&d, &got);
    let h = history(&d);
    assert_eq!(h.len(), 1, "{d}");
    assert_eq!(h[0]["delivered"], json!(true));
    assert_eq!(h[0]["status_code"], json!(200));
    assert_eq!(h[0]["exception_message"], Value::Null);
    assert_ms_z(&h[0]["time"]);
    // No second attempt after a 2xx.
    rx.assert_stays("/hook", 1, Duration::from_millis(800))
        .await;

    // Unknown delivery → 404.
    let r = app
        .admin_get(&format!("/sandbox/v1/deliveries/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}
both_dbs!(delivery_request_signature_and_record, FAST);

async fn standard_webhooks_headers(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = setup_facilitator_with(&app, json!({ "standard_webhooks": true })).await;
    let tok = order_token(&app, &fx).await;
    let sub = subscribe(&app, &tok, EV, &rx.url("/sw")).await;
    rx.set("/sw", Behaviour::Status(500));
    let event_id = emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    let reqs = rx.wait_for_path("/sw", 2, WAIT).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for got in &reqs {
        let key = got.idempotency_key();
        assert_eq!(key, idempotency_key(&event_id, &sub));
        assert_eq!(
            got.header("x-go-signature").unwrap(),
            go_signature(&fx.notification_secret, &got.body)
        );
        let id = got.header("webhook-id").expect("webhook-id");
        assert_eq!(id, key, "webhook-id = X-Go-Idempotency-Key");
        let ts = got.header("webhook-timestamp").expect("webhook-timestamp");
        let t: i64 = ts
            .parse()
            .unwrap_or_else(|_| panic!("webhook-timestamp: {ts}"));
        assert!((t - now).abs() < 120, "webhook-timestamp {t} vs now {now}");
        let sig = got.header("webhook-signature").expect("webhook-signature");
        assert_eq!(
            sig,
            standard_signature(&fx.notification_secret, &id, &ts, &got.body),
            "webhook-signature = v1,base64(HMAC(secret, id.ts.body))"
        );
    }
    let d = wait_status(
        &app,
        delivery_of(&app, &sub).await["id"].as_str().unwrap(),
        "dead",
        WAIT,
    )
    .await;
    let names: Vec<String> = d["headers"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    for h in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        assert!(names.iter().any(|n| n == h), "record headers lack {h}: {d}");
    }
}
both_dbs!(standard_webhooks_headers, FAST);

// ---------------------------------------------------------------------------------------------
// Retries (§9.8)
// ---------------------------------------------------------------------------------------------

/// Polls the delivery of each subscription in `subs` until it is dead or delivered (40 s).
async fn final_deliveries(
    app: &TestApp,
    paths: &[&'static str],
    subs: &HashMap<&str, String>,
) -> HashMap<&'static str, Value> {
    // Wait for every delivery to reach a final status.
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let mut finals: HashMap<&str, Value> = HashMap::new();
    while finals.len() < paths.len() {
        for &p in paths {
            if finals.contains_key(p) {
                continue;
            }
            let d = delivery_of(app, &subs[p]).await;
            let st = d["delivery_status"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if st == "dead" || st == "delivered" {
                finals.insert(p, d);
            }
        }
        if std::time::Instant::now() > deadline {
            let missing: Vec<_> = paths.iter().filter(|p| !finals.contains_key(*p)).collect();
            panic!("deliveries not final after 40 s: {missing:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    finals
}

/// Attempts and final records per answer: the retry budget of each status, redirects
/// followed or not, loops, timeouts and dropped connections.
fn assert_retry_budgets(rx: &Receiver, finals: &HashMap<&str, Value>) {
    let attempts = |p: &str| rx.requests_to(p).len();
    // 2xx (204): delivered at once.
    assert_eq!(finals["/ok"]["delivery_status"], json!("delivered"));
    assert_eq!(attempts("/ok"), 1, "/ok attempts");
    assert_eq!(history(&finals["/ok"])[0]["status_code"], json!(204));

    // 500: one retry; 503: four retries; 404 and 400: two retries; other status: five retries.
    for (path, n, status, message) in [
        ("/s500", 2, 500, "HTTP 500"),
        ("/s503", 5, 503, "HTTP 503"),
        ("/s404", 3, 404, "URL not found"),
        ("/s400", 3, 400, "HTTP 400"),
        ("/s418", 6, 418, "HTTP 418"),
    ] {
        assert_eq!(attempts(path), n, "{status} → {n} attempts");
        assert_dead(&finals[path], n, http_failure(status, message));
    }
    // 301: no retry, not followed.
    assert_eq!(attempts("/s301"), 1, "301 → 1 attempt");
    assert_eq!(attempts("/after301"), 0, "301 must not be followed");
    assert_dead(&finals["/s301"], 1, |e: &Value| {
        assert_eq!(e["status_code"], json!(301), "{e}");
        assert_eq!(
            e["exception_message"],
            json!("Redirect not followed (301)"),
            "301 exception_message: {e}"
        );
    });
    // 307: followed with POST, same body and headers, within one attempt.
    assert_eq!(finals["/s307"]["delivery_status"], json!("delivered"));
    assert_eq!(attempts("/s307"), 1);
    assert_eq!(attempts("/after307"), 1, "307 must be followed once");
    let h = history(&finals["/s307"]);
    assert_eq!(h.len(), 1, "one attempt for a followed redirect: {h:?}");
    assert_eq!(h[0]["delivered"], json!(true));
    assert_eq!(h[0]["status_code"], json!(200));
    for (from, to) in [("/s307", "/after307"), ("/s308", "/after308")] {
        let a = &rx.requests_to(from)[0];
        let b = &rx.requests_to(to)[0];
        assert_eq!(b.method, "POST", "redirect followed with POST");
        assert_eq!(a.body, b.body, "redirect: same body");
        for hname in [
            "x-go-signature",
            "x-go-idempotency-key",
            "content-type",
            "user-agent",
        ] {
            assert_eq!(a.header(hname), b.header(hname), "redirect: same {hname}");
        }
    }
    // 308 → 307 chain: two redirects within the attempt.
    assert_eq!(finals["/s308"]["delivery_status"], json!("delivered"));
    assert_eq!(attempts("/s308b"), 1);
    assert_eq!(history(&finals["/s308"]).len(), 1);
    // Redirect loop: 5 redirects followed per attempt, then "other" (6 attempts).
    assert_dead(&finals["/loop"], 6, |e: &Value| {
        assert_eq!(e["exception_message"], json!("Too many redirects"), "{e}");
    });
    assert_eq!(
        attempts("/loop"),
        6 * 6,
        "1 request + 5 followed redirects per attempt"
    );
    // Timeout: "other" (6 attempts).
    assert_eq!(attempts("/slow"), 6, "timeout → 6 attempts");
    assert_dead(&finals["/slow"], 6, |e: &Value| {
        assert_eq!(e["exception_message"], json!("Request timed out"), "{e}");
        assert_eq!(e["status_code"], Value::Null, "{e}");
    });
    // Connection closed without an answer: "other" (6 attempts).
    assert_eq!(attempts("/drop"), 6, "connection error → 6 attempts");
    assert_dead(&finals["/drop"], 6, |e: &Value| {
        let m = e["exception_message"].as_str().unwrap_or_default();
        assert!(m.starts_with("Connection failed"), "{e}");
        assert_eq!(e["status_code"], Value::Null, "{e}");
    });
}

async fn retry_budget_per_answer(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;

    rx.set("/s500", Behaviour::Status(500));
    rx.set("/s503", Behaviour::Status(503));
    rx.set("/s404", Behaviour::Status(404));
    rx.set("/s400", Behaviour::Status(400));
    rx.set("/s418", Behaviour::Status(418));
    rx.set("/s301", Behaviour::Redirect(301, "/after301".into()));
    rx.set("/s307", Behaviour::Redirect(307, "/after307".into()));
    rx.set("/s308", Behaviour::Redirect(308, "/s308b".into()));
    rx.set("/s308b", Behaviour::Redirect(307, "/after308".into()));
    rx.set("/loop", Behaviour::Redirect(307, "/loop".into()));
    rx.set("/slow", Behaviour::Delay(Duration::from_millis(3000), 200));
    rx.set("/drop", Behaviour::Drop);
    rx.set("/ok", Behaviour::Status(204));
    let paths = [
        "/s500", "/s503", "/s404", "/s400", "/s418", "/s301", "/s307", "/s308", "/loop", "/slow",
        "/drop", "/ok",
    ];
    let mut subs = HashMap::new();
    for p in paths {
        subs.insert(p, subscribe(&app, &tok, EV, &rx.url(p)).await);
    }
    let on = order_number();
    let event_id = emit_order(&app, &fx.outlet_id, &on, paths.len() as u64).await;

    let finals = final_deliveries(&app, &paths, &subs).await;
    // Nothing more arrives after the final status.
    let counts_before: HashMap<String, usize> = paths
        .iter()
        .map(|p| (p.to_string(), rx.requests_to(p).len()))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for p in paths {
        assert_eq!(
            rx.requests_to(p).len(),
            counts_before[p],
            "{p}: attempts after the delivery became final"
        );
    }

    assert_retry_budgets(&rx, &finals);

    // Every retry is the same request; keys are per subscription.
    let mut keys = BTreeSet::new();
    for p in paths {
        let reqs = rx.requests_to(p);
        assert_identical_retries(&reqs);
        assert_eq!(
            reqs[0].idempotency_key(),
            idempotency_key(&event_id, &subs[p])
        );
        keys.insert(reqs[0].idempotency_key());
        assert_record_matches(&finals[p], &reqs[0]);
    }
    assert_eq!(keys.len(), paths.len(), "distinct idempotency keys");

    // Status filter of the sandbox list.
    let dead = deliveries(&app, &format!("status=dead&entity_id={on}&per_page=100")).await;
    assert_eq!(dead.len(), 9, "dead deliveries");
    assert!(dead.iter().all(|d| d["delivery_status"] == json!("dead")));
    let ok = deliveries(&app, &format!("status=delivered&entity_id={on}")).await;
    assert_eq!(ok.len(), 3, "delivered deliveries");
}
both_dbs!(retry_budget_per_answer, FAST);

async fn retry_schedule_honoured(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    rx.set("/s", Behaviour::Status(418));
    let sub = subscribe(&app, &tok, EV, &rx.url("/s")).await;
    emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    let reqs = rx.wait_for_path("/s", 6, WAIT).await;
    for i in 0..5 {
        let gap = reqs[i + 1].at.duration_since(reqs[i].at);
        let want = Duration::from_millis(SCHEDULE_MS[i]);
        assert!(
            gap + Duration::from_millis(10) >= want,
            "retry {} came {gap:?} after the previous attempt; schedule says {want:?}",
            i + 1
        );
        assert!(
            gap < want + Duration::from_secs(5),
            "retry {} came {gap:?} after the previous attempt; schedule says {want:?}",
            i + 1
        );
    }
    let d = wait_status(
        &app,
        delivery_of(&app, &sub).await["id"].as_str().unwrap(),
        "dead",
        WAIT,
    )
    .await;
    let h = history(&d);
    assert_dead(&d, 6, http_failure(418, "HTTP 418"));
    for i in 0..5 {
        let a = epoch_ms(h[i]["time"].as_str().unwrap());
        let b = epoch_ms(h[i + 1]["time"].as_str().unwrap());
        assert!(
            b - a >= SCHEDULE_MS[i] as i64 - 5,
            "history times {} → {} closer than {} ms",
            h[i]["time"],
            h[i + 1]["time"],
            SCHEDULE_MS[i]
        );
    }
}
both_dbs!(retry_schedule_honoured, FAST);

// Default schedule (2 min first): the retry only comes when the sandbox clock reaches it.
async fn retry_due_on_clock_advance(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    rx.set("/s", Behaviour::Status(500));
    let sub = subscribe(&app, &tok, EV, &rx.url("/s")).await;
    emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    rx.wait_for_path("/s", 1, WAIT).await;
    let id = delivery_of(&app, &sub).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = wait_status(&app, &id, "retrying", WAIT).await;
    let h = history(&d);
    assert_eq!(h.len(), 1, "{d}");
    assert_eq!(h[0]["status_code"], json!(500));
    assert_eq!(h[0]["exception_message"], json!("HTTP 500"));
    rx.assert_stays("/s", 1, Duration::from_millis(1500)).await;
    // Not yet due.
    app.advance_clock(60).await;
    rx.assert_stays("/s", 1, Duration::from_millis(1500)).await;
    // Due now.
    app.advance_clock(62).await;
    rx.wait_for_path("/s", 2, WAIT).await;
    let d = wait_status(&app, &id, "dead", WAIT).await;
    assert_dead(&d, 2, http_failure(500, "HTTP 500"));
    // A 500 has one retry only, however far the clock goes.
    app.advance_clock(86_400).await;
    rx.assert_stays("/s", 2, Duration::from_millis(1500)).await;
}
both_dbs!(retry_due_on_clock_advance);

async fn redeliver_after_dead(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    rx.set("/r", Behaviour::Status(500));
    let sub = subscribe(&app, &tok, EV, &rx.url("/r")).await;
    let event_id = emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    let id = delivery_of(&app, &sub).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = wait_status(&app, &id, "dead", WAIT).await;
    assert_dead(&d, 2, http_failure(500, "HTTP 500"));
    assert_eq!(rx.requests_to("/r").len(), 2);

    rx.set("/r", Behaviour::Status(200));
    let r = app
        .admin_post(&format!("/sandbox/v1/deliveries/{id}/redeliver"), json!({}))
        .await;
    let d = r.data(200)["delivery"].clone();
    assert_eq!(d["id"], json!(id));
    assert_eq!(d["delivery_status"], json!("delivered"), "{d}");
    let h = history(&d);
    assert_eq!(h.len(), 4, "2 attempts + final entry + the redelivery: {d}");
    assert_eq!(h[3]["delivered"], json!(true));
    assert_eq!(h[3]["status_code"], json!(200));
    assert_eq!(h[3]["exception_message"], Value::Null);
    let reqs = rx.wait_for_path("/r", 3, WAIT).await;
    assert_eq!(reqs.len(), 3);
    assert_identical_retries(&reqs);
    assert_eq!(reqs[2].idempotency_key(), idempotency_key(&event_id, &sub));
    // The stored record says the same.
    let r = app.admin_get(&format!("/sandbox/v1/deliveries/{id}")).await;
    assert_eq!(r.data(200)["delivery"], d);
    rx.assert_stays("/r", 3, Duration::from_millis(800)).await;

    // Unknown delivery.
    let r = app
        .admin_post(
            &format!("/sandbox/v1/deliveries/{}/redeliver", uuid::Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}
both_dbs!(redeliver_after_dead, FAST);

// ---------------------------------------------------------------------------------------------
// Routing (§9.6)
// ---------------------------------------------------------------------------------------------

async fn fan_out_general_and_outlet_specific(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    // Both subscriptions on the same URL: still two deliveries.
    let url = rx.url("/same");
    let general = subscribe(&app, &tok, EV, &url).await;
    let specific = subscribe_at(&app, &tok, &outlet_subs(&fx.outlet_id), EV, &url).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let event_id = emit_order(&app, &fx.outlet_id, &order_number(), 2).await;
    let reqs = rx.wait_for_path("/same", 2, WAIT).await;
    let keys: BTreeSet<String> = reqs.iter().map(Received::idempotency_key).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            idempotency_key(&event_id, &general),
            idempotency_key(&event_id, &specific)
        ]),
        "one delivery per subscription, each with its own key"
    );
    for r in &reqs {
        assert_eq!(r.event_id(), event_id);
        assert_eq!(
            r.header("x-go-signature").unwrap(),
            go_signature(&fx.notification_secret, &r.body)
        );
    }
    rx.assert_stays("/same", 2, Duration::from_millis(800))
        .await;

    // Another linked outlet: only the general subscription matches.
    let outlet2 = app.create_outlet_id(&fx.merchant_id, "Second outlet").await;
    app.link(&fx, &outlet2, "gofood", "ext-2").await;
    let e2 = emit_order(&app, &outlet2, &order_number(), 1).await;
    let reqs = rx.wait_for_path("/same", 3, WAIT).await;
    assert_eq!(reqs[2].idempotency_key(), idempotency_key(&e2, &general));
    rx.assert_stays("/same", 3, Duration::from_millis(800))
        .await;

    // Another partner linked to the same outlet gets its own delivery, signed with its secret.
    let other = second_partner_on_outlet(&app, &fx).await;
    let otok = order_token(&app, &other).await;
    let osub = subscribe(&app, &otok, EV, &rx.url("/other")).await;
    let e3 = emit_order(&app, &fx.outlet_id, &order_number(), 3).await;
    let o = rx.wait_for_path("/other", 1, WAIT).await[0].clone();
    assert_eq!(o.idempotency_key(), idempotency_key(&e3, &osub));
    assert_eq!(
        o.header("x-go-signature").unwrap(),
        go_signature(&other.notification_secret, &o.body)
    );
    assert_ne!(other.notification_secret, fx.notification_secret);
    rx.wait_for_path("/same", 5, WAIT).await;
}
both_dbs!(fan_out_general_and_outlet_specific, FAST);

/// A payment event needs the outlet linked for payment; then it is delivered with a default body.
async fn payment_events_need_a_payment_link(app: &TestApp, rx: &Receiver, fx: &Fixture) {
    // A payment event on an outlet linked for gofood only: wrong product.
    let ev = emit(app, "payment.transaction.settlement", &fx.outlet_id, None).await;
    assert_eq!(
        ev["deliveries"],
        json!(0),
        "payment event, gofood link only: {ev}"
    );
    // Linked for payment too: delivered, with a default body for the outlet.
    app.link(fx, &fx.outlet_id, "payment", "pay-ext").await;
    let ev = emit(app, "payment.transaction.settlement", &fx.outlet_id, None).await;
    assert_eq!(
        ev["deliveries"],
        json!(1),
        "payment event, payment link: {ev}"
    );
    let p = rx.wait_for_path("/pay", 1, WAIT).await[0].json();
    assert_eq!(
        p["header"]["event_name"],
        json!("payment.transaction.settlement")
    );
    assert_eq!(p["header"]["event_id"], ev["event_id"]);
    assert!(p["body"].is_object(), "default body: {p}");
    assert_eq!(
        p["body"]["outlet"]["id"],
        json!(fx.outlet_id),
        "default body: {p}"
    );
}

/// Inactive subscription: nothing; activated: delivered; deactivated again: nothing.
async fn inactive_subscriptions_get_nothing(app: &TestApp, rx: &Receiver, fx: &Fixture, tok: &str) {
    // Inactive subscription: nothing; activated: delivered.
    let r = app
        .api_send(
            Method::POST,
            SUBS,
            tok,
            Some(json!({ "event": "gofood.order.completed", "url": rx.url("/inactive"), "active": false })),
        )
        .await;
    let inactive = r.data(201)["subscription"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let completed = |on: String| {
        let outlet = fx.outlet_id.clone();
        async move {
            emit(
                app,
                "gofood.order.completed",
                &outlet,
                Some(order_body(&on, &outlet)),
            )
            .await["deliveries"]
                .clone()
        }
    };
    assert_eq!(
        completed(order_number()).await,
        json!(0),
        "inactive subscription"
    );
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(SUBS, &inactive),
            tok,
            Some(json!({ "active": true })),
        )
        .await;
    r.data(200);
    assert_eq!(
        completed(order_number()).await,
        json!(1),
        "activated subscription"
    );
    rx.wait_for_path("/inactive", 1, WAIT).await;
    // Deactivated again: nothing.
    let r = app
        .api_send(
            Method::PUT,
            &sub_path(SUBS, &inactive),
            tok,
            Some(json!({ "active": false })),
        )
        .await;
    r.data(200);
    assert_eq!(
        completed(order_number()).await,
        json!(0),
        "deactivated subscription"
    );
}

/// A partner that holds no read scope gets no order events.
async fn scopeless_partner_gets_no_order_events(app: &TestApp, rx: &Receiver) {
    // A partner that holds no read scope (none configured, its only client never allowed
    // gofood:order:read) gets no order events.
    let merchant = app.create_merchant("Scopeless").await;
    let outlet = app.create_outlet_id(&merchant, "Scopeless outlet").await;
    let (user_id, _) = app.create_user(&[(merchant.as_str(), "owner")], None).await;
    let partner = app
        .create_partner(
            json!({ "name": "Scopeless POS", "type": "facilitator", "read_scopes": [] }),
        )
        .await;
    let pid = partner["id"].as_str().unwrap().to_string();
    let (cid, cs) = app.create_client(&pid, &["partner:outlet:read"]).await;
    let ptok = app.access_token(&cid, &cs, "partner:outlet:read").await;
    let r = app
        .admin_post(
            "/sandbox/v1/links",
            json!({ "user_id": user_id, "partner_id": pid, "outlet_id": outlet,
                    "product": "gofood", "external_outlet_id": "x" }),
        )
        .await;
    r.data(200);
    subscribe(app, &ptok, EV, &rx.url("/scopeless")).await;
    emit_order(app, &outlet, &order_number(), 0).await;
    rx.assert_stays("/scopeless", 0, Duration::from_millis(800))
        .await;
}

async fn routing_links_scopes_and_inactive(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    // The partner also holds the payment read scope.
    let (pcid, pcs) = app
        .create_client(&fx.partner_id, &["payment:transaction:read"])
        .await;
    app.access_token(&pcid, &pcs, "payment:transaction:read")
        .await;
    subscribe(&app, &tok, EV, &rx.url("/order")).await;
    subscribe(
        &app,
        &tok,
        "payment.transaction.settlement",
        &rx.url("/pay"),
    )
    .await;

    // Linked outlet: delivered.
    emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    rx.wait_for_path("/order", 1, WAIT).await;

    // Outlet of the same merchant, not linked; outlet of another merchant.
    let unlinked = app.create_outlet_id(&fx.merchant_id, "Unlinked").await;
    emit_order(&app, &unlinked, &order_number(), 0).await;
    let stranger = app.create_merchant("Stranger").await;
    let foreign = app.create_outlet_id(&stranger, "Foreign").await;
    emit_order(&app, &foreign, &order_number(), 0).await;

    payment_events_need_a_payment_link(&app, &rx, &fx).await;
    inactive_subscriptions_get_nothing(&app, &rx, &fx, &tok).await;
    // Unlinked (gofood): order events stop.
    let r = app
        .admin_delete(
            "/sandbox/v1/links",
            json!({ "user_id": fx.user_id, "partner_id": fx.partner_id,
                    "outlet_id": fx.outlet_id, "product": "gofood" }),
        )
        .await;
    r.data(200);
    emit_order(&app, &fx.outlet_id, &order_number(), 0).await;

    // Nothing arrived for any of the refused events.
    rx.assert_stays("/order", 1, Duration::from_millis(800))
        .await;
    rx.assert_stays("/pay", 1, Duration::from_millis(0)).await;
    rx.assert_stays("/inactive", 1, Duration::from_millis(0))
        .await;

    scopeless_partner_gets_no_order_events(&app, &rx).await;
}
both_dbs!(routing_links_scopes_and_inactive, FAST);

async fn direct_partner_owned_outlets(app: TestApp) {
    let rx = Receiver::start().await;
    let d = app.setup_direct().await;
    let tok = order_token(&app, &d).await;
    let sub = subscribe(&app, &tok, EV, &rx.url("/d")).await;
    let e = emit_order(&app, &d.outlet_id, &order_number(), 1).await;
    let got = rx.wait_for_path("/d", 1, WAIT).await[0].clone();
    assert_eq!(got.idempotency_key(), idempotency_key(&e, &sub));
    assert_eq!(
        got.header("x-go-signature").unwrap(),
        go_signature(&d.notification_secret, &got.body)
    );
    // Default body for an order event names the outlet.
    let ev = emit(&app, EV, &d.outlet_id, None).await;
    assert_eq!(ev["deliveries"], json!(1));
    let reqs = rx.wait_for_path("/d", 2, WAIT).await;
    let p = reqs[1].json();
    assert_eq!(p["header"]["event_id"], ev["event_id"]);
    assert_eq!(
        p["body"]["outlet"]["id"],
        json!(d.outlet_id),
        "default body: {p}"
    );
    assert!(
        p["body"]["order"]["order_number"].is_string(),
        "default order body: {p}"
    );
    // Another merchant's outlet: not the direct partner's.
    let fx = app.setup_facilitator().await;
    emit_order(&app, &fx.outlet_id, &order_number(), 0).await;
    rx.assert_stays("/d", 2, Duration::from_millis(800)).await;
}
both_dbs!(direct_partner_owned_outlets, FAST);

// ---------------------------------------------------------------------------------------------
// Troubleshooting (§9.10) and the sandbox delivery list
// ---------------------------------------------------------------------------------------------

/// Sandbox delivery list filters (partner, entity, event, status) and paging, over the five deliveries.
async fn sandbox_delivery_filters(app: &TestApp, fx: &Fixture, on: &str, dead_id: &str) {
    // Sandbox list filters.
    let by_partner = deliveries(app, &format!("partner_id={}&per_page=100", fx.partner_id)).await;
    assert_eq!(by_partner.len(), 3, "fx partner: 3 deliveries");
    assert!(by_partner
        .iter()
        .all(|d| d["partner_id"] == json!(fx.partner_id)));
    let by_entity = deliveries(app, &format!("entity_id={on}")).await;
    assert_eq!(by_entity.len(), 3, "both partners, that entity");
    let by_event = deliveries(app, "event=gofood.order.completed").await;
    assert_eq!(by_event.len(), 1);
    assert_eq!(by_event[0]["id"], json!(dead_id));
    let by_status = deliveries(app, &format!("status=dead&partner_id={}", fx.partner_id)).await;
    assert_eq!(by_status.len(), 1);
    let all = deliveries(app, "per_page=100").await;
    assert_eq!(all.len(), 5, "all deliveries");
    let p1 = deliveries(app, "per_page=2&page=1").await;
    let p2 = deliveries(app, "per_page=2&page=2").await;
    let p3 = deliveries(app, "per_page=2&page=3").await;
    let p4 = deliveries(app, "per_page=2&page=4").await;
    assert_eq!((p1.len(), p2.len(), p3.len(), p4.len()), (2, 2, 1, 0));
    let ids: BTreeSet<String> = p1
        .iter()
        .chain(&p2)
        .chain(&p3)
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 5, "pages do not overlap");
}

async fn troubleshooting_notifications(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let other = second_partner_on_outlet(&app, &fx).await;
    let otok = order_token(&app, &other).await;
    rx.set("/dead", Behaviour::Status(404));
    let s_ok = subscribe(&app, &tok, EV, &rx.url("/a")).await;
    let s_dead = subscribe(&app, &tok, "gofood.order.completed", &rx.url("/dead")).await;
    let s_other = subscribe(&app, &otok, EV, &rx.url("/b")).await;

    let on = order_number();
    let body = order_body(&on, &fx.outlet_id);
    let e1 = emit(&app, EV, &fx.outlet_id, Some(body.clone())).await;
    assert_eq!(e1["deliveries"], json!(2), "{e1}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let e2 = emit(
        &app,
        "gofood.order.completed",
        &fx.outlet_id,
        Some(body.clone()),
    )
    .await;
    assert_eq!(e2["deliveries"], json!(1), "{e2}");
    // An unrelated order.
    let other_on = order_number();
    emit_order(&app, &fx.outlet_id, &other_on, 2).await;

    let d_ok = deliveries(&app, &format!("subscription_id={s_ok}&entity_id={on}")).await;
    assert_eq!(d_ok.len(), 1, "{d_ok:?}");
    let d_ok_id = d_ok[0]["id"].as_str().unwrap().to_string();
    let all_dead = deliveries(&app, &format!("subscription_id={s_dead}")).await;
    let d_dead_id = all_dead[0]["id"].as_str().unwrap().to_string();
    wait_status(&app, &d_ok_id, "delivered", WAIT).await;
    let dead = wait_status(&app, &d_dead_id, "dead", WAIT).await;
    assert_dead(&dead, 3, http_failure(404, "URL not found"));
    rx.wait_for_path("/b", 2, WAIT).await;

    let path = |id: &str| format!("/integrations/partner/notifications?entity_id={id}");
    let r = app.api_get(&path(&on), &tok).await;
    let list = r.data(200)["notifications"].as_array().unwrap().clone();
    assert_eq!(
        list.len(),
        2,
        "only the caller's deliveries for that entity: {list:?}"
    );
    // Newest first.
    assert_eq!(list[0]["event_type"], json!("gofood.order.completed"));
    assert_eq!(list[0]["event_id"], e2["event_id"]);
    assert_eq!(list[1]["event_type"], json!(EV));
    assert_eq!(list[1]["event_id"], e1["event_id"]);
    for (n, sub) in list.iter().zip([&s_dead, &s_ok]) {
        assert!(n.get("id").is_none(), "no id in notifications: {n}");
        assert_eq!(n["entity_id"], json!(on));
        assert_eq!(n["partner_id"], json!(fx.partner_id));
        assert_eq!(n["subscription_id"], json!(sub));
        assert_ms_z(&n["created_at"]);
        // Same object as the sandbox record, without `id`.
        let id = deliveries(&app, &format!("subscription_id={sub}&entity_id={on}")).await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app.admin_get(&format!("/sandbox/v1/deliveries/{id}")).await;
        let rec = r.data(200)["delivery"].clone();
        // Exactly the §9.10 fields; the sandbox record has the same values (plus `id`).
        let keys: BTreeSet<&str> = n.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(NOTIFICATION_FIELDS),
            "notification fields: {n}"
        );
        for k in NOTIFICATION_FIELDS {
            assert_eq!(n[k], rec[k], "notification.{k} vs the sandbox record");
        }
    }
    assert_eq!(list[0]["delivery_status"], json!("dead"));
    assert_eq!(list[0]["endpoint"], json!(rx.url("/dead")));
    assert_dead(&list[0], 3, http_failure(404, "URL not found"));
    assert_eq!(list[1]["delivery_status"], json!("delivered"));
    assert_record_matches(&list[1], &rx.requests_to("/a")[0]);

    // The other partner sees only its own delivery.
    let r = app.api_get(&path(&on), &otok).await;
    let list = r.data(200)["notifications"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["partner_id"], json!(other.partner_id));
    assert_eq!(list[0]["subscription_id"], json!(s_other));

    // Unknown entity → empty; missing entity_id → 400.
    let r = app.api_get(&path("F-000000001"), &tok).await;
    assert_eq!(r.data(200)["notifications"], json!([]));
    let r = app
        .api_get("/integrations/partner/notifications", &tok)
        .await;
    assert_error_title(&r, 400, "Bad Request");
    assert!(
        r.messages().iter().any(|m| m.starts_with("entity_id")),
        "missing entity_id: {:?}",
        r.messages()
    );
    // Scope and authentication.
    let (cid, cs) = app
        .create_client(&fx.partner_id, &["promo:food_promo:read"])
        .await;
    let promo = app.access_token(&cid, &cs, "promo:food_promo:read").await;
    let r = app.api_get(&path(&on), &promo).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "Missing required scope: partner:outlet:read",
    );
    let r = app.get(&path(&on)).await;
    assert_session_expired(&r);

    sandbox_delivery_filters(&app, &fx, &on, &d_dead_id).await;
}
both_dbs!(troubleshooting_notifications, FAST);

// ---------------------------------------------------------------------------------------------
// Emit endpoint validation (§10.2)
// ---------------------------------------------------------------------------------------------

async fn sandbox_events_validation(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .admin_post(
            "/sandbox/v1/events",
            json!({ "event": "gofood.order.teleported", "outlet_id": fx.outlet_id }),
        )
        .await;
    assert_field_error(&r, "event");
    let r = app
        .admin_post("/sandbox/v1/events", json!({ "event": EV }))
        .await;
    assert_field_error(&r, "outlet_id");
    let r = app
        .admin_post(
            "/sandbox/v1/events",
            json!({ "event": EV, "outlet_id": "G999999999" }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // No admin token.
    let r = app
        .send(
            app.request(Method::POST, "/sandbox/v1/events")
                .json(&json!({ "event": EV, "outlet_id": fx.outlet_id })),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    // No subscriptions: 0 deliveries, still an event.
    let ev = emit(&app, EV, &fx.outlet_id, None).await;
    assert_eq!(ev["deliveries"], json!(0));
    assert!(is_uuid(ev["event_id"].as_str().unwrap_or_default()), "{ev}");
}
both_dbs!(sandbox_events_validation);

// A burst of events to a receiver that always answers 200 arrives exactly once each: the
// dispatcher must never hand one claimed delivery to two senders (regression: two claims in
// the same millisecond used to pick up each other's rows).
async fn burst_is_delivered_exactly_once(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let rx = Receiver::start().await;
    subscribe(&app, &tok, EV, &rx.url("/burst")).await;
    let n = 150;
    for _ in 0..n {
        emit(
            &app,
            EV,
            &fx.outlet_id,
            Some(order_body(&order_number(), &fx.outlet_id)),
        )
        .await;
    }
    let got = rx.wait_for(n, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = rx.requests();
    let keys: BTreeSet<String> = all.iter().map(|r| r.idempotency_key()).collect();
    assert_eq!(keys.len(), n, "distinct deliveries");
    assert_eq!(
        all.len(),
        n,
        "each delivery exactly once (got {} requests, first wait saw {})",
        all.len(),
        got.len()
    );
}
both_dbs!(burst_is_delivered_exactly_once);

// Events emitted at the same moment are written together (group commit), yet each keeps its
// own id, its own answer and its own fan-out: two subscriptions of a linked outlet give two
// deliveries each, and an unlinked outlet's events in the same burst give none.
async fn concurrent_events_keep_their_own_fan_out(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let rx = Receiver::start().await;
    subscribe(&app, &tok, EV, &rx.url("/a")).await;
    subscribe(&app, &tok, EV, &rx.url("/b")).await;
    let merchant = app.create_merchant("Unlinked").await;
    let unlinked = app.create_outlet_id(&merchant, "Unlinked outlet").await;
    let n = 60;
    let app = &app;
    let answers = futures_util::future::join_all((0..n).map(|i| {
        let outlet = if i % 3 == 0 { &unlinked } else { &fx.outlet_id };
        let body = order_body(&order_number(), outlet);
        async move { (outlet.clone(), emit(app, EV, outlet, Some(body)).await) }
    }))
    .await;
    let mut linked_ids = BTreeSet::new();
    let mut all_ids = BTreeSet::new();
    for (outlet, ev) in &answers {
        let id = ev["event_id"].as_str().unwrap_or_default().to_string();
        assert!(is_uuid(&id), "{ev}");
        all_ids.insert(id.clone());
        if *outlet == fx.outlet_id {
            assert_eq!(ev["deliveries"], json!(2), "linked outlet: {ev}");
            linked_ids.insert(id);
        } else {
            assert_eq!(ev["deliveries"], json!(0), "unlinked outlet: {ev}");
        }
    }
    assert_eq!(all_ids.len(), n, "one event id per request");
    let expected = linked_ids.len() * 2;
    rx.wait_for(expected, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = rx.requests();
    assert_eq!(
        got.len(),
        expected,
        "two deliveries per linked event, none more"
    );
    for path in ["/a", "/b"] {
        let ids: BTreeSet<String> = got
            .iter()
            .filter(|r| r.path.ends_with(path))
            .map(|r| r.event_id())
            .collect();
        assert_eq!(ids, linked_ids, "every linked event at {path}");
    }
}
both_dbs!(concurrent_events_keep_their_own_fan_out);

// ---------------------------------------------------------------------------------------------
// /metrics: attempts and backlog
// ---------------------------------------------------------------------------------------------

/// The value of the first `/metrics` line starting with `prefix `.
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{prefix} ")))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
}

async fn metrics_show_attempts_and_the_backlog(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let rx = Receiver::start().await;
    let ev = "gofood.order.merchant_accepted";
    subscribe(&app, &tok, ev, &rx.url("/ok")).await;
    emit(&app, ev, &fx.outlet_id, None).await;
    rx.wait_for_path("/ok", 1, Duration::from_secs(20)).await;

    // Now a receiver that fails: one attempt, then the delivery waits for its retry.
    rx.set("/down", Behaviour::Status(500));
    let sub = subscribe(&app, &tok, "gofood.order.placed", &rx.url("/down")).await;
    emit(&app, "gofood.order.placed", &fx.outlet_id, None).await;
    rx.wait_for_path("/down", 1, Duration::from_secs(20)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let text = loop {
        let r = app.get("/metrics").await;
        assert_eq!(r.status, 200);
        // The attempt counter moves when the answer comes; the backlog when the attempt's
        // record is written, a moment later.
        let done = metric(&r.text, "gobiz_webhook_attempts_total{result=\"failed\"}") >= 1.0
            && metric(&r.text, "gobiz_webhook_backlog{state=\"waiting\"}") >= 1.0
            && metric(&r.text, "gobiz_webhook_backlog{state=\"due\"}") == 0.0;
        if done || std::time::Instant::now() > deadline {
            break r.text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        metric(&text, "gobiz_webhook_attempts_total{result=\"delivered\"}") >= 1.0,
        "{text}"
    );
    assert!(
        metric(&text, "gobiz_webhook_attempts_total{result=\"failed\"}") >= 1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "gobiz_webhook_backlog{state=\"waiting\"}"),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, "gobiz_webhook_backlog{state=\"due\"}"),
        0.0,
        "the retry is 2 min away: {text}"
    );
    assert_eq!(
        metric(&text, "gobiz_webhook_oldest_due_seconds"),
        0.0,
        "{text}"
    );
    assert!(
        metric(&text, "gobiz_db_connections{state=\"open\"}") >= 1.0,
        "{text}"
    );
    let _ = sub;
}
both_dbs!(metrics_show_attempts_and_the_backlog);

/// A sandbox clock jump longer than the claim's lease while an attempt is in flight does not
/// let another claim send the delivery again: leases run on real time.
async fn a_clock_jump_does_not_send_an_attempt_in_flight_twice(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let rx = Receiver::start().await;
    // Within FAST's 1 s request timeout.
    rx.set("/slow", Behaviour::Delay(Duration::from_millis(900), 200));
    let tok = order_token(&app, &fx).await;
    subscribe(&app, &tok, EV, &rx.url("/slow")).await;
    emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    rx.wait_for_path("/slow", 1, WAIT).await;
    // The receiver is still answering; a day passes on the sandbox clock.
    app.advance_clock(24 * 3600).await;
    rx.assert_stays("/slow", 1, Duration::from_secs(2)).await;
    let d = deliveries(&app, &format!("partner_id={}", fx.partner_id)).await;
    let d = wait_status(&app, d[0]["id"].as_str().unwrap(), "delivered", WAIT).await;
    assert_eq!(d["history"].as_array().map(Vec::len), Some(1), "{d}");
}
both_dbs!(a_clock_jump_does_not_send_an_attempt_in_flight_twice, FAST);
