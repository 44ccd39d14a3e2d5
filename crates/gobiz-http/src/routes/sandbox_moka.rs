//! The sandbox's Moka cashier (spec §10.2, §10.4): record and refund sales, add customers and
//! gratuities, generate sales. Admin token only.

use crate::envelope::{created, ok, ApiResult, Failure, Success};
use crate::extract::{Admin, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use gobiz_domain::ids::OutletId;
use gobiz_domain::moka::sale::{RefundInput, SaleInput};
use gobiz_services::partner::moka::views::{
    self, MokaCreatedGratuity, MokaCustomer, MokaGeneratedSales, MokaRefund, MokaSale,
};
use gobiz_services::sandbox::moka::GenerateRequest;
use gobiz_services::simulators::cashier::{NewCustomer, NewGratuity};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_sale))
        .routes(routes!(get_sale))
        .routes(routes!(refund_sale))
        .routes(routes!(create_customer))
        .routes(routes!(create_gratuity))
        .routes(routes!(generate))
}

/// The path parameter of the outlet operations, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet.
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// The path parameter of the sale operations, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct SaleParams {
    /// The sale's `id` (a UUID); anything else is an unknown sale.
    #[param(example = "752cf7ff-6625-42cb-b317-c6ee9fb5b5d5")]
    sale_id: String,
}

/// `data` of a recorded or read sale.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMokaSale {
    /// The sale.
    pub sale: MokaSale,
}

/// `data` of a refund.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMokaRefund {
    /// The refund.
    pub refund: MokaRefund,
}

/// `data` of a customer creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMokaCustomer {
    /// The customer.
    pub customer: MokaCustomer,
}

/// `data` of a gratuity creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMokaGratuity {
    /// The gratuity.
    pub gratuity: MokaCreatedGratuity,
}

/// `data` of a generation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxMokaGenerated {
    /// What was generated.
    pub generated: MokaGeneratedSales,
}

/// `POST /sandbox/v1/outlets/{outlet_id}/moka/sales`.
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/moka/sales", tag = "Sandbox",
    operation_id = "sandbox_record_moka_sale",
    summary = "Record a Moka sale",
    description = "Records a MokaPOS sale at the outlet, as its cashier would: lines with modifiers, discounts, cost of goods and redemptions, taxes, gratuities and, for `payment_type` `invoice`, the invoice. The MokaPOS reports are computed from these sales. Every violation is reported at once.",
    params(OutletParams),
    request_body = SaleInput,
    responses(
        (status = 201, description = "Recorded: the sale with its `id`, line `index`es, figures and totals", body = Success<SandboxMokaSale>),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
        (status = 422, description = "The customer does not exist at the outlet: `Customer <customer_id> does not exist at outlet <outlet_id>`", body = Failure),
    ))]
async fn record_sale(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<SaleInput>,
) -> ApiResult {
    let sale = s.services.record_moka_sale(&outlet_id, body).await?;
    Ok(created(SandboxMokaSale {
        sale: views::sale(&sale),
    }))
}

/// `GET /sandbox/v1/moka/sales/{sale_id}`.
#[utoipa::path(get, path = "/sandbox/v1/moka/sales/{sale_id}", tag = "Sandbox",
    operation_id = "sandbox_get_moka_sale",
    summary = "Read a Moka sale",
    description = "A recorded or generated sale with its refunds, line figures and totals.",
    params(SaleParams),
    responses(
        (status = 200, description = "The sale", body = Success<SandboxMokaSale>),
        (status = 404, description = "Unknown sale: `Sale not found`", body = Failure),
    ))]
async fn get_sale(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(sale_id): ApiPath<String>,
) -> ApiResult {
    let sale = s.services.get_moka_sale(&sale_id).await?;
    Ok(ok(SandboxMokaSale {
        sale: views::sale(&sale),
    }))
}

/// `POST /sandbox/v1/moka/sales/{sale_id}/refunds`.
#[utoipa::path(post, path = "/sandbox/v1/moka/sales/{sale_id}/refunds", tag = "Sandbox",
    operation_id = "sandbox_refund_moka_sale",
    summary = "Refund a Moka sale",
    description = "Refunds units of a sale's lines (absent `lines`: everything not yet refunded). The refund stays with its sale, so reports over the sale's transaction time include it. It is `full` when nothing is left to refund afterwards, else `partial`.",
    params(SaleParams),
    request_body = RefundInput,
    responses(
        (status = 201, description = "Refunded", body = Success<SandboxMokaRefund>),
        (status = 404, description = "Unknown sale: `Sale not found`", body = Failure),
        (status = 409, description = "Nothing is left to refund: `Sale <sale_id> is already fully refunded`", body = Failure),
        (status = 422, description = "A line that does not exist or more units than remain: `Sale has no line <index>`, `Line <index> has only <n> unrefunded item(s)`", body = Failure),
    ))]
async fn refund_sale(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(sale_id): ApiPath<String>,
    ApiJson(body): ApiJson<RefundInput>,
) -> ApiResult {
    let (sale, refund) = s.services.refund_moka_sale(&sale_id, body).await?;
    Ok(created(SandboxMokaRefund {
        refund: views::refund(&sale.id, &refund),
    }))
}

/// `POST /sandbox/v1/outlets/{outlet_id}/moka/customers`.
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/moka/customers", tag = "Sandbox",
    operation_id = "sandbox_create_moka_customer",
    summary = "Add a Moka customer",
    description = "Adds a customer to the outlet's MokaPOS library, listed by the customers listing and usable as a sale's `customer_id`.",
    params(OutletParams),
    request_body = NewCustomer,
    responses(
        (status = 201, description = "Created", body = Success<SandboxMokaCustomer>),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
    ))]
async fn create_customer(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult {
    let customer = s.services.create_moka_customer(&outlet_id, body).await?;
    Ok(created(SandboxMokaCustomer { customer }))
}

/// `POST /sandbox/v1/outlets/{outlet_id}/moka/gratuities`.
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/moka/gratuities", tag = "Sandbox",
    operation_id = "sandbox_create_moka_gratuity",
    summary = "Add a Moka gratuity",
    description = "Adds a gratuity (service charge) to the outlet's MokaPOS library. Active ones are listed by the active gratuities listing.",
    params(OutletParams),
    request_body = NewGratuity,
    responses(
        (status = 201, description = "Created", body = Success<SandboxMokaGratuity>),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
    ))]
async fn create_gratuity(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<NewGratuity>,
) -> ApiResult {
    let gratuity = s.services.create_moka_gratuity(&outlet_id, body).await?;
    Ok(created(SandboxMokaGratuity { gratuity }))
}

/// `POST /sandbox/v1/outlets/{outlet_id}/moka/generate`.
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/moka/generate", tag = "Sandbox",
    operation_id = "sandbox_generate_moka_sales",
    summary = "Generate Moka sales",
    description = "Generates random but reproducible MokaPOS sales at the outlet over a range: a café-and-warung menu with modifiers, discounts, redemptions, taxes, service charges, invoices, the outlet's customers and a few partial refunds. The same request gives the same sales.",
    params(OutletParams),
    request_body = GenerateRequest,
    responses(
        (status = 201, description = "Generated", body = Success<SandboxMokaGenerated>),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
    ))]
async fn generate(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(outlet_id): ApiPath<OutletId>,
    ApiJson(body): ApiJson<GenerateRequest>,
) -> ApiResult {
    let generated = s.services.generate_moka_sales(&outlet_id, body).await?;
    Ok(created(SandboxMokaGenerated { generated }))
}
