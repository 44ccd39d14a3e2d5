//! Notification secrets are sealed at rest (AES-256-GCM under `GOBIZ_SECRET_KEY`): the
//! database never holds the secret itself, the sandbox still shows it, webhooks are signed
//! with it, a secret stored in plain text before sealing existed is sealed at the next start,
//! and a node started with another key refuses to start instead of signing with garbage.
//! Black box, both databases (the test reads the `partners` table directly to look).

use crate::harness::receiver::{emit, go_signature, subscribe, Receiver};
use crate::harness::*;
use std::time::Duration;

const KEY: &str = "test-server-key-0123456789-abcdefghijklmnop";

/// Runs one statement with `?` placeholders on the test database (numbered for PostgreSQL);
/// returns the first column of the first row, if any.
async fn sql(db_url: &str, statement: &str, binds: &[&str]) -> Option<String> {
    if db_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
        let mut q = sqlx::query_scalar::<_, String>(statement);
        for b in binds {
            q = q.bind(*b);
        }
        let v = q.fetch_optional(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let mut numbered = String::new();
        for (i, part) in statement.split('?').enumerate() {
            if i > 0 {
                numbered.push_str(&format!("${i}"));
            }
            numbered.push_str(part);
        }
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        let mut q = sqlx::query_scalar::<_, String>(&numbered);
        for b in binds {
            q = q.bind(*b);
        }
        let v = q.fetch_optional(&pool).await.unwrap();
        pool.close().await;
        v
    }
}

/// The stored `notification_secret` of a partner.
async fn stored_secret(db_url: &str, partner_id: &str) -> String {
    sql(
        db_url,
        "SELECT notification_secret FROM partners WHERE id = ?",
        &[partner_id],
    )
    .await
    .expect("partner row")
}

/// Overwrites a partner's stored secret (as a pre-sealing database would hold it).
async fn store_plain(db_url: &str, partner_id: &str, secret: &str) {
    sql(
        db_url,
        "UPDATE partners SET notification_secret = ? WHERE id = ?",
        &[secret, partner_id],
    )
    .await;
}

async fn shown_secret(app: &TestApp, partner_id: &str) -> String {
    let r = app
        .admin_get(&format!(
            "/sandbox/v1/partners/{partner_id}/notification-secret"
        ))
        .await;
    r.data(200)["notification_secret"]
        .as_str()
        .unwrap_or_else(|| panic!("notification_secret: {}", r.text))
        .to_string()
}

/// One signed delivery to a fresh receiver, checked against `secret`.
async fn assert_signed_with(app: &TestApp, fx: &Fixture, secret: &str) {
    let rx = Receiver::start().await;
    let tok = app.fixture_token(fx).await;
    let event = "gofood.order.merchant_accepted";
    subscribe(app, &tok, event, &rx.url("/hook")).await;
    emit(app, event, &fx.outlet_id, None).await;
    let got = rx.wait_for_path("/hook", 1, Duration::from_secs(20)).await;
    let r = &got[0];
    assert_eq!(
        r.header("x-go-signature").as_deref(),
        Some(go_signature(secret, &r.body).as_str()),
        "signed with the partner's secret"
    );
}

async fn secrets_are_sealed_at_rest_and_old_ones_get_sealed(mut app: TestApp) {
    let fx = app.setup_facilitator().await;
    let secret = fx.notification_secret.clone();
    assert_eq!(secret.len(), 64);

    let stored = stored_secret(&app.db_url, &fx.partner_id).await;
    assert!(stored.starts_with("gbz1:"), "sealed: {stored}");
    assert!(!stored.contains(&secret), "the secret itself is not stored");
    assert_eq!(shown_secret(&app, &fx.partner_id).await, secret);
    assert_signed_with(&app, &fx, &secret).await;

    // Rotation seals the new secret too.
    let r = app
        .admin_post(
            &format!("/sandbox/v1/partners/{}/notification-secret", fx.partner_id),
            serde_json::json!({}),
        )
        .await;
    let rotated = r.data(200)["partner"]["notification_secret"]
        .as_str()
        .unwrap_or_else(|| panic!("rotated secret: {}", r.text))
        .to_string();
    assert_ne!(rotated, secret);
    let stored = stored_secret(&app.db_url, &fx.partner_id).await;
    assert!(
        stored.starts_with("gbz1:") && !stored.contains(&rotated),
        "{stored}"
    );

    // A database from before sealing: the next start seals it, and nothing changes for
    // the partner.
    let old = "ab".repeat(32);
    store_plain(&app.db_url, &fx.partner_id, &old).await;
    app.restart().await;
    let stored = stored_secret(&app.db_url, &fx.partner_id).await;
    assert!(
        stored.starts_with("gbz1:") && !stored.contains(&old),
        "{stored}"
    );
    assert_eq!(shown_secret(&app, &fx.partner_id).await, old);
    let fx = Fixture {
        notification_secret: old.clone(),
        ..fx
    };
    assert_signed_with(&app, &fx, &old).await;
}
both_dbs!(
    secrets_are_sealed_at_rest_and_old_ones_get_sealed,
    &[("GOBIZ_SECRET_KEY", KEY)]
);

async fn another_key_refuses_to_start(app: TestApp) {
    app.setup_facilitator().await;
    let db_url = app.db_url.clone();
    app.terminate().await;
    let args = ["--listen", "127.0.0.1:0", "--database-url", &db_url];
    let (_, err, _) = serve_refused(
        &args,
        &[
            (
                "GOBIZ_SECRET_KEY",
                "a-different-key-that-is-long-enough-000000",
            ),
            ("GOBIZ_ADMIN_TOKEN", "whatever-admin-token"),
        ],
    )
    .await;
    assert!(
        err.contains("secret_key: does not open the stored notification secrets"),
        "{err}"
    );
    // A key that is too short is refused too.
    let (_, err, _) = serve_refused(&args, &[("GOBIZ_SECRET_KEY", "short")]).await;
    assert!(
        err.contains("secret_key: must be at least 32 characters"),
        "{err}"
    );
}
both_dbs!(another_key_refuses_to_start, &[("GOBIZ_SECRET_KEY", KEY)]);
