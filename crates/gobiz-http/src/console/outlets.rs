//! Outlets: the list with a "create outlet" form, and each outlet's page with its links per
//! partner and product (link and unlink as a merchant user of the outlet would), its
//! acceptance mode and force close, and the ways to its menu, orders, payments and MokaPOS
//! figures. Every action calls the same services as the sandbox API:
//! `POST /sandbox/v1/merchants/{id}/outlets`, `POST`/`DELETE /sandbox/v1/links` and
//! `PATCH /sandbox/v1/outlets/{id}`.

use crate::console::session;
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::entities::{Link, Outlet, Partner, User};
use gobiz_domain::goauth::Locale;
use gobiz_domain::model::{AcceptanceMode, OutletStatus, Product, Role};
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::sandbox::{LinkRequest, OutletFields};
use gobiz_services::ServiceError;
use maud::{html, Markup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(settings))
        .routes(routes!(link))
        .routes(routes!(unlink))
}

// ---- Words ----

/// The outlet pages' words.
pub(super) struct Words {
    pub outlets: &'static str,
    pub none_yet: &'static str,
    pub id: &'static str,
    pub name: &'static str,
    pub merchant: &'static str,
    pub status: &'static str,
    pub acceptance_mode: &'static str,
    pub force_close: &'static str,
    pub create_title: &'static str,
    pub address: &'static str,
    pub email: &'static str,
    pub create: &'static str,
    pub no_merchants: &'static str,
    pub mode_auto: &'static str,
    pub mode_timeout: &'static str,
    pub mode_manual: &'static str,
    pub active: &'static str,
    pub inactive: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub details: &'static str,
    pub links_title: &'static str,
    pub product: &'static str,
    pub partner: &'static str,
    pub external_id: &'static str,
    pub linked_at: &'static str,
    pub no_links: &'static str,
    pub unlink: &'static str,
    pub unlink_confirm: &'static str,
    pub link_title: &'static str,
    pub user: &'static str,
    pub no_users: &'static str,
    pub link: &'static str,
    pub settings_title: &'static str,
    pub close_by_force: &'static str,
    pub reopen: &'static str,
    pub force_closed_note: &'static str,
    pub see_also: &'static str,
    pub menu: &'static str,
    pub orders: &'static str,
    pub payments: &'static str,
    pub moka: &'static str,
    pub not_found: &'static str,
    pub all_outlets: &'static str,
    pub direct: &'static str,
}

const EN: Words = Words {
    outlets: "Outlets",
    none_yet: "No outlets yet.",
    id: "ID",
    name: "Name",
    merchant: "Merchant",
    status: "Status",
    acceptance_mode: "Acceptance mode",
    force_close: "Force close",
    create_title: "Create an outlet",
    address: "Address",
    email: "E-mail",
    create: "Create outlet",
    no_merchants: "There is no merchant yet: create one with POST /sandbox/v1/merchants.",
    mode_auto: "Automatic",
    mode_timeout: "Automatic on timeout",
    mode_manual: "Manual",
    active: "Active",
    inactive: "Inactive",
    open: "Open",
    closed: "Closed by force",
    details: "Details",
    links_title: "Linked partners",
    product: "Product",
    partner: "Partner",
    external_id: "External outlet ID",
    linked_at: "Linked at",
    no_links: "Not linked to any partner.",
    unlink: "Unlink",
    unlink_confirm: "Unlink this partner from the outlet?",
    link_title: "Link a partner",
    user: "As merchant user",
    no_users: "This merchant has no user: create one with POST /sandbox/v1/users (role owner, admin or manager).",
    link: "Link",
    settings_title: "GoFood settings",
    close_by_force: "Close by force",
    reopen: "Reopen",
    force_closed_note: "Closed by force: new orders are refused.",
    see_also: "See also",
    menu: "Menu and test order",
    orders: "Orders",
    payments: "Payments",
    moka: "MokaPOS",
    not_found: "Outlet not found",
    all_outlets: "All outlets",
    direct: "direct",
};

const ID: Words = Words {
    outlets: "Outlet",
    none_yet: "Belum ada outlet.",
    id: "ID",
    name: "Nama",
    merchant: "Merchant",
    status: "Status",
    acceptance_mode: "Mode penerimaan",
    force_close: "Tutup paksa",
    create_title: "Buat outlet",
    address: "Alamat",
    email: "Email",
    create: "Buat outlet",
    no_merchants: "Belum ada merchant: buat dengan POST /sandbox/v1/merchants.",
    mode_auto: "Otomatis",
    mode_timeout: "Otomatis saat batas waktu",
    mode_manual: "Manual",
    active: "Aktif",
    inactive: "Tidak aktif",
    open: "Buka",
    closed: "Ditutup paksa",
    details: "Rincian",
    links_title: "Mitra tertaut",
    product: "Produk",
    partner: "Mitra",
    external_id: "ID outlet eksternal",
    linked_at: "Ditautkan pada",
    no_links: "Belum tertaut ke mitra mana pun.",
    unlink: "Putuskan",
    unlink_confirm: "Putuskan tautan mitra ini dari outlet?",
    link_title: "Tautkan mitra",
    user: "Sebagai pengguna merchant",
    no_users: "Merchant ini belum punya pengguna: buat dengan POST /sandbox/v1/users (peran owner, admin atau manager).",
    link: "Tautkan",
    settings_title: "Pengaturan GoFood",
    close_by_force: "Tutup paksa",
    reopen: "Buka kembali",
    force_closed_note: "Ditutup paksa: pesanan baru ditolak.",
    see_also: "Lihat juga",
    menu: "Menu dan pesanan uji",
    orders: "Pesanan",
    payments: "Pembayaran",
    moka: "MokaPOS",
    not_found: "Outlet tidak ditemukan",
    all_outlets: "Semua outlet",
    direct: "langsung",
};

/// The outlet pages' words in `l`.
pub(super) fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

// ---- Errors next to fields (shared with the menu page) ----

/// A form's errors: (field, message) pairs; an empty field is a form-wide error.
#[derive(Debug, Default)]
pub(super) struct Errors(pub Vec<(String, String)>);

impl Errors {
    /// One error on `field`.
    pub fn one(field: &str, message: impl Into<String>) -> Errors {
        Errors(vec![(field.to_string(), message.into())])
    }

    /// A service refusal: one entry per violated rule (its JSON path as the field), or the
    /// server's one message as a form-wide error; with the status the sandbox API answers.
    pub fn from_service(e: ServiceError) -> (StatusCode, Errors) {
        match e {
            ServiceError::Invalid(vs) => (
                StatusCode::BAD_REQUEST,
                Errors(vs.iter().map(|v| (v.path.clone(), v.message())).collect()),
            ),
            other => {
                let api = ApiError::from(other);
                (api.status(), Errors::one("", api.first_message()))
            }
        }
    }

    /// The messages on `field` (or below it: `field.x`, `field[0]`).
    pub fn on(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| {
                f == field
                    || f.strip_prefix(field)
                        .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
            })
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The messages on none of `fields` (form-wide).
    pub fn other(&self, fields: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| {
                !fields.iter().any(|field| {
                    f == field
                        || f.strip_prefix(field)
                            .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
                })
            })
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// `aria-invalid` for a field.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        (!self.on(field).is_empty()).then_some("true")
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The errors under a field (`id` is the field's id; the paragraph is `#<id>-error`).
pub(super) fn field_errors(id: &str, messages: &[&str]) -> Markup {
    html! {
        @if !messages.is_empty() {
            p.field-error id=(format!("{id}-error")) role="alert" {
                @for (i, m) in messages.iter().enumerate() {
                    @if i > 0 { br; }
                    (m)
                }
            }
        }
    }
}

/// `aria-describedby` for a field with errors.
pub(super) fn described(id: &str, messages: &[&str]) -> Option<String> {
    (!messages.is_empty()).then(|| format!("{id}-error"))
}

/// A fragment (htmx) or whole page (plain form) with a status.
pub(super) fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

/// After a successful action: htmx is told to load `location` (`HX-Redirect`), a plain form
/// is redirected (303).
pub(super) fn go_to(user: &ConsoleUser, location: &str) -> Response {
    if user.htmx {
        let mut resp = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(location) {
            resp.headers_mut().insert("hx-redirect", v);
        }
        resp
    } else {
        crate::pages::redirect(StatusCode::SEE_OTHER, location)
    }
}

/// The page for an unknown outlet (404), with the service's message.
pub(super) fn not_found_page(user: &ConsoleUser, message: &str) -> Response {
    let w = words(user.locale);
    let body = html! {
        p #not-found .field-error role="alert" { (message) }
        p { a href="/console/outlets" { (w.all_outlets) } }
    };
    with_status(
        page(user, Nav::Outlets, w.not_found, body),
        StatusCode::NOT_FOUND,
    )
}

/// The outlet or the answer for a failed read: the 404 page, or the error envelope.
pub(super) async fn outlet_or_page(
    s: &AppState,
    user: &ConsoleUser,
    id: &str,
) -> Result<Outlet, Response> {
    match s.services.get_outlet(id).await {
        Ok(o) => Ok(o),
        Err(e) => {
            let api = ApiError::from(e);
            if api.status() == StatusCode::NOT_FOUND {
                Err(not_found_page(user, &api.first_message()))
            } else {
                Err(api.into_response())
            }
        }
    }
}

fn mode_label(w: &Words, m: AcceptanceMode) -> &'static str {
    match m {
        AcceptanceMode::AutoAccept => w.mode_auto,
        AcceptanceMode::AutoAcceptOnTimeout => w.mode_timeout,
        AcceptanceMode::Manual => w.mode_manual,
    }
}

const MODES: [AcceptanceMode; 3] = [
    AcceptanceMode::AutoAccept,
    AcceptanceMode::AutoAcceptOnTimeout,
    AcceptanceMode::Manual,
];

fn status_badge(w: &Words, o: &Outlet) -> Markup {
    html! {
        @match o.status {
            OutletStatus::Active => span.badge.ok { (w.active) },
            OutletStatus::Inactive => span.badge.bad { (w.inactive) },
        }
    }
}

fn force_badge(w: &Words, o: &Outlet) -> Markup {
    html! {
        @if o.force_close { span.badge.bad { (w.closed) } } @else { span.badge.ok { (w.open) } }
    }
}

// ---- The list and the create form ----

/// The "create outlet" form's fields (those of `POST /sandbox/v1/merchants/{id}/outlets`).
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct CreateOutletForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// The merchant (UUID).
    merchant_id: Option<String>,
    /// 1 to 100 characters.
    #[schema(example = "Warung Kemang")]
    name: Option<String>,
    /// Up to 255 characters.
    address: Option<String>,
    /// An e-mail address or empty.
    email: Option<String>,
    /// `auto_accept`, `auto_accept_on_timeout` or `manual`.
    acceptance_mode: Option<String>,
}

fn create_form(
    user: &ConsoleUser,
    merchants: &[gobiz_domain::entities::Merchant],
    f: &CreateOutletForm,
    errors: &Errors,
) -> Markup {
    let w = words(user.locale);
    let text_fields = [
        ("name", w.name, "text", f.name.as_deref(), true),
        ("address", w.address, "text", f.address.as_deref(), false),
        ("email", w.email, "email", f.email.as_deref(), false),
    ];
    let mode = f.acceptance_mode.as_deref().unwrap_or("auto_accept");
    let general = errors.other(&["merchant_id", "name", "address", "email", "acceptance_mode"]);
    html! {
        section #create-outlet .card aria-labelledby="create-outlet-title" {
            h2 #create-outlet-title { (w.create_title) }
            @if merchants.is_empty() {
                p.muted #no-merchants { (w.no_merchants) }
            } @else if !user.read_only {
                form #create-outlet-form method="post" action="/console/outlets"
                    hx-post="/console/outlets" hx-target="#create-outlet" hx-swap="outerHTML" {
                    (csrf_field(user))
                    (field_errors("create-outlet", &general))
                    label for="outlet-merchant" { (w.merchant) }
                    @let merchant_errors = errors.on("merchant_id");
                    select #outlet-merchant name="merchant_id" required
                        aria-invalid=[errors.invalid("merchant_id")]
                        aria-describedby=[described("outlet-merchant", &merchant_errors)] {
                        @for m in merchants {
                            option value=(m.id) selected[f.merchant_id.as_deref() == Some(m.id.as_str())] {
                                (m.name)
                            }
                        }
                    }
                    (field_errors("outlet-merchant", &merchant_errors))
                    @for (field, label, kind, value, required) in text_fields {
                        @let id = format!("outlet-{field}");
                        @let msgs = errors.on(field);
                        label for=(id) { (label) }
                        input id=(id) type=(kind) name=(field) value=[value] required[required]
                            aria-invalid=[errors.invalid(field)]
                            aria-describedby=[described(&id, &msgs)];
                        (field_errors(&id, &msgs))
                    }
                    label for="outlet-acceptance-mode" { (w.acceptance_mode) }
                    @let mode_errors = errors.on("acceptance_mode");
                    select #outlet-acceptance-mode name="acceptance_mode"
                        aria-invalid=[errors.invalid("acceptance_mode")]
                        aria-describedby=[described("outlet-acceptance-mode", &mode_errors)] {
                        @for m in MODES {
                            option value=(m.as_str()) selected[mode == m.as_str()] { (mode_label(w, m)) }
                        }
                    }
                    (field_errors("outlet-acceptance-mode", &mode_errors))
                    button #create-outlet-submit type="submit" { (w.create) }
                }
            }
        }
    }
}

async fn list_page(
    s: &AppState,
    user: &ConsoleUser,
    f: &CreateOutletForm,
    errors: &Errors,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let outlets = s.services.list_outlets().await?;
    let merchants = s.services.list_merchants().await?;
    let body = html! {
        @if outlets.is_empty() {
            p.muted #no-outlets { (w.none_yet) }
        } @else {
            div style="overflow-x:auto" {
                table #outlets {
                    thead { tr {
                        th scope="col" { (w.id) } th scope="col" { (w.name) }
                        th scope="col" { (w.merchant) } th scope="col" { (w.status) }
                        th scope="col" { (w.acceptance_mode) } th scope="col" { (w.force_close) }
                    } }
                    tbody {
                        @for o in &outlets {
                            tr id=(format!("outlet-{}", o.id)) {
                                td { a href=(format!("/console/outlets/{}", o.id)) { code { (o.id) } } }
                                td { a href=(format!("/console/outlets/{}", o.id)) { (o.name) } }
                                td { (o.merchant_name) }
                                td { (status_badge(w, o)) }
                                td { (mode_label(w, o.acceptance_mode)) }
                                td { (force_badge(w, o)) }
                            }
                        }
                    }
                }
            }
        }
        (create_form(user, &merchants, f, errors))
    };
    Ok(page(user, Nav::Outlets, w.outlets, body))
}

/// Every outlet, and the "create outlet" form.
#[utoipa::path(get, path = "/console/outlets", tag = "Console",
    operation_id = "console_outlets",
    summary = "The console's outlets",
    description = "Every outlet with its merchant, status, acceptance mode and force close, and a form to create one (the sandbox's `POST /sandbox/v1/merchants/{merchant_id}/outlets`).",
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn list(State(s): State<AppState>, user: ConsoleUser) -> Result<Response, ApiError> {
    list_page(&s, &user, &CreateOutletForm::default(), &Errors::default()).await
}

fn some_text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Creates an outlet with the sandbox's service; then its page.
#[utoipa::path(post, path = "/console/outlets", tag = "Console",
    operation_id = "console_create_outlet",
    summary = "Create an outlet from the console",
    description = "The same service as `POST /sandbox/v1/merchants/{merchant_id}/outlets`. Errors are shown next to their fields, with the sandbox API's status.",
    request_body(content_type = "application/x-www-form-urlencoded", content = CreateOutletForm),
    responses(
        (status = 200, description = "htmx: created, `HX-Redirect` to the outlet's page", headers(("HX-Redirect" = String, description = "`/console/outlets/{outlet_id}`"))),
        (status = 303, description = "A plain form: created, to the outlet's page; no session: to sign-in"),
        (status = 400, description = "A field is wrong: the form with the error next to it", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown merchant: the form with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content((String = "text/html"), (crate::envelope::Failure = "application/json"))),
    ),
    security(("console_session" = [])))]
async fn create(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: CreateOutletForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, f.csrf.as_deref()) {
        return refused.into_response();
    }
    let fields = OutletFields {
        name: Some(f.name.clone().unwrap_or_default().trim().to_string()),
        address: some_text(&f.address),
        email: some_text(&f.email),
        acceptance_mode: some_text(&f.acceptance_mode),
        ..OutletFields::default()
    };
    let merchant_id = f.merchant_id.clone().unwrap_or_default();
    let (status, errors) = match s.services.create_outlet(&merchant_id, fields).await {
        Ok(o) => return go_to(&user, &format!("/console/outlets/{}", o.id)),
        Err(e) => {
            let (status, mut errors) = Errors::from_service(e);
            if status == StatusCode::NOT_FOUND {
                for (field, _) in errors.0.iter_mut().filter(|(f, _)| f.is_empty()) {
                    *field = "merchant_id".into();
                }
            }
            (status, errors)
        }
    };
    if user.htmx {
        let merchants = match s.services.list_merchants().await {
            Ok(m) => m,
            Err(e) => return ApiError::from(e).into_response(),
        };
        return with_status(
            fragment(create_form(&user, &merchants, &f, &errors)),
            status,
        );
    }
    match list_page(&s, &user, &f, &errors).await {
        Ok(resp) => with_status(resp, status),
        Err(e) => e.into_response(),
    }
}

// ---- One outlet ----

/// `{outlet_id}` of a console page.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(super) struct OutletPath {
    /// The outlet, e.g. `G000012345`.
    #[param(example = "G000012345")]
    outlet_id: String,
}

fn details_card(w: &Words, o: &Outlet) -> Markup {
    html! {
        section #outlet-details .card aria-labelledby="details-title" {
            h2 #details-title { (w.details) }
            dl {
                dt { (w.id) } dd { code #outlet-id { (o.id) } }
                dt { (w.merchant) } dd #outlet-merchant-name { (o.merchant_name) }
                dt { (w.address) } dd { (o.address) }
                dt { (w.email) } dd { (o.email) }
                dt { (w.status) } dd #outlet-status { (status_badge(w, o)) }
            }
        }
    }
}

fn settings_card(user: &ConsoleUser, o: &Outlet, errors: &Errors) -> Markup {
    let w = words(user.locale);
    let action = format!("/console/outlets/{}/settings", o.id);
    let general = errors.other(&["acceptance_mode", "force_close"]);
    html! {
        section #outlet-settings .card aria-labelledby="settings-title" {
            h2 #settings-title { (w.settings_title) }
            (field_errors("outlet-settings", &general))
            p { (w.acceptance_mode) ": " strong #acceptance-mode data-mode=(o.acceptance_mode.as_str()) {
                (mode_label(w, o.acceptance_mode)) } }
            @if !user.read_only {
                form.actions method="post" action=(action)
                    hx-post=(action) hx-target="#outlet-settings" hx-swap="outerHTML" {
                    (csrf_field(user))
                    @for m in MODES {
                        button class=[(m != o.acceptance_mode).then_some("secondary")] type="submit" name="acceptance_mode"
                            value=(m.as_str()) id=(format!("mode-{}", m.as_str()))
                            aria-pressed=(if m == o.acceptance_mode { "true" } else { "false" }) {
                            (mode_label(w, m))
                        }
                    }
                }
                (field_errors("settings-acceptance-mode", &errors.on("acceptance_mode")))
            }
            p { (w.force_close) ": " span #force-close data-force-close=(o.force_close) { (force_badge(w, o)) } }
            @if o.force_close { p.muted { (w.force_closed_note) } }
            @if !user.read_only {
                form method="post" action=(action)
                    hx-post=(action) hx-target="#outlet-settings" hx-swap="outerHTML" {
                    (csrf_field(user))
                    input type="hidden" name="force_close" value=(!o.force_close);
                    button #toggle-force-close type="submit" {
                        @if o.force_close { (w.reopen) } @else { (w.close_by_force) }
                    }
                }
                (field_errors("settings-force-close", &errors.on("force_close")))
            }
        }
    }
}

/// The users of the outlet's merchant who have a role there, those who may link first.
fn merchant_users(users: Vec<User>, merchant_id: &str) -> Vec<(User, Role)> {
    let mut out: Vec<(User, Role)> = users
        .into_iter()
        .filter_map(|u| {
            let role = u
                .roles
                .iter()
                .find(|r| r.merchant_id == merchant_id)
                .map(|r| r.role)?;
            Some((u, role))
        })
        .collect();
    out.sort_by_key(|(_, r)| !Role::LINKERS.contains(r));
    out
}

/// What the links card shows.
struct LinksData {
    links: Vec<Link>,
    partners: Vec<Partner>,
    users: Vec<(User, Role)>,
}

async fn links_data(s: &AppState, o: &Outlet) -> Result<LinksData, ServiceError> {
    Ok(LinksData {
        links: s.services.outlet_links(&o.id).await?,
        partners: s.services.list_partners().await?,
        users: merchant_users(s.services.list_users().await?, &o.merchant_id),
    })
}

/// The link form's fields (those of `POST /sandbox/v1/links`, the outlet from the path).
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct LinkForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// The merchant user acting (UUID).
    user_id: Option<String>,
    /// The partner (UUID).
    partner_id: Option<String>,
    /// `gofood` or `payment`.
    #[schema(example = "gofood")]
    product: Option<String>,
    /// The partner's id for the outlet, 1 to 100 characters (linking only).
    #[schema(example = "pos-outlet-1")]
    external_outlet_id: Option<String>,
}

fn links_card(
    user: &ConsoleUser,
    o: &Outlet,
    d: &LinksData,
    f: &LinkForm,
    errors: &Errors,
) -> Markup {
    let w = words(user.locale);
    let partner_name = |id: &str| {
        d.partners
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let acting_user = d.users.first().map(|(u, _)| u.id.clone());
    let link_action = format!("/console/outlets/{}/links", o.id);
    let unlink_action = format!("/console/outlets/{}/unlink", o.id);
    let fields = [
        "user_id",
        "phone",
        "partner_id",
        "product",
        "external_outlet_id",
    ];
    let general = errors.other(&fields);
    let product = f.product.as_deref().unwrap_or("gofood");
    html! {
        section #links-card .card aria-labelledby="links-title" {
            h2 #links-title { (w.links_title) }
            (field_errors("links", &general))
            @for p in [Product::Gofood, Product::Payment] {
                h3 { (p.as_str()) }
                @let of_product: Vec<&Link> = d.links.iter().filter(|l| l.product == p).collect();
                @if of_product.is_empty() {
                    p.muted id=(format!("no-links-{}", p.as_str())) { (w.no_links) }
                } @else {
                    div style="overflow-x:auto" {
                        table id=(format!("links-{}", p.as_str())) {
                            thead { tr {
                                th scope="col" { (w.partner) } th scope="col" { (w.external_id) }
                                th scope="col" { (w.linked_at) }
                                @if !user.read_only { th scope="col" { span.muted { (w.unlink) } } }
                            } }
                            tbody {
                                @for l in of_product {
                                    tr.link data-partner=(l.partner_id) data-product=(l.product.as_str()) {
                                        td { (partner_name(&l.partner_id)) br; code.muted { (l.partner_id) } }
                                        td { code.external-id { (l.external_outlet_id) } }
                                        td { (rfc3339_seconds(l.linked_at)) }
                                        @if !user.read_only {
                                            td {
                                                form method="post" action=(unlink_action)
                                                    hx-post=(unlink_action) hx-target="#links-card" hx-swap="outerHTML"
                                                    data-confirm=(w.unlink_confirm) {
                                                    (csrf_field(user))
                                                    @if let Some(u) = &acting_user {
                                                        input type="hidden" name="user_id" value=(u);
                                                    }
                                                    input type="hidden" name="partner_id" value=(l.partner_id);
                                                    input type="hidden" name="product" value=(l.product.as_str());
                                                    button.secondary type="submit"
                                                        aria-label=(format!("{} {} {}", w.unlink, partner_name(&l.partner_id), l.product.as_str())) {
                                                        (w.unlink)
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
            @if !user.read_only {
                h3 { (w.link_title) }
                @if d.users.is_empty() {
                    p.muted #no-users { (w.no_users) }
                }
                form #link-form method="post" action=(link_action)
                    hx-post=(link_action) hx-target="#links-card" hx-swap="outerHTML" {
                    (csrf_field(user))
                    @let user_errors = [errors.on("user_id"), errors.on("phone")].concat();
                    label for="link-user" { (w.user) }
                    select #link-user name="user_id" required
                        aria-invalid=[(!user_errors.is_empty()).then_some("true")]
                        aria-describedby=[described("link-user", &user_errors)] {
                        @for (u, role) in &d.users {
                            option value=(u.id) selected[f.user_id.as_deref() == Some(u.id.as_str())] {
                                (u.name) " (" (u.phone) ", " (role.as_str()) ")"
                            }
                        }
                    }
                    (field_errors("link-user", &user_errors))
                    @let partner_errors = errors.on("partner_id");
                    label for="link-partner" { (w.partner) }
                    select #link-partner name="partner_id" required
                        aria-invalid=[errors.invalid("partner_id")]
                        aria-describedby=[described("link-partner", &partner_errors)] {
                        @for p in &d.partners {
                            option value=(p.id) selected[f.partner_id.as_deref() == Some(p.id.as_str())] {
                                (p.name)
                                @if p.kind == gobiz_domain::model::PartnerType::Direct { " (" (w.direct) ")" }
                            }
                        }
                    }
                    (field_errors("link-partner", &partner_errors))
                    @let product_errors = errors.on("product");
                    label for="link-product" { (w.product) }
                    select #link-product name="product" required
                        aria-invalid=[errors.invalid("product")]
                        aria-describedby=[described("link-product", &product_errors)] {
                        @for p in [Product::Gofood, Product::Payment] {
                            option value=(p.as_str()) selected[product == p.as_str()] { (p.as_str()) }
                        }
                    }
                    (field_errors("link-product", &product_errors))
                    @let ext_errors = errors.on("external_outlet_id");
                    label for="link-external-id" { (w.external_id) }
                    input #link-external-id type="text" name="external_outlet_id" maxlength="100" required
                        value=[f.external_outlet_id.as_deref()]
                        aria-invalid=[errors.invalid("external_outlet_id")]
                        aria-describedby=[described("link-external-id", &ext_errors)];
                    (field_errors("link-external-id", &ext_errors))
                    button #link-submit type="submit" { (w.link) }
                }
            }
        }
    }
}

async fn outlet_page(
    s: &AppState,
    user: &ConsoleUser,
    o: &Outlet,
    settings_errors: &Errors,
    link_form: &LinkForm,
    link_errors: &Errors,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let d = links_data(s, o).await?;
    let id = &o.id;
    let body = html! {
        p.muted { a href="/console/outlets" { (w.all_outlets) } }
        nav.actions #outlet-links aria-label=(w.see_also) {
            a href=(format!("/console/outlets/{id}/menu")) #to-menu { (w.menu) }
            a href=(format!("/console/orders?outlet={id}")) #to-orders { (w.orders) }
            a href=(format!("/console/payments?outlet={id}")) #to-payments { (w.payments) }
            a href=(format!("/console/moka?outlet={id}")) #to-moka { (w.moka) }
        }
        (details_card(w, o))
        (settings_card(user, o, settings_errors))
        (links_card(user, o, &d, link_form, link_errors))
    };
    Ok(page(user, Nav::Outlets, &o.name, body))
}

/// One outlet: details, GoFood settings, links per product, and its other pages.
#[utoipa::path(get, path = "/console/outlets/{outlet_id}", tag = "Console",
    operation_id = "console_outlet",
    summary = "An outlet in the console",
    description = "The outlet's details; its acceptance mode and force close with buttons to change them; its partners per product (`gofood`, `payment`) with their external outlet ids, a link form and unlink buttons; links to its menu, orders, payments and MokaPOS figures.",
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
    outlet_page(
        &s,
        &user,
        &o,
        &Errors::default(),
        &LinkForm::default(),
        &Errors::default(),
    )
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// The settings buttons' fields (those of `PATCH /sandbox/v1/outlets/{id}` they change).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct SettingsForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// `auto_accept`, `auto_accept_on_timeout` or `manual`.
    #[schema(example = "manual")]
    acceptance_mode: Option<String>,
    /// `true` or `false`.
    #[schema(value_type = Option<bool>, example = "true")]
    force_close: Option<String>,
}

/// Changes the acceptance mode or force close (the sandbox's outlet patch).
#[utoipa::path(post, path = "/console/outlets/{outlet_id}/settings", tag = "Console",
    operation_id = "console_outlet_settings",
    summary = "Change an outlet's acceptance mode or force close",
    description = "The same service as `PATCH /sandbox/v1/outlets/{outlet_id}` with `acceptance_mode` and/or `force_close`.",
    params(OutletPath),
    request_body(content_type = "application/x-www-form-urlencoded", content = SettingsForm),
    responses(
        (status = 200, description = "htmx: the settings card", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the outlet; no session: to sign-in"),
        (status = 400, description = "A value is wrong: the settings with the error next to it", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown outlet", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content((String = "text/html"), (crate::envelope::Failure = "application/json"))),
    ),
    security(("console_session" = [])))]
async fn settings(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(outlet_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: SettingsForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, f.csrf.as_deref()) {
        return refused.into_response();
    }
    let o = match outlet_or_page(&s, &user, &outlet_id).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let force_close = match f.force_close.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(Errors::one(
            "force_close",
            "force_close: must be true or false",
        )),
    };
    let outcome = match force_close {
        Ok(force_close) => s
            .services
            .patch_outlet(
                &o.id,
                OutletFields {
                    acceptance_mode: some_text(&f.acceptance_mode),
                    force_close,
                    ..OutletFields::default()
                },
            )
            .await
            .map_err(Errors::from_service),
        Err(errors) => Err((StatusCode::BAD_REQUEST, errors)),
    };
    match outcome {
        Ok(changed) if user.htmx => fragment(settings_card(&user, &changed, &Errors::default())),
        Ok(_) => {
            crate::pages::redirect(StatusCode::SEE_OTHER, &format!("/console/outlets/{}", o.id))
        }
        Err((status, errors)) if user.htmx => {
            with_status(fragment(settings_card(&user, &o, &errors)), status)
        }
        Err((status, errors)) => {
            match outlet_page(
                &s,
                &user,
                &o,
                &errors,
                &LinkForm::default(),
                &Errors::default(),
            )
            .await
            {
                Ok(resp) => with_status(resp, status),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// Puts a refusal without a field next to the field it is about.
fn place_link_errors(status: StatusCode, mut errors: Errors) -> Errors {
    for (field, message) in errors.0.iter_mut().filter(|(f, _)| f.is_empty()) {
        *field = match status {
            StatusCode::FORBIDDEN => "user_id".into(),
            StatusCode::CONFLICT => "partner_id".into(),
            StatusCode::NOT_FOUND if message.starts_with("User") => "user_id".into(),
            StatusCode::NOT_FOUND if message.starts_with("Partner") => "partner_id".into(),
            _ => String::new(),
        };
    }
    errors
}

/// Link or unlink, then the links card (htmx), the outlet (plain form) or the errors.
async fn link_action(
    s: AppState,
    user: ConsoleUser,
    outlet_id: String,
    headers: HeaderMap,
    body: Bytes,
    linking: bool,
) -> Response {
    let f: LinkForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, f.csrf.as_deref()) {
        return refused.into_response();
    }
    let o = match outlet_or_page(&s, &user, &outlet_id).await {
        Ok(o) => o,
        Err(resp) => return resp,
    };
    let req = LinkRequest {
        user_id: some_text(&f.user_id),
        phone: None,
        partner_id: some_text(&f.partner_id),
        outlet_id: Some(o.id.clone()),
        product: some_text(&f.product),
        external_outlet_id: linking.then(|| some_text(&f.external_outlet_id)).flatten(),
    };
    let outcome = if linking {
        s.services.sandbox_link(req).await.map(|_| ())
    } else {
        s.services.sandbox_unlink(req).await
    };
    let (status, errors) = match outcome {
        Ok(()) => (StatusCode::OK, Errors::default()),
        Err(e) => {
            let (status, errors) = Errors::from_service(e);
            (status, place_link_errors(status, errors))
        }
    };
    if errors.is_empty() && !user.htmx {
        return crate::pages::redirect(
            StatusCode::SEE_OTHER,
            &format!("/console/outlets/{}", o.id),
        );
    }
    // After a success the form starts again empty; after an error it keeps what was sent.
    let form = if errors.is_empty() {
        LinkForm::default()
    } else {
        f
    };
    let resp = if user.htmx {
        match links_data(&s, &o).await {
            Ok(d) => fragment(links_card(&user, &o, &d, &form, &errors)),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        match outlet_page(&s, &user, &o, &Errors::default(), &form, &errors).await {
            Ok(resp) => resp,
            Err(e) => return e.into_response(),
        }
    };
    with_status(resp, status)
}

/// Links the outlet to a partner for a product, as a merchant user of the outlet.
#[utoipa::path(post, path = "/console/outlets/{outlet_id}/links", tag = "Console",
    operation_id = "console_link",
    summary = "Link an outlet to a partner from the console",
    description = "The same service as `POST /sandbox/v1/links`: the user must have a role that may link in the outlet's merchant; linking for `gofood` sets the outlet to `auto_accept`.",
    params(OutletPath),
    request_body(content_type = "application/x-www-form-urlencoded", content = LinkForm),
    responses(
        (status = 200, description = "htmx: the links card", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the outlet; no session: to sign-in"),
        (status = 400, description = "A field is wrong: the form with the error next to it", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console (text); the user may not link (the form with the error)", content((String = "text/plain"), (String = "text/html"))),
        (status = 404, description = "Unknown outlet, user or partner", content_type = "text/html", body = String),
        (status = 409, description = "A direct partner needs no link: the form with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content((String = "text/html"), (crate::envelope::Failure = "application/json"))),
    ),
    security(("console_session" = [])))]
async fn link(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(outlet_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    link_action(s, user, outlet_id, headers, body, true).await
}

/// Unlinks the outlet from a partner for a product.
#[utoipa::path(post, path = "/console/outlets/{outlet_id}/unlink", tag = "Console",
    operation_id = "console_unlink",
    summary = "Unlink an outlet from a partner from the console",
    description = "The same service as `DELETE /sandbox/v1/links` (`external_outlet_id` is ignored).",
    params(OutletPath),
    request_body(content_type = "application/x-www-form-urlencoded", content = LinkForm),
    responses(
        (status = 200, description = "htmx: the links card", content_type = "text/html", body = String),
        (status = 303, description = "A plain form: back to the outlet; no session: to sign-in"),
        (status = 400, description = "A field is wrong: the card with the error", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console (text); the user may not unlink (the card with the error)", content((String = "text/plain"), (String = "text/html"))),
        (status = 404, description = "Unknown outlet, user or partner", content_type = "text/html", body = String),
        (status = 409, description = "A direct partner has no link: the card with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content((String = "text/html"), (crate::envelope::Failure = "application/json"))),
    ),
    security(("console_session" = [])))]
async fn unlink(
    State(s): State<AppState>,
    user: ConsoleUser,
    Path(outlet_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    link_action(s, user, outlet_id, headers, body, false).await
}
