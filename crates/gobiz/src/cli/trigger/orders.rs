//! The order flows of `gobiz trigger`: a customer orders from the outlet's menu
//! (`POST /sandbox/v1/outlets/{id}/orders`), the merchant's POS accepts, rejects and marks the
//! food ready (`POST /sandbox/v1/orders/{n}/accept|reject|food-prepared`), a driver takes it
//! (`…/driver`) and the platform moves it on (`…/advance`), up to the state of the event.
//! `gofood.order.webhook_error`: the merchant adds an item in the GoBiz app, so it is in no
//! partner's menu mapping, a customer orders it, and the menu is put back.

use super::{CancelBy, Flow};
use crate::cli::sandbox::{idr, seg};
use crate::cli::{CliError, CliResult, Failure};
use gobiz_domain::catalog::{
    CatalogBody, CatalogMenu, CatalogMenuItem, CatalogReadModel, CatalogVariant,
    CatalogVariantCategory,
};
use gobiz_domain::events::EventName;
use gobiz_domain::order::OrderState;
use gobiz_http::views::SandboxOrder;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct OrderData {
    order: SandboxOrder,
}

/// The order being walked on and how many of its state changes were already printed.
struct Walk {
    order: SandboxOrder,
    seen: usize,
}

impl Walk {
    fn number(&self) -> String {
        self.order.body.order.order_number.clone()
    }

    fn state(&self) -> OrderState {
        self.order.body.order.status
    }

    /// Takes the order as it now stands; the events of the state changes not yet seen.
    fn update(&mut self, order: SandboxOrder) -> Vec<String> {
        self.order = order;
        let events: Vec<String> = self
            .order
            .events
            .iter()
            .skip(self.seen)
            .map(|e| e.event.to_string())
            .collect();
        self.seen = self.order.events.len();
        events
    }
}

/// Runs the flow that ends with `event`.
pub(super) async fn run(flow: &mut Flow, event: EventName) -> CliResult {
    if event == EventName::OrderWebhookError {
        return webhook_error(flow).await;
    }
    let target = event.order_state().ok_or_else(|| {
        CliError::new(
            Failure::Server,
            format!("{event} is not an order state event"),
        )
    })?;
    let merchant_rejects = target == OrderState::Cancelled && flow.args.by == CancelBy::Merchant;
    // The merchant's acceptance is part of every flow past it; a rejection needs an order
    // awaiting it. The outlet's own mode decides for `created` and a customer's cancel.
    let manual = !matches!(target, OrderState::Created | OrderState::Cancelled) || merchant_rejects;
    let items = basket(flow).await?;
    let mut walk = place(flow, items, manual, false).await?;
    if target == OrderState::Created || target == OrderState::AwaitingMerchantAcceptance {
        return Ok(());
    }
    if target == OrderState::Cancelled {
        return cancel(flow, &mut walk, merchant_rejects).await;
    }
    if walk.state() == OrderState::AwaitingMerchantAcceptance {
        let order = act(flow, &walk, "accept", &json!({})).await?;
        let events = walk.update(order);
        flow.step(
            "the merchant accepted the order",
            Some(&walk.number()),
            events,
        );
    }
    if target == OrderState::MerchantAccepted {
        return Ok(());
    }
    let pickup = walk.order.body.service_type == "gofood_pickup";
    if !pickup {
        if walk.state() == OrderState::MerchantAccepted {
            let body = match &flow.args.driver {
                Some(n) => json!({ "name": n }),
                None => json!({}),
            };
            let order = act(flow, &walk, "driver", &body).await?;
            let events = walk.update(order);
            let name = walk
                .order
                .body
                .driver
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default();
            flow.step(
                format!("driver {name} took the order and is on the way to the outlet"),
                Some(&walk.number()),
                events,
            );
        }
        if target == OrderState::DriverOtwPickup {
            return Ok(());
        }
        advance(
            flow,
            &mut walk,
            OrderState::DriverArrived,
            "the driver arrived at the outlet",
        )
        .await?;
        if target == OrderState::DriverArrived {
            return Ok(());
        }
    }
    let order = act(flow, &walk, "food-prepared", &json!({})).await?;
    let events = walk.update(order);
    flow.step(
        "the merchant marked the food prepared",
        Some(&walk.number()),
        events,
    );
    let handed = if pickup {
        "the customer collected the food (PIN checked)"
    } else {
        "the driver picked up the food (PIN checked)"
    };
    advance(flow, &mut walk, OrderState::Placed, handed).await?;
    if target == OrderState::Placed {
        return Ok(());
    }
    let done = if pickup {
        "the order is completed"
    } else {
        "the driver delivered the order: completed"
    };
    advance(flow, &mut walk, OrderState::Completed, done).await
}

/// The menu basket of `gobiz sandbox orders place`.
async fn basket(flow: &Flow) -> CliResult<Vec<Value>> {
    let catalog = menu(flow).await?;
    crate::cli::sandbox::orders::menu_basket(&catalog, &flow.outlet.id, "")
}

async fn menu(flow: &Flow) -> CliResult<CatalogReadModel> {
    flow.api
        .get(&format!(
            "/sandbox/v1/outlets/{}/catalog",
            seg(&flow.outlet.id)
        ))
        .await
}

/// A customer places an order of `items`; with `manual`, the outlet waits for the merchant
/// while it is placed (its acceptance mode is put back right after). With `unmapped`, the
/// items are in no partner's menu mapping: each order event goes with a
/// `gofood.order.webhook_error` to every partner it reaches.
async fn place(
    flow: &mut Flow,
    items: Vec<Value>,
    manual: bool,
    unmapped: bool,
) -> CliResult<Walk> {
    let mode = flow.outlet.acceptance_mode.clone();
    let switch = manual && mode != "manual";
    if switch {
        set_mode(flow, "manual").await?;
        flow.step(
            format!(
                "outlet {} waits for the merchant to accept (acceptance_mode manual, was {mode})",
                flow.outlet.id
            ),
            Some(&flow.outlet.id.clone()),
            Vec::new(),
        );
    }
    let mut body = json!({
        "order_type": if flow.args.pickup { "pickup" } else { "delivery" },
        "items": items,
    });
    if let Some(c) = &flow.args.customer {
        body["customer"] = json!({ "name": c });
    }
    let placed: CliResult<OrderData> = flow
        .api
        .post(
            &format!("/sandbox/v1/outlets/{}/orders", seg(&flow.outlet.id)),
            &body,
        )
        .await;
    if switch {
        // Put the mode back whatever the order's fate.
        let restored = set_mode(flow, &mode).await;
        if placed.is_ok() {
            restored?;
        }
    }
    let order = placed?.order;
    let mut walk = Walk {
        order: order.clone(),
        seen: 0,
    };
    let mut events = walk.update(order);
    if unmapped {
        events = events
            .into_iter()
            .flat_map(|e| [e, EventName::OrderWebhookError.to_string()])
            .collect();
    }
    let number = walk.number();
    flow.entity_id = Some(number.clone());
    let o = &walk.order.body;
    flow.step(
        format!(
            "a customer placed order {number} ({}, {} item{}, {})",
            if o.service_type == "gofood_pickup" {
                "pickup"
            } else {
                "delivery"
            },
            o.order.order_items.len(),
            if o.order.order_items.len() == 1 {
                ""
            } else {
                "s"
            },
            idr(o.order.order_total)
        ),
        Some(&number),
        events,
    );
    if switch {
        flow.step(
            format!(
                "outlet {} is back to acceptance_mode {mode}",
                flow.outlet.id
            ),
            Some(&flow.outlet.id.clone()),
            Vec::new(),
        );
    }
    Ok(walk)
}

async fn set_mode(flow: &Flow, mode: &str) -> CliResult {
    let _: Value = flow
        .api
        .send_json(
            Method::PATCH,
            &format!("/sandbox/v1/outlets/{}", seg(&flow.outlet.id)),
            &json!({ "acceptance_mode": mode }),
        )
        .await?;
    Ok(())
}

/// `POST /sandbox/v1/orders/{n}/{action}`: the order after it.
async fn act(flow: &Flow, walk: &Walk, action: &str, body: &Value) -> CliResult<SandboxOrder> {
    let data: OrderData = flow
        .api
        .post(
            &format!("/sandbox/v1/orders/{}/{action}", seg(&walk.number())),
            body,
        )
        .await?;
    Ok(data.order)
}

async fn advance(flow: &mut Flow, walk: &mut Walk, to: OrderState, words: &str) -> CliResult {
    let order = act(flow, walk, "advance", &json!({ "to": to.as_str() })).await?;
    let events = walk.update(order);
    flow.step(words, Some(&walk.number()), events);
    Ok(())
}

/// The customer cancels, or the merchant rejects the order awaiting it.
async fn cancel(flow: &mut Flow, walk: &mut Walk, merchant: bool) -> CliResult {
    let (action, body, words) = if merchant {
        let reason = flow
            .args
            .reason
            .clone()
            .unwrap_or_else(|| "One of the items is not available".into());
        (
            "reject",
            json!({
                "cancel_reason_code": flow.args.reason_code.trim().to_ascii_uppercase(),
                "cancel_reason_description": reason,
            }),
            "the merchant rejected the order",
        )
    } else {
        let body = match &flow.args.reason {
            Some(r) => json!({ "reason": r }),
            None => json!({}),
        };
        ("cancel", body, "the customer cancelled the order")
    };
    let order = act(flow, walk, action, &body).await?;
    let events = walk.update(order);
    let why = walk
        .order
        .body
        .order
        .cancellation_detail
        .as_ref()
        .map(|c| format!(": {} ({})", c.reason, c.reason_code))
        .unwrap_or_default();
    flow.step(format!("{words}{why}"), Some(&walk.number()), events);
    Ok(())
}

/// The merchant adds an item in the GoBiz app (in no partner's menu mapping), a customer
/// orders it, so every order event to a partner comes with a `gofood.order.webhook_error`;
/// then the menu is put back as it was.
async fn webhook_error(flow: &mut Flow) -> CliResult {
    let read = menu(flow).await?;
    if read.menus.is_empty() {
        return Err(CliError::new(
            Failure::Refused,
            format!(
                "outlet {} has no menu; push one first (the item must be missing from a partner's menu mapping)",
                flow.outlet.id
            ),
        ));
    }
    let original = write_model(&read);
    let external_id = format!(
        "gobiz-trigger-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut added = original.clone();
    if let Some(m) = added.menus.first_mut() {
        m.menu_items.push(CatalogMenuItem {
            description: Some("Added by the merchant in the GoBiz app".into()),
            external_id: external_id.clone(),
            image: None,
            in_stock: true,
            internal_name: None,
            name: "Es Teh Manis".into(),
            operational_hours: None,
            price: 8_000,
            variant_category_external_ids: None,
        });
    }
    put_menu(flow, &added).await?;
    flow.step(
        format!(
            "the merchant added item {external_id} to the menu in the GoBiz app (in no partner's menu mapping)"
        ),
        Some(&flow.outlet.id.clone()),
        Vec::new(),
    );
    let items = vec![json!({ "external_id": external_id, "quantity": 1 })];
    let placed = place(flow, items, false, true).await;
    let restored = put_menu(flow, &original).await;
    placed?;
    restored?;
    flow.step(
        format!("the merchant removed item {external_id} again (the menu is as before)"),
        Some(&flow.outlet.id.clone()),
        Vec::new(),
    );
    Ok(())
}

async fn put_menu(flow: &Flow, body: &CatalogBody) -> CliResult {
    let _: Value = flow
        .api
        .send_json(
            Method::PUT,
            &format!("/sandbox/v1/outlets/{}/catalog", seg(&flow.outlet.id)),
            body,
        )
        .await?;
    Ok(())
}

/// The push body that recreates a read model (items name their categories by external id).
fn write_model(read: &CatalogReadModel) -> CatalogBody {
    let category_external = |id: &str| {
        read.variant_categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.external_id.clone())
    };
    CatalogBody {
        request_id: None,
        menus: read
            .menus
            .iter()
            .map(|m| CatalogMenu {
                name: m.name.clone(),
                menu_items: m
                    .menu_items
                    .iter()
                    .map(|i| CatalogMenuItem {
                        description: i.description.clone(),
                        external_id: i.external_id.clone(),
                        image: i.image.clone(),
                        in_stock: i.in_stock,
                        internal_name: i.internal_name.clone(),
                        name: i.name.clone(),
                        operational_hours: Some(i.operational_hours.clone()),
                        price: i.price,
                        variant_category_external_ids: Some(
                            i.variant_category_ids
                                .iter()
                                .filter_map(|id| category_external(id))
                                .collect(),
                        ),
                    })
                    .collect(),
            })
            .collect(),
        variant_categories: read
            .variant_categories
            .iter()
            .map(|c| CatalogVariantCategory {
                external_id: c.external_id.clone(),
                internal_name: c.internal_name.clone(),
                name: c.name.clone(),
                rules: c.rules.clone(),
                variants: c
                    .variants
                    .iter()
                    .map(|v| CatalogVariant {
                        external_id: v.external_id.clone(),
                        in_stock: v.in_stock,
                        name: v.name.clone(),
                        price: v.price,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_model_names_categories_by_external_id() {
        let read: CatalogReadModel = serde_json::from_value(json!({
            "menus": [{"id": "m1", "name": "Pizza", "menu_items": [{
                "id": "i1", "external_id": "XID", "name": "Pizza", "internal_name": null,
                "description": null, "in_stock": true, "price": 9000, "image": null,
                "operational_hours": {"monday": [{"start": "10:00", "end": "14:00"}]},
                "variant_category_ids": ["c1"]}]}],
            "variant_categories": [{"id": "c1", "external_id": "VC-XID", "name": "Topping",
                "internal_name": null, "rules": {"selection": {"min_quantity": 1, "max_quantity": 1}},
                "variants": [{"id": "v1", "external_id": "V-XID", "name": "Cheese", "price": 1000, "in_stock": false}]}]
        }))
        .unwrap();
        let body = write_model(&read);
        let item = &body.menus[0].menu_items[0];
        assert_eq!(
            item.variant_category_external_ids,
            Some(vec!["VC-XID".to_string()])
        );
        assert_eq!(body.variant_categories[0].variants[0].external_id, "V-XID");
        assert!(!body.variant_categories[0].variants[0].in_stock);
        assert_eq!(body.request_id, None);
    }
}
