//! Sandbox reads of QRIS transactions (issue 17): an outlet's transactions newest first, one
//! transaction with its expiry, and a test payment created through the partner API's own
//! use case on behalf of the partner that has the outlet for `payment`.

use crate::access::Principal;
use crate::partner::payments::not_found;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::ids::OutletId;
use gobiz_domain::model::Product;
use gobiz_domain::payment::Transaction;
use gobiz_domain::scope::TokenKind;
use gobiz_store::links;
use gobiz_store::payments;
pub use gobiz_store::payments::StoredTransaction;
use serde_json::json;

/// The client id a console test payment is recorded under (its idempotency scope).
const CONSOLE_CLIENT: &str = "sandbox-console";

impl Services {
    /// Sandbox: one page of an outlet's QRIS transactions, newest first (404 for an unknown
    /// outlet).
    pub async fn list_transactions(
        &self,
        outlet_id: &OutletId,
        limit: u64,
        offset: u64,
    ) -> ServiceResult<Vec<StoredTransaction>> {
        self.get_outlet(outlet_id).await?;
        Ok(payments::of_outlet(&mut self.db.conn().await?, outlet_id, limit, offset).await?)
    }

    /// Sandbox: one transaction with its creating partner and expiry, whoever created it.
    pub async fn sandbox_transaction(&self, id: &str) -> ServiceResult<StoredTransaction> {
        payments::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(not_found)
    }

    /// The first partner that reaches the outlet for `payment` (a facilitator linked for it,
    /// or its direct merchant partner), if any; 404 for an unknown outlet.
    pub(crate) async fn payment_partner(
        &self,
        outlet_id: &OutletId,
    ) -> ServiceResult<Option<gobiz_domain::entities::Partner>> {
        let outlet = self.get_outlet(outlet_id).await?;
        for p in self.list_partners().await? {
            let linked = links::is_linked(
                &mut self.db.conn().await?,
                &p.id,
                outlet_id,
                Some(Product::Payment),
            )
            .await?;
            if p.reaches(&outlet.merchant_id, linked) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// Sandbox: a test payment of `gross_amount` IDR at the outlet, created by
    /// [`Services::create_transaction`] (same checks, same answer) as the first partner that
    /// reaches the outlet for `payment`: a facilitator linked for it, or its direct merchant
    /// partner. 422 when no partner has the outlet for `payment`.
    pub async fn sandbox_create_transaction(
        &self,
        outlet_id: &OutletId,
        gross_amount: i64,
    ) -> ServiceResult<Transaction> {
        let partner = self.payment_partner(outlet_id).await?.ok_or_else(|| {
            ServiceError::Unprocessable(format!(
                "No partner has outlet {outlet_id} for payment: link one first"
            ))
        })?;
        let who = Principal {
            partner,
            client_id: CONSOLE_CLIENT.into(),
            kind: TokenKind::Client,
            scopes: vec!["payment:transaction:write".into()],
            user_id: None,
        };
        let key = uuid::Uuid::new_v4().simple().to_string();
        let order_id = format!("console-{}", &key[..12]);
        let body = json!({
            "payment_type": "qris",
            "transaction_details": {
                "order_id": order_id,
                "gross_amount": gross_amount,
                "currency": "IDR",
            },
        });
        let created = self
            .create_transaction(&who, outlet_id, Some(&key), Ok(body))
            .await?;
        let id = created
            .data
            .pointer("/transaction/id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| ServiceError::Internal("created transaction without id".into()))?;
        Ok(self.sandbox_transaction(id).await?.transaction)
    }
}
