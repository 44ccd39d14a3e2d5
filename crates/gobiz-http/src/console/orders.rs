//! Orders: an outlet's orders, newest first, kept current by Server-Sent Events; and one
//! order's page with its fields, its state timeline, the acceptance countdown, the sandbox's
//! actions (advance, driver, customer cancel) and the merchant POS's (accept, reject, food
//! prepared), and every webhook delivery the order caused, per partner, also live.
//!
//! The live feeds poll the services every second and send the rendered fragment only when it
//! changed, keeping just the last fragment's hash: nothing in-process is shared between
//! connections or nodes, and a feed ends when its client goes away.

use crate::console::session::{self, ConsoleUser};
use crate::console::{csrf_field, fragment, page, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::Locale;
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::order::{Order, OrderState, OrderType};
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::partner::notifications::{DeliveryFilter, DeliveryView};
use gobiz_services::partner::orders::RejectBody;
use gobiz_services::sandbox::pos::REJECT_REASON_CODES;
use gobiz_services::ServiceError;
use maud::{html, Markup, PreEscaped};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(list_live))
        .routes(routes!(order_page))
        .routes(routes!(order_live))
        .routes(routes!(advance))
        .routes(routes!(driver))
        .routes(routes!(cancel))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(food_prepared))
}

/// Orders a list page shows.
const PER_PAGE: u64 = 50;
/// Deliveries of one order shown per partner.
const DELIVERIES_PER_PARTNER: u64 = 100;

// ---- Words ----

struct Words {
    orders: &'static str,
    outlet: &'static str,
    show: &'static str,
    no_outlets: &'static str,
    no_orders: &'static str,
    unknown_outlet: &'static str,
    live_hint: &'static str,
    newer: &'static str,
    older: &'static str,
    order: &'static str,
    order_type: &'static str,
    status: &'static str,
    total: &'static str,
    created: &'static str,
    deadline: &'static str,
    time_left: &'static str,
    delivery: &'static str,
    pickup: &'static str,
    details: &'static str,
    customer: &'static str,
    customer_id: &'static str,
    pin: &'static str,
    items: &'static str,
    item: &'static str,
    quantity: &'static str,
    variants: &'static str,
    unit_price: &'static str,
    line_total: &'static str,
    notes: &'static str,
    takeaway_charges: &'static str,
    cutlery: &'static str,
    yes: &'static str,
    no: &'static str,
    promotions: &'static str,
    state: &'static str,
    timeline: &'static str,
    at: &'static str,
    driver: &'static str,
    food_prepared_at: &'static str,
    cancellation: &'static str,
    deliveries: &'static str,
    no_deliveries: &'static str,
    event: &'static str,
    result: &'static str,
    retries: &'static str,
    last_attempt: &'static str,
    open: &'static str,
    actions: &'static str,
    sandbox_actions: &'static str,
    pos_actions: &'static str,
    advance: &'static str,
    advance_to: &'static str,
    next_state: &'static str,
    driver_name: &'static str,
    send_driver: &'static str,
    cancel_reason: &'static str,
    customer_cancel: &'static str,
    accept: &'static str,
    reject: &'static str,
    reason_code: &'static str,
    reason_description: &'static str,
    food_prepared: &'static str,
    done: &'static str,
    back: &'static str,
}

const EN: Words = Words {
    orders: "Orders",
    outlet: "Outlet",
    show: "Show",
    no_outlets: "There are no outlets yet: create one on the Outlets page.",
    no_orders: "No orders yet. New orders appear here by themselves.",
    unknown_outlet: "Outlet not found",
    live_hint: "This list updates by itself.",
    newer: "Newer",
    older: "Older",
    order: "Order",
    order_type: "Type",
    status: "Status",
    total: "Total",
    created: "Created",
    deadline: "Acceptance deadline",
    time_left: "left",
    delivery: "Delivery",
    pickup: "Pickup",
    details: "Order details",
    customer: "Customer",
    customer_id: "Customer id",
    pin: "PIN",
    items: "Items",
    item: "Item",
    quantity: "Qty",
    variants: "Variants",
    unit_price: "Unit price",
    line_total: "Line total",
    notes: "Notes",
    takeaway_charges: "Takeaway charges",
    cutlery: "Cutlery",
    yes: "yes",
    no: "no",
    promotions: "Promotions applied",
    state: "State",
    timeline: "Timeline",
    at: "At",
    driver: "Driver",
    food_prepared_at: "Food prepared at",
    cancellation: "Cancellation",
    deliveries: "Webhook deliveries",
    no_deliveries: "No webhook deliveries for this order (no partner subscribed to its events).",
    event: "Event",
    result: "Result",
    retries: "Retries",
    last_attempt: "Last attempt",
    open: "Open",
    actions: "Actions",
    sandbox_actions: "As the platform, the driver and the customer",
    pos_actions: "As the merchant's POS",
    advance: "Advance",
    advance_to: "Up to state",
    next_state: "the next state",
    driver_name: "Driver name",
    send_driver: "Send a driver",
    cancel_reason: "Customer's reason",
    customer_cancel: "Cancel as the customer",
    accept: "Accept",
    reject: "Reject",
    reason_code: "Reason code",
    reason_description: "Reason",
    food_prepared: "Food prepared",
    done: "Done.",
    back: "All orders of this outlet",
};

const ID: Words = Words {
    orders: "Pesanan",
    outlet: "Outlet",
    show: "Tampilkan",
    no_outlets: "Belum ada outlet: buat satu di halaman Outlet.",
    no_orders: "Belum ada pesanan. Pesanan baru muncul di sini dengan sendirinya.",
    unknown_outlet: "Outlet tidak ditemukan",
    live_hint: "Daftar ini diperbarui dengan sendirinya.",
    newer: "Lebih baru",
    older: "Lebih lama",
    order: "Pesanan",
    order_type: "Jenis",
    status: "Status",
    total: "Total",
    created: "Dibuat",
    deadline: "Batas waktu penerimaan",
    time_left: "tersisa",
    delivery: "Antar",
    pickup: "Ambil sendiri",
    details: "Rincian pesanan",
    customer: "Pelanggan",
    customer_id: "Id pelanggan",
    pin: "PIN",
    items: "Item",
    item: "Item",
    quantity: "Jml",
    variants: "Varian",
    unit_price: "Harga satuan",
    line_total: "Subtotal",
    notes: "Catatan",
    takeaway_charges: "Biaya bungkus",
    cutlery: "Alat makan",
    yes: "ya",
    no: "tidak",
    promotions: "Promo yang berlaku",
    state: "Status",
    timeline: "Riwayat",
    at: "Waktu",
    driver: "Pengemudi",
    food_prepared_at: "Makanan siap pada",
    cancellation: "Pembatalan",
    deliveries: "Pengiriman webhook",
    no_deliveries:
        "Tidak ada pengiriman webhook untuk pesanan ini (tidak ada mitra yang berlangganan).",
    event: "Event",
    result: "Hasil",
    retries: "Percobaan ulang",
    last_attempt: "Percobaan terakhir",
    open: "Buka",
    actions: "Aksi",
    sandbox_actions: "Sebagai platform, pengemudi dan pelanggan",
    pos_actions: "Sebagai POS merchant",
    advance: "Majukan",
    advance_to: "Sampai status",
    next_state: "status berikutnya",
    driver_name: "Nama pengemudi",
    send_driver: "Kirim pengemudi",
    cancel_reason: "Alasan pelanggan",
    customer_cancel: "Batalkan sebagai pelanggan",
    accept: "Terima",
    reject: "Tolak",
    reason_code: "Kode alasan",
    reason_description: "Alasan",
    food_prepared: "Makanan siap",
    done: "Selesai.",
    back: "Semua pesanan outlet ini",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

// ---- Small renderers ----

/// `Rp 25.000`.
fn rupiah(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("Rp {}{out}", if v < 0 { "-" } else { "" })
}

fn type_label(w: &Words, t: OrderType) -> &'static str {
    match t {
        OrderType::Delivery => w.delivery,
        OrderType::Pickup => w.pickup,
    }
}

fn state_badge(st: OrderState) -> Markup {
    let class = match st {
        OrderState::Completed => "badge ok",
        OrderState::Cancelled => "badge bad",
        OrderState::Created | OrderState::AwaitingMerchantAcceptance => "badge wait",
        _ => "badge",
    };
    html! { span class=(class) data-status=(st.as_str()) { (st.as_str()) } }
}

fn delivery_badge(status: &str) -> Markup {
    let class = match status {
        "delivered" => "badge ok",
        "dead" => "badge bad",
        _ => "badge wait",
    };
    html! { span class=(class) data-delivery-status=(status) { (status) } }
}

fn time(ms: i64) -> Markup {
    let t = rfc3339_seconds(ms);
    html! { time datetime=(t) { (t) } }
}

/// The deadline with a countdown that console.js keeps on the sandbox clock.
fn deadline(w: &Words, ms: i64, offset_ms: i64) -> Markup {
    html! {
        (time(ms)) " ("
        span.countdown data-deadline=(rfc3339_seconds(ms)) data-offset-ms=(offset_ms) { "…" }
        " " (w.time_left) ")"
    }
}

fn offset_ms(s: &AppState) -> i64 {
    s.services.clock_view().offset_seconds.saturating_mul(1000)
}

/// A plain-text answer (the live feeds' refusals).
fn text(status: StatusCode, message: &str) -> Response {
    session::refusal(status, message)
}

// ---- The list ----

/// `outlet` and `page` of the list's query.
struct ListQuery {
    outlet: Option<String>,
    page: u64,
}

fn list_query(q: Option<&str>) -> ListQuery {
    let pairs = crate::extract::query_pairs(q);
    let outlet = crate::extract::pair(&pairs, "outlet")
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    let page = crate::extract::pair(&pairs, "page")
        .and_then(|p| p.trim().parse::<u64>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1);
    ListQuery { outlet, page }
}

/// The table body of an outlet's orders (also what the live feed sends).
async fn list_rows(
    s: &AppState,
    w: &Words,
    outlet: &str,
    page: u64,
) -> Result<Markup, ServiceError> {
    let orders = s
        .services
        .list_orders(&OutletId::new(outlet), PER_PAGE, (page - 1) * PER_PAGE)
        .await?;
    let offset = offset_ms(s);
    Ok(html! {
        @if orders.is_empty() {
            tr { td colspan="6" .muted #no-orders { (w.no_orders) } }
        }
        @for o in &orders {
            tr data-order=(o.order_number()) {
                td { a href={ "/console/orders/" (o.order_number()) } { (o.order_number()) } }
                td { (type_label(w, o.order_type())) }
                td { (state_badge(o.state())) }
                td { (rupiah(o.order_total())) }
                td { (time(o.created_at())) }
                td {
                    @if let Some(d) = o.acceptance_deadline() {
                        (deadline(w, d, offset))
                    } @else { "—" }
                }
            }
        }
    })
}

/// An outlet's orders, newest first, live.
#[utoipa::path(get, path = "/console/orders", tag = "Console",
    summary = "The console's order list",
    description = "An outlet's GoFood orders, newest first, 50 a page (order number, type, status, total, creation time, acceptance deadline with a countdown), with an outlet picker (default: the first outlet). New orders and status changes appear without reload through `/console/orders/live`. Without a session: a redirect to the sign-in page.",
    params(
        ("outlet" = Option<String>, Query, description = "The outlet (default: the first outlet)"),
        ("page" = Option<u64>, Query, description = "Page, from 1"),
    ),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown outlet: the page with the message", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn list(
    State(s): State<AppState>,
    user: ConsoleUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let query = list_query(q.as_deref());
    let outlets = s.services.list_outlets().await?;
    let chosen = query
        .outlet
        .clone()
        .or_else(|| outlets.first().map(|o| o.id.clone()));
    let known = chosen
        .as_deref()
        .is_some_and(|c| outlets.iter().any(|o| o.id == c));
    let rows = match (&chosen, known) {
        (Some(c), true) => Some(list_rows(&s, w, c, query.page).await?),
        _ => None,
    };
    let body = html! {
        @if outlets.is_empty() {
            p #no-outlets .muted { (w.no_outlets) }
        } @else {
            form.actions method="get" action="/console/orders" {
                div {
                    label for="outlet" { (w.outlet) }
                    select #outlet name="outlet" aria-invalid=[(!known).then_some("true")] {
                        @for o in &outlets {
                            option value=(o.id) selected[chosen.as_deref() == Some(o.id.as_str())] {
                                (o.name) " (" (o.id) ")"
                            }
                        }
                    }
                }
                button type="submit" { (w.show) }
            }
            @if !known {
                p.field-error role="alert" #outlet-error {
                    (w.unknown_outlet) ": " (chosen.as_deref().unwrap_or(""))
                }
            }
        }
        @if let (Some(c), Some(rows)) = (&chosen, rows) {
            p.muted { (w.live_hint) }
            div style="overflow-x:auto" sse-connect={ "/console/orders/live?outlet=" (c) "&page=" (query.page) } {
                table #orders {
                    thead { tr {
                        th scope="col" { (w.order) }
                        th scope="col" { (w.order_type) }
                        th scope="col" { (w.status) }
                        th scope="col" { (w.total) }
                        th scope="col" { (w.created) }
                        th scope="col" { (w.deadline) }
                    } }
                    tbody #orders-body sse-swap="orders" { (rows) }
                }
            }
            nav.actions aria-label=(w.orders) {
                @if query.page > 1 {
                    a href={ "/console/orders?outlet=" (c) "&page=" (query.page - 1) } rel="prev" { "← " (w.newer) }
                }
                a href={ "/console/orders?outlet=" (c) "&page=" (query.page + 1) } rel="next" { (w.older) " →" }
            }
        }
    };
    let mut resp = page(&user, Nav::Orders, w.orders, body);
    if !outlets.is_empty() && !known {
        *resp.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(resp)
}

/// The live feed of the list: event `orders`, the table body, whenever it changed.
#[utoipa::path(get, path = "/console/orders/live", tag = "Console",
    summary = "Live feed of an outlet's orders",
    description = "Server-Sent Events: the list's table body (`event: orders`) at once and then whenever it changed (polled every second from the database, so every node serves it). A comment every 15 s keeps the connection open.",
    params(
        ("outlet" = Option<String>, Query, description = "The outlet (default: the first outlet)"),
        ("page" = Option<u64>, Query, description = "Page, from 1"),
    ),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = crate::openapi::SseEvent),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown outlet, or no outlet at all", content_type = "text/plain", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn list_live(
    State(s): State<AppState>,
    user: ConsoleUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let query = list_query(q.as_deref());
    let outlet = match query.outlet {
        Some(o) => o,
        None => match s.services.list_outlets().await?.into_iter().next() {
            Some(o) => o.id,
            None => return Ok(text(StatusCode::NOT_FOUND, w.unknown_outlet)),
        },
    };
    match s.services.get_outlet(&outlet).await {
        Ok(_) => {}
        Err(ServiceError::OutletNotFound(_)) => {
            return Ok(text(StatusCode::NOT_FOUND, w.unknown_outlet))
        }
        Err(e) => return Err(e.into()),
    }
    let page = query.page;
    let state = s.clone();
    Ok(super::live::feed(&state, "orders", move || {
        let (s, outlet) = (s.clone(), outlet.clone());
        async move {
            list_rows(&s, w, &outlet, page)
                .await
                .ok()
                .map(Markup::into_string)
        }
    }))
}

// ---- One order ----

/// Why an action did not happen, shown in its form.
struct ActionError {
    action: Action,
    field: Option<String>,
    message: String,
}

/// What the user typed, shown again after an error.
#[derive(Default)]
struct Typed {
    to: Option<String>,
    name: Option<String>,
    reason: Option<String>,
    code: Option<String>,
    description: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Advance,
    Driver,
    Cancel,
    Accept,
    Reject,
    FoodPrepared,
}

impl Action {
    fn path(self) -> &'static str {
        match self {
            Action::Advance => "advance",
            Action::Driver => "driver",
            Action::Cancel => "cancel",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::FoodPrepared => "food-prepared",
        }
    }
}

/// The status, the countdown, the timeline and the deliveries: the part of the order page
/// that changes (also what the live feed sends).
async fn state_section(s: &AppState, w: &Words, number: &str) -> Result<Markup, ServiceError> {
    let o = s.services.get_order(&OrderNumber::from(number)).await?;
    let partners = s.services.list_partners().await?;
    let mut per_partner: Vec<(String, Vec<DeliveryView>)> = Vec::new();
    for p in &partners {
        let filter = DeliveryFilter {
            partner_id: Some(p.id.clone()),
            entity_id: Some(number.to_string()),
            ..DeliveryFilter::default()
        };
        let list = s
            .services
            .delivery_views(&filter, DELIVERIES_PER_PARTNER, 0)
            .await?;
        if !list.is_empty() {
            per_partner.push((p.name.clone(), list));
        }
    }
    let offset = offset_ms(s);
    Ok(html! {
        div.cards {
            div.card {
                div.muted { (w.state) }
                div #order-status { (state_badge(o.state())) }
            }
            @if let Some(d) = o.acceptance_deadline() {
                div.card #order-deadline {
                    div.muted { (w.deadline) }
                    div { (deadline(w, d, offset)) }
                }
            }
            @if let Some(d) = o.driver() {
                div.card { div.muted { (w.driver) } div #order-driver { (d) } }
            }
            @if let Some(t) = o.food_prepared_at() {
                div.card { div.muted { (w.food_prepared_at) } div #order-food-prepared { (time(t)) } }
            }
            @if let Some((reason, code)) = o.cancellation() {
                div.card { div.muted { (w.cancellation) } div #order-cancellation { (code) ": " (reason) } }
            }
        }
        h2 { (w.timeline) }
        div style="overflow-x:auto" {
            table #order-timeline {
                thead { tr { th scope="col" { (w.state) } th scope="col" { (w.at) } } }
                tbody {
                    @for c in o.history() {
                        tr data-state=(c.status.as_str()) { td { (state_badge(c.status)) } td { (time(c.at)) } }
                    }
                }
            }
        }
        h2 { (w.deliveries) }
        div #order-deliveries {
            @if per_partner.is_empty() {
                p.muted #no-deliveries { (w.no_deliveries) }
            }
            @for (partner, list) in &per_partner {
                h3 { (partner) }
                div style="overflow-x:auto" {
                    table.deliveries {
                        thead { tr {
                            th scope="col" { (w.event) }
                            th scope="col" { (w.result) }
                            th scope="col" { (w.retries) }
                            th scope="col" { (w.last_attempt) }
                            th scope="col" { (w.created) }
                            th scope="col" { span.muted { (w.open) } }
                        } }
                        tbody {
                            @for d in list {
                                tr data-delivery=(d.delivery.id) {
                                    td { code { (d.delivery.event_name) } }
                                    td { (delivery_badge(&d.delivery.status)) }
                                    td { (d.delivery.retries) }
                                    td {
                                        @if let Some(a) = d.history.last() {
                                            (time(a.at))
                                            @if let Some(code) = a.status_code { " · HTTP " (code) }
                                            @if let Some(e) = &a.exception_message { " · " span.muted { (e) } }
                                        } @else { "—" }
                                    }
                                    td { (time(d.delivery.created_at)) }
                                    td { a href={ "/console/webhooks/" (d.delivery.id) } { (w.open) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// The order's fixed fields: customer, items, prices, type, outlet.
fn details(w: &Words, o: &Order, outlet_name: &str) -> Markup {
    html! {
        section.card aria-labelledby="order-details-title" {
            h2 #order-details-title { (w.details) }
            dl #order-fields {
                dt { (w.outlet) }
                dd { a href={ "/console/orders?outlet=" (o.outlet_id()) } { (outlet_name) " (" (o.outlet_id()) ")" } }
                dt { (w.order_type) } dd #order-type { (type_label(w, o.order_type())) }
                dt { (w.customer) } dd #order-customer { (o.customer_name()) }
                dt { (w.customer_id) } dd { code { (o.customer_id()) } }
                dt { (w.pin) } dd { code { (o.pin()) } }
                dt { (w.created) } dd { (time(o.created_at())) }
                @if let Some(c) = o.cutlery_requested() {
                    dt { (w.cutlery) } dd { (if c { w.yes } else { w.no }) }
                }
            }
            h3 { (w.items) }
            div style="overflow-x:auto" {
                table #order-items {
                    thead { tr {
                        th scope="col" { (w.item) }
                        th scope="col" { (w.quantity) }
                        th scope="col" { (w.variants) }
                        th scope="col" { (w.unit_price) }
                        th scope="col" { (w.line_total) }
                        th scope="col" { (w.notes) }
                    } }
                    tbody {
                        @for i in o.items() {
                            tr {
                                td { (i.name) br; span.muted { (i.external_id) } }
                                td { (i.quantity) }
                                td { @for (k, v) in i.variants.iter().enumerate() { @if k > 0 { ", " } (v.name) } }
                                td { (rupiah(i.price)) }
                                td { (rupiah(i.price.saturating_mul(i.quantity))) }
                                td { (i.notes) }
                            }
                        }
                        @if o.takeaway_charges() != 0 {
                            tr { td colspan="4" { (w.takeaway_charges) } td { (rupiah(o.takeaway_charges())) } td {} }
                        }
                        tr { th scope="row" colspan="4" { (w.total) } td #order-total { strong { (rupiah(o.order_total())) } } td {} }
                    }
                }
            }
            @if !o.applied_promotions().is_empty() {
                h3 { (w.promotions) }
                ul {
                    @for p in o.applied_promotions() {
                        li { (p.external_menu_id) ": " (rupiah(p.original_price)) " → " (rupiah(p.selling_price)) }
                    }
                }
            }
        }
    }
}

/// One action's form: hidden CSRF, its fields, its button, its error.
fn action_form(
    user: &ConsoleUser,
    number: &str,
    action: Action,
    error: Option<&ActionError>,
    fields: Markup,
    label: &str,
) -> Markup {
    let url = format!("/console/orders/{number}/{}", action.path());
    let error = error.filter(|e| e.action == action);
    html! {
        form method="post" action=(url) hx-post=(url) hx-target="#order-actions" hx-swap="outerHTML"
            data-action=(action.path()) {
            (csrf_field(user))
            (fields)
            button type="submit" { (label) }
            @if let Some(e) = error {
                p.field-error role="alert" id={ "error-" (action.path()) } { (e.message) }
            }
        }
    }
}

/// The actions card (also the fragment the actions swap in).
fn actions(
    user: &ConsoleUser,
    w: &Words,
    number: &str,
    error: Option<&ActionError>,
    typed: &Typed,
    done: bool,
) -> Markup {
    let bad = |a: Action, f: &str| -> Option<&'static str> {
        error
            .filter(|e| e.action == a && e.field.as_deref() == Some(f))
            .map(|_| "true")
    };
    html! {
        section #order-actions .card aria-labelledby="order-actions-title" {
            h2 #order-actions-title { (w.actions) }
            @if done {
                p #action-done role="status" { (w.done) }
            }
            @if user.read_only {
                p.muted { (user.words().read_only_banner) }
            } @else {
                h3 { (w.pos_actions) }
                div.actions {
                    (action_form(user, number, Action::Accept, error, html! {}, w.accept))
                    (action_form(user, number, Action::FoodPrepared, error, html! {}, w.food_prepared))
                    (action_form(user, number, Action::Reject, error, html! {
                        div {
                            label for="reject-code" { (w.reason_code) }
                            select #reject-code name="cancel_reason_code" aria-invalid=[bad(Action::Reject, "cancel_reason_code")] {
                                @for c in REJECT_REASON_CODES {
                                    option value=(c) selected[typed.code.as_deref() == Some(c)] { (c) }
                                }
                            }
                        }
                        div {
                            label for="reject-description" { (w.reason_description) }
                            input #reject-description type="text" name="cancel_reason_description"
                                minlength="3" maxlength="200" required
                                value=[typed.description.as_deref()]
                                aria-invalid=[bad(Action::Reject, "cancel_reason_description")];
                        }
                    }, w.reject))
                }
                h3 { (w.sandbox_actions) }
                div.actions {
                    (action_form(user, number, Action::Advance, error, html! {
                        div {
                            label for="advance-to" { (w.advance_to) }
                            select #advance-to name="to" aria-invalid=[bad(Action::Advance, "to")] {
                                option value="" { "(" (w.next_state) ")" }
                                @for st in OrderState::ALL.into_iter().filter(|s| *s != OrderState::Created) {
                                    option value=(st.as_str()) selected[typed.to.as_deref() == Some(st.as_str())] { (st.as_str()) }
                                }
                            }
                        }
                    }, w.advance))
                    (action_form(user, number, Action::Driver, error, html! {
                        div {
                            label for="driver-name" { (w.driver_name) }
                            input #driver-name type="text" name="name" maxlength="100"
                                placeholder="GoFood Driver" value=[typed.name.as_deref()]
                                aria-invalid=[bad(Action::Driver, "name")];
                        }
                    }, w.send_driver))
                    (action_form(user, number, Action::Cancel, error, html! {
                        div {
                            label for="cancel-reason" { (w.cancel_reason) }
                            input #cancel-reason type="text" name="reason" maxlength="200"
                                placeholder="Cancelled by customer" value=[typed.reason.as_deref()]
                                aria-invalid=[bad(Action::Cancel, "reason")];
                        }
                    }, w.customer_cancel))
                }
            }
        }
    }
}

/// The whole order page (`error`: an action that failed, shown in its form).
async fn order_response(
    s: &AppState,
    user: &ConsoleUser,
    number: &str,
    error: Option<&ActionError>,
    typed: &Typed,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let title = format!("{} {number}", w.order);
    let o = match s.services.get_order(&OrderNumber::from(number)).await {
        Ok(o) => o,
        Err(e @ ServiceError::NotFound(_)) => {
            let message = ApiError::from(e).first_message();
            let body = html! {
                p.field-error role="alert" #not-found { (message) }
                p { a href="/console/orders" { (w.orders) } }
            };
            let mut resp = page(user, Nav::Orders, &title, body);
            *resp.status_mut() = StatusCode::NOT_FOUND;
            return Ok(resp);
        }
        Err(e) => return Err(e.into()),
    };
    let outlet_name = s
        .services
        .get_outlet(o.outlet_id())
        .await
        .map(|x| x.name)
        .unwrap_or_default();
    let state = state_section(s, w, number).await?;
    let body = html! {
        p { a href={ "/console/orders?outlet=" (o.outlet_id()) } { "← " (w.back) } }
        div sse-connect={ "/console/orders/" (number) "/live" } {
            div #order-state sse-swap="order" { (state) }
        }
        (actions(user, w, number, error, typed, false))
        (details(w, &o, &outlet_name))
    };
    let mut resp = page(user, Nav::Orders, &title, body);
    *resp.status_mut() = status;
    Ok(resp)
}

/// One order: fields, timeline, countdown, actions, webhook deliveries.
#[utoipa::path(get, path = "/console/orders/{order_number}", tag = "Console",
    summary = "The console's order page",
    description = "One GoFood order: its status, acceptance deadline with a countdown on the sandbox clock, state timeline, every webhook delivery it caused (per partner, linking to the delivery), the merchant POS's actions (accept, reject, food prepared) and the sandbox's (advance, driver, customer cancel), and its customer, items and prices. The status, timeline and deliveries update live through `/console/orders/{order_number}/live`.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown order: the page with the message", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn order_page(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    order_response(&s, &user, &number, None, &Typed::default(), StatusCode::OK).await
}

/// The live feed of an order page: event `order`, the status/timeline/deliveries section.
#[utoipa::path(get, path = "/console/orders/{order_number}/live", tag = "Console",
    summary = "Live feed of one order",
    description = "Server-Sent Events: the order page's status, countdown, timeline and deliveries section (`event: order`) at once and then whenever it changed (polled every second from the database), so an accept made through the partner API shows without reload.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = crate::openapi::SseEvent),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown order", content_type = "text/plain", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn order_live(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    match s
        .services
        .get_order(&OrderNumber::from(number.as_str()))
        .await
    {
        Ok(_) => {}
        Err(e @ ServiceError::NotFound(_)) => {
            return Ok(text(
                StatusCode::NOT_FOUND,
                &ApiError::from(e).first_message(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let state = s.clone();
    Ok(super::live::feed(&state, "order", move || {
        let (s, number) = (s.clone(), number.clone());
        async move {
            state_section(&s, w, &number)
                .await
                .ok()
                .map(Markup::into_string)
        }
    }))
}

// ---- Actions ----

/// Every order action's form (each action reads the fields it needs).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct OrderActionForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// Advance: the state to reach (empty: the next state).
    #[schema(example = "COMPLETED")]
    to: Option<String>,
    /// Driver: the driver's name (empty: `GoFood Driver`).
    name: Option<String>,
    /// Customer cancel: the reason (empty: `Cancelled by customer`).
    reason: Option<String>,
    /// Reject: `HIGH_DEMAND`, `RESTAURANT_CLOSED`, `ITEMS_OUT_OF_STOCK` or `OTHERS`.
    cancel_reason_code: Option<String>,
    /// Reject: the reason in words, 3 to 200 characters.
    cancel_reason_description: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

async fn act(
    s: AppState,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
    number: String,
    action: Action,
) -> Response {
    let form: OrderActionForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let typed = Typed {
        to: non_empty(&form.to),
        name: non_empty(&form.name),
        reason: non_empty(&form.reason),
        code: non_empty(&form.cancel_reason_code),
        description: form.cancel_reason_description.clone(),
    };
    let n = OrderNumber::from(number.as_str());
    let sv = &s.services;
    let outcome = match action {
        Action::Advance => sv.advance_order(&n, typed.to.as_deref()).await,
        Action::Driver => sv.assign_driver(&n, typed.name.as_deref()).await,
        Action::Cancel => sv.customer_cancel(&n, typed.reason.as_deref()).await,
        Action::Accept => sv.pos_accept_order(&n).await,
        Action::Reject => {
            sv.pos_reject_order(
                &n,
                RejectBody {
                    cancel_reason_code: typed.code.clone(),
                    cancel_reason_description: typed.description.clone(),
                },
            )
            .await
        }
        Action::FoodPrepared => sv.pos_food_prepared(&n).await,
    };
    let w = words(user.locale);
    match outcome {
        Ok(_) if !user.htmx => {
            crate::pages::redirect(StatusCode::SEE_OTHER, &format!("/console/orders/{number}"))
        }
        Ok(_) => {
            let state = state_section(&s, w, &number).await;
            let mut markup =
                actions(&user, w, &number, None, &Typed::default(), true).into_string();
            if let Ok(state) = state {
                markup.push_str(
                    &html! { div #order-state hx-swap-oob="innerHTML" { (state) } }.into_string(),
                );
            }
            fragment(PreEscaped(markup))
        }
        Err(e) => {
            let field = match &e {
                ServiceError::Invalid(vs) => vs.first().map(|v| v.path.clone()),
                _ => None,
            };
            let api = ApiError::from(e);
            let status = api.status();
            let error = ActionError {
                action,
                field,
                message: api.first_message(),
            };
            if user.htmx {
                let mut resp = fragment(actions(&user, w, &number, Some(&error), &typed, false));
                *resp.status_mut() = status;
                resp
            } else {
                match order_response(&s, &user, &number, Some(&error), &typed, status).await {
                    Ok(r) => r,
                    Err(e) => e.into_response(),
                }
            }
        }
    }
}

/// Moves the order to its next state, or up to `to` (`POST /sandbox/v1/orders/{n}/advance`).
#[utoipa::path(post, path = "/console/orders/{order_number}/advance", tag = "Console",
    summary = "Advance an order (console)",
    description = "As `POST /sandbox/v1/orders/{order_number}/advance`: the next state, or every state up to `to`.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    request_body(content_type = "application/x-www-form-urlencoded", content = OrderActionForm),
    responses(
        (status = 200, description = "htmx: the actions card and the refreshed state", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the order page; no session: to sign-in"),
        (status = 400, description = "`to` is not a state: the page or card with the error", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown order", content_type = "text/html", body = String),
        (status = 409, description = "No next state, or `to` not reachable: the error next to the button", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn advance(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    act(s, user, headers, body, number, Action::Advance).await
}

/// A driver takes a delivery order (`POST /sandbox/v1/orders/{n}/driver`).
#[utoipa::path(post, path = "/console/orders/{order_number}/driver", tag = "Console",
    summary = "Send a driver to an order (console)",
    description = "As `POST /sandbox/v1/orders/{order_number}/driver`: a delivery order in `MERCHANT_ACCEPTED` gets a driver.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    request_body(content_type = "application/x-www-form-urlencoded", content = OrderActionForm),
    responses(
        (status = 200, description = "htmx: the actions card and the refreshed state", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the order page; no session: to sign-in"),
        (status = 400, description = "A name longer than 100 characters", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown order", content_type = "text/html", body = String),
        (status = 409, description = "Not a delivery order in `MERCHANT_ACCEPTED`", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn driver(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    act(s, user, headers, body, number, Action::Driver).await
}

/// The customer cancels (`POST /sandbox/v1/orders/{n}/cancel`).
#[utoipa::path(post, path = "/console/orders/{order_number}/cancel", tag = "Console",
    summary = "Cancel an order as the customer (console)",
    description = "As `POST /sandbox/v1/orders/{order_number}/cancel`: the customer cancels an order that is not yet `PLACED`.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    request_body(content_type = "application/x-www-form-urlencoded", content = OrderActionForm),
    responses(
        (status = 200, description = "htmx: the actions card and the refreshed state", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the order page; no session: to sign-in"),
        (status = 400, description = "A reason longer than 200 characters", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown order", content_type = "text/html", body = String),
        (status = 409, description = "The order is `PLACED` or later", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn cancel(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    act(s, user, headers, body, number, Action::Cancel).await
}

/// The merchant's POS accepts the order (the partner API's transition, spec §5.6).
#[utoipa::path(post, path = "/console/orders/{order_number}/accept", tag = "Console",
    summary = "Accept an order as the merchant (console)",
    description = "The merchant's POS accepts: the same transition and events as `PUT …/orders/{type}/{order_number}/accepted`, without a partner token.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    request_body(content_type = "application/x-www-form-urlencoded", content = OrderActionForm),
    responses(
        (status = 200, description = "htmx: the actions card and the refreshed state", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the order page; no session: to sign-in"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown order", content_type = "text/html", body = String),
        (status = 409, description = "Past acceptance: `Order <n> cannot be accepted in state <STATE>`", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn accept(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    act(s, user, headers, body, number, Action::Accept).await
}

/// The merchant's POS rejects the order (the partner API's transition, spec §5.7).
#[utoipa::path(post, path = "/console/orders/{order_number}/reject", tag = "Console",
    summary = "Reject an order as the merchant (console)",
    description = "The merchant's POS rejects an order awaiting acceptance, with a reason code and description: the same rules, transition and events as `PUT …/orders/{type}/{order_number}/cancelled`, without a partner token.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    request_body(content_type = "application/x-www-form-urlencoded", content = OrderActionForm),
    responses(
        (status = 200, description = "htmx: the actions card and the refreshed state", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the order page; no session: to sign-in"),
        (status = 400, description = "A missing or unknown reason code, or a description not 3 to 200 characters: the error next to the field", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown order", content_type = "text/html", body = String),
        (status = 409, description = "Not awaiting acceptance: `Order <n> cannot be rejected in state <STATE>`", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn reject(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    act(s, user, headers, body, number, Action::Reject).await
}

/// The merchant's POS marks the food ready (the partner API's rule, spec §5.8).
#[utoipa::path(post, path = "/console/orders/{order_number}/food-prepared", tag = "Console",
    summary = "Mark an order's food prepared (console)",
    description = "The merchant's POS marks the food ready: the same rule as `PUT …/orders/{type}/{order_number}/food-prepared` (accepted and not yet handed over), without a partner token.",
    params(("order_number" = String, Path, description = "e.g. `F-123456789`")),
    request_body(content_type = "application/x-www-form-urlencoded", content = OrderActionForm),
    responses(
        (status = 200, description = "htmx: the actions card and the refreshed state", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the order page; no session: to sign-in"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown order", content_type = "text/html", body = String),
        (status = 409, description = "Not accepted yet, or already handed over: `Order <n> cannot be marked as prepared in state <STATE>`", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn food_prepared(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    act(s, user, headers, body, number, Action::FoodPrepared).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_groups_thousands() {
        assert_eq!(rupiah(0), "Rp 0");
        assert_eq!(rupiah(500), "Rp 500");
        assert_eq!(rupiah(25_000), "Rp 25.000");
        assert_eq!(rupiah(1_234_567), "Rp 1.234.567");
        assert_eq!(rupiah(-1500), "Rp -1.500");
    }

    #[test]
    fn the_list_query_falls_back_to_page_one() {
        let q = list_query(Some("outlet=G1&page=x"));
        assert_eq!(q.outlet.as_deref(), Some("G1"));
        assert_eq!(q.page, 1);
        assert_eq!(list_query(Some("page=3")).page, 3);
        assert_eq!(list_query(Some("page=0")).page, 1);
        assert!(list_query(None).outlet.is_none());
    }
}
