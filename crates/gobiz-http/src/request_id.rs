//! `X-Request-ID` (spec §1.10): reuse a valid incoming value, else generate a UUIDv4; put it
//! on every response and into the tracing span of every log line of the request.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use gobiz_domain::ids::is_request_id;
use std::time::Instant;
use tracing::Instrument;

/// The header name.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of the current request, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Middleware: assigns the id, opens the span, logs the outcome, sets the header.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| is_request_id(s))
        .map(String::from)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    async move {
        let started = Instant::now();
        // Counted out again on drop, also when the client goes away mid-request.
        let _in_flight = crate::metrics::InFlight::enter();
        let mut resp = next.run(req).await;
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
        if let Ok(v) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert(X_REQUEST_ID.clone(), v);
        }
        resp
    }
    .instrument(span)
    .await
}
