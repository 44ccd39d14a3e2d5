//! How deliveries reach receivers: https receivers (built-in roots plus `--webhook-ca-file`),
//! and the production URL guard against IPv6 spellings of forbidden IPv4 addresses.

use std::time::Duration;

use crate::harness::receiver::*;
use crate::harness::*;
use serde_json::{json, Value};

const EV: &str = "gofood.order.merchant_accepted";
const WAIT: Duration = Duration::from_secs(20);
const SCHEDULE: &str = "100,200,300,400,500";
const KEY: &str = "transport-test-secret-key-0123456789abcdef";

fn history(d: &Value) -> Vec<Value> {
    d["history"]
        .as_array()
        .unwrap_or_else(|| panic!("history array: {d}"))
        .clone()
}

// ---------------------------------------------------------------------------------------------
// https receivers
// ---------------------------------------------------------------------------------------------

// A receiver whose certificate chains to the CA of `--webhook-ca-file` gets the signed
// delivery over TLS.
async fn https_receiver_trusted_through_the_ca_file(db_url: String) {
    let ca = TestCa::new();
    let rx = Receiver::start_https(&ca).await;
    let app = TestApp::start_with_env(
        &db_url,
        &[
            ("GOBIZ_WEBHOOK_CA_FILE", &ca.ca_path()),
            ("GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS", SCHEDULE),
        ],
    )
    .await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let url = rx.url("/hook");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let sub = subscribe(&app, &tok, EV, &url).await;
    let event_id = emit_order(&app, &fx.outlet_id, &order_number(), 1).await;

    let got = rx.wait_for(1, WAIT).await[0].clone();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/hook");
    assert_eq!(
        got.header("x-go-signature"),
        Some(go_signature(&fx.notification_secret, &got.body)),
        "X-Go-Signature must be hex HMAC-SHA256(secret, raw body)"
    );
    assert_eq!(got.idempotency_key(), idempotency_key(&event_id, &sub));
    assert_eq!(got.event_id(), event_id);

    let id = delivery_of(&app, &sub).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = wait_status(&app, &id, "delivered", WAIT).await;
    assert_record_matches(&d, &got);
    let h = history(&d);
    assert_eq!(h.len(), 1, "{d}");
    assert_eq!(h[0]["status_code"], json!(200), "{d}");
    assert_eq!(rx.tls_failures(), 0, "every handshake succeeded");
    rx.assert_stays("/hook", 1, Duration::from_millis(500))
        .await;
}
both_dbs!(https_receiver_trusted_through_the_ca_file);

// Without the CA file the same receiver is not trusted: the server connects, refuses the
// certificate, never sends the body, and the history says why.
async fn https_receiver_untrusted_without_the_ca_file(db_url: String) {
    let ca = TestCa::new();
    let rx = Receiver::start_https(&ca).await;
    let app =
        TestApp::start_with_env(&db_url, &[("GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS", SCHEDULE)]).await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let sub = subscribe(&app, &tok, EV, &rx.url("/hook")).await;
    emit_order(&app, &fx.outlet_id, &order_number(), 1).await;

    let id = delivery_of(&app, &sub).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = wait_status(&app, &id, "dead", WAIT).await;
    assert!(
        rx.requests().is_empty(),
        "no request may reach an untrusted receiver"
    );
    assert!(
        rx.tls_failures() >= 1,
        "the server must have tried (and refused) the handshake: {d}"
    );
    let h = history(&d);
    assert_eq!(h.len(), 7, "six attempts and the final entry: {d}");
    for e in &h[..6] {
        assert_eq!(e["delivered"], json!(false), "{e}");
        assert_eq!(e["status_code"], Value::Null, "{e}");
        let msg = e["exception_message"].as_str().unwrap_or_default();
        assert!(
            msg.starts_with("Connection failed: ")
                && msg.contains("certificate")
                && msg.contains("UnknownIssuer"),
            "the recorded error must name the certificate problem: {msg}"
        );
        assert!(
            !msg.contains("scheme is not http"),
            "https must be supported: {msg}"
        );
    }
}
both_dbs!(https_receiver_untrusted_without_the_ca_file);

/// Runs `gobiz serve` on a fresh SQLite file with `args` and expects it to refuse to start;
/// returns its stderr.
async fn refused_start(args: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("gobiz-refused-{}", uuid::Uuid::new_v4()));
    let db_url = format!("sqlite://{}/gobiz.db?mode=rwc", dir.display());
    let mut all = vec!["--listen", "127.0.0.1:0", "--database-url", &db_url];
    all.extend_from_slice(args);
    let (_, stderr, _) = serve_refused(&all, &[("GOBIZ_ADMIN_TOKEN", ADMIN_TOKEN)]).await;
    let _ = std::fs::remove_dir_all(&dir);
    stderr
}

// A CA file that cannot be read, is empty, holds no certificate or a broken one refuses the
// start, naming the file, whether it comes from the flag or from the config file.
#[tokio::test]
async fn a_bad_webhook_ca_file_refuses_to_start() {
    let dir = std::env::temp_dir().join(format!("gobiz-bad-ca-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.pem");
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let text = dir.join("text.pem");
    std::fs::write(&text, "this is not a certificate\n").unwrap();
    let broken = dir.join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nAAAAAA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    for (file, words) in [
        (&missing, "cannot read the webhook CA file"),
        (&empty, "holds no PEM certificate"),
        (&text, "holds no PEM certificate"),
        (&broken, "holds an unusable certificate"),
    ] {
        let path = file.display().to_string();
        let err = refused_start(&["--webhook-ca-file", &path]).await;
        assert!(err.contains(&path) && err.contains(words), "{path}: {err}");

        let config = dir.join("gobiz.toml");
        std::fs::write(&config, format!("webhook_ca_file = {:?}\n", path)).unwrap();
        let err = refused_start(&["--config", &config.display().to_string()]).await;
        assert!(
            err.contains(&path) && err.contains(words),
            "config file, {path}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Production URL guard: IPv6 spellings of forbidden IPv4 addresses
// ---------------------------------------------------------------------------------------------

async fn production_refuses_ipv6_spellings_of_forbidden_ipv4(db_url: String) {
    let app = TestApp::start_with_env(
        &db_url,
        &[("GOBIZ_MODE", "production"), ("GOBIZ_SECRET_KEY", KEY)],
    )
    .await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let refused = [
        "https://[::127.0.0.1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://[64:ff9b::127.0.0.1]/x",
        "https://[64:ff9b::169.254.169.254]/latest",
        "https://[64:ff9b:1::127.0.0.1]/x",
        "https://[2002:7f00:1::]/x",
        "https://[2002:c0a8:101::1]/x",
        "https://[2001:0:7f00:1::]/x",
        "https://[2001:0:808:808::80ff:fffe]/x",
        "https://127.0.0.1/x",
        "https://[::1]/x",
    ];
    for url in refused {
        let r = post_subscription(&app, &tok, SUBS, EV, url).await;
        assert_error(
            &r,
            400,
            "Bad Request",
            "url: must not point at a loopback, private, link-local or metadata address",
        );
    }
    // The same families carrying a public IPv4 address are accepted (literals: no DNS).
    for url in [
        "https://[64:ff9b::8.8.8.8]/x",
        "https://[2002:808:808::1]/x",
        "https://[2001:0:808:808::f7f7:f7f7]/x",
    ] {
        let s = subscribe_at(&app, &tok, SUBS, EV, url).await;
        assert!(s["id"].is_string(), "{url}: {s}");
    }
}
both_dbs!(production_refuses_ipv6_spellings_of_forbidden_ipv4);
