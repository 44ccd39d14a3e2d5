//! `POST /sandbox/v1/events`: emit any event for an outlet through the normal outbox and
//! routing, with a realistic default body (spec §9.12–§9.15), so integrators can test their
//! receivers before orders or payments exist.

use crate::events::{Emitted, EventDraft};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Outlet;
use gobiz_domain::events::{is_event, ALL_EVENTS};
use gobiz_domain::payment::PaymentStatus;
use gobiz_domain::timefmt::jakarta_millis;
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};

/// Body of `POST /sandbox/v1/events`.
#[derive(Debug, Default, Deserialize)]
pub struct NewEvent {
    /// One of the eleven events.
    pub event: Option<String>,
    /// Outlet the event concerns.
    pub outlet_id: Option<String>,
    /// The payload `body`; a realistic one when absent.
    pub body: Option<Value>,
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn order_number() -> String {
    format!("F-{:09}", rand::thread_rng().gen_range(0..1_000_000_000u32))
}

fn customer_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A realistic body for `event` at `outlet`, created `now`.
pub fn default_body(event: &str, outlet: &Outlet, now: i64) -> Value {
    let outlet_ref = json!({ "id": outlet.id, "external_outlet_id": null });
    let number = order_number();
    let status = match event {
        "gofood.order.created" => "CREATED",
        "gofood.order.awaiting_merchant_acceptance" => "AWAITING_MERCHANT_ACCEPTANCE",
        "gofood.order.merchant_accepted" => "MERCHANT_ACCEPTED",
        "gofood.order.driver_otw_pickup" => "DRIVER_OTW_PICKUP",
        "gofood.order.driver_arrived" => "DRIVER_ARRIVED",
        "gofood.order.placed" => "PLACED",
        "gofood.order.completed" => "COMPLETED",
        "gofood.order.cancelled" => "CANCELLED",
        _ => "AWAITING_MERCHANT_ACCEPTANCE",
    };
    let item_id = uuid();
    match event {
        "gofood.order.webhook_error" => json!({
            "service_type": "gofood",
            "outlet": outlet_ref,
            "order": { "order_number": number, "status": status },
            "failed_event_name": "gofood.order.awaiting_merchant_acceptance",
            "errors": [ { "code": "MENU_MAPPING_NOT_FOUND", "order_item_id": item_id, "variant_id": null,
                          "message": "Order item Nasi Goreng Spesial has no external_id in this partner's menu mapping" } ],
        }),
        "gofood.catalog.menu_mapping_updated" => json!({
            "request_id": uuid(),
            "outlet": outlet_ref,
            "menus": [ { "id": uuid(), "name": "Makanan",
                         "menu_items": [ { "id": item_id, "external_id": "menu-item-1" } ] } ],
            "variant_categories": [ { "id": uuid(), "external_id": "vc-1",
                                      "variants": [ { "id": uuid(), "external_id": "variant-1" } ] } ],
        }),
        "payment.transaction.settlement" => json!({
            "outlet": { "id": outlet.id, "pop_id": outlet.pop_id },
            "transaction": {
                "id": uuid(), "payment_type": "qris", "status": PaymentStatus::Settlement, "qris_string": "",
                "order_id": format!("order-{}", rand::thread_rng().gen_range(1000..9999)),
                "gross_amount": 25000, "currency": "IDR",
                "created_at": jakarta_millis(now - 60_000), "settlement_at": jakarta_millis(now),
            },
        }),
        _ => {
            let with_driver = matches!(
                status,
                "DRIVER_OTW_PICKUP" | "DRIVER_ARRIVED" | "PLACED" | "COMPLETED"
            );
            json!({
                "service_type": "gofood",
                "outlet": outlet_ref,
                "customer": { "id": customer_id(), "name": "GoFood Customer" },
                "driver": if with_driver { json!({ "name": "GoFood Driver" }) } else { Value::Null },
                "order": {
                    "status": status,
                    "pin": format!("{:04}", rand::thread_rng().gen_range(0..10_000u32)),
                    "order_number": number,
                    "order_total": 50000,
                    "currency": "IDR",
                    "created_at": jakarta_millis(now),
                    "cutlery_requested": null,
                    "takeaway_charges": 0,
                    "applied_promotions": [],
                    "scheduled_flag": null,
                    "cancellation_detail": if status == "CANCELLED" {
                        json!({ "reason": "Cancelled by customer", "reason_code": "CUSTOMER_CANCELLED" })
                    } else { Value::Null },
                    "order_items": [ {
                        "id": item_id, "external_id": "menu-item-1", "name": "Nasi Goreng Spesial",
                        "quantity": 2, "price": 25000, "notes": "", "sku_promo_id": null,
                        "variants": [ { "id": uuid(), "external_id": "variant-1", "name": "Pedas" } ],
                    } ],
                },
            })
        }
    }
}

impl Services {
    /// Emits an event as the platform would.
    pub async fn sandbox_emit(&self, input: NewEvent) -> ServiceResult<(Emitted, String, String)> {
        let mut v = gobiz_domain::validation::Violations::new();
        match input.event.as_deref() {
            None => v.add("event", "is required"),
            Some(e) if !is_event(e) => v.add(
                "event",
                format!("unknown event {e}; valid events: {}", ALL_EVENTS.join(", ")),
            ),
            Some(_) => {}
        }
        if input.outlet_id.is_none() {
            v.add("outlet_id", "is required");
        }
        if input.body.as_ref().is_some_and(|b| !b.is_object()) {
            v.add("body", "expected object");
        }
        v.finish()?;
        let event = input.event.unwrap_or_default();
        let outlet_id = input.outlet_id.unwrap_or_default();
        let outlet = self.get_outlet(&outlet_id).await?;
        let now = self.clock.now_ms();
        let body = match input.body {
            Some(b) => b,
            None => default_body(&event, &outlet, now),
        };
        let request_id = body
            .get("request_id")
            .and_then(Value::as_str)
            .map(String::from);
        let mut tx = self.db.begin().await?;
        let emitted = self
            .emit(
                &mut tx,
                EventDraft {
                    name: event.clone(),
                    outlet_id: outlet.id.clone(),
                    body,
                    request_id,
                    only_partner: None,
                    at: None,
                },
            )
            .await?;
        tx.commit().await?;
        self.wake_dispatcher();
        if emitted.event_id.is_empty() {
            return Err(ServiceError::Internal("event not written".into()));
        }
        Ok((emitted, event, outlet.id))
    }
}
