//! GoFood catalog and stock (spec §4).

use crate::envelope::{ok, ok_raw, ok_raw_body, ApiResult, Empty, Success};
use crate::extract::{ApiPath, DeferredValue, Partner};
use crate::AppState;
use axum::extract::State;
use gobiz_domain::catalog::{CatalogBody, CatalogReadModel, StockBody, StockTarget};
use gobiz_domain::ids::OutletId;
use gobiz_services::partner::catalog::CatalogRead;
use gobiz_services::ServiceError;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Most bytes of catalog renderings one node keeps for `GET v2/catalog`.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push_v1, write_model))
        .routes(routes!(push_v2, read_model))
        .routes(routes!(item_stocks))
        .routes(routes!(variant_stocks))
}

/// The path parameter of the catalog operations, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet, linked to the caller for `gofood`.
    #[param(example = "G000012345")]
    outlet_id: String,
}

const PUSH_DESCRIPTION: &str = "Replaces the outlet's whole catalog: menus, items and \
variant categories missing from the body are removed. Validation is synchronous: any \
violation answers 400 listing every violation with its JSON path (at most 50) and nothing is \
stored. GoBiz ids stay the same for the same `external_id` (menus: the same `name`); \
`in_stock` comes from the body. The push also becomes the caller's menu mapping for the \
outlet, and `gofood.catalog.menu_mapping_updated` follows shortly after. Orders already \
placed keep their items and prices.";

/// `PUT .../v1/catalog`.
#[utoipa::path(put,
    path = "/integrations/gofood/outlets/{outlet_id}/v1/catalog",
    tag = "GoFood catalog", operation_id = "update_catalog",
    summary = "Replace the catalog",
    description = PUSH_DESCRIPTION,
    params(OutletParams),
    request_body = CatalogBody,
    security(("goauth" = ["gofood:catalog:write"])),
    responses(
        (status = 200, description = "Stored", body = Success<Empty>),
    ))]
async fn push_v1(
    s: State<AppState>,
    who: Partner,
    path: ApiPath<OutletId>,
    body: DeferredValue,
) -> ApiResult {
    push(s, who, path, body).await
}

/// `PUT .../v2/catalog`: the same as v1.
#[utoipa::path(put,
    path = "/integrations/gofood/outlets/{outlet_id}/v2/catalog",
    tag = "GoFood catalog", operation_id = "update_catalog_v2",
    summary = "Replace the catalog (v2 alias)",
    description = "The same operation as `PUT .../v1/catalog`, on the v2 path.",
    params(OutletParams),
    request_body = CatalogBody,
    security(("goauth" = ["gofood:catalog:write"])),
    responses(
        (status = 200, description = "Stored", body = Success<Empty>),
    ))]
async fn push_v2(
    s: State<AppState>,
    who: Partner,
    path: ApiPath<OutletId>,
    body: DeferredValue,
) -> ApiResult {
    push(s, who, path, body).await
}

/// `PUT .../v1/catalog` (and `v2`).
async fn push(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    s.services.push_catalog(&who, &outlet_id, body).await?;
    Ok(ok(Empty {}))
}

/// `GET .../v2/catalog`: the stored rendering, cached per node by etag.
#[utoipa::path(get,
    path = "/integrations/gofood/outlets/{outlet_id}/v2/catalog",
    tag = "GoFood catalog", operation_id = "get_catalog",
    summary = "Read the catalog",
    description = "The read model: the pushed catalog plus GoBiz ids; items refer to their \
variant categories by GoBiz id (`variant_category_ids`), every item lists all seven days of \
`operational_hours`, empty optional fields are `null`, and categories no item uses are still \
listed. Before the first push: `{\"menus\": [], \"variant_categories\": []}`. Read the GoBiz \
ids here before updating stock by `id`.",
    params(OutletParams),
    security(("goauth" = ["gofood:catalog:read"])),
    responses(
        (status = 200, description = "The catalog", body = Success<CatalogReadModel>),
    ))]
async fn read_model(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let cached = s
        .catalog_cache
        .lock()
        .ok()
        .and_then(|c| c.get(outlet_id.as_str()).cloned());
    let known = cached.as_ref().map(|(etag, _)| etag.as_str());
    match s.services.catalog_read(&who, &outlet_id, known).await? {
        CatalogRead::Unchanged => match cached {
            Some((_, body)) => Ok(ok_raw(body)),
            None => Err(ServiceError::Internal("catalog cache entry vanished".into()).into()),
        },
        CatalogRead::Changed { etag, json } => {
            let body = ok_raw_body(&json);
            if !etag.is_empty() {
                if let Ok(mut c) = s.catalog_cache.lock() {
                    // Bounded by size, not count: a catalog rendering can be megabytes.
                    let held: usize = c.values().map(|(_, b)| b.len()).sum();
                    if c.len() >= 10_000 || held + body.len() > CACHE_BYTES {
                        c.clear();
                    }
                    c.insert(outlet_id.into_string(), (etag, body.clone()));
                }
            }
            Ok(ok_raw(body))
        }
    }
}

/// `GET .../v1/catalog`: the write model.
#[utoipa::path(get,
    path = "/integrations/gofood/outlets/{outlet_id}/v1/catalog",
    tag = "GoFood catalog", operation_id = "get_catalog_write_model",
    summary = "Read the catalog as a push body",
    description = "The write model: what a push would have to send to recreate the current \
catalog (partner ids only, items refer to categories by `external_id`, `max_quantity` \
resolved to a number). Before the first push `request_id` is `null` and the lists are empty.",
    params(OutletParams),
    security(("goauth" = ["gofood:catalog:read"])),
    responses(
        (status = 200, description = "The catalog", body = Success<CatalogBody>),
    ))]
async fn write_model(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let model = s.services.catalog_write_model(&who, &outlet_id).await?;
    Ok(ok(model))
}

const STOCK_DESCRIPTION: &str = "Flips `in_stock` without pushing the menu again; effective \
immediately. Each change names its target by GoBiz `id` (from `GET .../v2/catalog`) or by \
`external_id`. All or nothing: an unknown id, or an `id` and `external_id` designating \
different targets, answers 400 and changes nothing. The last change of a target wins. \
Clients send `PATCH`; GoBiz lists `PUT`; both are accepted.";

/// `PATCH`/`PUT .../v2/menu_item_stocks` (spec §4.4).
#[utoipa::path(method(patch, put),
    path = "/integrations/gofood/outlets/{outlet_id}/v2/menu_item_stocks",
    tag = "GoFood catalog", operation_id = "update_menu_item_stocks",
    summary = "Update menu item stock",
    description = STOCK_DESCRIPTION,
    params(OutletParams),
    request_body = StockBody,
    security(("goauth" = ["gofood:catalog:write"])),
    responses(
        (status = 200, description = "Updated", body = Success<Empty>),
    ))]
async fn item_stocks(
    s: State<AppState>,
    who: Partner,
    path: ApiPath<OutletId>,
    body: DeferredValue,
) -> ApiResult {
    stock(s, who, path, body, StockTarget::Items).await
}

/// `PATCH`/`PUT .../v2/variant_stocks` (spec §4.4).
#[utoipa::path(method(patch, put),
    path = "/integrations/gofood/outlets/{outlet_id}/v2/variant_stocks",
    tag = "GoFood catalog", operation_id = "update_variant_stocks",
    summary = "Update variant stock",
    description = STOCK_DESCRIPTION,
    params(OutletParams),
    request_body = StockBody,
    security(("goauth" = ["gofood:catalog:write"])),
    responses(
        (status = 200, description = "Updated", body = Success<Empty>),
    ))]
async fn variant_stocks(
    s: State<AppState>,
    who: Partner,
    path: ApiPath<OutletId>,
    body: DeferredValue,
) -> ApiResult {
    stock(s, who, path, body, StockTarget::Variants).await
}

/// `PATCH`/`PUT .../v2/menu_item_stocks` and `.../v2/variant_stocks` (spec §4.4).
async fn stock(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    DeferredValue(body): DeferredValue,
    target: StockTarget,
) -> ApiResult {
    s.services
        .update_stock(&who, &outlet_id, target, body)
        .await?;
    Ok(ok(Empty {}))
}
