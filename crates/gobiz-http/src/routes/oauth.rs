//! GoAuth (spec §2): the token, revocation and introspection endpoints (RFC 6749 §5.2 JSON
//! errors, never the envelope), the authorization endpoint, discovery and keys.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gobiz_domain::scope::Grant;
use gobiz_services::goauth::{Authorize, BROWSER_COOKIE};
use gobiz_services::oauth::{
    Introspection, IssuedToken, IssuedUserTokens, OAuthError, PresentedClient, Retry, TokenForm,
    TokenHintForm,
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(revoke))
        .routes(routes!(introspect))
        .routes(routes!(authorize))
        .routes(routes!(discovery))
        .routes(routes!(jwks))
}

/// An RFC 6749 §5.2 error (no envelope).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_scope", "error_description": "scope payment:transaction:write is not allowed for this client"}))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `temporarily_unavailable` or `server_error`.
    #[schema(example = "invalid_scope")]
    pub error: &'static str,
    /// What is wrong, in English.
    pub error_description: String,
}

/// A token response (RFC 6749 §5.1, spec §2.3).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "gbz_at_<access-token>", "expires_in": 3599, "id_token": "<id-token-jwt>", "refresh_token": "gbz_rt_<refresh-token>", "scope": "openid offline partner:outlet:read gofood:outlet:write", "token_type": "bearer"}))]
pub struct TokenResponse {
    /// The opaque access token (`gbz_at_…`).
    #[schema(example = "gbz_at_<access-token>")]
    pub access_token: String,
    /// Seconds until the access token expires (3599 by default).
    #[schema(example = 3599)]
    pub expires_in: i64,
    /// The signed ID token (RS256 JWT, spec §2.6): `authorization_code` and `refresh_token`
    /// grants with `openid` in scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String, example = "<id-token-jwt>")]
    pub id_token: Option<String>,
    /// A new refresh token (`gbz_rt_…`) when `offline` or `offline_access` was granted; the
    /// presented one is retired.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String, example = "gbz_rt_<refresh-token>")]
    pub refresh_token: Option<String>,
    /// The granted scopes, space-separated; `""` when none was requested.
    #[schema(example = "gofood:catalog:write gofood:order:write")]
    pub scope: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: &'static str,
}

impl TokenResponse {
    fn new(access: IssuedToken, id_token: Option<String>, refresh_token: Option<String>) -> Self {
        TokenResponse {
            access_token: access.access_token,
            expires_in: access.expires_in,
            id_token,
            refresh_token,
            scope: access.scope,
            token_type: "bearer",
        }
    }
}

/// An introspection answer (RFC 7662, spec §2.8): `{"active": false}`, or an active token's
/// details.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"active": true, "client_id": "<client-id>", "exp": 1767225599, "iat": 1767222000, "iss": "https://gobiz.example.com", "scope": "gofood:order:write", "token_type": "bearer", "token_use": "access_token"}))]
pub struct IntrospectionResponse {
    /// Whether the token is live and the caller's own.
    pub active: bool,
    /// The client it was issued to (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String)]
    pub client_id: Option<String>,
    /// Expiry, Unix seconds (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = i64)]
    pub exp: Option<i64>,
    /// Issue time, Unix seconds (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = i64)]
    pub iat: Option<i64>,
    /// The issuer (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String)]
    pub iss: Option<String>,
    /// Space-separated scopes (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String)]
    pub scope: Option<String>,
    /// The merchant user (active `authorization_code` tokens and refresh tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String)]
    pub sub: Option<String>,
    /// `bearer` (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String, example = "bearer")]
    pub token_type: Option<&'static str>,
    /// `access_token` or `refresh_token` (active only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, value_type = String, example = "access_token")]
    pub token_use: Option<&'static str>,
}

/// The OpenID Connect discovery document (spec §2.9).
#[derive(Debug, Serialize, ToSchema)]
pub struct Discovery {
    /// `{base}/oauth2/auth`.
    #[schema(format = "uri")]
    pub authorization_endpoint: String,
    /// The ID token's claims (spec §2.6).
    pub claims_supported: Vec<&'static str>,
    /// `["S256"]`.
    pub code_challenge_methods_supported: Vec<&'static str>,
    /// The three grants.
    pub grant_types_supported: Vec<&'static str>,
    /// `["RS256"]`.
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
    /// `{base}/oauth2/introspect`.
    #[schema(format = "uri")]
    pub introspection_endpoint: String,
    /// `client_secret_basic`, `client_secret_post`.
    pub introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    /// The issuer (`public_base_url`).
    pub issuer: String,
    /// `{base}/.well-known/jwks.json`.
    #[schema(format = "uri")]
    pub jwks_uri: String,
    /// `["query"]`.
    pub response_modes_supported: Vec<&'static str>,
    /// `["code"]`.
    pub response_types_supported: Vec<&'static str>,
    /// `{base}/oauth2/revoke`.
    #[schema(format = "uri")]
    pub revocation_endpoint: String,
    /// `client_secret_basic`, `client_secret_post`.
    pub revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// Every scope of spec §2.2.
    pub scopes_supported: Vec<&'static str>,
    /// `["public"]`.
    pub subject_types_supported: Vec<&'static str>,
    /// `{base}/oauth2/token`.
    #[schema(format = "uri")]
    pub token_endpoint: String,
    /// `client_secret_basic`, `client_secret_post`, `none`.
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// `["id", "en"]`.
    pub ui_locales_supported: Vec<&'static str>,
}

/// The published ID-token signing keys (RFC 7517 JWK set, spec §2.9).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"keys": [{"kty": "RSA", "kid": "<key-id>", "use": "sig", "alg": "RS256", "n": "<modulus>", "e": "AQAB"}]}))]
pub struct Jwks {
    /// One JWK per published key.
    pub keys: Vec<gobiz_services::signing::Jwk>,
}

/// The query of `GET /oauth2/auth` (spec §2.4), for the OpenAPI document (it is read by hand).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct AuthorizeQuery {
    /// `code`.
    #[param(required = true, pattern = "^code$", example = "code")]
    response_type: String,
    /// A registered client. Unknown → an HTML error page (400), no redirect.
    #[param(required = true, example = "<client-id>")]
    client_id: String,
    /// Exactly one of the client's registered redirect URIs; missing or unregistered → an
    /// HTML error page (400), no redirect.
    #[param(required = true, example = "https://pos.example.com/callback")]
    redirect_uri: String,
    /// Space-separated; must include `openid`; add `offline` for a refresh token.
    #[param(required = true, example = "openid offline partner:outlet:read")]
    scope: String,
    /// At least 8 URL-safe characters, returned on the redirect.
    #[param(required = true, min_length = 8, example = "<state-0123456789>")]
    state: String,
    /// Copied into the ID token.
    nonce: Option<String>,
    /// Integer seconds; accepted (every login is fresh).
    #[param(minimum = 0)]
    max_age: Option<i64>,
    /// The pages' language: `id` (default) or `en`.
    #[param(pattern = "^(id|en)$", example = "en")]
    ui_locales: Option<String>,
    /// PKCE S256 challenge (43–128 URL-safe characters); required for public clients and
    /// clients with `require_pkce`.
    #[param(min_length = 43, max_length = 128)]
    code_challenge: Option<String>,
    /// `S256`.
    #[param(pattern = "^S256$", example = "S256")]
    code_challenge_method: Option<String>,
    /// `none` → `login_required` (no single sign-on); other values are ignored.
    prompt: Option<String>,
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
        Json(OAuthErrorBody {
            error: e.error,
            error_description: e.description,
        }),
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
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<PresentedClient, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, creds)| creds.trim().to_string());
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
#[utoipa::path(post, path = "/oauth2/token", tag = "GoAuth", operation_id = "token",
    summary = "Get a token",
    description = "The token endpoint (RFC 6749). `client_credentials` gives a partner token (direct integration or facilitator); `authorization_code` (with the PKCE verifier when a challenge was sent) exchanges the code of the merchant login for a merchant-user token, an `id_token` and, with `offline`, a refresh token; `refresh_token` rotates a refresh token. The client authenticates with HTTP Basic (`client_secret_basic`) or `client_id` + `client_secret` in the form (`client_secret_post`), not both; a public client sends only `client_id`. Answers are RFC 6749 JSON with `Cache-Control: no-store`, never the GoBiz envelope.",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("client_basic" = []), ()),
    responses(
        (status = 200, description = "Issued. `client_credentials` answers carry no `id_token` and no `refresh_token`.", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`invalid_request` (missing or repeated parameter, a body that is not a form, two client authentication methods), `invalid_grant`, `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client, wrong or missing secret", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"GoAuth\"`")),
            example = json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
        (status = 405, description = "Another method: `invalid_request`", body = OAuthErrorBody),
        (status = 429, description = "`temporarily_unavailable`: too many failed authentications for this client id", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the client id may try again"))),
        (status = 500, description = "`server_error`", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: every secret-hashing worker is busy", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match issue(&state, &headers, &body).await {
        Ok(resp) => resp,
        Err(e) => oauth_error(e),
    }
}

async fn issue(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let form = TokenForm::from_pairs(&parse_form(headers, body)?);
    let grant_raw = form
        .grant_type
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    let grant =
        Grant::parse(grant_raw).ok_or_else(|| OAuthError::unsupported_grant_type(grant_raw))?;
    let presented = presented_client(
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    match grant {
        Grant::ClientCredentials => {
            let issued = state
                .services
                .client_credentials(&presented, form.scope.as_deref())
                .await?;
            Ok(token_response(TokenResponse::new(issued, None, None)))
        }
        Grant::AuthorizationCode => {
            let issued = state
                .services
                .authorization_code(
                    &presented,
                    form.code.as_deref(),
                    form.redirect_uri.as_deref(),
                    form.code_verifier.as_deref(),
                )
                .await?;
            Ok(user_tokens(issued))
        }
        Grant::RefreshToken => {
            let issued = state
                .services
                .refresh_token(
                    &presented,
                    form.refresh_token.as_deref(),
                    form.scope.as_deref(),
                )
                .await?;
            Ok(user_tokens(issued))
        }
    }
}

fn token_response(body: TokenResponse) -> Response {
    no_store(Json(body).into_response())
}

fn user_tokens(t: IssuedUserTokens) -> Response {
    token_response(TokenResponse::new(t.access, t.id_token, t.refresh_token))
}

/// Client authentication and the `token` parameter shared by revoke and introspect.
fn token_request(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(PresentedClient, String), OAuthError> {
    let form = TokenHintForm::from_pairs(&parse_form(headers, body)?);
    let presented = presented_client(
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let token = form
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    Ok((presented, token))
}

/// `POST /oauth2/revoke` (RFC 7009): 200 with an empty body, also for unknown tokens.
#[utoipa::path(post, path = "/oauth2/revoke", tag = "GoAuth", operation_id = "revoke_token",
    summary = "Revoke a token",
    description = "Revocation (RFC 7009). Revoking an access token revokes only it; revoking a refresh token revokes its whole family. Unknown tokens and other clients' tokens (left untouched) also answer 200. Client authentication is required.",
    request_body(content = TokenHintForm, content_type = "application/x-www-form-urlencoded"),
    security(("client_basic" = [])),
    responses(
        (status = 200, description = "Done (or nothing to do); empty body"),
        (status = 400, description = "`invalid_request`: no `token`, a repeated parameter, a body that is not a form", body = OAuthErrorBody,
            example = json!({"error": "invalid_request", "error_description": "token is required"})),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"GoAuth\"`"))),
        (status = 405, description = "Another method: `invalid_request`", body = OAuthErrorBody),
        (status = 429, description = "`temporarily_unavailable`: too many failed authentications for this client id", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the client id may try again"))),
        (status = 500, description = "`server_error`", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: every secret-hashing worker is busy", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
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
#[utoipa::path(post, path = "/oauth2/introspect", tag = "GoAuth", operation_id = "introspect_token",
    summary = "Introspect a token",
    description = "Introspection (RFC 7662) of an access or refresh token. Only the caller's own live tokens are active; unknown, expired, revoked and other clients' tokens answer `{\"active\": false}`. Client authentication is required.",
    request_body(content = TokenHintForm, content_type = "application/x-www-form-urlencoded"),
    security(("client_basic" = [])),
    responses(
        (status = 200, description = "The token's state", body = IntrospectionResponse,
            examples(
                ("active" = (summary = "An active merchant-user token", value = json!({"active": true, "client_id": "<client-id>", "exp": 1767225599, "iat": 1767222000, "iss": "https://gobiz.example.com", "scope": "openid partner:outlet:read", "sub": "8d0f6c7e-2b4a-4f1e-9c3d-5a6b7c8d9e0f", "token_type": "bearer", "token_use": "access_token"}))),
                ("inactive" = (summary = "Unknown, expired, revoked or another client's", value = json!({"active": false}))),
            )),
        (status = 400, description = "`invalid_request`: no `token`, a repeated parameter, a body that is not a form", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"GoAuth\"`"))),
        (status = 405, description = "Another method: `invalid_request`", body = OAuthErrorBody),
        (status = 429, description = "`temporarily_unavailable`: too many failed authentications for this client id", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the client id may try again"))),
        (status = 500, description = "`server_error`", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: every secret-hashing worker is busy", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (presented, token) = token_request(&headers, &body)?;
        state.services.introspect(&presented, &token).await
    };
    match result.await {
        Ok(Introspection::Inactive) => {
            no_store(Json(IntrospectionResponse::default()).into_response())
        }
        Ok(Introspection::Active {
            client_id,
            scope,
            exp,
            iat,
            token_use,
            sub,
        }) => {
            let body = IntrospectionResponse {
                active: true,
                client_id: Some(client_id),
                exp: Some(exp),
                iat: Some(iat),
                iss: Some(state.services.config.public_base_url.clone()),
                scope: Some(scope),
                sub,
                token_type: Some("bearer"),
                token_use: Some(token_use),
            };
            no_store(Json(body).into_response())
        }
        Err(e) => oauth_error(e),
    }
}

/// `GET /oauth2/auth` (spec §2.4).
#[utoipa::path(get, path = "/oauth2/auth", tag = "GoAuth", operation_id = "authorize",
    summary = "Start a merchant authorization",
    description = "The authorization endpoint (authorization code flow with PKCE), opened in the merchant's browser. A valid request redirects to the merchant login page (`/merchant/login?flow=…`) and sets the cookie binding the login to this browser; after the login and consent the browser comes back to `redirect_uri` with `code` and `state`. A request whose `client_id` or `redirect_uri` cannot be trusted gets an HTML error page; any later error redirects to `redirect_uri` with `error`, `error_description` and `state` (RFC 6749 §4.1.2.1): `invalid_request`, `unsupported_response_type`, `invalid_scope`, `unauthorized_client`, `login_required` (`prompt=none`), `server_error`. Unknown parameters are ignored.",
    params(AuthorizeQuery),
    responses(
        (status = 302, description = "To the login page (`/merchant/login?flow=<flow_id>`, with `Set-Cookie`), or back to `redirect_uri` with `error`, `error_description` and `state`",
            headers(
                ("Location" = String, description = "`/merchant/login?flow=<flow_id>` or `{redirect_uri}?error=…&error_description=…&state=…`"),
                ("Set-Cookie" = String, description = "`gobiz_login=…; HttpOnly; SameSite=Lax; Path=/; Max-Age=600` (login only)"),
            )),
        (status = 400, description = "An HTML error page: `client_id` or `redirect_uri` missing, repeated, unknown or not registered (no redirect)", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
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
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "GoAuth", operation_id = "openid_configuration",
    summary = "OpenID Connect discovery",
    description = "The OpenID Connect discovery document: endpoints (absolute, from the public base URL), grants, signing algorithm, client authentication methods, scopes, claims and UI languages. GoAuth itself publishes none; this is our superset. No envelope.",
    responses((status = 200, description = "The discovery document", body = Discovery)))]
async fn discovery(State(state): State<AppState>) -> Response {
    let base = state
        .services
        .config
        .public_base_url
        .trim_end_matches('/')
        .to_string();
    Json(Discovery {
        authorization_endpoint: format!("{base}/oauth2/auth"),
        claims_supported: vec![
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
        ],
        code_challenge_methods_supported: vec!["S256"],
        grant_types_supported: vec!["authorization_code", "client_credentials", "refresh_token"],
        id_token_signing_alg_values_supported: vec!["RS256"],
        introspection_endpoint: format!("{base}/oauth2/introspect"),
        introspection_endpoint_auth_methods_supported: vec![
            "client_secret_basic",
            "client_secret_post",
        ],
        issuer: state.services.config.public_base_url.clone(),
        jwks_uri: format!("{base}/.well-known/jwks.json"),
        response_modes_supported: vec!["query"],
        response_types_supported: vec!["code"],
        revocation_endpoint: format!("{base}/oauth2/revoke"),
        revocation_endpoint_auth_methods_supported: vec![
            "client_secret_basic",
            "client_secret_post",
        ],
        scopes_supported: gobiz_domain::scope::ALL_SCOPES.to_vec(),
        subject_types_supported: vec!["public"],
        token_endpoint: format!("{base}/oauth2/token"),
        token_endpoint_auth_methods_supported: vec![
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        ui_locales_supported: vec!["id", "en"],
    })
    .into_response()
}

/// `GET /.well-known/jwks.json`.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "GoAuth", operation_id = "jwks",
    summary = "ID-token signing keys",
    description = "The public keys that sign ID tokens (RFC 7517 JWK set), the current one and recently retired ones still inside an ID token's lifetime. No envelope.",
    responses(
        (status = 200, description = "The key set", body = Jwks),
        (status = 500, description = "`server_error`", body = OAuthErrorBody),
    ))]
async fn jwks(State(state): State<AppState>) -> Response {
    match state.services.jwks().await {
        Ok(keys) => Json(Jwks { keys }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "jwks failure");
            oauth_error(OAuthError::server_error())
        }
    }
}
