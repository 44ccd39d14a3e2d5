//! The sandbox's QRIS transactions (issues 17 and 18): an outlet's transactions, newest
//! first, paged like the other sandbox lists, and a test payment created through the partner
//! API's own use case (what the console's payments page and `gobiz sandbox payments create`
//! do). Admin token only.

use crate::envelope::{created, ok, ApiResult, Failure, Success};
use crate::extract::{Admin, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::{RawQuery, State};
use gobiz_domain::ids::OutletId;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_services::partner::payments::TransactionData;
use gobiz_services::sandbox::StoredTransaction;
use gobiz_services::{ServiceError, Services};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_transactions, create_transaction))
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

/// One transaction of the sandbox listing: the transaction as spec §7.2 answers it, with
/// its creating partner and its expiry.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxTransaction {
    /// The QR image link.
    pub actions: Vec<gobiz_services::partner::payments::TransactionAction>,
    /// The outlet.
    pub outlet: gobiz_services::partner::payments::TransactionOutlet,
    /// The transaction.
    pub transaction: gobiz_services::partner::payments::TransactionInfo,
    /// The partner that created it.
    #[schema(example = "7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d")]
    pub partner_id: String,
    /// When it expires if still `pending` (UTC).
    #[schema(format = DateTime, example = "2020-03-09T11:48:08Z")]
    pub expires_at: String,
}

/// The listing entry of a stored transaction.
pub fn sandbox_transaction(services: &Services, t: &StoredTransaction) -> SandboxTransaction {
    let TransactionData {
        actions,
        outlet,
        transaction,
    } = services.transaction_data(&t.transaction);
    SandboxTransaction {
        actions,
        outlet,
        transaction,
        partner_id: t.partner_id.clone(),
        expires_at: rfc3339_seconds(t.expires_at),
    }
}

/// `data` of an outlet's transaction list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxTransactions {
    /// The transactions on this page, newest first.
    pub transactions: Vec<SandboxTransaction>,
}

/// `GET /sandbox/v1/outlets/{outlet_id}/transactions`: newest first, paged.
#[utoipa::path(get, path = "/sandbox/v1/outlets/{outlet_id}/transactions", tag = "Sandbox",
    operation_id = "sandbox_list_transactions",
    summary = "List an outlet's QRIS transactions",
    description = "The outlet's QRIS transactions in every status, newest first, paged (`page`, `per_page`), whichever partner created them; each as spec §7.2 answers it plus `partner_id` and `expires_at`.",
    params(OutletParams, PageQuery),
    responses(
        (status = 200, description = "The transactions", body = Success<SandboxTransactions>),
        (status = 400, description = "`page` or `per_page` out of range", body = Failure),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
    ))]
async fn list_transactions(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = crate::extract::page_params(q.as_deref(), "per_page", 100)?;
    let list = s
        .services
        .list_transactions(&id, page.per, page.offset())
        .await?;
    let transactions = list
        .iter()
        .map(|t| sandbox_transaction(&s.services, t))
        .collect();
    Ok(ok(SandboxTransactions { transactions }))
}

/// Body of `POST /sandbox/v1/outlets/{outlet_id}/transactions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"gross_amount": 25000}))]
pub struct NewTestTransaction {
    /// The amount in IDR, checked as the partner API's create checks it.
    #[schema(required = true, nullable = false, value_type = i64, minimum = 1, example = 25000)]
    pub gross_amount: Option<i64>,
}

/// `data` of a test payment's creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxTransactionData {
    /// The new `pending` transaction.
    pub transaction: SandboxTransaction,
}

/// `POST /sandbox/v1/outlets/{outlet_id}/transactions`: a test payment, created by the partner
/// API's own use case as the partner that has the outlet for `payment`.
#[utoipa::path(post, path = "/sandbox/v1/outlets/{outlet_id}/transactions", tag = "Sandbox",
    operation_id = "sandbox_create_transaction",
    summary = "Create a test QRIS transaction",
    description = "Creates a `pending` dynamic QRIS transaction at the outlet exactly as the partner API's create (spec §7.1) would, with the same checks, on behalf of the first partner that has the outlet for `payment` (a facilitator linked for it, or the merchant's direct partner); its `order_id` is generated. Pay it with `POST /sandbox/v1/payments/pay`. The answer is the transaction as the sandbox listing shows it.",
    params(OutletParams),
    request_body = NewTestTransaction,
    responses(
        (status = 201, description = "Created", body = Success<SandboxTransactionData>),
        (status = 400, description = "`gross_amount` missing or not an integer", body = Failure),
        (status = 404, description = "Unknown outlet: `Outlet with id: <outlet_id> is not found`", body = Failure),
        (status = 422, description = "No partner has the outlet for payment: `No partner has outlet <outlet_id> for payment: link one first`, or the partner API refuses the amount", body = Failure),
    ))]
async fn create_transaction(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<OutletId>,
    ApiJson(b): ApiJson<NewTestTransaction>,
) -> ApiResult {
    let amount = b
        .gross_amount
        .ok_or_else(|| ServiceError::invalid("gross_amount", "is required"))?;
    let t = s.services.sandbox_create_transaction(&id, amount).await?;
    let stored = s.services.sandbox_transaction(t.id()).await?;
    Ok(created(SandboxTransactionData {
        transaction: sandbox_transaction(&s.services, &stored),
    }))
}
