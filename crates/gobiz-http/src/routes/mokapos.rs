//! MokaPOS reporting (spec §8): three POST reports over a time range, the paged listings and
//! a business's outlets. Bodies and queries are judged after token, scope and outlet (§1.7).

use crate::envelope::{ok, ApiResult};
use crate::extract::{page_of, page_query, pair, query_pairs, ApiPath, Deferred, Partner};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use axum::Router;
use gobiz_domain::ids::OutletId;
use gobiz_domain::moka::range::ReportBody;
use gobiz_services::partner::moka::listings::{Listing, SortOrder};
use gobiz_services::partner::moka::reports::Report;
use gobiz_services::ServiceError;

/// Largest `per_page` of the MokaPOS lists (spec §1.13).
const MAX_PER_PAGE: u64 = 1000;

pub(super) fn router() -> Router<AppState> {
    let outlet = "/integrations/mokapos/outlets/{outlet_id}/v1";
    let report = |kind: Report| {
        post(
            move |s: State<AppState>,
                  who: Partner,
                  path: ApiPath<OutletId>,
                  body: Deferred<ReportBody>| { report(s, who, path, body, kind) },
        )
    };
    let library = |listing: Listing| {
        get(
            move |s: State<AppState>, who: Partner, path: ApiPath<OutletId>, q: RawQuery| {
                library(s, who, path, q, listing)
            },
        )
    };
    Router::new()
        .route(
            &format!("{outlet}/reporting/sales-summary"),
            report(Report::SalesSummary),
        )
        .route(
            &format!("{outlet}/reporting/item-sales"),
            report(Report::ItemSales),
        )
        .route(
            &format!("{outlet}/reporting/modifiers"),
            report(Report::Modifiers),
        )
        .route(&format!("{outlet}/reporting/invoices"), get(invoices))
        .route(
            &format!("{outlet}/reporting/transactions"),
            get(transactions),
        )
        .route(
            &format!("{outlet}/library/gratuities"),
            library(Listing::Gratuities),
        )
        .route(&format!("{outlet}/customers"), library(Listing::Customers))
        .route(
            "/integrations/mokapos/businesses/{business_id}/v1/outlets",
            get(business_outlets),
        )
}

/// The three POST reports (spec §8.3–§8.5).
async fn report(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<ReportBody>,
    kind: Report,
) -> ApiResult {
    Ok(ok(s
        .services
        .moka_report(&who, &outlet_id, kind, body)
        .await?))
}

/// Gratuities and customers (spec §8.8, §8.9).
async fn library(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
    listing: Listing,
) -> ApiResult {
    let page = page_query(q.as_deref(), "per_page", MAX_PER_PAGE);
    Ok(ok(s
        .services
        .moka_library(&who, &outlet_id, listing, page)
        .await?))
}

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
fn transactions_query(
    raw: Option<&str>,
) -> Result<(gobiz_services::partner::Page, SortOrder), ServiceError> {
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
