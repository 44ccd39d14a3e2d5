//! Bearer authentication and outlet authorization on `/integrations` (spec §1.6, §1.7, §2.10).

use crate::harness::*;
use reqwest::Method;

const LINKED: &str = "/integrations/partner/v1/linked-outlets";

fn outlet_path(id: &str) -> String {
    format!("/integrations/partner/outlets/{id}/v1")
}

async fn auth_no_header(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app.get(LINKED).await;
    assert_session_expired(&r);
    let r = app.get(&outlet_path(&fx.outlet_id)).await;
    assert_session_expired(&r);
}
both_dbs!(auth_no_header);

async fn auth_garbage_token(app: TestApp) {
    let fx = app.setup_facilitator().await;
    for tok in [
        "garbage",
        "gbz_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        &fx.client_secret,
    ] {
        let r = app.api_get(LINKED, tok).await;
        assert_session_expired(&r);
    }
    // Not a Bearer scheme at all.
    let r = app
        .send(
            app.request(Method::GET, LINKED)
                .basic_auth(&fx.client_id, Some(&fx.client_secret)),
        )
        .await;
    assert_session_expired(&r);
    // Bearer with nothing after it.
    let r = app
        .send(
            app.request(Method::GET, LINKED)
                .header("authorization", "Bearer "),
        )
        .await;
    assert_session_expired(&r);
}
both_dbs!(auth_garbage_token);

async fn auth_expired_token(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let r = app.api_get(LINKED, &tok).await;
    r.data(200);
    // Still valid well within the hour.
    app.advance_clock(3500).await;
    let r = app.api_get(LINKED, &tok).await;
    r.data(200);
    // 3600 s after issue: past expires_in (3599).
    app.advance_clock(100).await;
    let r = app.api_get(LINKED, &tok).await;
    assert_session_expired(&r);
    let r = app.api_get(&outlet_path(&fx.outlet_id), &tok).await;
    assert_session_expired(&r);
    // A fresh token works again.
    let tok = app.fixture_token(&fx).await;
    app.api_get(LINKED, &tok).await.data(200);
}
both_dbs!(auth_expired_token);

async fn auth_token_without_scope(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app
        .access_token(
            &fx.client_id,
            &fx.client_secret,
            "gofood:catalog:read gofood:order:read",
        )
        .await;
    for path in [LINKED.to_string(), outlet_path(&fx.outlet_id)] {
        let r = app.api_get(&path, &tok).await;
        assert_error(
            &r,
            403,
            "Forbidden",
            "Missing required scope: partner:outlet:read",
        );
        let www = r.header("www-authenticate").unwrap_or_default();
        assert!(
            www.contains("insufficient_scope"),
            "WWW-Authenticate on missing scope: {www:?}"
        );
        assert!(
            www.contains("partner:outlet:read"),
            "WWW-Authenticate names the scope: {www:?}"
        );
    }
}
both_dbs!(auth_token_without_scope);

async fn auth_outlet_of_another_partner(app: TestApp) {
    let a = app.setup_facilitator().await;
    let b = app.setup_facilitator().await;
    let tok_b = app.fixture_token(&b).await;
    // B's own outlet works.
    let r = app.api_get(&outlet_path(&b.outlet_id), &tok_b).await;
    assert_eq!(r.data(200)["outlet"]["id"], serde_json::json!(b.outlet_id));
    // A's outlet exists but is not linked to B.
    let r = app.api_get(&outlet_path(&a.outlet_id), &tok_b).await;
    assert_error(
        &r,
        404,
        "Requested resource not found",
        "The outlet is not yet registered for integration. Please contact the support team.",
    );
    // And B's linked-outlets list does not show A's outlet.
    let r = app.api_get(LINKED, &tok_b).await;
    let ids: Vec<_> = r.data(200)["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(ids, vec![serde_json::json!(b.outlet_id)]);
}
both_dbs!(auth_outlet_of_another_partner);

async fn auth_unknown_outlet(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    // Pick an id that is certainly not the fixture's.
    let unknown = if fx.outlet_id == "G000000001" {
        "G000000002"
    } else {
        "G000000001"
    };
    let r = app.api_get(&outlet_path(unknown), &tok).await;
    assert_error(
        &r,
        404,
        "Not found",
        &format!("Outlet with id: {unknown} is not found"),
    );
    // Ids are opaque: a non-pattern id is also just "not found".
    let r = app.api_get(&outlet_path("G1898453S"), &tok).await;
    assert_error(
        &r,
        404,
        "Not found",
        "Outlet with id: G1898453S is not found",
    );
}
both_dbs!(auth_unknown_outlet);

async fn auth_unknown_outlet_still_needs_token(app: TestApp) {
    // Token checks come before outlet checks (§1.7).
    let r = app.get(&outlet_path("G000000001")).await;
    assert_session_expired(&r);
}
both_dbs!(auth_unknown_outlet_still_needs_token);
