//! GoAuth token endpoint (spec §2.3). Errors are RFC 6749 §5.2 JSON, never the envelope.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gobiz_domain::scope::Grant;
use gobiz_services::oauth::{OAuthError, PresentedClient};
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/oauth2/token", post(token))
}

fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn oauth_error(e: OAuthError) -> Response {
    let status = match e.error {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
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
    no_store(resp)
}

/// 405 on an `/oauth2` path, as an OAuth JSON error (spec §2.3).
pub(super) fn method_not_allowed(method: &str, path: &str) -> Response {
    let mut resp = oauth_error(OAuthError::invalid_request(format!(
        "Method {method} is not allowed on {path}"
    )));
    *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    resp
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
    for (i, (k, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(OAuthError::invalid_request(format!(
                "parameter {k} is repeated"
            )));
        }
    }
    Ok(pairs)
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
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
    let form_id = param(pairs, "client_id");
    let form_secret = param(pairs, "client_secret");
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
        if form_id.is_some_and(|f| f != id) {
            return Err(OAuthError::invalid_request(
                "client_id in the body differs from the Authorization header",
            ));
        }
        return Ok(PresentedClient {
            client_id: id,
            secret: Some(form_decode(secret)),
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
    let grant_raw = param(&pairs, "grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    let grant =
        Grant::parse(grant_raw).ok_or_else(|| OAuthError::unsupported_grant_type(grant_raw))?;
    let presented = presented_client(headers, &pairs)?;
    match grant {
        Grant::ClientCredentials => {
            let issued = state
                .services
                .client_credentials(&presented, param(&pairs, "scope"))
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
        Grant::AuthorizationCode | Grant::RefreshToken => {
            // The merchant login flow that issues codes and refresh tokens is not built yet;
            // say so honestly rather than pretend.
            state.services.authenticate_client(&presented).await?;
            Err(OAuthError::unsupported_grant_type(grant_raw))
        }
    }
}
