//! The eleven notification events of spec §9.1: [`EventName`] and what routes it, and
//! [`Event`], the one place each webhook body is written.

mod event;
mod mapping;
mod name;
#[cfg(test)]
mod tests;

pub use event::{
    Event, EventOutlet, MappedCategory, MappedId, MappedMenu, MenuMappingUpdated, WebhookError,
};
pub use mapping::{
    apply_menu_mapping, has_order_items, set_external_outlet_id, MappingError,
    MENU_MAPPING_NOT_FOUND,
};
pub use name::{EventFamily, EventName, UnknownEvent};

use crate::model::Product;
use serde_json::Value;

/// Every event name, in spec order.
pub const ALL_EVENTS: &[&str] = &[
    "gofood.order.created",
    "gofood.order.awaiting_merchant_acceptance",
    "gofood.order.merchant_accepted",
    "gofood.order.driver_otw_pickup",
    "gofood.order.driver_arrived",
    "gofood.order.placed",
    "gofood.order.completed",
    "gofood.order.cancelled",
    "gofood.order.webhook_error",
    "gofood.catalog.menu_mapping_updated",
    "payment.transaction.settlement",
];

/// True when `name` is one of the eleven events.
pub fn is_event(name: &str) -> bool {
    EventName::parse(name).is_some()
}

/// The product a link must cover for the event to reach a facilitator.
pub fn product_of(name: &str) -> Product {
    EventName::parse(name).map_or(Product::Gofood, EventName::product)
}

/// The read scope a partner must hold to receive the event.
pub fn read_scope_of(name: &str) -> &'static str {
    EventName::parse(name).map_or("gofood:order:read", EventName::read_scope)
}

/// The troubleshooting `entity_id` of an event body (spec §9.10).
pub fn entity_id_of(name: &str, body: &Value) -> String {
    match EventName::parse(name) {
        Some(name) => Event::Custom {
            name,
            body: body.clone(),
        }
        .entity_id(),
        None => String::new(),
    }
}
