//! `POST /oauth2/token`, client_credentials (spec §2.2, §2.3).

use crate::harness::*;
use reqwest::Method;
use serde_json::json;

fn assert_token_success(r: &Resp, expected_scope: &str) {
    assert_eq!(r.status, 200, "body: {}", r.text);
    let tok = r.json["access_token"].as_str().expect("access_token");
    let rest = tok
        .strip_prefix("gbz_at_")
        .unwrap_or_else(|| panic!("token prefix: {tok}"));
    assert!(
        is_base64url(rest, 43),
        "token body must be 43 base64url chars: {tok}"
    );
    assert_eq!(r.json["expires_in"], json!(3599));
    assert_eq!(r.json["token_type"], json!("bearer"));
    assert_eq!(r.json["scope"], json!(expected_scope));
    assert!(
        r.json.get("refresh_token").is_none(),
        "cc grants no refresh token: {}",
        r.text
    );
    assert!(
        r.json.get("id_token").is_none(),
        "cc grants no id_token: {}",
        r.text
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(r.header("pragma").as_deref(), Some("no-cache"));
    assert!(r.header("x-request-id").is_some());
}

async fn token_client_secret_basic(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .token_resp(
            &fx.client_id,
            &fx.client_secret,
            Some("partner:outlet:read"),
        )
        .await;
    assert_token_success(&r, "partner:outlet:read");
    // The token works on the API.
    let tok = r.json["access_token"].as_str().unwrap();
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", tok)
        .await;
    let outlets = r.data(200)["outlets"].as_array().unwrap().clone();
    assert_eq!(outlets.len(), 1, "body: {}", r.text);
    assert_eq!(outlets[0]["id"], json!(fx.outlet_id));
    assert_eq!(
        outlets[0]["external_outlet_id"],
        json!(fx.external_outlet_id)
    );
}
both_dbs!(token_client_secret_basic);

async fn token_client_secret_post(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", fx.client_id.as_str()),
        ("client_secret", fx.client_secret.as_str()),
        ("scope", "partner:outlet:read gofood:catalog:read"),
    ];
    let r = app
        .send(app.request(Method::POST, "/oauth2/token").form(&form))
        .await;
    assert_token_success(&r, "partner:outlet:read gofood:catalog:read");
    let tok = r.json["access_token"].as_str().unwrap();
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", tok)
        .await;
    assert_eq!(r.data(200)["outlets"].as_array().unwrap().len(), 1);
}
both_dbs!(token_client_secret_post);

async fn token_wrong_secret(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .token_resp(&fx.client_id, "not-the-secret", Some("partner:outlet:read"))
        .await;
    assert_oauth_error(&r, 401, "invalid_client");
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some("Basic realm=\"GoAuth\"")
    );
    // Wrong secret through client_secret_post too.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", fx.client_id.as_str()),
        ("client_secret", "not-the-secret"),
    ];
    let r = app
        .send(app.request(Method::POST, "/oauth2/token").form(&form))
        .await;
    assert_oauth_error(&r, 401, "invalid_client");
}
both_dbs!(token_wrong_secret);

async fn token_unknown_client(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .token_resp("no-such-client", &fx.client_secret, None)
        .await;
    assert_oauth_error(&r, 401, "invalid_client");
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some("Basic realm=\"GoAuth\"")
    );
}
both_dbs!(token_unknown_client);

async fn token_unknown_grant(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/token")
                .basic_auth(&fx.client_id, Some(&fx.client_secret))
                .form(&[
                    ("grant_type", "password"),
                    ("username", "a"),
                    ("password", "b"),
                ]),
        )
        .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
}
both_dbs!(token_unknown_grant);

async fn token_missing_grant_type(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/token")
                .basic_auth(&fx.client_id, Some(&fx.client_secret))
                .form(&[("scope", "partner:outlet:read")]),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_request");
}
both_dbs!(token_missing_grant_type);

async fn token_json_body_rejected(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/token")
                .basic_auth(&fx.client_id, Some(&fx.client_secret))
                .json(&json!({ "grant_type": "client_credentials" })),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_request");
}
both_dbs!(token_json_body_rejected);

async fn token_scope_subset_keeps_requested_order(app: TestApp) {
    let fx = app.setup_facilitator().await;
    // Reverse of the allowed order: the granted scope is exactly what was requested.
    let scope = "gofood:order:write gofood:catalog:read partner:outlet:read";
    let r = app
        .token_resp(&fx.client_id, &fx.client_secret, Some(scope))
        .await;
    assert_token_success(&r, scope);
    // A scope that was not requested is not granted: catalog-only token cannot list outlets.
    let tok = app
        .access_token(&fx.client_id, &fx.client_secret, "gofood:catalog:read")
        .await;
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "Missing required scope: partner:outlet:read",
    );
}
both_dbs!(token_scope_subset_keeps_requested_order);

async fn token_scope_not_allowed(app: TestApp) {
    let fx = app.setup_facilitator().await;
    // Known scope, but not allowed for this client.
    let r = app
        .token_resp(
            &fx.client_id,
            &fx.client_secret,
            Some("partner:outlet:read payment:transaction:write"),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_scope");
    // Unknown scope.
    let r = app
        .token_resp(
            &fx.client_id,
            &fx.client_secret,
            Some("partner:outlet:destroy"),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_scope");
}
both_dbs!(token_scope_not_allowed);

async fn token_empty_scope(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let r = app.token_resp(&fx.client_id, &fx.client_secret, None).await;
    assert_token_success(&r, "");
    // No scope granted → the token cannot read outlets.
    let tok = r.json["access_token"].as_str().unwrap();
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", tok)
        .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "Missing required scope: partner:outlet:read",
    );
}
both_dbs!(token_empty_scope);

async fn token_both_auth_methods(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", fx.client_id.as_str()),
        ("client_secret", fx.client_secret.as_str()),
    ];
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/token")
                .basic_auth(&fx.client_id, Some(&fx.client_secret))
                .form(&form),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_request");
}
both_dbs!(token_both_auth_methods);

async fn token_openid_and_offline_with_client_credentials(app: TestApp) {
    // A client that is allowed openid/offline still cannot get them with cc.
    let fx = app.setup_facilitator().await;
    let r = app
        .admin_post(
            &format!("/sandbox/v1/partners/{}/clients", fx.partner_id),
            json!({ "allowed_scopes": ["openid", "offline", "partner:outlet:read"],
                    "allowed_grants": ["client_credentials"] }),
        )
        .await;
    let c = r.data(201)["client"].clone();
    let (id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    for scope in [
        "openid",
        "openid partner:outlet:read",
        "offline",
        "offline_access",
    ] {
        let r = app.token_resp(id, secret, Some(scope)).await;
        assert_oauth_error(&r, 400, "invalid_scope");
    }
    // The fixture's client (not allowed openid) too.
    let r = app
        .token_resp(&fx.client_id, &fx.client_secret, Some("openid"))
        .await;
    assert_oauth_error(&r, 400, "invalid_scope");
    // Sanity: the same client does get a plain cc token.
    let r = app
        .token_resp(id, secret, Some("partner:outlet:read"))
        .await;
    assert_token_success(&r, "partner:outlet:read");
}
both_dbs!(token_openid_and_offline_with_client_credentials);

/// Parallel token requests of `client_id` with distinct wrong secrets (`tag-0`, `tag-1`, …).
async fn wrong_secrets(app: &TestApp, client_id: &str, tag: &str, n: usize) -> Vec<Resp> {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let rb = app
            .request(Method::POST, "/oauth2/token")
            .basic_auth(client_id, Some(format!("{tag}-{i}")))
            .form(&[("grant_type", "client_credentials")]);
        set.spawn(async move { Resp::read(rb.send().await.expect("send")).await });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.expect("request task"));
    }
    out
}

/// The `temporarily_unavailable` answer of a throttled client id (issue 13).
fn assert_throttled(r: &Resp) {
    assert_oauth_error(r, 429, "temporarily_unavailable");
    assert!(r.json["error_description"].is_string(), "{}", r.text);
    let after: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After is delay-seconds");
    assert!((1..=60).contains(&after), "Retry-After {after}");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(r.header("www-authenticate").is_none(), "429 is not a 401");
}

async fn token_wrong_secret_flood_is_throttled(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let scope = Some("partner:outlet:read");
    // The right secret, verified once: remembered from now on.
    let r = app
        .token_resp(&fx.client_id, &fx.client_secret, scope)
        .await;
    assert_token_success(&r, "partner:outlet:read");
    let token = r.json["access_token"].as_str().unwrap().to_string();

    // A flood of distinct wrong secrets (each would need argon2): a bounded number are
    // checked and refused with 401, then the client id is throttled with 429.
    let mut refused = 0;
    let mut throttled = Vec::new();
    for round in 0..5 {
        for r in wrong_secrets(&app, &fx.client_id, &format!("wrong-{round}"), 16).await {
            match r.status {
                401 => {
                    assert_oauth_error(&r, 401, "invalid_client");
                    refused += 1;
                }
                429 => {
                    assert_throttled(&r);
                    throttled.push(r);
                }
                _ => panic!("wrong secret: {} {}", r.status, r.text),
            }
        }
    }
    assert!(refused >= 1, "some wrong secrets are checked");
    assert!(
        refused <= 10,
        "at most 10 failed checks per minute, {refused} were made"
    );
    assert_eq!(refused + throttled.len(), 80);

    // The right secret still gets tokens while its client id is attacked, on the token,
    // introspection and revocation endpoints alike.
    let r = app
        .token_resp(&fx.client_id, &fx.client_secret, scope)
        .await;
    assert_token_success(&r, "partner:outlet:read");
    let introspect = |secret: &str| {
        app.request(Method::POST, "/oauth2/introspect")
            .basic_auth(&fx.client_id, Some(secret))
            .form(&[("token", token.as_str())])
    };
    let r = app.send(introspect(&fx.client_secret)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["active"], json!(true), "{}", r.text);
    let r = app.send(introspect("yet-another-wrong-secret")).await;
    assert_throttled(&r);
    let r = app.revoke(&fx.client_id, "and-another", &token).await;
    assert_throttled(&r);

    // Another client id, known or not, is not affected.
    let r = app.token_resp("no-such-client", "whatever", None).await;
    assert_oauth_error(&r, 401, "invalid_client");
    let r = app
        .token_resp("no-such-client", &fx.client_secret, None)
        .await;
    assert_oauth_error(&r, 401, "invalid_client");
    let (other, other_secret) = app
        .create_client(&fx.partner_id, &["partner:outlet:read"])
        .await;
    let r = app.token_resp(&other, "wrong", None).await;
    assert_oauth_error(&r, 401, "invalid_client");
    let r = app.token_resp(&other, &other_secret, scope).await;
    assert_token_success(&r, "partner:outlet:read");
}
both_dbs!(token_wrong_secret_flood_is_throttled);

async fn token_unknown_client_ids_are_throttled_like_known_ones(app: TestApp) {
    // An unknown id is checked against a dummy hash: same answers, same throttle.
    let mut statuses = Vec::new();
    for r in wrong_secrets(&app, "no-such-client", "guess", 24).await {
        if r.status == 429 {
            assert_throttled(&r);
        } else {
            assert_oauth_error(&r, 401, "invalid_client");
        }
        statuses.push(r.status);
    }
    let refused = statuses.iter().filter(|s| **s == 401).count();
    assert!((1..=10).contains(&refused), "{statuses:?}");
    // Without a secret there is nothing to hash: 401 at once, never throttled.
    let r = app
        .send(app.request(Method::POST, "/oauth2/token").form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "no-such-client"),
        ]))
        .await;
    assert_oauth_error(&r, 401, "invalid_client");
}
both_dbs!(token_unknown_client_ids_are_throttled_like_known_ones);
