//! Sandbox control API (spec §10): fixtures, links, clock, reset, seed. Admin token only.

use crate::envelope::{created, ok, ApiResult};
use crate::extract::{Admin, ApiJson, ApiPath, DeferredValue};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use axum::routing::{get, patch, post};
use axum::Router;
use gobiz_domain::catalog::StockTarget;
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::payment::Ending;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::partner::notifications::DeliveryFilter;
use gobiz_services::sandbox::events::NewEvent;
use gobiz_services::sandbox::{
    AdvanceClock, LinkRequest, NewClient, NewMerchant, NewPartner, NewUser, OutletFields,
    ResetRequest, Seeded,
};
use gobiz_services::simulators::customer::NewOrder;
use gobiz_services::ServiceError;
use serde_json::{json, Value};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sandbox/v1/merchants",
            post(create_merchant).get(list_merchants),
        )
        .route(
            "/sandbox/v1/merchants/{merchant_id}/outlets",
            post(create_outlet),
        )
        .route("/sandbox/v1/outlets", get(list_outlets))
        .route(
            "/sandbox/v1/outlets/{outlet_id}",
            get(get_outlet).patch(patch_outlet),
        )
        .route("/sandbox/v1/users", post(create_user).get(list_users))
        .route(
            "/sandbox/v1/partners",
            post(create_partner).get(list_partners),
        )
        .route("/sandbox/v1/partners/{partner_id}", get(get_partner))
        .route(
            "/sandbox/v1/partners/{partner_id}/clients",
            post(create_client),
        )
        .route("/sandbox/v1/links", post(link).delete(unlink))
        .route("/sandbox/v1/clock", get(clock))
        .route("/sandbox/v1/clock/advance", post(advance_clock))
        .route("/sandbox/v1/reset", post(reset))
        .route("/sandbox/v1/seed", post(seed))
        .route("/sandbox/v1/otp", get(otp))
        .route("/sandbox/v1/payments/pay", post(pay))
        .route(
            "/sandbox/v1/transactions/{id}/expire",
            post(expire_transaction),
        )
        .route(
            "/sandbox/v1/transactions/{id}/cancel",
            post(cancel_transaction),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/orders",
            post(place_order).get(list_orders),
        )
        .route("/sandbox/v1/orders/{order_number}", get(get_order))
        .route(
            "/sandbox/v1/orders/{order_number}/advance",
            post(advance_order),
        )
        .route(
            "/sandbox/v1/orders/{order_number}/driver",
            post(order_driver),
        )
        .route(
            "/sandbox/v1/orders/{order_number}/cancel",
            post(cancel_order),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/catalog",
            get(sandbox_catalog).put(sandbox_put_catalog),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/menu_item_stocks",
            sandbox_stock_route(StockTarget::Items),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/variant_stocks",
            sandbox_stock_route(StockTarget::Variants),
        )
        .route("/sandbox/v1/events", post(emit_event))
        .route("/sandbox/v1/deliveries", get(list_deliveries))
        .route("/sandbox/v1/deliveries/{delivery_id}", get(get_delivery))
        .route(
            "/sandbox/v1/deliveries/{delivery_id}/redeliver",
            post(redeliver),
        )
        .route(
            "/sandbox/v1/partners/{partner_id}/notification-secret",
            get(read_secret).post(rotate_secret),
        )
        .route("/sandbox/v1/keys/rotate", post(rotate_keys))
}

async fn create_merchant(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewMerchant>,
) -> ApiResult {
    let m = s.services.create_merchant(b).await?;
    Ok(created(json!({ "merchant": views::merchant(&m) })))
}

async fn list_merchants(State(s): State<AppState>, _: Admin) -> ApiResult {
    let list: Vec<_> = s
        .services
        .list_merchants()
        .await?
        .iter()
        .map(views::merchant)
        .collect();
    Ok(ok(json!({ "merchants": list })))
}

async fn create_outlet(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(merchant_id): ApiPath<String>,
    ApiJson(b): ApiJson<OutletFields>,
) -> ApiResult {
    let o = s.services.create_outlet(&merchant_id, b).await?;
    Ok(created(json!({ "outlet": views::outlet_full(&o) })))
}

async fn list_outlets(State(s): State<AppState>, _: Admin) -> ApiResult {
    let list: Vec<_> = s
        .services
        .list_outlets()
        .await?
        .iter()
        .map(views::outlet_full)
        .collect();
    Ok(ok(json!({ "outlets": list })))
}

async fn get_outlet(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let o = s.services.get_outlet(&id).await?;
    Ok(ok(json!({ "outlet": views::outlet_full(&o) })))
}

async fn patch_outlet(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<OutletFields>,
) -> ApiResult {
    let o = s.services.patch_outlet(&id, b).await?;
    Ok(ok(json!({ "outlet": views::outlet_full(&o) })))
}

async fn create_user(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewUser>,
) -> ApiResult {
    let u = s.services.create_user(b).await?;
    Ok(created(json!({ "user": views::user(&u) })))
}

async fn list_users(State(s): State<AppState>, _: Admin) -> ApiResult {
    let list: Vec<_> = s
        .services
        .list_users()
        .await?
        .iter()
        .map(views::user)
        .collect();
    Ok(ok(json!({ "users": list })))
}

async fn create_partner(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewPartner>,
) -> ApiResult {
    let p = s.services.create_partner(b).await?;
    Ok(created(
        json!({ "partner": views::partner_with_secret(&p) }),
    ))
}

async fn list_partners(State(s): State<AppState>, _: Admin) -> ApiResult {
    let list: Vec<_> = s
        .services
        .list_partners()
        .await?
        .iter()
        .map(views::partner)
        .collect();
    Ok(ok(json!({ "partners": list })))
}

async fn get_partner(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let p = s.services.get_partner(&id).await?;
    Ok(ok(json!({ "partner": views::partner(&p) })))
}

async fn rotate_secret(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let p = s.services.rotate_notification_secret(&id).await?;
    Ok(ok(json!({ "partner": views::partner_with_secret(&p) })))
}

async fn create_client(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(partner_id): ApiPath<String>,
    ApiJson(b): ApiJson<NewClient>,
) -> ApiResult {
    let c = s.services.create_client(&partner_id, b).await?;
    Ok(created(json!({ "client": views::client_with_secret(&c) })))
}

async fn link(State(s): State<AppState>, _: Admin, ApiJson(b): ApiJson<LinkRequest>) -> ApiResult {
    let l = s.services.sandbox_link(b).await?;
    Ok(ok(json!({ "outlet": views::link(&l) })))
}

async fn unlink(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<LinkRequest>,
) -> ApiResult {
    s.services.sandbox_unlink(b).await?;
    Ok(ok(json!({})))
}

async fn clock(State(s): State<AppState>, _: Admin) -> ApiResult {
    Ok(ok(
        json!({ "clock": views::clock(&s.services.clock_view()) }),
    ))
}

async fn advance_clock(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<AdvanceClock>,
) -> ApiResult {
    let c = s.services.advance_clock(b).await?;
    Ok(ok(json!({ "clock": views::clock(&c) })))
}

/// `POST /sandbox/v1/reset`: everything deleted; with `{"demo": true}` the `--demo` data set
/// is seeded again (its fixed ids and secrets: the README's walk-through works as written).
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
    Ok(ok(json!({})))
}

/// Renders what `seed` created, secrets included (shown once).
pub fn seeded(s: &Seeded) -> Value {
    json!({
        "merchant": views::merchant(&s.merchant),
        "outlet": views::outlet_full(&s.outlet),
        "user": views::user(&s.user),
        "partner": views::partner_with_secret(&s.partner),
        "client": views::client_with_secret(&s.client),
    })
}

async fn seed(State(s): State<AppState>, _: Admin) -> ApiResult {
    let seeded_data = s.services.seed(false).await?;
    Ok(created(seeded(&seeded_data)))
}

/// `GET /sandbox/v1/otp?phone=`: the live OTP the built-in sender delivered (spec §10.2).
async fn otp(State(s): State<AppState>, _: Admin, RawQuery(q): RawQuery) -> ApiResult {
    let pairs = crate::extract::query_pairs(q.as_deref());
    let phone = crate::extract::pair(&pairs, "phone")
        .ok_or_else(|| ServiceError::invalid("phone", "is required"))?;
    match s.services.sandbox_otp(phone).await? {
        Some((msg, left)) => Ok(ok(json!({ "otp": {
            "phone": msg.phone,
            "code": msg.code,
            "expires_at": rfc3339_seconds(msg.expires_at),
            "attempts_left": left,
        }}))),
        None => Err(ServiceError::NotFound(format!("No live OTP for phone: {phone}")).into()),
    }
}

/// `POST /sandbox/v1/keys/rotate`: a new ID-token signing key; the old one stays in the JWKS
/// until the tokens it signed have expired.
async fn rotate_keys(State(s): State<AppState>, _: Admin) -> ApiResult {
    let kid = s.services.rotate_signing_key().await?;
    Ok(ok(json!({ "key": { "kid": kid, "alg": "RS256" } })))
}

/// `GET /sandbox/v1/partners/{id}/notification-secret`: the secret receivers verify with.
async fn read_secret(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let secret = s.services.notification_secret(&id).await?;
    Ok(ok(
        json!({ "partner_id": id, "notification_secret": secret }),
    ))
}

/// `POST /sandbox/v1/events`: emits an event through the normal outbox and routing.
async fn emit_event(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewEvent>,
) -> ApiResult {
    let (emitted, event, outlet_id) = s.services.sandbox_emit(b).await?;
    Ok(created(json!({ "event": {
        "event_id": emitted.event_id,
        "event": event,
        "outlet_id": outlet_id,
        "deliveries": emitted.deliveries,
    }})))
}

/// `GET /sandbox/v1/deliveries`: the delivery log with filters and paging.
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
    };
    let list = s
        .services
        .delivery_views(&filter, page.per, page.offset())
        .await?;
    let out: Vec<_> = list.iter().map(|d| views::delivery(d, true)).collect();
    Ok(ok(json!({ "deliveries": out })))
}

/// `GET /sandbox/v1/deliveries/{id}`.
async fn get_delivery(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let d = s.services.delivery_view(&id).await?;
    Ok(ok(json!({ "delivery": views::delivery(&d, true) })))
}

/// `POST /sandbox/v1/deliveries/{id}/redeliver`: one immediate attempt.
async fn redeliver(State(s): State<AppState>, _: Admin, ApiPath(id): ApiPath<String>) -> ApiResult {
    let d = s.services.redeliver(&id).await?;
    Ok(ok(json!({ "delivery": views::delivery(&d, true) })))
}

/// `GET /sandbox/v1/outlets/{id}/catalog`: any outlet's read model.
async fn sandbox_catalog(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let json = s.services.sandbox_catalog(&id).await?;
    Ok(crate::envelope::ok_raw(crate::envelope::ok_raw_body(&json)))
}

/// `PUT /sandbox/v1/outlets/{id}/catalog`: the merchant sets the menu (no partner mapping).
async fn sandbox_put_catalog(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    s.services.sandbox_put_catalog(&id, &body?).await?;
    Ok(ok(json!({})))
}

/// `PATCH`/`PUT` of one stock target, as the merchant would in the GoBiz app.
fn sandbox_stock_route(target: StockTarget) -> axum::routing::MethodRouter<AppState> {
    let handler =
        move |s: State<AppState>, a: Admin, path: ApiPath<OutletId>, body: DeferredValue| {
            sandbox_stock(s, a, path, body, target)
        };
    patch(handler).put(handler)
}

async fn sandbox_stock(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    DeferredValue(body): DeferredValue,
    target: StockTarget,
) -> ApiResult {
    s.services.sandbox_stock(&id, target, &body?).await?;
    Ok(ok(json!({})))
}

/// `POST /sandbox/v1/outlets/{id}/orders`: a customer places an order (spec §10.3).
async fn place_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    ApiJson(b): ApiJson<NewOrder>,
) -> ApiResult {
    let o = s.services.place_order(&id, b).await?;
    Ok(created(json!({ "order": views::order(&o) })))
}

/// `GET /sandbox/v1/outlets/{id}/orders`: newest first, paged (`page`, `per_page`).
async fn list_orders(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = crate::extract::page_params(q.as_deref(), "per_page", 100)?;
    let list = s.services.list_orders(&id, page.per, page.offset()).await?;
    let out: Vec<Value> = list.iter().map(views::order).collect();
    Ok(ok(json!({ "orders": out })))
}

/// `GET /sandbox/v1/orders/{order_number}`.
async fn get_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
) -> ApiResult {
    let o = s.services.get_order(&n).await?;
    Ok(ok(json!({ "order": views::order(&o) })))
}

/// Body of the order driving endpoints.
#[derive(Debug, Default, serde::Deserialize)]
struct Drive {
    to: Option<String>,
    name: Option<String>,
    reason: Option<String>,
}

/// `POST /sandbox/v1/orders/{n}/advance` (`to` optional).
async fn advance_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<Drive>,
) -> ApiResult {
    let o = s.services.advance_order(&n, b.to.as_deref()).await?;
    Ok(ok(json!({ "order": views::order(&o) })))
}

/// `POST /sandbox/v1/orders/{n}/driver` (`name` optional).
async fn order_driver(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<Drive>,
) -> ApiResult {
    let o = s.services.assign_driver(&n, b.name.as_deref()).await?;
    Ok(ok(json!({ "order": views::order(&o) })))
}

/// `POST /sandbox/v1/orders/{n}/cancel` (`reason` optional): the customer cancels.
async fn cancel_order(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(n): ApiPath<OrderNumber>,
    ApiJson(b): ApiJson<Drive>,
) -> ApiResult {
    let o = s.services.customer_cancel(&n, b.reason.as_deref()).await?;
    Ok(ok(json!({ "order": views::order(&o) })))
}

/// Body of `POST /sandbox/v1/payments/pay`.
#[derive(Debug, Default, serde::Deserialize)]
struct PayBody {
    transaction_id: Option<String>,
    qris_string: Option<String>,
}

/// `POST /sandbox/v1/payments/pay`: a wallet pays by id or by the scanned payload.
async fn pay(State(s): State<AppState>, _: Admin, ApiJson(b): ApiJson<PayBody>) -> ApiResult {
    let t = s
        .services
        .pay(b.transaction_id.as_deref(), b.qris_string.as_deref())
        .await?;
    Ok(ok(s.services.transaction_data(&t)))
}

/// `POST /sandbox/v1/transactions/{id}/expire`.
async fn expire_transaction(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let t = s.services.end_transaction(&id, Ending::Expire).await?;
    Ok(ok(s.services.transaction_data(&t)))
}

/// `POST /sandbox/v1/transactions/{id}/cancel`.
async fn cancel_transaction(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let t = s.services.end_transaction(&id, Ending::Cancel).await?;
    Ok(ok(s.services.transaction_data(&t)))
}
