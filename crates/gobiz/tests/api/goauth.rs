//! GoAuth: authorization-code flow with OpenID Connect, login and consent pages, refresh,
//! revocation and introspection (spec §2). Relying parties: the `openidconnect` and `oauth2`
//! crates, plus a small form-driving "browser" from the harness.

use std::collections::HashSet;

use crate::harness::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;

const SCOPE: &str = "openid offline partner:outlet:read";
const TOKEN_INFO: &str = "/integrations/partner/v1/token-info";

/// A facilitator fixture plus an `authorization_code` client with [`REDIRECT_URI`].
struct Ctx {
    fx: Fixture,
    client_id: String,
    secret: String,
    /// The fixture owner's phone in the local `08…` form.
    phone: String,
}

async fn setup(app: &TestApp) -> Ctx {
    let fx = app.setup_facilitator().await;
    let (client_id, secret) = app.create_ac_client(&fx.partner_id, &[REDIRECT_URI]).await;
    let phone = format!("0{}", &fx.phone[3..]);
    Ctx {
        fx,
        client_id,
        secret,
        phone,
    }
}

fn scope_set(s: &str) -> HashSet<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// The payload of a JWT, without verification.
fn jwt_payload(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "JWT must have three parts: {jwt}");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1])
        .expect("JWT payload is base64url");
    serde_json::from_slice(&bytes).expect("JWT payload is JSON")
}

/// `aud` is the client id (a string, or an array with only it).
fn assert_aud(claims: &Value, client_id: &str) {
    assert!(
        claims["aud"] == json!(client_id) || claims["aud"] == json!([client_id]),
        "aud must be {client_id}: {claims}"
    );
}

fn at_hash(access_token: &str) -> String {
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The `oauth2` crate refuses a non-HTTPS revocation URL (RFC 7009 §2), so the client is
/// configured with `https://…` and this HTTP client sends the request over plain HTTP.
async fn plain_http(
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, oauth2::HttpClientError<reqwest::Error>> {
    let (mut parts, body) = req.into_parts();
    let uri = parts.uri.to_string().replacen("https://", "http://", 1);
    parts.uri = uri.parse().expect("uri");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    oauth2::AsyncHttpClient::call(&client, oauth2::HttpRequest::from_parts(parts, body)).await
}

// ---------------------------------------------------------------------------------------------
// Discovery and the full flow with the openidconnect crate
// ---------------------------------------------------------------------------------------------

async fn discovery_document_and_jwks(app: TestApp) {
    let r = app.get("/.well-known/openid-configuration").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = &r.json;
    let b = &app.base;
    assert_eq!(d["issuer"], json!(b));
    assert_eq!(
        d["authorization_endpoint"],
        json!(format!("{b}/oauth2/auth"))
    );
    assert_eq!(d["token_endpoint"], json!(format!("{b}/oauth2/token")));
    assert_eq!(
        d["revocation_endpoint"],
        json!(format!("{b}/oauth2/revoke"))
    );
    assert_eq!(
        d["introspection_endpoint"],
        json!(format!("{b}/oauth2/introspect"))
    );
    assert_eq!(d["jwks_uri"], json!(format!("{b}/.well-known/jwks.json")));
    assert_eq!(d["response_types_supported"], json!(["code"]));
    let grants: HashSet<_> = d["grant_types_supported"]
        .as_array()
        .expect("grant_types_supported")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        grants,
        scope_set("client_credentials authorization_code refresh_token")
    );
    assert_eq!(d["subject_types_supported"], json!(["public"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["ui_locales_supported"], json!(["id", "en"]));
    let scopes: Vec<&str> = d["scopes_supported"]
        .as_array()
        .expect("scopes_supported")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for s in [
        "openid",
        "offline",
        "offline_access",
        "partner:outlet:read",
        "gofood:outlet:write",
        "promo:food_promo:write",
        "payment:transaction:read",
        "mokapos:reporting:read",
    ] {
        assert!(
            scopes.contains(&s),
            "scopes_supported lacks {s}: {scopes:?}"
        );
    }
    let claims = d["claims_supported"].to_string();
    for c in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "at_hash",
    ] {
        assert!(
            claims.contains(&format!("\"{c}\"")),
            "claims_supported lacks {c}: {claims}"
        );
    }

    let r = app.get("/.well-known/jwks.json").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let keys = r.json["keys"].as_array().expect("keys");
    assert!(!keys.is_empty(), "jwks has no key");
    let k = &keys[0];
    assert_eq!(k["kty"], json!("RSA"));
    assert_eq!(k["use"], json!("sig"));
    assert_eq!(k["alg"], json!("RS256"));
    assert_eq!(k["e"], json!("AQAB"));
    assert!(k["kid"].as_str().is_some_and(|s| !s.is_empty()), "kid: {k}");
    assert!(
        k["n"].as_str().is_some_and(|s| s.len() > 300),
        "RSA modulus (>= 2048 bits): {k}"
    );
}
both_dbs!(discovery_document_and_jwks);

async fn oidc_code_flow_with_openidconnect(app: TestApp) {
    use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
    use openidconnect::{
        AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
        OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
    };

    let c = setup(&app).await;
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(app.base.clone()).unwrap(),
        &app.client,
    )
    .await
    .expect("OIDC discovery");
    assert_eq!(metadata.issuer().as_str(), app.base);
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(c.client_id.clone()),
        Some(ClientSecret::new(c.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_string()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline".into()))
        .add_scope(Scope::new("partner:outlet:read".into()))
        .set_pkce_challenge(challenge)
        .add_extra_param("ui_locales", "en")
        .url();
    assert!(
        auth_url
            .as_str()
            .starts_with(&format!("{}/oauth2/auth?", app.base)),
        "{auth_url}"
    );

    let (flow, page) = app.login_to_consent(auth_url.as_str(), &c.phone).await;
    let r = app.decide(&flow, &page, "allow").await;
    let q = assert_callback(&r, REDIRECT_URI);
    assert_eq!(q.get("state"), Some(csrf.secret()), "state: {q:?}");
    let code = q.get("code").expect("code").clone();
    assert!(code.starts_with("gbz_ac_"), "{code}");

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint known")
        .set_pkce_verifier(verifier)
        .request_async(&app.client)
        .await
        .expect("code exchange with openidconnect");
    let access = tokens.access_token().secret().clone();
    assert!(access.starts_with("gbz_at_"), "{access}");
    assert_eq!(
        tokens.expires_in().map(|d| d.as_secs()),
        Some(3599),
        "expires_in"
    );
    let rt = tokens.refresh_token().expect("refresh token (offline)");
    assert!(rt.secret().starts_with("gbz_rt_"), "{}", rt.secret());
    let granted: HashSet<String> = tokens
        .scopes()
        .expect("scope in the response")
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(granted, scope_set(SCOPE));

    let id_token = tokens.id_token().expect("id_token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("id_token verifies (RS256, iss, aud, exp, nonce)");
    assert_eq!(claims.subject().as_str(), c.fx.user_id);
    assert_eq!(claims.issuer().as_str(), app.base);
    assert_eq!(
        claims
            .audiences()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        vec![c.client_id.as_str()]
    );
    assert_eq!(claims.nonce().map(|n| n.secret()), Some(nonce.secret()));
    assert!(claims.auth_time().is_some(), "auth_time");
    assert_eq!(
        (claims.expiration() - claims.issue_time()).num_seconds(),
        3599,
        "id_token lifetime = access token lifetime"
    );
    assert_eq!(
        claims.access_token_hash().map(|h| h.to_string()),
        Some(at_hash(&access)),
        "at_hash"
    );

    // The access token works as a merchant-user token.
    let r = app.api_get(TOKEN_INFO, &access).await;
    let d = r.data(200);
    assert_eq!(d["user"]["roles"], json!(["owner"]));
    assert_eq!(d["outlets"][0]["id"], json!(c.fx.outlet_id));
}
both_dbs!(oidc_code_flow_with_openidconnect);

// ---------------------------------------------------------------------------------------------
// Refresh and revocation with the oauth2 crate
// ---------------------------------------------------------------------------------------------

async fn oauth2_crate_refresh_and_revoke(app: TestApp) {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, ClientSecret, PkceCodeChallenge, RedirectUrl,
        RevocationUrl, StandardRevocableToken, TokenResponse, TokenUrl,
    };

    let c = setup(&app).await;
    let https_base = app.base.replacen("http://", "https://", 1);
    let client = BasicClient::new(ClientId::new(c.client_id.clone()))
        .set_client_secret(ClientSecret::new(c.secret.clone()))
        .set_auth_uri(AuthUrl::new(app.url("/oauth2/auth")).unwrap())
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .set_revocation_url(RevocationUrl::new(format!("{https_base}/oauth2/revoke")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_string()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = app
        .login_and_consent(
            &c.client_id,
            REDIRECT_URI,
            SCOPE,
            &c.phone,
            &[
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
    let first = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&app.client)
        .await
        .expect("code exchange with oauth2");
    let rt1 = first.refresh_token().expect("refresh token").clone();

    // Refresh: rotation gives a new access token and a new refresh token.
    let second = client
        .exchange_refresh_token(&rt1)
        .request_async(&app.client)
        .await
        .expect("refresh with oauth2");
    let at2 = second.access_token().secret().clone();
    let rt2 = second
        .refresh_token()
        .expect("rotated refresh token")
        .clone();
    assert!(at2.starts_with("gbz_at_"), "{at2}");
    assert!(rt2.secret().starts_with("gbz_rt_"), "{}", rt2.secret());
    assert_ne!(&at2, first.access_token().secret());
    assert_ne!(rt2.secret(), rt1.secret());
    assert_eq!(second.expires_in().map(|d| d.as_secs()), Some(3599));
    let r = app.api_get(TOKEN_INFO, &at2).await;
    r.data(200);

    // Revoke the new access token.
    client
        .revoke_token(StandardRevocableToken::AccessToken(
            second.access_token().clone(),
        ))
        .expect("revocation configured")
        .request_async(&plain_http)
        .await
        .expect("revoke access token with oauth2");
    let r = app.api_get(TOKEN_INFO, &at2).await;
    assert_session_expired(&r);

    // Revoke the refresh token: refreshing fails afterwards.
    client
        .revoke_token(StandardRevocableToken::RefreshToken(rt2.clone()))
        .expect("revocation configured")
        .request_async(&plain_http)
        .await
        .expect("revoke refresh token with oauth2");
    let err = client
        .exchange_refresh_token(&rt2)
        .request_async(&app.client)
        .await
        .expect_err("a revoked refresh token must be refused");
    match err {
        oauth2::RequestTokenError::ServerResponse(e) => {
            assert_eq!(
                e.error(),
                &oauth2::basic::BasicErrorResponseType::InvalidGrant
            )
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}
both_dbs!(oauth2_crate_refresh_and_revoke);

// ---------------------------------------------------------------------------------------------
// Authorization endpoint errors
// ---------------------------------------------------------------------------------------------

async fn authorize_bad_client_or_redirect_uri_is_html_400(app: TestApp) {
    let c = setup(&app).await;
    let cases = [
        app.authorize_path("no-such-client", REDIRECT_URI, SCOPE, &[]),
        app.authorize_path(&c.client_id, "http://localhost:9999/other", SCOPE, &[]),
        app.authorize_path(&c.client_id, "http://evil.example/cb", SCOPE, &[]),
        // Missing redirect_uri.
        app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[])
            .replace(
                &format!(
                    "&redirect_uri={}",
                    url::form_urlencoded::byte_serialize(REDIRECT_URI.as_bytes())
                        .collect::<String>()
                ),
                "",
            ),
    ];
    for path in cases {
        let r = app.browser_get(None, &path).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert_html(&r);
        assert!(r.header("location").is_none(), "{path}: no redirect");
    }
}
both_dbs!(authorize_bad_client_or_redirect_uri_is_html_400);

async fn authorize_errors_redirect_to_client(app: TestApp) {
    let c = setup(&app).await;
    let (_, challenge) = pkce_pair();
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        // (extra params, scope, expected error, expected state)
        (
            vec![("state", "short7c")],
            SCOPE,
            "invalid_request",
            "short7c",
        ),
        (
            vec![],
            "offline partner:outlet:read",
            "invalid_scope",
            DEFAULT_STATE,
        ),
        (
            vec![],
            "openid no:such:scope",
            "invalid_scope",
            DEFAULT_STATE,
        ),
        (
            vec![("response_type", "token")],
            SCOPE,
            "unsupported_response_type",
            DEFAULT_STATE,
        ),
        (
            vec![
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "plain"),
            ],
            SCOPE,
            "invalid_request",
            DEFAULT_STATE,
        ),
        (
            vec![("prompt", "none")],
            SCOPE,
            "login_required",
            DEFAULT_STATE,
        ),
    ];
    for (extra, scope, error, state) in cases {
        let path = app.authorize_path(&c.client_id, REDIRECT_URI, scope, &extra);
        let r = app.browser_get(None, &path).await;
        assert_callback_error(&r, REDIRECT_URI, error, state);
    }
    // Unknown parameters are ignored; `prompt=login` is fine.
    let path = app.authorize_path(
        &c.client_id,
        REDIRECT_URI,
        SCOPE,
        &[("user_type", "merchant"), ("prompt", "login")],
    );
    app.start_flow(&path).await;
}
both_dbs!(authorize_errors_redirect_to_client);

// ---------------------------------------------------------------------------------------------
// Login pages
// ---------------------------------------------------------------------------------------------

async fn login_phone_formats_and_unknown_phone(app: TestApp) {
    let c = setup(&app).await;
    let path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[]);

    // Unknown number.
    let flow = app.start_flow(&path).await;
    let page = app.login_page(&flow).await;
    assert!(
        form_html(&page, "/merchant/login").contains("name=\"phone\""),
        "phone field: {page}"
    );
    let r = app
        .submit(
            &flow,
            &page,
            "/merchant/login",
            &[("phone", &random_phone_local())],
        )
        .await;
    assert!(
        r.status == 200 || r.status == 400,
        "unknown phone: {}",
        r.status
    );
    assert_html(&r);
    assert!(
        r.text
            .contains("This phone number is not registered with GoBiz."),
        "{}",
        r.text
    );

    // 628… and +628… forms log in the same user.
    let intl = &c.fx.phone[1..]; // 628…
    for phone in [intl, c.fx.phone.as_str()] {
        let code = app
            .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, phone, &[])
            .await;
        let r = app
            .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let claims = jwt_payload(r.json["id_token"].as_str().unwrap());
        assert_eq!(claims["sub"], json!(c.fx.user_id), "phone {phone}");
    }
}
both_dbs!(login_phone_formats_and_unknown_phone);

fn wrong_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn otp_five_wrong_tries_void_the_code_then_resend(app: TestApp) {
    let c = setup(&app).await;
    let path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[]);
    let flow = app.start_flow(&path).await;
    let mut page = app.submit_phone(&flow, &c.phone).await;
    let r = app.otp_resp(&c.phone).await;
    let otp = r.data(200)["otp"].clone();
    assert_eq!(otp["attempts_left"], json!(5), "{otp}");
    assert_rfc3339_z(&otp["expires_at"]);
    let code = otp["code"].as_str().unwrap().to_string();
    let bad = wrong_code(&code);

    for i in 1..=5 {
        let r = app.submit_otp(&flow, &page, &bad).await;
        assert!(
            r.status == 200 || r.status == 400,
            "wrong OTP #{i}: {} {}",
            r.status,
            r.text
        );
        assert_html(&r);
        assert!(
            r.header("location").is_none(),
            "wrong OTP must not redirect"
        );
        if i < 5 {
            let r = app.otp_resp(&c.phone).await;
            assert_eq!(
                r.data(200)["otp"]["attempts_left"],
                json!(5 - i),
                "attempts_left after {i} wrong tries"
            );
        }
        page = app.login_page(&flow).await;
    }
    // The code is void now.
    let r = app.otp_resp(&c.phone).await;
    assert_eq!(r.status, 404, "no live OTP after 5 wrong tries: {}", r.text);
    let r = app.submit_otp(&flow, &page, &code).await;
    assert_ne!(r.status, 303, "the voided code must be refused: {}", r.text);
    assert!(r.header("location").is_none());

    // Resend: a new, different code that works.
    let page = app.login_page(&flow).await;
    let r = app
        .submit(&flow, &page, "/merchant/login/resend", &[])
        .await;
    assert_eq!(r.status, 303, "resend: {}", r.text);
    assert_eq!(
        location_path(&app.base, &r),
        format!("/merchant/login?flow={}", flow.flow_id)
    );
    let new_code = app.otp_code(&c.phone).await;
    assert_ne!(new_code, code, "resend must issue a new code");
    let page = app.login_page(&flow).await;
    let r = app.submit_otp(&flow, &page, &new_code).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        location_path(&app.base, &r),
        format!("/merchant/consent?flow={}", flow.flow_id)
    );
}
both_dbs!(otp_five_wrong_tries_void_the_code_then_resend);

async fn otp_resend_voids_previous_and_expiry(app: TestApp) {
    let c = setup(&app).await;
    let path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[]);
    let flow = app.start_flow(&path).await;
    let page = app.submit_phone(&flow, &c.phone).await;
    let first = app.otp_code(&c.phone).await;

    // Past 5 minutes the code is refused.
    app.advance_clock(301).await;
    let r = app.submit_otp(&flow, &page, &first).await;
    assert_ne!(r.status, 303, "an expired OTP must be refused: {}", r.text);
    assert!(r.header("location").is_none());

    // A resent code works; the previous one stays refused.
    let page = app.login_page(&flow).await;
    let r = app
        .submit(&flow, &page, "/merchant/login/resend", &[])
        .await;
    assert_eq!(r.status, 303, "resend: {}", r.text);
    let second = app.otp_code(&c.phone).await;
    assert_ne!(first, second);
    let page = app.login_page(&flow).await;
    let r = app.submit_otp(&flow, &page, &first).await;
    assert_ne!(
        r.status, 303,
        "the old code is void after a resend: {}",
        r.text
    );
    let page = app.login_page(&flow).await;
    let r = app.submit_otp(&flow, &page, &second).await;
    assert_eq!(r.status, 303, "{}", r.text);
}
both_dbs!(otp_resend_voids_previous_and_expiry);

async fn consent_page_and_deny(app: TestApp) {
    let c = setup(&app).await;
    let partner = app
        .admin_get(&format!("/sandbox/v1/partners/{}", c.fx.partner_id))
        .await;
    let partner_name = partner.data(200)["partner"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let path = app.authorize_path(
        &c.client_id,
        REDIRECT_URI,
        SCOPE,
        &[("state", "deny-state-42")],
    );
    let (flow, page) = app.login_to_consent(&path, &c.phone).await;
    assert!(
        page.contains(&partner_name),
        "client name on consent: {page}"
    );
    let form = form_html(&page, "/merchant/consent");
    let decisions: Vec<String> = inputs(form)
        .into_iter()
        .filter(|(n, _)| n == "decision")
        .map(|(_, v)| v)
        .collect();
    assert!(
        decisions.contains(&"allow".to_string()) && decisions.contains(&"deny".to_string()),
        "allow/deny buttons: {decisions:?}"
    );

    let r = app.decide(&flow, &page, "deny").await;
    assert_callback_error(&r, REDIRECT_URI, "access_denied", "deny-state-42");
}
both_dbs!(consent_page_and_deny);

async fn callback_keeps_redirect_uri_query(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let redirect = "http://localhost:9999/cb?tenant=t1";
    let (client_id, secret) = app.create_ac_client(&fx.partner_id, &[redirect]).await;
    let phone = format!("0{}", &fx.phone[3..]);
    let path = app.authorize_path(&client_id, redirect, SCOPE, &[]);
    let (flow, page) = app.login_to_consent(&path, &phone).await;
    let r = app.decide(&flow, &page, "allow").await;
    let q = assert_callback(&r, redirect);
    assert_eq!(q.get("tenant").map(String::as_str), Some("t1"), "{q:?}");
    assert_eq!(q.get("state").map(String::as_str), Some(DEFAULT_STATE));
    let code = q.get("code").expect("code");
    let r = app
        .exchange_code(&client_id, &secret, code, redirect, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
both_dbs!(callback_keeps_redirect_uri_query);

async fn csrf_mismatch_and_missing_cookie_are_403(app: TestApp) {
    let c = setup(&app).await;
    let path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[]);
    let flow = app.start_flow(&path).await;

    async fn refused(
        app: &TestApp,
        flow: &LoginFlow,
        page: &str,
        action: &str,
        extra: &[(&str, &str)],
    ) {
        let csrf = form_input(page, action, "csrf_token");
        let mut form = vec![
            ("flow", flow.flow_id.as_str()),
            ("csrf_token", "wrong-csrf-token"),
        ];
        form.extend_from_slice(extra);
        let r = app.browser_post(Some(&flow.cookie), action, &form).await;
        assert_eq!(
            r.status, 403,
            "{action} with a wrong csrf_token: {}",
            r.text
        );
        assert_html(&r);
        let mut form = vec![
            ("flow", flow.flow_id.as_str()),
            ("csrf_token", csrf.as_str()),
        ];
        form.extend_from_slice(extra);
        let r = app.browser_post(None, action, &form).await;
        assert_eq!(r.status, 403, "{action} without the cookie: {}", r.text);
        assert_html(&r);
        let r = app
            .browser_post(Some("gobiz_login=forged"), action, &form)
            .await;
        assert_eq!(r.status, 403, "{action} with a forged cookie: {}", r.text);
    }

    // Phone step.
    let page = app.login_page(&flow).await;
    refused(
        &app,
        &flow,
        &page,
        "/merchant/login",
        &[("phone", &c.phone)],
    )
    .await;
    // No OTP was sent by the refused posts.
    assert_eq!(app.otp_resp(&c.phone).await.status, 404);
    let page = app.submit_phone(&flow, &c.phone).await;

    // OTP and resend steps.
    let code = app.otp_code(&c.phone).await;
    refused(&app, &flow, &page, "/merchant/login/otp", &[("otp", &code)]).await;
    refused(&app, &flow, &page, "/merchant/login/resend", &[]).await;
    assert_eq!(
        app.otp_code(&c.phone).await,
        code,
        "a refused resend sends nothing"
    );
    let r = app.submit_otp(&flow, &page, &code).await;
    assert_eq!(r.status, 303, "{}", r.text);

    // Consent step.
    let page = app.consent_page(&flow).await;
    refused(
        &app,
        &flow,
        &page,
        "/merchant/consent",
        &[("decision", "allow")],
    )
    .await;
    let r = app.decide(&flow, &page, "allow").await;
    let q = assert_callback(&r, REDIRECT_URI);
    assert!(q.contains_key("code"), "{q:?}");
}
both_dbs!(csrf_mismatch_and_missing_cookie_are_403);

async fn login_flow_expires_after_10_minutes(app: TestApp) {
    let c = setup(&app).await;
    let path = app.authorize_path(
        &c.client_id,
        REDIRECT_URI,
        SCOPE,
        &[("state", "expired-flow-1")],
    );

    // Expired at the consent step.
    let (flow, page) = app.login_to_consent(&path, &c.phone).await;
    app.advance_clock(601).await;
    let r = app.decide(&flow, &page, "allow").await;
    assert_callback_error(&r, REDIRECT_URI, "access_denied", "expired-flow-1");

    // Expired before the phone step: posting the phone sends the user back.
    let flow = app.start_flow(&path).await;
    let page = app.login_page(&flow).await;
    app.advance_clock(601).await;
    let r = app
        .submit(&flow, &page, "/merchant/login", &[("phone", &c.phone)])
        .await;
    assert_callback_error(&r, REDIRECT_URI, "access_denied", "expired-flow-1");

    // Expired when the login page is (re)loaded.
    let flow = app.start_flow(&path).await;
    app.advance_clock(601).await;
    let r = app
        .browser_get(
            Some(&flow),
            &format!("/merchant/login?flow={}", flow.flow_id),
        )
        .await;
    assert_callback_error(&r, REDIRECT_URI, "access_denied", "expired-flow-1");
}
both_dbs!(login_flow_expires_after_10_minutes);

// ---------------------------------------------------------------------------------------------
// Token endpoint: authorization_code
// ---------------------------------------------------------------------------------------------

async fn code_exchange_response_shape(app: TestApp) {
    let c = setup(&app).await;
    let code = app
        .login_and_consent(
            &c.client_id,
            REDIRECT_URI,
            SCOPE,
            &c.phone,
            &[("nonce", "n-0S6_WzA2Mj")],
        )
        .await;
    // client_secret_post this time.
    let r = app
        .send(app.request(Method::POST, "/oauth2/token").form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.secret.as_str()),
        ]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let t = &r.json;
    let at = t["access_token"].as_str().unwrap();
    assert!(at.starts_with("gbz_at_"), "{t}");
    assert!(
        t["refresh_token"].as_str().unwrap().starts_with("gbz_rt_"),
        "{t}"
    );
    assert_eq!(t["expires_in"], json!(3599));
    assert_eq!(t["token_type"], json!("bearer"));
    assert_eq!(scope_set(t["scope"].as_str().unwrap()), scope_set(SCOPE));
    let claims = jwt_payload(t["id_token"].as_str().unwrap());
    assert_eq!(claims["iss"], json!(app.base));
    assert_eq!(claims["sub"], json!(c.fx.user_id));
    assert_aud(&claims, &c.client_id);
    assert_eq!(claims["nonce"], json!("n-0S6_WzA2Mj"));
    assert_eq!(claims["at_hash"], json!(at_hash(at)));
    for k in ["exp", "iat", "auth_time"] {
        assert!(claims[k].is_i64(), "{k} must be unix seconds: {claims}");
    }
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3599
    );
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t["id_token"].as_str().unwrap().split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], json!("RS256"));
    assert!(header["kid"].is_string(), "kid in {header}");

    // Without offline: no refresh token. offline_access is an alias of offline.
    let code = app
        .login_and_consent(
            &c.client_id,
            REDIRECT_URI,
            "openid partner:outlet:read",
            &c.phone,
            &[],
        )
        .await;
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.json.get("refresh_token").is_none(),
        "no offline, no refresh token: {}",
        r.text
    );
    assert!(r.json["id_token"].is_string());
    assert!(r.json.get("nonce").is_none());
    assert!(jwt_payload(r.json["id_token"].as_str().unwrap())
        .get("nonce")
        .is_none());

    let code = app
        .login_and_consent(
            &c.client_id,
            REDIRECT_URI,
            "openid offline_access",
            &c.phone,
            &[],
        )
        .await;
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.json["refresh_token"]
            .as_str()
            .is_some_and(|s| s.starts_with("gbz_rt_")),
        "offline_access gives a refresh token: {}",
        r.text
    );
}
both_dbs!(code_exchange_response_shape);

async fn pkce_mismatch_is_invalid_grant(app: TestApp) {
    let c = setup(&app).await;
    let (verifier, challenge) = pkce_pair();
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // Wrong verifier.
    let code = app
        .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, &c.phone, &pkce)
        .await;
    let (other, _) = pkce_pair();
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, Some(&other))
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");
    // Missing verifier.
    let code = app
        .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, &c.phone, &pkce)
        .await;
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");
    // The right verifier.
    let code = app
        .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, &c.phone, &pkce)
        .await;
    let r = app
        .exchange_code(
            &c.client_id,
            &c.secret,
            &code,
            REDIRECT_URI,
            Some(&verifier),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
both_dbs!(pkce_mismatch_is_invalid_grant);

async fn code_is_bound_to_client_and_redirect_uri(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let other_uri = "http://localhost:9999/other";
    let (client_id, secret) = app
        .create_ac_client(&fx.partner_id, &[REDIRECT_URI, other_uri])
        .await;
    let (client2, secret2) = app.create_ac_client(&fx.partner_id, &[REDIRECT_URI]).await;
    let phone = format!("0{}", &fx.phone[3..]);

    let code = app
        .login_and_consent(&client_id, REDIRECT_URI, SCOPE, &phone, &[])
        .await;
    let r = app
        .exchange_code(&client_id, &secret, &code, other_uri, None)
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");

    let code = app
        .login_and_consent(&client_id, REDIRECT_URI, SCOPE, &phone, &[])
        .await;
    let r = app
        .exchange_code(&client2, &secret2, &code, REDIRECT_URI, None)
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");

    let r = app
        .exchange_code(
            &client_id,
            &secret,
            "gbz_ac_unknowncode",
            REDIRECT_URI,
            None,
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");
}
both_dbs!(code_is_bound_to_client_and_redirect_uri);

async fn replayed_code_is_refused_and_revokes_tokens(app: TestApp) {
    let c = setup(&app).await;
    let code = app
        .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, &c.phone, &[])
        .await;
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let at = r.json["access_token"].as_str().unwrap().to_string();
    let rt = r.json["refresh_token"].as_str().unwrap().to_string();
    app.api_get(TOKEN_INFO, &at).await.data(200);

    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");

    assert_session_expired(&app.api_get(TOKEN_INFO, &at).await);
    let r = app.introspect(&c.client_id, &c.secret, &at).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, json!({ "active": false }));
    let r = app.refresh(&c.client_id, &c.secret, &rt, None).await;
    assert_oauth_error(&r, 400, "invalid_grant");
}
both_dbs!(replayed_code_is_refused_and_revokes_tokens);

async fn code_expires_after_120_seconds(app: TestApp) {
    let c = setup(&app).await;
    let code = app
        .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, &c.phone, &[])
        .await;
    app.advance_clock(121).await;
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_oauth_error(&r, 400, "invalid_grant");

    // Within 120 s it works.
    let code = app
        .login_and_consent(&c.client_id, REDIRECT_URI, SCOPE, &c.phone, &[])
        .await;
    app.advance_clock(100).await;
    let r = app
        .exchange_code(&c.client_id, &c.secret, &code, REDIRECT_URI, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
both_dbs!(code_expires_after_120_seconds);

// ---------------------------------------------------------------------------------------------
// Refresh tokens
// ---------------------------------------------------------------------------------------------

async fn refresh_rotation_and_reuse_revokes_family(app: TestApp) {
    let c = setup(&app).await;
    let t1 = app
        .user_tokens(&c.client_id, &c.secret, SCOPE, &c.phone)
        .await;
    let at1 = t1["access_token"].as_str().unwrap().to_string();
    let rt1 = t1["refresh_token"].as_str().unwrap().to_string();

    let r = app.refresh(&c.client_id, &c.secret, &rt1, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let at2 = r.json["access_token"].as_str().unwrap().to_string();
    let rt2 = r.json["refresh_token"].as_str().unwrap().to_string();
    assert!(
        at2.starts_with("gbz_at_") && rt2.starts_with("gbz_rt_"),
        "{}",
        r.text
    );
    assert_ne!(rt1, rt2);
    assert_eq!(r.json["expires_in"], json!(3599));
    assert_eq!(r.json["token_type"], json!("bearer"));
    assert_eq!(
        scope_set(r.json["scope"].as_str().unwrap()),
        scope_set(SCOPE)
    );
    let claims = jwt_payload(r.json["id_token"].as_str().expect("id_token on refresh"));
    assert_eq!(claims["sub"], json!(c.fx.user_id));
    assert_aud(&claims, &c.client_id);
    app.api_get(TOKEN_INFO, &at2).await.data(200);

    // Another client cannot use it.
    let (other_id, other_secret) = app
        .create_ac_client(&c.fx.partner_id, &[REDIRECT_URI])
        .await;
    let r = app.refresh(&other_id, &other_secret, &rt2, None).await;
    assert_oauth_error(&r, 400, "invalid_grant");

    // Reuse of the retired rt1: refused, and the whole family is revoked.
    let r = app.refresh(&c.client_id, &c.secret, &rt1, None).await;
    assert_oauth_error(&r, 400, "invalid_grant");
    let r = app.refresh(&c.client_id, &c.secret, &rt2, None).await;
    assert_oauth_error(&r, 400, "invalid_grant");
    assert_session_expired(&app.api_get(TOKEN_INFO, &at2).await);
    assert_session_expired(&app.api_get(TOKEN_INFO, &at1).await);
}
both_dbs!(refresh_rotation_and_reuse_revokes_family);

async fn refresh_scope_subset_and_wider(app: TestApp) {
    let c = setup(&app).await;
    let t = app
        .user_tokens(&c.client_id, &c.secret, SCOPE, &c.phone)
        .await;
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let r = app
        .refresh(
            &c.client_id,
            &c.secret,
            &rt,
            Some("openid offline gofood:outlet:write"),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_scope");
    // A subset is fine (rt is still current after a refused request? use it only once more).
    let r = app
        .refresh(&c.client_id, &c.secret, &rt, Some("openid offline"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        scope_set(r.json["scope"].as_str().unwrap()),
        scope_set("openid offline")
    );
    let at = r.json["access_token"].as_str().unwrap();
    // Narrowed: partner:outlet:read is gone, openid still allows token-info.
    let rr = app.introspect(&c.client_id, &c.secret, at).await;
    assert_eq!(
        scope_set(rr.json["scope"].as_str().unwrap()),
        scope_set("openid offline")
    );
}
both_dbs!(refresh_scope_subset_and_wider);

// ---------------------------------------------------------------------------------------------
// Revocation and introspection
// ---------------------------------------------------------------------------------------------

async fn revocation_endpoint(app: TestApp) {
    let c = setup(&app).await;
    let t = app
        .user_tokens(&c.client_id, &c.secret, SCOPE, &c.phone)
        .await;
    let at = t["access_token"].as_str().unwrap().to_string();
    let rt = t["refresh_token"].as_str().unwrap().to_string();

    // Errors.
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/revoke")
                .form(&[("token", at.as_str())]),
        )
        .await;
    assert_oauth_error(&r, 401, "invalid_client");
    let r = app.revoke(&c.client_id, "wrong-secret", &at).await;
    assert_oauth_error(&r, 401, "invalid_client");
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/revoke")
                .basic_auth(&c.client_id, Some(&c.secret))
                .form(&[("token_type_hint", "access_token")]),
        )
        .await;
    assert_oauth_error(&r, 400, "invalid_request");

    // Unknown token: 200, empty body.
    let r = app
        .revoke(&c.client_id, &c.secret, "gbz_at_nosuchtoken")
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));

    // Another client's revocation leaves the token untouched.
    let r = app.revoke(&c.fx.client_id, &c.fx.client_secret, &at).await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    app.api_get(TOKEN_INFO, &at).await.data(200);

    // Revoking the access token (with a hint, client_secret_post) revokes only it.
    let r = app
        .send(app.request(Method::POST, "/oauth2/revoke").form(&[
            ("token", at.as_str()),
            ("token_type_hint", "access_token"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.secret.as_str()),
        ]))
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    assert_session_expired(&app.api_get(TOKEN_INFO, &at).await);
    let r = app.revoke(&c.client_id, &c.secret, &at).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (200, ""),
        "revoking twice is fine"
    );
    let r = app.refresh(&c.client_id, &c.secret, &rt, None).await;
    assert_eq!(r.status, 200, "the refresh token survives: {}", r.text);
    let at2 = r.json["access_token"].as_str().unwrap().to_string();
    let rt2 = r.json["refresh_token"].as_str().unwrap().to_string();

    // Revoking the refresh token revokes its family.
    let r = app.revoke(&c.client_id, &c.secret, &rt2).await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let r = app.refresh(&c.client_id, &c.secret, &rt2, None).await;
    assert_oauth_error(&r, 400, "invalid_grant");
    assert_session_expired(&app.api_get(TOKEN_INFO, &at2).await);
}
both_dbs!(revocation_endpoint);

async fn introspection(app: TestApp) {
    let c = setup(&app).await;
    let t = app
        .user_tokens(&c.client_id, &c.secret, SCOPE, &c.phone)
        .await;
    let at = t["access_token"].as_str().unwrap().to_string();
    let rt = t["refresh_token"].as_str().unwrap().to_string();

    let r = app.introspect(&c.client_id, &c.secret, &at).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let i = &r.json;
    assert_eq!(i["active"], json!(true), "{i}");
    assert_eq!(i["client_id"], json!(c.client_id));
    assert_eq!(scope_set(i["scope"].as_str().unwrap()), scope_set(SCOPE));
    assert_eq!(i["iss"], json!(app.base));
    assert_eq!(i["token_type"], json!("bearer"));
    assert_eq!(i["token_use"], json!("access_token"));
    assert_eq!(i["sub"], json!(c.fx.user_id));
    assert_eq!(
        i["exp"].as_i64().expect("exp") - i["iat"].as_i64().expect("iat"),
        3599
    );

    let r = app.introspect(&c.client_id, &c.secret, &rt).await;
    assert_eq!(r.json["active"], json!(true), "{}", r.text);
    assert_eq!(r.json["token_use"], json!("refresh_token"));
    assert_eq!(r.json["sub"], json!(c.fx.user_id));
    assert_eq!(r.json["client_id"], json!(c.client_id));

    // A cc token has no sub.
    let cc = app
        .access_token(&c.client_id, &c.secret, "partner:outlet:read")
        .await;
    let r = app.introspect(&c.client_id, &c.secret, &cc).await;
    assert_eq!(r.json["active"], json!(true), "{}", r.text);
    assert_eq!(r.json["token_use"], json!("access_token"));
    assert!(
        r.json.get("sub").is_none(),
        "cc token has no sub: {}",
        r.text
    );

    // Unknown, another client's.
    for tok in ["gbz_at_nosuchtoken", "garbage"] {
        let r = app.introspect(&c.client_id, &c.secret, tok).await;
        assert_eq!(
            (r.status, &r.json),
            (200, &json!({ "active": false })),
            "{tok}"
        );
    }
    let r = app
        .introspect(&c.fx.client_id, &c.fx.client_secret, &at)
        .await;
    assert_eq!((r.status, &r.json), (200, &json!({ "active": false })));

    // Client auth is required.
    let r = app
        .send(
            app.request(Method::POST, "/oauth2/introspect")
                .form(&[("token", at.as_str())]),
        )
        .await;
    assert_oauth_error(&r, 401, "invalid_client");

    // Expired (clock): access token inactive; the refresh token (30 days) still active.
    app.advance_clock(3600).await;
    let r = app.introspect(&c.client_id, &c.secret, &at).await;
    assert_eq!((r.status, &r.json), (200, &json!({ "active": false })));
    let r = app.introspect(&c.client_id, &c.secret, &rt).await;
    assert_eq!(r.json["active"], json!(true), "{}", r.text);

    // Revoked.
    app.revoke(&c.client_id, &c.secret, &rt).await;
    let r = app.introspect(&c.client_id, &c.secret, &rt).await;
    assert_eq!((r.status, &r.json), (200, &json!({ "active": false })));
}
both_dbs!(introspection);

async fn revoked_token_on_api_call(app: TestApp) {
    let c = setup(&app).await;
    let at = app
        .user_token(&c.client_id, &c.secret, SCOPE, &c.phone)
        .await;
    app.api_get(TOKEN_INFO, &at).await.data(200);
    app.api_get("/integrations/partner/v1/linked-outlets", &at)
        .await
        .data(200);
    let r = app.revoke(&c.client_id, &c.secret, &at).await;
    assert_eq!(r.status, 200);
    assert_session_expired(&app.api_get(TOKEN_INFO, &at).await);
    assert_session_expired(
        &app.api_get("/integrations/partner/v1/linked-outlets", &at)
            .await,
    );
}
both_dbs!(revoked_token_on_api_call);

async fn public_client_must_use_pkce(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let phone = format!("0{}", &fx.phone[3..]);
    let r = app
        .admin_post(
            &format!("/sandbox/v1/partners/{}/clients", fx.partner_id),
            json!({ "redirect_uris": [REDIRECT_URI], "allowed_scopes": FACILITATOR_AC_SCOPES,
                    "allowed_grants": ["authorization_code", "refresh_token"], "public": true }),
        )
        .await;
    let client = &r.data(201)["client"];
    let client_id = client["client_id"].as_str().unwrap().to_string();
    assert!(
        client.get("client_secret").is_none_or(Value::is_null),
        "a public client has no secret: {client}"
    );

    // No challenge: refused with a redirect.
    let path = app.authorize_path(&client_id, REDIRECT_URI, SCOPE, &[]);
    let r = app.browser_get(None, &path).await;
    assert_callback_error(&r, REDIRECT_URI, "invalid_request", DEFAULT_STATE);

    // With S256: the code is exchanged with client_id and the verifier only.
    let (verifier, challenge) = pkce_pair();
    let code = app
        .login_and_consent(
            &client_id,
            REDIRECT_URI,
            SCOPE,
            &phone,
            &[
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
    let r = app
        .send(app.request(Method::POST, "/oauth2/token").form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client_id.as_str()),
            ("code_verifier", verifier.as_str()),
        ]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["access_token"]
        .as_str()
        .is_some_and(|s| s.starts_with("gbz_at_")));
    let claims = jwt_payload(r.json["id_token"].as_str().unwrap());
    assert_eq!(claims["sub"], json!(fx.user_id));
    assert_aud(&claims, &client_id);
}
both_dbs!(public_client_must_use_pkce);

// ---------------------------------------------------------------------------------------------
// The pages themselves: language, error pages, phone numbers, layout, sandbox banner
// ---------------------------------------------------------------------------------------------

/// `GET path` as a browser would, with `Accept-Language` when given.
async fn browser_get_lang(app: &TestApp, path: &str, accept_language: Option<&str>) -> Resp {
    let mut rb = app.client.get(app.url(path));
    if let Some(al) = accept_language {
        rb = rb.header("accept-language", al);
    }
    app.send(rb).await
}

/// Like [`TestApp::start_flow`], sending `Accept-Language` when given.
async fn start_flow_lang(app: &TestApp, path: &str, accept_language: Option<&str>) -> LoginFlow {
    let r = browser_get_lang(app, path, accept_language).await;
    assert_eq!(r.status, 302, "authorize: {}", r.text);
    let loc = location_path(&app.base, &r);
    let flow_id = loc
        .strip_prefix("/merchant/login?flow=")
        .unwrap_or_else(|| panic!("authorize must redirect to the login page, got {loc}"))
        .to_string();
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("gobiz_login="))
        .unwrap_or_else(|| panic!("no gobiz_login cookie: {:?}", r.headers))
        .split(';')
        .next()
        .unwrap()
        .to_string();
    LoginFlow { flow_id, cookie }
}

/// The `lang` attribute of the page's `<html>` element.
fn html_lang(page: &str) -> String {
    let re = regex::Regex::new(r#"(?is)<html\b[^>]*\blang\s*=\s*["']([^"']*)["']"#).unwrap();
    re.captures(page)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| panic!("no <html lang=…> on the page:\n{page}"))
}

/// The page's `<title>`.
fn html_title(page: &str) -> String {
    let re = regex::Regex::new(r"(?is)<title>(.*?)</title>").unwrap();
    re.captures(page)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| panic!("no <title> on the page:\n{page}"))
}

/// The page has the sandbox banner.
fn has_sandbox_banner(page: &str) -> bool {
    page.contains(r#"<div class="sandbox" role="note">"#)
}

/// An error page in `lang`: HTML, `lang`, the red error heading and an error title, the
/// message, no words of the other language, the sandbox banner.
fn assert_error_page(r: &Resp, status: u16, lang: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_html(r);
    let page = &r.text;
    assert_eq!(html_lang(page), lang, "{page}");
    assert!(
        page.contains(r#"<main class="error">"#),
        "error card: {page}"
    );
    assert!(
        page.contains(r#"<h1 class="error">"#),
        "error heading: {page}"
    );
    let (title, heading, other) = match lang {
        "en" => (
            "Error – GoBiz",
            "The request cannot be processed",
            "Permintaan tidak dapat diproses",
        ),
        _ => (
            "Kesalahan – GoBiz",
            "Permintaan tidak dapat diproses",
            "The request cannot be processed",
        ),
    };
    assert_eq!(html_title(page), title, "{page}");
    assert!(page.contains(heading), "heading {heading:?}: {page}");
    assert!(
        !page.contains(other),
        "no words of the other language: {page}"
    );
    assert!(page.contains(message), "message {message:?}: {page}");
    assert!(!page.contains(" / "), "not bilingual: {page}");
    assert!(has_sandbox_banner(page), "sandbox banner: {page}");
    // The green heading of the success pages is not used.
    assert!(
        !page.contains("<h1>"),
        "plain (green) heading on an error page: {page}"
    );
}

async fn login_language_from_accept_language(app: TestApp) {
    let c = setup(&app).await;
    let en_path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[]);
    assert!(en_path.contains("&ui_locales=en"), "{en_path}");
    let no_ui = en_path.replace("&ui_locales=en", "");
    let cases: [(&str, Option<&str>, &str); 9] = [
        // (authorize path, Accept-Language, expected page language)
        (&no_ui, None, "id"),
        (&no_ui, Some("en-US,en;q=0.9"), "en"),
        (&no_ui, Some("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"), "id"),
        (&no_ui, Some("fr-FR, en;q=0.5, id;q=0.8"), "id"),
        (&no_ui, Some("fr-FR, id;q=0.4, en;q=0.9"), "en"),
        (&no_ui, Some("de, fr;q=0.5"), "id"),
        (&no_ui, Some("id;q=0, *;q=0.5"), "en"),
        // ui_locales wins over Accept-Language.
        (&en_path, Some("id"), "en"),
        (
            &en_path.replace("&ui_locales=en", "&ui_locales=id"),
            Some("en"),
            "id",
        ),
    ];
    for (path, al, lang) in cases {
        let flow = start_flow_lang(&app, path, al).await;
        let page = app.login_page(&flow).await;
        assert_eq!(html_lang(&page), lang, "Accept-Language {al:?}, {path}");
        let (h1, not) = if lang == "en" {
            ("Log in to GoBiz", "Masuk ke GoBiz")
        } else {
            ("Masuk ke GoBiz", "Log in to GoBiz")
        };
        assert!(page.contains(h1), "{al:?}: {page}");
        assert!(!page.contains(not), "{al:?}: {page}");
    }

    // The language chosen at the start holds for the whole flow, whatever the browser
    // sends later: the consent page of an Accept-Language `en` flow is English.
    let flow = start_flow_lang(&app, &no_ui, Some("en")).await;
    let page = app.submit_phone(&flow, &c.phone).await;
    assert_eq!(html_lang(&page), "en");
    assert!(page.contains("Enter the OTP code"), "{page}");
    let code = app.otp_code(&c.phone).await;
    let r = app.submit_otp(&flow, &page, &code).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = app.consent_page(&flow).await;
    assert_eq!(html_lang(&page), "en");
    assert!(page.contains("Allow access"), "{page}");
    assert!(
        page.contains("See outlet data"),
        "scope words in English: {page}"
    );
}
both_dbs!(login_language_from_accept_language);

/// Error pages of a known flow: its own language (ui_locales=en) whatever Accept-Language says, but Accept-Language for a control character; the finished flow is gone.
async fn flow_error_pages_speak_the_flow_language(app: &TestApp, c: &Ctx) {
    // A known flow: its own language (ui_locales=en), whatever Accept-Language says.
    let path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[]);
    let flow = app.start_flow(&path).await;
    let page = app.login_page(&flow).await;
    let csrf = form_input(&page, "/merchant/login", "csrf_token");
    let r = app
        .send(
            app.request(Method::POST, "/merchant/login")
                .header("accept-language", "id")
                .form(&[
                    ("flow", flow.flow_id.as_str()),
                    ("csrf_token", "wrong-csrf-token"),
                    ("phone", c.phone.as_str()),
                ])
                .header("cookie", &flow.cookie),
        )
        .await;
    assert_error_page(
        &r,
        403,
        "en",
        "This form does not belong to this browser session. Start again from the application.",
    );
    // A bad decision on the consent form, in the flow's language.
    let r = app
        .submit(&flow, &page, "/merchant/login", &[("phone", &c.phone)])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = app.login_page(&flow).await;
    let code = app.otp_code(&c.phone).await;
    let r = app.submit_otp(&flow, &page, &code).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = app.consent_page(&flow).await;
    let r = app.decide(&flow, &page, "maybe").await;
    assert_error_page(&r, 400, "en", "decision must be allow or deny.");
    // A control character in a form field: Accept-Language.
    let r = app
        .send(
            app.request(Method::POST, "/merchant/consent")
                .header("accept-language", "id")
                .header("cookie", &flow.cookie)
                .form(&[
                    ("flow", flow.flow_id.as_str()),
                    ("csrf_token", csrf.as_str()),
                    ("decision", "allow\u{7}"),
                ]),
        )
        .await;
    assert_error_page(
        &r,
        400,
        "id",
        "decision: tidak boleh berisi karakter kontrol (U+0007)",
    );
    // The finished flow, reloaded: gone, in its language.
    let r = app.decide(&flow, &page, "allow").await;
    assert_callback(&r, REDIRECT_URI);
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/merchant/consent?flow={}", flow.flow_id)))
                .header("cookie", &flow.cookie)
                .header("accept-language", "id"),
        )
        .await;
    assert_error_page(
        &r,
        400,
        "en",
        "This login link is no longer valid. Start again from the application.",
    );
}

async fn error_pages_speak_the_page_language(app: TestApp) {
    let c = setup(&app).await;

    // Authorization endpoint pages: ui_locales, else Accept-Language, else id.
    let r = browser_get_lang(&app, "/oauth2/auth?client_id=no-such-client", Some("en")).await;
    assert_error_page(&r, 400, "en", "Unknown client_id: no-such-client");
    let r = browser_get_lang(&app, "/oauth2/auth?client_id=no-such-client", None).await;
    assert_error_page(&r, 400, "id", "client_id tidak dikenal: no-such-client");
    let r = browser_get_lang(
        &app,
        "/oauth2/auth?client_id=no-such-client&ui_locales=en",
        Some("id"),
    )
    .await;
    assert_error_page(&r, 400, "en", "Unknown client_id: no-such-client");
    let path = format!("/oauth2/auth?client_id={}", c.client_id);
    let r = browser_get_lang(&app, &path, Some("id-ID")).await;
    assert_error_page(&r, 400, "id", "Permintaan ini tidak memiliki redirect_uri.");
    let path = format!(
        "/oauth2/auth?client_id={}&redirect_uri=http%3A%2F%2Fevil.example%2Fcb",
        c.client_id
    );
    let r = browser_get_lang(&app, &path, Some("en")).await;
    assert_error_page(
        &r,
        400,
        "en",
        "The redirect_uri is not registered for this client.",
    );
    let message = "<script>";
    let r = browser_get_lang(&app, "/oauth2/auth?client_id=%3Cscript%3E", Some("en")).await;
    assert!(
        !r.text.contains(message) && r.text.contains("&lt;script&gt;"),
        "escaped: {}",
        r.text
    );

    // An unknown flow: Accept-Language.
    let r = browser_get_lang(&app, "/merchant/login?flow=no-such-flow", Some("en")).await;
    assert_error_page(
        &r,
        400,
        "en",
        "This login link is no longer valid. Start again from the application.",
    );
    let r = browser_get_lang(&app, "/merchant/login?flow=no-such-flow", None).await;
    assert_error_page(
        &r,
        400,
        "id",
        "Tautan masuk ini tidak berlaku lagi. Mulai lagi dari aplikasi.",
    );

    flow_error_pages_speak_the_flow_language(&app, &c).await;
}
both_dbs!(error_pages_speak_the_page_language);

async fn malformed_phone_is_invalid_not_unregistered(app: TestApp) {
    let c = setup(&app).await;
    for (lang, invalid, unknown) in [
        (
            "en",
            "This is not a valid phone number.",
            "This phone number is not registered with GoBiz.",
        ),
        (
            "id",
            "Nomor telepon tidak valid.",
            "Nomor telepon ini tidak terdaftar di GoBiz.",
        ),
    ] {
        let path = app.authorize_path(&c.client_id, REDIRECT_URI, SCOPE, &[("ui_locales", lang)]);
        let flow = app.start_flow(&path).await;
        for typed in ["abc", "0812", "+1 555 0100", "08123456789012345"] {
            let page = app.login_page(&flow).await;
            let r = app
                .submit(&flow, &page, "/merchant/login", &[("phone", typed)])
                .await;
            assert_eq!(r.status, 400, "{typed}: {}", r.text);
            assert_html(&r);
            assert_eq!(html_lang(&r.text), lang);
            assert!(r.text.contains(invalid), "{typed}: {}", r.text);
            assert!(!r.text.contains(unknown), "{typed}: {}", r.text);
            assert_eq!(
                form_input(&r.text, "/merchant/login", "phone"),
                typed,
                "the form keeps what was typed"
            );
            assert!(
                r.text.contains(r#"aria-invalid="true""#),
                "field marked invalid: {}",
                r.text
            );
        }
        // Well-formed but unknown: "not registered", and the number stays too.
        let page = app.login_page(&flow).await;
        let unknown_phone = random_phone_local();
        let r = app
            .submit(
                &flow,
                &page,
                "/merchant/login",
                &[("phone", &unknown_phone)],
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains(unknown), "{}", r.text);
        assert!(!r.text.contains(invalid), "{}", r.text);
        assert_eq!(
            form_input(&r.text, "/merchant/login", "phone"),
            unknown_phone
        );
        // Markup in the typed number is escaped.
        let r = app
            .submit(&flow, &page, "/merchant/login", &[("phone", "\"><b>x</b>")])
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(!r.text.contains("<b>x</b>"), "escaped: {}", r.text);
        assert_eq!(
            form_input(&r.text, "/merchant/login", "phone"),
            "\"><b>x</b>"
        );
        // The flow goes on with a valid number.
        let page = app.submit_phone(&flow, &c.phone).await;
        assert!(!page.contains(invalid), "{page}");
    }
}
both_dbs!(malformed_phone_is_invalid_not_unregistered);

async fn consent_scopes_and_callback_layout(app: TestApp) {
    let c = setup(&app).await;
    let scope = "openid offline partner:outlet:read gofood:catalog:write";
    let path = app.authorize_path(&c.client_id, REDIRECT_URI, scope, &[]);
    let (_, page) = app.login_to_consent(&path, &c.phone).await;
    // Every scope is a code element of class `scope`, which the style keeps on one line.
    for s in scope.split(' ') {
        assert!(
            page.contains(&format!(r#"<code class="scope">{s}</code>"#)),
            "{s}: {page}"
        );
    }
    assert!(
        page.contains("code.scope{white-space:nowrap;"),
        "scope codes do not wrap: {page}"
    );
    assert!(
        !page.contains("break-all"),
        "nothing breaks mid-word: {page}"
    );
    assert!(has_sandbox_banner(&page), "{page}");
    assert!(page.contains("<h1>Allow access</h1>"), "{page}");

    // The callback page's curl command wraps inside its card.
    let r = app
        .browser_get(None, "/demo/callback?code=gbz_ac_abc&state=demo-state-1")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text
            .contains("pre{white-space:pre-wrap;overflow-wrap:anywhere;"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("-d grant_type=authorization_code \\\n  -d code=gbz_ac_abc \\\n"),
        "{}",
        r.text
    );
    assert!(has_sandbox_banner(&r.text), "{}", r.text);
}
both_dbs!(consent_scopes_and_callback_layout);

async fn demo_callback_shows_error_description(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let callback = format!("{}/demo/callback", app.base);
    let (client_id, _) = app.create_ac_client(&fx.partner_id, &[&callback]).await;
    // (scope, extra parameters, error, error_description)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 2] = [
        (
            SCOPE,
            &[("state", "short")],
            "invalid_request",
            "state must be at least 8 characters",
        ),
        (
            "openid foo:bar",
            &[],
            "invalid_scope",
            "scope foo:bar is not known",
        ),
    ];
    for (scope, extra, error, description) in cases {
        let path = app.authorize_path(&client_id, &callback, scope, extra);
        let r = app.browser_get(None, &path).await;
        let q = assert_callback(&r, &callback);
        assert_eq!(q.get("error").map(String::as_str), Some(error));
        let loc = r.header("location").unwrap();
        let page = app.browser_get(None, &loc).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_html(&page);
        assert!(
            page.text.contains(&format!("<code>{error}</code>")),
            "{}",
            page.text
        );
        assert!(
            page.text
                .contains(&format!(r#"<p class="description">{description}</p>"#)),
            "error_description on the page: {}",
            page.text
        );
        assert!(page.text.contains(r#"<h1 class="error">"#), "{}", page.text);
        assert!(html_title(&page.text).starts_with("Error"), "{}", page.text);
        assert!(has_sandbox_banner(&page.text), "{}", page.text);
    }
    // HTML-escaped.
    let r = app
            .browser_get(
                None,
                "/demo/callback?error=invalid_request&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%20%26%20more",
            )
            .await;
    assert!(!r.text.contains("<script>"), "{}", r.text);
    assert!(
        r.text
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
        "{}",
        r.text
    );
}
both_dbs!(demo_callback_shows_error_description);

/// In production mode no page carries the sandbox banner.
async fn production_pages_have_no_sandbox_banner(db_url: String) {
    let app = TestApp::start_with_env(
        &db_url,
        &[
            ("GOBIZ_MODE", "production"),
            (
                "GOBIZ_SECRET_KEY",
                "goauth-pages-test-secret-key-0123456789abcdef",
            ),
        ],
    )
    .await;
    let r = browser_get_lang(&app, "/oauth2/auth?client_id=no-such-client", Some("en")).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.text.contains("Unknown client_id: no-such-client"),
        "{}",
        r.text
    );
    assert!(!has_sandbox_banner(&r.text), "{}", r.text);
    assert!(!r.text.contains("Sandbox"), "{}", r.text);
    let r = browser_get_lang(&app, "/merchant/login?flow=no-such-flow", None).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(!r.text.contains("Sandbox"), "{}", r.text);
    let r = app
        .browser_get(
            None,
            "/demo/callback?error=access_denied&error_description=no",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("Sandbox"), "{}", r.text);

    // A login page of a real flow.
    let fx = app.setup_facilitator().await;
    let (client_id, _) = app
        .create_ac_client(&fx.partner_id, &["https://pos.example/cb"])
        .await;
    let path = app.authorize_path(&client_id, "https://pos.example/cb", SCOPE, &[]);
    let flow = app.start_flow(&path).await;
    let page = app.login_page(&flow).await;
    assert!(page.contains("Log in to GoBiz"), "{page}");
    assert!(!page.contains("Sandbox"), "{page}");
}

both_dbs!(production_pages_have_no_sandbox_banner);
