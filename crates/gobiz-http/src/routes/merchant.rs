//! The merchant login and consent pages (spec §2.5) and the demo callback page.

use crate::pages::{
    demo_callback, error_page, flow_page, redirect, request_locale, CallbackParams, Chrome,
    PageError,
};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gobiz_domain::goauth::Locale;
use gobiz_services::goauth::{FlowError, FlowPage, Step, BROWSER_COOKIE};
use gobiz_services::ServiceResult;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/merchant/login", get(show).post(phone))
        .route("/merchant/login/otp", post(otp))
        .route("/merchant/login/resend", post(resend))
        .route("/merchant/consent", get(show).post(consent))
        .route("/demo/callback", get(callback))
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == BROWSER_COOKIE)
        .map(|(_, v)| v.to_string())
}

fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(raw).unwrap_or_default()
}

/// How a page without a flow of its own is dressed: `Accept-Language`, the server's mode.
fn chrome(state: &AppState, headers: &HeaderMap) -> Chrome {
    Chrome::new(request_locale(headers), state.services.config.mode)
}

/// The refusal of a posted form with a field holding a control character: a 400 page naming
/// it (queries are refused before routing, see `text_guard`).
fn refused_form(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Option<Response> {
    crate::text_guard::pairs_problem(form).map(|(field, problem)| {
        // The problem ends with the character's code point: "… (U+0007)".
        let detail = problem
            .rsplit_once('(')
            .map(|(_, d)| d.trim_end_matches(')').to_string())
            .unwrap_or(problem);
        error_page(
            StatusCode::BAD_REQUEST,
            chrome(state, headers),
            &PageError::ControlCharacters { field, detail },
        )
    })
}

fn flow_error(state: &AppState, headers: &HeaderMap, e: FlowError) -> Response {
    let in_locale = |locale: Option<Locale>| match locale {
        Some(l) => Chrome::new(l, state.services.config.mode),
        None => chrome(state, headers),
    };
    match e {
        FlowError::Gone(locale) => error_page(
            StatusCode::BAD_REQUEST,
            in_locale(locale),
            &PageError::LinkGone,
        ),
        FlowError::Forbidden(locale) => error_page(
            StatusCode::FORBIDDEN,
            in_locale(Some(locale)),
            &PageError::ForeignForm,
        ),
        FlowError::Expired(url) => redirect(StatusCode::FOUND, &url),
    }
}

fn failure(state: &AppState, headers: &HeaderMap, e: gobiz_services::ServiceError) -> Response {
    tracing::error!(error = %e, "login page failure");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        chrome(state, headers),
        &PageError::Failure,
    )
}

fn step(state: &AppState, headers: &HeaderMap, result: ServiceResult<Step>) -> Response {
    match result {
        Ok(Step::Page(page)) => flow_page(&page, state.services.config.mode),
        Ok(Step::Redirect(to)) if to.starts_with('/') => redirect(StatusCode::SEE_OTHER, &to),
        Ok(Step::Redirect(to)) => redirect(StatusCode::FOUND, &to),
        Err(e) => failure(state, headers, e),
    }
}

/// Opens the flow named in a form, checking cookie and CSRF token.
async fn open(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<FlowPage, Response> {
    let flow_id = crate::extract::pair(form, "flow").unwrap_or_default();
    let csrf = crate::extract::pair(form, "csrf_token").unwrap_or_default();
    match state
        .services
        .open_flow(flow_id, cookie(headers).as_deref(), Some(csrf))
        .await
    {
        Ok(Ok(page)) => Ok(page),
        Ok(Err(e)) => Err(flow_error(state, headers, e)),
        Err(e) => Err(failure(state, headers, e)),
    }
}

/// `GET /merchant/login?flow=` and `GET /merchant/consent?flow=`: the current stage's page.
async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let query = pairs(q.unwrap_or_default().as_bytes());
    let flow_id = crate::extract::pair(&query, "flow").unwrap_or_default();
    match state
        .services
        .open_flow(flow_id, cookie(&headers).as_deref(), None)
        .await
    {
        Ok(Ok(page)) => flow_page(&page, state.services.config.mode),
        Ok(Err(e)) => flow_error(&state, &headers, e),
        Err(e) => failure(&state, &headers, e),
    }
}

/// `POST /merchant/login` (`flow`, `csrf_token`, `phone`).
async fn phone(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &form) {
        return resp;
    }
    match open(&state, &headers, &form).await {
        Ok(page) => {
            let result = state
                .services
                .submit_phone(
                    page,
                    crate::extract::pair(&form, "phone").unwrap_or_default(),
                )
                .await;
            step(&state, &headers, result)
        }
        Err(resp) => resp,
    }
}

/// `POST /merchant/login/otp` (`flow`, `csrf_token`, `otp`).
async fn otp(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &form) {
        return resp;
    }
    match open(&state, &headers, &form).await {
        Ok(page) => {
            let result = state
                .services
                .submit_otp(page, crate::extract::pair(&form, "otp").unwrap_or_default())
                .await;
            step(&state, &headers, result)
        }
        Err(resp) => resp,
    }
}

/// `POST /merchant/login/resend` (`flow`, `csrf_token`).
async fn resend(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &form) {
        return resp;
    }
    match open(&state, &headers, &form).await {
        Ok(page) => {
            let result = state.services.resend_otp(page).await;
            step(&state, &headers, result)
        }
        Err(resp) => resp,
    }
}

/// `POST /merchant/consent` (`flow`, `csrf_token`, `decision` = `allow` | `deny`).
async fn consent(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &form) {
        return resp;
    }
    let page = match open(&state, &headers, &form).await {
        Ok(page) => page,
        Err(resp) => return resp,
    };
    let allow = match crate::extract::pair(&form, "decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                Chrome::new(page.flow.locale, state.services.config.mode),
                &PageError::BadDecision,
            )
        }
    };
    let result = state.services.decide(page, allow).await;
    step(&state, &headers, result)
}

/// `GET /demo/callback`: where the demo facilitator's redirect URI points.
async fn callback(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let query = pairs(q.unwrap_or_default().as_bytes());
    demo_callback(
        state.services.config.public_base_url.trim_end_matches('/'),
        state.services.config.mode,
        CallbackParams {
            code: crate::extract::pair(&query, "code"),
            state: crate::extract::pair(&query, "state"),
            error: crate::extract::pair(&query, "error"),
            error_description: crate::extract::pair(&query, "error_description"),
        },
    )
}
