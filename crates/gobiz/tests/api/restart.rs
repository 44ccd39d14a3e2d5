//! Data survives a server restart (kill -9) on the same database.

use crate::harness::*;
use serde_json::json;

async fn data_survives_restart(mut app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    app.advance_clock(120).await;

    app.restart().await;

    // Sandbox data is still there.
    let r = app.admin_get("/sandbox/v1/merchants").await;
    let merchants = r.data(200)["merchants"].as_array().unwrap().clone();
    assert_eq!(merchants.len(), 1);
    assert_eq!(merchants[0]["id"], json!(fx.merchant_id));
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{}", fx.outlet_id))
        .await;
    assert_eq!(
        r.data(200)["outlet"]["acceptance_mode"],
        json!("auto_accept")
    );
    let r = app.admin_get("/sandbox/v1/users").await;
    assert_eq!(r.data(200)["users"][0]["phone"], json!(fx.phone));
    let r = app
        .admin_get(&format!("/sandbox/v1/partners/{}", fx.partner_id))
        .await;
    r.data(200);
    // The clock offset is kept (§10.5: the clock never moves backwards).
    let r = app.admin_get("/sandbox/v1/clock").await;
    assert_eq!(r.data(200)["clock"]["offset_seconds"], json!(120));

    // A token issued before the restart still works, and so does the link.
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    let outlets = r.data(200)["outlets"].as_array().unwrap().clone();
    assert_eq!(outlets.len(), 1);
    assert_eq!(outlets[0]["id"], json!(fx.outlet_id));
    assert_eq!(
        outlets[0]["external_outlet_id"],
        json!(fx.external_outlet_id)
    );
    // The client secret still verifies.
    let tok2 = app.fixture_token(&fx).await;
    assert_ne!(tok2, tok);
    let r = app
        .api_get(
            &format!("/integrations/partner/outlets/{}/v1", fx.outlet_id),
            &tok2,
        )
        .await;
    assert_eq!(r.data(200)["outlet"]["id"], json!(fx.outlet_id));

    // Writes after the restart work, and a second restart keeps them.
    let m2 = app.create_merchant("After restart").await;
    app.restart().await;
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert!(r.data(200)["merchants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == json!(m2)));
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    r.data(200);
}
both_dbs!(data_survives_restart);

async fn migrate_subcommand_is_idempotent(mut app: TestApp) {
    let fx = app.setup_facilitator().await;
    // Migrations are already applied by `serve`; applying them again is a no-op that exits 0.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_gobiz"))
        .args(["migrate", "--database-url", &app.db_url])
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run gobiz migrate");
    assert!(
        out.status.success(),
        "gobiz migrate failed: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    app.restart().await;
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{}", fx.outlet_id))
        .await;
    assert_eq!(r.data(200)["outlet"]["id"], json!(fx.outlet_id));
}
both_dbs!(migrate_subcommand_is_idempotent);

async fn sigterm_finishes_in_flight_requests_and_exits_zero(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    // A request in flight while the signal arrives still gets its answer.
    let client = app.client.clone();
    let url = app.url("/integrations/partner/v1/linked-outlets");
    let in_flight = tokio::spawn(async move { client.get(url).bearer_auth(tok).send().await });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let status = app.terminate().await;
    assert!(status.success(), "exit status {status:?}");
    let resp = in_flight.await.unwrap();
    if let Ok(r) = resp {
        assert_eq!(r.status().as_u16(), 200);
    }
}
both_dbs!(sigterm_finishes_in_flight_requests_and_exits_zero);

/// The sandbox clock offset a node reports.
async fn offset(a: &TestApp) -> i64 {
    let r = a.admin_get("/sandbox/v1/clock").await;
    r.data(200)["clock"]["offset_seconds"].as_i64().unwrap()
}

/// Waits (at most 10 s) until `node` reports the clock offset `want`.
async fn wait_offset(node: &TestApp, want: i64, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while offset(node).await != want {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn clock_moves_reach_every_node(app: TestApp) {
    // A second node on the same database.
    let other = TestApp::start(&app.db_url).await;
    assert_eq!(offset(&other).await, 0);
    app.advance_clock(3_600).await;
    wait_offset(&other, 3_600, "the other node never saw the advance").await;
    // An advance through the other node builds on the first one.
    other.advance_clock(60).await;
    wait_offset(&app, 3_660, "the first node never saw the advance").await;
    // A reset through one node returns both to real time.
    app.admin_post("/sandbox/v1/reset", json!({}))
        .await
        .data(200);
    wait_offset(&other, 0, "the other node never saw the reset").await;
}
both_dbs!(clock_moves_reach_every_node);
