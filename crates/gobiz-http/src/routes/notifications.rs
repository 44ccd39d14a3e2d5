//! Notification subscriptions (spec §9.4, §9.5) and the troubleshooting log (spec §9.10).

use crate::envelope::{created, ok, ApiResult, Empty, Failure, Success};
use crate::extract::{ApiPath, Deferred, Partner};
use crate::views::{DeliveryInfo, SubscriptionView};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use gobiz_domain::ids::{OutletId, SubscriptionId};
use gobiz_services::partner::notifications::{Subscription, SubscriptionFields};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_general, create_general))
        .routes(routes!(get_general, update_general, delete_general))
        .routes(routes!(list_outlet, create_outlet))
        .routes(routes!(get_outlet, update_outlet, delete_outlet))
        .routes(routes!(troubleshoot))
}

/// `{outlet_id}` of the outlet-specific paths, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet, linked to (or owned by) the caller for any product.
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// `{id}` of a general subscription, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct SubscriptionParams {
    /// The subscription (`notification_id`).
    #[param(format = "uuid", example = "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8")]
    id: String,
}

/// `{outlet_id}` and `{id}` of an outlet-specific subscription, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletSubscriptionParams {
    /// The outlet, linked to (or owned by) the caller for any product.
    #[param(example = "G000012345")]
    outlet_id: String,
    /// The subscription (`notification_id`).
    #[param(format = "uuid", example = "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8")]
    id: String,
}

/// The query of troubleshooting (spec §9.10), for the OpenAPI document (read by hand).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TroubleshootQuery {
    /// The GoFood order number, the payment transaction id, or a catalog push's `request_id`.
    #[param(required = true, min_length = 1, example = "F-704173354")]
    entity_id: String,
}

/// `data` of a subscription answer (spec §9.4).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionData {
    /// The subscription.
    pub subscription: SubscriptionView,
}

impl SubscriptionData {
    fn of(s: &Subscription) -> SubscriptionData {
        SubscriptionData {
            subscription: views::subscription(s),
        }
    }
}

/// `data` of a subscription list (spec §9.4).
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscriptions {
    /// The partner's subscriptions at this level (partner-wide or the outlet), oldest first.
    pub subscriptions: Vec<SubscriptionView>,
}

/// `data` of troubleshooting (spec §9.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct Notifications {
    /// The caller's deliveries for the entity, newest first.
    pub notifications: Vec<DeliveryInfo>,
}

/// The access rule of spec §9.2 for reads, in the operations' descriptions.
macro_rules! read_access {
    () => {
        "Access: any `gofood:*`, `payment:*` or `partner:outlet:*` scope of the partner (`cc` or `ac`); without one, 403 naming `partner:outlet:read`."
    };
}

/// The access rule of spec §9.2 for writes.
macro_rules! write_access {
    () => {
        "Access: any `gofood:*`, `payment:*` or `partner:outlet:*` scope of the partner (`cc` or `ac`); without one, 403 naming `partner:outlet:write`."
    };
}

async fn list(
    s: &AppState,
    who: &gobiz_services::access::Principal,
    outlet: Option<&OutletId>,
) -> ApiResult {
    let subs = s.services.list_subscriptions(who, outlet).await?;
    let subscriptions = subs.iter().map(views::subscription).collect();
    Ok(ok(Subscriptions { subscriptions }))
}

/// `GET /integrations/partner/v1/notification-subscriptions`.
#[utoipa::path(get, path = "/integrations/partner/v1/notification-subscriptions",
    tag = "Notifications", operation_id = "list_subscriptions",
    summary = "List general subscriptions",
    description = concat!("The partner's general subscriptions (every outlet the partner may act on), oldest first. Subscriptions belong to the partner: all its clients see the same set. ", read_access!()),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The subscriptions", body = Success<Subscriptions>),
    ))]
async fn list_general(State(s): State<AppState>, Partner(who): Partner) -> ApiResult {
    list(&s, &who, None).await
}

/// `GET /integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions`.
#[utoipa::path(get, path = "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions",
    tag = "Notifications", operation_id = "list_outlet_subscriptions",
    summary = "List outlet subscriptions",
    description = concat!("The partner's subscriptions for one outlet, oldest first. ", read_access!()),
    params(OutletParams),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The subscriptions", body = Success<Subscriptions>),
    ))]
async fn list_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    list(&s, &who, Some(&outlet_id)).await
}

/// `POST /integrations/partner/v1/notification-subscriptions`.
#[utoipa::path(post, path = "/integrations/partner/v1/notification-subscriptions",
    tag = "Notifications", operation_id = "create_subscription",
    summary = "Subscribe to an event",
    description = concat!("Subscribes a receiver URL to one event for every outlet the partner may act on. In production mode the URL must be `https` on port 443 or 80 and must not resolve to a private, loopback or metadata address; the sandbox also allows `http`, any port and loopback. ", write_access!()),
    request_body = SubscriptionFields,
    security(("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 201, description = "Created", body = Success<SubscriptionData>),
        (status = 409, description = "The same event and URL are already subscribed at this level: `url has already been taken`", body = Failure),
    ))]
async fn create_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s.services.create_subscription(&who, None, body).await?;
    Ok(created(SubscriptionData::of(&sub)))
}

/// `POST /integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions`.
#[utoipa::path(post, path = "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions",
    tag = "Notifications", operation_id = "create_outlet_subscription",
    summary = "Subscribe to an event for one outlet",
    description = concat!("Subscribes a receiver URL to one event for one outlet (GoBiz suggests it for pilots). URL rules as for general subscriptions. ", write_access!()),
    params(OutletParams),
    request_body = SubscriptionFields,
    security(("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 201, description = "Created", body = Success<SubscriptionData>),
        (status = 409, description = "The same event and URL are already subscribed for this outlet: `url has already been taken`", body = Failure),
    ))]
async fn create_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s
        .services
        .create_subscription(&who, Some(&outlet_id), body)
        .await?;
    Ok(created(SubscriptionData::of(&sub)))
}

/// `GET /integrations/partner/v1/notification-subscriptions/{id}`.
#[utoipa::path(get, path = "/integrations/partner/v1/notification-subscriptions/{id}",
    tag = "Notifications", operation_id = "get_subscription",
    summary = "Get a general subscription",
    description = concat!("One general subscription of the partner. ", read_access!()),
    params(SubscriptionParams),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The subscription", body = Success<SubscriptionData>),
        (status = 404, description = "Unknown id, or a subscription of another partner or an outlet-specific one: `Subscription with id: <id> is not found`", body = Failure),
    ))]
async fn get_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(id): ApiPath<SubscriptionId>,
) -> ApiResult {
    let sub = s.services.get_subscription(&who, None, &id).await?;
    Ok(ok(SubscriptionData::of(&sub)))
}

/// `GET /integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}`.
#[utoipa::path(get, path = "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}",
    tag = "Notifications", operation_id = "get_outlet_subscription",
    summary = "Get an outlet subscription",
    description = concat!("One subscription of the partner for the outlet. ", read_access!()),
    params(OutletSubscriptionParams),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The subscription", body = Success<SubscriptionData>),
        (status = 404, description = "Unknown outlet (`Outlet with id: <outlet_id> is not found`), an outlet not linked to the caller, or an unknown subscription, one of another partner, outlet or kind (`Subscription with id: <id> is not found`)", body = Failure),
    ))]
async fn get_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, SubscriptionId)>,
) -> ApiResult {
    let sub = s
        .services
        .get_subscription(&who, Some(&outlet_id), &id)
        .await?;
    Ok(ok(SubscriptionData::of(&sub)))
}

/// `PUT /integrations/partner/v1/notification-subscriptions/{id}`.
#[utoipa::path(put, path = "/integrations/partner/v1/notification-subscriptions/{id}",
    tag = "Notifications", operation_id = "update_subscription",
    summary = "Update a general subscription",
    description = concat!("Changes any of `event`, `url` and `active`; missing fields stay unchanged. ", write_access!()),
    params(SubscriptionParams),
    request_body = SubscriptionFields,
    security(("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "The updated subscription", body = Success<SubscriptionData>),
        (status = 404, description = "Unknown id, or a subscription of another partner or an outlet-specific one: `Subscription with id: <id> is not found`", body = Failure),
        (status = 409, description = "Another subscription at this level has the same event and URL: `url has already been taken`", body = Failure),
    ))]
async fn update_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(id): ApiPath<SubscriptionId>,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s
        .services
        .update_subscription(&who, None, &id, body)
        .await?;
    Ok(ok(SubscriptionData::of(&sub)))
}

/// `PUT /integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}`.
#[utoipa::path(put, path = "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}",
    tag = "Notifications", operation_id = "update_outlet_subscription",
    summary = "Update an outlet subscription",
    description = concat!("Changes any of `event`, `url` and `active`; missing fields stay unchanged. ", write_access!()),
    params(OutletSubscriptionParams),
    request_body = SubscriptionFields,
    security(("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "The updated subscription", body = Success<SubscriptionData>),
        (status = 404, description = "Unknown or unlinked outlet, or an unknown subscription, one of another partner, outlet or kind (`Subscription with id: <id> is not found`)", body = Failure),
        (status = 409, description = "Another subscription for this outlet has the same event and URL: `url has already been taken`", body = Failure),
    ))]
async fn update_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, SubscriptionId)>,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s
        .services
        .update_subscription(&who, Some(&outlet_id), &id, body)
        .await?;
    Ok(ok(SubscriptionData::of(&sub)))
}

/// `DELETE /integrations/partner/v1/notification-subscriptions/{id}`.
#[utoipa::path(delete, path = "/integrations/partner/v1/notification-subscriptions/{id}",
    tag = "Notifications", operation_id = "delete_subscription",
    summary = "Delete a general subscription",
    description = concat!("Deletes the subscription; nothing more is sent to it. ", write_access!()),
    params(SubscriptionParams),
    security(("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "Deleted", body = Success<Empty>),
        (status = 404, description = "Unknown id, or a subscription of another partner or an outlet-specific one: `Subscription with id: <id> is not found`", body = Failure),
    ))]
async fn delete_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(id): ApiPath<SubscriptionId>,
) -> ApiResult {
    s.services.delete_subscription(&who, None, &id).await?;
    Ok(ok(Empty {}))
}

/// `DELETE /integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}`.
#[utoipa::path(delete, path = "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}",
    tag = "Notifications", operation_id = "delete_outlet_subscription",
    summary = "Delete an outlet subscription",
    description = concat!("Deletes the subscription; nothing more is sent to it. ", write_access!()),
    params(OutletSubscriptionParams),
    security(("goauth" = ["partner:outlet:write"])),
    responses(
        (status = 200, description = "Deleted", body = Success<Empty>),
        (status = 404, description = "Unknown or unlinked outlet, or an unknown subscription, one of another partner, outlet or kind (`Subscription with id: <id> is not found`)", body = Failure),
    ))]
async fn delete_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, SubscriptionId)>,
) -> ApiResult {
    s.services
        .delete_subscription(&who, Some(&outlet_id), &id)
        .await?;
    Ok(ok(Empty {}))
}

/// `GET /integrations/partner/notifications?entity_id=`.
#[utoipa::path(get, path = "/integrations/partner/notifications",
    tag = "Notifications", operation_id = "troubleshoot_notifications",
    summary = "Troubleshoot deliveries",
    description = concat!("The caller's webhook deliveries for one entity, newest first: status, the exact headers and body sent, and every attempt. None → `notifications: []`; a missing `entity_id` → 400. ", read_access!()),
    params(TroubleshootQuery),
    security(("goauth" = ["partner:outlet:read"])),
    responses(
        (status = 200, description = "The deliveries", body = Success<Notifications>),
    ))]
async fn troubleshoot(
    State(s): State<AppState>,
    Partner(who): Partner,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs = crate::extract::query_pairs(q.as_deref());
    let entity = crate::extract::pair(&pairs, "entity_id");
    let list = s.services.troubleshoot(&who, entity).await?;
    let notifications = list.iter().map(|d| views::delivery(d, false)).collect();
    Ok(ok(Notifications { notifications }))
}
