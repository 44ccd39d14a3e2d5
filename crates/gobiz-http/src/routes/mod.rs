//! The router: every path family of spec §1.1, plus 404/405 envelopes and panic safety.

mod catalog;
mod merchant;
mod mokapos;
mod notifications;
mod oauth;
mod ops;
mod orders;
mod partner;
mod payments;
mod promotions;
mod published;
mod sandbox;
pub mod sandbox_chaos;
pub mod sandbox_listen;
mod sandbox_moka;
mod sandbox_payments;
pub mod sandbox_scenarios;

use crate::envelope::ApiError;
use crate::request_id::request_id;
use crate::{AppState, BODY_LIMIT};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use published::Published;

/// Every route with its OpenAPI description, before the fallback and the layers. `sandbox`
/// mounts `/sandbox/v1` (spec §10.1), `console` the console (issue 17).
pub fn api(sandbox: bool, console: crate::console::Console) -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::with_openapi(crate::openapi::Base::openapi())
        .merge(published::router())
        .merge(ops::router())
        .merge(oauth::router())
        .merge(merchant::router())
        .merge(partner::router())
        .merge(partner::user_router())
        .merge(notifications::router())
        .merge(catalog::router())
        .merge(orders::router())
        .merge(promotions::router())
        .merge(payments::router())
        .merge(mokapos::router());
    if console != crate::console::Console::Off {
        router = router.merge(crate::console::router());
    }
    if sandbox {
        router = router
            .merge(sandbox::router())
            .merge(sandbox_moka::router())
            .merge(sandbox_payments::router())
            .merge(sandbox_listen::router())
            .merge(sandbox_scenarios::router())
            .merge(sandbox_chaos::router());
    }
    router
}

/// Builds the whole application. `sandbox` mounts `/sandbox/v1` (spec §10.1).
pub fn app(state: AppState, sandbox: bool) -> Router {
    let (router, doc) = api(sandbox, state.console).split_for_parts();
    let config = &state.services.config;
    let doc = crate::openapi::finish(doc, &config.public_base_url);
    let published = Published::new(
        &doc,
        &config.public_base_url,
        config.mode,
        sandbox,
        state.console != crate::console::Console::Off,
    );
    router
        .fallback(no_route)
        .layer(axum::Extension(Arc::new(published)))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(envelope_for_bare_errors))
        .layer(middleware::from_fn(drain_oversized_body))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal().into_response()
        }))
        .layer(middleware::from_fn(
            crate::text_guard::refuse_control_characters,
        ))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// Bodies above this are not drained; the connection is closed after the 413.
const DRAIN_CAP: u64 = 4 * BODY_LIMIT as u64;

/// A body declared larger than the limit is read and discarded here (up to `DRAIN_CAP`), so
/// that the client, still sending, receives the 413 envelope instead of a broken pipe. The
/// extractors still decide the status in the order of spec §1.7 from `Content-Length`.
async fn drain_oversized_body(req: Request, next: Next) -> Response {
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
            next.run(Request::from_parts(parts, axum::body::Body::empty()))
                .await
        }
        _ => next.run(req).await,
    }
}

/// A request refused before its handler ran (wrong method, control characters): the GoBiz
/// envelope, or on `/oauth2/` paths an RFC 6749 `invalid_request` with the same status and
/// message (the token endpoint's clients read OAuth errors, spec §2.3).
pub(crate) fn edge_refusal(path: &str, error: ApiError) -> Response {
    if !path.starts_with("/oauth2/") {
        return error.into_response();
    }
    let status = error.status();
    let mut resp = oauth::oauth_error(gobiz_services::oauth::OAuthError::invalid_request(
        error.first_message(),
    ));
    *resp.status_mut() = status;
    resp
}

async fn no_route(method: Method, uri: Uri) -> Response {
    ApiError::no_route(method.as_str(), uri.path()).into_response()
}

/// axum answers a wrong method with a bare 405; give it the envelope (or, on `/oauth2`,
/// an RFC 6749 error), keeping the `Allow` header.
async fn envelope_for_bare_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let bare = !resp.headers().contains_key(header::CONTENT_TYPE);
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED || !bare {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = edge_refusal(&path, ApiError::method_not_allowed(method.as_str(), &path));
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}
