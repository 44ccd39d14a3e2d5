//! `POST /sandbox/v1/events`: emit any event for an outlet through the normal outbox and
//! routing, with a realistic default body (spec §9.12–§9.15), so integrators can test their
//! receivers before orders or payments exist. The default bodies come from sample orders,
//! transactions and mappings written by the same types as real events.

use crate::events::{Emitted, EventDraft};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Outlet;
use gobiz_domain::events::{
    apply_menu_mapping, Event, EventName, EventOutlet, MappedCategory, MappedId, MappedMenu,
    MenuMappingUpdated, WebhookError,
};
use gobiz_domain::model::AcceptanceMode;
use gobiz_domain::order::{NewOrderParts, Order, OrderItem, OrderState, OrderType, OrderVariant};
use gobiz_domain::payment::{Transaction, TransactionDraft};
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use tokio::sync::oneshot;

/// Body of `POST /sandbox/v1/events`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"event": "gofood.order.awaiting_merchant_acceptance", "outlet_id": "G000012345"}))]
pub struct NewEvent {
    /// One of the eleven events of spec §9.1.
    #[schema(required = true, nullable = false, value_type = String, example = "gofood.order.awaiting_merchant_acceptance")]
    pub event: Option<String>,
    /// Outlet the event concerns.
    #[schema(required = true, nullable = false, value_type = String, example = "G000012345")]
    pub outlet_id: Option<String>,
    /// The payload `body`; a realistic one when absent.
    #[schema(required = false, nullable = false, value_type = Object)]
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

/// A sample delivery order at `outlet`, placed `now` (two Nasi Goreng Spesial, Pedas) and
/// taken along the happy path to `state`; a cancelled one is cancelled by the customer while
/// awaiting the merchant.
fn sample_order(state: OrderState, outlet: &Outlet, now: i64) -> Order {
    let mut order = Order::created(
        NewOrderParts {
            outlet_id: outlet.id.clone(),
            order_type: OrderType::Delivery,
            pin: format!("{:04}", rand::thread_rng().gen_range(0..10_000u32)),
            customer_id: customer_id(),
            customer_name: "GoFood Customer".into(),
            items: vec![OrderItem {
                id: uuid(),
                external_id: "menu-item-1".into(),
                name: "Nasi Goreng Spesial".into(),
                quantity: 2,
                price: 25_000,
                notes: String::new(),
                variants: vec![OrderVariant {
                    id: uuid(),
                    external_id: "variant-1".into(),
                    name: "Pedas".into(),
                }],
                sku_promo_id: None,
            }],
            cutlery_requested: None,
            takeaway_charges: 0,
            applied_promotions: Vec::new(),
        },
        now,
    );
    order.set_number(order_number());
    if state == OrderState::Created {
        return order;
    }
    let _ = order.place(AcceptanceMode::Manual, now);
    if state == OrderState::Cancelled {
        let _ = order.customer_cancel("Cancelled by customer", now);
        return order;
    }
    while order.state() != state && order.advance(now).is_ok() {}
    order
}

/// A realistic `name` event at `outlet`, happening `now`.
pub fn sample_event(name: EventName, outlet: &Outlet, now: i64) -> Event {
    match name {
        EventName::OrderWebhookError => {
            // A partner whose mapping has the variant but not the item.
            let order = sample_order(OrderState::AwaitingMerchantAcceptance, outlet, now);
            let failed = Event::order_status(&order);
            let mut body = failed.body();
            let mapping: HashMap<String, String> = order
                .items()
                .iter()
                .flat_map(|i| &i.variants)
                .map(|v| (v.id.clone(), v.external_id.clone()))
                .collect();
            let errors = apply_menu_mapping(&mut body, &mapping);
            Event::WebhookError(WebhookError::after(failed.name(), &body, errors))
        }
        EventName::CatalogMenuMappingUpdated => Event::MenuMappingUpdated(MenuMappingUpdated {
            request_id: uuid(),
            outlet: EventOutlet::unlinked(&outlet.id),
            menus: vec![MappedMenu {
                id: uuid(),
                name: "Makanan".into(),
                menu_items: vec![MappedId {
                    id: uuid(),
                    external_id: "menu-item-1".into(),
                }],
            }],
            variant_categories: vec![MappedCategory {
                id: uuid(),
                external_id: "vc-1".into(),
                variants: vec![MappedId {
                    id: uuid(),
                    external_id: "variant-1".into(),
                }],
            }],
        }),
        EventName::PaymentTransactionSettlement => {
            let mut t = Transaction::open(
                TransactionDraft {
                    id: uuid(),
                    outlet_id: outlet.id.clone(),
                    pop_id: outlet.pop_id.clone(),
                    qris_string: String::new(),
                    order_id: format!("order-{}", rand::thread_rng().gen_range(1000..9999)),
                    gross_amount: 25_000,
                    metadata: json!({}),
                },
                now - 60_000,
            );
            let _ = t.settle(now);
            Event::settlement(&t)
        }
        _ => {
            let state = name
                .order_state()
                .unwrap_or(OrderState::AwaitingMerchantAcceptance);
            Event::order_status(&sample_order(state, outlet, now))
        }
    }
}

impl Services {
    /// Emits an event as the platform would.
    pub async fn sandbox_emit(&self, input: NewEvent) -> ServiceResult<(Emitted, String, String)> {
        let mut v = gobiz_domain::validation::Violations::new();
        let name = match input.event.as_deref().map(str::parse::<EventName>) {
            None => {
                v.add("event", "is required");
                None
            }
            Some(Err(unknown)) => {
                v.add("event", unknown.to_string());
                None
            }
            Some(Ok(name)) => Some(name),
        };
        if input.outlet_id.is_none() {
            v.add("outlet_id", "is required");
        }
        if input.body.as_ref().is_some_and(|b| !b.is_object()) {
            v.add("body", "expected object");
        }
        v.finish()?;
        let name = name.ok_or_else(|| ServiceError::Internal("event not validated".into()))?;
        let outlet_id = input.outlet_id.unwrap_or_default();
        let emitted = self
            .emit_in_group(Requested {
                name,
                outlet_id: outlet_id.clone(),
                body: input.body,
            })
            .await?;
        if emitted.event_id.is_empty() {
            return Err(ServiceError::Internal("event not written".into()));
        }
        Ok((emitted, name.to_string(), outlet_id))
    }

    /// Writes the requested event together with the sandbox events other requests are
    /// emitting at the same moment, in one transaction (group commit), and answers once it is
    /// committed.
    ///
    /// Each request queues its event and starts a writer task; writers take turns, and each
    /// takes everything queued so far, so an idle server writes an event at once and a busy
    /// one writes many per commit. The write runs on its own task: a client that hangs up
    /// cannot cut it short. When a group fails, each of its events is tried again on its own,
    /// so one bad event fails only its own request.
    async fn emit_in_group(&self, requested: Requested) -> ServiceResult<Emitted> {
        let (done, answer) = oneshot::channel();
        self.emit_queue.push(Queued { requested, done });
        let services = self.clone();
        tokio::spawn(async move { services.write_queued_events().await });
        answer.await.map_err(|_| {
            ServiceError::Unavailable("the event writer stopped before the commit".into())
        })?
    }

    /// One writer's turn: everything queued (up to [`MAX_GROUP`]) in one transaction.
    async fn write_queued_events(&self) {
        let _turn = self.emit_queue.turn.lock().await;
        let group = self.emit_queue.take(MAX_GROUP);
        if group.is_empty() {
            return;
        }
        let requested: Vec<&Requested> = group.iter().map(|q| &q.requested).collect();
        match self.commit_events(&requested).await {
            Ok(all) => {
                for (q, emitted) in group.into_iter().zip(all) {
                    let _ = q.done.send(emitted);
                }
            }
            Err(e) if group.len() == 1 => {
                if let Some(q) = group.into_iter().next() {
                    let _ = q.done.send(Err(e));
                }
            }
            Err(_) => {
                for q in group {
                    let alone = match self.commit_events(&[&q.requested]).await {
                        Ok(mut one) => one.pop().unwrap_or_else(|| {
                            Err(ServiceError::Internal("event not written".into()))
                        }),
                        Err(e) => Err(e),
                    };
                    let _ = q.done.send(alone);
                }
            }
        }
    }

    /// Emits the requested events in one transaction: each outlet read once, inside it (an
    /// unknown outlet fails only its own events, with 404), one [`Services::emit_many`] for
    /// the rest. The outer error fails the
    /// whole group; the inner ones are per event, in the order of `requested`.
    async fn commit_events(
        &self,
        requested: &[&Requested],
    ) -> ServiceResult<Vec<ServiceResult<Emitted>>> {
        let mut tx = self.db.begin().await?;
        let mut outlets: HashMap<&str, Option<Outlet>> = HashMap::new();
        for r in requested {
            if !outlets.contains_key(r.outlet_id.as_str()) {
                let found = gobiz_store::outlets::get(&mut tx, &r.outlet_id).await?;
                outlets.insert(r.outlet_id.as_str(), found);
            }
        }
        let now = self.clock.now_ms();
        let mut drafts = Vec::with_capacity(requested.len());
        let mut slots = Vec::with_capacity(requested.len());
        for r in requested {
            let Some(Some(outlet)) = outlets.get(r.outlet_id.as_str()) else {
                slots.push(None);
                continue;
            };
            let event = match &r.body {
                Some(body) => Event::Custom {
                    name: r.name,
                    body: body.clone(),
                },
                None => sample_event(r.name, outlet, now),
            };
            slots.push(Some(drafts.len()));
            drafts.push(EventDraft {
                event,
                outlet_id: outlet.id.clone(),
                only_partner: None,
                at: None,
            });
        }
        let emitted = self.emit_many(&mut tx, drafts).await?;
        tx.commit().await?;
        let mut emitted: Vec<Option<Emitted>> = emitted.into_iter().map(Some).collect();
        Ok(requested
            .iter()
            .zip(slots)
            .map(|(r, slot)| match slot {
                Some(i) => emitted
                    .get_mut(i)
                    .and_then(Option::take)
                    .ok_or_else(|| ServiceError::Internal("event not written".into())),
                None => Err(ServiceError::OutletNotFound(r.outlet_id.clone())),
            })
            .collect())
    }
}

/// A validated `POST /sandbox/v1/events`: the event, its outlet and its body (a realistic one
/// is made when absent, from the outlet as read in the group's transaction).
#[derive(Debug, Clone)]
struct Requested {
    name: EventName,
    outlet_id: String,
    body: Option<Value>,
}

/// Most sandbox events written in one transaction.
const MAX_GROUP: usize = 64;

/// A sandbox event waiting for its group's commit, and who waits for the answer.
struct Queued {
    requested: Requested,
    done: oneshot::Sender<ServiceResult<Emitted>>,
}

/// Sandbox events waiting for the next group commit ([`Services::sandbox_emit`]).
#[derive(Default)]
pub struct EmitQueue {
    queued: std::sync::Mutex<Vec<Queued>>,
    /// Held by the writer whose group is being written.
    turn: tokio::sync::Mutex<()>,
}

impl EmitQueue {
    fn push(&self, q: Queued) {
        if let Ok(mut all) = self.queued.lock() {
            all.push(q);
        }
    }

    /// Up to `max` of the oldest queued events.
    fn take(&self, max: usize) -> Vec<Queued> {
        match self.queued.lock() {
            Ok(mut all) => {
                let n = all.len().min(max);
                all.drain(..n).collect()
            }
            Err(_) => Vec::new(),
        }
    }
}
