//! Partner reads (spec §3.2, §3.4).

use crate::envelope::{ok, ApiResult};
use crate::extract::{page_params, ApiPath, Deferred, Partner};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use axum::routing::{get, patch, put};
use axum::Router;
use gobiz_domain::ids::OutletId;
use gobiz_services::partner::user::{LinkAction, LinkTarget};
use gobiz_services::ServiceError;
use serde::Deserialize;
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
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let outlet = state.services.outlet_info(&who, &outlet_id).await?;
    Ok(ok(json!({ "outlet": views::outlet_info(&outlet) })))
}

/// Routes acting for a merchant user (`ac` token).
pub(super) fn user_router() -> Router<AppState> {
    Router::new()
        .route("/integrations/partner/v1/token-info", get(token_info))
        .route(
            "/integrations/partner/outlets/{outlet_id}/v1/link/{product}",
            put(link_outlet).post(link_outlet).delete(unlink_outlet),
        )
        .route(
            "/integrations/partner/v1/outlet-link",
            put(link_primary).post(link_primary).delete(unlink_primary),
        )
        .route(
            "/integrations/gofood/outlets/{outlet_id}/v1/properties",
            patch(set_properties)
                .put(set_properties)
                .get(get_properties),
        )
}

/// Body of the link endpoints.
#[derive(Debug, Deserialize)]
struct LinkBody {
    external_outlet_id: Option<String>,
}

/// Body of the properties endpoint.
#[derive(Debug, Deserialize)]
struct PropertiesBody {
    force_close: Option<bool>,
}

/// `GET /integrations/partner/v1/token-info` (spec §3.3).
async fn token_info(State(state): State<AppState>, Partner(who): Partner) -> ApiResult {
    let info = state.services.token_info(&who).await?;
    let roles: Vec<&str> = info.roles.iter().map(|r| r.as_str()).collect();
    let outlets: Vec<_> = info
        .outlets
        .iter()
        .map(|o| json!({ "id": o.id, "name": o.name, "address": o.address, "email": "", "phone": "" }))
        .collect();
    Ok(ok(
        json!({ "user": { "roles": roles }, "outlets": outlets }),
    ))
}

async fn link_with(
    state: &AppState,
    who: &gobiz_services::access::Principal,
    target: LinkTarget<'_>,
    body: Result<LinkBody, ServiceError>,
) -> ApiResult {
    let action = LinkAction::Link(body.map(|b| b.external_outlet_id));
    match state.services.user_link(who, target, action).await? {
        Some(l) => Ok(ok(json!({ "outlet": views::link(&l) }))),
        None => Err(ServiceError::Internal("link returned nothing".into()).into()),
    }
}

/// `PUT|POST /integrations/partner/outlets/{outlet_id}/v1/link/{product}` (spec §3.5).
async fn link_outlet(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, product)): ApiPath<(OutletId, String)>,
    Deferred(body): Deferred<LinkBody>,
) -> ApiResult {
    link_with(
        &state,
        &who,
        LinkTarget::Outlet {
            outlet_id: &outlet_id,
            product: &product,
        },
        body,
    )
    .await
}

/// `DELETE /integrations/partner/outlets/{outlet_id}/v1/link/{product}` (spec §3.6).
async fn unlink_outlet(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, product)): ApiPath<(OutletId, String)>,
) -> ApiResult {
    state
        .services
        .user_link(
            &who,
            LinkTarget::Outlet {
                outlet_id: &outlet_id,
                product: &product,
            },
            LinkAction::Unlink,
        )
        .await?;
    Ok(ok(json!({})))
}

/// `PUT|POST /integrations/partner/v1/outlet-link` (spec §3.7).
async fn link_primary(
    State(state): State<AppState>,
    Partner(who): Partner,
    Deferred(body): Deferred<LinkBody>,
) -> ApiResult {
    link_with(&state, &who, LinkTarget::Primary, body).await
}

/// `DELETE /integrations/partner/v1/outlet-link` (spec §3.7).
async fn unlink_primary(State(state): State<AppState>, Partner(who): Partner) -> ApiResult {
    state
        .services
        .user_link(&who, LinkTarget::Primary, LinkAction::Unlink)
        .await?;
    Ok(ok(json!({})))
}

/// `PATCH|PUT /integrations/gofood/outlets/{outlet_id}/v1/properties` (spec §3.8).
async fn set_properties(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<PropertiesBody>,
) -> ApiResult {
    let outlet = state
        .services
        .set_force_close(&who, &outlet_id, body.map(|b| b.force_close))
        .await?;
    Ok(ok(json!({ "force_close": outlet.force_close })))
}

/// `GET .../v1/properties`: the current properties (our superset).
async fn get_properties(
    State(state): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    let outlet = state.services.outlet_properties(&who, &outlet_id).await?;
    Ok(ok(json!({ "force_close": outlet.force_close })))
}
