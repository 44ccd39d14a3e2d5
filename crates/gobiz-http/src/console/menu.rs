//! An outlet's menu as a customer sees it — categories, items, variants, prices, promotion
//! prices, stock — read from the same read model as `GET /sandbox/v1/outlets/{id}/catalog`;
//! stock toggles (the sandbox's stock services), and a "place test order" form built from
//! the menu that goes through the order simulator of `POST /sandbox/v1/outlets/{id}/orders`.

use crate::console::outlets::{
    described, field_errors, go_to, outlet_or_page, with_status, Errors, OutletPath,
};
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::catalog::{
    CatalogReadMenuItem, CatalogReadModel, CatalogReadVariantCategory, StockBody, StockChange,
    StockTarget,
};
use gobiz_domain::entities::Outlet;
use gobiz_domain::goauth::Locale;
use gobiz_services::sandbox::PromoPrice;
use gobiz_services::simulators::customer::{
    NewOrder, NewOrderItem, OrderCustomer, OrderVariantRef,
};
use maud::{html, Markup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(stock))
        .routes(routes!(test_order))
}

// ---- Words ----

struct Words {
    menu_of: &'static str,
    back: &'static str,
    no_catalog: &'static str,
    item: &'static str,
    price: &'static str,
    stock: &'static str,
    variants: &'static str,
    in_stock: &'static str,
    out_of_stock: &'static str,
    set_out: &'static str,
    set_in: &'static str,
    promo: &'static str,
    categories: &'static str,
    choose: &'static str,
    to: &'static str,
    none: &'static str,
    order_title: &'static str,
    order_intro: &'static str,
    order_type: &'static str,
    delivery: &'static str,
    pickup: &'static str,
    customer: &'static str,
    quantity: &'static str,
    place: &'static str,
    order_refused: &'static str,
}

const EN: Words = Words {
    menu_of: "Menu of",
    back: "Back to the outlet",
    no_catalog: "This outlet has no catalog yet: a partner sets it (PUT /integrations/gofood/outlets/{outlet_id}/v1/catalog) or the merchant (PUT /sandbox/v1/outlets/{outlet_id}/catalog).",
    item: "Item",
    price: "Price",
    stock: "Stock",
    variants: "Variants",
    in_stock: "In stock",
    out_of_stock: "Out of stock",
    set_out: "Mark out of stock",
    set_in: "Mark in stock",
    promo: "promo",
    categories: "Variant categories",
    choose: "choose",
    to: "to",
    none: "None",
    order_title: "Place a test order",
    order_intro: "As a GoFood customer: the order simulator prices it, applies promotions and sends its webhooks.",
    order_type: "Order type",
    delivery: "Delivery",
    pickup: "Pickup",
    customer: "Customer name",
    quantity: "Quantity",
    place: "Place test order",
    order_refused: "The simulator refused the order:",
};

const ID: Words = Words {
    menu_of: "Menu",
    back: "Kembali ke outlet",
    no_catalog: "Outlet ini belum punya katalog: mitra mengaturnya (PUT /integrations/gofood/outlets/{outlet_id}/v1/catalog) atau merchant (PUT /sandbox/v1/outlets/{outlet_id}/catalog).",
    item: "Item",
    price: "Harga",
    stock: "Stok",
    variants: "Varian",
    in_stock: "Tersedia",
    out_of_stock: "Habis",
    set_out: "Tandai habis",
    set_in: "Tandai tersedia",
    promo: "promo",
    categories: "Kategori varian",
    choose: "pilih",
    to: "sampai",
    none: "Tidak ada",
    order_title: "Buat pesanan uji",
    order_intro: "Sebagai pelanggan GoFood: simulator pesanan menghitung harga, menerapkan promo dan mengirim webhook.",
    order_type: "Jenis pesanan",
    delivery: "Antar",
    pickup: "Ambil sendiri",
    customer: "Nama pelanggan",
    quantity: "Jumlah",
    place: "Buat pesanan uji",
    order_refused: "Simulator menolak pesanan:",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

/// `Rp 12.500`.
fn rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("Rp {sign}{out}")
}

// ---- Reading the menu ----

/// What the menu page shows: the read model and the promotion prices of now.
struct Menu {
    catalog: CatalogReadModel,
    promos: Vec<PromoPrice>,
}

impl Menu {
    fn promo(&self, item: &CatalogReadMenuItem) -> Option<&PromoPrice> {
        self.promos
            .iter()
            .find(|p| p.external_menu_id == item.external_id)
    }

    fn categories_of<'a>(
        &'a self,
        item: &'a CatalogReadMenuItem,
    ) -> impl Iterator<Item = &'a CatalogReadVariantCategory> + 'a {
        item.variant_category_ids.iter().filter_map(|id| {
            self.catalog
                .variant_categories
                .iter()
                .find(|vc| &vc.id == id)
        })
    }
}

async fn read_menu(s: &AppState, outlet_id: &str) -> Result<Menu, ApiError> {
    let json = s.services.sandbox_catalog(outlet_id).await?;
    let catalog: CatalogReadModel = serde_json::from_str(&json).map_err(|e| {
        ApiError::from(gobiz_services::ServiceError::Internal(format!(
            "the catalog read model does not parse: {e}"
        )))
    })?;
    let promos = s.services.promo_prices_now(outlet_id).await?;
    Ok(Menu { catalog, promos })
}

fn stock_badge(w: &Words, in_stock: bool) -> Markup {
    html! {
        @if in_stock { span.badge.ok { (w.in_stock) } } @else { span.badge.bad { (w.out_of_stock) } }
    }
}

fn stock_button(
    user: &ConsoleUser,
    o: &Outlet,
    target: &str,
    id: &str,
    name: &str,
    in_stock: bool,
) -> Markup {
    let w = words(user.locale);
    let action = format!("/console/outlets/{}/menu/stock", o.id);
    let label = if in_stock { w.set_out } else { w.set_in };
    html! {
        @if !user.read_only {
            form method="post" action=(action)
                hx-post=(action) hx-target="#catalog" hx-swap="outerHTML" {
                (csrf_field(user))
                input type="hidden" name="target" value=(target);
                input type="hidden" name="id" value=(id);
                input type="hidden" name="in_stock" value=(!in_stock);
                button.secondary type="submit" id=(format!("stock-{target}-{id}"))
                    aria-label=(format!("{label}: {name}")) { (label) }
            }
        }
    }
}

fn price_cell(w: &Words, menu: &Menu, item: &CatalogReadMenuItem) -> Markup {
    html! {
        @if let Some(p) = menu.promo(item) {
            del.muted { (rupiah(item.price)) } " "
            strong.promo-price data-price=(p.selling_price) { (rupiah(p.selling_price)) } " "
            span.badge.wait { (w.promo) }
        } @else {
            span data-price=(item.price) { (rupiah(item.price)) }
        }
    }
}

fn rules(w: &Words, vc: &CatalogReadVariantCategory) -> String {
    let min = vc.rules.selection.min_quantity;
    let max = vc
        .rules
        .selection
        .max_quantity
        .unwrap_or(vc.variants.len() as i64);
    if min == max {
        format!("{} {min}", w.choose)
    } else {
        format!("{} {min} {} {max}", w.choose, w.to)
    }
}

/// The catalog card (the fragment the stock buttons swap in).
fn catalog_card(user: &ConsoleUser, o: &Outlet, menu: &Menu, errors: &Errors) -> Markup {
    let w = words(user.locale);
    let general = errors.other(&[]);
    html! {
        section #catalog .card aria-labelledby="catalog-title" {
            h2 #catalog-title { (w.menu_of) " " (o.name) }
            (field_errors("catalog", &general))
            @if menu.catalog.menus.is_empty() {
                p.muted #no-catalog { (w.no_catalog) }
            }
            @for m in &menu.catalog.menus {
                h3 { (m.name) }
                div style="overflow-x:auto" {
                    table.menu {
                        thead { tr {
                            th scope="col" { (w.item) } th scope="col" { (w.price) }
                            th scope="col" { (w.variants) } th scope="col" { (w.stock) }
                        } }
                        tbody {
                            @for item in &m.menu_items {
                                tr.item id=(format!("item-{}", item.id)) data-external-id=(item.external_id)
                                    data-in-stock=(item.in_stock) {
                                    td {
                                        strong { (item.name) }
                                        @if let Some(d) = &item.description { br; span.muted { (d) } }
                                        br; code.muted { (item.external_id) }
                                    }
                                    td { (price_cell(w, menu, item)) }
                                    td {
                                        @for vc in menu.categories_of(item) {
                                            div { (vc.name) " " span.muted { "(" (rules(w, vc)) ")" } }
                                        }
                                    }
                                    td {
                                        (stock_badge(w, item.in_stock))
                                        (stock_button(user, o, "item", &item.id, &item.name, item.in_stock))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !menu.catalog.variant_categories.is_empty() {
                h3 { (w.categories) }
                @for vc in &menu.catalog.variant_categories {
                    h4 id=(format!("category-{}", vc.id)) { (vc.name) " " span.muted { "(" (rules(w, vc)) ")" } }
                    div style="overflow-x:auto" {
                        table.variants {
                            tbody {
                                @for v in &vc.variants {
                                    tr.variant id=(format!("variant-{}", v.id)) data-external-id=(v.external_id)
                                        data-in-stock=(v.in_stock) {
                                        td { (v.name) br; code.muted { (v.external_id) } }
                                        td { "+" (rupiah(v.price)) }
                                        td {
                                            (stock_badge(w, v.in_stock))
                                            (stock_button(user, o, "variant", &v.id, &v.name, v.in_stock))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---- The test order form ----

/// What a test order form sent, kept to show it again with its errors.
#[derive(Debug, Default)]
struct Sent {
    csrf: Option<String>,
    order_type: Option<String>,
    customer_name: Option<String>,
    /// (item id, quantity as typed) of the ticked items, in form order.
    items: Vec<(String, String)>,
    /// (item id, variant id) of the chosen variants.
    variants: Vec<(String, String)>,
}

impl Sent {
    fn parse(body: &[u8]) -> Sent {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        let mut sent = Sent::default();
        let mut quantities: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => sent.csrf = Some(v),
                "order_type" => sent.order_type = Some(v),
                "customer_name" => sent.customer_name = Some(v),
                "item" => {
                    if !sent.items.iter().any(|(i, _)| *i == v) {
                        sent.items.push((v, String::new()));
                    }
                }
                _ => {
                    if let Some(item) = k.strip_prefix("qty.") {
                        quantities.push((item.to_string(), v));
                    } else if let Some(rest) = k.strip_prefix("var.") {
                        let item = rest.split('.').next().unwrap_or("").to_string();
                        if !v.is_empty() {
                            sent.variants.push((item, v));
                        }
                    }
                }
            }
        }
        for (item, q) in sent.items.iter_mut() {
            *q = quantities
                .iter()
                .find(|(i, _)| i == item)
                .map(|(_, q)| q.clone())
                .unwrap_or_else(|| "1".into());
        }
        sent
    }

    fn ticked(&self, item: &str) -> bool {
        self.items.iter().any(|(i, _)| i == item)
    }

    fn quantity(&self, item: &str) -> String {
        self.items
            .iter()
            .find(|(i, _)| i == item)
            .map(|(_, q)| q.clone())
            .unwrap_or_else(|| "1".into())
    }

    fn chose(&self, item: &str, variant: &str) -> bool {
        self.variants.iter().any(|(i, v)| i == item && v == variant)
    }
}

/// The test order form's fields. The form is built from the menu, so its item fields are
/// named after the items' GoBiz ids.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct TestOrderForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// `delivery` or `pickup`.
    #[schema(example = "delivery")]
    order_type: Option<String>,
    /// The customer's name, 1 to 100 characters (empty: `GoFood Customer`).
    #[schema(example = "Budi")]
    customer_name: Option<String>,
    /// A ticked item's GoBiz id; repeated once per item. Its quantity is the field
    /// `qty.<item id>` (1 to 99) and its chosen variants the fields
    /// `var.<item id>.<variant category id>` (a variant's GoBiz id each, repeated for
    /// categories that allow several).
    #[schema(example = "e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88")]
    item: Option<String>,
}

fn order_card(user: &ConsoleUser, o: &Outlet, menu: &Menu, sent: &Sent, errors: &Errors) -> Markup {
    let w = words(user.locale);
    let action = format!("/console/outlets/{}/test-order", o.id);
    let order_type = sent.order_type.as_deref().unwrap_or("delivery");
    let items: Vec<&CatalogReadMenuItem> = menu
        .catalog
        .menus
        .iter()
        .flat_map(|m| &m.menu_items)
        .collect();
    let item_fields: Vec<String> = items.iter().map(|i| format!("item.{}", i.id)).collect();
    let mut known: Vec<&str> = vec!["order_type", "customer", "items"];
    known.extend(item_fields.iter().map(String::as_str));
    let general = errors.other(&known);
    html! {
        section #order-card .card aria-labelledby="order-title" {
            h2 #order-title { (w.order_title) }
            p.muted { (w.order_intro) }
            @if !general.is_empty() {
                div #order-error role="alert" {
                    p.field-error { strong { (w.order_refused) } }
                    @for m in &general { p.field-error.reason { (m) } }
                }
            }
            @if !user.read_only && !items.is_empty() {
                form #order-form method="post" action=(action)
                    hx-post=(action) hx-target="#order-card" hx-swap="outerHTML" {
                    (csrf_field(user))
                    fieldset {
                        legend { (w.order_type) }
                        @for (value, label) in [("delivery", w.delivery), ("pickup", w.pickup)] {
                            label.inline {
                                input type="radio" name="order_type" value=(value)
                                    id=(format!("order-type-{value}")) checked[order_type == value];
                                " " (label)
                            }
                        }
                        (field_errors("order-type", &errors.on("order_type")))
                    }
                    @let name_errors = errors.on("customer");
                    label for="customer-name" { (w.customer) }
                    input #customer-name type="text" name="customer_name" maxlength="100"
                        placeholder="GoFood Customer" value=[sent.customer_name.as_deref()]
                        aria-invalid=[errors.invalid("customer")]
                        aria-describedby=[described("customer-name", &name_errors)];
                    (field_errors("customer-name", &name_errors))
                    (field_errors("order-items", &errors.on("items")))
                    @for item in &items {
                        @let field = format!("item.{}", item.id);
                        @let item_errors = errors.on(&field);
                        fieldset.order-item id=(format!("order-item-{}", item.id))
                            aria-invalid=[errors.invalid(&field)] {
                            legend {
                                label {
                                    input type="checkbox" name="item" value=(item.id)
                                        id=(format!("pick-{}", item.id)) checked[sent.ticked(&item.id)];
                                    " " (item.name) " — " (price_cell_text(menu, item))
                                }
                                @if !item.in_stock { " " span.badge.bad { (w.out_of_stock) } }
                            }
                            label for=(format!("qty-{}", item.id)) { (w.quantity) }
                            input type="number" id=(format!("qty-{}", item.id)) name=(format!("qty.{}", item.id))
                                min="1" max="99" value=(sent.quantity(&item.id))
                                aria-describedby=[described(&format!("order-item-{}", item.id), &item_errors)];
                            @for vc in menu.categories_of(item) {
                                @let single = vc.rules.selection.max_quantity == Some(1);
                                @let name = format!("var.{}.{}", item.id, vc.id);
                                fieldset.variant-choice {
                                    legend { (vc.name) " " span.muted { "(" (rules(w, vc)) ")" } }
                                    @if single && vc.rules.selection.min_quantity == 0 {
                                        label.inline {
                                            input type="radio" name=(name) value=""
                                                checked[!vc.variants.iter().any(|v| sent.chose(&item.id, &v.id))];
                                            " " (w.none)
                                        }
                                    }
                                    @for v in &vc.variants {
                                        label.inline {
                                            input type=(if single { "radio" } else { "checkbox" }) name=(name) value=(v.id)
                                                id=(format!("var-{}-{}", item.id, v.id))
                                                checked[sent.chose(&item.id, &v.id)];
                                            " " (v.name) " +" (rupiah(v.price))
                                            @if !v.in_stock { " " span.badge.bad { (w.out_of_stock) } }
                                        }
                                    }
                                }
                            }
                            (field_errors(&format!("order-item-{}", item.id), &item_errors))
                        }
                    }
                    button #place-order type="submit" { (w.place) }
                }
            }
        }
    }
}

fn price_cell_text(menu: &Menu, item: &CatalogReadMenuItem) -> String {
    match menu.promo(item) {
        Some(p) => format!("{} ({})", rupiah(p.selling_price), rupiah(item.price)),
        None => rupiah(item.price),
    }
}

async fn menu_page(
    s: &AppState,
    user: &ConsoleUser,
    o: &Outlet,
    stock_errors: &Errors,
    sent: &Sent,
    order_errors: &Errors,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let menu = read_menu(s, &o.id).await?;
    let body = html! {
        p.muted { a href=(format!("/console/outlets/{}", o.id)) { (w.back) } }
        (catalog_card(user, o, &menu, stock_errors))
        (order_card(user, o, &menu, sent, order_errors))
    };
    Ok(page(
        user,
        Nav::Outlets,
        &format!("{} {}", w.menu_of, o.name),
        body,
    ))
}

/// The menu and the test order form.
#[utoipa::path(get, path = "/console/outlets/{outlet_id}/menu", tag = "Console",
    operation_id = "console_menu",
    summary = "An outlet's menu in the console",
    description = "The catalog as a customer sees it (the read model of `GET /sandbox/v1/outlets/{outlet_id}/catalog`): menus, items, variant categories and variants, prices, the promotion price where a promotion applies now, stock with buttons to change it; and a form to place a test order from it.",
    params(OutletPath),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown outlet: a page saying so", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn show(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(outlet_id): Path<String>,
) -> Response {
    let o = match outlet_or_page(&s, &user, &outlet_id).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    menu_page(
        &s,
        &user,
        &o,
        &Errors::default(),
        &Sent::default(),
        &Errors::default(),
    )
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// A stock button's fields.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct StockForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// `item` or `variant`.
    #[schema(example = "item")]
    target: Option<String>,
    /// The item's or variant's GoBiz id.
    #[schema(example = "e44495da-3c0b-4f5e-8d7a-2b6c1f0e9d88")]
    id: Option<String>,
    /// `true` or `false`.
    #[schema(value_type = Option<bool>, example = "false")]
    in_stock: Option<String>,
}

/// Sets an item or variant in or out of stock, as the merchant would.
#[utoipa::path(post, path = "/console/outlets/{outlet_id}/menu/stock", tag = "Console",
    operation_id = "console_menu_stock",
    summary = "Set an item or variant in or out of stock from the console",
    description = "The same services as `PATCH /sandbox/v1/outlets/{outlet_id}/menu_item_stocks` and `/variant_stocks`, with one change.",
    params(OutletPath),
    request_body(content_type = "application/x-www-form-urlencoded", content = StockForm),
    responses(
        (status = 200, description = "htmx: the catalog card", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the menu; no session: to sign-in"),
        (status = 400, description = "A wrong or unknown id: the catalog with the error", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown outlet", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content((String = "text/html"), (crate::envelope::Failure = "application/json"))),
    ),
    security(("console_session" = [])))]
async fn stock(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(outlet_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: StockForm = crate::console::session::form(&body);
    if let Err(refused) = user.check_action(&headers, f.csrf.as_deref()) {
        return refused.into_response();
    }
    let o = match outlet_or_page(&s, &user, &outlet_id).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let target = match f.target.as_deref() {
        Some("item") => Ok(StockTarget::Items),
        Some("variant") => Ok(StockTarget::Variants),
        _ => Err("target: must be one of item, variant"),
    };
    let in_stock = match f.in_stock.as_deref() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Err("in_stock: must be true or false"),
    };
    let outcome = match (target, in_stock) {
        (Ok(target), Ok(in_stock)) => {
            let change = StockBody::List(vec![StockChange {
                id: f.id.clone().filter(|i| !i.is_empty()),
                external_id: None,
                in_stock,
            }]);
            match serde_json::to_value(&change) {
                Ok(raw) => s
                    .services
                    .sandbox_stock(&o.id, target, &raw)
                    .await
                    .map_err(Errors::from_service),
                Err(e) => Err((
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Errors::one("", e.to_string()),
                )),
            }
        }
        (Err(e), _) | (_, Err(e)) => Err((StatusCode::BAD_REQUEST, Errors::one("", e))),
    };
    let (status, errors) = match outcome {
        Ok(()) if !user.htmx => {
            return crate::pages::redirect(
                StatusCode::SEE_OTHER,
                &format!("/console/outlets/{}/menu", o.id),
            )
        }
        Ok(()) => (StatusCode::OK, Errors::default()),
        Err(e) => e,
    };
    let resp = if user.htmx {
        match read_menu(&s, &o.id).await {
            Ok(menu) => fragment(catalog_card(&user, &o, &menu, &errors)),
            Err(e) => return e.into_response(),
        }
    } else {
        match menu_page(&s, &user, &o, &errors, &Sent::default(), &Errors::default()).await {
            Ok(resp) => resp,
            Err(e) => return e.into_response(),
        }
    };
    with_status(resp, status)
}

/// Puts the simulator's `items[i]…` violations under the item they are about.
fn place_order_errors(errors: Errors, item_ids: &[String]) -> Errors {
    Errors(
        errors
            .0
            .into_iter()
            .map(|(field, message)| {
                let mapped = field
                    .strip_prefix("items[")
                    .and_then(|rest| rest.split_once(']'))
                    .and_then(|(i, _)| i.parse::<usize>().ok())
                    .and_then(|i| item_ids.get(i))
                    .map(|id| format!("item.{id}"));
                (mapped.unwrap_or(field), message)
            })
            .collect(),
    )
}

/// Places a test order through the order simulator; then the order's page.
#[utoipa::path(post, path = "/console/outlets/{outlet_id}/test-order", tag = "Console",
    operation_id = "console_test_order",
    summary = "Place a test order from the console",
    description = "The same order simulator as `POST /sandbox/v1/outlets/{outlet_id}/orders` (priced from the catalog, promotions applied, webhooks sent). A refusal is shown next to the form with the simulator's reasons (e.g. `Item XID is out of stock`).",
    params(OutletPath),
    request_body(content_type = "application/x-www-form-urlencoded", content = TestOrderForm),
    responses(
        (status = 200, description = "htmx: placed, `HX-Redirect` to the order's page", headers(("HX-Redirect" = String, description = "`/console/orders/{order_number}`"))),
        (status = 303, description = "A plain form: placed, to `/console/orders/{order_number}`; no session: to sign-in"),
        (status = 400, description = "A field is wrong (no item, a quantity out of 1 to 99, a name too long): the form with the error next to it", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown outlet", content_type = "text/html", body = String),
        (status = 422, description = "The simulator refuses the order (out of stock, closed, outside the hours, variant rules): the form with its reasons", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content((String = "text/html"), (crate::envelope::Failure = "application/json"))),
    ),
    security(("console_session" = [])))]
async fn test_order(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(outlet_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sent = Sent::parse(&body);
    if let Err(refused) = user.check_action(&headers, sent.csrf.as_deref()) {
        return refused.into_response();
    }
    let o = match outlet_or_page(&s, &user, &outlet_id).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    // Quantities that are not numbers are refused here; the simulator checks the rest.
    let mut errors = Errors::default();
    let mut items = Vec::new();
    let mut item_ids = Vec::new();
    for (id, q) in &sent.items {
        let quantity = match q.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.0.push((
                    format!("item.{id}"),
                    format!("items[{}].quantity: must be a whole number", items.len()),
                ));
                None
            }
        };
        let variants: Vec<OrderVariantRef> = sent
            .variants
            .iter()
            .filter(|(item, _)| item == id)
            .map(|(_, v)| OrderVariantRef {
                external_id: None,
                id: Some(v.clone()),
            })
            .collect();
        items.push(NewOrderItem {
            external_id: None,
            id: Some(id.clone()),
            quantity,
            notes: None,
            variants: (!variants.is_empty()).then_some(variants),
        });
        item_ids.push(id.clone());
    }
    let (status, errors) = if errors.is_empty() {
        let order = NewOrder {
            order_type: sent.order_type.clone().filter(|t| !t.is_empty()),
            items: Some(items),
            customer: Some(OrderCustomer {
                name: sent
                    .customer_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
            }),
            cutlery_requested: None,
            takeaway_charges: None,
        };
        match s.services.place_order(&o.id.clone().into(), order).await {
            Ok(order) => return go_to(&user, &format!("/console/orders/{}", order.order_number())),
            Err(e) => {
                let (status, errors) = Errors::from_service(e);
                if status == StatusCode::NOT_FOUND {
                    return crate::console::outlets::not_found_page(
                        &user,
                        &errors.other(&[]).join(" "),
                    );
                }
                (status, place_order_errors(errors, &item_ids))
            }
        }
    } else {
        (StatusCode::BAD_REQUEST, errors)
    };
    let resp = if user.htmx {
        match read_menu(&s, &o.id).await {
            Ok(menu) => fragment(order_card(&user, &o, &menu, &sent, &errors)),
            Err(e) => return e.into_response(),
        }
    } else {
        match menu_page(&s, &user, &o, &Errors::default(), &sent, &errors).await {
            Ok(resp) => resp,
            Err(e) => return e.into_response(),
        }
    };
    with_status(resp, status)
}
