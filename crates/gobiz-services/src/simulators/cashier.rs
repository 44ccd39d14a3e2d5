//! The sandbox cashier (spec §10.2, §10.4): record a sale, refund it, and add customers and
//! gratuities to an outlet's Moka library.

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::moka::sale::{RefundError, RefundInput, SaleInput};
use gobiz_domain::moka::{Refund, Sale};
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_domain::validation::Violations;
use gobiz_store::moka;
use serde::Deserialize;
use serde_json::{json, Value};

/// A customer as the sandbox creates it (spec §8.9 fields).
#[derive(Debug, Clone, Deserialize)]
pub struct NewCustomer {
    /// Required.
    pub name: Option<String>,
    /// Optional contact fields.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

/// A gratuity as the sandbox creates it (spec §8.8 fields).
#[derive(Debug, Clone, Deserialize)]
pub struct NewGratuity {
    /// Required.
    pub name: Option<String>,
    /// Required, IDR.
    pub amount: Option<i64>,
    /// Default true; inactive gratuities are not listed.
    pub active: Option<bool>,
}

fn sale_not_found() -> ServiceError {
    ServiceError::NotFound("Sale not found".into())
}

impl Services {
    /// Reserves `n` ids of a Moka sequence in a transaction of its own.
    pub(crate) async fn moka_ids(&self, name: &str, n: i64) -> ServiceResult<i64> {
        let mut tx = self.db.begin().await?;
        let first = moka::reserve(&mut tx, name, n).await?;
        tx.commit().await?;
        Ok(first)
    }

    /// `POST /sandbox/v1/outlets/{outlet_id}/moka/sales`.
    pub async fn record_moka_sale(&self, outlet_id: &str, input: SaleInput) -> ServiceResult<Sale> {
        self.get_outlet(outlet_id).await?;
        let now = self.clock.now_ms();
        let draft = input.validate(now)?;
        if let Some(customer) = draft.customer_id {
            let mut conn = self.db.conn().await?;
            if !moka::customer_exists(&mut conn, outlet_id, customer).await? {
                return Err(ServiceError::Unprocessable(format!(
                    "Customer {customer} does not exist at outlet {outlet_id}"
                )));
            }
        }
        let number = self.moka_ids("sale", 1).await?;
        let sale = draft.into_sale(
            uuid::Uuid::new_v4().to_string(),
            number,
            outlet_id.to_string(),
            now,
        );
        let mut tx = self.db.begin().await?;
        moka::insert_sales(&mut tx, std::slice::from_ref(&sale)).await?;
        tx.commit().await?;
        Ok(sale)
    }

    /// `GET /sandbox/v1/moka/sales/{sale_id}`.
    pub async fn get_moka_sale(&self, sale_id: &str) -> ServiceResult<Sale> {
        if uuid::Uuid::parse_str(sale_id).is_err() {
            return Err(sale_not_found());
        }
        let mut conn = self.db.conn().await?;
        moka::get(&mut conn, sale_id)
            .await?
            .ok_or_else(sale_not_found)
    }

    /// `POST /sandbox/v1/moka/sales/{sale_id}/refunds`.
    pub async fn refund_moka_sale(
        &self,
        sale_id: &str,
        input: RefundInput,
    ) -> ServiceResult<(Sale, Refund)> {
        let (lines, reason) = input.validate()?;
        if uuid::Uuid::parse_str(sale_id).is_err() {
            return Err(sale_not_found());
        }
        let id = self.moka_ids("refund", 1).await?;
        let mut tx = self.db.begin().await?;
        let mut sale = moka::get_for_update(&mut tx, sale_id)
            .await?
            .ok_or_else(sale_not_found)?;
        let refund = sale
            .refund(lines.as_deref(), reason, id, self.clock.now_ms())
            .map_err(|e| match e {
                RefundError::FullyRefunded => {
                    ServiceError::Conflict(format!("Sale {sale_id} is already fully refunded"))
                }
                other => ServiceError::Unprocessable(other.to_string()),
            })?;
        moka::update_refunds(&mut tx, &sale).await?;
        tx.commit().await?;
        Ok((sale, refund))
    }

    /// `POST /sandbox/v1/outlets/{outlet_id}/moka/customers`.
    pub async fn create_moka_customer(
        &self,
        outlet_id: &str,
        input: NewCustomer,
    ) -> ServiceResult<Value> {
        self.get_outlet(outlet_id).await?;
        let mut v = Violations::new();
        v.text("name", input.name.as_deref(), 1, 255);
        for (field, value) in [
            ("phone", &input.phone),
            ("email", &input.email),
            ("address", &input.address),
            ("city", &input.city),
            ("state", &input.state),
            ("postal_code", &input.postal_code),
        ] {
            v.text(field, value.as_deref(), 0, 255);
        }
        v.finish()?;
        let id = self.moka_ids("customer", 1).await?;
        let now = self.clock.now_ms();
        let at = rfc3339_seconds(now);
        let doc = json!({ "id": id, "name": input.name, "phone": input.phone, "email": input.email,
                          "address": input.address, "city": input.city, "state": input.state,
                          "postal_code": input.postal_code, "created_at": at, "updated_at": at });
        let mut tx = self.db.begin().await?;
        moka::insert_customer(&mut tx, id, outlet_id, &doc, now).await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// `POST /sandbox/v1/outlets/{outlet_id}/moka/gratuities`.
    pub async fn create_moka_gratuity(
        &self,
        outlet_id: &str,
        input: NewGratuity,
    ) -> ServiceResult<Value> {
        self.get_outlet(outlet_id).await?;
        let mut v = Violations::new();
        v.text("name", input.name.as_deref(), 1, 255);
        match input.amount {
            None => v.add("amount", "is required"),
            Some(a) if !(0..=gobiz_domain::moka::sale::MAX_AMOUNT).contains(&a) => {
                v.add("amount", "must be 0 to 1000000000")
            }
            Some(_) => {}
        }
        v.finish()?;
        let id = self.moka_ids("gratuity", 1).await?;
        let now = self.clock.now_ms();
        let at = rfc3339_seconds(now);
        let active = input.active.unwrap_or(true);
        let doc = json!({ "id": id, "name": input.name, "amount": input.amount,
                          "updated_at": at, "created_at": at });
        let mut tx = self.db.begin().await?;
        moka::insert_gratuity(&mut tx, id, outlet_id, active, &doc, now).await?;
        tx.commit().await?;
        let mut shown = doc;
        shown["active"] = json!(active);
        Ok(shown)
    }
}
