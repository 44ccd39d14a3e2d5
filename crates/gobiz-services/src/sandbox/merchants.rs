//! Sandbox merchants (spec §10.2): brands that own outlets.

use super::{take_name, uuid};
use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Merchant;
use gobiz_domain::validation::Violations;
use gobiz_store::merchants;
use serde::Deserialize;

/// `POST /sandbox/v1/merchants`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Kopi Senja"}))]
pub struct NewMerchant {
    /// Brand name, 1 to 100 characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
}

impl Services {
    /// Creates a merchant.
    pub async fn create_merchant(&self, input: NewMerchant) -> ServiceResult<Merchant> {
        let mut v = Violations::new();
        take_name(&mut v, "name", &input.name);
        v.finish()?;
        let m = Merchant {
            id: uuid(),
            name: input.name.unwrap_or_default(),
            created_at: self.clock.now_ms(),
        };
        let mut conn = self.db.conn().await?;
        merchants::insert(&mut conn, &m).await?;
        Ok(m)
    }

    /// Every merchant.
    pub async fn list_merchants(&self) -> ServiceResult<Vec<Merchant>> {
        Ok(merchants::list(&mut self.db.conn().await?).await?)
    }
}
