//! Partners and their OAuth clients: create partners (facilitator or direct), create clients
//! (the secret shown once), a partner's notification subscriptions (partner-wide and per
//! outlet), its notification secret on demand, and rotation. Same services as the sandbox
//! routes `POST /sandbox/v1/partners`, `POST /sandbox/v1/partners/{id}/clients` and
//! `GET|POST /sandbox/v1/partners/{id}/notification-secret`.

use crate::console::session::{self, CsrfForm};
use crate::console::{csrf_field, fragment, page, ConsoleUser, Nav};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::entities::{Client, Partner};
use gobiz_domain::goauth::Locale;
use gobiz_domain::scope::Grant;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::sandbox::{NewClient, NewPartner};
use gobiz_services::ServiceError;
use maud::{html, Markup};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail))
        .routes(routes!(create_client))
        .routes(routes!(reveal_secret))
        .routes(routes!(rotate_secret))
}

struct Words {
    title: &'static str,
    name: &'static str,
    kind: &'static str,
    facilitator: &'static str,
    direct: &'static str,
    merchant: &'static str,
    merchant_hint: &'static str,
    none: &'static str,
    standard_webhooks: &'static str,
    created: &'static str,
    create_partner: &'static str,
    no_partners: &'static str,
    partner_created: &'static str,
    secret_once: &'static str,
    otp_inbox: &'static str,
    clients: &'static str,
    no_clients: &'static str,
    client_id: &'static str,
    client_id_hint: &'static str,
    scopes: &'static str,
    scopes_hint: &'static str,
    grants: &'static str,
    grants_hint: &'static str,
    redirect_uris: &'static str,
    redirect_hint: &'static str,
    public: &'static str,
    require_pkce: &'static str,
    create_client: &'static str,
    client_created: &'static str,
    client_secret: &'static str,
    no_secret: &'static str,
    subscriptions: &'static str,
    no_subscriptions: &'static str,
    level: &'static str,
    general: &'static str,
    event: &'static str,
    url: &'static str,
    active: &'static str,
    yes: &'static str,
    no: &'static str,
    notification_secret: &'static str,
    secret_hidden: &'static str,
    show_secret: &'static str,
    rotate: &'static str,
    rotate_confirm: &'static str,
    rotated: &'static str,
    not_found: &'static str,
    back: &'static str,
    webhooks: &'static str,
}

const EN: Words = Words {
    title: "Partners",
    name: "Name",
    kind: "Type",
    facilitator: "Facilitator (POS or aggregator)",
    direct: "Direct (one merchant's own integration)",
    merchant: "Merchant",
    merchant_hint: "Only for a direct partner.",
    none: "None",
    standard_webhooks: "Also send Standard Webhooks headers",
    created: "Created",
    create_partner: "Create partner",
    no_partners: "No partners yet.",
    partner_created: "Partner created.",
    secret_once:
        "Its notification secret (shown once here; you can show it again on the partner's page):",
    otp_inbox: "OTP inbox for merchant logins",
    clients: "OAuth clients",
    no_clients: "No clients yet.",
    client_id: "Client id",
    client_id_hint: "Optional: 1 to 64 of A-Z a-z 0-9 . _ - (default: a UUID).",
    scopes: "Scopes",
    scopes_hint: "Separated by spaces; empty: every scope of the partner type.",
    grants: "Grants",
    grants_hint: "None ticked: the default of the partner type.",
    redirect_uris: "Redirect URIs",
    redirect_hint: "One per line.",
    public: "Public client (no secret, PKCE)",
    require_pkce: "Require PKCE",
    create_client: "Create client",
    client_created: "Client created.",
    client_secret: "Client secret (shown once, copy it now):",
    no_secret: "A public client has no secret.",
    subscriptions: "Notification subscriptions",
    no_subscriptions: "No subscriptions: the partner creates them through the notifications API.",
    level: "Level",
    general: "Partner-wide",
    event: "Event",
    url: "URL",
    active: "Active",
    yes: "yes",
    no: "no",
    notification_secret: "Notification secret",
    secret_hidden: "Webhook signatures are made with it. It is not shown until you ask.",
    show_secret: "Show the secret",
    rotate: "Rotate",
    rotate_confirm: "Replace the notification secret? Receivers must verify with the new one.",
    rotated: "Rotated: deliveries from now on are signed with this new secret.",
    not_found: "No such partner.",
    back: "All partners",
    webhooks: "Its webhook deliveries",
};

const ID: Words = Words {
    title: "Mitra",
    name: "Nama",
    kind: "Jenis",
    facilitator: "Fasilitator (POS atau agregator)",
    direct: "Langsung (integrasi milik satu merchant)",
    merchant: "Merchant",
    merchant_hint: "Hanya untuk mitra langsung.",
    none: "Tidak ada",
    standard_webhooks: "Kirim juga header Standard Webhooks",
    created: "Dibuat",
    create_partner: "Buat mitra",
    no_partners: "Belum ada mitra.",
    partner_created: "Mitra dibuat.",
    secret_once: "Rahasia notifikasinya (ditampilkan sekali di sini; dapat ditampilkan lagi di halaman mitra):",
    otp_inbox: "Kotak OTP untuk login merchant",
    clients: "Klien OAuth",
    no_clients: "Belum ada klien.",
    client_id: "Client id",
    client_id_hint: "Opsional: 1 sampai 64 dari A-Z a-z 0-9 . _ - (bawaan: UUID).",
    scopes: "Scope",
    scopes_hint: "Dipisahkan spasi; kosong: semua scope jenis mitra.",
    grants: "Grant",
    grants_hint: "Tidak ada yang dicentang: bawaan jenis mitra.",
    redirect_uris: "Redirect URI",
    redirect_hint: "Satu per baris.",
    public: "Klien publik (tanpa rahasia, PKCE)",
    require_pkce: "Wajib PKCE",
    create_client: "Buat klien",
    client_created: "Klien dibuat.",
    client_secret: "Rahasia klien (ditampilkan sekali, salin sekarang):",
    no_secret: "Klien publik tidak punya rahasia.",
    subscriptions: "Langganan notifikasi",
    no_subscriptions: "Belum ada langganan: mitra membuatnya lewat API notifikasi.",
    level: "Tingkat",
    general: "Seluruh mitra",
    event: "Event",
    url: "URL",
    active: "Aktif",
    yes: "ya",
    no: "tidak",
    notification_secret: "Rahasia notifikasi",
    secret_hidden: "Tanda tangan webhook dibuat dengannya. Tidak ditampilkan sampai Anda meminta.",
    show_secret: "Tampilkan rahasia",
    rotate: "Ganti",
    rotate_confirm: "Ganti rahasia notifikasi? Penerima harus memverifikasi dengan yang baru.",
    rotated: "Diganti: pengiriman mulai sekarang ditandatangani dengan rahasia baru ini.",
    not_found: "Mitra tidak ditemukan.",
    back: "Semua mitra",
    webhooks: "Pengiriman webhook-nya",
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::En => &EN,
        Locale::Id => &ID,
    }
}

/// The partner form.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct PartnerForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// Display name, 1 to 100 characters.
    name: Option<String>,
    /// `facilitator` or `direct`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: Option<String>,
    /// The merchant of a direct partner.
    merchant_id: Option<String>,
    /// `on` to also send Standard Webhooks headers.
    standard_webhooks: Option<String>,
}

/// The client form.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct ClientForm {
    /// The session's CSRF token.
    csrf: Option<String>,
    /// The `client_id` (default: a UUID).
    client_id: Option<String>,
    /// Display name (default: the partner's).
    name: Option<String>,
    /// Scopes separated by spaces or commas (empty: the partner type's default).
    allowed_scopes: Option<String>,
    /// `on`: may use `client_credentials`.
    grant_client_credentials: Option<String>,
    /// `on`: may use `authorization_code`.
    grant_authorization_code: Option<String>,
    /// `on`: may use `refresh_token`.
    grant_refresh_token: Option<String>,
    /// Redirect URIs, one per line.
    redirect_uris: Option<String>,
    /// `on` for a public client.
    public: Option<String>,
    /// `on` to require PKCE.
    require_pkce: Option<String>,
}

/// A service error laid out for a form: messages per field, and the rest.
struct FormErrors {
    status: StatusCode,
    fields: Vec<(String, String)>,
    general: Vec<String>,
}

impl FormErrors {
    fn none() -> FormErrors {
        FormErrors {
            status: StatusCode::OK,
            fields: Vec::new(),
            general: Vec::new(),
        }
    }

    fn from_service(e: ServiceError, fields: &[&str]) -> FormErrors {
        let mut out = FormErrors::none();
        if let ServiceError::Invalid(vs) = &e {
            for v in vs {
                let field = v.path.split('[').next().unwrap_or("").to_string();
                if fields.contains(&field.as_str()) {
                    out.fields.push((field, v.message()));
                } else {
                    out.general.push(v.message());
                }
            }
            out.status = StatusCode::BAD_REQUEST;
            return out;
        }
        let conflict_on_client_id =
            matches!(&e, ServiceError::Conflict(m) if m.contains("client_id"));
        let api = ApiError::from(e);
        out.status = api.status();
        if conflict_on_client_id && fields.contains(&"client_id") {
            out.fields.push(("client_id".into(), api.first_message()));
        } else {
            out.general.push(api.first_message());
        }
        out
    }

    fn of(&self, field: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    fn invalid(&self, field: &str) -> Option<&'static str> {
        (!self.of(field).is_empty()).then_some("true")
    }

    fn show(&self, field: &str) -> Markup {
        html! {
            @for m in self.of(field) {
                p.field-error role="alert" id={"error-" (field)} { (m) }
            }
        }
    }

    fn show_general(&self) -> Markup {
        html! {
            @for m in &self.general {
                p.field-error role="alert" .form-error { (m) }
            }
        }
    }
}

fn on(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| !v.is_empty() && v != "off" && v != "false")
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

/// What the partner creation card shows after a creation.
struct CreatedPartner {
    id: String,
    name: String,
    secret: String,
}

fn partner_create_card(
    user: &ConsoleUser,
    merchants: &[(String, String)],
    form: &PartnerForm,
    errors: &FormErrors,
    created: Option<&CreatedPartner>,
) -> Markup {
    let w = words(user.locale);
    let kind = form.kind.as_deref().unwrap_or("facilitator");
    html! {
        section #partner-create .card aria-labelledby="partner-create-title" {
            h2 #partner-create-title { (w.create_partner) }
            @if let Some(c) = created {
                div #partner-created role="status" {
                    p { (w.partner_created) " " a href={"/console/partners/" (c.id)} data-partner=(c.id) { (c.name) } }
                    p { (w.secret_once) }
                    pre #created-notification-secret { (c.secret) }
                }
            }
            @if !user.read_only {
                form method="post" action="/console/partners"
                    hx-post="/console/partners" hx-target="#partner-create" hx-swap="outerHTML" {
                    (csrf_field(user))
                    (errors.show_general())
                    label for="partner-name" { (w.name) }
                    input #partner-name type="text" name="name" maxlength="100" required
                        value=[created.is_none().then(|| form.name.clone()).flatten()]
                        aria-invalid=[errors.invalid("name")];
                    (errors.show("name"))
                    label for="partner-type" { (w.kind) }
                    select #partner-type name="type" aria-invalid=[errors.invalid("type")] {
                        option value="facilitator" selected[kind == "facilitator"] { (w.facilitator) }
                        option value="direct" selected[kind == "direct"] { (w.direct) }
                    }
                    (errors.show("type"))
                    label for="partner-merchant" { (w.merchant) }
                    select #partner-merchant name="merchant_id" aria-describedby="partner-merchant-hint"
                        aria-invalid=[errors.invalid("merchant_id")] {
                        option value="" { (w.none) }
                        @for (id, name) in merchants {
                            option value=(id) selected[form.merchant_id.as_deref() == Some(id.as_str())] { (name) }
                        }
                    }
                    p.muted #partner-merchant-hint { (w.merchant_hint) }
                    (errors.show("merchant_id"))
                    p {
                        input #partner-standard type="checkbox" name="standard_webhooks" value="on"
                            checked[on(&form.standard_webhooks)];
                        " "
                        label for="partner-standard" { (w.standard_webhooks) }
                    }
                    button #create-partner type="submit" { (w.create_partner) }
                }
            }
        }
    }
}

async fn merchant_options(s: &AppState) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(s.services
        .list_merchants()
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect())
}

fn partners_table(w: &Words, partners: &[Partner], merchants: &[(String, String)]) -> Markup {
    html! {
        @if partners.is_empty() {
            p.muted #no-partners { (w.no_partners) }
        } @else {
            div style="overflow-x:auto" {
                table #partners {
                    thead { tr {
                        th scope="col" { (w.name) } th scope="col" { (w.kind) } th scope="col" { (w.merchant) }
                        th scope="col" { (w.created) } th scope="col" { "Standard Webhooks" }
                    } }
                    tbody {
                        @for p in partners {
                            tr data-partner=(p.id) {
                                td { a href={"/console/partners/" (p.id)} { (p.name) } br; code.muted { (p.id) } }
                                td { (p.kind.as_str()) }
                                td {
                                    @if let Some(m) = &p.merchant_id {
                                        (merchants.iter().find(|(id, _)| id == m).map(|(_, n)| n.as_str()).unwrap_or(m))
                                    } @else { "—" }
                                }
                                td { (rfc3339_seconds(p.created_at)) }
                                td { (if p.standard_webhooks { w.yes } else { w.no }) }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn list_page(
    s: &AppState,
    user: &ConsoleUser,
    form: &PartnerForm,
    errors: &FormErrors,
    created: Option<&CreatedPartner>,
) -> Result<Response, ApiError> {
    let w = words(user.locale);
    let partners = s.services.list_partners().await?;
    let merchants = merchant_options(s).await?;
    let body = html! {
        p { a #otp-link href="/console/otp" { (w.otp_inbox) } }
        (partners_table(w, &partners, &merchants))
        (partner_create_card(user, &merchants, form, errors, created))
    };
    Ok(page(user, Nav::Partners, w.title, body))
}

/// The partners.
#[utoipa::path(get, path = "/console/partners", tag = "Console",
    summary = "Partners",
    description = "Every partner with a link to its page, and the form creating one (as `POST /sandbox/v1/partners`). Links to the OTP inbox.",
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn list(State(s): State<AppState>, user: ConsoleUser) -> Result<Response, ApiError> {
    list_page(
        &s,
        &user,
        &PartnerForm::default(),
        &FormErrors::none(),
        None,
    )
    .await
}

/// Creates a partner; the answer shows its notification secret once.
#[utoipa::path(post, path = "/console/partners", tag = "Console",
    summary = "Create a partner",
    description = "Same service as `POST /sandbox/v1/partners`. htmx gets the creation card, a plain form the whole page; both show the new partner's notification secret once, or each error next to its field.",
    request_body(content_type = "application/x-www-form-urlencoded", content = PartnerForm),
    responses(
        (status = 200, description = "Created: the card (htmx) or page with the secret", content_type = "text/html", body = String),
        (status = 303, description = "No session: to sign-in"),
        (status = 400, description = "Invalid input: the form with each error next to its field", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn create(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: PartnerForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let input = NewPartner {
        name: nonempty(&form.name),
        kind: nonempty(&form.kind),
        merchant_id: nonempty(&form.merchant_id),
        standard_webhooks: Some(on(&form.standard_webhooks)),
        read_scopes: None,
    };
    let (errors, created) = match s.services.create_partner(input).await {
        Ok(p) => (
            FormErrors::none(),
            Some(CreatedPartner {
                id: p.partner.id,
                name: p.partner.name,
                secret: p.notification_secret,
            }),
        ),
        Err(e) => (
            FormErrors::from_service(e, &["name", "type", "merchant_id"]),
            None,
        ),
    };
    let status = errors.status;
    let resp = if user.htmx {
        match merchant_options(&s).await {
            Ok(m) => fragment(partner_create_card(
                &user,
                &m,
                &form,
                &errors,
                created.as_ref(),
            )),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        match list_page(&s, &user, &form, &errors, created.as_ref()).await {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        }
    };
    with_status(resp, status)
}

/// What a client creation card shows after a creation.
struct CreatedClient {
    client_id: String,
    secret: Option<String>,
}

fn clients_section(
    user: &ConsoleUser,
    partner_id: &str,
    clients: &[Client],
    form: &ClientForm,
    errors: &FormErrors,
    created: Option<&CreatedClient>,
) -> Markup {
    let w = words(user.locale);
    let action = format!("/console/partners/{partner_id}/clients");
    let grant_boxes = [
        (
            Grant::ClientCredentials,
            "grant_client_credentials",
            &form.grant_client_credentials,
        ),
        (
            Grant::AuthorizationCode,
            "grant_authorization_code",
            &form.grant_authorization_code,
        ),
        (
            Grant::RefreshToken,
            "grant_refresh_token",
            &form.grant_refresh_token,
        ),
    ];
    html! {
        section #clients aria-labelledby="clients-title" {
            h2 #clients-title { (w.clients) }
            @if clients.is_empty() {
                p.muted #no-clients { (w.no_clients) }
            } @else {
                div style="overflow-x:auto" {
                    table #client-list {
                        thead { tr {
                            th scope="col" { (w.client_id) } th scope="col" { (w.name) } th scope="col" { (w.scopes) }
                            th scope="col" { (w.grants) } th scope="col" { (w.redirect_uris) } th scope="col" { (w.public) }
                        } }
                        tbody {
                            @for c in clients {
                                tr data-client=(c.client_id) {
                                    td { code { (c.client_id) } }
                                    td { (c.name) }
                                    td { @for sc in &c.allowed_scopes { code { (sc) } " " } }
                                    td { @for g in &c.allowed_grants { code { (g.as_str()) } " " } }
                                    td { @for u in &c.redirect_uris { code { (u) } br; } }
                                    td {
                                        (if c.public { w.yes } else { w.no })
                                        @if c.require_pkce && !c.public { " (PKCE)" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(c) = created {
                div #client-created .card role="status" {
                    p { (w.client_created) " " code #created-client-id { (c.client_id) } }
                    @if let Some(secret) = &c.secret {
                        p { (w.client_secret) }
                        pre #created-client-secret { (secret) }
                    } @else {
                        p.muted { (w.no_secret) }
                    }
                }
            }
            @if !user.read_only {
                form #client-create .card method="post" action=(action)
                    hx-post=(action) hx-target="#clients" hx-swap="outerHTML" {
                    h3 { (w.create_client) }
                    (csrf_field(user))
                    (errors.show_general())
                    label for="client-id" { (w.client_id) }
                    input #client-id type="text" name="client_id" maxlength="64" aria-describedby="client-id-hint"
                        value=[created.is_none().then(|| form.client_id.clone()).flatten()]
                        aria-invalid=[errors.invalid("client_id")];
                    p.muted #client-id-hint { (w.client_id_hint) }
                    (errors.show("client_id"))
                    label for="client-name" { (w.name) }
                    input #client-name type="text" name="name" maxlength="100"
                        value=[created.is_none().then(|| form.name.clone()).flatten()]
                        aria-invalid=[errors.invalid("name")];
                    (errors.show("name"))
                    label for="client-scopes" { (w.scopes) }
                    input #client-scopes type="text" name="allowed_scopes" aria-describedby="client-scopes-hint"
                        value=[created.is_none().then(|| form.allowed_scopes.clone()).flatten()]
                        aria-invalid=[errors.invalid("allowed_scopes")];
                    p.muted #client-scopes-hint { (w.scopes_hint) }
                    (errors.show("allowed_scopes"))
                    fieldset aria-invalid=[errors.invalid("allowed_grants")] {
                        legend { (w.grants) }
                        @for (g, name, value) in grant_boxes {
                            p {
                                input id={"client-" (name)} type="checkbox" name=(name) value="on"
                                    checked[created.is_none() && on(value)];
                                " "
                                label for={"client-" (name)} { code { (g.as_str()) } }
                            }
                        }
                        p.muted { (w.grants_hint) }
                    }
                    (errors.show("allowed_grants"))
                    label for="client-redirects" { (w.redirect_uris) }
                    textarea #client-redirects name="redirect_uris" rows="3" aria-describedby="client-redirects-hint"
                        aria-invalid=[errors.invalid("redirect_uris")] {
                        @if created.is_none() { (form.redirect_uris.clone().unwrap_or_default()) }
                    }
                    p.muted #client-redirects-hint { (w.redirect_hint) }
                    (errors.show("redirect_uris"))
                    p {
                        input #client-public type="checkbox" name="public" value="on" checked[created.is_none() && on(&form.public)];
                        " " label for="client-public" { (w.public) }
                    }
                    (errors.show("public"))
                    p {
                        input #client-pkce type="checkbox" name="require_pkce" value="on" checked[created.is_none() && on(&form.require_pkce)];
                        " " label for="client-pkce" { (w.require_pkce) }
                    }
                    button #create-client type="submit" { (w.create_client) }
                }
            }
        }
    }
}

/// The notification secret card: hidden until asked, or showing `secret`.
fn secret_card(
    user: &ConsoleUser,
    partner_id: &str,
    secret: Option<&str>,
    rotated: bool,
) -> Markup {
    let w = words(user.locale);
    let reveal = format!("/console/partners/{partner_id}/notification-secret");
    let rotate = format!("/console/partners/{partner_id}/notification-secret/rotate");
    html! {
        section #secret-card .card aria-labelledby="secret-title" {
            h2 #secret-title { (w.notification_secret) }
            @if let Some(sec) = secret {
                @if rotated { p #secret-rotated role="status" { (w.rotated) } }
                pre #notification-secret { (sec) }
            } @else {
                p.muted { (w.secret_hidden) }
            }
            @if !user.read_only {
                div.actions {
                    @if secret.is_none() {
                        form method="post" action=(reveal) hx-post=(reveal) hx-target="#secret-card" hx-swap="outerHTML" {
                            (csrf_field(user))
                            button #show-secret type="submit" { (w.show_secret) }
                        }
                    }
                    form method="post" action=(rotate) hx-post=(rotate) hx-target="#secret-card" hx-swap="outerHTML"
                        data-confirm=(w.rotate_confirm) {
                        (csrf_field(user))
                        button.secondary #rotate-secret type="submit" { (w.rotate) }
                    }
                }
            }
        }
    }
}

/// Everything the partner page shows, with what an action just produced.
#[derive(Default)]
struct PartnerState<'a> {
    client_form: Option<&'a ClientForm>,
    client_errors: Option<&'a FormErrors>,
    created_client: Option<&'a CreatedClient>,
    secret: Option<&'a str>,
    rotated: bool,
}

async fn partner_page(
    s: &AppState,
    user: &ConsoleUser,
    partner_id: &str,
    st: PartnerState<'_>,
) -> Result<Response, ServiceError> {
    let w = words(user.locale);
    let p = s.services.get_partner(partner_id).await?;
    let clients = s.services.partner_clients(partner_id).await?;
    let subs = s.services.partner_subscriptions(partner_id).await?;
    let chaos = s.services.chaos(partner_id).await?;
    let none_errors = FormErrors::none();
    let default_form = ClientForm::default();
    let body = html! {
        p { a href="/console/partners" { "← " (w.back) } " · " a #partner-webhooks href={"/console/webhooks?partner_id=" (p.id)} { (w.webhooks) } }
        dl {
            dt { "ID" } dd { code #partner-id { (p.id) } }
            dt { (w.kind) } dd { (p.kind.as_str()) }
            @if let Some(m) = &p.merchant_id { dt { (w.merchant) } dd { code { (m) } } }
            dt { (w.created) } dd { (rfc3339_seconds(p.created_at)) }
        }
        (secret_card(user, &p.id, st.secret, st.rotated))
        (super::chaos::card(user, &p.id, chaos.config.as_ref(), chaos.decisions,
            &super::chaos::ChaosForm::of(chaos.config.as_ref()), &[]))
        (clients_section(user, &p.id, &clients, st.client_form.unwrap_or(&default_form),
            st.client_errors.unwrap_or(&none_errors), st.created_client))
        section #subscriptions aria-labelledby="subscriptions-title" {
            h2 #subscriptions-title { (w.subscriptions) }
            @if subs.is_empty() {
                p.muted #no-subscriptions { (w.no_subscriptions) }
            } @else {
                div style="overflow-x:auto" {
                    table #subscription-list {
                        thead { tr {
                            th scope="col" { (w.level) } th scope="col" { (w.event) } th scope="col" { (w.url) } th scope="col" { (w.active) }
                        } }
                        tbody {
                            @for sub in &subs {
                                tr data-subscription=(sub.id) {
                                    td { @if let Some(o) = &sub.outlet_id { "Outlet " code { (o) } } @else { (w.general) } }
                                    td { code { (sub.event) } }
                                    td { code { (sub.url) } }
                                    td {
                                        @if sub.active { span.badge.ok { (w.yes) } } @else { span.badge { (w.no) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(user, Nav::Partners, &p.name, body))
}

fn partner_not_found(user: &ConsoleUser) -> Response {
    let w = words(user.locale);
    with_status(
        page(
            user,
            Nav::Partners,
            w.not_found,
            html! { p #not-found { (w.not_found) } p { a href="/console/partners" { (w.back) } } },
        ),
        StatusCode::NOT_FOUND,
    )
}

fn page_or_error(user: &ConsoleUser, r: Result<Response, ServiceError>) -> Response {
    match r {
        Ok(resp) => resp,
        Err(ServiceError::NotFound(_)) => partner_not_found(user),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// One partner.
#[utoipa::path(get, path = "/console/partners/{partner_id}", tag = "Console",
    summary = "One partner",
    description = "Its OAuth clients with the form creating one, its notification subscriptions (partner-wide and per outlet), its notification secret on demand, and rotation.",
    params(("partner_id" = String, Path, description = "The partner")),
    responses(
        (status = 200, description = "HTML", content_type = "text/html", body = String),
        (status = 303, description = "No session: to `/console/sign-in?next=…`"),
        (status = 404, description = "Unknown partner", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn detail(State(s): State<AppState>, user: ConsoleUser, Path(id): Path<String>) -> Response {
    let r = partner_page(&s, &user, &id, PartnerState::default()).await;
    page_or_error(&user, r)
}

fn split_list(v: &Option<String>, seps: &[char]) -> Option<Vec<String>> {
    let items: Vec<String> = v
        .as_deref()
        .unwrap_or("")
        .split(|c: char| seps.contains(&c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    (!items.is_empty()).then_some(items)
}

/// Creates an OAuth client; the answer shows its secret once.
#[utoipa::path(post, path = "/console/partners/{partner_id}/clients", tag = "Console",
    summary = "Create an OAuth client",
    description = "Same service as `POST /sandbox/v1/partners/{partner_id}/clients`: scopes, grants, redirect URIs, public clients. htmx gets the clients section, a plain form the whole page; both show the client secret once, or each error next to its field.",
    params(("partner_id" = String, Path, description = "The partner")),
    request_body(content_type = "application/x-www-form-urlencoded", content = ClientForm),
    responses(
        (status = 200, description = "Created: the section (htmx) or page with the secret", content_type = "text/html", body = String),
        (status = 303, description = "No session: to sign-in"),
        (status = 400, description = "Invalid input: the form with each error next to its field", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown partner", content_type = "text/html", body = String),
        (status = 409, description = "The client id is taken: the form with the error", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn create_client(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    Path(partner_id): Path<String>,
    body: Bytes,
) -> Response {
    let form: ClientForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let grants: Vec<String> = [
        (&form.grant_client_credentials, Grant::ClientCredentials),
        (&form.grant_authorization_code, Grant::AuthorizationCode),
        (&form.grant_refresh_token, Grant::RefreshToken),
    ]
    .into_iter()
    .filter(|(v, _)| on(v))
    .map(|(_, g)| g.as_str().to_string())
    .collect();
    let input = NewClient {
        client_id: nonempty(&form.client_id),
        name: nonempty(&form.name),
        allowed_scopes: split_list(&form.allowed_scopes, &[' ', ',', '\n', '\r', '\t']),
        allowed_grants: (!grants.is_empty()).then_some(grants),
        redirect_uris: split_list(&form.redirect_uris, &['\n', '\r']),
        public: Some(on(&form.public)),
        require_pkce: Some(on(&form.require_pkce)),
    };
    let fields = [
        "client_id",
        "name",
        "allowed_scopes",
        "allowed_grants",
        "redirect_uris",
        "public",
    ];
    let (errors, created) = match s.services.create_client(&partner_id, input).await {
        Ok(c) => (
            FormErrors::none(),
            Some(CreatedClient {
                client_id: c.client.client_id,
                secret: c.client_secret,
            }),
        ),
        Err(ServiceError::NotFound(_)) => return partner_not_found(&user),
        Err(e) => (FormErrors::from_service(e, &fields), None),
    };
    let status = errors.status;
    let resp = if user.htmx {
        match s.services.partner_clients(&partner_id).await {
            Ok(clients) => fragment(clients_section(
                &user,
                &partner_id,
                &clients,
                &form,
                &errors,
                created.as_ref(),
            )),
            Err(e) => return page_or_error(&user, Err(e)),
        }
    } else {
        let st = PartnerState {
            client_form: Some(&form),
            client_errors: Some(&errors),
            created_client: created.as_ref(),
            ..PartnerState::default()
        };
        page_or_error(&user, partner_page(&s, &user, &partner_id, st).await)
    };
    if resp.status() == StatusCode::OK {
        with_status(resp, status)
    } else {
        resp
    }
}

/// Answers a secret action: the card (htmx) or the partner page with the secret.
async fn secret_answer(
    s: &AppState,
    user: &ConsoleUser,
    partner_id: &str,
    secret: Result<String, ServiceError>,
    rotated: bool,
) -> Response {
    let secret = match secret {
        Ok(sec) => sec,
        Err(e) => return page_or_error(user, Err(e)),
    };
    if user.htmx {
        return fragment(secret_card(user, partner_id, Some(&secret), rotated));
    }
    let st = PartnerState {
        secret: Some(&secret),
        rotated,
        ..PartnerState::default()
    };
    page_or_error(user, partner_page(s, user, partner_id, st).await)
}

/// Shows the partner's notification secret (a POST, so it never sits in a page by default).
#[utoipa::path(post, path = "/console/partners/{partner_id}/notification-secret", tag = "Console",
    summary = "Show a partner's notification secret",
    description = "Same service as `GET /sandbox/v1/partners/{partner_id}/notification-secret`. htmx gets the secret card, a plain form the partner page with the secret.",
    params(("partner_id" = String, Path, description = "The partner")),
    request_body(content_type = "application/x-www-form-urlencoded", content = CsrfForm),
    responses(
        (status = 200, description = "The secret card (htmx) or page", content_type = "text/html", body = String),
        (status = 303, description = "No session: to sign-in"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown partner", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn reveal_secret(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    Path(partner_id): Path<String>,
    body: Bytes,
) -> Response {
    let form: CsrfForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let secret = s.services.notification_secret(&partner_id).await;
    secret_answer(&s, &user, &partner_id, secret, false).await
}

/// Rotates the partner's notification secret and shows the new one.
#[utoipa::path(post, path = "/console/partners/{partner_id}/notification-secret/rotate", tag = "Console",
    summary = "Rotate a partner's notification secret",
    description = "Same service as `POST /sandbox/v1/partners/{partner_id}/notification-secret`: deliveries from now on are signed with the new secret, which the answer shows.",
    params(("partner_id" = String, Path, description = "The partner")),
    request_body(content_type = "application/x-www-form-urlencoded", content = CsrfForm),
    responses(
        (status = 200, description = "The secret card (htmx) or page with the new secret", content_type = "text/html", body = String),
        (status = 303, description = "No session: to sign-in"),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown partner", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn rotate_secret(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    Path(partner_id): Path<String>,
    body: Bytes,
) -> Response {
    let form: CsrfForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let secret = s
        .services
        .rotate_notification_secret(&partner_id)
        .await
        .map(|p| p.notification_secret);
    secret_answer(&s, &user, &partner_id, secret, true).await
}
