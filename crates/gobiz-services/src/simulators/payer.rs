//! The payer simulator (spec §10.4): a wallet pays a QRIS transaction (by id or by the
//! scanned payload), or the sandbox expires or cancels it.

use crate::partner::payments::not_found;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::payment::{Ending, NotPending, PaymentStatus, Transaction, Transition};
use gobiz_domain::qris;
use gobiz_store::payments::{self};
use serde::Deserialize;

/// Body of `POST /sandbox/v1/payments/pay`: `transaction_id` or `qris_string`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"transaction_id": "5b0c7e7e-2f4a-4d38-9d1e-3a1b2c3d4e5f"}))]
pub struct PayBody {
    /// The transaction to pay.
    #[schema(required = false, nullable = false, value_type = String)]
    pub transaction_id: Option<String>,
    /// The scanned QRIS payload of the transaction (used when `transaction_id` is absent).
    #[schema(required = false, nullable = false, value_type = String)]
    pub qris_string: Option<String>,
}

impl Services {
    /// Sandbox: a wallet pays, by transaction id or by the scanned payload.
    pub async fn pay(
        &self,
        transaction_id: Option<&str>,
        qris_string: Option<&str>,
    ) -> ServiceResult<Transaction> {
        let mut conn = self.db.conn().await?;
        let stored = match (transaction_id, qris_string) {
            (Some(id), _) => payments::get(&mut conn, id).await?,
            (None, Some(s)) => {
                let label = qris::read_reference(s).ok_or_else(|| {
                    ServiceError::invalid("qris_string", "is not a valid QRIS payload (TLV or CRC)")
                })?;
                payments::by_reference(&mut conn, &label).await?
            }
            (None, None) => {
                return Err(ServiceError::invalid(
                    "transaction_id",
                    "transaction_id or qris_string is required",
                ))
            }
        }
        .ok_or_else(not_found)?;
        drop(conn);
        if stored.transaction.status() == PaymentStatus::Pending
            && stored.expires_at <= self.clock.now_ms()
        {
            let t = self.finish_transaction(stored, Transition::Expire).await?;
            let refused = NotPending {
                id: t.id().to_string(),
                found: t.status(),
            };
            return Err(ServiceError::Conflict(refused.to_string()));
        }
        self.finish_transaction(stored, Transition::Settle).await
    }

    /// Sandbox: expire or cancel a pending transaction.
    pub async fn end_transaction(&self, id: &str, ending: Ending) -> ServiceResult<Transaction> {
        let stored = payments::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(not_found)?;
        self.finish_transaction(stored, ending.transition()).await
    }
}
