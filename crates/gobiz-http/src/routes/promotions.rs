//! GoFood SKU promotions (spec §6).

use crate::envelope::{header_text, ok, ok_idempotent, ApiResult};
use crate::extract::{page_query, ApiPath, DeferredValue, Partner};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::{get, put};
use axum::Router;
use gobiz_domain::ids::{OutletId, PromotionId};
use gobiz_services::partner::promotions;
use serde_json::{json, Value};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations/promo/outlets/{outlet_id}/v1/food-promos",
            get(list).post(create),
        )
        .route(
            "/integrations/promo/outlets/{outlet_id}/v1/food-promos/{promotion_id}",
            get(detail).delete(remove),
        )
        .route(
            "/integrations/promo/outlets/{outlet_id}/v1/food-promos/{promotion_id}/deactivate",
            put(deactivate),
        )
}

/// `POST .../food-promos` with `X-Idempotency-Key`.
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
async fn list(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let page = page_query(q.as_deref(), "limit", 100);
    let (list, total, page) = s.services.list_promotions(&who, &outlet_id, page).await?;
    let now = s.services.now();
    let out: Vec<Value> = list
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "start_date": p.start_date,
                "end_date": p.end_date,
                "status": p.status(now).as_str(),
                "external_menu_id": p.external_menu_id,
            })
        })
        .collect();
    Ok(ok(
        json!({ "promotions": out, "total_count": total, "limit": page.per, "page": page.page }),
    ))
}

/// `GET .../food-promos/{id}`.
async fn detail(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, PromotionId)>,
) -> ApiResult {
    let p = s.services.get_promotion(&who, &outlet_id, &id).await?;
    Ok(ok(
        json!({ "promotion": views::promotion(&p, s.services.now()) }),
    ))
}

/// `PUT .../food-promos/{id}/deactivate`.
async fn deactivate(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, PromotionId)>,
) -> ApiResult {
    s.services
        .deactivate_promotion(&who, &outlet_id, &id)
        .await?;
    Ok(ok(json!({})))
}

/// `DELETE .../food-promos/{id}`.
async fn remove(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, PromotionId)>,
) -> ApiResult {
    s.services.delete_promotion(&who, &outlet_id, &id).await?;
    Ok(ok(json!({})))
}
