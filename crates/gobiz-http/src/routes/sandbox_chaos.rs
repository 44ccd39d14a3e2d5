//! Delivery chaos per partner (issue 19): read, set and clear it. Sandbox mode only, like
//! every `/sandbox/v1` route. What chaos does: `gobiz_domain::chaos`, docs/sandbox.md.

use crate::envelope::{ok, ApiResult, Failure, Success};
use crate::extract::{Admin, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use gobiz_domain::chaos::ChaosConfig;
use gobiz_domain::timefmt::rfc3339_millis;
use gobiz_services::sandbox::{ChaosSettings, ChaosState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_chaos, set_chaos, clear_chaos))
}

/// `{partner_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct PartnerParams {
    /// The partner.
    #[param(example = "7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d")]
    partner_id: String,
}

/// A partner's delivery chaos.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChaosView {
    /// The partner.
    pub partner_id: String,
    /// True when some part is on.
    pub enabled: bool,
    /// The settings (with the seed in use), or `null` when off.
    pub settings: Option<ChaosConfig>,
    /// Deliveries decided on since the settings were set.
    pub decisions: i64,
    /// When they were set (sandbox clock, UTC), or `null`.
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

impl From<ChaosState> for ChaosView {
    fn from(s: ChaosState) -> Self {
        ChaosView {
            partner_id: s.partner_id,
            enabled: s.config.is_some(),
            settings: s.config,
            decisions: s.decisions,
            updated_at: s.updated_at.map(rfc3339_millis),
        }
    }
}

/// `data` of the chaos routes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChaosData {
    /// The partner's chaos.
    pub chaos: ChaosView,
}

fn answer(s: ChaosState) -> ApiResult {
    Ok(ok(ChaosData {
        chaos: ChaosView::from(s),
    }))
}

#[utoipa::path(get, path = "/sandbox/v1/partners/{partner_id}/chaos", tag = "Sandbox",
    operation_id = "sandbox_get_chaos",
    summary = "Read a partner's delivery chaos",
    params(PartnerParams),
    responses(
        (status = 200, description = "The settings (`enabled: false` when off)", body = Success<ChaosData>),
        (status = 404, description = "Unknown partner", body = Failure),
    ))]
async fn get_chaos(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(partner_id): ApiPath<String>,
) -> ApiResult {
    answer(s.services.chaos(&partner_id).await?)
}

#[utoipa::path(put, path = "/sandbox/v1/partners/{partner_id}/chaos", tag = "Sandbox",
    operation_id = "sandbox_set_chaos",
    summary = "Set a partner's delivery chaos",
    description = "Makes the partner's deliveries misbehave on purpose, as GoBiz's at-least-once, unordered delivery (spec §9.9) can: `duplicate` sends a share of deliveries twice with the same `X-Go-Idempotency-Key`, `reorder` holds every delivery a random time within a window so one order's events arrive out of order, `delay` waits before the first attempt, `fail` records a share of attempts as the receiver's `status` (or a timeout) without sending, so retries follow spec §9.8 — except the last attempt the budget allows, which is always sent. Every decision follows from `seed` and is written in the delivery's history. Setting the same settings again replays the same decisions for the same events. Every part absent = off.",
    params(PartnerParams),
    request_body = ChaosSettings,
    responses(
        (status = 200, description = "Set", body = Success<ChaosData>),
        (status = 404, description = "Unknown partner", body = Failure),
    ))]
async fn set_chaos(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(partner_id): ApiPath<String>,
    ApiJson(b): ApiJson<ChaosSettings>,
) -> ApiResult {
    answer(s.services.set_chaos(&partner_id, b).await?)
}

#[utoipa::path(delete, path = "/sandbox/v1/partners/{partner_id}/chaos", tag = "Sandbox",
    operation_id = "sandbox_clear_chaos",
    summary = "Turn a partner's delivery chaos off",
    description = "Deliveries made from now on are sent once, in order, without delay; those already held or duplicated keep their decisions.",
    params(PartnerParams),
    responses(
        (status = 200, description = "Off", body = Success<ChaosData>),
        (status = 404, description = "Unknown partner", body = Failure),
    ))]
async fn clear_chaos(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(partner_id): ApiPath<String>,
) -> ApiResult {
    answer(s.services.clear_chaos(&partner_id).await?)
}
