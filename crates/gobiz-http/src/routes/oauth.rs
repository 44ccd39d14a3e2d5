//! GoAuth token endpoint (spec §2.3). Errors are RFC 6749 §5.2 JSON, never the envelope.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gobiz_domain::scope::Grant;
use gobiz_services::goauth::{Authorize, BROWSER_COOKIE};
use gobiz_services::oauth::{Introspection, IssuedUserTokens, OAuthError, PresentedClient, Retry};
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/oauth2/revoke", post(revoke))
        .route("/oauth2/introspect", post(introspect))
        .route("/oauth2/auth", get(authorize))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/.well-known/jwks.json", get(jwks))
}

fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// RFC 6749 §5.2 JSON. `temporarily_unavailable` (client authentication refused without
/// checking the secret) is 429 when the client id failed too often, 503 when the hashing pool
/// is full, both with `Retry-After`.
pub(super) fn oauth_error(e: OAuthError) -> Response {
    let (status, retry_after) = match (e.retry, e.error) {
        (Some(Retry::Throttled { after_secs }), _) => {
            (StatusCode::TOO_MANY_REQUESTS, Some(after_secs))
        }
        (Some(Retry::Busy { after_secs }), _) => {
            (StatusCode::SERVICE_UNAVAILABLE, Some(after_secs))
        }
        (None, "invalid_client") => (StatusCode::UNAUTHORIZED, None),
        (None, "server_error") => (StatusCode::INTERNAL_SERVER_ERROR, None),
        (None, _) => (StatusCode::BAD_REQUEST, None),
    };
    let mut resp = (
        status,
        Json(json!({ "error": e.error, "error_description": e.description })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"GoAuth\""),
        );
    }
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    no_store(resp)
}

/// The form as a list of pairs, refusing repeated parameters (RFC 6749 §3.2).
fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::invalid_request("the request body is not a valid form"))?;
    if let Some((name, problem)) = crate::text_guard::pairs_problem(&pairs) {
        return Err(OAuthError::invalid_request(format!("{name}: {problem}")));
    }
    for (i, (k, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(OAuthError::invalid_request(format!(
                "parameter {k} is repeated"
            )));
        }
    }
    Ok(pairs)
}

/// `client_secret_basic` or `client_secret_post` (or a public client's bare `client_id`).
fn presented_client(
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<PresentedClient, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, creds)| creds.trim().to_string());
    let form_id = crate::extract::pair(pairs, "client_id");
    let form_secret = crate::extract::pair(pairs, "client_secret");
    if let Some(creds) = basic {
        if form_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not both",
            ));
        }
        let decoded = STANDARD
            .decode(creds.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(OAuthError::invalid_client)?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(OAuthError::invalid_client)?;
        let id = form_decode(id);
        let secret = form_decode(secret);
        for (name, value) in [("client_id", &id), ("client_secret", &secret)] {
            if let Some(problem) = crate::text_guard::token_problem(value) {
                return Err(OAuthError::invalid_request(format!(
                    "Authorization header {name}: {problem}"
                )));
            }
        }
        if form_id.is_some_and(|f| f != id) {
            return Err(OAuthError::invalid_request(
                "client_id in the body differs from the Authorization header",
            ));
        }
        return Ok(PresentedClient {
            client_id: id,
            secret: Some(secret),
        });
    }
    match form_id {
        Some(id) => Ok(PresentedClient {
            client_id: id.to_string(),
            secret: form_secret.map(String::from),
        }),
        None => Err(OAuthError::invalid_client()),
    }
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
fn form_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// `POST /oauth2/token`.
async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match issue(&state, &headers, &body).await {
        Ok(resp) => resp,
        Err(e) => oauth_error(e),
    }
}

async fn issue(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let pairs = parse_form(headers, body)?;
    let grant_raw = crate::extract::pair(&pairs, "grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    let grant =
        Grant::parse(grant_raw).ok_or_else(|| OAuthError::unsupported_grant_type(grant_raw))?;
    let presented = presented_client(headers, &pairs)?;
    match grant {
        Grant::ClientCredentials => {
            let issued = state
                .services
                .client_credentials(&presented, crate::extract::pair(&pairs, "scope"))
                .await?;
            Ok(no_store(
                Json(json!({
                    "access_token": issued.access_token,
                    "expires_in": issued.expires_in,
                    "scope": issued.scope,
                    "token_type": "bearer",
                }))
                .into_response(),
            ))
        }
        Grant::AuthorizationCode => {
            let issued = state
                .services
                .authorization_code(
                    &presented,
                    crate::extract::pair(&pairs, "code"),
                    crate::extract::pair(&pairs, "redirect_uri"),
                    crate::extract::pair(&pairs, "code_verifier"),
                )
                .await?;
            Ok(user_tokens(issued))
        }
        Grant::RefreshToken => {
            let issued = state
                .services
                .refresh_token(
                    &presented,
                    crate::extract::pair(&pairs, "refresh_token"),
                    crate::extract::pair(&pairs, "scope"),
                )
                .await?;
            Ok(user_tokens(issued))
        }
    }
}

fn user_tokens(t: IssuedUserTokens) -> Response {
    let mut body = json!({
        "access_token": t.access.access_token,
        "expires_in": t.access.expires_in,
        "scope": t.access.scope,
        "token_type": "bearer",
    });
    if let Some(id) = t.id_token {
        body["id_token"] = json!(id);
    }
    if let Some(rt) = t.refresh_token {
        body["refresh_token"] = json!(rt);
    }
    no_store(Json(body).into_response())
}

/// Client authentication and the `token` parameter shared by revoke and introspect.
fn token_request(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(PresentedClient, String), OAuthError> {
    let pairs = parse_form(headers, body)?;
    let presented = presented_client(headers, &pairs)?;
    let token = crate::extract::pair(&pairs, "token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?
        .to_string();
    Ok((presented, token))
}

/// `POST /oauth2/revoke` (RFC 7009): 200 with an empty body, also for unknown tokens.
async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (presented, token) = token_request(&headers, &body)?;
        // Client authentication comes first, so a missing token of an unknown client is 401.
        state.services.revoke(&presented, &token).await
    };
    match result.await {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => oauth_error(e),
    }
}

/// `POST /oauth2/introspect` (RFC 7662).
async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (presented, token) = token_request(&headers, &body)?;
        state.services.introspect(&presented, &token).await
    };
    match result.await {
        Ok(Introspection::Inactive) => no_store(Json(json!({ "active": false })).into_response()),
        Ok(Introspection::Active {
            client_id,
            scope,
            exp,
            iat,
            token_use,
            sub,
        }) => {
            let mut body = json!({
                "active": true,
                "client_id": client_id,
                "scope": scope,
                "exp": exp,
                "iat": iat,
                "iss": state.services.config.public_base_url,
                "token_type": "bearer",
                "token_use": token_use,
            });
            if let Some(sub) = sub {
                body["sub"] = json!(sub);
            }
            no_store(Json(body).into_response())
        }
        Err(e) => oauth_error(e),
    }
}

/// `GET /oauth2/auth` (spec §2.4).
async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    use crate::pages::{Chrome, PageError};
    let pairs = crate::extract::query_pairs(query.as_deref());
    let accept_language = crate::pages::accept_language(&headers);
    let mode = state.services.config.mode;
    match state
        .services
        .authorize(&pairs, Some(accept_language.as_str()))
        .await
    {
        Ok(Authorize::ErrorPage { problem, locale }) => crate::pages::error_page(
            StatusCode::BAD_REQUEST,
            Chrome::new(locale, mode),
            &PageError::Authorize(problem),
        ),
        Ok(Authorize::Redirect(url)) => crate::pages::redirect(StatusCode::FOUND, &url),
        Ok(Authorize::Login { flow_id, cookie }) => {
            let mut resp = crate::pages::redirect(
                StatusCode::FOUND,
                &format!("/merchant/login?flow={flow_id}"),
            );
            let set =
                format!("{BROWSER_COOKIE}={cookie}; HttpOnly; SameSite=Lax; Path=/; Max-Age=600");
            if let Ok(v) = HeaderValue::from_str(&set) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "authorization endpoint failure");
            crate::pages::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Chrome::new(
                    gobiz_domain::goauth::Locale::negotiate(
                        crate::extract::pair(&pairs, "ui_locales"),
                        Some(&accept_language),
                    ),
                    mode,
                ),
                &PageError::Failure,
            )
        }
    }
}

/// `GET /.well-known/openid-configuration` (spec §2.9).
async fn discovery(State(state): State<AppState>) -> Response {
    let base = state
        .services
        .config
        .public_base_url
        .trim_end_matches('/')
        .to_string();
    Json(json!({
        "issuer": state.services.config.public_base_url,
        "authorization_endpoint": format!("{base}/oauth2/auth"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "introspection_endpoint": format!("{base}/oauth2/introspect"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": gobiz_domain::scope::ALL_SCOPES,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"],
        "ui_locales_supported": ["id", "en"],
    }))
    .into_response()
}

/// `GET /.well-known/jwks.json`.
async fn jwks(State(state): State<AppState>) -> Response {
    match state.services.jwks().await {
        Ok(keys) => Json(json!({ "keys": keys })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "jwks failure");
            oauth_error(OAuthError::server_error())
        }
    }
}
