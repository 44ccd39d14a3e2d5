//! QRIS payments (spec §7): create (v2), read (v1), and the QR image outside `/integrations`.

use crate::envelope::{header_text, ok, ok_idempotent, ApiError, ApiResult, Failure, Success};
use crate::extract::{ApiPath, DeferredValue, Partner, PartnerAnyAccept};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use gobiz_domain::ids::{OutletId, TransactionId};
use gobiz_services::partner::payments::{self, NewTransaction, TransactionData};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(read))
        .routes(routes!(qr_code))
}

/// The path parameter of a create, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct OutletParams {
    /// The outlet, linked to the caller for `payment`.
    #[param(example = "G000012345")]
    outlet_id: String,
}

/// The path parameters of a read, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct TransactionParams {
    /// The outlet, linked to the caller for `payment`.
    #[param(example = "G000012345")]
    outlet_id: String,
    /// The GoBiz transaction id (`transaction.id`, not the partner's `order_id`).
    #[param(example = "71839e9c-944b-40ce-bd31-8a76db666f36")]
    id: String,
}

/// The path parameter of the QR image, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct QrParams {
    /// The GoBiz transaction id.
    #[param(example = "71839e9c-944b-40ce-bd31-8a76db666f36")]
    id: String,
}

// The QR answer's schema in the OpenAPI document.
/// A PNG image.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct PngImage(Vec<u8>);

/// `POST .../v2/transactions` with `Idempotency-Key`.
#[utoipa::path(post,
    path = "/integrations/payment/outlets/{outlet_id}/v2/transactions",
    tag = "Payments", operation_id = "create_transaction",
    summary = "Create a QRIS transaction",
    description = "Creates a dynamic QRIS transaction for the outlet: the answer carries the \
`qris_string` any QRIS wallet or bank app can pay, and in `actions` the URL of its QR image. \
The transaction is `pending` until paid (`settlement`, announced by \
`payment.transaction.settlement`) or until it expires (15 minutes by default). Note the \
version: create is v2, read is v1.\n\n`Idempotency-Key` is required: a request is processed \
once per key; the same key within 30 days answers the stored response again, whatever the \
body, with `Idempotent-Replayed: true`. Concurrent requests with one key create one \
transaction. Only 200 answers are stored: after a 400 or 409 the key is still free.",
    params(
        OutletParams,
        ("Idempotency-Key" = String, Header,
            description = "Required. 1 to 32 printable ASCII characters without spaces; scoped to (client, outlet), kept 30 days.",
            example = "3f1e7c2a9b8d4e6f"),
    ),
    request_body = NewTransaction,
    security(("goauth" = ["payment:transaction:write"])),
    responses(
        (status = 200, description = "The new transaction, or the stored answer of an earlier request with the same key", body = Success<TransactionData>,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer of an earlier request with the same key"))),
        (status = 409, description = "Another transaction of the outlet with this `order_id` is `pending` or `settlement` (`order_id <order_id> already has a pending or settled transaction on this outlet`), or a request with the key is still being processed", body = Failure),
    ))]
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
#[utoipa::path(get,
    path = "/integrations/payment/outlets/{outlet_id}/v1/transactions/{id}",
    tag = "Payments", operation_id = "get_transaction",
    summary = "Read a transaction",
    description = "A transaction with its current status, as create answered it. Visible only \
to the partner that created it (and, on its own outlets, to the direct-integration merchant).",
    params(TransactionParams),
    security(("goauth" = ["payment:transaction:read"])),
    responses(
        (status = 200, description = "The transaction", body = Success<TransactionData>),
        (status = 404, description = "Unknown id, another outlet's or another partner's transaction: `Transaction not found`", body = Failure),
    ))]
async fn read(
    State(s): State<AppState>,
    Partner(who): Partner,
    ApiPath((outlet_id, id)): ApiPath<(OutletId, TransactionId)>,
) -> ApiResult {
    let t = s.services.get_transaction(&who, &outlet_id, &id).await?;
    Ok(ok(s.services.transaction_data(&t)))
}

/// `GET /transactions/{id}/qr-code`: `image/png`; `Accept` is ignored.
#[utoipa::path(get,
    path = "/transactions/{id}/qr-code",
    tag = "Payments", operation_id = "get_transaction_qr_code",
    summary = "The QR image of a transaction",
    description = "A PNG of the transaction's `qris_string`, at least 256 × 256 pixels, in any \
status; the URL is `actions[0].url` of the transaction. `Accept` is ignored. Errors are JSON \
envelopes.",
    params(QrParams),
    security(("goauth" = ["payment:transaction:read"]), ("goauth" = ["payment:transaction:write"])),
    responses(
        (status = 200, description = "The QR code", content_type = "image/png", body = PngImage),
        (status = 404, description = "Unknown transaction, or another partner's: `Transaction not found`", body = Failure),
    ))]
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
