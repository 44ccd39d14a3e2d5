//! Traffic scenarios (issue 19): start a lunch rush on an outlet, follow its progress live,
//! stop it, read its summary. Same services as `/sandbox/v1/scenarios`.

use crate::console::number_form::{number, see_other, text, NumberInput};
use crate::console::session::{self, CsrfForm};
use crate::console::{csrf_field, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::Locale;
use gobiz_domain::validation::Violation;
use gobiz_services::sandbox::scenarios::{MixSpec, NewScenario, Scenario};
use gobiz_services::ServiceError;
use maud::{html, Markup};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, start))
        .routes(routes!(detail))
        .routes(routes!(live))
        .routes(routes!(stop))
}

struct Words {
    title: &'static str,
    intro: &'static str,
    start: &'static str,
    outlet: &'static str,
    scenario: &'static str,
    duration: &'static str,
    peak: &'static str,
    pickup: &'static str,
    cancel: &'static str,
    timeout: &'static str,
    payment: &'static str,
    paid: &'static str,
    compressed: &'static str,
    seed: &'static str,
    none: &'static str,
    status: &'static str,
    progress: &'static str,
    orders: &'static str,
    payments: &'static str,
    webhooks: &'static str,
    answer_times: &'static str,
    failures: &'static str,
    stop: &'static str,
    started: &'static str,
    back: &'static str,
    not_found: &'static str,
    live_note: &'static str,
    attempts: &'static str,
    /// Count labels of the summary (orders, then payments, then webhooks).
    counts: [&'static str; 14],
    /// Status labels: running, stopping, stopped, finished, failed.
    statuses: [&'static str; 5],
}

const EN: Words = Words {
    title: "Traffic scenarios",
    intro: "Play a lunch rush on an outlet: orders per minute rise to a peak and fall, with pickups, customer cancellations, manual-mode timeouts and QRIS payments, then read what your webhooks went through.",
    start: "Start the rush",
    outlet: "Outlet",
    scenario: "Scenario",
    duration: "Minutes of orders",
    peak: "Orders per minute at the peak",
    pickup: "Pickup share (0–1)",
    cancel: "Customer cancellation share (0–1)",
    timeout: "Timeout share (0–1)",
    payment: "QRIS payment share (0–1)",
    paid: "Paid share of payments (0–1)",
    compressed: "Compressed on the sandbox clock (seconds instead of minutes)",
    seed: "Seed (empty: random)",
    none: "No scenario yet.",
    status: "Status",
    progress: "Progress",
    orders: "Orders",
    payments: "Payments",
    webhooks: "Webhooks",
    answer_times: "Your answer times",
    failures: "Failures",
    stop: "Stop",
    started: "Started",
    back: "All scenarios",
    not_found: "Scenario not found.",
    live_note: "This page updates by itself while the scenario runs.",
    attempts: "attempts",
    counts: ["placed", "accepted", "completed", "cancelled by customers", "timed out", "rejected", "open",
        "created", "settled", "expired", "pending", "deliveries", "delivered", "failed"],
    statuses: ["running", "stopping", "stopped", "finished", "failed"],
};

const ID: Words = Words {
    title: "Skenario lalu lintas",
    intro: "Mainkan jam makan siang di satu outlet: pesanan per menit naik ke puncak lalu turun, dengan ambil sendiri, pembatalan pelanggan, batas waktu mode manual dan pembayaran QRIS, lalu baca apa yang dialami webhook Anda.",
    start: "Mulai",
    outlet: "Outlet",
    scenario: "Skenario",
    duration: "Menit pesanan",
    peak: "Pesanan per menit di puncak",
    pickup: "Porsi ambil sendiri (0–1)",
    cancel: "Porsi dibatalkan pelanggan (0–1)",
    timeout: "Porsi batas waktu (0–1)",
    payment: "Porsi pembayaran QRIS (0–1)",
    paid: "Porsi pembayaran dibayar (0–1)",
    compressed: "Dipadatkan pada jam sandbox (detik, bukan menit)",
    seed: "Seed (kosong: acak)",
    none: "Belum ada skenario.",
    status: "Status",
    progress: "Kemajuan",
    orders: "Pesanan",
    payments: "Pembayaran",
    webhooks: "Webhook",
    answer_times: "Waktu jawab Anda",
    failures: "Kegagalan",
    stop: "Hentikan",
    started: "Dimulai",
    back: "Semua skenario",
    not_found: "Skenario tidak ditemukan.",
    live_note: "Halaman ini diperbarui sendiri selama skenario berjalan.",
    attempts: "percobaan",
    counts: ["dibuat", "diterima", "selesai", "dibatalkan pelanggan", "habis waktu", "ditolak", "terbuka",
        "dibuat", "lunas", "kedaluwarsa", "menunggu", "pengiriman", "terkirim", "gagal"],
    statuses: ["berjalan", "berhenti…", "dihentikan", "selesai", "gagal"],
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::Id => &ID,
        _ => &EN,
    }
}

/// The start form, every field text.
#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    csrf: Option<String>,
    outlet_id: Option<String>,
    duration_minutes: Option<String>,
    peak_orders_per_minute: Option<String>,
    pickup: Option<String>,
    customer_cancel: Option<String>,
    timeout: Option<String>,
    payment: Option<String>,
    payment_paid: Option<String>,
    compressed: Option<String>,
    seed: Option<String>,
}

impl StartForm {
    /// The request, or the fields that are not numbers (by request path).
    fn request(&self) -> Result<NewScenario, Vec<Violation>> {
        let mut bad = Vec::new();
        let duration = number::<i64>(&mut bad, "duration_minutes", &self.duration_minutes);
        let peak = number::<f64>(
            &mut bad,
            "peak_orders_per_minute",
            &self.peak_orders_per_minute,
        );
        let pickup = number::<f64>(&mut bad, "mix.pickup", &self.pickup);
        let cancel = number::<f64>(&mut bad, "mix.customer_cancel", &self.customer_cancel);
        let timeout = number::<f64>(&mut bad, "mix.timeout", &self.timeout);
        let payment = number::<f64>(&mut bad, "mix.payment", &self.payment);
        let paid = number::<f64>(&mut bad, "mix.payment_paid", &self.payment_paid);
        let seed = number::<i64>(&mut bad, "seed", &self.seed);
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(NewScenario {
            name: Some("lunch-rush".into()),
            outlet_id: text(&self.outlet_id).map(String::from),
            duration_minutes: duration,
            peak_orders_per_minute: peak,
            rate: None,
            mix: Some(MixSpec {
                pickup,
                customer_cancel: cancel,
                timeout,
                payment,
                payment_paid: paid,
            }),
            compressed: Some(self.compressed.is_some()),
            seed,
        })
    }
}

/// The form field of a request path (`mix.pickup` → `pickup`).
fn field_of(path: &str) -> String {
    path.strip_prefix("mix.").unwrap_or(path).to_string()
}

fn start_form(
    user: &ConsoleUser,
    outlets: &[(String, String)],
    form: &StartForm,
    errors: &[Violation],
) -> Markup {
    let w = words(user.locale);
    let input = NumberInput {
        prefix: "scenario",
        errors,
        field_of,
        disabled: false,
    };
    let field = |name: &str, label: &str, value: &Option<String>, placeholder: &str| {
        input.render(name, label, value, placeholder)
    };
    let chosen = text(&form.outlet_id).unwrap_or("");
    let known = [
        "outlet_id",
        "duration_minutes",
        "peak_orders_per_minute",
        "pickup",
        "customer_cancel",
        "timeout",
        "payment",
        "payment_paid",
        "seed",
    ];
    html! {
        form #scenario-form .card method="post" action="/console/scenarios" {
            (csrf_field(user))
            label for="scenario-outlet" { (w.outlet) }
            select #scenario-outlet name="outlet_id" {
                @for (id, name) in outlets {
                    option value=(id) selected[id == chosen] { (name) }
                }
            }
            @for v in errors.iter().filter(|v| v.path == "outlet_id") { p.field-error role="alert" { (v.message()) } }
            (field("duration_minutes", w.duration, &form.duration_minutes, "30"))
            (field("peak_orders_per_minute", w.peak, &form.peak_orders_per_minute, "40"))
            (field("pickup", w.pickup, &form.pickup, "0.2"))
            (field("customer_cancel", w.cancel, &form.customer_cancel, "0.05"))
            (field("timeout", w.timeout, &form.timeout, "0.03"))
            (field("payment", w.payment, &form.payment, "0.3"))
            (field("payment_paid", w.paid, &form.payment_paid, "0.8"))
            (field("seed", w.seed, &form.seed, ""))
            label {
                input #scenario-compressed type="checkbox" name="compressed" value="on" checked[form.compressed.is_some() || form.csrf.is_none()];
                " " (w.compressed)
            }
            @for v in errors.iter().filter(|v| !known.contains(&field_of(&v.path).as_str())) {
                p.field-error role="alert" .form-error { (v.message()) }
            }
            div.actions { button #scenario-start type="submit" { (w.start) } }
        }
    }
}

fn progress_text(s: &Scenario) -> String {
    format!(
        "{}/{} min · {}/{}",
        s.progress.minute,
        s.progress.total_minutes,
        s.progress.orders_placed,
        s.progress.orders_planned
    )
}

fn rows(w: &Words, list: &[Scenario]) -> Markup {
    html! {
        @if list.is_empty() {
            tr { td colspan="5" .muted { (w.none) } }
        }
        @for s in list {
            tr data-scenario=(s.id) {
                td { a href={"/console/scenarios/" (s.id)} { code { (s.id[..8.min(s.id.len())]) } } }
                td { (s.name) " · " code { (s.outlet_id) } }
                td { span.badge data-status=(s.status) { (status_label(w, &s.status)) } }
                td { (progress_text(s)) }
                td { (s.started_at) }
            }
        }
    }
}

async fn outlet_options(s: &AppState) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(s.services
        .list_outlets()
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), format!("{} ({})", o.name, o.id)))
        .collect())
}

async fn list_page(
    s: &AppState,
    user: &ConsoleUser,
    form: &StartForm,
    errors: &[Violation],
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let list = s.services.list_scenarios().await?;
    let outlets = outlet_options(s).await?;
    let body = html! {
        p.muted { (w.intro) }
        @if !user.read_only { (start_form(user, &outlets, form, errors)) }
        p.muted { (w.live_note) }
        div style="overflow-x:auto" sse-connect="/console/scenarios/live" {
            table #scenarios {
                thead { tr {
                    th scope="col" { "ID" } th scope="col" { (w.scenario) } th scope="col" { (w.status) }
                    th scope="col" { (w.progress) } th scope="col" { (w.started) }
                } }
                tbody #scenario-rows sse-swap="rows" aria-live="polite" { (rows(w, &list)) }
            }
        }
    };
    Ok(page(user, Nav::Scenarios, w.title, body))
}

/// The scenarios, with the start form.
#[utoipa::path(get, path = "/console/scenarios", tag = "Console",
    summary = "Traffic scenarios",
    description = "The lunch-rush form (same service as `POST /sandbox/v1/scenarios`) and every scenario with its live progress.",
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn list(State(s): State<AppState>, user: ConsoleUser) -> Result<Response, ApiError> {
    list_page(&s, &user, &StartForm::default(), &[]).await
}

/// The live rows of the list.
#[utoipa::path(get, path = "/console/scenarios/live", tag = "Console",
    summary = "The scenarios, live",
    description = "Server-Sent Events: `event: rows` with the table rows of `/console/scenarios`, whenever they change (checked every second).",
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = crate::openapi::SseEvent),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
    ),
    security(("console_session" = [])))]
async fn live(State(s): State<AppState>, user: ConsoleUser) -> Response {
    let w = words(user.locale);
    let state = s.clone();
    super::live::feed(&state, "rows", move || {
        let s = s.clone();
        async move {
            let list = s.services.list_scenarios().await.ok()?;
            Some(rows(w, &list).into_string())
        }
    })
}

/// Starts a lunch rush.
#[utoipa::path(post, path = "/console/scenarios", tag = "Console",
    summary = "Start a lunch rush",
    description = "Same service as `POST /sandbox/v1/scenarios` (`name: lunch-rush`). Started: a redirect to the scenario's page; refused: the page with the server's message next to the field (400, 404, 409 or 422).",
    request_body(content_type = "application/x-www-form-urlencoded", content = String),
    responses(
        (status = 303, description = "Started: to the scenario's page; or no session: to sign-in"),
        (status = 400, description = "A wrong field", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown outlet", content_type = "text/html", body = String),
        (status = 409, description = "A scenario already runs on the outlet", content_type = "text/html", body = String),
        (status = 422, description = "The outlet cannot take the scenario", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn start(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: StartForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let result = match form.request() {
        Ok(req) => s.services.start_scenario(req).await,
        Err(bad) => Err(ServiceError::Invalid(bad)),
    };
    let (status, errors) = match result {
        Ok(sc) => return see_other(&format!("/console/scenarios/{}", sc.id)),
        Err(ServiceError::Invalid(bad)) => (StatusCode::BAD_REQUEST, bad),
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unavailable(_))) => {
            return ApiError::from(e).into_response()
        }
        Err(e) => {
            let api = ApiError::from(e);
            (
                api.status(),
                vec![Violation {
                    path: "outlet_id".into(),
                    problem: api.first_message(),
                }],
            )
        }
    };
    match list_page(&s, &user, &form, &errors).await {
        Ok(mut resp) => {
            *resp.status_mut() = status;
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// `n label · n label · …` of the summary, labels by index into [`Words::counts`].
fn counts(w: &Words, items: &[(i64, usize)]) -> String {
    items
        .iter()
        .map(|(n, i)| format!("{n} {}", w.counts.get(*i).copied().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The status in the page's language.
fn status_label<'a>(w: &Words, status: &'a str) -> &'a str {
    const KEYS: [&str; 5] = ["running", "stopping", "stopped", "finished", "failed"];
    match KEYS.iter().position(|k| *k == status) {
        Some(i) => w.statuses[i],
        None => status,
    }
}

fn summary_section(w: &Words, sc: &Scenario) -> Markup {
    let ms = |v: Option<i64>| v.map(|v| format!("{v} ms")).unwrap_or_else(|| "–".into());
    html! {
        section #scenario-summary aria-live="polite" {
            dl {
                dt { (w.status) } dd #scenario-status { span.badge data-status=(sc.status) { (status_label(w, &sc.status)) } @if let Some(r) = &sc.reason { " " (r) } }
                dt { (w.progress) } dd { (progress_text(sc)) }
                @if let Some(sum) = &sc.summary {
                    @let o = &sum.orders;
                    dt { (w.orders) } dd #summary-orders {
                        (counts(w, &[(o.placed, 0), (o.accepted, 1), (o.completed, 2), (o.cancelled_by_customer, 3), (o.timed_out, 4), (o.rejected, 5), (o.open, 6)]))
                    }
                    @let p = &sum.payments;
                    dt { (w.payments) } dd { (counts(w, &[(p.created, 7), (p.settled, 8), (p.expired, 9), (p.pending, 10)])) }
                    @let h = &sum.webhooks;
                    dt { (w.webhooks) } dd #summary-webhooks {
                        (counts(w, &[(h.deliveries, 11), (h.delivered, 12), (h.failed, 13), (h.pending, 10)]))
                        " · " (h.attempts) " " (w.attempts)
                    }
                    dt { (w.answer_times) } dd { "p50 " (ms(h.p50_ms)) " · p99 " (ms(h.p99_ms)) }
                    @if !h.failures.is_empty() {
                        dt { (w.failures) } dd { @for (k, n) in &h.failures { code { (k) } " " (n) " " } }
                    }
                }
            }
        }
    }
}

async fn scenario_page(s: &AppState, user: &ConsoleUser, id: &str) -> Response {
    let w = words(user.locale);
    let sc = match s.services.get_scenario(id).await {
        Ok(sc) => sc,
        Err(ServiceError::NotFound(_)) => {
            let mut resp = page(
                user,
                Nav::Scenarios,
                w.not_found,
                html! {
                    p #not-found { (w.not_found) } p { a href="/console/scenarios" { (w.back) } }
                },
            );
            *resp.status_mut() = StatusCode::NOT_FOUND;
            return resp;
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let running = matches!(sc.status.as_str(), "running" | "stopping");
    let stop = format!("/console/scenarios/{}/stop", sc.id);
    let body = html! {
        p { a href="/console/scenarios" { "← " (w.back) } " · " a href={"/console/webhooks?outlet_id=" (sc.outlet_id)} { (w.webhooks) } }
        p.muted { code { (sc.id) } " · " (sc.name) " · " code { (sc.outlet_id) } " · seed " (sc.spec.seed) }
        @if running {
            // Read again every second while it runs (htmx; without JavaScript, reload).
            div hx-get={"/console/scenarios/" (sc.id)} hx-trigger="every 1s" hx-select="#scenario-summary" hx-target="#scenario-summary" hx-swap="outerHTML" {}
        }
        (summary_section(w, &sc))
        @if running && !user.read_only {
            form method="post" action=(stop) {
                (csrf_field(user))
                button.secondary #scenario-stop type="submit" { (w.stop) }
            }
        }
    };
    page(user, Nav::Scenarios, w.title, body)
}

/// One scenario with its summary.
#[utoipa::path(get, path = "/console/scenarios/{scenario_id}", tag = "Console",
    summary = "One traffic scenario",
    description = "Its progress (refreshed every second while it runs) and summary: orders, payments, the webhooks they caused, the receiver's answer times and failures by kind.",
    params(("scenario_id" = String, Path, description = "The scenario")),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown scenario", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn detail(State(s): State<AppState>, user: ConsoleUser, Path(id): Path<String>) -> Response {
    scenario_page(&s, &user, &id).await
}

/// Stops a running scenario.
#[utoipa::path(post, path = "/console/scenarios/{scenario_id}/stop", tag = "Console",
    summary = "Stop a traffic scenario",
    description = "Same service as `POST /sandbox/v1/scenarios/{scenario_id}/stop`; then back to the scenario's page.",
    params(("scenario_id" = String, Path, description = "The scenario")),
    request_body(content_type = "application/x-www-form-urlencoded", content = CsrfForm),
    responses(
        (status = 303, description = "To the scenario's page (or, without a session, to sign-in)"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown scenario", content_type = "application/json", body = crate::envelope::Failure),
        (status = 409, description = "It already ended", content_type = "application/json", body = crate::envelope::Failure),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn stop(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form: CsrfForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    match s.services.stop_scenario(&id).await {
        Ok(sc) => see_other(&format!("/console/scenarios/{}", sc.id)),
        Err(e) => ApiError::from(e).into_response(),
    }
}
