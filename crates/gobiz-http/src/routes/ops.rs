//! Operations endpoints: liveness, readiness and metrics (no auth, no envelope).

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// The answer of `/healthz` and `/readyz` (no envelope).
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (`/healthz`), `ready` or `unavailable` (`/readyz`).
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "Server", operation_id = "healthz",
    summary = "Liveness",
    description = "Answers as long as the process serves HTTP; it does not look at the database. No authentication, no envelope.",
    responses(
        (status = 200, description = "Alive: `{\"status\": \"ok\"}`", body = Health,
            example = json!({"status": "ok"})),
    ))]
async fn healthz() -> impl IntoResponse {
    Json(Health { status: "ok" })
}

/// Ready when the database answers and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "Server", operation_id = "readyz",
    summary = "Readiness",
    description = "Ready when the database answers and every migration is applied; a load balancer should send traffic only then. No authentication, no envelope.",
    responses(
        (status = 200, description = "Ready", body = Health, example = json!({"status": "ready"})),
        (status = 503, description = "The database does not answer or migrations are pending", body = Health,
            example = json!({"status": "unavailable"})),
    ))]
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.services.db.is_ready().await {
        (StatusCode::OK, Json(Health { status: "ready" }))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable",
            }),
        )
    }
}

/// Prometheus text exposition: this process's counters, plus the webhook backlog of the
/// whole deployment (from the database; left out when it does not answer).
#[utoipa::path(get, path = "/metrics", tag = "Server", operation_id = "metrics",
    summary = "Prometheus metrics",
    description = "Prometheus text exposition format 0.0.4: this process's request counters by status class, webhook attempts, the database pool, and the webhook backlog of the whole deployment (left out while the database does not answer). No authentication.",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String,
            example = "# TYPE gobiz_http_requests_total counter\ngobiz_http_requests_total{status=\"2xx\"} 42\n"),
    ))]
async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let extra = crate::metrics::Extra {
        backlog: s.services.webhook_backlog().await,
        pool: s.services.db_pool(),
        attempts: gobiz_services::ops::webhook_attempts(),
    };
    let mut text = crate::metrics::render();
    text.push_str(&crate::metrics::render_extra(&extra));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
}
