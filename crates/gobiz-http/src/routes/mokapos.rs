//! MokaPOS reporting (spec §8): three POST reports over a time range, the paged listings and
//! a business's outlets. Bodies and queries are judged after token, scope and outlet (§1.7).

use crate::envelope::{ok, ApiResult, Failure, Success};
use crate::extract::{page_of, page_query, pair, query_pairs, ApiPath, Deferred, Partner};
use crate::AppState;
use axum::extract::{RawQuery, State};
use gobiz_domain::ids::OutletId;
use gobiz_domain::moka::range::ReportBody;
use gobiz_services::partner::moka::listings::SortOrder;
use gobiz_services::partner::moka::views::{
    MokaBusinessOutlets, MokaCustomersPage, MokaGratuitiesPage, MokaInvoicesPage, MokaItemSales,
    MokaModifiersSummary, MokaSalesSummary, MokaTransactionsPage,
};
use gobiz_services::partner::Page;
use gobiz_services::ServiceError;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest `per_page` of the MokaPOS lists (spec §1.13).
const MAX_PER_PAGE: u64 = 1000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sales_summary))
        .routes(routes!(item_sales))
        .routes(routes!(modifiers))
        .routes(routes!(invoices))
        .routes(routes!(transactions))
        .routes(routes!(gratuities))
        .routes(routes!(customers))
        .routes(routes!(business_outlets))
}

/// The path parameter of the outlet operations, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The GoBiz outlet id, linked to the caller for any product (or owned by a direct
    /// partner's merchant).
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// The path parameter of the business outlets listing, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct BusinessParams {
    /// The business: the GoBiz merchant id.
    #[param(example = "M000000001")]
    business_id: String,
}

/// `page` and `per_page` of the MokaPOS lists (spec §1.13), for the OpenAPI document. A
/// non-integer or out-of-range value answers 400; a page past the end answers an empty list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PageParams {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, default = 1, example = 1)]
    page: Option<u64>,
    /// Entries per page, 1 to 1000 (default 20).
    #[param(minimum = 1, maximum = 1000, default = 20, example = 100)]
    per_page: Option<u64>,
}

/// The query of the paid-transactions report, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TransactionsParams {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, default = 1, example = 1)]
    page: Option<u64>,
    /// Entries per page, 1 to 1000 (default 20).
    #[param(minimum = 1, maximum = 1000, default = 20, example = 100)]
    per_page: Option<u64>,
    /// By transaction time: `ASC` (oldest first) or `DESC` (newest first, the default), in
    /// any case.
    #[param(
        pattern = "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$",
        default = "DESC",
        example = "ASC"
    )]
    order: Option<String>,
}

/// `POST .../reporting/sales-summary`.
#[utoipa::path(post,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/reporting/sales-summary",
    tag = "MokaPOS", operation_id = "moka_sales_summary",
    summary = "Sales summary",
    description = "Sums the outlet's MokaPOS sales whose transaction time lies in the range: gross amount (Σ line gross), refunds and redemptions. There is one entry per currency, always exactly one `IDR` entry, with zeros when the range has no sales.",
    params(OutletParams),
    request_body = ReportBody,
    security(("goauth" = ["mokapos:reporting:read"])),
    responses(
        (status = 200, description = "The summary", body = Success<MokaSalesSummary>),
    ))]
async fn sales_summary(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<ReportBody>,
) -> ApiResult {
    Ok(ok(s
        .services
        .moka_sales_summary(&who, &outlet_id, body)
        .await?))
}

/// `POST .../reporting/item-sales`.
#[utoipa::path(post,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/reporting/item-sales",
    tag = "MokaPOS", operation_id = "moka_item_sales",
    summary = "Item sales",
    description = "The outlet's sales in the range per item variant, sorted by name: units sold and refunded, gross sales, discounts, refunds, redemptions, net sales, cost of goods and gross profit, with their totals. The item sales' gross sales and refunds add up to the sales summary's.",
    params(OutletParams),
    request_body = ReportBody,
    security(("goauth" = ["mokapos:reporting:read"])),
    responses(
        (status = 200, description = "The report", body = Success<MokaItemSales>),
    ))]
async fn item_sales(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<ReportBody>,
) -> ApiResult {
    Ok(ok(s
        .services
        .moka_item_sales(&who, &outlet_id, body)
        .await?))
}

/// `POST .../reporting/modifiers`.
#[utoipa::path(post,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/reporting/modifiers",
    tag = "MokaPOS", operation_id = "moka_modifiers_summary",
    summary = "Modifiers summary",
    description = "The modifier options sold with the outlet's sales in the range, grouped by modifier and sorted by name: quantity, gross sales (option price × quantity), refunds and net sales, with their totals. Discounts are line-level, so they are always 0 here.",
    params(OutletParams),
    request_body = ReportBody,
    security(("goauth" = ["mokapos:reporting:read"])),
    responses(
        (status = 200, description = "The report", body = Success<MokaModifiersSummary>),
    ))]
async fn modifiers(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<ReportBody>,
) -> ApiResult {
    Ok(ok(s
        .services
        .moka_modifiers(&who, &outlet_id, body)
        .await?))
}

/// `GET .../reporting/invoices`.
#[utoipa::path(get,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/reporting/invoices",
    tag = "MokaPOS", operation_id = "moka_invoices",
    summary = "Invoices",
    description = "The outlet's sales paid by invoice, newest first, a page at a time; `completed` is true on the last page.",
    params(OutletParams, PageParams),
    security(("goauth" = ["mokapos:reporting:read"])),
    responses(
        (status = 200, description = "A page of invoices", body = Success<MokaInvoicesPage>),
    ))]
async fn invoices(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = page_query(q.as_deref(), "per_page", MAX_PER_PAGE);
    Ok(ok(s.services.moka_invoices(&who, &outlet_id, page).await?))
}

/// `page`, `per_page` and `order`, read from one parse of the query; every bad parameter is
/// reported.
fn transactions_query(raw: Option<&str>) -> Result<(Page, SortOrder), ServiceError> {
    let pairs = query_pairs(raw);
    match (
        page_of(&pairs, "per_page", MAX_PER_PAGE),
        SortOrder::parse(pair(&pairs, "order")),
    ) {
        (Ok(p), Ok(o)) => Ok((p, o)),
        (Err(ServiceError::Invalid(mut a)), Err(ServiceError::Invalid(b))) => {
            a.extend(b);
            Err(ServiceError::Invalid(a))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// `GET .../reporting/transactions`.
#[utoipa::path(get,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/reporting/transactions",
    tag = "MokaPOS", operation_id = "moka_transactions",
    summary = "Paid transactions",
    description = "Every sale of the outlet with its items, taxes, gratuities and refunds, by transaction time (newest first unless `order=ASC`), a page at a time; `completed` is true on the last page. Either scope is accepted.",
    params(OutletParams, TransactionsParams),
    security(("goauth" = ["mokapos:transaction:read"]), ("goauth" = ["mokapos:reporting:read"])),
    responses(
        (status = 200, description = "A page of transactions", body = Success<MokaTransactionsPage>),
    ))]
async fn transactions(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = transactions_query(q.as_deref());
    Ok(ok(s
        .services
        .moka_transactions(&who, &outlet_id, query)
        .await?))
}

/// `GET .../library/gratuities`.
#[utoipa::path(get,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/library/gratuities",
    tag = "MokaPOS", operation_id = "moka_gratuities",
    summary = "Active gratuities",
    description = "The outlet's active gratuities (service charges) by id, a page at a time, with the number of pages and entries. The list is under the singular key `gratuity`. Either scope is accepted.",
    params(OutletParams, PageParams),
    security(("goauth" = ["mokapos:reporting:read"]), ("goauth" = ["mokapos:library:read"])),
    responses(
        (status = 200, description = "A page of gratuities", body = Success<MokaGratuitiesPage>),
    ))]
async fn gratuities(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = page_query(q.as_deref(), "per_page", MAX_PER_PAGE);
    Ok(ok(s
        .services
        .moka_gratuities(&who, &outlet_id, page)
        .await?))
}

/// `GET .../customers`.
#[utoipa::path(get,
    path = "/integrations/mokapos/outlets/{outlet_id}/v1/customers",
    tag = "MokaPOS", operation_id = "moka_customers",
    summary = "Customers",
    description = "The outlet's MokaPOS customers by id, a page at a time, with the number of pages and entries. Either scope is accepted.",
    params(OutletParams, PageParams),
    security(("goauth" = ["mokapos:reporting:read"]), ("goauth" = ["mokapos:customer:read"])),
    responses(
        (status = 200, description = "A page of customers", body = Success<MokaCustomersPage>),
    ))]
async fn customers(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = page_query(q.as_deref(), "per_page", MAX_PER_PAGE);
    Ok(ok(s
        .services
        .moka_customers(&who, &outlet_id, page)
        .await?))
}

/// `GET /integrations/mokapos/businesses/{business_id}/v1/outlets`.
#[utoipa::path(get,
    path = "/integrations/mokapos/businesses/{business_id}/v1/outlets",
    tag = "MokaPOS", operation_id = "moka_business_outlets",
    summary = "Business outlets",
    description = "The outlets of a business (a GoBiz merchant) that the caller may act on: linked to it for any product, or owned by a direct partner's merchant.",
    params(BusinessParams),
    security(("goauth" = ["mokapos:library:read"])),
    responses(
        (status = 200, description = "The outlets", body = Success<MokaBusinessOutlets>),
        (status = 404, description = "Unknown merchant, or none of its outlets is accessible: `Business with id: <business_id> is not found`", body = Failure),
    ))]
async fn business_outlets(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(business_id): ApiPath<String>,
) -> ApiResult {
    Ok(ok(s
        .services
        .moka_business_outlets(&who, &business_id)
        .await?))
}
