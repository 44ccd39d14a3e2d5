//! Sandbox control API (spec §10): fixtures, links, clock, reset, seed, the order, driver and
//! payer simulators, deliveries. Admin token only (its security and the common errors are
//! added to the document by `crate::openapi`).

use crate::envelope::{created, ok, ApiResult, Empty, Failure, Success};
use crate::extract::{Admin, ApiJson, ApiPath, DeferredValue};
use crate::views::{self, ClientView, Clock, DeliveryInfo, LinkView, MerchantView, OutletFull};
use crate::views::{PartnerView, SandboxOrder, UserView};
use crate::AppState;
use axum::extract::{RawQuery, State};
use gobiz_domain::catalog::{CatalogBody, CatalogReadModel, StockBody, StockTarget};
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::payment::Ending;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::partner::notifications::DeliveryFilter;
use gobiz_services::partner::orders::RejectBody;
use gobiz_services::partner::payments::TransactionData;
use gobiz_services::sandbox::events::NewEvent;
use gobiz_services::sandbox::{
    AdvanceClock, LinkRequest, NewClient, NewMerchant, NewPartner, NewUser, OutletFields,
    ResetRequest, Seeded,
};
use gobiz_services::simulators::customer::{CustomerCancelBody, NewOrder};
use gobiz_services::simulators::driver::{AdvanceBody, DriverBody};
use gobiz_services::simulators::payer::PayBody;
use gobiz_services::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_merchant, list_merchants))
        .routes(routes!(create_outlet))
        .routes(routes!(list_outlets))
        .routes(routes!(get_outlet, patch_outlet))
        .routes(routes!(create_user, list_users))
        .routes(routes!(create_partner, list_partners))
        .routes(routes!(get_partner))
        .routes(routes!(create_client))
        .routes(routes!(link, unlink))
        .routes(routes!(clock))
        .routes(routes!(advance_clock))
        .routes(routes!(reset))
        .routes(routes!(seed))
        .routes(routes!(otp))
        .routes(routes!(pay))
        .routes(routes!(expire_transaction))
        .routes(routes!(cancel_transaction))
        .routes(routes!(place_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(advance_order))
        .routes(routes!(order_driver))
        .routes(routes!(cancel_order))
        .routes(routes!(accept_order))
        .routes(routes!(reject_order))
        .routes(routes!(food_prepared))
        .routes(routes!(push_catalog))
        .routes(routes!(sandbox_catalog, sandbox_put_catalog))
        .routes(routes!(menu_item_stocks))
        .routes(routes!(variant_stocks))
        .routes(routes!(emit_event))
        .routes(routes!(list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(redeliver))
        .routes(routes!(read_secret, rotate_secret))
        .routes(routes!(rotate_keys))
}

// ---- Path and query parameters (for the OpenAPI document) ----

/// `{merchant_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct MerchantParams {
    /// The merchant (`data.merchant.id` of its creation).
    #[param(example = "3f1c2a9e-7b4d-4e51-9a0b-5c6d7e8f9012")]
    merchant_id: String,
}

/// `{outlet_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet, `G` and 9 digits.
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// `{partner_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct PartnerParams {
    /// The partner (`data.partner.id` of its creation).
    #[param(example = "7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d")]
    partner_id: String,
}

/// `{id}` of a QRIS transaction.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct TransactionParams {
    /// The transaction (`data.transaction.id` of its creation, spec §7.2).
    #[param(example = "5b0c7e7e-2f4a-4d38-9d1e-3a1b2c3d4e5f")]
    id: String,
}

/// `{order_number}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OrderNumberParams {
    /// The GoFood order number (`order.order_number`).
    #[param(example = "F-852457710")]
    order_number: String,
}

/// `{delivery_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct DeliveryParams {
    /// The delivery (`id` in the sandbox delivery log).
    #[param(example = "0b6f5a3e-8d2c-4f1a-9e7b-6c5d4e3f2a10")]
    delivery_id: String,
}

/// The query of `GET /sandbox/v1/otp`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct OtpQuery {
    /// The merchant user's phone: `08…`, `628…` or `+628…`.
    #[param(required = true, example = "+6281234567890")]
    phone: String,
}

/// Paging of a sandbox list (spec §1.13).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PageQuery {
    /// Page number, from 1 (default 1); a page past the end is an empty list.
    #[param(minimum = 1, example = 1)]
    page: Option<u64>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    per_page: Option<u64>,
}

/// The filters and paging of `GET /sandbox/v1/deliveries`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct DeliveriesQuery {
    /// Only deliveries to this partner.
    partner_id: Option<String>,
    /// Only this event, e.g. `gofood.order.completed`.
    #[param(example = "gofood.order.completed")]
    event: Option<String>,
    /// Only deliveries in this status: `pending`, `retrying`, `delivered` or `dead`.
    #[param(pattern = "^(pending|retrying|delivered|dead)$", example = "delivered")]
    status: Option<String>,
    /// Only deliveries about this entity (an order number, a transaction id, ...).
    #[param(example = "F-852457710")]
    entity_id: Option<String>,
    /// Only deliveries of this subscription.
    subscription_id: Option<String>,
    /// Only deliveries of events about this outlet.
    #[param(example = "G000012345")]
    outlet_id: Option<String>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    page: Option<u64>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    per_page: Option<u64>,
}

// ---- Answers ----

/// `data` of a merchant creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMerchant {
    /// The merchant.
    pub merchant: MerchantView,
}

/// `data` of the merchant list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMerchants {
    /// Every merchant.
    pub merchants: Vec<MerchantView>,
}

/// `data` of an outlet answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxOutlet {
    /// The outlet with every field.
    pub outlet: OutletFull,
}

/// `data` of the outlet list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxOutlets {
    /// Every outlet.
    pub outlets: Vec<OutletFull>,
}

/// `data` of a user creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxUser {
    /// The merchant user.
    pub user: UserView,
}

/// `data` of the user list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxUsers {
    /// Every merchant user.
    pub users: Vec<UserView>,
}

/// `data` of a partner answer; `notification_secret` only on creation and rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxPartner {
    /// The partner.
    pub partner: PartnerView,
}

/// `data` of the partner list (secrets not shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxPartners {
    /// Every partner.
    pub partners: Vec<PartnerView>,
}

/// `data` of a client creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxClient {
    /// The client with its secret (shown once; `null` for a public client).
    pub client: ClientView,
}

/// `data` of a link: the link as spec §3.5 answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxLink {
    /// The linked outlet.
    pub outlet: LinkView,
}

/// `data` of the clock answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxClock {
    /// The sandbox clock.
    pub clock: Clock,
}

/// `data` of `POST /sandbox/v1/seed`: what was created, secrets included (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxSeeded {
    /// The demo merchant.
    pub merchant: MerchantView,
    /// Its outlet, linked to the partner for `gofood` and `payment`, with a menu.
    pub outlet: OutletFull,
    /// The owner.
    pub user: UserView,
    /// The facilitator partner with its notification secret.
    pub partner: PartnerView,
    /// Its confidential client with its secret.
    pub client: ClientView,
}

/// Renders what `seed` created, secrets included (shown once).
pub fn seeded(s: &Seeded) -> SandboxSeeded {
    SandboxSeeded {
        merchant: views::merchant(&s.merchant),
        outlet: views::outlet_full(&s.outlet),
        user: views::user(&s.user),
        partner: views::partner_with_secret(&s.partner),
        client: views::client_with_secret(&s.client),
    }
}

/// A live login OTP (spec §2.5).
#[derive(Debug, Serialize, ToSchema)]
pub struct OtpView {
    /// The phone it was sent to (`+628…`).
    #[schema(example = "+6281234567890")]
    pub phone: String,
    /// The code.
    #[schema(example = "123456")]
    pub code: String,
    /// When it stops being accepted.
    #[schema(format = DateTime, example = "2026-01-15T10:05:00+07:00")]
    pub expires_at: String,
    /// Wrong entries left before the login flow is locked.
    #[schema(example = 5)]
    pub attempts_left: i64,
}

/// `data` of `GET /sandbox/v1/otp`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxOtp {
    /// The live OTP.
    pub otp: OtpView,
}

/// The new ID-token signing key.
#[derive(Debug, Serialize, ToSchema)]
pub struct SigningKeyView {
    /// Its key id (`kid` in the JWKS and the tokens' header).
    pub kid: String,
    /// Always `RS256`.
    #[schema(example = "RS256")]
    pub alg: &'static str,
}

/// `data` of `POST /sandbox/v1/keys/rotate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxKey {
    /// The key now signing.
    pub key: SigningKeyView,
}

/// `data` of `GET /sandbox/v1/partners/{partner_id}/notification-secret`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationSecretView {
    /// The partner.
    pub partner_id: String,
    /// The secret webhook signatures are made with.
    #[schema(example = "<notification-secret>")]
    pub notification_secret: String,
}

/// An emitted event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmittedEvent {
    /// `header.event_id` of the webhook.
    #[schema(format = "uuid")]
    pub event_id: String,
    /// The event name.
    #[schema(example = "gofood.order.awaiting_merchant_acceptance")]
    pub event: String,
    /// The outlet it concerns.
    #[schema(example = "G000012345")]
    pub outlet_id: String,
    /// Deliveries created (one per subscribed receiver allowed to hear it).
    pub deliveries: usize,
}

/// `data` of `POST /sandbox/v1/events`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxEvent {
    /// The event.
    pub event: EmittedEvent,
}

/// `data` of the delivery list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxDeliveries {
    /// The deliveries on this page.
    pub deliveries: Vec<DeliveryInfo>,
}

/// `data` of one delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxDelivery {
    /// The delivery with every attempt.
    pub delivery: DeliveryInfo,
}

/// `data` of an order answer: the webhook `body.order` (spec §9.12) plus
/// `acceptance_deadline`, `food_prepared_at` and `events[]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxOrderData {
    /// The order.
    pub order: SandboxOrder,
}

/// `data` of an outlet's order list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxOrdersData {
    /// The orders on this page, newest first.
    pub orders: Vec<SandboxOrder>,
}

// ---- Merchants, outlets, users ----

#[utoipa::path(post, path = "/sandbox/v1/merchants", tag = "Sandbox",
    operation_id = "sandbox_create_merchant",
    summary = "Create a merchant",
    description = "Creates a merchant (a brand that owns outlets).",
    request_body = NewMerchant,
    responses(
        (status = 201, description = "Created", body = Success<SandboxMerchant>),
    ))]
async fn create_merchant(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewMerchant>,
) -> ApiResult {
    let m = s.services.create_merchant(b).await?;
    Ok(created(SandboxMerchant {
        merchant: views::merchant(&m),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/merchants", tag = "Sandbox",
    operation_id = "sandbox_list_merchants",
    summary = "List merchants",
    description = "Every merchant.",
    responses(
        (status = 200, description = "The merchants", body = Success<SandboxMerchants>),
    ))]
async fn list_merchants(State(s): State<AppState>, _: Admin) -> ApiResult {
    let merchants = s
        .services
        .list_merchants()
        .await?
        .iter()
        .map(views::merchant)
        .collect();
    Ok(ok(SandboxMerchants { merchants }))
}

#[utoipa::path(post, path = "/sandbox/v1/merchants/{merchant_id}/outlets", tag = "Sandbox",
    operation_id = "sandbox_create_outlet",
    summary = "Create an outlet",
    description = "Creates an outlet of a merchant with every field of spec §3.1. `name` is required; the id is drawn at random unless `id` (`G` and 9 digits) is given.",
    params(MerchantParams),
    request_body = OutletFields,
    responses(
        (status = 201, description = "Created", body = Success<SandboxOutlet>),
        (status = 404, description = "Unknown merchant: `Merchant with id: <merchant_id> is not found`", body = Failure),
        (status = 409, description = "The chosen id is taken: `Outlet with id: <id> already exists`", body = Failure),
    ))]
async fn create_outlet(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(merchant_id): ApiPath<String>,
    ApiJson(b): ApiJson<OutletFields>,
) -> ApiResult {
    let o = s.services.create_outlet(&merchant_id, b).await?;
    Ok(created(SandboxOutlet {
        outlet: views::outlet_full(&o),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/outlets", tag = "Sandbox",
    operation_id = "sandbox_list_outlets",
    summary = "List outlets",
    description = "Every outlet, with every field.",
    responses(
        (status = 200, description = "The outlets", body = Success<SandboxOutlets>),
    ))]
async fn list_outlets(State(s): State<AppState>, _: Admin) -> ApiResult {
    let outlets = s
        .services
        .list_outlets()
        .await?
        .iter()
        .map(views::outlet_full)
        .collect();
    Ok(ok(SandboxOutlets { outlets }))
}

#[utoipa::path(get, path = "/sandbox/v1/outlets/{outlet_id}", tag = "Sandbox",
    operation_id = "sandbox_get_outlet",
    summary = "Read an outlet",
    description = "One outlet with every field.",
    params(OutletParams),
    responses(
        (status = 200, description = "The outlet", body = Success<SandboxOutlet>),
    ))]
async fn get_outlet(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let o = s.services.get_outlet(&id).await?;
    Ok(ok(SandboxOutlet {
        outlet: views::outlet_full(&o),
    }))
}

#[utoipa::path(patch, path = "/sandbox/v1/outlets/{outlet_id}", tag = "Sandbox",
    operation_id = "sandbox_patch_outlet",
    summary = "Change an outlet",
    description = "Changes any settable field of an outlet (name, address, e-mail, status, acceptance mode, force close, payment switches), as the merchant would in the GoBiz app. Only the fields sent change; `id` cannot be changed.",
    params(OutletParams),
    request_body = OutletFields,
    responses(
        (status = 200, description = "Changed", body = Success<SandboxOutlet>),
    ))]
async fn patch_outlet(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<OutletFields>,
) -> ApiResult {
    let o = s.services.patch_outlet(&id, b).await?;
    Ok(ok(SandboxOutlet {
        outlet: views::outlet_full(&o),
    }))
}

#[utoipa::path(post, path = "/sandbox/v1/users", tag = "Sandbox",
    operation_id = "sandbox_create_user",
    summary = "Create a merchant user",
    description = "Creates a merchant user who signs in with a phone number and an OTP, with one role (`owner`, `admin`, `manager`) per merchant and optionally a primary outlet.",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = Success<SandboxUser>),
        (status = 409, description = "The phone is taken: `User with phone: <phone> already exists`", body = Failure),
    ))]
async fn create_user(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewUser>,
) -> ApiResult {
    let u = s.services.create_user(b).await?;
    Ok(created(SandboxUser {
        user: views::user(&u),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/users", tag = "Sandbox",
    operation_id = "sandbox_list_users",
    summary = "List merchant users",
    description = "Every merchant user with their roles.",
    responses(
        (status = 200, description = "The users", body = Success<SandboxUsers>),
    ))]
async fn list_users(State(s): State<AppState>, _: Admin) -> ApiResult {
    let users = s
        .services
        .list_users()
        .await?
        .iter()
        .map(views::user)
        .collect();
    Ok(ok(SandboxUsers { users }))
}

// ---- Partners and clients ----

#[utoipa::path(post, path = "/sandbox/v1/partners", tag = "Sandbox",
    operation_id = "sandbox_create_partner",
    summary = "Create a partner",
    description = "Creates a facilitator or direct partner. The answer shows its webhook `notification_secret` once.",
    request_body = NewPartner,
    responses(
        (status = 201, description = "Created, with the notification secret", body = Success<SandboxPartner>),
    ))]
async fn create_partner(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewPartner>,
) -> ApiResult {
    let p = s.services.create_partner(b).await?;
    Ok(created(SandboxPartner {
        partner: views::partner_with_secret(&p),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/partners", tag = "Sandbox",
    operation_id = "sandbox_list_partners",
    summary = "List partners",
    description = "Every partner; secrets are not shown.",
    responses(
        (status = 200, description = "The partners", body = Success<SandboxPartners>),
    ))]
async fn list_partners(State(s): State<AppState>, _: Admin) -> ApiResult {
    let partners = s
        .services
        .list_partners()
        .await?
        .iter()
        .map(views::partner)
        .collect();
    Ok(ok(SandboxPartners { partners }))
}

#[utoipa::path(get, path = "/sandbox/v1/partners/{partner_id}", tag = "Sandbox",
    operation_id = "sandbox_get_partner",
    summary = "Read a partner",
    description = "One partner; its secret is not shown.",
    params(PartnerParams),
    responses(
        (status = 200, description = "The partner", body = Success<SandboxPartner>),
        (status = 404, description = "Unknown partner: `Partner with id: <partner_id> is not found`", body = Failure),
    ))]
async fn get_partner(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let p = s.services.get_partner(&id).await?;
    Ok(ok(SandboxPartner {
        partner: views::partner(&p),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/partners/{partner_id}/notification-secret", tag = "Sandbox",
    operation_id = "sandbox_read_notification_secret",
    summary = "Read a partner's notification secret",
    description = "The secret a partner's receivers verify webhook signatures with (spec §9.7).",
    params(PartnerParams),
    responses(
        (status = 200, description = "The secret", body = Success<NotificationSecretView>),
        (status = 404, description = "Unknown partner: `Partner with id: <partner_id> is not found`", body = Failure),
    ))]
async fn read_secret(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let secret = s.services.notification_secret(&id).await?;
    Ok(ok(NotificationSecretView {
        partner_id: id,
        notification_secret: secret,
    }))
}

#[utoipa::path(post, path = "/sandbox/v1/partners/{partner_id}/notification-secret", tag = "Sandbox",
    operation_id = "sandbox_rotate_notification_secret",
    summary = "Rotate a partner's notification secret",
    description = "Replaces the partner's webhook signing secret; the answer shows the new one once. Deliveries from now on are signed with it.",
    params(PartnerParams),
    responses(
        (status = 200, description = "Rotated, with the new secret", body = Success<SandboxPartner>),
        (status = 404, description = "Unknown partner: `Partner with id: <partner_id> is not found`", body = Failure),
    ))]
async fn rotate_secret(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let p = s.services.rotate_notification_secret(&id).await?;
    Ok(ok(SandboxPartner {
        partner: views::partner_with_secret(&p),
    }))
}

#[utoipa::path(post, path = "/sandbox/v1/partners/{partner_id}/clients", tag = "Sandbox",
    operation_id = "sandbox_create_client",
    summary = "Create an OAuth client",
    description = "Creates an OAuth client of a partner: scopes, grants, redirect URIs, public clients with PKCE. The answer shows its `client_secret` once (`null` for a public client).",
    params(PartnerParams),
    request_body = NewClient,
    responses(
        (status = 201, description = "Created, with the client secret", body = Success<SandboxClient>),
        (status = 404, description = "Unknown partner: `Partner with id: <partner_id> is not found`", body = Failure),
        (status = 409, description = "The client id is taken: `Client with client_id: <client_id> already exists`", body = Failure),
    ))]
async fn create_client(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(partner_id): ApiPath<String>,
    ApiJson(b): ApiJson<NewClient>,
) -> ApiResult {
    let c = s.services.create_client(&partner_id, b).await?;
    Ok(created(SandboxClient {
        client: views::client_with_secret(&c),
    }))
}

// ---- Links ----

#[utoipa::path(post, path = "/sandbox/v1/links", tag = "Sandbox",
    operation_id = "sandbox_link",
    summary = "Link an outlet to a partner",
    description = "Links an outlet to a facilitator partner for one product exactly as a merchant user would through spec §3.5: the same role rules and side effects (linking for `gofood` sets the outlet to `auto_accept`). Linking again updates `external_outlet_id`.",
    request_body = LinkRequest,
    responses(
        (status = 200, description = "Linked", body = Success<SandboxLink>),
        (status = 403, description = "The user has no role, or a role that may not link, in the outlet's merchant", body = Failure),
        (status = 404, description = "Unknown user, partner or outlet", body = Failure),
        (status = 409, description = "A direct partner acts on its merchant's outlets without links", body = Failure),
    ))]
async fn link(State(s): State<AppState>, _: Admin, ApiJson(b): ApiJson<LinkRequest>) -> ApiResult {
    let l = s.services.sandbox_link(b).await?;
    Ok(ok(SandboxLink {
        outlet: views::link(&l),
    }))
}

#[utoipa::path(delete, path = "/sandbox/v1/links", tag = "Sandbox",
    operation_id = "sandbox_unlink",
    summary = "Unlink an outlet from a partner",
    description = "Unlinks an outlet from a partner for one product exactly as spec §3.6; unlinking what is not linked also succeeds.",
    request_body = LinkRequest,
    responses(
        (status = 200, description = "Unlinked", body = Success<Empty>),
        (status = 403, description = "The user has no role, or a role that may not unlink, in the outlet's merchant", body = Failure),
        (status = 404, description = "Unknown user, partner or outlet", body = Failure),
        (status = 409, description = "A direct partner acts on its merchant's outlets without links", body = Failure),
    ))]
async fn unlink(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<LinkRequest>,
) -> ApiResult {
    s.services.sandbox_unlink(b).await?;
    Ok(ok(Empty {}))
}

// ---- Clock, reset, seed, OTP, keys ----

#[utoipa::path(get, path = "/sandbox/v1/clock", tag = "Sandbox",
    operation_id = "sandbox_clock",
    summary = "Read the sandbox clock",
    description = "The sandbox's current time and its offset from real time (spec §10.5).",
    responses(
        (status = 200, description = "The clock", body = Success<SandboxClock>),
    ))]
async fn clock(State(s): State<AppState>, _: Admin) -> ApiResult {
    Ok(ok(SandboxClock {
        clock: views::clock(&s.services.clock_view()),
    }))
}

#[utoipa::path(post, path = "/sandbox/v1/clock/advance", tag = "Sandbox",
    operation_id = "sandbox_advance_clock",
    summary = "Move the sandbox clock forward",
    description = "Moves the clock forward and, before answering, runs every timer that falls due: acceptance timeouts, promotion status, payment expiry, due webhook attempts (enqueued; sending stays asynchronous). The clock never moves backwards; `reset` returns it to real time.",
    request_body = AdvanceClock,
    responses(
        (status = 200, description = "The clock after the move", body = Success<SandboxClock>),
        (status = 409, description = "A production server's clock cannot move: `The clock can only be advanced in sandbox mode`", body = Failure),
    ))]
async fn advance_clock(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<AdvanceClock>,
) -> ApiResult {
    let c = s.services.advance_clock(b).await?;
    Ok(ok(SandboxClock {
        clock: views::clock(&c),
    }))
}

/// `POST /sandbox/v1/reset`: everything deleted; with `{"demo": true}` the `--demo` data set
/// is seeded again (its fixed ids and secrets: the README's walk-through works as written).
#[utoipa::path(post, path = "/sandbox/v1/reset", tag = "Sandbox",
    operation_id = "sandbox_reset",
    summary = "Reset the sandbox",
    description = "Deletes all data except configuration and signing keys and sets the clock back to real time. With `\"demo\": true` the `--demo` data set is restored exactly (its fixed ids and secrets). The body is optional.",
    request_body(content = Option<ResetRequest>, description = "Optional"),
    responses(
        (status = 200, description = "Reset", body = Success<Empty>),
    ))]
async fn reset(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<ResetRequest>,
) -> ApiResult {
    if b.demo == Some(true) {
        s.services.reset_to_demo().await?;
    } else {
        s.services.reset().await?;
    }
    Ok(ok(Empty {}))
}

#[utoipa::path(post, path = "/sandbox/v1/seed", tag = "Sandbox",
    operation_id = "sandbox_seed",
    summary = "Create a demo data set",
    description = "Creates a demo merchant, an outlet with a menu, its owner, a facilitator partner and a confidential client, with the outlet linked for `gofood` and `payment`. The answer shows their ids and secrets once.",
    responses(
        (status = 201, description = "Created", body = Success<SandboxSeeded>),
    ))]
async fn seed(State(s): State<AppState>, _: Admin) -> ApiResult {
    let seeded_data = s.services.seed(false).await?;
    Ok(created(seeded(&seeded_data)))
}

/// `GET /sandbox/v1/otp?phone=`: the live OTP the built-in sender delivered (spec §10.2).
#[utoipa::path(get, path = "/sandbox/v1/otp", tag = "Sandbox",
    operation_id = "sandbox_otp",
    summary = "Read a live login OTP",
    description = "The live one-time password the built-in sender delivered to a merchant user's phone during a login (spec §2.5), with the tries left.",
    params(OtpQuery),
    responses(
        (status = 200, description = "The live OTP", body = Success<SandboxOtp>),
        (status = 404, description = "No OTP is live for the phone: `No live OTP for phone: <phone>`", body = Failure),
    ))]
async fn otp(State(s): State<AppState>, _: Admin, RawQuery(q): RawQuery) -> ApiResult {
    let pairs = crate::extract::query_pairs(q.as_deref());
    let phone = crate::extract::pair(&pairs, "phone")
        .ok_or_else(|| ServiceError::invalid("phone", "is required"))?;
    match s.services.sandbox_otp(phone).await? {
        Some((msg, left)) => Ok(ok(SandboxOtp {
            otp: OtpView {
                phone: msg.phone,
                code: msg.code,
                expires_at: rfc3339_seconds(msg.expires_at),
                attempts_left: left,
            },
        })),
        None => Err(ServiceError::NotFound(format!("No live OTP for phone: {phone}")).into()),
    }
}

/// `POST /sandbox/v1/keys/rotate`: a new ID-token signing key; the old one stays in the JWKS
/// until the tokens it signed have expired.
#[utoipa::path(post, path = "/sandbox/v1/keys/rotate", tag = "Sandbox",
    operation_id = "sandbox_rotate_keys",
    summary = "Rotate the ID-token signing key",
    description = "A new RS256 key signs ID tokens from now on; the old one stays published in the JWKS for the ID-token lifetime plus 300 seconds.",
    responses(
        (status = 200, description = "Rotated", body = Success<SandboxKey>),
    ))]
async fn rotate_keys(State(s): State<AppState>, _: Admin) -> ApiResult {
    let kid = s.services.rotate_signing_key().await?;
    Ok(ok(SandboxKey {
        key: SigningKeyView { kid, alg: "RS256" },
    }))
}

// ---- Events and deliveries ----

/// `POST /sandbox/v1/events`: emits an event through the normal outbox and routing.
#[utoipa::path(post, path = "/sandbox/v1/events", tag = "Sandbox",
    operation_id = "sandbox_emit_event",
    summary = "Emit a webhook event",
    description = "Emits any webhook event (spec §9.1) for an outlet through the normal outbox and routing (spec §9.6), with the given `body` or a realistic one for that event and outlet, so receivers can be tested before real orders or payments exist.",
    request_body = gobiz_services::sandbox::events::NewEvent,
    responses(
        (status = 201, description = "Emitted", body = Success<SandboxEvent>),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
    ))]
async fn emit_event(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewEvent>,
) -> ApiResult {
    let (emitted, event, outlet_id) = s.services.sandbox_emit(b).await?;
    Ok(created(SandboxEvent {
        event: EmittedEvent {
            event_id: emitted.event_id,
            event,
            outlet_id,
            deliveries: emitted.deliveries,
        },
    }))
}

/// `GET /sandbox/v1/deliveries`: the delivery log with filters and paging.
#[utoipa::path(get, path = "/sandbox/v1/deliveries", tag = "Sandbox",
    operation_id = "sandbox_list_deliveries",
    summary = "List webhook deliveries",
    description = "The webhook delivery log in the shape of spec §9.10 plus each delivery's id, idempotency key, retries and next attempt, filtered and paged.",
    params(DeliveriesQuery),
    responses(
        (status = 200, description = "The deliveries", body = Success<SandboxDeliveries>),
    ))]
async fn list_deliveries(State(s): State<AppState>, _: Admin, RawQuery(q): RawQuery) -> ApiResult {
    let pairs = crate::extract::query_pairs(q.as_deref());
    let page = crate::extract::page_of(&pairs, "per_page", 100)?;
    let get = |k: &str| crate::extract::pair(&pairs, k).map(String::from);
    let filter = DeliveryFilter {
        partner_id: get("partner_id"),
        event: get("event"),
        status: get("status"),
        entity_id: get("entity_id"),
        subscription_id: get("subscription_id"),
        outlet_id: get("outlet_id"),
    };
    let list = s
        .services
        .delivery_views(&filter, page.per, page.offset())
        .await?;
    let deliveries = list.iter().map(|d| views::delivery(d, true)).collect();
    Ok(ok(SandboxDeliveries { deliveries }))
}

#[utoipa::path(get, path = "/sandbox/v1/deliveries/{delivery_id}", tag = "Sandbox",
    operation_id = "sandbox_get_delivery",
    summary = "Read a webhook delivery",
    description = "One delivery with every attempt.",
    params(DeliveryParams),
    responses(
        (status = 200, description = "The delivery", body = Success<SandboxDelivery>),
        (status = 404, description = "Unknown delivery: `Delivery with id: <delivery_id> is not found`", body = Failure),
    ))]
async fn get_delivery(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let d = s.services.delivery_view(&id).await?;
    Ok(ok(SandboxDelivery {
        delivery: views::delivery(&d, true),
    }))
}

/// `POST /sandbox/v1/deliveries/{id}/redeliver`: one immediate attempt.
#[utoipa::path(post, path = "/sandbox/v1/deliveries/{delivery_id}/redeliver", tag = "Sandbox",
    operation_id = "sandbox_redeliver",
    summary = "Redeliver a webhook now",
    description = "Makes one immediate attempt of a delivery with the same body and headers, recorded in its history; a 2xx from the receiver makes it `delivered`. The answer is the delivery after the attempt.",
    params(DeliveryParams),
    responses(
        (status = 200, description = "Attempted", body = Success<SandboxDelivery>),
        (status = 404, description = "Unknown delivery: `Delivery with id: <delivery_id> is not found`", body = Failure),
    ))]
async fn redeliver(State(s): State<AppState>, _: Admin, ApiPath(id): ApiPath<String>) -> ApiResult {
    let d = s.services.redeliver(&id).await?;
    Ok(ok(SandboxDelivery {
        delivery: views::delivery(&d, true),
    }))
}

// ---- Catalog and stock, as the merchant ----

/// `GET /sandbox/v1/outlets/{id}/catalog`: any outlet's read model.
#[utoipa::path(get, path = "/sandbox/v1/outlets/{outlet_id}/catalog", tag = "Sandbox",
    operation_id = "sandbox_get_catalog",
    summary = "Read an outlet's catalog",
    description = "Any outlet's catalog as spec §4.3 shows it, whoever set it, without a link.",
    params(OutletParams),
    responses(
        (status = 200, description = "The catalog", body = Success<CatalogReadModel>),
    ))]
async fn sandbox_catalog(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let json = s.services.sandbox_catalog(&id).await?;
    Ok(crate::envelope::ok_raw(crate::envelope::ok_raw_body(&json)))
}

/// `PUT /sandbox/v1/outlets/{id}/catalog`: the merchant sets the menu (no partner mapping).
#[utoipa::path(put, path = "/sandbox/v1/outlets/{outlet_id}/catalog", tag = "Sandbox",
    operation_id = "sandbox_put_catalog",
    summary = "Set an outlet's catalog as the merchant",
    description = "Replaces the outlet's catalog as the merchant would in the GoBiz app: the body and its checks are those of spec §4.1, but the menu belongs to no partner's mapping and no `gofood.catalog.menu_mapping_updated` is sent.",
    params(OutletParams),
    request_body(content = CatalogBody, description = "A catalog as spec §4.1"),
    responses(
        (status = 200, description = "Set", body = Success<Empty>),
    ))]
async fn sandbox_put_catalog(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    s.services.sandbox_put_catalog(&id, &body?).await?;
    Ok(ok(Empty {}))
}

/// `PATCH`/`PUT /sandbox/v1/outlets/{id}/menu_item_stocks`, as the merchant would in the
/// GoBiz app.
#[utoipa::path(method(patch, put), path = "/sandbox/v1/outlets/{outlet_id}/menu_item_stocks",
    tag = "Sandbox", operation_id = "sandbox_menu_item_stocks",
    summary = "Set items in or out of stock as the merchant",
    description = "Toggles the stock of menu items as the merchant would in the GoBiz app; body and checks as spec §4.4, no link needed.",
    params(OutletParams),
    request_body(content = StockBody, description = "Stock changes as spec §4.4"),
    responses(
        (status = 200, description = "Set", body = Success<Empty>),
    ))]
async fn menu_item_stocks(
    s: State<AppState>,
    a: Admin,
    path: ApiPath<OutletId>,
    body: DeferredValue,
) -> ApiResult {
    sandbox_stock(s, a, path, body, StockTarget::Items).await
}

/// `PATCH`/`PUT /sandbox/v1/outlets/{id}/variant_stocks`, as the merchant would in the GoBiz
/// app.
#[utoipa::path(method(patch, put), path = "/sandbox/v1/outlets/{outlet_id}/variant_stocks",
    tag = "Sandbox", operation_id = "sandbox_variant_stocks",
    summary = "Set variants in or out of stock as the merchant",
    description = "Toggles the stock of variants as the merchant would in the GoBiz app; body and checks as spec §4.4, no link needed.",
    params(OutletParams),
    request_body(content = StockBody, description = "Stock changes as spec §4.4"),
    responses(
        (status = 200, description = "Set", body = Success<Empty>),
    ))]
async fn variant_stocks(
    s: State<AppState>,
    a: Admin,
    path: ApiPath<OutletId>,
    body: DeferredValue,
) -> ApiResult {
    sandbox_stock(s, a, path, body, StockTarget::Variants).await
}

async fn sandbox_stock(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    DeferredValue(body): DeferredValue,
    target: StockTarget,
) -> ApiResult {
    s.services.sandbox_stock(&id, target, &body?).await?;
    Ok(ok(Empty {}))
}

// ---- The customer and driver simulators ----

/// `POST /sandbox/v1/outlets/{id}/orders`: a customer places an order (spec §10.3).
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/orders", tag = "Sandbox",
    operation_id = "sandbox_place_order",
    summary = "Place a GoFood order as a customer",
    description = "A customer orders from the outlet's menu (spec §10.3). The order is priced and checked as spec §5.4, with the outlet's promotions applied, and answers already past `CREATED` per the acceptance mode; its webhooks are sent.",
    params(OutletParams),
    request_body = NewOrder,
    responses(
        (status = 201, description = "Placed", body = Success<SandboxOrderData>),
        (status = 422, description = "The simulator refuses the order, e.g. `Item XID is out of stock`, `Outlet G000012345 is closed (force_close)`, `Outlet G000012345 has no catalog`, `Item XID is not available at 23:10 on monday`, `Variant category VC-XID needs 1 to 2 selections`", body = Failure),
    ))]
async fn place_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    ApiJson(b): ApiJson<NewOrder>,
) -> ApiResult {
    let o = s.services.place_order(&id, b).await?;
    Ok(created(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// `GET /sandbox/v1/outlets/{id}/orders`: newest first, paged (`page`, `per_page`).
#[utoipa::path(get, path = "/sandbox/v1/outlets/{outlet_id}/orders", tag = "Sandbox",
    operation_id = "sandbox_list_orders",
    summary = "List an outlet's GoFood orders",
    description = "The outlet's orders, newest first, paged.",
    params(OutletParams, PageQuery),
    responses(
        (status = 200, description = "The orders", body = Success<SandboxOrdersData>),
    ))]
async fn list_orders(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = crate::extract::page_params(q.as_deref(), "per_page", 100)?;
    let list = s.services.list_orders(&id, page.per, page.offset()).await?;
    let orders = list.iter().map(views::order_view).collect();
    Ok(ok(SandboxOrdersData { orders }))
}

/// `GET /sandbox/v1/orders/{order_number}`.
#[utoipa::path(get, path = "/sandbox/v1/orders/{order_number}", tag = "Sandbox",
    operation_id = "sandbox_get_order",
    summary = "Read a GoFood order",
    description = "One order: the webhook `body.order` (spec §9.12) plus `acceptance_deadline`, `food_prepared_at` and `events[]`.",
    params(OrderNumberParams),
    responses(
        (status = 200, description = "The order", body = Success<SandboxOrderData>),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
    ))]
async fn get_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
) -> ApiResult {
    let o = s.services.get_order(&n).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// `POST /sandbox/v1/orders/{n}/advance` (`to` optional).
#[utoipa::path(post, path = "/sandbox/v1/orders/{order_number}/advance", tag = "Sandbox",
    operation_id = "sandbox_advance_order",
    summary = "Move a GoFood order on",
    description = "Moves the order to its next state, or through every state up to `to`, emitting each state's event, as the merchant, driver and platform would. The body is optional.",
    params(OrderNumberParams),
    request_body(content = Option<AdvanceBody>, description = "Optional"),
    responses(
        (status = 200, description = "The order after the move", body = Success<SandboxOrderData>),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
        (status = 409, description = "No next state, or `to` is not reachable: `Order <order_number> cannot advance from state <STATE>`, `Order <order_number> cannot reach <TO> from state <STATE>`", body = Failure),
    ))]
async fn advance_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<AdvanceBody>,
) -> ApiResult {
    let o = s.services.advance_order(&n, b.to.as_deref()).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// `POST /sandbox/v1/orders/{n}/driver` (`name` optional).
#[utoipa::path(post, path = "/sandbox/v1/orders/{order_number}/driver", tag = "Sandbox",
    operation_id = "sandbox_order_driver",
    summary = "Give a GoFood order a driver",
    description = "A driver takes a delivery order in `MERCHANT_ACCEPTED`: it becomes `DRIVER_OTW_PICKUP` with that driver. The body is optional.",
    params(OrderNumberParams),
    request_body(content = Option<DriverBody>, description = "Optional"),
    responses(
        (status = 200, description = "The order with its driver", body = Success<SandboxOrderData>),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
        (status = 409, description = "Not a delivery order in `MERCHANT_ACCEPTED`: `Order <order_number> cannot be given a driver in state <STATE>`", body = Failure),
    ))]
async fn order_driver(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<DriverBody>,
) -> ApiResult {
    let o = s.services.assign_driver(&n, b.name.as_deref()).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// `POST /sandbox/v1/orders/{n}/cancel` (`reason` optional): the customer cancels.
#[utoipa::path(post, path = "/sandbox/v1/orders/{order_number}/cancel", tag = "Sandbox",
    operation_id = "sandbox_cancel_order",
    summary = "Cancel a GoFood order as the customer",
    description = "The customer cancels an order that is not yet `PLACED`; `gofood.order.cancelled` carries the reason. The body is optional.",
    params(OrderNumberParams),
    request_body(content = Option<CustomerCancelBody>, description = "Optional"),
    responses(
        (status = 200, description = "Cancelled", body = Success<SandboxOrderData>),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
        (status = 409, description = "The order is `PLACED` or later: `Order <order_number> cannot be cancelled in state <STATE>`", body = Failure),
    ))]
async fn cancel_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<CustomerCancelBody>,
) -> ApiResult {
    let o = s.services.customer_cancel(&n, b.reason.as_deref()).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

// ---- The merchant's POS ----

/// `POST /sandbox/v1/orders/{n}/accept`: the merchant accepts, as the console's button does.
#[utoipa::path(post, path = "/sandbox/v1/orders/{order_number}/accept", tag = "Sandbox",
    operation_id = "sandbox_accept_order",
    summary = "Accept a GoFood order as the merchant",
    description = "The merchant's POS accepts an order awaiting acceptance: the same transition and `gofood.order.merchant_accepted` as `PUT …/orders/{order_type}/{order_number}/accepted` (spec §5.6), without a partner token. Idempotent once accepted. No body.",
    params(OrderNumberParams),
    responses(
        (status = 200, description = "The order, accepted", body = Success<SandboxOrderData>),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
        (status = 409, description = "Past acceptance: `Order <order_number> cannot be accepted in state <STATE>`", body = Failure),
    ))]
async fn accept_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
) -> ApiResult {
    let o = s.services.pos_accept_order(&n).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// `POST /sandbox/v1/orders/{n}/reject`: the merchant rejects, as the console's button does.
#[utoipa::path(post, path = "/sandbox/v1/orders/{order_number}/reject", tag = "Sandbox",
    operation_id = "sandbox_reject_order",
    summary = "Reject a GoFood order as the merchant",
    description = "The merchant's POS rejects an order awaiting acceptance with a reason code and description: the same rules, transition and `gofood.order.cancelled` as `PUT …/orders/{order_type}/{order_number}/cancelled` (spec §5.7), without a partner token.",
    params(OrderNumberParams),
    request_body = RejectBody,
    responses(
        (status = 200, description = "The order, cancelled", body = Success<SandboxOrderData>),
        (status = 400, description = "A missing or unknown `cancel_reason_code`, or a `cancel_reason_description` not 3 to 200 characters", body = Failure),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
        (status = 409, description = "Not awaiting acceptance: `Order <order_number> cannot be rejected in state <STATE>`", body = Failure),
    ))]
async fn reject_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<RejectBody>,
) -> ApiResult {
    let o = s.services.pos_reject_order(&n, b).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// `POST /sandbox/v1/orders/{n}/food-prepared`: the merchant marks the food ready.
#[utoipa::path(post, path = "/sandbox/v1/orders/{order_number}/food-prepared", tag = "Sandbox",
    operation_id = "sandbox_food_prepared",
    summary = "Mark a GoFood order's food prepared as the merchant",
    description = "The merchant's POS marks the food ready: the same rule as `PUT …/orders/{order_type}/{order_number}/food-prepared` (spec §5.8: accepted and not yet handed over; repeat calls succeed), without a partner token. Records `food_prepared_at`; no state change, no event. No body.",
    params(OrderNumberParams),
    responses(
        (status = 200, description = "The order with `food_prepared_at`", body = Success<SandboxOrderData>),
        (status = 404, description = "Unknown order: `Order with id: <order_number> is not found`", body = Failure),
        (status = 409, description = "Not accepted yet, or already handed over: `Order <order_number> cannot be marked as prepared in state <STATE>`", body = Failure),
    ))]
async fn food_prepared(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
) -> ApiResult {
    let o = s.services.pos_food_prepared(&n).await?;
    Ok(ok(SandboxOrderData {
        order: views::order_view(&o),
    }))
}

/// Body of `POST /sandbox/v1/outlets/{outlet_id}/catalog/push`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"partner_id": "7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d"}))]
struct RepushBody {
    /// The partner that pushes (default: the one that pushed the menu last, if it still
    /// has the outlet for `gofood`, else the first partner that has it).
    #[schema(required = false, nullable = false, value_type = String)]
    partner_id: Option<String>,
}

/// A partner's re-push of an outlet's menu.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogPushView {
    /// The outlet.
    #[schema(example = "G000012345")]
    pub outlet_id: String,
    /// The partner whose push it was (the menu mapping is now its).
    pub partner_id: String,
    /// The push's `request_id`, echoed by `gofood.catalog.menu_mapping_updated` (and its
    /// troubleshooting `entity_id`).
    #[schema(format = "uuid")]
    pub request_id: String,
    /// Items in the pushed menu.
    pub menu_items: usize,
}

/// `data` of `POST /sandbox/v1/outlets/{outlet_id}/catalog/push`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxCatalogPush {
    /// What was pushed.
    pub push: CatalogPushView,
}

/// `POST /sandbox/v1/outlets/{id}/catalog/push`: a partner re-pushes the current menu.
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/catalog/push", tag = "Sandbox",
    operation_id = "sandbox_push_catalog",
    summary = "Re-push an outlet's menu as its partner",
    description = "The outlet's current catalog is pushed again, unchanged, through the partner API's own catalog push (spec §4.2) as a partner that has the outlet for `gofood`, under a new `request_id`: the push becomes that partner's menu mapping and `gofood.catalog.menu_mapping_updated` (spec §9.14) follows once the mapping is done. The body is optional.",
    params(OutletParams),
    request_body(content = Option<RepushBody>, description = "Optional"),
    responses(
        (status = 200, description = "Pushed", body = Success<SandboxCatalogPush>),
        (status = 404, description = "Unknown outlet or partner: `Outlet with id: <outlet_id> is not found`", body = Failure),
        (status = 422, description = "Nothing to push, or no partner: `Outlet <outlet_id> has no catalog to push: set one first`, `No partner has outlet <outlet_id> for gofood: link one first`", body = Failure),
    ))]
async fn push_catalog(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    ApiJson(b): ApiJson<RepushBody>,
) -> ApiResult {
    let pushed = s
        .services
        .sandbox_repush_catalog(&id, b.partner_id.as_deref())
        .await?;
    Ok(ok(SandboxCatalogPush {
        push: CatalogPushView {
            outlet_id: id.to_string(),
            partner_id: pushed.partner_id,
            request_id: pushed.request_id,
            menu_items: pushed.menu_items,
        },
    }))
}

// ---- The payer simulator ----

/// `POST /sandbox/v1/payments/pay`: a wallet pays by id or by the scanned payload.
#[utoipa::path(post, path = "/sandbox/v1/payments/pay", tag = "Sandbox",
    operation_id = "sandbox_pay",
    summary = "Pay a QRIS transaction as a wallet",
    description = "A wallet pays a `pending` QRIS transaction, found by id or by the scanned QRIS payload: it becomes `settlement` and its webhook is sent. A transaction past its expiry is expired instead and refused.",
    request_body = PayBody,
    responses(
        (status = 200, description = "Paid: the transaction as spec §7.2", body = Success<TransactionData>),
        (status = 404, description = "Unknown transaction: `Transaction not found`", body = Failure),
        (status = 409, description = "The transaction is not `pending` (or has just expired)", body = Failure),
    ))]
async fn pay(State(s): State<AppState>, _: Admin, ApiJson(b): ApiJson<PayBody>) -> ApiResult {
    let t = s
        .services
        .pay(b.transaction_id.as_deref(), b.qris_string.as_deref())
        .await?;
    Ok(ok(s.services.transaction_data(&t)))
}

/// `POST /sandbox/v1/transactions/{id}/expire`.
#[utoipa::path(post, path = "/sandbox/v1/transactions/{id}/expire", tag = "Sandbox",
    operation_id = "sandbox_expire_transaction",
    summary = "Expire a QRIS transaction",
    description = "A `pending` transaction becomes `expire` and its webhook is sent.",
    params(TransactionParams),
    responses(
        (status = 200, description = "Expired: the transaction as spec §7.2", body = Success<TransactionData>),
        (status = 404, description = "Unknown transaction: `Transaction not found`", body = Failure),
        (status = 409, description = "The transaction is not `pending`", body = Failure),
    ))]
async fn expire_transaction(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let t = s.services.end_transaction(&id, Ending::Expire).await?;
    Ok(ok(s.services.transaction_data(&t)))
}

/// `POST /sandbox/v1/transactions/{id}/cancel`.
#[utoipa::path(post, path = "/sandbox/v1/transactions/{id}/cancel", tag = "Sandbox",
    operation_id = "sandbox_cancel_transaction",
    summary = "Cancel a QRIS transaction",
    description = "A `pending` transaction becomes `cancel` and its webhook is sent.",
    params(TransactionParams),
    responses(
        (status = 200, description = "Cancelled: the transaction as spec §7.2", body = Success<TransactionData>),
        (status = 404, description = "Unknown transaction: `Transaction not found`", body = Failure),
        (status = 409, description = "The transaction is not `pending`", body = Failure),
    ))]
async fn cancel_transaction(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let t = s.services.end_transaction(&id, Ending::Cancel).await?;
    Ok(ok(s.services.transaction_data(&t)))
}
