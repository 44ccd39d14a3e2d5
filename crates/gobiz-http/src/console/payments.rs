//! Payments: an outlet's QRIS transactions, a test payment, and per transaction its QR image,
//! "pay" / "expire" / "cancel" as the payer would, and the webhooks it caused. Everything goes
//! through the services of the sandbox API (`/sandbox/v1/outlets/{id}/transactions`,
//! `/sandbox/v1/payments/pay`, `/sandbox/v1/transactions/{id}/expire|cancel`) and of the
//! partner API's create.

use crate::console::session;
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::Locale;
use gobiz_domain::ids::OutletId;
use gobiz_domain::payment::{Ending, PaymentStatus};
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::partner::notifications::DeliveryFilter;
use gobiz_services::sandbox::StoredTransaction;
use gobiz_services::ServiceError;
use maud::{html, Markup};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail))
        .routes(routes!(qr_png))
        .routes(routes!(act))
}

/// Transactions per page of the list.
const PER_PAGE: u64 = 20;
/// Deliveries shown per transaction.
const MAX_DELIVERIES: u64 = 50;

struct Words {
    title: &'static str,
    outlet: &'static str,
    show: &'static str,
    no_outlets: &'static str,
    create_title: &'static str,
    amount: &'static str,
    amount_hint: &'static str,
    create: &'static str,
    amount_not_number: &'static str,
    list_title: &'static str,
    none: &'static str,
    id: &'static str,
    order_id: &'static str,
    status: &'static str,
    created: &'static str,
    expiry: &'static str,
    settled: &'static str,
    partner: &'static str,
    qris_string: &'static str,
    qr_alt: &'static str,
    newer: &'static str,
    older: &'static str,
    payment: &'static str,
    back: &'static str,
    payer_actions: &'static str,
    pay: &'static str,
    expire: &'static str,
    cancel: &'static str,
    not_pending: &'static str,
    unknown_action: &'static str,
    webhooks: &'static str,
    no_webhooks: &'static str,
    event: &'static str,
    delivery: &'static str,
    time_left: &'static str,
    status_pending: &'static str,
    status_settlement: &'static str,
    status_expire: &'static str,
    status_cancel: &'static str,
}

const EN: Words = Words {
    title: "Payments",
    outlet: "Outlet",
    show: "Show",
    no_outlets: "No outlets yet: create one on the Outlets page.",
    create_title: "Create a test payment",
    amount: "Amount (IDR)",
    amount_hint: "1 to 10,000,000, created as the partner that has the outlet for payment.",
    create: "Create payment",
    amount_not_number: "amount: must be a whole number of rupiah",
    list_title: "QRIS transactions",
    none: "No transactions yet.",
    id: "Transaction",
    order_id: "Order id",
    status: "Status",
    created: "Created",
    expiry: "Expires",
    settled: "Paid at",
    partner: "Partner",
    qris_string: "QRIS payload",
    qr_alt: "QR code of the transaction",
    newer: "Newer",
    older: "Older",
    payment: "Payment",
    back: "All payments of the outlet",
    payer_actions: "As the payer",
    pay: "Pay",
    expire: "Expire",
    cancel: "Cancel",
    not_pending: "The transaction is no longer pending: nothing more to do.",
    unknown_action: "action: must be pay, expire or cancel",
    webhooks: "Webhooks it caused",
    no_webhooks: "No webhook deliveries for this transaction.",
    event: "Event",
    delivery: "Delivery",
    time_left: "left",
    status_pending: "pending",
    status_settlement: "paid",
    status_expire: "expired",
    status_cancel: "cancelled",
};

const ID: Words = Words {
    title: "Pembayaran",
    outlet: "Outlet",
    show: "Tampilkan",
    no_outlets: "Belum ada outlet: buat di halaman Outlet.",
    create_title: "Buat pembayaran uji",
    amount: "Jumlah (IDR)",
    amount_hint:
        "1 sampai 10.000.000, dibuat atas nama mitra yang memegang outlet untuk pembayaran.",
    create: "Buat pembayaran",
    amount_not_number: "amount: harus bilangan bulat rupiah",
    list_title: "Transaksi QRIS",
    none: "Belum ada transaksi.",
    id: "Transaksi",
    order_id: "Id pesanan",
    status: "Status",
    created: "Dibuat",
    expiry: "Kedaluwarsa",
    settled: "Dibayar pada",
    partner: "Mitra",
    qris_string: "Muatan QRIS",
    qr_alt: "Kode QR transaksi",
    newer: "Lebih baru",
    older: "Lebih lama",
    payment: "Pembayaran",
    back: "Semua pembayaran outlet",
    payer_actions: "Sebagai pembayar",
    pay: "Bayar",
    expire: "Kedaluwarsakan",
    cancel: "Batalkan",
    not_pending: "Transaksi tidak lagi menunggu: tidak ada aksi lagi.",
    unknown_action: "action: harus pay, expire atau cancel",
    webhooks: "Webhook yang ditimbulkan",
    no_webhooks: "Belum ada pengiriman webhook untuk transaksi ini.",
    event: "Peristiwa",
    delivery: "Pengiriman",
    time_left: "tersisa",
    status_pending: "menunggu",
    status_settlement: "dibayar",
    status_expire: "kedaluwarsa",
    status_cancel: "dibatalkan",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

/// The query of the list page.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListQuery {
    /// The outlet (default: the first one).
    #[param(example = "G000012345")]
    outlet: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, example = 1)]
    page: Option<u64>,
}

/// `{id}` of a transaction.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct IdParams {
    /// The transaction id.
    #[param(example = "71839e9c-944b-40ce-bd31-8a76db666f36")]
    id: String,
}

/// The test payment form.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct CreateForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// The outlet.
    #[schema(example = "G000012345")]
    outlet: Option<String>,
    /// IDR, 1 to 10,000,000.
    #[schema(value_type = Option<i64>, example = "25000")]
    amount: Option<String>,
}

/// A payer action: `pay`, `expire` or `cancel`.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct ActionForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// `pay`, `expire` or `cancel`.
    #[schema(example = "pay")]
    action: Option<String>,
}

fn badge(w: &Words, status: PaymentStatus) -> Markup {
    let (class, label) = match status {
        PaymentStatus::Pending => ("badge wait", w.status_pending),
        PaymentStatus::Settlement => ("badge ok", w.status_settlement),
        PaymentStatus::Expire => ("badge bad", w.status_expire),
        PaymentStatus::Cancel => ("badge bad", w.status_cancel),
    };
    html! { span class=(class) data-status=(status.as_str()) { (label) } }
}

fn rupiah(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}Rp{out}", if n < 0 { "-" } else { "" })
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

/// The status and message of a service error, as the API would answer it.
fn explain(e: ServiceError) -> (StatusCode, String) {
    let api = ApiError::from(e);
    (api.status(), api.first_message())
}

/// The test payment form, also the fragment swapped in after a refused create.
fn create_form(
    user: &ConsoleUser,
    outlet_id: &str,
    amount: &str,
    amount_error: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let w = words(user.locale);
    html! {
        section #create-payment .card aria-labelledby="create-payment-title" {
            h2 #create-payment-title { (w.create_title) }
            form method="post" action="/console/payments"
                hx-post="/console/payments" hx-target="#create-payment" hx-swap="outerHTML" {
                (csrf_field(user))
                input type="hidden" name="outlet" value=(outlet_id);
                label for="payment-amount" { (w.amount) }
                input #payment-amount type="number" name="amount" min="1" max="10000000" step="1"
                    required value=(amount) aria-invalid=[amount_error.map(|_| "true")]
                    aria-describedby=(if amount_error.is_some() { "payment-amount-error payment-amount-hint" } else { "payment-amount-hint" });
                @if let Some(e) = amount_error {
                    p #payment-amount-error .field-error role="alert" { (e) }
                }
                p #payment-amount-hint .muted { (w.amount_hint) }
                @if let Some(e) = error {
                    p #create-payment-error .field-error role="alert" { (e) }
                }
                button #create-payment-submit type="submit" { (w.create) }
            }
        }
    }
}

fn outlet_picker(w: &Words, outlets: &[gobiz_domain::entities::Outlet], chosen: &str) -> Markup {
    html! {
        form.actions method="get" action="/console/payments" {
            div {
                label for="payments-outlet" { (w.outlet) }
                select #payments-outlet name="outlet" {
                    @for o in outlets {
                        option value=(o.id) selected[o.id == chosen] { (o.name) " (" (o.id) ")" }
                    }
                }
            }
            button type="submit" { (w.show) }
        }
    }
}

fn table(w: &Words, list: &[StoredTransaction]) -> Markup {
    html! {
        @if list.is_empty() {
            p #payments-empty .muted { (w.none) }
        } @else {
            div style="overflow-x:auto" {
                table #payments {
                    thead { tr {
                        th scope="col" { (w.id) } th scope="col" { (w.order_id) }
                        th scope="col" { (w.amount) } th scope="col" { (w.status) }
                        th scope="col" { (w.created) } th scope="col" { (w.expiry) }
                    } }
                    tbody {
                        @for st in list {
                            @let t = &st.transaction;
                            tr #{"payment-" (t.id())} {
                                td { a href={"/console/payments/" (t.id())} { code { (t.id()) } } }
                                td { (t.order_id()) }
                                td { (rupiah(t.gross_amount())) }
                                td { (badge(w, t.status())) }
                                td { (rfc3339_seconds(t.created_at())) }
                                td { @if t.status() == PaymentStatus::Pending { (rfc3339_seconds(st.expires_at)) } @else { "—" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An outlet's QRIS transactions and the test payment form.
#[utoipa::path(get, path = "/console/payments", tag = "Console",
    summary = "Payments of an outlet",
    description = "The outlet's QRIS transactions, newest first (20 a page), each linking to its page, and a form that creates a test payment. Without `outlet`: the first outlet.",
    params(ListQuery),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 400, description = "`page` out of range", content_type = "text/html", body = String),
        (status = 404, description = "Unknown outlet", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn list(
    State(s): State<AppState>,
    user: ConsoleUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::extract::query_pairs(q.as_deref());
    let chosen = crate::extract::pair(&pairs, "outlet").map(str::to_string);
    let page_no = crate::extract::pair(&pairs, "page").unwrap_or("1");
    let outlets = s.services.list_outlets().await?;
    let outlet_id = chosen.or_else(|| outlets.first().map(|o| o.id.clone()));
    Ok(list_page(&s, &user, &outlets, outlet_id.as_deref(), page_no, None).await)
}

/// The list page for `outlet_id`, `form` being the create form to show (after an error).
async fn list_page(
    s: &AppState,
    user: &ConsoleUser,
    outlets: &[gobiz_domain::entities::Outlet],
    outlet_id: Option<&str>,
    page_no: &str,
    form: Option<(Markup, StatusCode)>,
) -> Response {
    let w = words(user.locale);
    let Some(outlet_id) = outlet_id else {
        return page(
            user,
            Nav::Payments,
            w.title,
            html! { p #no-outlets { (w.no_outlets) } },
        );
    };
    let (body, status) = match page_no.trim().parse::<u64>() {
        Ok(n) if (1..=100_000).contains(&n) => {
            let listed = s
                .services
                .list_transactions(&OutletId::new(outlet_id), PER_PAGE, (n - 1) * PER_PAGE)
                .await;
            match listed {
                Ok(list) => {
                    let full = list.len() as u64 == PER_PAGE;
                    let (form, status) = form.unwrap_or_else(|| {
                        (create_form(user, outlet_id, "", None, None), StatusCode::OK)
                    });
                    let body = html! {
                        (outlet_picker(w, outlets, outlet_id))
                        @if !user.read_only { (form) }
                        section aria-labelledby="payments-title" {
                            h2 #payments-title { (w.list_title) }
                            (table(w, &list))
                            nav.actions aria-label=(w.list_title) {
                                @if n > 1 {
                                    a #payments-newer href={"/console/payments?outlet=" (outlet_id) "&page=" (n - 1)} { (w.newer) }
                                }
                                @if full {
                                    a #payments-older href={"/console/payments?outlet=" (outlet_id) "&page=" (n + 1)} { (w.older) }
                                }
                            }
                        }
                    };
                    (body, status)
                }
                Err(e) => {
                    let (status, message) = explain(e);
                    let body = html! {
                        (outlet_picker(w, outlets, outlet_id))
                        p #payments-error .field-error role="alert" { (message) }
                    };
                    (body, status)
                }
            }
        }
        _ => (
            html! { p #payments-error .field-error role="alert" { "page: must be an integer from 1 to 100000" } },
            StatusCode::BAD_REQUEST,
        ),
    };
    with_status(page(user, Nav::Payments, w.title, body), status)
}

/// Creates a test payment at the outlet (the partner API's create, as the partner that has
/// the outlet for `payment`).
#[utoipa::path(post, path = "/console/payments", tag = "Console",
    summary = "Create a test payment",
    request_body(content_type = "application/x-www-form-urlencoded", content = CreateForm),
    responses(
        (status = 200, description = "htmx: created, `HX-Redirect` to its page", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: to the new payment's page; no session: to sign-in"),
        (status = 400, description = "An amount that is not a whole number from 1 to 10,000,000: the form with the error next to the field", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown outlet: the form with the error", content_type = "text/html", body = String),
        (status = 409, description = "The generated order id is taken (retry)", content_type = "text/html", body = String),
        (status = 422, description = "No partner has the outlet for `payment`: the form with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn create(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: CreateForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let w = words(user.locale);
    let outlet_id = form.outlet.unwrap_or_default();
    let amount_text = form.amount.unwrap_or_default();
    let outcome = match amount_text.trim().parse::<i64>() {
        Ok(amount) => s
            .services
            .sandbox_create_transaction(&OutletId::new(outlet_id.clone()), amount)
            .await
            .map_err(explain),
        Err(_) => Err((StatusCode::BAD_REQUEST, w.amount_not_number.to_string())),
    };
    match outcome {
        Ok(t) => {
            let to = format!("/console/payments/{}", t.id());
            if user.htmx {
                let mut resp = fragment(html! { p { a href=(to) { (t.id()) } } });
                if let Ok(v) = HeaderValue::from_str(&to) {
                    resp.headers_mut().insert("hx-redirect", v);
                }
                resp
            } else {
                crate::pages::redirect(StatusCode::SEE_OTHER, &to)
            }
        }
        Err((status, message)) => {
            let (amount_error, error) = if status == StatusCode::BAD_REQUEST {
                (Some(message.as_str()), None)
            } else {
                (None, Some(message.as_str()))
            };
            let form = create_form(&user, &outlet_id, &amount_text, amount_error, error);
            if user.htmx {
                return with_status(fragment(form), status);
            }
            match s.services.list_outlets().await {
                Ok(outlets) => {
                    let shown = list_page(
                        &s,
                        &user,
                        &outlets,
                        Some(&outlet_id),
                        "1",
                        Some((form, status)),
                    )
                    .await;
                    if shown.status() == StatusCode::OK {
                        with_status(shown, status)
                    } else {
                        shown
                    }
                }
                Err(e) => ApiError::from(e).into_response(),
            }
        }
    }
}

/// The transaction card: fields, QR image, payer actions with their error, webhooks.
async fn payment_card(
    s: &AppState,
    user: &ConsoleUser,
    st: &StoredTransaction,
    error: Option<&str>,
) -> Result<Markup, ServiceError> {
    let w = words(user.locale);
    let t = &st.transaction;
    let deliveries = s
        .services
        .delivery_views(
            &DeliveryFilter {
                entity_id: Some(t.id().to_string()),
                ..Default::default()
            },
            MAX_DELIVERIES,
            0,
        )
        .await?;
    let offset_ms = s.services.clock_view().offset_seconds * 1000;
    let pending = t.status() == PaymentStatus::Pending;
    Ok(html! {
        section #payment aria-labelledby="payment-fields-title" {
            h2 #payment-fields-title { (w.payment) " " (badge(w, t.status())) }
            div.cards {
                div.card {
                    dl {
                        dt { (w.id) } dd { code #payment-id { (t.id()) } }
                        dt { (w.order_id) } dd #payment-order-id { (t.order_id()) }
                        dt { (w.outlet) } dd { a href={"/console/payments?outlet=" (t.outlet_id())} { (t.outlet_id()) } }
                        dt { (w.amount) } dd #payment-amount-value { (rupiah(t.gross_amount())) }
                        dt { (w.status) } dd #payment-status data-status=(t.status().as_str()) { (badge(w, t.status())) }
                        dt { (w.created) } dd { (rfc3339_seconds(t.created_at())) }
                        @if pending {
                            dt { (w.expiry) }
                            dd {
                                (rfc3339_seconds(st.expires_at)) " ("
                                span data-deadline=(rfc3339_seconds(st.expires_at)) data-offset-ms=(offset_ms) { "—" }
                                " " (w.time_left) ")"
                            }
                        }
                        @if let Some(at) = t.settlement_at() {
                            dt { (w.settled) } dd #payment-settled { (rfc3339_seconds(at)) }
                        }
                        dt { (w.partner) } dd { a href="/console/partners" { code { (st.partner_id) } } }
                    }
                }
                div.card {
                    img #payment-qr src={"/console/payments/" (t.id()) "/qr.png"} width="256" height="256"
                        alt=(w.qr_alt) style="max-width:100%;height:auto";
                    details {
                        summary { (w.qris_string) }
                        code style="word-break:break-all" { (t.qris_string()) }
                    }
                }
            }
            @if !user.read_only {
                h3 { (w.payer_actions) }
                @if pending {
                    div.actions {
                        @for (action, label) in [("pay", w.pay), ("expire", w.expire), ("cancel", w.cancel)] {
                            form method="post" action={"/console/payments/" (t.id()) "/actions"}
                                hx-post={"/console/payments/" (t.id()) "/actions"} hx-target="#payment" hx-swap="outerHTML" {
                                (csrf_field(user))
                                input type="hidden" name="action" value=(action);
                                button #{"payment-" (action)} type="submit" .secondary[action != "pay"] { (label) }
                            }
                        }
                    }
                } @else {
                    p.muted { (w.not_pending) }
                }
                @if let Some(e) = error {
                    p #payment-action-error .field-error role="alert" { (e) }
                }
            }
            h3 { (w.webhooks) }
            @if deliveries.is_empty() {
                p #payment-webhooks-empty .muted { (w.no_webhooks) }
            } @else {
                div style="overflow-x:auto" {
                    table #payment-webhooks {
                        thead { tr {
                            th scope="col" { (w.delivery) } th scope="col" { (w.event) }
                            th scope="col" { (w.partner) } th scope="col" { (w.status) }
                            th scope="col" { (w.created) }
                        } }
                        tbody {
                            @for d in &deliveries {
                                @let d = &d.delivery;
                                tr {
                                    td { a href={"/console/webhooks/" (d.id)} { code { (d.id) } } }
                                    td { (d.event_name) }
                                    td { code { (d.partner_id) } }
                                    td { span class={"badge " (match d.status.as_str() { "delivered" => "ok", "dead" => "bad", _ => "wait" })} { (d.status) } }
                                    td { (rfc3339_seconds(d.created_at)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

async fn detail_page(
    s: &AppState,
    user: &ConsoleUser,
    id: &str,
    error: Option<(&str, StatusCode)>,
) -> Response {
    let w = words(user.locale);
    let title = format!("{} {}", w.payment, id.chars().take(8).collect::<String>());
    let st = match s.services.sandbox_transaction(id).await {
        Ok(st) => st,
        Err(e) => {
            let (status, message) = explain(e);
            let body = html! {
                p #payment-error .field-error role="alert" { (message) }
                p { a href="/console/payments" { (w.title) } }
            };
            return with_status(page(user, Nav::Payments, &title, body), status);
        }
    };
    let card = match payment_card(s, user, &st, error.map(|(e, _)| e)).await {
        Ok(card) => card,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let body = html! {
        p { a href={"/console/payments?outlet=" (st.transaction.outlet_id())} { "← " (w.back) } }
        (card)
    };
    with_status(
        page(user, Nav::Payments, &title, body),
        error.map(|(_, s)| s).unwrap_or(StatusCode::OK),
    )
}

/// One transaction: its fields, QR image, payer actions and the webhooks it caused.
#[utoipa::path(get, path = "/console/payments/{id}", tag = "Console",
    summary = "A payment",
    description = "A QRIS transaction with its QR image, \"pay\" / \"expire\" / \"cancel\" as the payer would while it is pending, and the webhook deliveries it caused, each linking to its page.",
    params(IdParams),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown transaction", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn detail(State(s): State<AppState>, user: ConsoleUser, Path(id): Path<String>) -> Response {
    detail_page(&s, &user, &id, None).await
}

/// The QR image of a transaction, drawn like `GET /transactions/{id}/qr-code` (which needs a
/// partner token, so an `<img>` cannot use it).
#[utoipa::path(get, path = "/console/payments/{id}/qr.png", tag = "Console",
    summary = "A payment's QR image",
    params(IdParams),
    responses(
        (status = 200, description = "The QR code, at least 256 × 256 pixels", content_type = "image/png", body = Vec<u8>),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown transaction", content_type = "text/plain", body = String),
        (status = 500, description = "The image could not be drawn", content_type = "application/json", body = crate::envelope::Failure),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn qr_png(State(s): State<AppState>, _user: ConsoleUser, Path(id): Path<String>) -> Response {
    let st = match s.services.sandbox_transaction(&id).await {
        Ok(st) => st,
        Err(e @ ServiceError::NotFound(_)) => {
            return session::refusal(StatusCode::NOT_FOUND, &ApiError::from(e).first_message())
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    match crate::qr::png(st.transaction.qris_string()) {
        Ok(png) => {
            let mut resp = (StatusCode::OK, png).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "QR rendering failed");
            ApiError::internal().into_response()
        }
    }
}

/// "Pay", "expire" or "cancel" a pending transaction as the payer would (the services of
/// `POST /sandbox/v1/payments/pay` and `/sandbox/v1/transactions/{id}/expire|cancel`).
#[utoipa::path(post, path = "/console/payments/{id}/actions", tag = "Console",
    summary = "Pay, expire or cancel a payment",
    params(IdParams),
    request_body(content_type = "application/x-www-form-urlencoded", content = ActionForm),
    responses(
        (status = 200, description = "htmx: the payment card", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the payment; no session: to sign-in"),
        (status = 400, description = "An unknown action: the card with the error", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown transaction", content_type = "text/html", body = String),
        (status = 409, description = "The transaction is not pending (or has just expired): the card with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn act(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: ActionForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let w = words(user.locale);
    let outcome = match form.action.as_deref() {
        Some("pay") => s.services.pay(Some(&id), None).await.map(|_| ()),
        Some("expire") => s
            .services
            .end_transaction(&id, Ending::Expire)
            .await
            .map(|_| ()),
        Some("cancel") => s
            .services
            .end_transaction(&id, Ending::Cancel)
            .await
            .map(|_| ()),
        _ => Err(ServiceError::invalid(
            "action",
            "must be pay, expire or cancel",
        )),
    };
    let error = match outcome {
        Ok(()) if !user.htmx => {
            return crate::pages::redirect(
                StatusCode::SEE_OTHER,
                &format!("/console/payments/{id}"),
            )
        }
        Ok(()) => None,
        Err(ServiceError::Invalid(_)) => {
            Some((w.unknown_action.to_string(), StatusCode::BAD_REQUEST))
        }
        Err(e) => {
            let (status, message) = explain(e);
            Some((message, status))
        }
    };
    if !user.htmx {
        return match &error {
            Some((e, status)) => detail_page(&s, &user, &id, Some((e, *status))).await,
            None => detail_page(&s, &user, &id, None).await,
        };
    }
    let st = match s.services.sandbox_transaction(&id).await {
        Ok(st) => st,
        Err(e) => {
            let (status, message) = explain(e);
            return with_status(
                fragment(
                    html! { section #payment { p #payment-action-error .field-error role="alert" { (message) } } },
                ),
                status,
            );
        }
    };
    let message = error.as_ref().map(|(e, _)| e.as_str());
    match payment_card(&s, &user, &st, message).await {
        Ok(card) => with_status(
            fragment(card),
            error.map(|(_, st)| st).unwrap_or(StatusCode::OK),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}
