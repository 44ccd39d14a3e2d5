//! Partner reads (spec §3.2, §3.4).

use crate::envelope::{ok, ApiResult};
use crate::extract::{page_params, ApiPath, Partner};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations/partner/v1/linked-outlets",
            get(linked_outlets),
        )
        .route(
            "/integrations/partner/outlets/{outlet_id}/v1",
            get(outlet_info),
        )
}

/// `GET /integrations/partner/v1/linked-outlets?per=&page=`.
async fn linked_outlets(
    State(state): State<AppState>,
    Partner(who): Partner,
    RawQuery(query): RawQuery,
) -> ApiResult {
    who.require_scope("partner:outlet:read")?;
    let page = page_params(query.as_deref(), "per", 100)?;
    let outlets = state.services.linked_outlets(&who, page).await?;
    let list: Vec<_> = outlets.iter().map(views::linked_outlet).collect();
    Ok(ok(json!({ "outlets": list })))
}

/// `GET /integrations/partner/outlets/{outlet_id}/v1`.
async fn outlet_info(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<String>,
) -> ApiResult {
    let outlet = state.services.outlet_info(&who, &outlet_id).await?;
    Ok(ok(json!({ "outlet": views::outlet_info(&outlet) })))
}
