//! JSON shapes of the responses, one function per object.

mod order;
mod promotion;

pub use order::order;
pub use promotion::promotion;

use gobiz_domain::entities::{Client, Link, Merchant, Outlet, Partner, User};
use gobiz_domain::timefmt::rfc3339_seconds as ts;
use gobiz_services::partner::outlets::LinkedOutletView;
use gobiz_services::sandbox::{ClientWithSecret, ClockView, PartnerWithSecret};
use serde_json::{json, Value};

/// Merchant (sandbox).
pub fn merchant(m: &Merchant) -> Value {
    json!({ "id": m.id, "name": m.name, "created_at": ts(m.created_at) })
}

fn payment_settings(o: &Outlet) -> Value {
    json!({ "gopay": { "active": o.gopay_active }, "qris": { "active": o.qris_active } })
}

fn applications(o: &Outlet) -> Value {
    json!({ "midtrans": { "active": o.midtrans_active }, "gopay": { "active": o.gopay_active } })
}

/// Outlet as the partner API shows it (spec §3.4).
pub fn outlet_info(o: &Outlet) -> Value {
    json!({
        "id": o.id,
        "merchant_name": o.merchant_name,
        "name": o.name,
        "status": o.status.as_str(),
        "email": o.email,
        "payment_settings": payment_settings(o),
        "applications": applications(o),
    })
}

/// Outlet with every field of spec §3.1 (sandbox).
pub fn outlet_full(o: &Outlet) -> Value {
    json!({
        "id": o.id,
        "merchant_id": o.merchant_id,
        "merchant_name": o.merchant_name,
        "name": o.name,
        "address": o.address,
        "email": o.email,
        "status": o.status.as_str(),
        "acceptance_mode": o.acceptance_mode.as_str(),
        "force_close": o.force_close,
        "payment_settings": payment_settings(o),
        "applications": applications(o),
        "pop_id": o.pop_id,
        "created_at": ts(o.created_at),
        "updated_at": ts(o.updated_at),
    })
}

/// Merchant user (sandbox).
pub fn user(u: &User) -> Value {
    let roles: Vec<Value> = u
        .roles
        .iter()
        .map(|g| json!({ "merchant_id": g.merchant_id, "role": g.role.as_str() }))
        .collect();
    json!({
        "id": u.id,
        "phone": u.phone,
        "name": u.name,
        "roles": roles,
        "primary_outlet_id": u.primary_outlet_id,
        "created_at": ts(u.created_at),
    })
}

/// Partner without its secret (sandbox).
pub fn partner(p: &Partner) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "type": p.kind.as_str(),
        "merchant_id": p.merchant_id,
        "standard_webhooks": p.standard_webhooks,
        "read_scopes": p.read_scopes,
        "created_at": ts(p.created_at),
    })
}

/// Partner with the secret shown once (create, rotate).
pub fn partner_with_secret(p: &PartnerWithSecret) -> Value {
    let mut v = partner(&p.partner);
    v["notification_secret"] = json!(p.notification_secret);
    v
}

/// OAuth client (sandbox).
pub fn client(c: &Client) -> Value {
    let grants: Vec<&str> = c.allowed_grants.iter().map(|g| g.as_str()).collect();
    json!({
        "client_id": c.client_id,
        "partner_id": c.partner_id,
        "name": c.name,
        "allowed_scopes": c.allowed_scopes,
        "allowed_grants": grants,
        "redirect_uris": c.redirect_uris,
        "public": c.public,
        "require_pkce": c.require_pkce,
        "created_at": ts(c.created_at),
    })
}

/// Client with the secret shown once (create).
pub fn client_with_secret(c: &ClientWithSecret) -> Value {
    let mut v = client(&c.client);
    v["client_secret"] = json!(c.client_secret);
    v
}

/// A link as §3.5 answers it.
pub fn link(l: &Link) -> Value {
    json!({
        "id": l.outlet_id,
        "external_outlet_id": l.external_outlet_id,
        "created_at": ts(l.created_at),
        "updated_at": ts(l.updated_at),
        "linked_at": ts(l.linked_at),
    })
}

/// One entry of linked-outlets (spec §3.2).
pub fn linked_outlet(l: &LinkedOutletView) -> Value {
    json!({
        "id": l.id,
        "external_outlet_id": l.external_outlet_id,
        "created_at": ts(l.created_at),
        "updated_at": ts(l.updated_at),
    })
}

/// The sandbox clock (spec §10.2).
pub fn clock(c: &ClockView) -> Value {
    json!({ "now": ts(c.now), "offset_seconds": c.offset_seconds })
}

/// A notification subscription (spec §9.2).
pub fn subscription(s: &gobiz_services::partner::notifications::Subscription) -> Value {
    json!({
        "id": s.id,
        "event": s.event,
        "url": s.url,
        "active": s.active,
        "created_at": ts(s.created_at),
        "updated_at": ts(s.updated_at),
    })
}

/// A delivery as troubleshooting shows it (spec §9.10); `with_id` adds the sandbox `id`.
pub fn delivery(v: &gobiz_services::partner::notifications::DeliveryView, with_id: bool) -> Value {
    use gobiz_domain::timefmt::rfc3339_millis;
    let d = &v.delivery;
    let headers: Value = serde_json::from_str(&d.headers).unwrap_or_else(|_| json!({}));
    let history: Vec<Value> = v
        .history
        .iter()
        .map(|a| {
            json!({
                "time": rfc3339_millis(a.at),
                "exception_message": a.exception_message,
                "delivered": a.delivered,
                "status_code": a.status_code,
            })
        })
        .collect();
    let mut out = json!({
        "entity_id": d.entity_id,
        "created_at": rfc3339_millis(d.created_at),
        "partner_id": d.partner_id,
        "event_type": d.event_name,
        "event_id": d.event_id,
        "subscription_id": d.subscription_id,
        "delivery_status": d.status,
        "endpoint": d.endpoint,
        "headers": headers,
        "payload": d.payload,
        "history": history,
    });
    if with_id {
        out["id"] = json!(d.id);
        out["idempotency_key"] = json!(d.idempotency_key);
        out["retries"] = json!(d.retries);
        out["next_attempt_at"] = json!(rfc3339_millis(d.next_attempt_at));
    }
    out
}

