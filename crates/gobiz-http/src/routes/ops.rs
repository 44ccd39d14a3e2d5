//! Operations endpoints: liveness and readiness (no auth, no envelope).

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers and every migration is applied.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.services.db.is_ready().await {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable" })),
        )
    }
}

/// Prometheus text exposition: this process's counters, plus the webhook backlog of the
/// whole deployment (from the database; left out when it does not answer).
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
