//! Notification subscriptions (spec §9.4, §9.5) and the troubleshooting log (spec §9.10).

use crate::envelope::{created, ok, ApiResult};
use crate::extract::{ApiPath, Deferred, Partner};
use crate::{views, AppState};
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Router;
use gobiz_domain::ids::{OutletId, SubscriptionId};
use gobiz_services::partner::notifications::SubscriptionFields;
use serde_json::{json, Value};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations/partner/v1/notification-subscriptions",
            get(list_general).post(create_general),
        )
        .route(
            "/integrations/partner/v1/notification-subscriptions/{id}",
            get(get_general).put(update_general).delete(delete_general),
        )
        .route(
            "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions",
            get(list_outlet).post(create_outlet),
        )
        .route(
            "/integrations/partner/outlets/{outlet_id}/v1/notification-subscriptions/{id}",
            get(get_outlet).put(update_outlet).delete(delete_outlet),
        )
        .route("/integrations/partner/notifications", get(troubleshoot))
}

async fn list(
    s: &AppState,
    who: &gobiz_services::access::Principal,
    outlet: Option<&OutletId>,
) -> ApiResult {
    let subs = s.services.list_subscriptions(who, outlet).await?;
    let list: Vec<_> = subs.iter().map(views::subscription).collect();
    Ok(ok(json!({ "subscriptions": list })))
}

async fn list_general(State(s): State<AppState>, Partner(who): Partner) -> ApiResult {
    list(&s, &who, None).await
}

async fn list_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
) -> ApiResult {
    list(&s, &who, Some(&outlet_id)).await
}

async fn create_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s.services.create_subscription(&who, None, body).await?;
    Ok(created(
        json!({ "subscription": views::subscription(&sub) }),
    ))
}

async fn create_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s
        .services
        .create_subscription(&who, Some(&outlet_id), body)
        .await?;
    Ok(created(
        json!({ "subscription": views::subscription(&sub) }),
    ))
}

async fn get_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(id): ApiPath<SubscriptionId>,
) -> ApiResult {
    let sub = s.services.get_subscription(&who, None, &id).await?;
    Ok(ok(json!({ "subscription": views::subscription(&sub) })))
}

async fn get_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, SubscriptionId)>,
) -> ApiResult {
    let sub = s
        .services
        .get_subscription(&who, Some(&outlet_id), &id)
        .await?;
    Ok(ok(json!({ "subscription": views::subscription(&sub) })))
}

async fn update_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(id): ApiPath<SubscriptionId>,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s
        .services
        .update_subscription(&who, None, &id, body)
        .await?;
    Ok(ok(json!({ "subscription": views::subscription(&sub) })))
}

async fn update_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, SubscriptionId)>,
    Deferred(body): Deferred<SubscriptionFields>,
) -> ApiResult {
    let sub = s
        .services
        .update_subscription(&who, Some(&outlet_id), &id, body)
        .await?;
    Ok(ok(json!({ "subscription": views::subscription(&sub) })))
}

async fn delete_general(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(id): ApiPath<SubscriptionId>,
) -> ApiResult {
    s.services.delete_subscription(&who, None, &id).await?;
    Ok(ok(json!({})))
}

async fn delete_outlet(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, SubscriptionId)>,
) -> ApiResult {
    s.services
        .delete_subscription(&who, Some(&outlet_id), &id)
        .await?;
    Ok(ok(json!({})))
}

/// `GET /integrations/partner/notifications?entity_id=`.
async fn troubleshoot(
    State(s): State<AppState>,
    Partner(who): Partner,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs = crate::extract::query_pairs(q.as_deref());
    let entity = crate::extract::pair(&pairs, "entity_id");
    let list = s.services.troubleshoot(&who, entity).await?;
    let out: Vec<_> = list.iter().map(|d| views::delivery(d, false)).collect();
    Ok(ok(json!({ "notifications": out })))
}
