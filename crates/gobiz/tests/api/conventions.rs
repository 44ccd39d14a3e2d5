//! Cross-cutting conventions (spec §1): Accept, Content-Type, JSON errors, unknown routes,
//! wrong methods, X-Request-ID, health, body limit.

use crate::harness::*;
use reqwest::Method;
use serde_json::json;

const LINKED: &str = "/integrations/partner/v1/linked-outlets";

async fn accept_unsupported_is_406(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    for accept in [
        "text/html",
        "application/vnd.eim.v0+json",
        "application/xml",
        "application/json;q=0",
    ] {
        let r = app
            .send(
                app.request(Method::GET, LINKED)
                    .bearer_auth(&tok)
                    .header("accept", accept),
            )
            .await;
        assert_error(
            &r,
            406,
            "UnsupportedAcceptType",
            &format!("Invalid Accept header: {accept}"),
        );
        let ct = r.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "406 body is JSON, got content-type {ct:?}"
        );
    }
    // Also on the outlet endpoint.
    let path = format!("/integrations/partner/outlets/{}/v1", fx.outlet_id);
    let r = app
        .send(
            app.request(Method::GET, &path)
                .bearer_auth(&tok)
                .header("accept", "text/html"),
        )
        .await;
    assert_error(
        &r,
        406,
        "UnsupportedAcceptType",
        "Invalid Accept header: text/html",
    );
    // Accept is checked before the token (§1.7).
    let r = app
        .send(
            app.request(Method::GET, LINKED)
                .header("accept", "text/html"),
        )
        .await;
    assert_error(
        &r,
        406,
        "UnsupportedAcceptType",
        "Invalid Accept header: text/html",
    );
}
both_dbs!(accept_unsupported_is_406);

async fn accept_supported_values(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    for accept in [
        "application/vnd.eim.v1+json",
        "*/*",
        "application/json",
        "application/*",
        "text/html, application/json;q=0.5",
    ] {
        let r = app
            .send(
                app.request(Method::GET, LINKED)
                    .bearer_auth(&tok)
                    .header("accept", accept),
            )
            .await;
        let data = r.data(200);
        assert_eq!(
            data["outlets"].as_array().map(Vec::len),
            Some(1),
            "Accept {accept}: {}",
            r.text
        );
        let ct = r.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/json"),
            "Accept {accept}: content-type {ct:?}"
        );
    }
}
both_dbs!(accept_supported_values);

async fn content_type_not_json_is_415(app: TestApp) {
    let r = app
        .send(
            app.request(Method::POST, "/sandbox/v1/merchants")
                .bearer_auth(ADMIN_TOKEN)
                .header("content-type", "text/plain")
                .body(r#"{"name":"Warung"}"#),
        )
        .await;
    assert_error(
        &r,
        415,
        "Unsupported Media Type",
        "Unsupported Content-Type: text/plain; use application/json",
    );
    // Nothing was created.
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"], json!([]));
    // `application/*+json` is accepted.
    let r = app
        .send(
            app.request(Method::POST, "/sandbox/v1/merchants")
                .bearer_auth(ADMIN_TOKEN)
                .header("content-type", "application/merge-patch+json")
                .body(r#"{"name":"Warung"}"#),
        )
        .await;
    assert_eq!(r.data(201)["merchant"]["name"], json!("Warung"));
}
both_dbs!(content_type_not_json_is_415);

async fn malformed_json_is_400(app: TestApp) {
    let r = app
        .send(
            app.request(Method::POST, "/sandbox/v1/merchants")
                .bearer_auth(ADMIN_TOKEN)
                .header("content-type", "application/json")
                .body(r#"{"name": "Warung""#),
        )
        .await;
    assert_error_title(&r, 400, "Bad Request");
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"], json!([]));
}
both_dbs!(malformed_json_is_400);

async fn wrong_json_type_is_400_naming_field(app: TestApp) {
    let r = app
        .admin_post("/sandbox/v1/merchants", json!({ "name": 5 }))
        .await;
    assert_field_error(&r, "name");
    let r = app
        .admin_post("/sandbox/v1/merchants", json!(["name"]))
        .await;
    assert_error_title(&r, 400, "Bad Request");
}
both_dbs!(wrong_json_type_is_400_naming_field);

async fn unknown_route_is_404(app: TestApp) {
    let r = app.get("/integrations/nope").await;
    assert_error(&r, 404, "Not found", "No route for GET /integrations/nope");
    let r = app
        .send(
            app.request(Method::POST, "/sandbox/v1/nope")
                .bearer_auth(ADMIN_TOKEN),
        )
        .await;
    assert_error(&r, 404, "Not found", "No route for POST /sandbox/v1/nope");
}
both_dbs!(unknown_route_is_404);

async fn wrong_method_is_405(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let r = app
        .send(app.request(Method::DELETE, LINKED).bearer_auth(&tok))
        .await;
    assert_error(
        &r,
        405,
        "Method Not Allowed",
        &format!("Method DELETE is not allowed on {LINKED}"),
    );
    let allow = r.header("allow").expect("Allow header on 405");
    assert!(
        allow.to_uppercase().contains("GET"),
        "Allow must list GET: {allow:?}"
    );
    assert!(
        !allow.to_uppercase().contains("DELETE"),
        "Allow must not list DELETE: {allow:?}"
    );
    // Route and method are checked before the token (§1.7).
    let r = app.send(app.request(Method::DELETE, LINKED)).await;
    assert_eq!(r.status, 405, "body: {}", r.text);
}
both_dbs!(wrong_method_is_405);

async fn request_id_echoed_or_generated(app: TestApp) {
    // Echoed, on success and on errors.
    let r = app
        .send(
            app.request(Method::GET, "/healthz")
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    let r = app
        .send(
            app.request(Method::GET, "/integrations/nope")
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    let r = app
        .send(
            app.request(Method::GET, LINKED)
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    let r = app
        .send(
            app.request(Method::GET, "/sandbox/v1/merchants")
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    // 128 characters is still valid.
    let max = "r".repeat(128);
    let r = app
        .send(
            app.request(Method::GET, "/healthz")
                .header("x-request-id", &max),
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some(max));

    let assert_generated = |r: &Resp| {
        let rid = r.header("x-request-id").expect("x-request-id");
        let u = uuid::Uuid::parse_str(&rid)
            .unwrap_or_else(|_| panic!("generated id must be a UUID: {rid}"));
        assert_eq!(u.get_version_num(), 4, "generated id must be UUIDv4: {rid}");
        rid
    };
    // Absent → generated, different each time.
    let a = assert_generated(&app.get("/healthz").await);
    let b = assert_generated(&app.get("/integrations/nope").await);
    assert_ne!(a, b);
    // Too long → replaced by a generated one, request not rejected.
    let long = "x".repeat(200);
    let r = app
        .send(
            app.request(Method::GET, "/healthz")
                .header("x-request-id", &long),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_generated(&r);
}
both_dbs!(request_id_echoed_or_generated);

async fn health_endpoints(app: TestApp) {
    for path in ["/healthz", "/readyz"] {
        let r = app.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
}
both_dbs!(health_endpoints);

async fn metrics_count_answered_requests(app: TestApp) {
    // One 404 and one 2xx before reading the counters.
    assert_eq!(app.get("/integrations/nope").await.status, 404);
    assert_eq!(app.get("/healthz").await.status, 200);
    let r = app.get("/metrics").await;
    assert_eq!(r.status, 200);
    let count = |class: &str| -> u64 {
        let prefix = format!("gobiz_http_requests_total{{status=\"{class}\"}} ");
        r.text
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {class} counter in {}", r.text))
    };
    assert!(count("4xx") >= 1, "{}", r.text);
    assert!(count("2xx") >= 1, "{}", r.text);
    assert!(r.text.contains("gobiz_http_request_duration_seconds_count"));
}
both_dbs!(metrics_count_answered_requests);

async fn body_over_10_mib_is_413(app: TestApp) {
    // A syntactically valid JSON object just over the limit.
    let filler = "a".repeat(10 * 1024 * 1024);
    let body = format!(r#"{{"name":"Warung","x":"{filler}"}}"#);
    assert!(body.len() > 10_485_760);
    let rb = app
        .request(Method::POST, "/sandbox/v1/merchants")
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(body);
    let r = app.send(rb).await;
    assert_error(
        &r,
        413,
        "Payload Too Large",
        "Request body exceeds 10485760 bytes",
    );
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"], json!([]));
}
both_dbs!(body_over_10_mib_is_413);
