//! Extractors that apply spec §1.7's order of checks: `Accept` (406) → body size and type
//! (413/415) → credentials (401) → scope → outlet → body syntax (400). Every rejection is a
//! GoBiz envelope; axum's plain-text rejections never reach a client.

use crate::accept::acceptable;
use crate::envelope::ApiError;
use crate::{AppState, BODY_LIMIT};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use gobiz_domain::validation::Violation;
use gobiz_services::access::Principal;
use gobiz_services::{ServiceError, TokenRejection};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

/// Checks the headers every JSON API request must satisfy before authentication.
fn preamble(parts: &Parts) -> Result<(), ApiError> {
    if let Some(raw) = parts.headers.get(header::ACCEPT) {
        let text = String::from_utf8_lossy(raw.as_bytes()).to_string();
        if !acceptable(&text) {
            return Err(ApiError::unsupported_accept(&text));
        }
    }
    let length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(ApiError::too_large());
    }
    let has_body =
        length.is_some_and(|n| n > 0) || parts.headers.contains_key(header::TRANSFER_ENCODING);
    if has_body {
        if let Some(ct) = parts.headers.get(header::CONTENT_TYPE) {
            let text = String::from_utf8_lossy(ct.as_bytes()).to_string();
            if !is_json_type(&text) {
                return Err(ApiError::unsupported_media(&text));
            }
        }
    }
    Ok(())
}

/// `application/json` or any `application/*+json`, parameters allowed.
fn is_json_type(value: &str) -> bool {
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

fn bearer(parts: &Parts) -> Option<String> {
    let raw = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = raw.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// A partner's bearer token, resolved (spec §2.10). Used by every `/integrations` route.
pub struct Partner(pub Principal);

impl FromRequestParts<AppState> for Partner {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        preamble(parts)?;
        let token =
            bearer(parts).ok_or_else(|| ApiError::unauthenticated(TokenRejection::Missing))?;
        Ok(Partner(state.services.authenticate(&token).await?))
    }
}

/// A partner's bearer token without the `Accept` check, for responses that are not JSON
/// (the QR image, spec §7.5).
pub struct PartnerAnyAccept(pub Principal);

impl FromRequestParts<AppState> for PartnerAnyAccept {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token =
            bearer(parts).ok_or_else(|| ApiError::unauthenticated(TokenRejection::Missing))?;
        Ok(PartnerAnyAccept(state.services.authenticate(&token).await?))
    }
}

/// The sandbox admin (spec §10.1).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        preamble(parts)?;
        admin_token(parts, state)?;
        Ok(Admin)
    }
}

/// The admin bearer token, compared in constant time.
fn admin_token(parts: &Parts, state: &AppState) -> Result<(), ApiError> {
    let token = bearer(parts).unwrap_or_default();
    let expected = state.admin_token.as_bytes();
    if !token.is_empty() && bool::from(token.as_bytes().ct_eq(expected)) {
        Ok(())
    } else {
        Err(ServiceError::InvalidAdminToken.into())
    }
}

/// The sandbox admin on an event stream: `Accept: text/event-stream` is accepted besides
/// what JSON routes accept (its errors are still JSON envelopes).
pub struct AdminStream;

impl FromRequestParts<AppState> for AdminStream {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let wants_stream = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("text/event-stream"));
        if !wants_stream {
            preamble(parts)?;
        }
        admin_token(parts, state)?;
        Ok(AdminStream)
    }
}

/// A JSON body parsed into `T`, with errors naming the JSON path (row 13) and 413 for
/// bodies over the limit. An empty body counts as `{}`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Deferred(parsed) = Deferred::<T>::from_request(req, state).await?;
        parsed.map(ApiJson).map_err(ApiError::from)
    }
}

/// Parses JSON into `T`, describing the first problem as `<json path>: <problem>`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse_json_violation(bytes).map_err(|v| ApiError::bad_request(vec![v.message()]))
}

/// Like [`parse_json`], giving the problem as a domain violation (for deferred checks).
/// The one JSON parser of every route: one value and nothing after it but whitespace (spec
/// §1.6: `{"name":"x"}garbage` is malformed), and no control characters in its strings
/// (see [`crate::text_guard`]).
pub fn parse_json_violation<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Violation> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let (path, problem) = describe_json_error(&path, &inner);
        Violation { path, problem }
    })?;
    de.end().map_err(|err| Violation {
        path: "body".into(),
        problem: format!(
            "malformed JSON at line {} column {}: unexpected data after the JSON value",
            err.line(),
            err.column()
        ),
    })?;
    match crate::text_guard::json_violation(bytes) {
        Some(v) => Err(v),
        None => Ok(value),
    }
}

fn describe_json_error(path: &str, err: &serde_json::Error) -> (String, String) {
    use serde_json::error::Category;
    let at_root = path.is_empty() || path == ".";
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => (
            "body".into(),
            format!(
                "malformed JSON at line {} column {}",
                err.line(),
                err.column()
            ),
        ),
        Category::Data => {
            let msg = err.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            if let Some(rest) = msg.strip_prefix("missing field `") {
                let field = rest.split('`').next().unwrap_or(rest);
                let full = if at_root {
                    field.to_string()
                } else {
                    format!("{path}.{field}")
                };
                return (full, "is required".into());
            }
            let where_ = if at_root {
                "body".to_string()
            } else {
                path.to_string()
            };
            if let Some((_, expected)) = msg.split_once(", expected ") {
                return (where_, format!("expected {}", plain_type(expected)));
            }
            (where_, msg)
        }
    }
}

fn plain_type(serde_expected: &str) -> &str {
    let e = serde_expected.trim();
    if [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize",
    ]
    .iter()
    .any(|t| e == *t || e.contains("integer"))
    {
        "integer"
    } else if e.contains("string") {
        "string"
    } else if e.contains("boolean") || e == "bool" {
        "boolean"
    } else if e.contains("sequence") {
        "array"
    } else if e.contains("struct") || e.contains("map") {
        "object"
    } else if e.contains("f64") || e.contains("f32") || e.contains("float") {
        "number"
    } else {
        e
    }
}

/// A JSON body whose syntax verdict is kept for later, so that a use case can check
/// credentials, scope and the outlet first (spec §1.7 puts body syntax at step 7). Size and
/// media-type problems still answer at once.
pub struct Deferred<T>(pub Result<T, ServiceError>);

/// Reads the body within the size limit (413 envelope beyond it).
async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large()
        } else {
            ApiError::bad_request(vec![format!("body: could not be read ({rejection})")])
        }
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Deferred<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        let parsed = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            None => parse_json_violation(b"{}"),
            Some(b'{') => parse_json_violation(&bytes),
            Some(_) if parse_json_violation::<serde::de::IgnoredAny>(&bytes).is_err() => {
                parse_json_violation(&bytes)
            }
            Some(_) => Err(Violation {
                path: "body".into(),
                problem: "expected object".into(),
            }),
        };
        Ok(Deferred(parsed.map_err(|v| ServiceError::Invalid(vec![v]))))
    }
}

/// Any JSON document (object or array) as a `Value`, its syntax verdict deferred like
/// [`Deferred`]; used where the use case validates the whole tree itself and reports every
/// violation (catalog, stock).
pub struct DeferredValue(pub Result<serde_json::Value, ServiceError>);

impl<S: Send + Sync> FromRequest<S> for DeferredValue {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        let parsed = if bytes.iter().all(u8::is_ascii_whitespace) {
            Err(Violation {
                path: "body".into(),
                problem: "is required".into(),
            })
        } else {
            parse_json_violation::<serde_json::Value>(&bytes)
        };
        Ok(DeferredValue(
            parsed.map_err(|v| ServiceError::Invalid(vec![v])),
        ))
    }
}

/// Path parameters with an envelope rejection instead of axum's plain text.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::bad_request(vec![format!("path: {}", e.body_text())]))
    }
}

/// Validated `page` and page-size query parameters (spec §1.13): integers, `page` ≥ 1
/// (default 1), size 1..=`max` (default 20). Every bad parameter is reported.
pub fn page_params(
    raw_query: Option<&str>,
    size_name: &str,
    max: u64,
) -> Result<gobiz_services::partner::Page, ApiError> {
    page_query(raw_query, size_name, max).map_err(ApiError::from)
}

/// The `name=value` pairs of a query string (an undecodable one has none).
pub fn query_pairs(raw_query: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw_query.unwrap_or("")).unwrap_or_default()
}

/// The value of `name` in `pairs`; the first one when it is repeated (one rule for every
/// query and form the server reads).
pub fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Like [`page_params`], with the verdict as a service error, for use cases that must check
/// credentials and the outlet before judging the query (spec §1.7).
pub fn page_query(
    raw_query: Option<&str>,
    size_name: &str,
    max: u64,
) -> Result<gobiz_services::partner::Page, ServiceError> {
    page_of(&query_pairs(raw_query), size_name, max)
}

/// [`page_query`] on pairs already read (so a handler parses its query once).
pub fn page_of(
    pairs: &[(String, String)],
    size_name: &str,
    max: u64,
) -> Result<gobiz_services::partner::Page, ServiceError> {
    let get = |name: &str| pair(pairs, name);
    let mut errors = Vec::new();
    let mut number = |name: &str, default: u64, min: u64, max: u64| -> u64 {
        match get(name) {
            None => default,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                Ok(_) if max == u64::MAX => {
                    errors.push(Violation {
                        path: name.into(),
                        problem: format!("must be an integer >= {min}"),
                    });
                    default
                }
                Ok(_) => {
                    errors.push(Violation {
                        path: name.into(),
                        problem: format!("must be an integer from {min} to {max}"),
                    });
                    default
                }
                Err(_) => {
                    errors.push(Violation {
                        path: name.into(),
                        problem: "expected integer".into(),
                    });
                    default
                }
            },
        }
    };
    let page = number("page", 1, 1, u64::MAX);
    let per = number(size_name, 20, 1, max);
    if errors.is_empty() {
        Ok(gobiz_services::partner::Page { page, per })
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Inner {
        selling_price: i64,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Outer {
        name: String,
        promo_detail: Inner,
        tags: Option<Vec<String>>,
    }

    fn message(body: &str) -> String {
        let err = parse_json::<Outer>(body.as_bytes()).unwrap_err();
        let resp = axum::response::IntoResponse::into_response(err);
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        format!("{resp:?}")
    }

    fn described(body: &str) -> String {
        parse_json_violation::<Outer>(body.as_bytes())
            .unwrap_err()
            .message()
    }

    #[test]
    fn names_the_field() {
        assert_eq!(
            described(r#"{"name":"a","promo_detail":{"selling_price":"x"}}"#),
            "promo_detail.selling_price: expected integer"
        );
        assert_eq!(
            described(r#"{"promo_detail":{"selling_price":1}}"#),
            "name: is required"
        );
        assert_eq!(
            described(r#"{"name":"a","promo_detail":{},"tags":[1]}"#),
            "promo_detail.selling_price: is required"
        );
        assert!(described("{\"name\": ").starts_with("body: malformed JSON"));
        assert!(message("[]").contains("400"));
    }

    #[test]
    fn refuses_trailing_data() {
        let ok = r#"{"name":"a","promo_detail":{"selling_price":1}}"#;
        assert!(parse_json_violation::<Outer>(format!("{ok} \n\t").as_bytes()).is_ok());
        for garbage in ["garbage", "}}]]not json", r#" {"name":"b"}"#] {
            let v = parse_json_violation::<Outer>(format!("{ok}{garbage}").as_bytes()).unwrap_err();
            assert_eq!(v.path, "body");
            assert!(v.problem.contains("after the JSON value"), "{}", v.problem);
        }
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_type("application/json"));
        assert!(is_json_type("application/json; charset=utf-8"));
        assert!(is_json_type("application/merge-patch+json"));
        assert!(!is_json_type("text/plain"));
        assert!(!is_json_type("application/x-www-form-urlencoded"));
    }
}
