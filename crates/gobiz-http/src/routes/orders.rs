//! GoFood order actions (spec §5.5–§5.8).

use crate::envelope::{ok, ApiResult, Empty, Failure, Success};
use crate::extract::{ApiPath, Deferred, Partner};
use crate::AppState;
use axum::extract::State;
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::order::OrderType;
use gobiz_services::partner::orders::{PreparedBody, RejectBody};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(prepared))
}

/// The path parameters of an order action (spec §5.5), for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OrderParams {
    /// The outlet of the order, linked to the caller for `gofood`.
    #[param(example = "G000012345")]
    outlet_id: String,
    /// `delivery` or `pickup`; must match the order's `service_type`, else 404.
    #[param(pattern = "^(delivery|pickup)$", example = "delivery")]
    order_type: String,
    /// The GoFood order number (`order.order_number`).
    #[param(example = "F-852457710")]
    order_id: String,
}

/// `(outlet_id, order_type, order_id)`. The `{order_type}` is parsed here, at the edge, into
/// `Some(delivery | pickup)`; anything else (`None`) matches no order, so the action answers
/// the same 404 as an unknown order number.
type OrderPath = ApiPath<(OutletId, String, OrderNumber)>;

/// `PUT .../accepted` (a body, e.g. `{}`, is allowed and ignored).
#[utoipa::path(put,
    path = "/integrations/gofood/outlets/{outlet_id}/v1/orders/{order_type}/{order_id}/accepted",
    tag = "GoFood orders", operation_id = "accept_order",
    summary = "Accept an order",
    description = "Accepts an order waiting for the merchant (`AWAITING_MERCHANT_ACCEPTANCE`); GoBiz then looks for a driver and sends `gofood.order.merchant_accepted`. Accepting an accepted order answers 200 again without an event. A body, e.g. `{}`, is allowed and ignored.",
    params(OrderParams),
    security(("goauth" = ["gofood:order:write"])),
    responses(
        (status = 200, description = "Accepted", body = Success<Empty>),
        (status = 404, description = "Unknown outlet or order, an order of another outlet, or an `order_type` that does not match: `Order with id: <order_id> is not found`", body = Failure),
        (status = 409, description = "The order is in another state: `Order <order_id> cannot be accepted in state <STATE>`", body = Failure),
    ))]
async fn accept(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet, kind, number)): OrderPath,
) -> ApiResult {
    s.services
        .accept_order(&who, &outlet, OrderType::parse(&kind), &number)
        .await?;
    Ok(ok(Empty {}))
}

/// `PUT .../cancelled`.
#[utoipa::path(put,
    path = "/integrations/gofood/outlets/{outlet_id}/v1/orders/{order_type}/{order_id}/cancelled",
    tag = "GoFood orders", operation_id = "reject_order",
    summary = "Reject an order",
    description = "Rejects an order waiting for the merchant, with a reason code and a description. The order becomes `CANCELLED` and `gofood.order.cancelled` carries the reason.",
    params(OrderParams),
    request_body = RejectBody,
    security(("goauth" = ["gofood:order:write"])),
    responses(
        (status = 200, description = "Rejected", body = Success<Empty>),
        (status = 404, description = "Unknown outlet or order: `Order with id: <order_id> is not found`", body = Failure),
        (status = 409, description = "The order is not waiting for the merchant: `Order <order_id> cannot be rejected in state <STATE>`", body = Failure),
    ))]
async fn reject(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet, kind, number)): OrderPath,
    Deferred(body): Deferred<RejectBody>,
) -> ApiResult {
    s.services
        .reject_order(&who, &outlet, OrderType::parse(&kind), &number, body)
        .await?;
    Ok(ok(Empty {}))
}

/// `PUT .../food-prepared` (body optional).
#[utoipa::path(put,
    path = "/integrations/gofood/outlets/{outlet_id}/v1/orders/{order_type}/{order_id}/food-prepared",
    tag = "GoFood orders", operation_id = "mark_food_prepared",
    summary = "Mark the food ready",
    description = "Records that the food is ready for pickup, in `MERCHANT_ACCEPTED`, `DRIVER_OTW_PICKUP` or `DRIVER_ARRIVED`. Repeat calls answer 200. No state change and no event. The body is optional.",
    params(OrderParams),
    request_body(content = Option<PreparedBody>, description = "Optional"),
    security(("goauth" = ["gofood:order:write"])),
    responses(
        (status = 200, description = "Recorded", body = Success<Empty>),
        (status = 404, description = "Unknown outlet or order: `Order with id: <order_id> is not found`", body = Failure),
        (status = 409, description = "The order is in another state: `Order <order_id> cannot be marked as prepared in state <STATE>`", body = Failure),
    ))]
async fn prepared(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet, kind, number)): OrderPath,
    Deferred(body): Deferred<PreparedBody>,
) -> ApiResult {
    s.services
        .food_prepared(&who, &outlet, OrderType::parse(&kind), &number, body)
        .await?;
    Ok(ok(Empty {}))
}
