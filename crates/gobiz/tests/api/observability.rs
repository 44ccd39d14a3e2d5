//! What the server tells operators and integrators when something goes wrong: the reason of a
//! 401 (log and `WWW-Authenticate`), one log line per webhook attempt, the sandbox clock's
//! time on log lines, and JSON logs.
// Every test here needs info logs, so passes `INFO` as the server environment to `both_dbs!`.

use std::time::{Duration, Instant};

use crate::harness::*;

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
async fn unauthorized_says_why(app: TestApp) {
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
}
both_dbs!(unauthorized_says_why, INFO);

// A receiver that fails once (500) and then answers 200: two info lines, one per attempt,
// each with the event, delivery, partner, URL, status, latency and what comes next.
async fn webhook_attempts_logged(app: TestApp) {
    use crate::harness::receiver::*;
    const EV: &str = "gofood.order.merchant_accepted";
    let wait = Duration::from_secs(20);
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
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
    // What every attempt's line says, besides its attempt number and outcome.
    let every: [&str; 5] = [&event, &event_id, &partner, &url, "latency_ms="];
    let first = log_line(&app, &["webhook attempt", &delivery, "status=500"]).await;
    for part in every.into_iter().chain(["attempt=1"]) {
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
    for part in every.into_iter().chain(["attempt=2", "next=delivered"]) {
        assert!(second.contains(part), "{part} missing from {second}");
    }
    // The clock was moved: the line carries the sandbox time too.
    assert!(second.contains(" sandbox_time="), "{second}");
}
both_dbs!(webhook_attempts_logged, INFO);

/// The `sandbox_time=` value of a text line.
fn sandbox_time_of(line: &str) -> Option<i64> {
    let v = line.split(" sandbox_time=").nth(1)?;
    Some(epoch_ms(v.split_whitespace().next()?))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

// Real time stamps every line; once the sandbox clock is moved, each line also carries the
// sandbox clock's time.
async fn sandbox_time_on_log_lines(app: TestApp) {
    let r = app.get(LINKED).await;
    let line = log_line(&app, &[&request_id(&r), "request finished"]).await;
    assert!(!line.contains("sandbox_time"), "clock not moved: {line}");

    app.advance_clock(7200).await;
    let r = app.get(LINKED).await;
    let id = request_id(&r);
    let before = now_ms();
    for what in ["401 Session Expired", "request finished"] {
        let line = log_line(&app, &[&id, what]).await;
        let sandbox = sandbox_time_of(&line).unwrap_or_else(|| panic!("no sandbox_time: {line}"));
        assert!(
            (sandbox - (before + 7_200_000)).abs() < 60_000,
            "sandbox_time is 2 h ahead of real time: {line}"
        );
        let stamp = epoch_ms(line.split_whitespace().next().unwrap());
        assert!(
            (stamp - before).abs() < 60_000,
            "the line's own timestamp stays real time: {line}"
        );
    }
    // The advance itself was logged after the move (the request's span, any line).
    let clock_line = log_line(&app, &["/sandbox/v1/clock/advance", "request finished"]).await;
    assert!(clock_line.contains("sandbox_time="), "{clock_line}");
}
both_dbs!(sandbox_time_on_log_lines, INFO);

/// Parses every stderr line as a JSON object.
fn json_lines(app: &TestApp) -> Vec<serde_json::Value> {
    let log = app.server_stderr();
    log.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n--- stderr ---\n{log}"));
            assert!(v.is_object(), "not a JSON object: {l}");
            v
        })
        .collect()
}

/// The JSON lines of the request `id`.
fn request_lines(app: &TestApp, id: &str) -> Vec<serde_json::Value> {
    json_lines(app)
        .into_iter()
        .filter(|v| v["span"]["request_id"] == serde_json::json!(id))
        .collect()
}

// GOBIZ_LOG_FORMAT=json: every stderr line is a JSON object; request lines carry the request
// id, and the sandbox time once the clock moved.
async fn json_logs(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let ok = app.api_get(LINKED, &tok).await;
    ok.data(200);
    let refused = app.get(LINKED).await;
    app.advance_clock(3600).await;
    let later = app.api_get(LINKED, &tok).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let all = json_lines(&app);
    assert!(
        all.iter()
            .any(|v| v["message"] == serde_json::json!("serving")),
        "the start line is JSON too"
    );
    let lines = request_lines(&app, &request_id(&ok));
    let done = lines
        .iter()
        .find(|v| v["message"] == serde_json::json!("request finished"))
        .unwrap_or_else(|| panic!("no request line for the 200: {all:?}"));
    assert_eq!(done["level"], serde_json::json!("INFO"));
    assert_eq!(done["status"], serde_json::json!(200));
    assert_eq!(done["span"]["path"], serde_json::json!(LINKED));
    assert!(done.get("timestamp").is_some(), "{done}");
    assert!(done.get("sandbox_time").is_none(), "{done}");

    let lines = request_lines(&app, &request_id(&refused));
    let why = lines
        .iter()
        .find(|v| v["message"] == serde_json::json!("401 Session Expired"))
        .unwrap_or_else(|| panic!("no 401 line: {all:?}"));
    assert_eq!(why["reason"], serde_json::json!("missing token"));

    let lines = request_lines(&app, &request_id(&later));
    assert!(!lines.is_empty(), "{all:?}");
    for v in &lines {
        let t = v["sandbox_time"]
            .as_str()
            .unwrap_or_else(|| panic!("no sandbox_time after the move: {v}"));
        assert!((epoch_ms(t) - (now_ms() + 3_600_000)).abs() < 60_000, "{v}");
    }
}
both_dbs!(
    json_logs,
    &[("RUST_LOG", "info"), ("GOBIZ_LOG_FORMAT", "json")]
);

// The config file's `log_format` is honoured too.
#[tokio::test]
async fn json_logs_from_the_config_file() {
    let db = TestDb::sqlite();
    let dir = std::env::temp_dir().join(format!("gobiz-obs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gobiz.toml");
    std::fs::write(&file, "log_format = \"json\"\n").unwrap();
    let app = TestApp::start_with_env(
        &db.url,
        &[
            ("RUST_LOG", "info"),
            ("GOBIZ_CONFIG", file.to_str().unwrap()),
        ],
    )
    .await;
    let r = app.get(LINKED).await;
    let id = request_id(&r);
    log_line(&app, &[&id, "request finished"]).await;
    assert!(!request_lines(&app, &id).is_empty());
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await;
}

/// Runs `gobiz serve` expecting it to refuse to start; returns its stderr.
fn refused_start(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = std::env::temp_dir().join(format!("gobiz-obs-{}", uuid::Uuid::new_v4().simple()));
    let db = format!("sqlite://{}/gobiz.db?mode=rwc", dir.display());
    let bin =
        std::env::var("GOBIZ_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_gobiz").into());
    let out = std::process::Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &db])
        .args(args)
        .env_remove("GOBIZ_LOG_FORMAT")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success(), "started with {args:?} {env:?}");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn bad_log_format_is_refused() {
    let e = refused_start(&["--log-format", "xml"], &[]);
    assert!(e.contains("xml") && e.contains("--log-format"), "{e}");
    assert!(
        e.contains("text") && e.contains("json"),
        "names the choices: {e}"
    );
    let e = refused_start(&[], &[("GOBIZ_LOG_FORMAT", "yaml")]);
    assert!(
        e.contains("yaml") && e.contains("text") && e.contains("json"),
        "{e}"
    );

    let dir = std::env::temp_dir().join(format!("gobiz-obs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gobiz.toml");
    std::fs::write(&file, "log_format = \"xml\"\n").unwrap();
    let e = refused_start(&["--config", file.to_str().unwrap()], &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        e.contains("log_format in the config file must be text or json, not \"xml\""),
        "{e}"
    );
}
