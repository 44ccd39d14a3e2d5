//! The merchant's POS, as the sandbox console plays it: accept, reject and food-prepared on
//! an order without a partner token. The transitions are the partner API's (spec §5.6–§5.8):
//! the same domain methods through the same `order_flow::mutate`, so the same events and
//! webhooks follow; only the partner's scope and outlet-link checks are left out, as the
//! merchant needs no partner to act on its own orders.

use crate::order_flow::{record_since, wrong_state};
use crate::partner::orders::RejectBody;
use crate::{ServiceResult, Services};
use gobiz_domain::ids::OrderNumber;
use gobiz_domain::order::Order;
use gobiz_domain::validation::Violations;

/// The reason codes a merchant may reject with (spec §5.7), as the partner API accepts them.
pub const REJECT_REASON_CODES: [&str; 4] = [
    "HIGH_DEMAND",
    "RESTAURANT_CLOSED",
    "ITEMS_OUT_OF_STOCK",
    "OTHERS",
];

impl Services {
    /// The merchant accepts the order (idempotent once accepted; 409 in any later state).
    pub async fn pos_accept_order(&self, number: &OrderNumber) -> ServiceResult<Order> {
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let from = o.history().len();
                o.accept(now)
                    .map_err(|e| wrong_state(number, "accepted", e))?;
                record_since(o, from, steps);
                Ok(())
            })
            .await?;
        Ok(order)
    }

    /// The merchant rejects an order awaiting acceptance, with the partner API's rules for
    /// the reason code and the 3–200 character description.
    pub async fn pos_reject_order(
        &self,
        number: &OrderNumber,
        body: RejectBody,
    ) -> ServiceResult<Order> {
        let mut v = Violations::new();
        match body.cancel_reason_code.as_deref() {
            None => v.add("cancel_reason_code", "is required"),
            Some(c) if !REJECT_REASON_CODES.contains(&c) => v.add(
                "cancel_reason_code",
                format!("must be one of {}", REJECT_REASON_CODES.join(", ")),
            ),
            Some(_) => {}
        }
        v.text(
            "cancel_reason_description",
            body.cancel_reason_description.as_deref(),
            3,
            200,
        );
        v.finish()?;
        let code = body.cancel_reason_code.unwrap_or_default();
        let description = body.cancel_reason_description.unwrap_or_default();
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let from = o.history().len();
                o.reject(&description, &code, now)
                    .map_err(|e| wrong_state(number, "rejected", e))?;
                record_since(o, from, steps);
                Ok(())
            })
            .await?;
        Ok(order)
    }

    /// The merchant marks the food ready: records the time, no state change, no event.
    pub async fn pos_food_prepared(&self, number: &OrderNumber) -> ServiceResult<Order> {
        let (order, _) = self
            .mutate(number, |o, now, _| {
                o.food_prepared(now)
                    .map_err(|e| wrong_state(number, "marked as prepared", e))
            })
            .await?;
        Ok(order)
    }
}
