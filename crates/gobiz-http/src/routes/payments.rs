//! QRIS payments (spec §7): create (v2), read (v1), and the QR image outside `/integrations`.

use crate::envelope::{header_text, ok, ok_idempotent, ApiError, ApiResult};
use crate::extract::{ApiPath, DeferredValue, Partner, PartnerAnyAccept};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use gobiz_domain::ids::{OutletId, TransactionId};
use gobiz_services::partner::payments;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/integrations/payment/outlets/{outlet_id}/v2/transactions",
            post(create),
        )
        .route(
            "/integrations/payment/outlets/{outlet_id}/v1/transactions/{id}",
            get(read),
        )
        .route("/transactions/{id}/qr-code", get(qr_code))
}

/// `POST .../v2/transactions` with `Idempotency-Key`.
async fn create(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath(outlet_id): ApiPath<OutletId>,
    headers: HeaderMap,
    DeferredValue(body): DeferredValue,
) -> ApiResult {
    let key = header_text(&headers, payments::IDEMPOTENCY_HEADER);
    let created = s
        .services
        .create_transaction(&who, &outlet_id, key, body)
        .await?;
    Ok(ok_idempotent(created))
}

/// `GET .../v1/transactions/{id}`.
async fn read(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, TransactionId)>,
) -> ApiResult {
    let t = s.services.get_transaction(&who, &outlet_id, &id).await?;
    Ok(ok(s.services.transaction_data(&t)))
}

/// `GET /transactions/{id}/qr-code`: `image/png`; `Accept` is ignored.
async fn qr_code(
    State(s): State<AppState>,
    PartnerAnyAccept(who): PartnerAnyAccept,
    ApiPath(id): ApiPath<TransactionId>,
) -> ApiResult {
    let payload = s.services.transaction_qr(&who, &id).await?;
    let png = crate::qr::png(&payload).map_err(|e| {
        tracing::error!(error = %e, "QR rendering failed");
        ApiError::internal()
    })?;
    let mut resp = (StatusCode::OK, png).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(resp)
}
