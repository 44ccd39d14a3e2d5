//! The sandbox's Moka cashier (spec §10.2, §10.4): record and refund sales, add customers and
//! gratuities, generate sales. Admin token only.

use crate::envelope::{created, ok, ApiResult};
use crate::extract::{Admin, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use gobiz_domain::ids::OutletId;
use gobiz_domain::moka::sale::{RefundInput, SaleInput};
use gobiz_services::partner::moka::views;
use gobiz_services::sandbox::moka::GenerateRequest;
use gobiz_services::simulators::cashier::{NewCustomer, NewGratuity};
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sandbox/v1/outlets/{outlet_id}/moka/sales",
            post(record_sale),
        )
        .route("/sandbox/v1/moka/sales/{sale_id}", get(get_sale))
        .route(
            "/sandbox/v1/moka/sales/{sale_id}/refunds",
            post(refund_sale),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/moka/customers",
            post(create_customer),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/moka/gratuities",
            post(create_gratuity),
        )
        .route(
            "/sandbox/v1/outlets/{outlet_id}/moka/generate",
            post(generate),
        )
}

async fn record_sale(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<SaleInput>,
) -> ApiResult {
    let sale = s.services.record_moka_sale(&outlet_id, body).await?;
    Ok(created(json!({ "sale": views::sale(&sale) })))
}

async fn get_sale(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(sale_id): ApiPath<String>,
) -> ApiResult {
    let sale = s.services.get_moka_sale(&sale_id).await?;
    Ok(ok(json!({ "sale": views::sale(&sale) })))
}

async fn refund_sale(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(sale_id): ApiPath<String>,
    ApiJson(body): ApiJson<RefundInput>,
) -> ApiResult {
    let (sale, refund) = s.services.refund_moka_sale(&sale_id, body).await?;
    Ok(created(
        json!({ "refund": views::refund(&sale.id, &refund) }),
    ))
}

async fn create_customer(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult {
    let c = s.services.create_moka_customer(&outlet_id, body).await?;
    Ok(created(json!({ "customer": c })))
}

async fn create_gratuity(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<NewGratuity>,
) -> ApiResult {
    let g = s.services.create_moka_gratuity(&outlet_id, body).await?;
    Ok(created(json!({ "gratuity": g })))
}

async fn generate(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<GenerateRequest>,
) -> ApiResult {
    let g = s.services.generate_moka_sales(&outlet_id, body).await?;
    Ok(created(json!({ "generated": g })))
}
