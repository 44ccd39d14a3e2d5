//! The eleven notification events of spec §9.1 and what routes them.

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
    ALL_EVENTS.contains(&name)
}

/// The product a link must cover for the event to reach a facilitator.
pub fn product_of(name: &str) -> Product {
    if name.starts_with("payment.") {
        Product::Payment
    } else {
        Product::Gofood
    }
}

/// The read scope a partner must hold to receive the event.
pub fn read_scope_of(name: &str) -> &'static str {
    if name.starts_with("payment.") {
        "payment:transaction:read"
    } else if name.starts_with("gofood.catalog.") {
        "gofood:catalog:read"
    } else {
        "gofood:order:read"
    }
}

/// The troubleshooting `entity_id` of an event body (spec §9.10): the order number, the
/// catalog push's `request_id`, or the payment transaction id; `""` when absent.
pub fn entity_id_of(name: &str, body: &Value) -> String {
    let pointer = if name.starts_with("gofood.order.") {
        "/order/order_number"
    } else if name.starts_with("gofood.catalog.") {
        "/request_id"
    } else {
        "/transaction/id"
    };
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn routing_facts() {
        assert_eq!(ALL_EVENTS.len(), 11);
        assert_eq!(
            product_of("payment.transaction.settlement"),
            Product::Payment
        );
        assert_eq!(
            read_scope_of("gofood.catalog.menu_mapping_updated"),
            "gofood:catalog:read"
        );
        assert_eq!(
            read_scope_of("gofood.order.webhook_error"),
            "gofood:order:read"
        );
        assert_eq!(
            entity_id_of(
                "gofood.order.placed",
                &json!({"order": {"order_number": "F-1"}})
            ),
            "F-1"
        );
        assert_eq!(
            entity_id_of(
                "payment.transaction.settlement",
                &json!({"transaction": {"id": "t"}})
            ),
            "t"
        );
    }
}
