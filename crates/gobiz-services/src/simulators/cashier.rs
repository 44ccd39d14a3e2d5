//! The sandbox cashier (spec §10.2, §10.4): record a sale, refund it, and add customers and
//! gratuities to an outlet's Moka library.

use crate::partner::moka::views::{MokaCreatedGratuity, MokaCustomer, MokaGratuity};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::moka::sale::{RefundError, RefundInput, SaleInput};
use gobiz_domain::moka::{Refund, Sale};
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_domain::validation::Violations;
use gobiz_store::moka;
use serde::Deserialize;

/// A customer as the sandbox creates it (spec §8.9 fields).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Peter Parker", "phone": "+6281234567890", "email": "peter@example.com", "address": "Teluk Gong", "city": "Jakarta", "state": "Jakarta", "postal_code": "14450"}))]
pub struct NewCustomer {
    /// Name, 1 to 255 characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 255)]
    pub name: Option<String>,
    /// Phone, up to 255 characters (default null).
    #[schema(required = false, value_type = Option<String>, max_length = 255)]
    pub phone: Option<String>,
    /// E-mail, up to 255 characters (default null).
    #[schema(required = false, value_type = Option<String>, max_length = 255)]
    pub email: Option<String>,
    /// Street address, up to 255 characters (default null).
    #[schema(required = false, value_type = Option<String>, max_length = 255)]
    pub address: Option<String>,
    /// City, up to 255 characters (default null).
    #[schema(required = false, value_type = Option<String>, max_length = 255)]
    pub city: Option<String>,
    /// State, up to 255 characters (default null).
    #[schema(required = false, value_type = Option<String>, max_length = 255)]
    pub state: Option<String>,
    /// Postal code, up to 255 characters (default null).
    #[schema(required = false, value_type = Option<String>, max_length = 255)]
    pub postal_code: Option<String>,
}

/// A gratuity as the sandbox creates it (spec §8.8 fields).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Service charge", "amount": 1000, "active": true}))]
pub struct NewGratuity {
    /// Name, 1 to 255 characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 255)]
    pub name: Option<String>,
    /// Amount, IDR (0 to 1,000,000,000).
    #[schema(required = true, nullable = false, value_type = i64, minimum = 0, maximum = 1_000_000_000)]
    pub amount: Option<i64>,
    /// Whether it is active (default true); inactive gratuities are not listed.
    #[schema(required = false, nullable = false, value_type = bool)]
    pub active: Option<bool>,
}

/// The stored document of a library entry (not an answer: what the listings read back).
fn document<T: serde::Serialize>(entry: &T) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(entry)
        .map_err(|e| ServiceError::Internal(format!("Moka library document: {e}")))
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
    ) -> ServiceResult<MokaCustomer> {
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
        let customer = MokaCustomer {
            id,
            name: input.name.unwrap_or_default(),
            phone: input.phone,
            email: input.email,
            address: input.address,
            city: input.city,
            state: input.state,
            postal_code: input.postal_code,
            created_at: at.clone(),
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        moka::insert_customer(&mut tx, id, outlet_id, &document(&customer)?, now).await?;
        tx.commit().await?;
        Ok(customer)
    }

    /// `POST /sandbox/v1/outlets/{outlet_id}/moka/gratuities`.
    pub async fn create_moka_gratuity(
        &self,
        outlet_id: &str,
        input: NewGratuity,
    ) -> ServiceResult<MokaCreatedGratuity> {
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
        let gratuity = MokaGratuity {
            id,
            name: input.name.unwrap_or_default(),
            amount: input.amount.unwrap_or_default(),
            updated_at: at.clone(),
            created_at: at,
        };
        let mut tx = self.db.begin().await?;
        moka::insert_gratuity(&mut tx, id, outlet_id, active, &document(&gratuity)?, now).await?;
        tx.commit().await?;
        Ok(MokaCreatedGratuity {
            id: gratuity.id,
            name: gratuity.name,
            amount: gratuity.amount,
            updated_at: gratuity.updated_at,
            created_at: gratuity.created_at,
            active,
        })
    }
}
