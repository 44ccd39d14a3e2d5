//! GoFood catalog and stock (spec §4).

use crate::envelope::{ok, ApiResult};
use crate::extract::{ApiPath, DeferredValue, Partner};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, put, MethodRouter};
use axum::Router;
use gobiz_domain::catalog::StockTarget;
use gobiz_services::catalog::CatalogRead;
use gobiz_services::ServiceError;
use serde_json::json;

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
        move |s: State<AppState>, who: Partner, path: ApiPath<String>, body: DeferredValue| {
            stock(s, who, path, body, target)
        };
    patch(handler).put(handler)
}

/// `{"success":true,"data":<stored read model>}` without parsing the stored JSON again.
pub(crate) fn raw_data(read_json: &str) -> Response {
    let body = format!("{{\"success\":true,\"data\":{read_json}}}");
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `PUT .../v1/catalog` (and `v2`).
async fn push(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<String>,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    s.services.push_catalog(&who, &outlet_id, body).await?;
    Ok(ok(json!({})))
}

fn bytes_response(body: Bytes) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `GET .../v2/catalog`: the stored rendering, cached per node by etag.
async fn read_model(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<String>,
) -> ApiResult {
    let cached = s
        .catalog_cache
        .lock()
        .ok()
        .and_then(|c| c.get(&outlet_id).cloned());
    let known = cached.as_ref().map(|(etag, _)| etag.as_str());
    match s.services.catalog_read(&who, &outlet_id, known).await? {
        CatalogRead::Unchanged => match cached {
            Some((_, body)) => Ok(bytes_response(body)),
            None => Err(ServiceError::Internal("catalog cache entry vanished".into()).into()),
        },
        CatalogRead::Changed { etag, json } => {
            let body = Bytes::from(format!("{{\"success\":true,\"data\":{json}}}"));
            if !etag.is_empty() {
                if let Ok(mut c) = s.catalog_cache.lock() {
                    if c.len() > 10_000 {
                        c.clear();
                    }
                    c.insert(outlet_id, (etag, body.clone()));
                }
            }
            Ok(bytes_response(body))
        }
    }
}

/// `GET .../v1/catalog`: the write model.
async fn write_model(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<String>,
) -> ApiResult {
    let model = s.services.catalog_write_model(&who, &outlet_id).await?;
    Ok(ok(model))
}

/// `PATCH`/`PUT .../v2/menu_item_stocks` and `.../v2/variant_stocks` (spec §4.4).
async fn stock(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<String>,
    DeferredValue(body): DeferredValue,
    target: StockTarget,
) -> ApiResult {
    s.services
        .update_stock(&who, &outlet_id, target, body)
        .await?;
    Ok(ok(json!({})))
}
