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
