//! GoFood catalog and stock (spec §4).

use crate::envelope::{ok, ok_raw, ok_raw_body, ApiResult};
use crate::extract::{ApiPath, DeferredValue, Partner};
use crate::AppState;
use axum::extract::State;
use axum::routing::{patch, put, MethodRouter};
use axum::Router;
use gobiz_domain::catalog::StockTarget;
use gobiz_domain::ids::OutletId;
use gobiz_services::partner::catalog::CatalogRead;
use gobiz_services::ServiceError;
use serde_json::json;

/// Most bytes of catalog renderings one node keeps for `GET v2/catalog`.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v1/catalog",
            put(push).get(write_model),
        )
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v2/catalog",
            put(push).get(read_model),
        )
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v2/menu_item_stocks",
            stock_route(StockTarget::Items),
        )
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v2/variant_stocks",
            stock_route(StockTarget::Variants),
        )
}

/// `PATCH` (what clients send) and `PUT` (GoBiz's page) of one stock target.
fn stock_route(target: StockTarget) -> MethodRouter<AppState> {
    let handler =
        move |s: State<AppState>, who: Partner, path: ApiPath<OutletId>, body: DeferredValue| {
            stock(s, who, path, body, target)
        };
    patch(handler).put(handler)
}

/// `PUT .../v1/catalog` (and `v2`).
async fn push(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    s.services.push_catalog(&who, &outlet_id, body).await?;
    Ok(ok(json!({})))
}

/// `GET .../v2/catalog`: the stored rendering, cached per node by etag.
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
async fn write_model(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let model = s.services.catalog_write_model(&who, &outlet_id).await?;
    Ok(ok(model))
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
    Ok(ok(json!({})))
}
