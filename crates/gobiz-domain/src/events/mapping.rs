//! Menu mapping of order events (spec §9.13): each partner receives the order items and
//! variants under the `external_id`s of its own menu mapping, and learns through
//! `gofood.order.webhook_error` what its mapping lacks.

use serde_json::Value;
use std::collections::HashMap;

/// The error code of an order item or variant the partner's mapping lacks.
pub const MENU_MAPPING_NOT_FOUND: &str = "MENU_MAPPING_NOT_FOUND";

/// One entry of a `webhook_error`'s `errors`: an item or variant without an `external_id` in
/// the partner's menu mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingError {
    /// The order item itself is not mapped.
    Item {
        /// GoBiz item id.
        order_item_id: String,
        /// Item name.
        item_name: String,
    },
    /// A chosen variant of an order item is not mapped.
    Variant {
        /// GoBiz item id.
        order_item_id: String,
        /// Item name.
        item_name: String,
        /// GoBiz variant id.
        variant_id: String,
        /// Variant name.
        variant_name: String,
    },
}

impl MappingError {
    /// The `code` of the entry.
    pub fn code(&self) -> &'static str {
        MENU_MAPPING_NOT_FOUND
    }

    /// GoBiz item id.
    pub fn order_item_id(&self) -> &str {
        match self {
            MappingError::Item { order_item_id, .. }
            | MappingError::Variant { order_item_id, .. } => order_item_id,
        }
    }

    /// GoBiz variant id, for a variant.
    pub fn variant_id(&self) -> Option<&str> {
        match self {
            MappingError::Item { .. } => None,
            MappingError::Variant { variant_id, .. } => Some(variant_id),
        }
    }

    /// The human-readable `message`.
    pub fn message(&self) -> String {
        match self {
            MappingError::Item { item_name, .. } => {
                format!("Order item {item_name} has no external_id in this partner's menu mapping")
            }
            MappingError::Variant {
                item_name,
                variant_name,
                ..
            } => format!(
                "Variant {variant_name} of order item {item_name} has no external_id in this partner's menu mapping"
            ),
        }
    }
}

/// True when `body` (of an order event) has at least one order item.
pub fn has_order_items(body: &Value) -> bool {
    body.pointer("/order/order_items")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

/// Sets `outlet.external_outlet_id` of `body` to the recipient's link id, when the body names
/// one (a payment body names the outlet's `pop_id` instead and is left alone).
pub fn set_external_outlet_id(body: &mut Value, external_outlet_id: Option<&str>) {
    if let Some(o) = body.get_mut("outlet").and_then(Value::as_object_mut) {
        if o.contains_key("external_outlet_id") {
            o.insert("external_outlet_id".into(), Value::from(external_outlet_id));
        }
    }
}

/// Replaces the order items' and variants' `external_id` in `body` with the partner's menu
/// `mapping` (GoBiz id → partner id; spec §9.13): `null` for what the mapping lacks, and one
/// [`MappingError`] per unmapped item or variant, in body order.
pub fn apply_menu_mapping(
    body: &mut Value,
    mapping: &HashMap<String, String>,
) -> Vec<MappingError> {
    let mut errors = Vec::new();
    let Some(items) = body
        .pointer_mut("/order/order_items")
        .and_then(Value::as_array_mut)
    else {
        return errors;
    };
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    for item in items {
        let item_id = text(item, "id");
        let item_name = text(item, "name");
        let mapped = mapping.get(&item_id).cloned();
        if mapped.is_none() {
            errors.push(MappingError::Item {
                order_item_id: item_id.clone(),
                item_name: item_name.clone(),
            });
        }
        item["external_id"] = Value::from(mapped);
        if let Some(variants) = item.get_mut("variants").and_then(Value::as_array_mut) {
            for v in variants {
                let variant_id = text(v, "id");
                let variant_name = text(v, "name");
                let vm = mapping.get(&variant_id).cloned();
                if vm.is_none() {
                    errors.push(MappingError::Variant {
                        order_item_id: item_id.clone(),
                        item_name: item_name.clone(),
                        variant_id,
                        variant_name,
                    });
                }
                v["external_id"] = Value::from(vm);
            }
        }
    }
    errors
}
