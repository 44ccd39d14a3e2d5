//! The webhook delivery log: every delivery newest first, filterable by event, outlet, partner
//! and result, live by Server-Sent Events; one delivery with every attempt, the exact headers
//! and body sent (signature included), and "redeliver". Reads and acts through the same
//! services as `GET /sandbox/v1/deliveries` and `POST /sandbox/v1/deliveries/{id}/redeliver`.

use crate::console::session::{self, CsrfForm};
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::events::EventName;
use gobiz_domain::goauth::Locale;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_domain::webhook::DEAD_MESSAGE;
use gobiz_services::partner::notifications::{DeliveryFilter, DeliveryView};
use maud::{html, Markup};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Rows shown per page of the log.
const PER_PAGE: u64 = 50;
/// How much of a body the detail page shows at most.
const BODY_LIMIT: usize = 4096;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log))
        .routes(routes!(live))
        .routes(routes!(detail))
        .routes(routes!(redeliver))
}

struct Words {
    title: &'static str,
    filter: &'static str,
    event: &'static str,
    outlet: &'static str,
    partner: &'static str,
    result: &'static str,
    any: &'static str,
    apply: &'static str,
    time: &'static str,
    entity: &'static str,
    status: &'static str,
    attempts: &'static str,
    none: &'static str,
    older: &'static str,
    newer: &'static str,
    live_note: &'static str,
    delivery: &'static str,
    endpoint: &'static str,
    subscription: &'static str,
    next_attempt: &'static str,
    history: &'static str,
    status_code: &'static str,
    latency: &'static str,
    error: &'static str,
    not_recorded: &'static str,
    no_attempts: &'static str,
    request: &'static str,
    headers: &'static str,
    not_sent: &'static str,
    body_pretty: &'static str,
    body_exact: &'static str,
    response: &'static str,
    response_note: &'static str,
    no_response: &'static str,
    response_col: &'static str,
    redeliver: &'static str,
    redelivered: &'static str,
    back: &'static str,
    not_found: &'static str,
    truncated: &'static str,
    statuses: [(&'static str, &'static str); 4],
    listeners: &'static str,
    listener_line: &'static str,
}

const EN: Words = Words {
    title: "Webhook deliveries",
    filter: "Filter",
    event: "Event",
    outlet: "Outlet",
    partner: "Partner",
    result: "Result",
    any: "Any",
    apply: "Apply",
    time: "Time",
    entity: "Entity",
    status: "Status",
    attempts: "Attempts",
    none: "No deliveries match.",
    older: "Older",
    newer: "Newer",
    live_note: "This list updates by itself.",
    delivery: "Delivery",
    endpoint: "Endpoint",
    subscription: "Subscription",
    next_attempt: "Next attempt",
    history: "Attempts",
    status_code: "HTTP status",
    latency: "Latency",
    error: "Error",
    not_recorded: "not recorded",
    no_attempts: "No attempt yet.",
    request: "Request sent",
    headers: "Headers",
    not_sent: "Not sent yet: the headers are recorded at the first attempt.",
    body_pretty: "Body (formatted)",
    body_exact: "Body (exactly as sent)",
    response: "Response received",
    response_note: "The receiver's answer to the latest attempt: its status and the first 4 KiB of its body.",
    no_response: "No answer recorded (no attempt reached the receiver, or it was made before answers were recorded).",
    response_col: "Answer",
    redeliver: "Redeliver now",
    redelivered: "Redelivered: the attempt is in the list above.",
    back: "All deliveries",
    not_found: "No such delivery.",
    truncated: "(first 4 KiB shown)",
    listeners: "Attached with gobiz listen",
    listener_line: "forwarding to",
    statuses: [
        ("delivered", "delivered"),
        ("retrying", "retrying"),
        ("dead", "dead"),
        ("pending", "pending"),
    ],
};

const ID: Words = Words {
    title: "Pengiriman webhook",
    filter: "Saring",
    event: "Event",
    outlet: "Outlet",
    partner: "Mitra",
    result: "Hasil",
    any: "Semua",
    apply: "Terapkan",
    time: "Waktu",
    entity: "Entitas",
    status: "Status",
    attempts: "Percobaan",
    none: "Tidak ada pengiriman yang cocok.",
    older: "Lebih lama",
    newer: "Lebih baru",
    live_note: "Daftar ini diperbarui sendiri.",
    delivery: "Pengiriman",
    endpoint: "Endpoint",
    subscription: "Langganan",
    next_attempt: "Percobaan berikutnya",
    history: "Percobaan",
    status_code: "Status HTTP",
    latency: "Latensi",
    error: "Galat",
    not_recorded: "tidak dicatat",
    no_attempts: "Belum ada percobaan.",
    request: "Permintaan terkirim",
    headers: "Header",
    not_sent: "Belum dikirim: header dicatat pada percobaan pertama.",
    body_pretty: "Isi (diformat)",
    body_exact: "Isi (persis seperti dikirim)",
    response: "Respons diterima",
    response_note: "Jawaban penerima atas percobaan terakhir: statusnya dan 4 KiB pertama isinya.",
    no_response: "Tidak ada jawaban tercatat (tidak ada percobaan yang sampai ke penerima, atau dibuat sebelum jawaban dicatat).",
    response_col: "Jawaban",
    redeliver: "Kirim ulang sekarang",
    redelivered: "Dikirim ulang: percobaannya ada di daftar di atas.",
    back: "Semua pengiriman",
    not_found: "Pengiriman tidak ditemukan.",
    truncated: "(4 KiB pertama ditampilkan)",
    listeners: "Terhubung dengan gobiz listen",
    listener_line: "meneruskan ke",
    statuses: [
        ("delivered", "terkirim"),
        ("retrying", "diulang"),
        ("dead", "gagal"),
        ("pending", "menunggu"),
    ],
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

/// The filters of the log, from the query string (empty values mean "any").
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
struct Filters {
    event: Option<String>,
    outlet_id: Option<String>,
    partner_id: Option<String>,
    status: Option<String>,
    page: u64,
}

impl Filters {
    fn parse(raw: Option<&str>) -> Filters {
        let pairs = crate::extract::query_pairs(raw);
        let get = |k: &str| {
            crate::extract::pair(&pairs, k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        Filters {
            event: get("event"),
            outlet_id: get("outlet_id"),
            partner_id: get("partner_id"),
            status: get("status"),
            page: get("page")
                .and_then(|p| p.parse::<u64>().ok())
                .filter(|p| (1..=10_000).contains(p))
                .unwrap_or(1),
        }
    }

    fn service_filter(&self) -> DeliveryFilter {
        DeliveryFilter {
            partner_id: self.partner_id.clone(),
            event: self.event.clone(),
            status: self.status.clone(),
            outlet_id: self.outlet_id.clone(),
            ..DeliveryFilter::default()
        }
    }

    /// The query string of these filters (without the page unless `page` is given).
    fn query(&self, page: Option<u64>) -> String {
        let mut q = form_urlencoded_pairs(&[
            ("event", self.event.as_deref()),
            ("outlet_id", self.outlet_id.as_deref()),
            ("partner_id", self.partner_id.as_deref()),
            ("status", self.status.as_deref()),
        ]);
        if let Some(p) = page {
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!("page={p}"));
        }
        q
    }
}

fn form_urlencoded_pairs(pairs: &[(&str, Option<&str>)]) -> String {
    let present: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect();
    serde_urlencoded::to_string(present).unwrap_or_default()
}

/// A status badge.
fn badge(w: &Words, status: &str) -> Markup {
    let class = match status {
        "delivered" => "badge ok",
        "dead" => "badge bad",
        "retrying" | "pending" => "badge wait",
        _ => "badge",
    };
    let label = w
        .statuses
        .iter()
        .find(|(k, _)| *k == status)
        .map(|(_, l)| *l)
        .unwrap_or(status);
    html! { span class=(class) data-status=(status) { (label) } }
}

/// Attempts made (the "Failed after…" marker of a dead delivery is not an attempt).
fn attempts(v: &DeliveryView) -> usize {
    v.history
        .iter()
        .filter(|a| {
            !(a.status_code.is_none() && a.exception_message.as_deref() == Some(DEAD_MESSAGE))
        })
        .count()
}

/// The rows of the log (the fragment the live feed sends).
fn rows(w: &Words, list: &[DeliveryView], partners: &HashMap<String, String>) -> Markup {
    html! {
        @if list.is_empty() {
            tr { td colspan="6" .muted #no-deliveries { (w.none) } }
        }
        @for v in list {
            @let d = &v.delivery;
            tr #{"delivery-" (d.id)} .delivery-row data-delivery=(d.id) {
                td { a href={"/console/webhooks/" (d.id)} { time datetime=(rfc3339_seconds(d.created_at)) { (rfc3339_seconds(d.created_at)) } } }
                td { code { (d.event_name) } }
                td { (d.entity_id) }
                td { (partners.get(&d.partner_id).map(String::as_str).unwrap_or(&d.partner_id)) }
                td { (badge(w, &d.status)) }
                td .attempts { (attempts(v)) }
            }
        }
    }
}

async fn partner_names(s: &AppState) -> Result<HashMap<String, String>, ApiError> {
    Ok(s.services
        .list_partners()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

async fn render_rows(s: &AppState, w: &Words, f: &Filters) -> Result<Markup, ApiError> {
    let list = s
        .services
        .delivery_views(&f.service_filter(), PER_PAGE, (f.page - 1) * PER_PAGE)
        .await?;
    let partners = partner_names(s).await?;
    Ok(rows(w, &list, &partners))
}

fn select(
    id: &str,
    name: &str,
    label: &str,
    any: &str,
    current: Option<&str>,
    options: &[(String, String)],
) -> Markup {
    html! {
        div {
            label for=(id) { (label) }
            select #(id) name=(name) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[current == Some(value.as_str())] { (text) }
                }
            }
        }
    }
}

/// The delivery log.
#[utoipa::path(get, path = "/console/webhooks", tag = "Console",
    summary = "The webhook delivery log",
    description = "Every delivery newest first (50 a page), filterable by `event`, `outlet_id`, `partner_id` and `status` (`pending`, `retrying`, `delivered`, `dead`); the rows update live through `/console/webhooks/live`. Same service as `GET /sandbox/v1/deliveries`.",
    params(
        ("event" = Option<String>, Query, description = "Only this event"),
        ("outlet_id" = Option<String>, Query, description = "Only events about this outlet"),
        ("partner_id" = Option<String>, Query, description = "Only deliveries to this partner"),
        ("status" = Option<String>, Query, description = "Only this result"),
        ("page" = Option<u64>, Query, description = "Page, from 1"),
    ),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn log(
    State(s): State<AppState>,
    user: ConsoleUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let f = Filters::parse(q.as_deref());
    let events: Vec<(String, String)> = EventName::ALL
        .iter()
        .map(|e| (e.as_str().to_string(), e.as_str().to_string()))
        .collect();
    let outlets: Vec<(String, String)> = s
        .services
        .list_outlets()
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), format!("{} ({})", o.name, o.id)))
        .collect();
    let partners: Vec<(String, String)> = s
        .services
        .list_partners()
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let statuses: Vec<(String, String)> = w
        .statuses
        .iter()
        .map(|(k, l)| (k.to_string(), l.to_string()))
        .collect();
    let list = s
        .services
        .delivery_views(&f.service_filter(), PER_PAGE, (f.page - 1) * PER_PAGE)
        .await?;
    let names: HashMap<String, String> = partners.iter().cloned().collect();
    let listeners = s.services.listeners().await?;
    let full_page = list.len() as u64 == PER_PAGE;
    let live_query = f.query(Some(f.page));
    let body = html! {
        form #delivery-filter method="get" action="/console/webhooks" aria-label=(w.filter) {
            div.actions {
                (select("filter-event", "event", w.event, w.any, f.event.as_deref(), &events))
                (select("filter-outlet", "outlet_id", w.outlet, w.any, f.outlet_id.as_deref(), &outlets))
                (select("filter-partner", "partner_id", w.partner, w.any, f.partner_id.as_deref(), &partners))
                (select("filter-status", "status", w.result, w.any, f.status.as_deref(), &statuses))
                button type="submit" { (w.apply) }
            }
        }
        @if !listeners.is_empty() {
            section #listeners aria-label=(w.listeners) {
                h2 { (w.listeners) }
                ul {
                    @for l in &listeners {
                        li {
                            (names.get(&l.partner_id).cloned().unwrap_or_else(|| l.partner_id.clone()))
                            " · " (l.events.len()) " events"
                            @if let Some(o) = &l.outlet_id { " · " (o) }
                            " · " (w.listener_line) " " code { (l.forward_to) }
                        }
                    }
                }
            }
        }
        p.muted { (w.live_note) }
        div style="overflow-x:auto" sse-connect={"/console/webhooks/live?" (live_query)} {
            table #deliveries {
                thead { tr {
                    th scope="col" { (w.time) } th scope="col" { (w.event) } th scope="col" { (w.entity) }
                    th scope="col" { (w.partner) } th scope="col" { (w.status) } th scope="col" { (w.attempts) }
                } }
                tbody #delivery-rows sse-swap="rows" aria-live="polite" { (rows(w, &list, &names)) }
            }
        }
        nav.actions aria-label=(w.title) {
            @if f.page > 1 {
                a #newer href={"/console/webhooks?" (f.query(Some(f.page - 1)))} { (w.newer) }
            }
            @if full_page {
                a #older href={"/console/webhooks?" (f.query(Some(f.page + 1)))} { (w.older) }
            }
        }
    };
    Ok(page(&user, Nav::Webhooks, w.title, body))
}

/// The live rows of the log.
#[utoipa::path(get, path = "/console/webhooks/live", tag = "Console",
    summary = "The delivery log, live",
    description = "Server-Sent Events: `event: rows` with the table rows of `/console/webhooks` (same filters and page), sent at once and then whenever they change (checked every second).",
    params(
        ("event" = Option<String>, Query, description = "Only this event"),
        ("outlet_id" = Option<String>, Query, description = "Only events about this outlet"),
        ("partner_id" = Option<String>, Query, description = "Only deliveries to this partner"),
        ("status" = Option<String>, Query, description = "Only this result"),
        ("page" = Option<u64>, Query, description = "Page, from 1"),
    ),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = crate::openapi::SseEvent),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
    ),
    security(("console_session" = [])))]
async fn live(State(s): State<AppState>, user: ConsoleUser, RawQuery(q): RawQuery) -> Response {
    let w = words(user.locale);
    let f = Filters::parse(q.as_deref());
    let state = s.clone();
    super::live::feed(&state, "rows", move || {
        let s = s.clone();
        let f = f.clone();
        async move { render_rows(&s, w, &f).await.ok().map(|m| m.into_string()) }
    })
}

/// At most the first 4 KiB of `text`, cut on a character boundary.
fn first_4k(text: &str) -> (&str, bool) {
    if text.len() <= BODY_LIMIT {
        return (text, false);
    }
    let mut end = BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// The detail of one delivery (the part redelivering replaces).
fn detail_section(
    user: &ConsoleUser,
    v: &DeliveryView,
    partner: &str,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let w = words(user.locale);
    let d = &v.delivery;
    let headers: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&d.headers)
            .ok()
            .filter(|m: &serde_json::Map<_, _>| !m.is_empty());
    let pretty = serde_json::from_str::<serde_json::Value>(&d.payload)
        .ok()
        .and_then(|j| serde_json::to_string_pretty(&j).ok());
    let (exact, cut) = first_4k(&d.payload);
    html! {
        section #delivery-detail data-status=(d.status) {
            dl {
                dt { (w.delivery) } dd { code #delivery-id { (d.id) } }
                dt { (w.event) } dd { code { (d.event_name) } }
                dt { (w.entity) } dd { (d.entity_id) }
                dt { (w.partner) } dd { a href={"/console/partners/" (d.partner_id)} { (partner) } }
                dt { (w.subscription) } dd { code { (d.subscription_id) } }
                dt { (w.endpoint) } dd { code #delivery-endpoint { (d.endpoint) } }
                dt { (w.status) } dd #delivery-status { (badge(w, &d.status)) }
                @if matches!(d.status.as_str(), "pending" | "retrying") {
                    dt { (w.next_attempt) } dd { (rfc3339_seconds(d.next_attempt_at)) }
                }
            }
            @if !user.read_only {
                form method="post" action={"/console/webhooks/" (d.id) "/redeliver"}
                    hx-post={"/console/webhooks/" (d.id) "/redeliver"} hx-target="#delivery-detail" hx-swap="outerHTML" {
                    (csrf_field(user))
                    button #redeliver type="submit" { (w.redeliver) }
                }
            }
            @if let Some(n) = notice { p #redeliver-notice role="status" { (n) } }
            @if let Some(e) = error { p.field-error role="alert" { (e) } }
            h2 { (w.history) }
            @if v.history.is_empty() {
                p.muted { (w.no_attempts) }
            } @else {
                div style="overflow-x:auto" {
                    table #attempts {
                        thead { tr {
                            th scope="col" { "#" } th scope="col" { (w.time) } th scope="col" { (w.status_code) }
                            th scope="col" { (w.latency) } th scope="col" { (w.error) } th scope="col" { (w.response_col) }
                        } }
                        tbody {
                            @for a in &v.history {
                                tr .attempt data-delivered=(a.delivered) {
                                    td { (a.seq) }
                                    td { (rfc3339_seconds(a.at)) }
                                    td .status-code {
                                        @if let Some(c) = a.status_code {
                                            span class=(if a.delivered { "badge ok" } else { "badge bad" }) { (c) }
                                        } @else { "—" }
                                    }
                                    td .latency {
                                        @if let Some(ms) = a.latency_ms { (ms) " ms" } @else { span.muted { (w.not_recorded) } }
                                    }
                                    td { (a.exception_message.as_deref().unwrap_or("")) }
                                    td {
                                        @if let Some(b) = &a.response_body {
                                            details {
                                                summary { (b.len()) " B" }
                                                pre style="overflow-x:auto;white-space:pre-wrap;word-break:break-all" { (b) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (w.request) }
            p { "POST " code { (d.endpoint) } }
            h3 { (w.headers) }
            @if let Some(h) = &headers {
                div style="overflow-x:auto" {
                    table #request-headers {
                        tbody {
                            @for (k, val) in h {
                                tr {
                                    th scope="row" { code { (k) } }
                                    td { code data-header=(k) { (val.as_str().map(String::from).unwrap_or_else(|| val.to_string())) } }
                                }
                            }
                        }
                    }
                }
            } @else {
                p.muted #headers-not-sent { (w.not_sent) }
            }
            @if let Some(p) = &pretty {
                h3 { (w.body_pretty) }
                pre #body-pretty style="overflow-x:auto;white-space:pre" { (p) }
            }
            h3 { (w.body_exact) " " @if cut { span.muted { (w.truncated) } } }
            pre #body-exact style="overflow-x:auto;white-space:pre-wrap;word-break:break-all" { (exact) }
            h2 { (w.response) }
            p.muted #response-note { (w.response_note) }
            @if let Some(a) = v.history.iter().rev().find(|a| a.status_code.is_some() || a.response_body.is_some()) {
                p { (w.status_code) ": " strong #response-status { (a.status_code.map(|c| c.to_string()).unwrap_or_default()) } }
                @if let Some(b) = &a.response_body {
                    pre #response-body style="overflow-x:auto;white-space:pre-wrap;word-break:break-all" { (b) }
                }
            } @else {
                p #no-response { (w.no_response) }
            }
        }
    }
}

async fn delivery_page(
    s: &AppState,
    user: &ConsoleUser,
    id: &str,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Markup, gobiz_services::ServiceError> {
    let v = s.services.delivery_view(id).await?;
    let partner = s
        .services
        .get_partner(&v.delivery.partner_id)
        .await
        .map(|p| p.name)
        .unwrap_or_else(|_| v.delivery.partner_id.clone());
    Ok(detail_section(user, &v, &partner, notice, error))
}

fn not_found_page(user: &ConsoleUser) -> Response {
    let w = words(user.locale);
    let mut resp = page(
        user,
        Nav::Webhooks,
        w.not_found,
        html! { p #not-found { (w.not_found) } p { a href="/console/webhooks" { (w.back) } } },
    );
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp
}

/// One delivery.
#[utoipa::path(get, path = "/console/webhooks/{delivery_id}", tag = "Console",
    summary = "One webhook delivery",
    description = "Every attempt (time, HTTP status, latency, error, the first 4 KiB of the answer), the exact request headers (signature included) and body sent, the latest answer, and a redeliver button.",
    params(("delivery_id" = String, Path, description = "The delivery")),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown delivery", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn detail(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    match delivery_page(&s, &user, &id, None, None).await {
        Ok(section) => {
            let body = html! {
                p { a href="/console/webhooks" { "← " (w.back) } }
                (section)
            };
            Ok(page(&user, Nav::Webhooks, w.delivery, body))
        }
        Err(gobiz_services::ServiceError::NotFound(_)) => Ok(not_found_page(&user)),
        Err(e) => Err(e.into()),
    }
}

/// Redelivers now: one immediate attempt, recorded in the history.
#[utoipa::path(post, path = "/console/webhooks/{delivery_id}/redeliver", tag = "Console",
    summary = "Redeliver a webhook now",
    description = "One immediate attempt with the same body and headers, as `POST /sandbox/v1/deliveries/{delivery_id}/redeliver`.",
    params(("delivery_id" = String, Path, description = "The delivery")),
    request_body(content_type = "application/x-www-form-urlencoded", content = CsrfForm),
    responses(
        (status = 200, description = "htmx: the delivery section with the new attempt", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the delivery; no session: to sign-in"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown delivery", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn redeliver(
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
    let w = words(user.locale);
    match s.services.redeliver(&id).await {
        Ok(_) if !user.htmx => {
            crate::pages::redirect(StatusCode::SEE_OTHER, &format!("/console/webhooks/{id}"))
        }
        Ok(_) => match delivery_page(&s, &user, &id, Some(w.redelivered), None).await {
            Ok(section) => fragment(section),
            Err(e) => ApiError::from(e).into_response(),
        },
        Err(gobiz_services::ServiceError::NotFound(_)) => not_found_page(&user),
        Err(e) => ApiError::from(e).into_response(),
    }
}
