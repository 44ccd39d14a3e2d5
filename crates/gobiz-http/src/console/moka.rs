//! MokaPOS: an outlet's sales summary for a range of days (the same code as the partner
//! sales-summary and item-sales reports), a chart of gross and net sales per day drawn here
//! as SVG, the top items, and the demo sales generator of
//! `POST /sandbox/v1/outlets/{id}/moka/generate`.

use crate::console::session;
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::goauth::Locale;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::sandbox::moka::GenerateRequest;
use gobiz_services::sandbox::{MokaDay, MokaRangeReport};
use gobiz_services::ServiceError;
use maud::{html, Markup, PreEscaped};
use std::fmt::Write as _;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(generate))
}

/// Days are Jakarta days (WIB, UTC+7).
const OFFSET_MS: i64 = 7 * 3_600_000;
const OFFSET: &str = "+07:00";
/// Items shown in the top list.
const TOP_ITEMS: usize = 10;

struct Words {
    title: &'static str,
    outlet: &'static str,
    from: &'static str,
    to: &'static str,
    show: &'static str,
    no_outlets: &'static str,
    date_format: &'static str,
    summary: &'static str,
    gross: &'static str,
    net: &'static str,
    refunds: &'static str,
    redemptions: &'static str,
    discounts: &'static str,
    items_sold: &'static str,
    chart: &'static str,
    chart_desc: &'static str,
    day: &'static str,
    chart_data: &'static str,
    top_items: &'static str,
    no_items: &'static str,
    item: &'static str,
    category: &'static str,
    generate_title: &'static str,
    generate_intro: &'static str,
    count: &'static str,
    seed: &'static str,
    generate: &'static str,
    generating: &'static str,
    not_number: &'static str,
}

const EN: Words = Words {
    title: "MokaPOS",
    outlet: "Outlet",
    from: "From",
    to: "To",
    show: "Show",
    no_outlets: "No outlets yet: create one on the Outlets page.",
    date_format: "must be a date, YYYY-MM-DD",
    summary: "Sales summary",
    gross: "Gross sales",
    net: "Net sales",
    refunds: "Refunds",
    redemptions: "Redemptions",
    discounts: "Discounts",
    items_sold: "Items sold",
    chart: "Gross and net sales per day",
    chart_desc: "Line chart of gross and net sales in rupiah for each day",
    day: "Day (WIB)",
    chart_data: "The figures of the chart",
    top_items: "Top items by net sales",
    no_items: "No sales in this range.",
    item: "Item",
    category: "Category",
    generate_title: "Generate demo sales",
    generate_intro:
        "Random but reproducible sales over the range (the same request gives the same sales).",
    count: "Number of sales",
    seed: "Seed",
    generate: "Generate",
    generating: "Generating sales…",
    not_number: "must be a whole number",
};

const ID: Words = Words {
    title: "MokaPOS",
    outlet: "Outlet",
    from: "Dari",
    to: "Sampai",
    show: "Tampilkan",
    no_outlets: "Belum ada outlet: buat di halaman Outlet.",
    date_format: "harus tanggal, YYYY-MM-DD",
    summary: "Ringkasan penjualan",
    gross: "Penjualan kotor",
    net: "Penjualan bersih",
    refunds: "Pengembalian dana",
    redemptions: "Penukaran",
    discounts: "Diskon",
    items_sold: "Item terjual",
    chart: "Penjualan kotor dan bersih per hari",
    chart_desc: "Grafik garis penjualan kotor dan bersih dalam rupiah untuk setiap hari",
    day: "Hari (WIB)",
    chart_data: "Angka grafik",
    top_items: "Item teratas menurut penjualan bersih",
    no_items: "Tidak ada penjualan dalam rentang ini.",
    item: "Item",
    category: "Kategori",
    generate_title: "Buat penjualan demo",
    generate_intro: "Penjualan acak tetapi dapat diulang dalam rentang (permintaan yang sama menghasilkan penjualan yang sama).",
    count: "Jumlah penjualan",
    seed: "Benih acak",
    generate: "Buat",
    generating: "Membuat penjualan…",
    not_number: "harus bilangan bulat",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

/// The query of the report page.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ReportQuery {
    /// The outlet (default: the first one).
    #[param(example = "G000012345")]
    outlet: Option<String>,
    /// First day, `YYYY-MM-DD` in WIB (default: 13 days before `to`).
    #[param(example = "2024-04-01")]
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` in WIB, at most 366 days after `from` (default: today on the
    /// sandbox clock).
    #[param(example = "2024-04-14")]
    to: Option<String>,
}

/// The generator form.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct GenerateForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// The outlet.
    #[schema(example = "G000012345")]
    outlet: Option<String>,
    /// Number of sales, 1 to 100,000.
    #[schema(value_type = Option<i64>, example = "500")]
    count: Option<String>,
    /// First day, `YYYY-MM-DD` (WIB).
    #[schema(example = "2024-04-01")]
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (WIB).
    #[schema(example = "2024-04-14")]
    to: Option<String>,
    /// Seed of the random generator, an integer ≥ 0 (default 0).
    #[schema(value_type = Option<i64>, example = "0")]
    seed: Option<String>,
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

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

/// Field errors of a form: (field, message).
type FieldErrors = Vec<(&'static str, String)>;

fn field_error(errors: &FieldErrors, field: &str) -> Option<String> {
    let found: Vec<&str> = errors
        .iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join("; "))
}

/// Sorts a service error's messages onto the form's fields (`from`, `to`, `count`, `seed`;
/// anything else on `general`), with the status the API would answer.
fn spread(e: ServiceError, fields: &[&'static str]) -> (StatusCode, FieldErrors) {
    let api = ApiError::from(e);
    let status = api.status();
    let mut out = FieldErrors::new();
    for m in api.body().errors {
        let message = m.message.clone();
        let field = fields
            .iter()
            .find(|f| {
                message.starts_with(&format!("{f}:")) || message.starts_with(&format!("{f} "))
            })
            .copied()
            .unwrap_or("general");
        out.push((field, message));
    }
    (status, out)
}

fn field(
    id: &str,
    name: &'static str,
    label: &str,
    kind: &str,
    value: &str,
    errors: &FieldErrors,
) -> Markup {
    let error = field_error(errors, name);
    let error_id = format!("{id}-error");
    html! {
        div {
            label for=(id) { (label) }
            input id=(id) type=(kind) name=(name) value=(value)
                aria-invalid=[error.as_ref().map(|_| "true")]
                aria-describedby=[error.as_ref().map(|_| error_id.as_str())];
            @if let Some(e) = error {
                p id=(error_id) .field-error role="alert" { (e) }
            }
        }
    }
}

/// The chart: gross and net per day as two lines, with labelled axes.
fn chart(w: &Words, days: &[MokaDay], from: &str, to: &str) -> Markup {
    let (width, height) = (720.0_f64, 280.0_f64);
    let (left, right, top, bottom) = (90.0, 16.0, 16.0, 56.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let max = days
        .iter()
        .map(|d| d.gross.max(d.net))
        .max()
        .unwrap_or(0)
        .max(1);
    let min = days.iter().map(|d| d.net.min(0)).min().unwrap_or(0);
    let span = (max - min).max(1) as f64;
    let n = days.len().max(1);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let x = |i: usize| {
        round(if n == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (n - 1) as f64
        })
    };
    let y = |v: i64| round(top + plot_h * (1.0 - (v - min) as f64 / span));
    let points = |f: &dyn Fn(&MokaDay) -> i64| {
        let mut s = String::new();
        for (i, d) in days.iter().enumerate() {
            let _ = write!(s, "{:.1},{:.1} ", x(i), y(f(d)));
        }
        s
    };
    let best = days.iter().max_by_key(|d| d.gross);
    let total_gross: i64 = days.iter().map(|d| d.gross).sum();
    let total_net: i64 = days.iter().map(|d| d.net).sum();
    let desc = match best {
        Some(b) if b.gross > 0 => format!(
            "{} {from} – {to}: {} {}, {} {}; max {} {} ({}).",
            w.chart_desc,
            w.gross,
            rupiah(total_gross),
            w.net,
            rupiah(total_net),
            w.gross,
            rupiah(b.gross),
            b.date
        ),
        _ => format!("{} {from} – {to}: {}", w.chart_desc, w.no_items),
    };
    let ticks = [min, min + (max - min) / 2, max];
    let label_every = n.div_ceil(8).max(1);
    let gross_points = points(&|d| d.gross);
    let net_points = points(&|d| d.net);
    html! {
        figure #moka-chart style="margin:12px 0" {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (width) " " (height)}
                width="100%" role="img" aria-labelledby="moka-chart-title moka-chart-desc"
                style="max-width:720px;height:auto;font-family:sans-serif" {
                title #moka-chart-title { (w.chart) }
                desc #moka-chart-desc { (desc) }
                // Axes.
                line x1=(left) y1=(top) x2=(left) y2=(top + plot_h) stroke="#555" {}
                line x1=(left) y1=(top + plot_h) x2=(left + plot_w) y2=(top + plot_h) stroke="#555" {}
                @for t in ticks {
                    line x1=(left - 4.0) y1=(y(t)) x2=(left + plot_w) y2=(y(t)) stroke="#e3e7e4" {}
                    text x=(left - 8.0) y=(y(t) + 4.0) text-anchor="end" font-size="11" fill="#333" { (rupiah(t)) }
                }
                @for (i, d) in days.iter().enumerate() {
                    @if i % label_every == 0 || (i + 1 == days.len() && i % label_every > label_every / 2) {
                        line x1=(x(i)) y1=(top + plot_h) x2=(x(i)) y2=(top + plot_h + 4.0) stroke="#555" {}
                        text x=(x(i)) y=(top + plot_h + 18.0) text-anchor="middle" font-size="10" fill="#333" { (d.date.get(5..).unwrap_or(&d.date)) }
                    }
                }
                text #moka-chart-x-label x=(left + plot_w / 2.0) y=(height - 8.0) text-anchor="middle" font-size="12" fill="#333" { (w.day) }
                text #moka-chart-y-label x="14" y=(top + plot_h / 2.0) text-anchor="middle" font-size="12" fill="#333"
                    transform={"rotate(-90 14 " (top + plot_h / 2.0) ")"} { "IDR" }
                polyline #moka-chart-gross points=(gross_points) fill="none" stroke="#00aa13" stroke-width="2" {
                    title { (w.gross) }
                }
                polyline #moka-chart-net points=(net_points) fill="none" stroke="#0b3d12" stroke-width="2" stroke-dasharray="5 3" {
                    title { (w.net) }
                }
                @if days.len() <= 62 {
                    @for (i, d) in days.iter().enumerate() {
                        circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(d.gross))) r="3" fill="#00aa13" {
                            title { (d.date) " " (w.gross) ": " (rupiah(d.gross)) }
                        }
                        circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(d.net))) r="3" fill="#0b3d12" {
                            title { (d.date) " " (w.net) ": " (rupiah(d.net)) }
                        }
                    }
                }
            }
            figcaption.muted {
                span style="color:#00aa13" { (PreEscaped("&#9473;")) } " " (w.gross) "  "
                span style="color:#0b3d12" { (PreEscaped("&#9476;")) } " " (w.net)
            }
            details {
                summary { (w.chart_data) }
                div style="overflow-x:auto" {
                    table #moka-days {
                        thead { tr { th scope="col" { (w.day) } th scope="col" { (w.gross) } th scope="col" { (w.net) } } }
                        tbody {
                            @for d in days {
                                tr { td { (d.date) } td { (rupiah(d.gross)) } td { (rupiah(d.net)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn results(w: &Words, r: &MokaRangeReport, from: &str, to: &str) -> Markup {
    let s = r.summary.sales_summary.first();
    let mut top: Vec<_> = r.items.item_sales.iter().collect();
    top.sort_by(|a, b| b.net_sales.cmp(&a.net_sales).then(a.name.cmp(&b.name)));
    top.truncate(TOP_ITEMS);
    html! {
        section aria-labelledby="moka-summary-title" {
            h2 #moka-summary-title { (w.summary) " " span.muted { (from) " – " (to) } }
            div.cards #moka-summary {
                div.card { div.n #moka-gross { (rupiah(s.map(|s| s.gross_amount).unwrap_or(0))) } (w.gross) }
                div.card { div.n #moka-net { (rupiah(r.items.total_net_sales)) } (w.net) }
                div.card { div.n #moka-refunds { (rupiah(s.map(|s| s.refund).unwrap_or(0))) } (w.refunds) }
                div.card { div.n #moka-redemptions { (rupiah(s.map(|s| s.redemption).unwrap_or(0))) } (w.redemptions) }
                div.card { div.n #moka-discounts { (rupiah(r.items.total_discounts)) } (w.discounts) }
                div.card { div.n #moka-items-sold { (r.items.total_item_sold) } (w.items_sold) }
            }
            (chart(w, &r.days, from, to))
        }
        section aria-labelledby="moka-top-title" {
            h2 #moka-top-title { (w.top_items) }
            @if top.is_empty() {
                p #moka-no-items .muted { (w.no_items) }
            } @else {
                div style="overflow-x:auto" {
                    table #moka-top-items {
                        thead { tr {
                            th scope="col" { (w.item) } th scope="col" { (w.category) }
                            th scope="col" { (w.items_sold) } th scope="col" { (w.gross) }
                            th scope="col" { (w.net) }
                        } }
                        tbody {
                            @for i in top {
                                tr { td { (i.name) } td { (i.category_name) } td { (i.item_sold) }
                                     td { (rupiah(i.gross_sales)) } td { (rupiah(i.net_sales)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The generator form, also the fragment swapped in after a refused generation.
fn generate_form(user: &ConsoleUser, values: &GenerateForm, errors: &FieldErrors) -> Markup {
    let w = words(user.locale);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    html! {
        section #moka-generate .card aria-labelledby="moka-generate-title" {
            h2 #moka-generate-title { (w.generate_title) }
            p.muted { (w.generate_intro) }
            form.actions method="post" action="/console/moka/generate"
                hx-post="/console/moka/generate" hx-target="#moka-generate" hx-swap="outerHTML"
                hx-indicator="#moka-generate-progress" hx-disabled-elt="find button" {
                (csrf_field(user))
                input type="hidden" name="outlet" value=(v(&values.outlet));
                (field("generate-count", "count", w.count, "number", &v(&values.count), errors))
                (field("generate-from", "from", w.from, "date", &v(&values.from), errors))
                (field("generate-to", "to", w.to, "date", &v(&values.to), errors))
                (field("generate-seed", "seed", w.seed, "number", &v(&values.seed), errors))
                button #moka-generate-submit type="submit" { (w.generate) }
            }
            p #moka-generate-progress .htmx-indicator role="status" {
                (w.generating) " " progress aria-label=(w.generating) {}
            }
            @if let Some(e) = field_error(errors, "general") {
                p #moka-generate-error .field-error role="alert" { (e) }
            }
        }
    }
}

/// The sandbox clock's date in WIB.
fn today(s: &AppState) -> String {
    rfc3339_seconds(s.services.clock_view().now + OFFSET_MS)
        .chars()
        .take(10)
        .collect()
}

/// The first day of a default range ending `to` (14 days).
fn two_weeks_before(to: &str) -> String {
    gobiz_domain::timefmt::parse_rfc3339(&format!("{to}T00:00:00Z"))
        .map(|t| {
            rfc3339_seconds(t - 13 * 86_400_000)
                .chars()
                .take(10)
                .collect()
        })
        .unwrap_or_else(|| to.to_string())
}

/// The MokaPOS page of an outlet for a range of days.
#[utoipa::path(get, path = "/console/moka", tag = "Console",
    summary = "MokaPOS sales of an outlet",
    description = "The sales summary and item sales of the outlet for a range of days (WIB), a chart of gross and net sales per day (SVG), the top items, and the demo sales generator. Defaults: the first outlet, the last 14 days of the sandbox clock.",
    params(ReportQuery),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 400, description = "A date that is not `YYYY-MM-DD`, `to` before `from` or more than 366 days after it: the form with the error next to the field", content_type = "text/html", body = String),
        (status = 404, description = "Unknown outlet", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn report(
    State(s): State<AppState>,
    user: ConsoleUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let pairs = crate::extract::query_pairs(q.as_deref());
    let get = |k: &str| {
        crate::extract::pair(&pairs, k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let outlets = s.services.list_outlets().await?;
    let Some(outlet_id) = get("outlet").or_else(|| outlets.first().map(|o| o.id.clone())) else {
        return Ok(page(
            &user,
            Nav::Moka,
            w.title,
            html! { p #no-outlets { (w.no_outlets) } },
        ));
    };
    let to = get("to").unwrap_or_else(|| today(&s));
    let from = get("from").unwrap_or_else(|| two_weeks_before(&to));
    let mut errors = FieldErrors::new();
    for (name, value) in [("from", &from), ("to", &to)] {
        if !is_date(value) {
            errors.push((name, format!("{name}: {}", w.date_format)));
        }
    }
    let mut status = StatusCode::OK;
    let mut shown = html! {};
    if errors.is_empty() {
        match s
            .services
            .sandbox_moka_report(
                &outlet_id,
                &format!("{from}T00:00:00{OFFSET}"),
                &format!("{to}T23:59:59.999{OFFSET}"),
                OFFSET_MS,
            )
            .await
        {
            Ok(r) => shown = results(w, &r, &from, &to),
            Err(e) => {
                let (st, errs) = spread(e, &["from", "to"]);
                status = st;
                errors = errs;
            }
        }
    } else {
        status = StatusCode::BAD_REQUEST;
    }
    let generate_values = GenerateForm {
        outlet: Some(outlet_id.clone()),
        count: Some("500".into()),
        from: Some(from.clone()),
        to: Some(to.clone()),
        ..GenerateForm::default()
    };
    let body = html! {
        form.actions #moka-range method="get" action="/console/moka" {
            div {
                label for="moka-outlet" { (w.outlet) }
                select #moka-outlet name="outlet" {
                    @for o in &outlets {
                        option value=(o.id) selected[o.id == outlet_id] { (o.name) " (" (o.id) ")" }
                    }
                }
            }
            (field("moka-from", "from", w.from, "date", &from, &errors))
            (field("moka-to", "to", w.to, "date", &to, &errors))
            button type="submit" { (w.show) }
        }
        @if let Some(e) = field_error(&errors, "general") {
            p #moka-error .field-error role="alert" { (e) }
        }
        (shown)
        @if !user.read_only {
            (generate_form(&user, &generate_values, &FieldErrors::new()))
        }
    };
    Ok(with_status(page(&user, Nav::Moka, w.title, body), status))
}

/// Generates demo sales at the outlet (the service of
/// `POST /sandbox/v1/outlets/{id}/moka/generate`), then shows the report of their range.
#[utoipa::path(post, path = "/console/moka/generate", tag = "Console",
    summary = "Generate demo MokaPOS sales",
    request_body(content_type = "application/x-www-form-urlencoded", content = GenerateForm),
    responses(
        (status = 200, description = "htmx: generated, `HX-Redirect` to the report of the range", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: to the report of the range; no session: to sign-in"),
        (status = 400, description = "A count, seed or date out of range: the form with the error next to the field", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown outlet: the form with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn generate(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: GenerateForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let w = words(user.locale);
    let outlet_id = form.outlet.clone().unwrap_or_default();
    let text = |o: &Option<String>| o.as_deref().map(str::trim).unwrap_or("").to_string();
    let (from, to) = (text(&form.from), text(&form.to));
    let mut errors = FieldErrors::new();
    let mut number = |name: &'static str, value: &str, required: bool| -> Option<i64> {
        if value.is_empty() && !required {
            return None;
        }
        match value.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((name, format!("{name}: {}", w.not_number)));
                None
            }
        }
    };
    let count = number("count", &text(&form.count), true);
    let seed = number("seed", &text(&form.seed), false);
    for (name, value) in [("from", &from), ("to", &to)] {
        if !is_date(value) {
            errors.push((name, format!("{name}: {}", w.date_format)));
        }
    }
    let status = if errors.is_empty() {
        let req = GenerateRequest {
            count,
            from: Some(format!("{from}T00:00:00{OFFSET}")),
            to: Some(format!("{to}T23:59:59{OFFSET}")),
            seed,
        };
        match s.services.generate_moka_sales(&outlet_id, req).await {
            Ok(_) => {
                let to_page = format!(
                    "/console/moka?outlet={}&from={from}&to={to}",
                    percent_encoding::utf8_percent_encode(
                        &outlet_id,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                );
                if !user.htmx {
                    return crate::pages::redirect(StatusCode::SEE_OTHER, &to_page);
                }
                let mut resp = fragment(html! { p { a href=(to_page) { (w.show) } } });
                if let Ok(v) = HeaderValue::from_str(&to_page) {
                    resp.headers_mut().insert("hx-redirect", v);
                }
                return resp;
            }
            Err(e) => {
                let (status, errs) = spread(e, &["count", "seed", "from", "to"]);
                errors = errs;
                status
            }
        }
    } else {
        StatusCode::BAD_REQUEST
    };
    let card = generate_form(&user, &form, &errors);
    if user.htmx {
        return with_status(fragment(card), status);
    }
    with_status(page(&user, Nav::Moka, w.generate_title, card), status)
}
