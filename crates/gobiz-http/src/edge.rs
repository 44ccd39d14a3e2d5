//! What every request goes through before routing, as one tower service ([`Edge`]):
//!
//! 1. `X-Request-ID` (spec §1.10) and the request's tracing span, access-log line and metrics
//!    ([`crate::request_id`]);
//! 2. control characters in the path or query stop here ([`crate::text_guard`]);
//! 3. a body declared larger than the limit is drained before its 413, so that the client
//!    still sending reads the envelope instead of a broken pipe;
//! 4. a panic in a handler answers the 500 envelope;
//! 5. axum's bare 405 gets the envelope (or, on `/oauth2/`, an RFC 6749 error);
//!
//! and gives the handlers the body limit (spec §1.2) and the [`Published`] documents.
//!
//! These were five `from_fn` / tower-http layers applied with `Router::layer`; each of those
//! boxes and clones the service below it on every request, which cost about a tenth of a
//! small authenticated read (issue 20). One service with a concrete inner type does the same
//! work with one allocation of its future.

use crate::envelope::ApiError;
use crate::request_id::RequestId;
use crate::routes::Published;
use crate::BODY_LIMIT;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::Service;
use tracing::Instrument;

/// Bodies above this are not drained; the connection is closed after the 413.
const DRAIN_CAP: u64 = 4 * BODY_LIMIT as u64;

/// The edge in front of `S` (the router). See the module documentation.
#[derive(Clone)]
pub struct Edge<S> {
    inner: S,
    published: Arc<Published>,
}

impl<S> Edge<S> {
    /// Puts the edge in front of `inner`.
    pub fn new(inner: S, published: Arc<Published>) -> Edge<S> {
        Edge { inner, published }
    }
}

impl<S, B> Service<axum::http::Request<B>> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        // The clone is the fresh service for the next call; `inner` was made ready.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let mut req = req.map(Body::new);
        let id = crate::request_id::assign(&req);
        req.extensions_mut().insert(RequestId(id.clone()));
        req.extensions_mut().insert(self.published.clone());
        DefaultBodyLimit::max(BODY_LIMIT).apply(&mut req);
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %req.method(),
            path = %req.uri().path()
        );
        Box::pin(
            async move {
                let started = Instant::now();
                // Counted out again on drop, also when the client goes away mid-request.
                let _in_flight = crate::metrics::InFlight::enter();
                let mut resp = guarded(inner, req).await;
                crate::request_id::finish(&mut resp, &id, started);
                Ok(resp)
            }
            .instrument(span),
        )
    }
}

/// Steps 2–5 of the module documentation.
async fn guarded<S>(mut inner: S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    if let Some(refusal) = crate::text_guard::refusal(&req) {
        return refusal;
    }
    let method = req.method().clone();
    let uri = req.uri().clone();
    let req = drain_oversized_body(req).await;
    let answered = AssertUnwindSafe(async move { inner.call(req).await })
        .catch_unwind()
        .await;
    let resp = match answered {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => ApiError::internal().into_response(),
    };
    envelope_for_bare_405(&method, &uri, resp)
}

/// A body declared larger than the limit is read and discarded (up to `DRAIN_CAP`), so that
/// the client, still sending, receives the 413 envelope instead of a broken pipe. The
/// extractors still decide the status in the order of spec §1.7 from `Content-Length`.
async fn drain_oversized_body(req: Request) -> Request {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > BODY_LIMIT as u64 && n <= DRAIN_CAP => {
            let (parts, body) = req.into_parts();
            let mut stream = body.into_data_stream();
            while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
                if chunk.is_err() {
                    break;
                }
            }
            Request::from_parts(parts, Body::empty())
        }
        _ => req,
    }
}

/// axum answers a wrong method with a bare 405; give it the envelope (or, on `/oauth2`,
/// an RFC 6749 error), keeping the `Allow` header.
fn envelope_for_bare_405(method: &Method, uri: &Uri, resp: Response) -> Response {
    let bare = !resp.headers().contains_key(header::CONTENT_TYPE);
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED || !bare {
        return resp;
    }
    let path = uri.path();
    let allow: Option<HeaderValue> = resp.headers().get(header::ALLOW).cloned();
    let mut out =
        crate::routes::edge_refusal(path, ApiError::method_not_allowed(method.as_str(), path));
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use gobiz_domain::model::Mode;
    use tower::ServiceExt;

    fn edge(router: Router) -> Edge<Router> {
        let doc = serde_json::json!({"openapi": "3.1.0"});
        let published = Published::new(&doc, "http://localhost", Mode::Sandbox, true, false);
        Edge::new(router, Arc::new(published))
    }

    async fn panics() -> &'static str {
        panic!("a handler bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_the_500_envelope_with_a_request_id() {
        let app = edge(Router::new().route("/boom", get(panics)));
        let req = axum::http::Request::get("/boom")
            .body(Body::empty())
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(resp.headers().contains_key("x-request-id"));
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["success"], false, "{v}");
        assert!(v["errors"].is_array(), "{v}");
    }

    #[tokio::test]
    async fn a_bare_405_gets_the_envelope_and_keeps_allow() {
        let app = edge(Router::new().route("/only-get", get(|| async { "ok" })));
        let req = axum::http::Request::post("/only-get")
            .body(Body::empty())
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(resp.headers().get(header::ALLOW).is_some());
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["success"], false, "{v}");
    }
}
