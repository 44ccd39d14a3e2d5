//! GoFood orders (spec §5, §10.3): the simulator places them, the partner accepts, rejects
//! and marks food ready, the sandbox drives the driver and the customer, timers follow the
//! clock. Every transition writes its event in the same transaction, and a version check
//! makes concurrent transitions on one order serialize: exactly one wins.

use crate::access::Principal;
use crate::events::EventDraft;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::events::Event;
use gobiz_domain::model::Product;
use gobiz_domain::order::{
    apply_promotions, price_items, ItemRequest, NewOrderParts, Order, OrderState, OrderType,
    WrongState,
};
use gobiz_domain::validation::Violations;
use gobiz_store::orders;
use rand::Rng;
use serde::Deserialize;

const REASON_CODES: [&str; 4] = [
    "HIGH_DEMAND",
    "RESTAURANT_CLOSED",
    "ITEMS_OUT_OF_STOCK",
    "OTHERS",
];

/// A variant reference of an order request.
#[derive(Debug, Default, Deserialize)]
pub struct VariantRef {
    /// Partner id.
    pub external_id: Option<String>,
    /// GoBiz id.
    pub id: Option<String>,
}

/// An item of an order request.
#[derive(Debug, Default, Deserialize)]
pub struct NewOrderItem {
    /// Partner id.
    pub external_id: Option<String>,
    /// GoBiz id.
    pub id: Option<String>,
    /// 1..=99.
    pub quantity: Option<i64>,
    /// Customer note.
    pub notes: Option<String>,
    /// Chosen variants.
    pub variants: Option<Vec<VariantRef>>,
}

/// The customer of an order request.
#[derive(Debug, Default, Deserialize)]
pub struct NewCustomer {
    /// Display name.
    pub name: Option<String>,
}

/// `POST /sandbox/v1/outlets/{outlet_id}/orders` (spec §10.3).
#[derive(Debug, Default, Deserialize)]
pub struct NewOrder {
    /// `delivery` (default) or `pickup`.
    pub order_type: Option<String>,
    /// 1..=50 items.
    pub items: Option<Vec<NewOrderItem>>,
    /// Customer.
    pub customer: Option<NewCustomer>,
    /// Cutlery wish.
    pub cutlery_requested: Option<bool>,
    /// IDR ≥ 0.
    pub takeaway_charges: Option<i64>,
}

/// Body of `.../cancelled` (spec §5.7).
#[derive(Debug, Default, Deserialize)]
pub struct RejectBody {
    /// One of the four codes.
    pub cancel_reason_code: Option<String>,
    /// 3..=200 characters.
    pub cancel_reason_description: Option<String>,
}

/// Body of `.../food-prepared` (spec §5.8).
#[derive(Debug, Default, Deserialize)]
pub struct PreparedBody {
    /// Two upper-case letters.
    pub country_code: Option<String>,
}

/// Transitions made by one use case, each as the event of the order at that moment.
type Steps = Vec<Event>;

fn not_found(number: &str) -> ServiceError {
    ServiceError::NotFound(format!("Order with id: {number} is not found"))
}

fn wrong_state(number: &str, verb: &str, WrongState(s): WrongState) -> ServiceError {
    ServiceError::Conflict(format!(
        "Order {number} cannot be {verb} in state {}",
        s.as_str()
    ))
}

/// When an order's timer fires: the acceptance deadline while awaiting, or the auto-driver's
/// next step (`pace` 0 = off), whichever comes first.
fn timer_due_at(o: &Order, pace: i64) -> Option<i64> {
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

/// 404 unless the order belongs to the path's outlet and has the path's type (checked on the
/// order as `mutate` loads it, so an action reads the order once). `order_type` is the path's
/// `delivery` / `pickup` as parsed at the edge; `None` (anything else) matches no order.
fn on_path(
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
fn record_since(o: &Order, from: usize, steps: &mut Steps) {
    if o.history().len() > from {
        steps.push(Event::order_status(o));
    }
}

impl Services {
    /// Writes the events of `steps` for `order` in `tx`.
    async fn emit_steps(
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
    async fn mutate<T>(
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
            self.wake_dispatcher();
            return Ok((order, out));
        }
        Err(ServiceError::Conflict(format!(
            "Order {number} is changing too often; retry"
        )))
    }

    async fn partner_order(&self, who: &Principal, outlet_id: &str) -> ServiceResult<()> {
        who.require_scope("gofood:order:write")?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        Ok(())
    }

    /// `PUT .../accepted` (spec §5.6): idempotent once accepted.
    pub async fn accept_order(
        &self,
        who: &Principal,
        outlet_id: &str,
        order_type: Option<OrderType>,
        number: &str,
    ) -> ServiceResult<()> {
        self.partner_order(who, outlet_id).await?;
        self.mutate(number, |o, now, steps| {
            on_path(o, outlet_id, order_type, number)?;
            let from = o.history().len();
            o.accept(now)
                .map_err(|e| wrong_state(number, "accepted", e))?;
            record_since(o, from, steps);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `PUT .../cancelled` (spec §5.7): only while awaiting acceptance.
    pub async fn reject_order(
        &self,
        who: &Principal,
        outlet_id: &str,
        order_type: Option<OrderType>,
        number: &str,
        body: ServiceResult<RejectBody>,
    ) -> ServiceResult<()> {
        self.partner_order(who, outlet_id).await?;
        let b = body?;
        let mut v = Violations::new();
        match b.cancel_reason_code.as_deref() {
            None => v.add("cancel_reason_code", "is required"),
            Some(c) if !REASON_CODES.contains(&c) => v.add(
                "cancel_reason_code",
                format!("must be one of {}", REASON_CODES.join(", ")),
            ),
            Some(_) => {}
        }
        v.text(
            "cancel_reason_description",
            b.cancel_reason_description.as_deref(),
            3,
            200,
        );
        v.finish()?;
        let (code, description) = (
            b.cancel_reason_code.unwrap_or_default(),
            b.cancel_reason_description.unwrap_or_default(),
        );
        self.mutate(number, |o, now, steps| {
            on_path(o, outlet_id, order_type, number)?;
            let from = o.history().len();
            o.reject(&description, &code, now)
                .map_err(|e| wrong_state(number, "rejected", e))?;
            record_since(o, from, steps);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `PUT .../food-prepared` (spec §5.8): records the time; no state change, no event.
    pub async fn food_prepared(
        &self,
        who: &Principal,
        outlet_id: &str,
        order_type: Option<OrderType>,
        number: &str,
        body: ServiceResult<PreparedBody>,
    ) -> ServiceResult<()> {
        self.partner_order(who, outlet_id).await?;
        let b = body?;
        if let Some(cc) = b.country_code.as_deref() {
            if cc.len() != 2 || !cc.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(ServiceError::invalid(
                    "country_code",
                    "must be two upper-case letters",
                ));
            }
        }
        self.mutate(number, |o, now, _| {
            on_path(o, outlet_id, order_type, number)?;
            o.food_prepared(now)
                .map_err(|e| wrong_state(number, "marked as prepared", e))
        })
        .await?;
        Ok(())
    }

    /// Simulator: a customer places an order (spec §10.3).
    pub async fn place_order(&self, outlet_id: &str, req: NewOrder) -> ServiceResult<Order> {
        let mut v = Violations::new();
        let order_type = match req.order_type.as_deref() {
            None => Some(OrderType::Delivery),
            Some(t) => {
                let p = OrderType::parse(t);
                if p.is_none() {
                    v.add("order_type", "must be one of delivery, pickup");
                }
                p
            }
        };
        let items = req.items.unwrap_or_default();
        if items.is_empty() || items.len() > 50 {
            v.add("items", "must have 1 to 50 items");
        }
        let mut requested = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let key = it.external_id.clone().or_else(|| it.id.clone());
            if key.is_none() {
                v.add(format!("items[{i}]"), "external_id or id is required");
            }
            let q = it.quantity.unwrap_or(0);
            if !(1..=99).contains(&q) {
                v.add(format!("items[{i}].quantity"), "must be 1 to 99");
            }
            v.text(&format!("items[{i}].notes"), it.notes.as_deref(), 0, 200);
            let mut variants = Vec::new();
            for (j, vr) in it.variants.iter().flatten().enumerate() {
                match vr.external_id.clone().or_else(|| vr.id.clone()) {
                    Some(k) => variants.push(k),
                    None => v.add(
                        format!("items[{i}].variants[{j}]"),
                        "external_id or id is required",
                    ),
                }
            }
            requested.push(ItemRequest {
                key: key.unwrap_or_default(),
                quantity: q,
                notes: it.notes.clone().unwrap_or_default(),
                variants,
            });
        }
        let takeaway = req.takeaway_charges.unwrap_or(0);
        if !(0..=100_000_000).contains(&takeaway) {
            v.add("takeaway_charges", "must be 0 to 100000000");
        }
        let customer_name = req
            .customer
            .and_then(|c| c.name)
            .unwrap_or_else(|| "GoFood Customer".into());
        v.text("customer.name", Some(&customer_name), 1, 100);
        v.finish()?;
        let outlet = self.get_outlet(outlet_id).await?;
        if outlet.force_close {
            return Err(ServiceError::Unprocessable(format!(
                "Outlet {} is closed (force_close)",
                outlet.id
            )));
        }
        let catalog = self.catalog_of(&outlet.id).await?.ok_or_else(|| {
            ServiceError::Unprocessable(format!("Outlet {} has no catalog", outlet.id))
        })?;
        let now = self.clock.now_ms();
        let mut priced =
            price_items(&catalog, &requested, now).map_err(ServiceError::Unprocessable)?;
        let promos =
            gobiz_store::promotions::of_outlet(&mut self.db.conn().await?, &outlet.id, None)
                .await?;
        let applied = apply_promotions(&mut priced, &catalog, &promos, now);
        let (pin, customer_id) = {
            let mut rng = rand::thread_rng();
            (
                format!("{:04}", rng.gen_range(0..10_000u32)),
                (0..16)
                    .map(|_| format!("{:02X}", rng.gen::<u8>()))
                    .collect::<String>(),
            )
        };
        let mut order = Order::created(
            NewOrderParts {
                outlet_id: outlet.id.clone(),
                order_type: order_type.unwrap_or(OrderType::Delivery),
                pin,
                customer_id,
                customer_name,
                items: priced,
                cutlery_requested: req.cutlery_requested,
                takeaway_charges: takeaway,
                applied_promotions: applied,
            },
            now,
        );
        order
            .place(outlet.acceptance_mode, now)
            .map_err(|WrongState(s)| {
                ServiceError::Internal(format!("a new order was {} already", s.as_str()))
            })?;
        for _ in 0..10 {
            order.set_number(format!(
                "F-{:09}",
                rand::thread_rng().gen_range(0..1_000_000_000u32)
            ));
            // The first step shows the order as CREATED; the second as it now stands.
            let steps: Steps = vec![
                Event::order_status(&order.as_created()),
                Event::order_status(&order),
            ];
            let mut tx = self.db.begin().await?;
            let timer = timer_due_at(&order, self.config.auto_driver_ms);
            match orders::insert(&mut tx, &order, timer, now).await {
                Ok(()) => {}
                Err(gobiz_store::StoreError::Duplicate) => continue,
                Err(e) => return Err(e.into()),
            }
            self.emit_steps(&mut tx, &order, steps, now).await?;
            tx.commit().await?;
            self.wake_dispatcher();
            return Ok(order);
        }
        Err(ServiceError::Internal(
            "could not draw a free order number".into(),
        ))
    }

    /// Sandbox: one order.
    pub async fn get_order(&self, number: &str) -> ServiceResult<Order> {
        Ok(orders::get(&mut self.db.conn().await?, number)
            .await?
            .ok_or_else(|| not_found(number))?
            .order)
    }

    /// Sandbox: an outlet's orders, newest first.
    pub async fn list_orders(
        &self,
        outlet_id: &str,
        limit: u64,
        offset: u64,
    ) -> ServiceResult<Vec<Order>> {
        self.get_outlet(outlet_id).await?;
        Ok(orders::of_outlet(&mut self.db.conn().await?, outlet_id, limit, offset).await?)
    }

    /// Sandbox: the next step, or every step up to `to` (409 when not reachable).
    pub async fn advance_order(&self, number: &str, to: Option<&str>) -> ServiceResult<Order> {
        let target = match to {
            None => None,
            Some(t) => Some(OrderState::parse(t).ok_or_else(|| {
                ServiceError::invalid(
                    "to",
                    "must be an order state such as MERCHANT_ACCEPTED or COMPLETED",
                )
            })?),
        };
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let mut probe = o.clone();
                let mut sequence = Vec::new();
                loop {
                    let from = probe.history().len();
                    probe.advance(now).map_err(|e| {
                        ServiceError::Conflict(format!(
                            "Order {number} cannot advance{} from state {}",
                            target
                                .map(|t| format!(" to {}", t.as_str()))
                                .unwrap_or_default(),
                            e.0.as_str()
                        ))
                    })?;
                    record_since(&probe, from, &mut sequence);
                    match target {
                        None => break,
                        Some(t) if probe.state() == t => break,
                        Some(_) if probe.state().is_final() => {
                            return Err(ServiceError::Conflict(format!(
                                "Order {number} cannot reach {} from state {}",
                                target.map(|t| t.as_str()).unwrap_or_default(),
                                o.state().as_str()
                            )))
                        }
                        Some(_) => {}
                    }
                }
                *o = probe;
                steps.extend(sequence);
                Ok(())
            })
            .await?;
        Ok(order)
    }

    /// Sandbox: a driver takes a delivery order in `MERCHANT_ACCEPTED`.
    pub async fn assign_driver(&self, number: &str, name: Option<&str>) -> ServiceResult<Order> {
        let name = name.unwrap_or("GoFood Driver").to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid("name", "must be 1 to 100 characters"));
        }
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let from = o.history().len();
                o.assign_driver(&name, now)
                    .map_err(|e| wrong_state(number, "given a driver", e))?;
                record_since(o, from, steps);
                Ok(())
            })
            .await?;
        Ok(order)
    }

    /// Sandbox: the customer cancels (before `PLACED`).
    pub async fn customer_cancel(
        &self,
        number: &str,
        reason: Option<&str>,
    ) -> ServiceResult<Order> {
        let reason = reason.unwrap_or("Cancelled by customer").to_string();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(ServiceError::invalid(
                "reason",
                "must be 1 to 200 characters",
            ));
        }
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let from = o.history().len();
                o.customer_cancel(&reason, now)
                    .map_err(|e| wrong_state(number, "cancelled", e))?;
                record_since(o, from, steps);
                Ok(())
            })
            .await?;
        Ok(order)
    }

    /// Applies every acceptance timer due on the clock (60 s accept / 180 s reject) and every
    /// due auto-driver step (when `auto_driver_ms` > 0). Called by the timer loop and by the
    /// sandbox clock advance before it answers. Races with API calls are settled by the
    /// version check: the timer only acts on an order still awaiting, the driver only on an
    /// order still where it left it.
    pub async fn process_due_timers(&self) -> ServiceResult<usize> {
        let mut applied = 0;
        let pace = self.config.auto_driver_ms;
        loop {
            let now = self.clock.now_ms();
            let due = orders::due_timers(&mut self.db.conn().await?, now, 200).await?;
            if due.is_empty() {
                return Ok(applied);
            }
            let batch = due.len();
            for number in due {
                let result = self
                    .mutate(&number, |o, now, steps| {
                        let from = o.history().len();
                        let due = o.on_deadline(now);
                        record_since(o, from, steps);
                        let mut acted = due;
                        loop {
                            let from = o.history().len();
                            if !o.auto_drive_step(pace, now) {
                                break;
                            }
                            record_since(o, from, steps);
                            acted = true;
                        }
                        Ok(acted)
                    })
                    .await;
                match result {
                    Ok((_, true)) => applied += 1,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(order = %number, error = %e, "acceptance timer failed")
                    }
                }
            }
            if batch < 200 {
                return Ok(applied);
            }
        }
    }

    /// The timer loop of a node: applies due acceptance timers every 250 ms until shutdown.
    pub async fn run_timers(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            // Another node's clock advance or reset reaches this node here.
            if let Err(e) = self.clock.refresh(&self.db).await {
                tracing::warn!(error = %e, "refreshing the sandbox clock failed");
            }
            if let Err(e) = self.process_due_timers().await {
                tracing::warn!(error = %e, "processing timers failed");
            }
            if let Err(e) = self.expire_due_transactions().await {
                tracing::warn!(error = %e, "expiring transactions failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
