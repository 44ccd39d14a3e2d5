//! GoFood order actions (spec §5.5–§5.8).

use crate::envelope::{ok, ApiResult};
use crate::extract::{ApiPath, Deferred, Partner};
use crate::AppState;
use axum::extract::State;
use axum::routing::put;
use axum::Router;
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::order::OrderType;
use gobiz_services::partner::orders::{PreparedBody, RejectBody};
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v1/orders/{order_type}/{order_id}/accepted",
            put(accept),
        )
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v1/orders/{order_type}/{order_id}/cancelled",
            put(reject),
        )
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v1/orders/{order_type}/{order_id}/food-prepared",
            put(prepared),
        )
}

/// `(outlet_id, order_type, order_id)`. The `{order_type}` is parsed here, at the edge, into
/// `Some(delivery | pickup)`; anything else (`None`) matches no order, so the action answers
/// the same 404 as an unknown order number.
type OrderPath = ApiPath<(OutletId, String, OrderNumber)>;

/// `PUT .../accepted` (a body, e.g. `{}`, is allowed and ignored).
async fn accept(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet, kind, number)): OrderPath,
) -> ApiResult {
    s.services
        .accept_order(&who, &outlet, OrderType::parse(&kind), &number)
        .await?;
    Ok(ok(json!({})))
}

/// `PUT .../cancelled`.
async fn reject(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet, kind, number)): OrderPath,
    Deferred(body): Deferred<RejectBody>,
) -> ApiResult {
    s.services
        .reject_order(&who, &outlet, OrderType::parse(&kind), &number, body)
        .await?;
    Ok(ok(json!({})))
}

/// `PUT .../food-prepared` (body optional).
async fn prepared(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet, kind, number)): OrderPath,
    Deferred(body): Deferred<PreparedBody>,
) -> ApiResult {
    s.services
        .food_prepared(&who, &outlet, OrderType::parse(&kind), &number, body)
        .await?;
    Ok(ok(json!({})))
}
