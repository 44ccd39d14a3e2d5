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
use crate::AppState;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
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

/// The whole application: the routes behind [`crate::edge::Edge`].
pub type App = crate::edge::Edge<Router>;

/// Builds the whole application. `sandbox` mounts `/sandbox/v1` (spec §10.1).
pub fn app(state: AppState, sandbox: bool) -> App {
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
    let router = router.fallback(no_route).with_state(state);
    crate::edge::Edge::new(router, Arc::new(published))
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
