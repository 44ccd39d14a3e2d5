//! The customer simulator (spec §10.3): places an order from the outlet's menu, or cancels
//! it before `PLACED`.

use crate::order_flow::{record_since, timer_due_at, wrong_state, Steps};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::events::Event;
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::order::{
    apply_promotions, price_items, ItemRequest, NewOrderParts, Order, OrderType, WrongState,
};
use gobiz_domain::validation::Violations;
use gobiz_store::orders;
use rand::Rng;
use serde::Deserialize;

/// A variant chosen for an item of an order request: `external_id` or `id`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"external_id": "V-XID"}))]
pub struct OrderVariantRef {
    /// The variant's id in the partner's catalog.
    #[schema(required = false, nullable = false, value_type = String)]
    pub external_id: Option<String>,
    /// The variant's GoBiz id (UUID).
    #[schema(required = false, nullable = false, value_type = String, format = "uuid")]
    pub id: Option<String>,
}

/// An item of an order request: `external_id` or `id`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"external_id": "XID", "quantity": 2, "notes": "extra spicy", "variants": [{"external_id": "V-XID"}]}))]
pub struct NewOrderItem {
    /// The item's id in the partner's catalog.
    #[schema(required = false, nullable = false, value_type = String)]
    pub external_id: Option<String>,
    /// The item's GoBiz id (UUID).
    #[schema(required = false, nullable = false, value_type = String, format = "uuid")]
    pub id: Option<String>,
    /// 1 to 99.
    #[schema(required = true, nullable = false, value_type = i64, minimum = 1, maximum = 99)]
    pub quantity: Option<i64>,
    /// The customer's note, up to 200 characters.
    #[schema(required = false, nullable = false, value_type = String, max_length = 200)]
    pub notes: Option<String>,
    /// The chosen variants, checked against the item's variant categories.
    #[schema(required = false, nullable = false, value_type = Vec<OrderVariantRef>)]
    pub variants: Option<Vec<OrderVariantRef>>,
}

/// The customer of an order request.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Budi"}))]
pub struct OrderCustomer {
    /// Display name, 1 to 100 characters (default `GoFood Customer`).
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
}

/// `POST /sandbox/v1/outlets/{outlet_id}/orders` (spec §10.3).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"order_type": "delivery", "items": [{"external_id": "XID", "quantity": 2, "notes": "extra spicy", "variants": [{"external_id": "V-XID"}]}], "customer": {"name": "Budi"}, "cutlery_requested": true, "takeaway_charges": 0}))]
pub struct NewOrder {
    /// `delivery` (default) or `pickup`.
    #[schema(required = false, nullable = false, value_type = String, pattern = "^(delivery|pickup)$")]
    pub order_type: Option<String>,
    /// 1 to 50 items.
    #[schema(required = true, nullable = false, value_type = Vec<NewOrderItem>, min_items = 1, max_items = 50)]
    pub items: Option<Vec<NewOrderItem>>,
    /// The customer (default name `GoFood Customer`).
    #[schema(required = false, nullable = false, value_type = OrderCustomer)]
    pub customer: Option<OrderCustomer>,
    /// Whether the customer wants cutlery (absent: `null` in the order).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub cutlery_requested: Option<bool>,
    /// Takeaway charges in IDR, 0 to 100,000,000 (default 0).
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0, maximum = 100_000_000)]
    pub takeaway_charges: Option<i64>,
}

/// Body of `POST /sandbox/v1/orders/{order_number}/cancel` (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"reason": "Customer changed their mind"}))]
pub struct CustomerCancelBody {
    /// Why the customer cancels, 1 to 200 characters (default `Cancelled by customer`).
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 200)]
    pub reason: Option<String>,
}

impl Services {
    /// Simulator: a customer places an order (spec §10.3).
    pub async fn place_order(&self, outlet_id: &OutletId, req: NewOrder) -> ServiceResult<Order> {
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
            return Ok(order);
        }
        Err(ServiceError::Internal(
            "could not draw a free order number".into(),
        ))
    }

    /// Sandbox: the customer cancels (before `PLACED`).
    pub async fn customer_cancel(
        &self,
        number: &OrderNumber,
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
}
