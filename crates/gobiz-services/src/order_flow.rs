//! How any actor changes an order (the partner's POS, the customer, the driver, the timers):
//! load it, let the domain transition it, write it with the events of every new state in the
//! same transaction, and start again from the new state when another writer won the version
//! check. Every transition writes its event in the same transaction, and the version check
//! makes concurrent transitions on one order serialize: exactly one wins.

use crate::events::EventDraft;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::events::Event;
use gobiz_domain::order::{Order, OrderState, OrderType, WrongState};
use gobiz_store::orders;

/// Transitions made by one use case, each as the event of the order at that moment.
pub(crate) type Steps = Vec<Event>;

pub(crate) fn not_found(number: &str) -> ServiceError {
    ServiceError::NotFound(format!("Order with id: {number} is not found"))
}

pub(crate) fn wrong_state(number: &str, verb: &str, WrongState(s): WrongState) -> ServiceError {
    ServiceError::Conflict(format!(
        "Order {number} cannot be {verb} in state {}",
        s.as_str()
    ))
}

/// 404 unless the order belongs to the path's outlet and has the path's type (checked on the
/// order as `mutate` loads it, so an action reads the order once). `order_type` is the path's
/// `delivery` / `pickup` as parsed at the edge; `None` (anything else) matches no order.
pub(crate) fn on_path(
    o: &Order,
    outlet_id: &str,
    order_type: Option<OrderType>,
    number: &str,
) -> ServiceResult<()> {
    if o.outlet_id() != outlet_id || order_type != Some(o.order_type()) {
        return Err(not_found(number));
    }
    Ok(())
}

/// Records each new state of `o` since `from` as a step.
pub(crate) fn record_since(o: &Order, from: usize, steps: &mut Steps) {
    if o.history().len() > from {
        steps.push(Event::order_status(o));
    }
}

/// When an order's timer fires: the acceptance deadline while awaiting, or the auto-driver's
/// next step (`pace` 0 = off), whichever comes first.
pub(crate) fn timer_due_at(o: &Order, pace: i64) -> Option<i64> {
    let acceptance = if o.state() == OrderState::AwaitingMerchantAcceptance {
        o.acceptance_deadline()
    } else {
        None
    };
    match (acceptance, o.auto_driver_due(pace)) {
        (Some(a), Some(d)) => Some(a.min(d)),
        (a, d) => a.or(d),
    }
}

impl Services {
    /// Writes the events of `steps` for `order` in `tx`.
    pub(crate) async fn emit_steps(
        &self,
        tx: &mut gobiz_store::Tx,
        order: &Order,
        steps: Steps,
        now: i64,
    ) -> ServiceResult<()> {
        for (i, event) in steps.into_iter().enumerate() {
            self.emit(
                tx,
                EventDraft {
                    event,
                    outlet_id: order.outlet_id().to_string(),
                    only_partner: None,
                    // Keep the events of one use case in order of their timestamps.
                    at: Some(now + i as i64),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Loads an order, lets `change` transition it (recording steps), and writes it with its
    /// events if nobody changed it meanwhile; on a lost race, starts again from the new state.
    pub(crate) async fn mutate<T>(
        &self,
        number: &str,
        mut change: impl FnMut(&mut Order, i64, &mut Steps) -> ServiceResult<T>,
    ) -> ServiceResult<(Order, T)> {
        for _ in 0..20 {
            let stored = orders::get(&mut self.db.conn().await?, number)
                .await?
                .ok_or_else(|| not_found(number))?;
            let mut order = stored.order.clone();
            let now = self.clock.now_ms();
            let mut steps = Steps::new();
            let out = change(&mut order, now, &mut steps)?;
            let timer = timer_due_at(&order, self.config.auto_driver_ms);
            if steps.is_empty() && order == stored.order && timer == stored.timer_due_at {
                return Ok((order, out));
            }
            let mut tx = self.db.begin().await?;
            if !orders::update_if(&mut tx, &order, timer, now, stored.version).await? {
                continue;
            }
            self.emit_steps(&mut tx, &order, steps, now).await?;
            tx.commit().await?;
            return Ok((order, out));
        }
        Err(ServiceError::Conflict(format!(
            "Order {number} is changing too often; retry"
        )))
    }
}
