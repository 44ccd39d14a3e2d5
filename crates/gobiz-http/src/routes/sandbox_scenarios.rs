//! Traffic scenarios (issue 19): start one (`lunch-rush` or a custom curve), list them, read
//! one with its summary, stop one. Sandbox mode only, like every `/sandbox/v1` route. What a
//! scenario does: `gobiz_services::sandbox::scenarios`, docs/sandbox.md.

use crate::envelope::{created, ok, ApiResult, Failure, Success};
use crate::extract::{Admin, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use gobiz_services::sandbox::scenarios::{NewScenario, Scenario};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_scenario, list_scenarios))
        .routes(routes!(get_scenario))
        .routes(routes!(stop_scenario))
}

/// `{scenario_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct ScenarioParams {
    /// The scenario.
    #[param(example = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f")]
    scenario_id: String,
}

/// `data` of the routes answering one scenario.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScenarioData {
    /// The scenario.
    pub scenario: Scenario,
}

/// `data` of `GET /sandbox/v1/scenarios`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScenariosData {
    /// The newest 100 scenarios, newest first (without `summary`).
    pub scenarios: Vec<Scenario>,
}

#[utoipa::path(post, path = "/sandbox/v1/scenarios", tag = "Sandbox",
    operation_id = "sandbox_start_scenario",
    summary = "Start a traffic scenario",
    description = "Plays orders on an outlet the way production traffic comes: `lunch-rush` (orders per minute rise from a tenth of the peak to `peak_orders_per_minute` and fall back over `duration_minutes`) or `custom` (a `rate` curve). Baskets come from the outlet's menu (1–4 items in stock and on sale, quantities 1–3, valid variant selections). The `mix` decides pickup orders, customer cancellations, manual-mode timeouts (the outlet runs in `manual` mode for the scenario and gets its mode back at the end) and QRIS payments paid or expired; accepted orders get a driver and are walked on to `COMPLETED`. Every action goes through the sandbox's own simulators, so partners get the same webhooks as from the sandbox API. `compressed: true` moves the sandbox clock one minute after each simulated minute (timeouts fire), so a 30-minute rush takes seconds; otherwise one simulated minute lasts a real minute. The same `seed`, spec and menu replay the same orders and actions. The scenario runs in the background: read its progress and summary with `GET /sandbox/v1/scenarios/{scenario_id}`.",
    request_body = NewScenario,
    responses(
        (status = 201, description = "Started (`running`)", body = Success<ScenarioData>),
        (status = 400, description = "Invalid request: every violation with its JSON path", body = Failure),
        (status = 404, description = "Unknown outlet", body = Failure),
        (status = 409, description = "A scenario already runs on the outlet", body = Failure),
        (status = 422, description = "The outlet has no menu to order from, is closed (force_close), or no partner has it for payment while the mix has payments", body = Failure),
    ))]
async fn start_scenario(
    State(s): State<AppState>,
    _: Admin,
    ApiJson(b): ApiJson<NewScenario>,
) -> ApiResult {
    let scenario = s.services.start_scenario(b).await?;
    Ok(created(ScenarioData { scenario }))
}

#[utoipa::path(get, path = "/sandbox/v1/scenarios", tag = "Sandbox",
    operation_id = "sandbox_list_scenarios",
    summary = "List traffic scenarios",
    description = "The newest 100 scenarios, newest first, with status and progress (the summary is on the single scenario).",
    responses(
        (status = 200, description = "The scenarios", body = Success<ScenariosData>),
    ))]
async fn list_scenarios(State(s): State<AppState>, _: Admin) -> ApiResult {
    let scenarios = s.services.list_scenarios().await?;
    Ok(ok(ScenariosData { scenarios }))
}

#[utoipa::path(get, path = "/sandbox/v1/scenarios/{scenario_id}", tag = "Sandbox",
    operation_id = "sandbox_get_scenario",
    summary = "Read a traffic scenario",
    description = "Status (`running`, `stopping`, `stopped`, `finished`, `failed` with a reason), progress (simulated minute, orders placed) and the summary counted from the database now: orders placed / accepted / completed / cancelled by the customer / timed out, payments settled / expired, the webhooks of those orders and payments with their attempts, the receiver's answer times (p50, p99) and failures by kind. Webhooks are sent asynchronously, so their counts may still grow for a moment after `finished`. Any node answers; a scenario whose node stopped beating for 30 s is `failed`.",
    params(ScenarioParams),
    responses(
        (status = 200, description = "The scenario with its summary", body = Success<ScenarioData>),
        (status = 404, description = "Unknown scenario", body = Failure),
    ))]
async fn get_scenario(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let scenario = s.services.get_scenario(&id).await?;
    Ok(ok(ScenarioData { scenario }))
}

#[utoipa::path(post, path = "/sandbox/v1/scenarios/{scenario_id}/stop", tag = "Sandbox",
    operation_id = "sandbox_stop_scenario",
    summary = "Stop a traffic scenario",
    description = "Asks the scenario (on whichever node runs it) to stop between two actions: the action in flight finishes, so no order is left half placed. Waits up to 10 s for the runner, then answers the scenario (`stopped`, or still `stopping`). Stopping a `stopping` scenario again is allowed.",
    params(ScenarioParams),
    responses(
        (status = 200, description = "Stopped, or stopping", body = Success<ScenarioData>),
        (status = 404, description = "Unknown scenario", body = Failure),
        (status = 409, description = "The scenario already ended (`finished`, `stopped` or `failed`)", body = Failure),
    ))]
async fn stop_scenario(
    State(s): State<AppState>,
    _: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult {
    let scenario = s.services.stop_scenario(&id).await?;
    Ok(ok(ScenarioData { scenario }))
}
