//! The typed JSON shapes of the responses (each derives `ToSchema`, so the OpenAPI document
//! describes exactly what is sent), with one constructor function per object.

mod order;
mod promotion;

pub use order::{order_view, SandboxOrder, SandboxOrderEvent};
pub use promotion::promotion;

use gobiz_domain::entities::{Client, Link as LinkEntity, Merchant, Outlet, Partner, User};
use gobiz_domain::timefmt::{rfc3339_millis, rfc3339_seconds as ts};
use gobiz_services::partner::notifications::{DeliveryView, Subscription};
use gobiz_services::partner::outlets::LinkedOutletView;
use gobiz_services::sandbox::{ClientWithSecret, ClockView, PartnerWithSecret};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A merchant (sandbox).
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantView {
    /// Merchant id.
    #[schema(example = "M000000001")]
    pub id: String,
    /// Business name.
    pub name: String,
    /// Creation time (RFC 3339, Asia/Jakarta offset).
    #[schema(format = DateTime, example = "2026-01-15T10:00:00+07:00")]
    pub created_at: String,
}

/// Merchant (sandbox).
pub fn merchant(m: &Merchant) -> MerchantView {
    MerchantView {
        id: m.id.clone(),
        name: m.name.clone(),
        created_at: ts(m.created_at),
    }
}

/// `{"active": bool}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Active {
    /// Whether the feature is on.
    pub active: bool,
}

/// The outlet's payment settings (spec §3.4).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentSettings {
    /// GoPay.
    pub gopay: Active,
    /// QRIS.
    pub qris: Active,
}

/// The outlet's applications (spec §3.4).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Applications {
    /// Midtrans.
    pub midtrans: Active,
    /// GoPay.
    pub gopay: Active,
}

fn payment_settings(o: &Outlet) -> PaymentSettings {
    PaymentSettings {
        gopay: Active {
            active: o.gopay_active,
        },
        qris: Active {
            active: o.qris_active,
        },
    }
}

fn applications(o: &Outlet) -> Applications {
    Applications {
        midtrans: Active {
            active: o.midtrans_active,
        },
        gopay: Active {
            active: o.gopay_active,
        },
    }
}

/// An outlet as the partner API shows it (spec §3.4).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutletInfo {
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// The merchant's business name.
    pub merchant_name: String,
    /// The outlet's name.
    pub name: String,
    /// `active` or `inactive`.
    #[schema(example = "active")]
    pub status: String,
    /// Contact e-mail.
    pub email: String,
    /// Payment settings.
    pub payment_settings: PaymentSettings,
    /// Applications.
    pub applications: Applications,
}

/// Outlet as the partner API shows it (spec §3.4).
pub fn outlet_info(o: &Outlet) -> OutletInfo {
    OutletInfo {
        id: o.id.clone(),
        merchant_name: o.merchant_name.clone(),
        name: o.name.clone(),
        status: o.status.as_str().to_string(),
        email: o.email.clone(),
        payment_settings: payment_settings(o),
        applications: applications(o),
    }
}

/// An outlet with every field of spec §3.1 (sandbox).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutletFull {
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// Owning merchant.
    pub merchant_id: String,
    /// The merchant's business name.
    pub merchant_name: String,
    /// The outlet's name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Contact e-mail.
    pub email: String,
    /// `active` or `inactive`.
    #[schema(example = "active")]
    pub status: String,
    /// `auto` or `manual` (spec §5.2).
    #[schema(example = "auto")]
    pub acceptance_mode: String,
    /// Closed to new orders.
    pub force_close: bool,
    /// Payment settings.
    pub payment_settings: PaymentSettings,
    /// Applications.
    pub applications: Applications,
    /// Point-of-payment id used in QRIS strings.
    pub pop_id: String,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Outlet with every field of spec §3.1 (sandbox).
pub fn outlet_full(o: &Outlet) -> OutletFull {
    OutletFull {
        id: o.id.clone(),
        merchant_id: o.merchant_id.clone(),
        merchant_name: o.merchant_name.clone(),
        name: o.name.clone(),
        address: o.address.clone(),
        email: o.email.clone(),
        status: o.status.as_str().to_string(),
        acceptance_mode: o.acceptance_mode.as_str().to_string(),
        force_close: o.force_close,
        payment_settings: payment_settings(o),
        applications: applications(o),
        pop_id: o.pop_id.clone(),
        created_at: ts(o.created_at),
        updated_at: ts(o.updated_at),
    }
}

/// A user's role at a merchant.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// The merchant.
    pub merchant_id: String,
    /// `owner`, `admin`, `manager` or `staff`.
    #[schema(example = "owner")]
    pub role: String,
}

/// A merchant user (sandbox).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// User id.
    pub id: String,
    /// Phone number in +62 form.
    #[schema(example = "+6281234567890")]
    pub phone: String,
    /// Name.
    pub name: String,
    /// Roles by merchant.
    pub roles: Vec<RoleView>,
    /// The outlet linked by the legacy primary-outlet link (spec §3.7).
    pub primary_outlet_id: Option<String>,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Merchant user (sandbox).
pub fn user(u: &User) -> UserView {
    UserView {
        id: u.id.clone(),
        phone: u.phone.clone(),
        name: u.name.clone(),
        roles: u
            .roles
            .iter()
            .map(|g| RoleView {
                merchant_id: g.merchant_id.clone(),
                role: g.role.as_str().to_string(),
            })
            .collect(),
        primary_outlet_id: u.primary_outlet_id.clone(),
        created_at: ts(u.created_at),
    }
}

/// A partner (sandbox); `notification_secret` only in the answers that show it once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartnerView {
    /// Partner id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `facilitator`, `pos` or `direct` (spec §3.1).
    #[serde(rename = "type")]
    #[schema(example = "facilitator")]
    pub kind: String,
    /// The merchant of a direct-integration partner.
    pub merchant_id: Option<String>,
    /// Sends the Standard Webhooks headers too (spec §9.7.1).
    pub standard_webhooks: bool,
    /// Extra read scopes for subscriptions (spec §9.2).
    pub read_scopes: Vec<String>,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The webhook signing secret, shown on create and rotate only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "<notification-secret>")]
    pub notification_secret: Option<String>,
}

/// Partner without its secret (sandbox).
pub fn partner(p: &Partner) -> PartnerView {
    PartnerView {
        id: p.id.clone(),
        name: p.name.clone(),
        kind: p.kind.as_str().to_string(),
        merchant_id: p.merchant_id.clone(),
        standard_webhooks: p.standard_webhooks,
        read_scopes: p.read_scopes.clone(),
        created_at: ts(p.created_at),
        notification_secret: None,
    }
}

/// Partner with the secret shown once (create, rotate).
pub fn partner_with_secret(p: &PartnerWithSecret) -> PartnerView {
    PartnerView {
        notification_secret: Some(p.notification_secret.clone()),
        ..partner(&p.partner)
    }
}

/// An OAuth client (sandbox); `client_secret` only in the create answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    /// OAuth `client_id`.
    pub client_id: String,
    /// The partner it acts for.
    pub partner_id: String,
    /// Name.
    pub name: String,
    /// Scopes it may request.
    pub allowed_scopes: Vec<String>,
    /// Grants it may use: `client_credentials`, `authorization_code`, `refresh_token`.
    pub allowed_grants: Vec<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// A public client (no secret, PKCE required).
    pub public: bool,
    /// PKCE required on authorization_code.
    pub require_pkce: bool,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The secret, shown once on create (`null` for a public client).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "<client-secret>")]
    pub client_secret: Option<Option<String>>,
}

/// OAuth client (sandbox).
pub fn client(c: &Client) -> ClientView {
    ClientView {
        client_id: c.client_id.clone(),
        partner_id: c.partner_id.clone(),
        name: c.name.clone(),
        allowed_scopes: c.allowed_scopes.clone(),
        allowed_grants: c
            .allowed_grants
            .iter()
            .map(|g| g.as_str().to_string())
            .collect(),
        redirect_uris: c.redirect_uris.clone(),
        public: c.public,
        require_pkce: c.require_pkce,
        created_at: ts(c.created_at),
        client_secret: None,
    }
}

/// Client with the secret shown once (create).
pub fn client_with_secret(c: &ClientWithSecret) -> ClientView {
    ClientView {
        client_secret: Some(c.client_secret.clone()),
        ..client(&c.client)
    }
}

/// A link as spec §3.5 answers it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkView {
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// The partner's id for the outlet.
    pub external_outlet_id: String,
    /// First link time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// When it was linked.
    #[schema(format = DateTime)]
    pub linked_at: String,
}

/// A link as §3.5 answers it.
pub fn link(l: &LinkEntity) -> LinkView {
    LinkView {
        id: l.outlet_id.clone(),
        external_outlet_id: l.external_outlet_id.clone(),
        created_at: ts(l.created_at),
        updated_at: ts(l.updated_at),
        linked_at: ts(l.linked_at),
    }
}

/// One entry of linked-outlets (spec §3.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedOutlet {
    /// Outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// The partner's id for the outlet; `null` for direct-integration callers.
    pub external_outlet_id: Option<String>,
    /// First link time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change of the link.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One entry of linked-outlets (spec §3.2).
pub fn linked_outlet(l: &LinkedOutletView) -> LinkedOutlet {
    LinkedOutlet {
        id: l.id.clone(),
        external_outlet_id: l.external_outlet_id.clone(),
        created_at: ts(l.created_at),
        updated_at: ts(l.updated_at),
    }
}

/// The sandbox clock (spec §10.2).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Clock {
    /// The sandbox's current time.
    #[schema(format = DateTime)]
    pub now: String,
    /// Offset from real time in whole seconds.
    pub offset_seconds: i64,
}

/// The sandbox clock (spec §10.2).
pub fn clock(c: &ClockView) -> Clock {
    Clock {
        now: ts(c.now),
        offset_seconds: c.offset_seconds,
    }
}

/// A notification subscription (spec §9.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Subscription id.
    pub id: String,
    /// Event name, e.g. `gofood.order.awaiting_merchant_acceptance`.
    #[schema(example = "gofood.order.awaiting_merchant_acceptance")]
    pub event: String,
    /// Receiver URL.
    #[schema(example = "https://pos.example.com/webhooks/gobiz")]
    pub url: String,
    /// Deliveries are made.
    pub active: bool,
    /// Creation time.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A notification subscription (spec §9.2).
pub fn subscription(s: &Subscription) -> SubscriptionView {
    SubscriptionView {
        id: s.id.clone(),
        event: s.event.clone(),
        url: s.url.clone(),
        active: s.active,
        created_at: ts(s.created_at),
        updated_at: ts(s.updated_at),
    }
}

/// One attempt of a delivery (spec §9.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When it was made (milliseconds).
    #[schema(format = DateTime)]
    pub time: String,
    /// Why it failed, when it did.
    pub exception_message: Option<String>,
    /// A 2xx was received.
    pub delivered: bool,
    /// The receiver's status, when it answered.
    pub status_code: Option<i64>,
}

/// A delivery as troubleshooting shows it (spec §9.10); the sandbox adds its id, key, retries
/// and next attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryInfo {
    /// The troubleshooting entity id (e.g. the order number).
    pub entity_id: String,
    /// Creation time (milliseconds).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Receiving partner.
    pub partner_id: String,
    /// Event name.
    pub event_type: String,
    /// Event id (`header.event_id`).
    pub event_id: String,
    /// The subscription delivered to.
    pub subscription_id: String,
    /// `pending`, `retrying`, `delivered` or `dead`.
    #[schema(example = "delivered")]
    pub delivery_status: String,
    /// The URL at creation.
    pub endpoint: String,
    /// The headers last sent (`{}` before the first attempt).
    #[schema(value_type = Object)]
    pub headers: serde_json::Value,
    /// The exact body sent, as text.
    pub payload: String,
    /// Every attempt, in order.
    pub history: Vec<AttemptView>,
    /// Delivery id (sandbox only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `X-Go-Idempotency-Key` (sandbox only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Retries so far (sandbox only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// When the next attempt is due (sandbox only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
}

/// A delivery as troubleshooting shows it (spec §9.10); `with_id` adds the sandbox fields.
pub fn delivery(v: &DeliveryView, with_id: bool) -> DeliveryInfo {
    let d = &v.delivery;
    let headers = serde_json::from_str(&d.headers)
        .unwrap_or_else(|_| serde_json::Value::Object(Default::default()));
    DeliveryInfo {
        entity_id: d.entity_id.clone(),
        created_at: rfc3339_millis(d.created_at),
        partner_id: d.partner_id.clone(),
        event_type: d.event_name.clone(),
        event_id: d.event_id.clone(),
        subscription_id: d.subscription_id.clone(),
        delivery_status: d.status.clone(),
        endpoint: d.endpoint.clone(),
        headers,
        payload: d.payload.clone(),
        history: v
            .history
            .iter()
            .map(|a| AttemptView {
                time: rfc3339_millis(a.at),
                exception_message: a.exception_message.clone(),
                delivered: a.delivered,
                status_code: a.status_code,
            })
            .collect(),
        id: with_id.then(|| d.id.clone()),
        idempotency_key: with_id.then(|| d.idempotency_key.clone()),
        retries: with_id.then_some(d.retries),
        next_attempt_at: with_id.then(|| rfc3339_millis(d.next_attempt_at)),
    }
}
