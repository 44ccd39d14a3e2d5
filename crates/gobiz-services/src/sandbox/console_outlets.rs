//! What the console's outlet and menu pages read beyond the sandbox API's answers: an
//! outlet's links over every partner, and the promotion price each item sells at now (the
//! price the order simulator would charge).

use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Link;
use gobiz_store::{links, promotions};

/// An item a promotion discounts now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoPrice {
    /// The item's `external_id`.
    pub external_menu_id: String,
    /// The price the customer pays, IDR.
    pub selling_price: i64,
    /// The promotion (UUID).
    pub promotion_id: String,
}

impl Services {
    /// Every link of an outlet (any partner, any product), oldest first; 404 for an unknown
    /// outlet.
    pub async fn outlet_links(&self, outlet_id: &str) -> ServiceResult<Vec<Link>> {
        self.get_outlet(outlet_id).await?;
        Ok(links::of_outlet(&mut self.db.conn().await?, outlet_id).await?)
    }

    /// The items of an outlet that a promotion prices now, with that price: for each item
    /// the first applying promotion in creation order, as the order simulator picks it.
    pub async fn promo_prices_now(&self, outlet_id: &str) -> ServiceResult<Vec<PromoPrice>> {
        let promos = promotions::of_outlet(&mut self.db.conn().await?, outlet_id, None).await?;
        let now = self.clock.now_ms();
        let mut out: Vec<PromoPrice> = Vec::new();
        for p in promos.iter().filter(|p| p.applies(now)) {
            if !out.iter().any(|o| o.external_menu_id == p.external_menu_id) {
                out.push(PromoPrice {
                    external_menu_id: p.external_menu_id.clone(),
                    selling_price: p.selling_price,
                    promotion_id: p.id.clone(),
                });
            }
        }
        Ok(out)
    }
}
