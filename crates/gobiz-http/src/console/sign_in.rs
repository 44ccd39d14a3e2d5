//! Signing in with the admin token, and out.

use crate::console::session::{self, cross_site, locale, ConsoleUser, CsrfForm};
use crate::console::{bare_page, words};
use crate::pages::redirect;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show, submit))
        .routes(routes!(sign_out))
}

/// Where to go after signing in (only console paths).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Next {
    /// A console path, e.g. `/console/orders`; anything else means `/console`.
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> &str {
    next.filter(|n| {
        (*n == "/console" || n.starts_with("/console/") || n.starts_with("/console?"))
            && !n.contains("//")
            && !n.contains('\\')
    })
    .unwrap_or("/console")
}

fn form(w: &words::Words, next: &str, error: bool) -> maud::Markup {
    html! {
        p { (w.sign_in_intro) }
        form method="post" action="/console/sign-in" {
            input type="hidden" name="next" value=(next);
            label for="token" { (w.token_label) }
            input #token type="password" name="token" autocomplete="current-password" required
                aria-invalid=[error.then_some("true")]
                aria-describedby=(if error { "token-error token-hint" } else { "token-hint" });
            @if error {
                p #token-error .field-error role="alert" { (w.wrong_token) }
            }
            p #token-hint .muted { (w.token_hint) }
            button type="submit" { (w.sign_in) }
        }
    }
}

/// The sign-in page.
#[utoipa::path(get, path = "/console/sign-in", tag = "Console",
    summary = "The console's sign-in page",
    params(Next),
    responses((status = 200, description = "HTML", content_type = "text/html", body = String)))]
async fn show(headers: HeaderMap, Query(q): Query<Next>) -> Response {
    let l = locale(&headers);
    let w = words::of(l);
    bare_page(
        StatusCode::OK,
        l,
        w.sign_in_title,
        form(w, safe_next(q.next.as_deref()), false),
    )
}

/// The sign-in form's fields.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(super) struct SignInForm {
    /// The sandbox admin token.
    #[schema(example = "<admin-token>")]
    token: Option<String>,
    /// Where to go afterwards.
    next: Option<String>,
}

/// Checks the admin token and starts a session.
#[utoipa::path(post, path = "/console/sign-in", tag = "Console",
    summary = "Sign in to the console",
    request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: to `next`, with the session cookie", headers(("Set-Cookie" = String, description = "`gobiz_console=…; Path=/console; HttpOnly; SameSite=Strict`"))),
        (status = 401, description = "Wrong token: the form again, with the error next to the field", content_type = "text/html", body = String),
        (status = 403, description = "Posted from another site", content_type = "text/plain", body = String),
    ))]
async fn submit(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let l = locale(&headers);
    let w = words::of(l);
    if cross_site(&headers) {
        return session::refusal(StatusCode::FORBIDDEN, w.csrf_refused);
    }
    let f: SignInForm = session::form(&body);
    let next = safe_next(f.next.as_deref()).to_string();
    let token = f.token.as_deref().unwrap_or("");
    let expected = s.admin_token.as_bytes();
    if expected.is_empty() || !bool::from(token.as_bytes().ct_eq(expected)) {
        tracing::info!("console sign-in refused: wrong admin token");
        return bare_page(
            StatusCode::UNAUTHORIZED,
            l,
            w.sign_in_title,
            form(w, &next, true),
        );
    }
    let mut resp = redirect(StatusCode::SEE_OTHER, &next);
    let cookie = session::set_cookie(&session::issue(&s.admin_token), secure(&s));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn secure(s: &AppState) -> bool {
    s.services.config.public_base_url.starts_with("https://")
}

/// Ends the session.
#[utoipa::path(post, path = "/console/sign-out", tag = "Console",
    summary = "Sign out of the console",
    request_body(content = CsrfForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed out: to the sign-in page, the cookie cleared"),
        (status = 403, description = "Missing or wrong CSRF token", content_type = "text/plain", body = String),
    ),
    security(("console_session" = [])))]
async fn sign_out(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: CsrfForm = session::form(&body);
    // Signing out is allowed on a read-only console too.
    let user = ConsoleUser {
        read_only: false,
        ..user
    };
    if let Err(refused) = user.check_action(&headers, f.csrf.as_deref()) {
        return refused.into_response();
    }
    let mut resp = redirect(StatusCode::SEE_OTHER, "/console/sign-in");
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(secure(&s))) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
