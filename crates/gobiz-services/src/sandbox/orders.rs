//! Sandbox reads of orders (spec §10.3): one order, or an outlet's orders.

use crate::order_flow::not_found;
use crate::{ServiceResult, Services};
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::order::Order;
use gobiz_store::orders;

impl Services {
    /// Sandbox: one order.
    pub async fn get_order(&self, number: &OrderNumber) -> ServiceResult<Order> {
        Ok(orders::get(&mut self.db.conn().await?, number)
            .await?
            .ok_or_else(|| not_found(number))?
            .order)
    }

    /// Sandbox: an outlet's orders, newest first.
    pub async fn list_orders(
        &self,
        outlet_id: &OutletId,
        limit: u64,
        offset: u64,
    ) -> ServiceResult<Vec<Order>> {
        self.get_outlet(outlet_id).await?;
        Ok(orders::of_outlet(&mut self.db.conn().await?, outlet_id, limit, offset).await?)
    }
}
