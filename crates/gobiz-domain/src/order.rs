//! GoFood orders (spec §5): states, the state machine and pricing from the catalog; the
//! webhook body (spec §9.12) is written by [`crate::events::Event`].

use crate::catalog::{Catalog, DAYS};
use crate::clock::Millis;
use crate::events::EventName;
use crate::local_time::{format_hhmm, JakartaTime};
use crate::model::AcceptanceMode;
use serde::{Deserialize, Serialize};

/// Order states (spec §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderState {
    /// Placed (transient).
    Created,
    /// Waiting for the merchant.
    AwaitingMerchantAcceptance,
    /// Accepted.
    MerchantAccepted,
    /// Driver on the way.
    DriverOtwPickup,
    /// Driver at the outlet.
    DriverArrived,
    /// Food handed over.
    Placed,
    /// Done.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl OrderState {
    /// Every state.
    pub const ALL: [OrderState; 8] = [
        OrderState::Created,
        OrderState::AwaitingMerchantAcceptance,
        OrderState::MerchantAccepted,
        OrderState::DriverOtwPickup,
        OrderState::DriverArrived,
        OrderState::Placed,
        OrderState::Completed,
        OrderState::Cancelled,
    ];

    /// Wire name, e.g. `MERCHANT_ACCEPTED`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Created => "CREATED",
            OrderState::AwaitingMerchantAcceptance => "AWAITING_MERCHANT_ACCEPTANCE",
            OrderState::MerchantAccepted => "MERCHANT_ACCEPTED",
            OrderState::DriverOtwPickup => "DRIVER_OTW_PICKUP",
            OrderState::DriverArrived => "DRIVER_ARRIVED",
            OrderState::Placed => "PLACED",
            OrderState::Completed => "COMPLETED",
            OrderState::Cancelled => "CANCELLED",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The event of entering this state.
    pub fn event(self) -> EventName {
        EventName::of_order_state(self)
    }

    /// No way out.
    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Completed | OrderState::Cancelled)
    }
}

/// `delivery` or `pickup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderType {
    /// GoFood delivery (`service_type` `gofood`).
    Delivery,
    /// Pickup (`service_type` `gofood_pickup`).
    Pickup,
}

impl OrderType {
    /// Path form.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Delivery => "delivery",
            OrderType::Pickup => "pickup",
        }
    }

    /// Parses the path form.
    pub fn parse(s: &str) -> Option<OrderType> {
        match s {
            "delivery" => Some(OrderType::Delivery),
            "pickup" => Some(OrderType::Pickup),
            _ => None,
        }
    }

    /// `service_type` of the webhook body.
    pub fn service_type(self) -> &'static str {
        match self {
            OrderType::Delivery => "gofood",
            OrderType::Pickup => "gofood_pickup",
        }
    }
}

/// A chosen variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderVariant {
    /// GoBiz id.
    pub id: String,
    /// Catalog external id at placement.
    pub external_id: String,
    /// Name.
    pub name: String,
}

/// An ordered item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    /// GoBiz item id.
    pub id: String,
    /// Catalog external id at placement.
    pub external_id: String,
    /// Name.
    pub name: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price incl. variants.
    pub price: i64,
    /// Customer note.
    pub notes: String,
    /// Chosen variants.
    pub variants: Vec<OrderVariant>,
    /// The SKU promotion that priced it.
    #[serde(default)]
    pub sku_promo_id: Option<String>,
}

/// A promotion applied to an order (spec §9.12 `applied_promotions[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    /// Promotion id.
    pub id: String,
    /// GoBiz item id.
    pub item_id: String,
    /// Item `external_id`.
    pub external_menu_id: String,
    /// Catalog price.
    pub original_price: i64,
    /// Promo price.
    pub selling_price: i64,
}

/// One state change in the order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    /// New state.
    pub status: OrderState,
    /// When.
    pub at: Millis,
}

/// A GoFood order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// `F-` + 9 digits.
    order_number: String,
    /// Outlet.
    outlet_id: String,
    /// Delivery or pickup.
    order_type: OrderType,
    /// Current state.
    state: OrderState,
    /// 4 digits.
    pin: String,
    /// 32 upper-case hex.
    customer_id: String,
    /// Customer name.
    customer_name: String,
    /// Driver name once assigned.
    driver: Option<String>,
    /// Items.
    items: Vec<OrderItem>,
    /// Σ price × quantity + takeaway charges.
    order_total: i64,
    /// Cutlery wish.
    cutlery_requested: Option<bool>,
    /// IDR.
    takeaway_charges: i64,
    /// (reason, reason_code) when cancelled.
    cancellation: Option<(String, String)>,
    /// Placement.
    created_at: Millis,
    /// When the acceptance timer fires (non-auto modes).
    acceptance_deadline: Option<Millis>,
    /// What the timer does: accept (`true`) or reject.
    timeout_accepts: bool,
    /// Food-prepared time.
    food_prepared_at: Option<Millis>,
    /// History.
    history: Vec<StateChange>,
    /// Promotions that priced it.
    #[serde(default)]
    applied_promotions: Vec<AppliedPromotion>,
}

/// How long an `auto_accept_on_timeout` order waits before the timer accepts it (spec §5.2).
pub const AUTO_ACCEPT_AFTER_MS: Millis = 60_000;
/// How long a `manual` order waits before the timer cancels it (spec §5.2).
pub const MANUAL_REJECT_AFTER_MS: Millis = 180_000;
/// Reason and reason code of an order the acceptance timer cancels.
pub const MERCHANT_TIMEOUT: &str = "MERCHANT_TIMEOUT";

/// What a customer orders (spec §10.3): everything of a new order but its number, state,
/// total and times.
#[derive(Debug, Clone)]
pub struct NewOrderParts {
    /// Outlet.
    pub outlet_id: String,
    /// Delivery or pickup.
    pub order_type: OrderType,
    /// 4 digits.
    pub pin: String,
    /// 32 upper-case hex.
    pub customer_id: String,
    /// Customer name.
    pub customer_name: String,
    /// Priced items.
    pub items: Vec<OrderItem>,
    /// Cutlery wish.
    pub cutlery_requested: Option<bool>,
    /// IDR.
    pub takeaway_charges: i64,
    /// Promotions that priced the items.
    pub applied_promotions: Vec<AppliedPromotion>,
}

/// Why a transition is refused: the order's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongState(pub OrderState);

impl Order {
    /// A `CREATED` order at `now`, without a number yet; its total is Σ price × quantity plus
    /// the takeaway charges.
    pub fn created(p: NewOrderParts, now: Millis) -> Order {
        let order_total =
            p.items.iter().map(|i| i.price * i.quantity).sum::<i64>() + p.takeaway_charges;
        Order {
            order_number: String::new(),
            outlet_id: p.outlet_id,
            order_type: p.order_type,
            state: OrderState::Created,
            pin: p.pin,
            customer_id: p.customer_id,
            customer_name: p.customer_name,
            driver: None,
            items: p.items,
            order_total,
            cutlery_requested: p.cutlery_requested,
            takeaway_charges: p.takeaway_charges,
            cancellation: None,
            created_at: now,
            acceptance_deadline: None,
            timeout_accepts: false,
            food_prepared_at: None,
            history: vec![StateChange {
                status: OrderState::Created,
                at: now,
            }],
            applied_promotions: p.applied_promotions,
        }
    }

    /// Gives the order its number (`F-` + 9 digits), drawn while it is being stored.
    pub fn set_number(&mut self, number: String) {
        self.order_number = number;
    }

    /// `F-` + 9 digits.
    pub fn order_number(&self) -> &str {
        &self.order_number
    }

    /// Outlet.
    pub fn outlet_id(&self) -> &str {
        &self.outlet_id
    }

    /// Delivery or pickup.
    pub fn order_type(&self) -> OrderType {
        self.order_type
    }

    /// Current state.
    pub fn state(&self) -> OrderState {
        self.state
    }

    /// Placement.
    pub fn created_at(&self) -> Millis {
        self.created_at
    }

    /// When the acceptance timer fires, while one is set.
    pub fn acceptance_deadline(&self) -> Option<Millis> {
        self.acceptance_deadline
    }

    /// Food-prepared time.
    pub fn food_prepared_at(&self) -> Option<Millis> {
        self.food_prepared_at
    }

    /// Every state change so far.
    pub fn history(&self) -> &[StateChange] {
        &self.history
    }

    /// 4 digits.
    pub fn pin(&self) -> &str {
        &self.pin
    }

    /// 32 upper-case hex.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// Customer name.
    pub fn customer_name(&self) -> &str {
        &self.customer_name
    }

    /// Driver name once assigned.
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }

    /// Items.
    pub fn items(&self) -> &[OrderItem] {
        &self.items
    }

    /// Σ price × quantity + takeaway charges.
    pub fn order_total(&self) -> i64 {
        self.order_total
    }

    /// Cutlery wish.
    pub fn cutlery_requested(&self) -> Option<bool> {
        self.cutlery_requested
    }

    /// IDR.
    pub fn takeaway_charges(&self) -> i64 {
        self.takeaway_charges
    }

    /// (reason, reason_code) once cancelled.
    pub fn cancellation(&self) -> Option<(&str, &str)> {
        self.cancellation
            .as_ref()
            .map(|(r, c)| (r.as_str(), c.as_str()))
    }

    /// Promotions that priced it.
    pub fn applied_promotions(&self) -> &[AppliedPromotion] {
        &self.applied_promotions
    }

    fn go(&mut self, to: OrderState, now: Millis) {
        self.state = to;
        self.history.push(StateChange {
            status: to,
            at: now,
        });
    }

    /// Places a `CREATED` order under the outlet's acceptance mode (spec §5.2), whatever the
    /// service type: `auto_accept` accepts at once; `auto_accept_on_timeout` awaits the
    /// merchant with a 60 s deadline whose timer accepts; `manual` awaits with a 180 s
    /// deadline whose timer cancels.
    pub fn place(&mut self, mode: AcceptanceMode, now: Millis) -> Result<(), WrongState> {
        if self.state != OrderState::Created {
            return Err(WrongState(self.state));
        }
        match mode {
            AcceptanceMode::AutoAccept => {
                self.accept(now)?;
            }
            AcceptanceMode::AutoAcceptOnTimeout | AcceptanceMode::Manual => {
                self.go(OrderState::AwaitingMerchantAcceptance, now);
                self.timeout_accepts = mode == AcceptanceMode::AutoAcceptOnTimeout;
                self.acceptance_deadline = Some(
                    now + if self.timeout_accepts {
                        AUTO_ACCEPT_AFTER_MS
                    } else {
                        MANUAL_REJECT_AFTER_MS
                    },
                );
            }
        }
        Ok(())
    }

    /// The order as it stood when placed (`CREATED`, no deadline): the body of the
    /// `gofood.order.created` webhook.
    pub fn as_created(&self) -> Order {
        let mut created = self.clone();
        created.state = OrderState::Created;
        created.acceptance_deadline = None;
        created
    }

    /// The acceptance timer fires at `now`: when the order still awaits the merchant and its
    /// deadline has passed, the timer accepts it (`auto_accept_on_timeout`) or cancels it with
    /// `MERCHANT_TIMEOUT` (`manual`) and this answers `true`. Otherwise the acceptance timer
    /// is void: the deadline is dropped and nothing else changes (`false`).
    pub fn on_deadline(&mut self, now: Millis) -> bool {
        let due = self.state == OrderState::AwaitingMerchantAcceptance
            && self.acceptance_deadline.is_some_and(|d| d <= now);
        if due {
            let _ = if self.timeout_accepts {
                self.accept(now).map(|_| ())
            } else {
                self.reject(MERCHANT_TIMEOUT, MERCHANT_TIMEOUT, now)
            };
        } else {
            self.acceptance_deadline = None;
        }
        due
    }

    /// Merchant (or timer) accepts. `Ok(false)` when already accepted (idempotent).
    pub fn accept(&mut self, now: Millis) -> Result<bool, WrongState> {
        match self.state {
            OrderState::AwaitingMerchantAcceptance | OrderState::Created => {
                self.go(OrderState::MerchantAccepted, now);
                self.acceptance_deadline = None;
                Ok(true)
            }
            OrderState::MerchantAccepted => Ok(false),
            s => Err(WrongState(s)),
        }
    }

    /// Merchant (or timer) rejects while awaiting acceptance.
    pub fn reject(&mut self, reason: &str, code: &str, now: Millis) -> Result<(), WrongState> {
        match self.state {
            OrderState::AwaitingMerchantAcceptance => {
                self.cancellation = Some((reason.to_string(), code.to_string()));
                self.acceptance_deadline = None;
                self.go(OrderState::Cancelled, now);
                Ok(())
            }
            s => Err(WrongState(s)),
        }
    }

    /// Customer cancels, from any state before `PLACED`.
    pub fn customer_cancel(&mut self, reason: &str, now: Millis) -> Result<(), WrongState> {
        match self.state {
            OrderState::Placed | OrderState::Completed | OrderState::Cancelled => {
                Err(WrongState(self.state))
            }
            _ => {
                self.cancellation = Some((reason.to_string(), "CUSTOMER_CANCELLED".to_string()));
                self.acceptance_deadline = None;
                self.go(OrderState::Cancelled, now);
                Ok(())
            }
        }
    }

    /// A driver takes a delivery order.
    pub fn assign_driver(&mut self, name: &str, now: Millis) -> Result<(), WrongState> {
        match (self.order_type, self.state) {
            (OrderType::Delivery, OrderState::MerchantAccepted) => {
                self.driver = Some(name.to_string());
                self.go(OrderState::DriverOtwPickup, now);
                Ok(())
            }
            (_, s) => Err(WrongState(s)),
        }
    }

    /// The next step of the happy path (sandbox advance).
    pub fn advance(&mut self, now: Millis) -> Result<OrderState, WrongState> {
        match (self.order_type, self.state) {
            (_, OrderState::Created | OrderState::AwaitingMerchantAcceptance) => {
                self.accept(now)?;
            }
            (OrderType::Delivery, OrderState::MerchantAccepted) => {
                self.assign_driver("GoFood Driver", now)?
            }
            (OrderType::Pickup, OrderState::MerchantAccepted) => self.go(OrderState::Placed, now),
            (_, OrderState::DriverOtwPickup) => self.go(OrderState::DriverArrived, now),
            (_, OrderState::DriverArrived) => self.go(OrderState::Placed, now),
            (_, OrderState::Placed) => self.go(OrderState::Completed, now),
            (_, s) => return Err(WrongState(s)),
        }
        Ok(self.state)
    }

    /// When the sandbox auto-driver (spec §10.2, off by default) takes this delivery order's
    /// next driver step, `pace` after the last one: a driver heads to the outlet once the
    /// merchant accepts, arrives, waits at the counter until the food is marked ready, picks it
    /// up (`PLACED`) and delivers it (`COMPLETED`). `None` for pickup orders, other states, a
    /// driver still waiting for the food, or `pace` ≤ 0.
    pub fn auto_driver_due(&self, pace: Millis) -> Option<Millis> {
        if pace <= 0 || self.order_type != OrderType::Delivery {
            return None;
        }
        let since = self.history.last().map_or(self.created_at, |c| c.at);
        match self.state {
            OrderState::MerchantAccepted | OrderState::DriverOtwPickup | OrderState::Placed => {
                Some(since + pace)
            }
            OrderState::DriverArrived => self.food_prepared_at.map(|f| f.max(since) + pace),
            _ => None,
        }
    }

    /// Takes the next auto-driver step if it is due by `now`, at its own due time.
    pub fn auto_drive_step(&mut self, pace: Millis, now: Millis) -> bool {
        match self.auto_driver_due(pace).filter(|d| *d <= now) {
            Some(due) => match self.state {
                OrderState::MerchantAccepted => self.assign_driver("GoFood Driver", due).is_ok(),
                _ => self.advance(due).is_ok(),
            },
            None => false,
        }
    }

    /// Takes every auto-driver step due by `now`; returns how many.
    pub fn auto_drive(&mut self, pace: Millis, now: Millis) -> usize {
        let mut steps = 0;
        while self.auto_drive_step(pace, now) {
            steps += 1;
        }
        steps
    }

    /// Marks the food ready (no state change). Allowed while accepted and before hand-over.
    pub fn food_prepared(&mut self, now: Millis) -> Result<(), WrongState> {
        match self.state {
            OrderState::MerchantAccepted
            | OrderState::DriverOtwPickup
            | OrderState::DriverArrived => {
                if self.food_prepared_at.is_none() {
                    self.food_prepared_at = Some(now);
                }
                Ok(())
            }
            s => Err(WrongState(s)),
        }
    }
}

/// An item of an order request (spec §10.3).
#[derive(Debug, Clone)]
pub struct ItemRequest {
    /// `external_id` or GoBiz `id`.
    pub key: String,
    /// 1..=99.
    pub quantity: i64,
    /// Note.
    pub notes: String,
    /// Variants by `external_id` or `id`.
    pub variants: Vec<String>,
}

/// Prices requested items from the catalog at `now` (Asia/Jakarta), refusing what a customer
/// could not order (spec §5.4); the refusal text is the simulator's 422 message.
pub fn price_items(
    catalog: &Catalog,
    requested: &[ItemRequest],
    now: Millis,
) -> Result<Vec<OrderItem>, String> {
    let local = JakartaTime::at(now);
    let (day, minute) = (local.weekday(), local.minute_of_day());
    let mut out = Vec::with_capacity(requested.len());
    for r in requested {
        let item = catalog
            .menus
            .iter()
            .flat_map(|m| &m.menu_items)
            .find(|i| i.external_id == r.key || i.id == r.key)
            .ok_or_else(|| format!("Item {} is not in the catalog", r.key))?;
        if !item.in_stock {
            return Err(format!("Item {} is out of stock", item.external_id));
        }
        if !item.hours.open_at(day, minute) {
            return Err(format!(
                "Item {} is not available at {} on {}",
                item.external_id,
                format_hhmm(minute),
                DAYS[day]
            ));
        }
        let mut variants = Vec::new();
        let mut price = item.price;
        let mut chosen_per_category: Vec<(String, i64)> = Vec::new();
        for key in &r.variants {
            let (category, variant) = catalog
                .variant_categories
                .iter()
                .flat_map(|vc| vc.variants.iter().map(move |v| (vc, v)))
                .find(|(_, v)| v.external_id == *key || v.id == *key)
                .ok_or_else(|| format!("Variant {key} is not in the catalog"))?;
            if !item.variant_category_ids.contains(&category.id) {
                return Err(format!(
                    "Variant {} does not belong to item {}",
                    variant.external_id, item.external_id
                ));
            }
            if !variant.in_stock {
                return Err(format!("Variant {} is out of stock", variant.external_id));
            }
            price += variant.price;
            match chosen_per_category
                .iter_mut()
                .find(|(c, _)| *c == category.id)
            {
                Some((_, n)) => *n += 1,
                None => chosen_per_category.push((category.id.clone(), 1)),
            }
            variants.push(OrderVariant {
                id: variant.id.clone(),
                external_id: variant.external_id.clone(),
                name: variant.name.clone(),
            });
        }
        for vc in catalog
            .variant_categories
            .iter()
            .filter(|vc| item.variant_category_ids.contains(&vc.id))
        {
            let n = chosen_per_category
                .iter()
                .find(|(c, _)| *c == vc.id)
                .map_or(0, |(_, n)| *n);
            if n < vc.min_quantity || n > vc.max_quantity {
                return Err(format!(
                    "Variant category {} needs {} to {} selections",
                    vc.external_id, vc.min_quantity, vc.max_quantity
                ));
            }
        }
        out.push(OrderItem {
            id: item.id.clone(),
            external_id: item.external_id.clone(),
            name: item.name.clone(),
            quantity: r.quantity,
            price,
            notes: r.notes.clone(),
            variants,
            sku_promo_id: None,
        });
    }
    Ok(out)
}

/// Prices items with the promotions that apply now (spec §5.4): the promo's `selling_price`
/// replaces the item price; variant prices still add up.
pub fn apply_promotions(
    items: &mut [OrderItem],
    catalog: &Catalog,
    promos: &[crate::promo::Promotion],
    now: Millis,
) -> Vec<AppliedPromotion> {
    let mut applied: Vec<AppliedPromotion> = Vec::new();
    for item in items.iter_mut() {
        let Some(base) = catalog
            .menus
            .iter()
            .flat_map(|m| &m.menu_items)
            .find(|c| c.id == item.id)
        else {
            continue;
        };
        let Some(p) = promos
            .iter()
            .find(|p| p.external_menu_id == base.external_id && p.applies(now))
        else {
            continue;
        };
        item.price = item.price - base.price + p.selling_price;
        item.sku_promo_id = Some(p.id.clone());
        if !applied.iter().any(|a| a.id == p.id) {
            applied.push(AppliedPromotion {
                id: p.id.clone(),
                item_id: base.id.clone(),
                external_menu_id: base.external_id.clone(),
                original_price: base.price,
                selling_price: p.selling_price,
            });
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn order(t: OrderType) -> Order {
        Order {
            order_number: "F-000000001".into(),
            outlet_id: "G000000001".into(),
            order_type: t,
            state: OrderState::AwaitingMerchantAcceptance,
            pin: "1234".into(),
            customer_id: "A".repeat(32),
            customer_name: "GoFood Customer".into(),
            driver: None,
            items: vec![],
            order_total: 0,
            cutlery_requested: None,
            takeaway_charges: 0,
            cancellation: None,
            created_at: 0,
            acceptance_deadline: Some(60_000),
            timeout_accepts: true,
            food_prepared_at: None,
            history: vec![],
            applied_promotions: vec![],
        }
    }

    #[test]
    fn auto_driver_walks_a_delivery_and_waits_for_the_food() {
        let pace = 30_000;
        let mut o = order(OrderType::Delivery);
        assert_eq!(o.auto_driver_due(pace), None, "not accepted yet");
        o.accept(1_000).unwrap();
        assert_eq!(o.auto_driver_due(pace), Some(31_000));
        assert_eq!(o.auto_driver_due(0), None, "off");
        assert_eq!(o.auto_drive(pace, 30_999), 0);
        // One late look takes both due steps, each at its own time, then waits for the food.
        assert_eq!(o.auto_drive(pace, 100_000), 2);
        assert_eq!(o.state, OrderState::DriverArrived);
        assert_eq!(o.driver.as_deref(), Some("GoFood Driver"));
        let times: Vec<Millis> = o.history.iter().map(|c| c.at).collect();
        assert_eq!(times, vec![1_000, 31_000, 61_000]);
        assert_eq!(o.auto_driver_due(pace), None, "waits at the counter");
        o.food_prepared(70_000).unwrap();
        assert_eq!(o.auto_driver_due(pace), Some(100_000));
        assert_eq!(o.auto_drive(pace, 1_000_000), 2);
        assert_eq!(o.state, OrderState::Completed);
        assert_eq!(o.auto_driver_due(pace), None);

        let mut p = order(OrderType::Pickup);
        p.accept(0).unwrap();
        assert_eq!(p.auto_driver_due(pace), None, "no driver for pickup");
    }

    #[derive(Debug, Clone)]
    enum Action {
        Accept,
        Reject,
        Cancel,
        Driver,
        Advance,
        Prepared,
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Accept),
            Just(Action::Reject),
            Just(Action::Cancel),
            Just(Action::Driver),
            Just(Action::Advance),
            Just(Action::Prepared),
        ]
    }

    proptest! {
        /// Whatever happens: final states never change, pickup never gets a driver, every
        /// recorded change is a legal edge, and a cancelled order carries its reason.
        #[test]
        fn state_machine_invariants(pickup in any::<bool>(), actions in proptest::collection::vec(action(), 0..20)) {
            let t = if pickup { OrderType::Pickup } else { OrderType::Delivery };
            let mut o = order(t);
            for (i, a) in actions.iter().enumerate() {
                let before = o.state;
                let snapshot = o.clone();
                let now = i as i64;
                let result = match a {
                    Action::Accept => o.accept(now).map(|_| ()),
                    Action::Reject => o.reject("r", "OTHERS", now),
                    Action::Cancel => o.customer_cancel("c", now),
                    Action::Driver => o.assign_driver("d", now),
                    Action::Advance => o.advance(now).map(|_| ()),
                    Action::Prepared => o.food_prepared(now),
                };
                // A refused transition changes nothing and names the state it found.
                if let Err(WrongState(found)) = result {
                    prop_assert_eq!(found, before);
                    prop_assert_eq!(&o, &snapshot);
                }
                if before.is_final() {
                    prop_assert_eq!(o.state, before);
                }
                if pickup {
                    prop_assert!(o.driver.is_none());
                    prop_assert!(!matches!(o.state, OrderState::DriverOtwPickup | OrderState::DriverArrived));
                }
                prop_assert_eq!(o.state == OrderState::Cancelled, o.cancellation.is_some());
            }
            let legal = |a: OrderState, b: OrderState| matches!((a, b),
                (OrderState::AwaitingMerchantAcceptance, OrderState::MerchantAccepted | OrderState::Cancelled)
                | (OrderState::MerchantAccepted, OrderState::DriverOtwPickup | OrderState::Placed | OrderState::Cancelled)
                | (OrderState::DriverOtwPickup, OrderState::DriverArrived | OrderState::Cancelled)
                | (OrderState::DriverArrived, OrderState::Placed | OrderState::Cancelled)
                | (OrderState::Placed, OrderState::Completed));
            let mut prev = OrderState::AwaitingMerchantAcceptance;
            for c in &o.history {
                prop_assert!(legal(prev, c.status), "{:?} -> {:?}", prev, c.status);
                prev = c.status;
            }
        }
    }

    #[test]
    fn accept_is_idempotent_and_reject_needs_awaiting() {
        let mut o = order(OrderType::Delivery);
        assert_eq!(o.accept(1), Ok(true));
        assert_eq!(o.accept(2), Ok(false));
        assert_eq!(
            o.reject("x", "OTHERS", 3),
            Err(WrongState(OrderState::MerchantAccepted))
        );
        assert_eq!(o.advance(4), Ok(OrderState::DriverOtwPickup));
        assert_eq!(o.driver.as_deref(), Some("GoFood Driver"));
        assert!(o.food_prepared(5).is_ok());
        assert_eq!(o.advance(6), Ok(OrderState::DriverArrived));
        assert_eq!(o.advance(7), Ok(OrderState::Placed));
        assert_eq!(
            o.customer_cancel("late", 8),
            Err(WrongState(OrderState::Placed))
        );
        assert_eq!(o.advance(9), Ok(OrderState::Completed));
        assert_eq!(o.advance(10), Err(WrongState(OrderState::Completed)));
    }

    fn created(t: OrderType, now: Millis) -> Order {
        let mut o = order(t);
        o.state = OrderState::Created;
        o.acceptance_deadline = None;
        o.timeout_accepts = false;
        o.created_at = now;
        o.history = vec![StateChange {
            status: OrderState::Created,
            at: now,
        }];
        o
    }

    #[test]
    fn placement_follows_the_acceptance_mode() {
        for t in [OrderType::Delivery, OrderType::Pickup] {
            let mut o = created(t, 1_000);
            o.place(AcceptanceMode::AutoAccept, 1_000).unwrap();
            assert_eq!(o.state, OrderState::MerchantAccepted);
            assert_eq!(o.acceptance_deadline, None);
            assert!(!o.timeout_accepts);

            let mut o = created(t, 1_000);
            o.place(AcceptanceMode::AutoAcceptOnTimeout, 1_000).unwrap();
            assert_eq!(o.state, OrderState::AwaitingMerchantAcceptance);
            assert_eq!(o.acceptance_deadline, Some(61_000));
            assert!(o.timeout_accepts);

            let mut o = created(t, 1_000);
            o.place(AcceptanceMode::Manual, 1_000).unwrap();
            assert_eq!(o.state, OrderState::AwaitingMerchantAcceptance);
            assert_eq!(o.acceptance_deadline, Some(181_000));
            assert!(!o.timeout_accepts);
            let states: Vec<OrderState> = o.history.iter().map(|c| c.status).collect();
            assert_eq!(
                states,
                [OrderState::Created, OrderState::AwaitingMerchantAcceptance]
            );
            assert_eq!(o.as_created().state, OrderState::Created);
            assert_eq!(o.as_created().acceptance_deadline, None);
            assert_eq!(
                o.place(AcceptanceMode::Manual, 2_000),
                Err(WrongState(OrderState::AwaitingMerchantAcceptance))
            );
        }
    }

    #[test]
    fn deadline_accepts_or_cancels_once_due() {
        let mut o = created(OrderType::Delivery, 0);
        o.place(AcceptanceMode::AutoAcceptOnTimeout, 0).unwrap();
        let mut early = o.clone();
        assert!(!early.on_deadline(59_999));
        assert_eq!(early.state, OrderState::AwaitingMerchantAcceptance);
        assert!(o.on_deadline(60_000));
        assert_eq!(o.state, OrderState::MerchantAccepted);
        assert_eq!(o.acceptance_deadline, None);
        assert!(!o.on_deadline(60_001), "fires once");

        let mut m = created(OrderType::Pickup, 0);
        m.place(AcceptanceMode::Manual, 0).unwrap();
        assert!(!m.clone().on_deadline(179_999));
        assert!(m.on_deadline(500_000));
        assert_eq!(m.state, OrderState::Cancelled);
        assert_eq!(
            m.cancellation,
            Some((MERCHANT_TIMEOUT.to_string(), MERCHANT_TIMEOUT.to_string()))
        );
        assert_eq!(m.history.last().map(|c| c.at), Some(500_000));

        // Accepted by the merchant first: the timer is void.
        let mut a = created(OrderType::Delivery, 0);
        a.place(AcceptanceMode::Manual, 0).unwrap();
        a.accept(10).unwrap();
        let before = a.clone();
        assert!(!a.on_deadline(1_000_000));
        assert_eq!(a, before);
    }

    fn mode() -> impl Strategy<Value = AcceptanceMode> {
        prop_oneof![
            Just(AcceptanceMode::AutoAccept),
            Just(AcceptanceMode::AutoAcceptOnTimeout),
            Just(AcceptanceMode::Manual),
        ]
    }

    proptest! {
        /// Placement then the timer at any moment: before the deadline nothing but the
        /// deadline may change; from the deadline on, `auto_accept_on_timeout` ends accepted
        /// and `manual` cancelled for `MERCHANT_TIMEOUT`, at the timer's time.
        #[test]
        fn place_then_deadline(pickup in any::<bool>(), m in mode(), placed in 0i64..1_000_000_000, after in 0i64..400_000) {
            let t = if pickup { OrderType::Pickup } else { OrderType::Delivery };
            let mut o = created(t, placed);
            prop_assert!(o.place(m, placed).is_ok());
            let deadline = o.acceptance_deadline;
            match m {
                AcceptanceMode::AutoAccept => prop_assert_eq!(deadline, None),
                AcceptanceMode::AutoAcceptOnTimeout => prop_assert_eq!(deadline, Some(placed + AUTO_ACCEPT_AFTER_MS)),
                AcceptanceMode::Manual => prop_assert_eq!(deadline, Some(placed + MANUAL_REJECT_AFTER_MS)),
            }
            let placed_state = o.state;
            let now = placed + after;
            let fired = o.on_deadline(now);
            prop_assert_eq!(fired, deadline.is_some_and(|d| d <= now));
            prop_assert_eq!(o.acceptance_deadline, None);
            if fired {
                prop_assert_eq!(o.history.last().map(|c| c.at), Some(now));
                if m == AcceptanceMode::AutoAcceptOnTimeout {
                    prop_assert_eq!(o.state, OrderState::MerchantAccepted);
                } else {
                    prop_assert_eq!(o.state, OrderState::Cancelled);
                    prop_assert_eq!(o.cancellation.as_ref().map(|c| c.1.as_str()), Some(MERCHANT_TIMEOUT));
                }
            } else {
                prop_assert_eq!(o.state, placed_state);
            }
        }
    }

    #[test]
    fn jakarta_day_and_minute() {
        // 2024-05-05 (a Sunday) 17:30 UTC = Monday 00:30 in Jakarta.
        let cat = crate::catalog::parse_push(
            &json!({ "menus": [ { "name": "M", "menu_items": [ { "external_id": "X", "name": "x", "in_stock": true, "price": 1,
              "operational_hours": { "monday": [ { "start": "00:00", "end": "01:00" } ] } } ] } ], "variant_categories": [] }),
            &crate::catalog::PreviousIds::default(),
            &mut || "id".to_string(),
        ).unwrap();
        let req = [ItemRequest {
            key: "X".into(),
            quantity: 1,
            notes: String::new(),
            variants: vec![],
        }];
        let sunday_1730_utc = 1_714_930_200_000;
        assert!(price_items(&cat, &req, sunday_1730_utc).is_ok());
        let err = price_items(&cat, &req, sunday_1730_utc + 3_600_000).unwrap_err();
        assert_eq!(err, "Item X is not available at 01:30 on monday");
    }
}
