//! The sandbox console (issue 17): server-rendered pages to see and drive the sandbox —
//! outlets, menus, live orders, webhook deliveries, payments, the clock. Signed in with the
//! admin token once (a session cookie, [`session`]); every action is a form protected against
//! CSRF and calls the same services as the sandbox API, never a second code path.

mod assets;
mod chaos;
mod layout;
mod live;
mod menu;
mod moka;
mod number_form;
mod orders;
mod otp;
mod outlets;
mod overview;
mod partners;
mod payments;
mod scenarios;
pub mod session;
mod sign_in;
mod webhooks;
pub mod words;

use crate::AppState;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;

pub use layout::{bare_page, csrf_field, fragment, page, Nav};
pub use session::ConsoleUser;

/// Whether and how the console is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Console {
    /// Not mounted (production without `--console`).
    #[default]
    Off,
    /// Pages only: production with `--console`.
    ReadOnly,
    /// Pages and actions (sandbox mode).
    Full,
}

/// Every console route, with its OpenAPI description.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(assets::router())
        .merge(sign_in::router())
        .merge(overview::router())
        .merge(outlets::router())
        .merge(menu::router())
        .merge(orders::router())
        .merge(payments::router())
        .merge(moka::router())
        .merge(webhooks::router())
        .merge(partners::router())
        .merge(chaos::router())
        .merge(scenarios::router())
        .merge(otp::router())
        .layer(middleware::from_fn(language_switch))
}

/// `?lang=en|id` on any console page keeps the choice in a cookie and shows the page again
/// without the parameter.
async fn language_switch(req: Request, next: Next) -> Response {
    let lang = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .filter(|l| matches!(*l, "en" | "id"))
            .map(str::to_string)
    });
    let Some(lang) = lang else {
        return next.run(req).await;
    };
    let rest: Vec<&str> = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.starts_with("lang="))
        .collect();
    let mut location = req.uri().path().to_string();
    if !rest.is_empty() && rest.iter().any(|p| !p.is_empty()) {
        location = format!("{location}?{}", rest.join("&"));
    }
    let mut resp = crate::pages::redirect(StatusCode::SEE_OTHER, &location);
    let cookie = format!(
        "{}={lang}; Path=/console; SameSite=Strict; Max-Age=31536000",
        session::LANG_COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
