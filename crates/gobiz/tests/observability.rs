//! What the server tells operators and integrators when something goes wrong: the reason of a
//! 401 (log and `WWW-Authenticate`), one log line per webhook attempt, the sandbox clock's
//! time on log lines, and JSON logs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;
#[macro_use]
mod receiver;

use std::time::{Duration, Instant};

use common::*;

const LINKED: &str = "/integrations/partner/v1/linked-outlets";

/// Info-level logs (the harness defaults to `warn`).
const INFO: &[(&str, &str)] = &[("RUST_LOG", "info")];

/// Waits (at most 5 s) for a server log line that contains every one of `parts`; returns it.
async fn log_line(app: &TestApp, parts: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = app.server_stderr();
        if let Some(line) = log.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
            return line.to_string();
        }
        if Instant::now() > deadline {
            panic!("no log line with all of {parts:?}\n--- server stderr ---\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The 401's request id, from its `X-Request-ID`.
fn request_id(r: &Resp) -> String {
    r.header("x-request-id").expect("X-Request-ID on a 401")
}

// The four reasons of a 401: GoBiz's body every time, the reason in `WWW-Authenticate` and in
// an info line that carries the request id.
both_dbs_env!(unauthorized_says_why, INFO, |app: TestApp| async move {
    let fx = app.setup_facilitator().await;

    let r = app.get(LINKED).await;
    assert_session_expired_because(&r, "missing token");
    let line = log_line(&app, &[&request_id(&r), "401 Session Expired"]).await;
    assert!(line.contains("missing token"), "{line}");
    assert!(line.contains("INFO"), "{line}");

    let r = app
        .api_get(LINKED, "gbz_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_session_expired_because(&r, "unknown token");
    let line = log_line(&app, &[&request_id(&r), "401 Session Expired"]).await;
    assert!(line.contains("unknown token"), "{line}");

    // Revoked right after a successful call (the token is memoized): still "revoked".
    let tok = app.fixture_token(&fx).await;
    app.api_get(LINKED, &tok).await.data(200);
    let rv = app.revoke(&fx.client_id, &fx.client_secret, &tok).await;
    assert_eq!(rv.status, 200, "{}", rv.text);
    let r = app.api_get(LINKED, &tok).await;
    assert_session_expired_because(&r, "token revoked");
    let line = log_line(&app, &[&request_id(&r), "401 Session Expired"]).await;
    assert!(line.contains("token revoked"), "{line}");

    // Expired on the sandbox clock right after a successful call (memoized): "expired".
    let tok = app.fixture_token(&fx).await;
    app.api_get(LINKED, &tok).await.data(200);
    app.advance_clock(3600).await;
    let r = app.api_get(LINKED, &tok).await;
    assert_session_expired_because(&r, "token expired");
    let line = log_line(&app, &[&request_id(&r), "401 Session Expired"]).await;
    assert!(line.contains("token expired"), "{line}");
});

// A receiver that fails once (500) and then answers 200: two info lines, one per attempt,
// each with the event, delivery, partner, URL, status, latency and what comes next.
both_dbs_env!(webhook_attempts_logged, INFO, |app: TestApp| async move {
    use receiver::*;
    const EV: &str = "gofood.order.merchant_accepted";
    let wait = Duration::from_secs(20);
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = app
        .access_token(
            &fx.client_id,
            &fx.client_secret,
            "gofood:order:read partner:outlet:read partner:outlet:write",
        )
        .await;
    rx.set("/flaky", Behaviour::Status(500));
    let sub = subscribe(&app, &tok, EV, &rx.url("/flaky?secret=s3cr3t")).await;
    let event_id = emit_order(&app, &fx.outlet_id, &order_number(), 1).await;
    rx.wait_for_path("/flaky", 1, wait).await;
    let id = delivery_of(&app, &sub).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = wait_status(&app, &id, "retrying", wait).await;
    let retry_at = d["history"][0]["time"].as_str().map(epoch_ms).unwrap() + 120_000;

    let url = format!("url={}", rx.url("/flaky"));
    let event = format!("event={EV}");
    let event_id = format!("event_id={event_id}");
    let delivery = format!("delivery={id}");
    let partner = format!("partner={}", fx.partner_id);
    let first = log_line(&app, &["webhook attempt", &delivery, "status=500"]).await;
    for part in [
        &event,
        &event_id,
        &partner,
        &url,
        "latency_ms=",
        "attempt=1",
    ] {
        assert!(first.contains(part), "{part} missing from {first}");
    }
    assert!(first.contains("INFO"), "{first}");
    assert!(
        !first.contains("s3cr3t"),
        "the query stays out of the log: {first}"
    );
    let next = first
        .split("next=retry at ")
        .nth(1)
        .unwrap_or_else(|| panic!("next=retry at … missing from {first}"));
    let at = epoch_ms(next.split_whitespace().next().unwrap());
    assert!(
        (at - retry_at).abs() < 1000,
        "retry at {next} is not 2 min after the attempt ({retry_at})"
    );

    rx.set("/flaky", Behaviour::Status(200));
    app.advance_clock(121).await;
    wait_status(&app, &id, "delivered", wait).await;
    let second = log_line(&app, &["webhook attempt", &delivery, "status=200"]).await;
    for part in [
        &event,
        &event_id,
        &partner,
        &url,
        "latency_ms=",
        "attempt=2",
        "next=delivered",
    ] {
        assert!(second.contains(part), "{part} missing from {second}");
    }
});
