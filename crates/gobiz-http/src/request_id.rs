//! `X-Request-ID` (spec §1.10): reuse a valid incoming value, else generate a UUIDv4; put it
//! on every response and into the tracing span of every log line of the request. Applied by
//! [`crate::edge::Edge`].

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use gobiz_domain::ids::is_request_id;
use std::time::Instant;

/// The header name.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of the current request, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The request's id: its valid `X-Request-ID`, else a new UUIDv4.
pub(crate) fn assign(req: &Request) -> String {
    req.headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| is_request_id(s))
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Counts and logs the answered request (inside its span) and sets the header.
pub(crate) fn finish(resp: &mut Response, id: &str, started: Instant) {
    let elapsed = started.elapsed();
    crate::metrics::finished(
        resp.status().as_u16(),
        u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
    );
    tracing::info!(
        status = resp.status().as_u16(),
        elapsed_ms = elapsed.as_millis() as u64,
        "request finished"
    );
    if let Ok(v) = HeaderValue::from_str(id) {
        resp.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
}
