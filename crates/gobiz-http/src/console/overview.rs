//! The overview: what the sandbox holds, the webhook backlog, the sandbox clock with its
//! "advance" buttons, and the reset to the demo data.

use crate::console::session::{self, CsrfForm};
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::sandbox::AdvanceClock;
use maud::{html, Markup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(advance))
        .routes(routes!(reset))
}

/// The clock form: `seconds` (the buttons) or `minutes` (the custom field).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct AdvanceForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// Seconds to move forward.
    #[schema(value_type = Option<i64>, example = "60")]
    seconds: Option<String>,
    /// Minutes to move forward (used when `seconds` is absent).
    #[schema(value_type = Option<i64>)]
    minutes: Option<String>,
}

/// The clock card, also the fragment the advance buttons swap in.
fn clock_card(s: &AppState, user: &ConsoleUser, error: Option<&str>) -> Markup {
    let w = user.words();
    let c = s.services.clock_view();
    html! {
        section #clock-card .card aria-labelledby="clock-title" {
            h2 #clock-title { (w.clock) }
            p { (w.clock_now) ": " strong #clock { (rfc3339_seconds(c.now)) } }
            p { (w.clock_offset) ": " span #clock-offset { (c.offset_seconds) " " (w.seconds) } }
            @if !user.read_only {
                div.actions {
                    @for (seconds, label) in [(60, "+1 min"), (180, "+3 min"), (3600, "+1 h")] {
                        form method="post" action="/console/clock/advance"
                            hx-post="/console/clock/advance" hx-target="#clock-card" hx-swap="outerHTML" {
                            (csrf_field(user))
                            input type="hidden" name="seconds" value=(seconds);
                            button type="submit" data-advance=(seconds) { (label) }
                        }
                    }
                    form method="post" action="/console/clock/advance"
                        hx-post="/console/clock/advance" hx-target="#clock-card" hx-swap="outerHTML" {
                        (csrf_field(user))
                        label for="advance-minutes" { (w.custom_minutes) }
                        input #advance-minutes type="number" name="minutes" min="1" max="525600" required
                            aria-invalid=[error.map(|_| "true")];
                        button type="submit" { (w.advance) }
                    }
                }
                @if let Some(e) = error {
                    p.field-error role="alert" { (e) }
                }
            }
        }
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "delivered" => "ok",
        "dead" => "bad",
        _ => "wait",
    }
}

/// The console's first page.
#[utoipa::path(get, path = "/console", tag = "Console",
    summary = "The console overview",
    description = "Counts of merchants, outlets and partners, the webhook backlog, the sandbox clock with advance buttons, and the reset to the demo data. Without a session: a redirect to the sign-in page.",
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn overview(State(s): State<AppState>, user: ConsoleUser) -> Result<Response, ApiError> {
    let w = user.words();
    let merchants = s.services.list_merchants().await?.len();
    let outlets = s.services.list_outlets().await?.len();
    let partners = s.services.list_partners().await?.len();
    let backlog = s.services.webhook_backlog().await;
    let counts = s.services.console_overview().await?;
    let body = html! {
        div.cards {
            div.card { div.n #count-merchants { (merchants) } (w.merchants) }
            div.card { div.n #count-outlets { (outlets) } a href="/console/outlets" { (w.outlets) } }
            div.card { div.n #count-partners { (partners) } a href="/console/partners" { (w.partners) } }
            div.card { div.n #orders-today { (counts.orders_today) } a href="/console/orders" { (w.orders_today) } }
            div.card #deliveries-by-result {
                (w.deliveries_by_result)
                @if counts.deliveries.is_empty() { div.muted { "0" } }
                @for (status, n) in &counts.deliveries {
                    div {
                        span class={ "badge " (status_class(status)) } { (status) } " "
                        a href={ "/console/webhooks?status=" (status) } { strong { (n) } }
                    }
                }
            }
            @if let Some(b) = &backlog {
                div.card {
                    div.n #webhooks-waiting { (b.waiting) }
                    a href="/console/webhooks" { (w.webhooks_waiting) } " (" (b.due) " " (w.webhooks_due) ")"
                }
            }
        }
        (clock_card(&s, &user, None))
        @if !user.read_only {
            form method="post" action="/console/reset" data-confirm=(w.reset_confirm) {
                (csrf_field(&user))
                button.secondary #reset type="submit" { (w.reset_demo) }
            }
        }
    };
    Ok(page(&user, Nav::Overview, w.overview, body))
}

/// Moves the sandbox clock forward (`seconds`, or `minutes` from the custom field).
#[utoipa::path(post, path = "/console/clock/advance", tag = "Console",
    summary = "Advance the sandbox clock",
    request_body(content_type = "application/x-www-form-urlencoded", content = AdvanceForm),
    responses(
        (status = 200, description = "htmx: the clock card", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the overview; no session: to sign-in"),
        (status = 400, description = "A number out of range: the card with the error", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 409, description = "Production: the clock cannot move", content_type = "text/html", body = String),
    ),
    security(("console_session" = [])))]
async fn advance(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: AdvanceForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let seconds = match (form.seconds.as_deref(), form.minutes.as_deref()) {
        (Some(s), _) => s.trim().parse::<i64>().ok(),
        (None, Some(m)) => m.trim().parse::<i64>().ok().and_then(|m| m.checked_mul(60)),
        _ => None,
    };
    let outcome = match seconds {
        Some(seconds) => s
            .services
            .advance_clock(AdvanceClock {
                seconds: Some(seconds),
            })
            .await
            .map_err(|e| ApiError::from(e).first_message()),
        None => Err("seconds: must be a whole number".to_string()),
    };
    match (outcome, user.htmx) {
        (Ok(_), false) => crate::pages::redirect(StatusCode::SEE_OTHER, "/console"),
        (Ok(_), true) => fragment(clock_card(&s, &user, None)),
        (Err(e), _) => {
            let mut resp = fragment(clock_card(&s, &user, Some(&e)));
            *resp.status_mut() = if s.services.config.mode == gobiz_domain::model::Mode::Production
            {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            resp
        }
    }
}

/// Deletes everything and restores the demo data set (`serve --demo`'s fixed identities).
#[utoipa::path(post, path = "/console/reset", tag = "Console",
    summary = "Reset the sandbox to the demo data",
    request_body(content_type = "application/x-www-form-urlencoded", content = CsrfForm),
    responses(
        (status = 303, description = "Done: back to the overview; no session: to sign-in"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn reset(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: CsrfForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    match s.services.reset_to_demo().await {
        Ok(_) => crate::pages::redirect(StatusCode::SEE_OTHER, "/console"),
        Err(e) => ApiError::from(e).into_response(),
    }
}
