//! `gobiz listen` (issue 18): the real CLI binary attached to a real server forwards a
//! partner's deliveries to a local app with their exact bodies and signatures, reports the
//! app's answers (a 500 is retried on the schedule), survives a server restart without losing
//! or repeating a delivery, closes its listener on SIGTERM, and fails in one line on bad input.

use crate::harness::receiver::{go_signature, wait_status, Behaviour, Receiver};
use crate::harness::*;
use crate::support::orders::{env, num, place_ok, simple_order};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const HOOK: &str = "/local-app/webhook";

/// A running `gobiz listen` and the lines it printed so far.
struct Listening {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Listening {
    /// Starts `gobiz listen <args>` against `app` and waits for its `Ready!` line.
    async fn start(app: &TestApp, args: &[&str]) -> Listening {
        let mut all = vec!["listen"];
        all.extend_from_slice(args);
        let mut child = cli_spawn(app, &all);
        let lines = Arc::new(Mutex::new(Vec::new()));
        for (pipe, tag) in [
            (
                child
                    .stdout
                    .take()
                    .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
                "",
            ),
            (
                child
                    .stderr
                    .take()
                    .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
                "stderr: ",
            ),
        ] {
            let Some(pipe) = pipe else { continue };
            let lines = lines.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    lines.lock().unwrap().push(format!("{tag}{line}"));
                }
            });
        }
        let l = Listening { child, lines };
        l.wait_line(|s| s.starts_with("Ready!"), "Ready!").await;
        l
    }

    /// `gobiz listen` of the fixture's partner, `merchant_accepted` only, to `local`.
    async fn accepted_events(app: &TestApp, fx: &Fixture, local: &Receiver) -> Listening {
        let url = local.url(HOOK);
        let args = [
            "--forward-to",
            url.as_str(),
            "--partner",
            fx.partner_id.as_str(),
            "--events",
            "gofood.order.merchant_accepted",
        ];
        Listening::start(app, &args).await
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits (at most 30 s) for a line matching `pred`; returns it.
    async fn wait_line<F: Fn(&str) -> bool>(&self, pred: F, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self.lines().into_iter().find(|l| pred(l)) {
                return l;
            }
            assert!(
                Instant::now() < deadline,
                "gobiz listen did not print {what:?} within 30 s; it printed:\n{}",
                self.lines().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM and waits for the exit code.
    async fn terminate(mut self) -> (i32, Vec<String>) {
        let pid = self.child.id().expect("listen pid");
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        let status = tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("listen exits within 15 s of SIGTERM")
            .expect("wait");
        tokio::time::sleep(Duration::from_millis(100)).await;
        (status.code().unwrap_or(-1), self.lines())
    }
}

/// The listener deliveries of a partner in the delivery log (their endpoint is the listener's).
async fn listener_deliveries(app: &TestApp, partner_id: &str) -> Vec<Value> {
    crate::harness::receiver::deliveries(app, &format!("partner_id={partner_id}&per_page=100"))
        .await
        .into_iter()
        .filter(|d| {
            d["endpoint"]
                .as_str()
                .is_some_and(|e| e.starts_with("gobiz-listen:"))
        })
        .collect()
}

/// One `merchant_accepted` of a new order at the fixture's outlet; its event id.
async fn emit_accepted(app: &TestApp, fx: &Fixture) -> String {
    let n = crate::harness::receiver::order_number();
    crate::harness::receiver::emit_order(app, &fx.outlet_id, &n, 1).await
}

fn timestamp(r: &crate::harness::receiver::Received) -> String {
    r.json()["header"]["timestamp"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn forwards_an_orders_events_in_order_with_their_signatures(app: TestApp) {
    let e = env(&app).await;
    let local = Receiver::start().await;
    let listen = Listening::start(
        &app,
        &[
            "--forward-to",
            &local.url(HOOK),
            "--partner",
            &e.fx.partner_id,
            "--outlet",
            e.outlet(),
        ],
    )
    .await;
    let order = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&order);
    let r = app
        .admin_post(
            &format!("/sandbox/v1/orders/{n}/advance"),
            json!({ "to": "COMPLETED" }),
        )
        .await;
    r.data(200);
    // The partner's own subscription gets every event of the order: the listener must too.
    let real =
        e.rx.wait_until(Duration::from_secs(30), "the order's events", |got| {
            got.iter()
                .any(|g| g.json()["header"]["event_name"] == json!("gofood.order.completed"))
        })
        .await;
    let expected: Vec<String> = real
        .iter()
        .filter(|g| g.json()["body"]["order"]["order_number"] == json!(n))
        .map(|g| g.json()["header"]["event_id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        expected.len() >= 4,
        "an order walked to completion: {expected:?}"
    );
    let got = local
        .wait_for_path(HOOK, expected.len(), Duration::from_secs(30))
        .await;
    let mut ids: Vec<String> = got.iter().map(|g| g.event_id()).collect();
    let stamps: Vec<String> = got.iter().map(timestamp).collect();
    let mut sorted = stamps.clone();
    sorted.sort();
    assert_eq!(stamps, sorted, "forwarded in order of header.timestamp");
    for g in &got {
        assert_eq!(
            g.header("X-Go-Signature").as_deref(),
            Some(go_signature(&e.fx.notification_secret, g.body_str().as_bytes()).as_str()),
            "the app's signature check passes unchanged"
        );
        assert!(g
            .header("X-Go-Idempotency-Key")
            .is_some_and(|k| !k.is_empty()));
    }
    ids.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(ids, want, "every event of the order, each once");
    // One line per delivery, with the app's status, and the log says delivered.
    listen
        .wait_line(
            |l| l.contains("gofood.order.completed") && l.contains("200"),
            "the completed line",
        )
        .await;
    let ours = listener_deliveries(&app, &e.fx.partner_id).await;
    assert_eq!(ours.len(), expected.len(), "{ours:?}");
    for d in &ours {
        wait_status(
            &app,
            d["id"].as_str().unwrap(),
            "delivered",
            Duration::from_secs(10),
        )
        .await;
    }
    // The console's delivery log names the attached listener.
    let console = ConsoleSession::sign_in(&app).await;
    let page = console.get("/console/webhooks").await;
    assert!(
        page.text.contains("Attached with gobiz listen") && page.text.contains(&local.url(HOOK)),
        "{}",
        page.text
    );
    let (code, lines) = listen.terminate().await;
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("Stopped")), "{lines:?}");
    let open = app.admin_get("/sandbox/v1/listeners").await;
    assert_eq!(
        open.data(200)["listeners"],
        json!([]),
        "SIGTERM closes the listener"
    );
}
both_dbs!(forwards_an_orders_events_in_order_with_their_signatures);

async fn a_500_from_the_app_is_retried_on_the_schedule(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let local = Receiver::start().await;
    local.set(HOOK, Behaviour::Status(500));
    let listen = Listening::accepted_events(&app, &fx, &local).await;
    emit_accepted(&app, &fx).await;
    let first = local.wait_for_path(HOOK, 1, Duration::from_secs(30)).await;
    listen
        .wait_line(|l| l.contains("500"), "the 500 line")
        .await;
    let ours = listener_deliveries(&app, &fx.partner_id).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    let id = ours[0]["id"].as_str().unwrap().to_string();
    let d = wait_status(&app, &id, "retrying", Duration::from_secs(10)).await;
    assert_eq!(d["history"][0]["status_code"], json!(500), "{d}");
    assert_eq!(
        d["history"][0]["exception_message"],
        json!("HTTP 500"),
        "{d}"
    );
    // The first retry of spec §9.8 comes 2 minutes later (sandbox clock).
    local.set(HOOK, Behaviour::Status(200));
    local
        .assert_stays(HOOK, 1, Duration::from_millis(500))
        .await;
    app.advance_clock(121).await;
    let both = local.wait_for_path(HOOK, 2, Duration::from_secs(30)).await;
    assert_eq!(
        both[1].idempotency_key(),
        first[0].idempotency_key(),
        "a retry keeps its idempotency key"
    );
    assert_eq!(both[1].body_str(), first[0].body_str());
    wait_status(&app, &id, "delivered", Duration::from_secs(10)).await;
    listen
        .wait_line(|l| l.contains("(attempt 2)"), "the retry line")
        .await;
    listen.terminate().await;
}
both_dbs!(a_500_from_the_app_is_retried_on_the_schedule);

async fn a_server_restart_loses_and_repeats_nothing(mut app: TestApp) {
    let fx = app.setup_facilitator().await;
    let local = Receiver::start().await;
    let listen = Listening::accepted_events(&app, &fx, &local).await;
    let mut emitted = Vec::new();
    emitted.push(emit_accepted(&app, &fx).await);
    local.wait_for_path(HOOK, 1, Duration::from_secs(30)).await;
    // The app is slow: the server dies while the CLI waits for its answer, so the answer can
    // only be reported to the restarted server.
    local.set(HOOK, Behaviour::Delay(Duration::from_secs(2), 200));
    emitted.push(emit_accepted(&app, &fx).await);
    local.wait_for_path(HOOK, 2, Duration::from_secs(30)).await;
    // Two more events wait in the outbox while the server is down and restarts.
    emitted.push(emit_accepted(&app, &fx).await);
    app.restart_same_port().await;
    local.set(HOOK, Behaviour::Status(200));
    listen
        .wait_line(|l| l.starts_with("Reconnected"), "Reconnected")
        .await;
    emitted.push(emit_accepted(&app, &fx).await);
    let got = local.wait_for_path(HOOK, 4, Duration::from_secs(30)).await;
    local.assert_stays(HOOK, 4, Duration::from_secs(1)).await;
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for g in &got {
        *per_event.entry(g.event_id()).or_default() += 1;
    }
    for ev in &emitted {
        assert_eq!(
            per_event.get(ev),
            Some(&1),
            "event {ev} forwarded once: {per_event:?}"
        );
    }
    for d in listener_deliveries(&app, &fx.partner_id).await {
        let d = wait_status(
            &app,
            d["id"].as_str().unwrap(),
            "delivered",
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(
            d["history"].as_array().map(Vec::len),
            Some(1),
            "one attempt each: {d}"
        );
    }
    listen.terminate().await;
}
both_dbs!(a_server_restart_loses_and_repeats_nothing);

/// Bad input: one line on stderr, the exit code of its kind, and no listener left behind.
#[tokio::test]
async fn bad_arguments_fail_in_one_line() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db.url).await;
    let fx = app.setup_facilitator().await;
    let hook = "http://127.0.0.1:9/hook";
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["listen", "--forward-to", "not a url"],
            2,
            "--forward-to",
        ),
        (
            vec!["listen", "--forward-to", "ftp://x/y"],
            2,
            "http:// or https://",
        ),
        (
            vec![
                "listen",
                "--forward-to",
                hook,
                "--partner",
                "no-such-partner",
            ],
            5,
            "Partner with id: no-such-partner is not found",
        ),
        (
            vec![
                "listen",
                "--forward-to",
                hook,
                "--partner",
                &fx.partner_id,
                "--outlet",
                "G999999999",
            ],
            5,
            "G999999999",
        ),
        (
            vec![
                "listen",
                "--forward-to",
                hook,
                "--partner",
                &fx.partner_id,
                "--events",
                "gofood.order.nope",
            ],
            6,
            "unknown event gofood.order.nope",
        ),
        // No --partner on a server without the demo data.
        (vec!["listen", "--forward-to", hook], 6, "--demo"),
    ];
    for (args, code, words) in cases {
        let run = cli(&app, &args).await;
        assert_eq!(run.code, code, "{args:?}: {run:#?}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "{args:?}: {run:#?}");
        assert!(
            run.stderr.starts_with("gobiz: ") && run.stderr.contains(words),
            "{args:?}: {run:#?}"
        );
    }
    let wrong_token = {
        let mut cmd = cli_command(&["listen", "--forward-to", hook, "--partner", &fx.partner_id]);
        cmd.env("GOBIZ_SERVER", &app.base)
            .env("GOBIZ_ADMIN_TOKEN", "wrong");
        cmd.output().await.unwrap()
    };
    assert_eq!(wrong_token.status.code(), Some(4), "{wrong_token:?}");
    assert!(String::from_utf8_lossy(&wrong_token.stderr).contains("admin token"));
    let down = cli_bare(&[
        "listen",
        "--server",
        "http://127.0.0.1:9",
        "--forward-to",
        hook,
    ])
    .await;
    assert_eq!(down.code, 3, "{down:#?}");
    assert!(
        down.stderr
            .contains("cannot reach the gobiz server at http://127.0.0.1:9"),
        "{down:#?}"
    );
    let open = app.admin_get("/sandbox/v1/listeners").await;
    assert_eq!(open.data(200)["listeners"], json!([]));
}

/// The server side on its own: answers are checked, and a closed listener's deliveries end.
async fn listener_api_refuses_what_does_not_fit(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .admin_post(
            "/sandbox/v1/listeners",
            json!({ "partner_id": fx.partner_id, "forward_to": "http://localhost:1/x",
                    "events": ["gofood.order.merchant_accepted"] }),
        )
        .await;
    let l = r.data(201)["listener"].clone();
    let id = l["listener_id"].as_str().unwrap().to_string();
    let bad = app
        .admin_post(&format!("/sandbox/v1/listeners/{id}/answers"), json!({}))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.text.contains("delivery_id: is required"),
        "{}",
        bad.text
    );
    let unknown = app
        .admin_post(
            &format!("/sandbox/v1/listeners/{id}/answers"),
            json!({ "delivery_id": "nope", "lease": "x", "status_code": 200 }),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    emit_accepted(&app, &fx).await;
    // The partner does not see the listener's subscription among its own.
    let tok = crate::harness::receiver::order_token(&app, &fx).await;
    let subs = app
        .api_send(
            reqwest::Method::GET,
            crate::harness::receiver::SUBS,
            &tok,
            None,
        )
        .await;
    assert!(!subs.text.contains("gobiz-listen:"), "{}", subs.text);
    let ours = listener_deliveries(&app, &fx.partner_id).await;
    assert_eq!(ours.len(), 1);
    let wrong_lease = app
        .admin_post(
            &format!("/sandbox/v1/listeners/{id}/answers"),
            json!({ "delivery_id": ours[0]["id"], "lease": "not-the-lease", "status_code": 200 }),
        )
        .await;
    assert_eq!(wrong_lease.status, 409, "{}", wrong_lease.text);
    let closed = app
        .send(
            app.request(
                reqwest::Method::DELETE,
                &format!("/sandbox/v1/listeners/{id}"),
            )
            .bearer_auth(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(
        closed.data(200)["abandoned_deliveries"],
        json!(1),
        "{}",
        closed.text
    );
    let d = wait_status(
        &app,
        ours[0]["id"].as_str().unwrap(),
        "dead",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        d.to_string()
            .contains("the listener (gobiz listen) was closed"),
        "{d}"
    );
    let gone = app
        .admin_get(&format!("/sandbox/v1/listeners/{id}/stream"))
        .await;
    assert_eq!(gone.status, 404, "{}", gone.text);
}
both_dbs!(listener_api_refuses_what_does_not_fit);
