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
use gobiz_domain::goauth::Locale;
use gobiz_services::goauth::{
    ConsentForm, FlowError, FlowPage, OtpForm, PhoneForm, ResendForm, Step, BROWSER_COOKIE,
};
use gobiz_services::ServiceResult;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show_login, phone))
        .routes(routes!(otp))
        .routes(routes!(resend))
        .routes(routes!(show_consent, consent))
        .routes(routes!(callback))
}

/// The query of the login and consent pages, for the OpenAPI document (read by hand).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct FlowQuery {
    /// The login flow, from the redirect of `GET /oauth2/auth`.
    #[param(required = true, example = "<flow-id>")]
    flow: String,
}

/// The query the demo facilitator's redirect URI receives, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CallbackQuery {
    /// The authorization code (after Allow).
    #[param(example = "gbz_ac_<code>")]
    code: Option<String>,
    /// The client's `state`, echoed.
    state: Option<String>,
    /// An RFC 6749 §4.1.2.1 error, e.g. `access_denied`.
    #[param(example = "access_denied")]
    error: Option<String>,
    /// The error in words.
    error_description: Option<String>,
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
    flow: Option<&str>,
    csrf: Option<&str>,
) -> Result<FlowPage, Response> {
    let flow_id = flow.unwrap_or_default();
    let csrf = csrf.unwrap_or_default();
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

/// `GET /merchant/login?flow=`: the current stage's page.
#[utoipa::path(get, path = "/merchant/login", tag = "Merchant login", operation_id = "login_page",
    summary = "The login page",
    description = "The page of the flow's current stage: the phone form, the OTP form once a code was sent, or the consent page. Needs the cookie set by `GET /oauth2/auth` in this browser. Language from `ui_locales` (default `id`).",
    params(FlowQuery),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 302, description = "The flow expired (10 minutes): back to the client with `error=access_denied`",
            headers(("Location" = String, description = "`{redirect_uri}?error=access_denied&error_description=…&state=…`"))),
        (status = 400, description = "An HTML error page: unknown or finished flow", content_type = "text/html", body = String),
        (status = 403, description = "An HTML error page: the flow belongs to another browser", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
async fn show_login(state: State<AppState>, headers: HeaderMap, query: RawQuery) -> Response {
    show(state, headers, query).await
}

/// `GET /merchant/consent?flow=`: the current stage's page.
#[utoipa::path(get, path = "/merchant/consent", tag = "Merchant login", operation_id = "consent_page",
    summary = "The consent page",
    description = "The consent page (the client's name and each requested scope in plain words, with Allow and Deny), or the page of the flow's current stage when the merchant has not signed in yet. Needs the flow's browser cookie.",
    params(FlowQuery),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 302, description = "The flow expired: back to the client with `error=access_denied`",
            headers(("Location" = String, description = "`{redirect_uri}?error=access_denied&error_description=…&state=…`"))),
        (status = 400, description = "An HTML error page: unknown or finished flow", content_type = "text/html", body = String),
        (status = 403, description = "An HTML error page: the flow belongs to another browser", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
async fn show_consent(state: State<AppState>, headers: HeaderMap, query: RawQuery) -> Response {
    show(state, headers, query).await
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
#[utoipa::path(post, path = "/merchant/login", tag = "Merchant login", operation_id = "login_submit_phone",
    summary = "Submit the phone number",
    description = "Step 2 of the merchant login: the phone number registered in the GoBiz app (`08…`, `628…` or `+628…`). A known number gets a six-digit OTP (through the OTP sender; in the sandbox also at `GET /sandbox/v1/otp`) and the browser goes on to the OTP form; a malformed or unknown number brings the phone form back with a message.",
    request_body(content = PhoneForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "OTP sent: to the OTP form (`/merchant/login?flow=…`), or to the consent page when the flow is already past the login",
            headers(("Location" = String, description = "`/merchant/login?flow=<flow_id>` or `/merchant/consent?flow=<flow_id>`"))),
        (status = 302, description = "The flow expired: back to the client with `error=access_denied`",
            headers(("Location" = String, description = "`{redirect_uri}?error=access_denied&…`"))),
        (status = 400, description = "The phone form again with `This phone number is not registered with GoBiz.` or an invalid-number message; or an HTML error page (unknown or finished flow, a field with control characters)", content_type = "text/html", body = String),
        (status = 403, description = "An HTML error page: wrong browser cookie or CSRF token", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
async fn phone(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &pairs) {
        return resp;
    }
    let form = PhoneForm::from_pairs(&pairs);
    match open(
        &state,
        &headers,
        form.flow.as_deref(),
        form.csrf_token.as_deref(),
    )
    .await
    {
        Ok(page) => {
            let result = state
                .services
                .submit_phone(page, form.phone.as_deref().unwrap_or_default())
                .await;
            step(&state, &headers, result)
        }
        Err(resp) => resp,
    }
}

/// `POST /merchant/login/otp` (`flow`, `csrf_token`, `otp`).
#[utoipa::path(post, path = "/merchant/login/otp", tag = "Merchant login", operation_id = "login_submit_otp",
    summary = "Submit the OTP",
    description = "Step 3: the six-digit code sent to the phone (valid 5 minutes; 5 wrong tries void it). The right code signs the merchant in and leads to the consent page; a wrong one brings the OTP form back with the tries left.",
    request_body(content = OtpForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: to the consent page; or back to the login page when no OTP is pending",
            headers(("Location" = String, description = "`/merchant/consent?flow=<flow_id>` or `/merchant/login?flow=<flow_id>`"))),
        (status = 302, description = "The flow expired: back to the client with `error=access_denied`",
            headers(("Location" = String, description = "`{redirect_uri}?error=access_denied&…`"))),
        (status = 400, description = "The OTP form again (wrong code with the tries left, or the code expired or was voided); or an HTML error page (unknown or finished flow, control characters)", content_type = "text/html", body = String),
        (status = 403, description = "An HTML error page: wrong browser cookie or CSRF token", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
async fn otp(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &pairs) {
        return resp;
    }
    let form = OtpForm::from_pairs(&pairs);
    match open(
        &state,
        &headers,
        form.flow.as_deref(),
        form.csrf_token.as_deref(),
    )
    .await
    {
        Ok(page) => {
            let result = state
                .services
                .submit_otp(page, form.otp.as_deref().unwrap_or_default())
                .await;
            step(&state, &headers, result)
        }
        Err(resp) => resp,
    }
}

/// `POST /merchant/login/resend` (`flow`, `csrf_token`).
#[utoipa::path(post, path = "/merchant/login/resend", tag = "Merchant login", operation_id = "login_resend_otp",
    summary = "Send a new OTP",
    description = "Sends a new code to the phone of the flow, voiding the previous one, and goes back to the OTP form.",
    request_body(content = ResendForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Sent (or no phone yet): to the login page",
            headers(("Location" = String, description = "`/merchant/login?flow=<flow_id>`"))),
        (status = 302, description = "The flow expired: back to the client with `error=access_denied`",
            headers(("Location" = String, description = "`{redirect_uri}?error=access_denied&…`"))),
        (status = 400, description = "An HTML error page: unknown or finished flow, control characters", content_type = "text/html", body = String),
        (status = 403, description = "An HTML error page: wrong browser cookie or CSRF token", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
async fn resend(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &pairs) {
        return resp;
    }
    let form = ResendForm::from_pairs(&pairs);
    match open(
        &state,
        &headers,
        form.flow.as_deref(),
        form.csrf_token.as_deref(),
    )
    .await
    {
        Ok(page) => {
            let result = state.services.resend_otp(page).await;
            step(&state, &headers, result)
        }
        Err(resp) => resp,
    }
}

/// `POST /merchant/consent` (`flow`, `csrf_token`, `decision` = `allow` | `deny`).
#[utoipa::path(post, path = "/merchant/consent", tag = "Merchant login", operation_id = "consent_decide",
    summary = "Allow or deny",
    description = "Step 4: the merchant's decision. `allow` issues a single-use authorization code (120 s) and sends the browser back to the client with `code` and `state`; `deny` sends it back with `error=access_denied`. Consent is asked on every authorization.",
    request_body(content = ConsentForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 302, description = "Back to the client: `{redirect_uri}?code=gbz_ac_…&state=…` (allow), or with `error=access_denied` (deny, or the flow expired)",
            headers(("Location" = String, description = "`{redirect_uri}?code=…&state=…` or `{redirect_uri}?error=access_denied&…`"))),
        (status = 303, description = "The merchant has not signed in yet: to the login page",
            headers(("Location" = String, description = "`/merchant/login?flow=<flow_id>`"))),
        (status = 400, description = "An HTML error page: `decision` is neither `allow` nor `deny`, unknown or finished flow, control characters", content_type = "text/html", body = String),
        (status = 403, description = "An HTML error page: wrong browser cookie or CSRF token", content_type = "text/html", body = String),
        (status = 500, description = "An HTML error page: unexpected failure", content_type = "text/html", body = String),
    ))]
async fn consent(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = pairs(&body);
    if let Some(resp) = refused_form(&state, &headers, &pairs) {
        return resp;
    }
    let form = ConsentForm::from_pairs(&pairs);
    let page = match open(
        &state,
        &headers,
        form.flow.as_deref(),
        form.csrf_token.as_deref(),
    )
    .await
    {
        Ok(page) => page,
        Err(resp) => return resp,
    };
    let allow = match form.decision.as_deref() {
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
#[utoipa::path(get, path = "/demo/callback", tag = "Merchant login", operation_id = "demo_callback",
    summary = "The demo facilitator's callback page",
    description = "Where the demo client's redirect URI (`serve --demo`) points: shows the authorization code with the `curl` command that exchanges it, or the error and its description.",
    params(CallbackQuery),
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
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
