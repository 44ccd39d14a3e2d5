//! GoFood SKU promotions (spec §6).

use crate::envelope::{header_text, ok, ok_idempotent, ApiResult, Empty, Failure, Success};
use crate::extract::{page_query, ApiPath, DeferredValue, Partner};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use gobiz_domain::ids::{OutletId, PromotionId};
use gobiz_services::partner::promotions::{
    self, NewPromotions, PromotionDetail, PromotionList, PromotionSummary, PromotionsCreated,
};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail, remove))
        .routes(routes!(deactivate))
}

/// The path parameter of the outlet's promotions, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet, linked to the caller for `gofood`.
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// The path parameters of one promotion, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct PromotionParams {
    /// The outlet, linked to the caller for `gofood`.
    #[param(example = "G000012345")]
    outlet_id: String,
    /// The promotion id (UUID) a create answered.
    #[param(example = "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8")]
    promotion_id: String,
}

/// The pagination of the list (spec §1.13), for the OpenAPI document (the handler reads the
/// raw query so that every bad parameter is reported after the access checks).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListQuery {
    /// Page size, 1 to 100; default 20.
    #[param(minimum = 1, maximum = 100, example = 20)]
    limit: Option<u64>,
    /// 1-based page number; default 1. A page past the end is empty.
    #[param(minimum = 1, example = 1)]
    page: Option<u64>,
}

/// `POST .../food-promos` with `X-Idempotency-Key`.
#[utoipa::path(post,
    path = "/integrations/promo/outlets/{outlet_id}/v1/food-promos",
    tag = "Promotions", operation_id = "create_promotions",
    summary = "Create promotions",
    description = "Creates SKU promotions: a fixed promo price for one menu item over a date \
range, optionally within a daily time window and on some days of the week. The body is one \
promotion or an array of 1 to 50. Syntax errors refuse the whole request (400); business \
rules are judged per promotion and answered with 200, each promotion yielding one entry in \
`success` (with its new `id`) or in `failure` (with the reason in `errors`: `Item is not \
active`, `Selling price must be at least 1`, `Selling price must be at least 10% below the \
item price`, `Start date must be today or later`, `End date must not be before start date`, \
`Promotion period must not exceed 90 days`, `Start time must be before end time`, `Item \
already has a promotion in this period`).\n\n`X-Idempotency-Key` is required: the same key \
with the same body (compared as parsed JSON) within 30 days answers the stored response again \
with `Idempotent-Replayed: true`; the same key with another body answers 409. Only 200 \
answers are stored.",
    params(
        OutletParams,
        ("X-Idempotency-Key" = String, Header,
            description = "Required. 1 to 36 of `A-Z a-z 0-9 -` (a UUID with or without hyphens); scoped to (client, outlet), kept 30 days.",
            example = "0b0c8d3e-2f4a-4b8e-9c1d-7e6f5a4b3c2d"),
    ),
    request_body = NewPromotions,
    security(("goauth" = ["promo:food_promo:write"])),
    responses(
        (status = 200, description = "One outcome per promotion of the request", body = Success<PromotionsCreated>,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer of an earlier request with the same key"))),
        (status = 409, description = "The key was used with a different body (`X-Idempotency-Key has already been used with a different request body`), or a request with the key is still being processed", body = Failure),
    ))]
async fn create(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    headers: HeaderMap,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    let key = header_text(&headers, promotions::IDEMPOTENCY_HEADER);
    let created = s
        .services
        .create_promotions(&who, &outlet_id, key, body)
        .await?;
    Ok(ok_idempotent(created))
}

/// `GET .../food-promos?limit=&page=`.
#[utoipa::path(get,
    path = "/integrations/promo/outlets/{outlet_id}/v1/food-promos",
    tag = "Promotions", operation_id = "list_promotions",
    summary = "List promotions",
    description = "The outlet's promotions, newest first, a page at a time, with each one's \
status now (`created`, `active`, `expired` or `inactive`, from the clock in Asia/Jakarta).",
    params(OutletParams, ListQuery),
    security(("goauth" = ["promo:food_promo:read"])),
    responses(
        (status = 200, description = "A page of promotions", body = Success<PromotionList>),
    ))]
async fn list(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = page_query(q.as_deref(), "limit", 100);
    let (list, total, page) = s.services.list_promotions(&who, &outlet_id, page).await?;
    let now = s.services.now();
    Ok(ok(PromotionList {
        promotions: list.iter().map(|p| PromotionSummary::of(p, now)).collect(),
        total_count: total,
        limit: page.per,
        page: page.page,
    }))
}

/// `GET .../food-promos/{id}`.
#[utoipa::path(get,
    path = "/integrations/promo/outlets/{outlet_id}/v1/food-promos/{promotion_id}",
    tag = "Promotions", operation_id = "get_promotion",
    summary = "Read a promotion",
    description = "One promotion in full, with its status now; absent optional terms are `null`.",
    params(PromotionParams),
    security(("goauth" = ["promo:food_promo:read"])),
    responses(
        (status = 200, description = "The promotion", body = Success<PromotionDetail>),
        (status = 404, description = "Unknown promotion, or another outlet's: `Promotion with id: <id> is not found`", body = Failure),
    ))]
async fn detail(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, PromotionId)>,
) -> ApiResult {
    let p = s.services.get_promotion(&who, &outlet_id, &id).await?;
    Ok(ok(PromotionDetail {
        promotion: views::promotion(&p, s.services.now()),
    }))
}

/// `PUT .../food-promos/{id}/deactivate`.
#[utoipa::path(put,
    path = "/integrations/promo/outlets/{outlet_id}/v1/food-promos/{promotion_id}/deactivate",
    tag = "Promotions", operation_id = "deactivate_promotion",
    summary = "Deactivate a promotion",
    description = "Ends a `created` or `active` promotion: it becomes `inactive` whatever its \
dates and no longer prices orders. No body.",
    params(PromotionParams),
    security(("goauth" = ["promo:food_promo:write"])),
    responses(
        (status = 200, description = "Deactivated", body = Success<Empty>),
        (status = 404, description = "Unknown promotion, or another outlet's: `Promotion with id: <id> is not found`", body = Failure),
        (status = 409, description = "The promotion is `inactive` or `expired`: `Promotion <id> cannot be deactivated in status <status>`", body = Failure),
    ))]
async fn deactivate(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, PromotionId)>,
) -> ApiResult {
    s.services
        .deactivate_promotion(&who, &outlet_id, &id)
        .await?;
    Ok(ok(Empty {}))
}

/// `DELETE .../food-promos/{id}`.
#[utoipa::path(delete,
    path = "/integrations/promo/outlets/{outlet_id}/v1/food-promos/{promotion_id}",
    tag = "Promotions", operation_id = "delete_promotion",
    summary = "Delete a promotion",
    description = "Removes a promotion in any status; later calls on it answer 404.",
    params(PromotionParams),
    security(("goauth" = ["promo:food_promo:write"])),
    responses(
        (status = 200, description = "Deleted", body = Success<Empty>),
        (status = 404, description = "Unknown promotion, or another outlet's: `Promotion with id: <id> is not found`", body = Failure),
    ))]
async fn remove(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, PromotionId)>,
) -> ApiResult {
    s.services.delete_promotion(&who, &outlet_id, &id).await?;
    Ok(ok(Empty {}))
}
