//! [`Event`]: one webhook event with everything that routes it and the one place its body is
//! written (spec §9.12–§9.15).

use super::body::{
    MappingErrorEntry, OrderEventBody, SettlementBody, WebhookErrorBody, WebhookErrorOrder,
};
use super::mapping::MappingError;
use super::name::EventName;
use crate::catalog::Catalog;
use crate::model::Product;
use crate::order::Order;
use crate::payment::Transaction;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The `outlet` of an order or catalog body: the GoBiz id and the recipient's link id
/// (`null` until set per recipient).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventOutlet {
    /// GoBiz outlet id.
    #[schema(example = "G000012345")]
    pub id: String,
    /// The recipient's `external_outlet_id` (from its link); `null` for a direct integration.
    #[serde(default)]
    #[schema(required = true, example = "store-17")]
    pub external_outlet_id: Option<String>,
}

impl EventOutlet {
    /// The outlet `id`, its link id not set yet.
    pub fn unlinked(id: &str) -> EventOutlet {
        EventOutlet {
            id: id.to_string(),
            external_outlet_id: None,
        }
    }
}

/// `gofood.order.webhook_error` (spec §9.13): what a partner's menu mapping lacks for an order
/// event it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookError {
    /// The order event whose items could not all be mapped.
    pub failed_event: EventName,
    /// `gofood` or `gofood_pickup`.
    pub service_type: Option<String>,
    /// The outlet as the failed event named it for this partner.
    pub outlet: Option<EventOutlet>,
    /// The order.
    pub order_number: Option<String>,
    /// The order state the failed event reported.
    pub order_status: Option<String>,
    /// What is missing.
    pub errors: Vec<MappingError>,
}

impl WebhookError {
    /// The error about `failed`, whose body as delivered to the partner (outlet and mapping
    /// applied) is `delivered`.
    pub fn after(failed: EventName, delivered: &Value, errors: Vec<MappingError>) -> WebhookError {
        let text = |p: &str| {
            delivered
                .pointer(p)
                .and_then(Value::as_str)
                .map(String::from)
        };
        WebhookError {
            failed_event: failed,
            service_type: text("/service_type"),
            outlet: delivered
                .get("outlet")
                .and_then(|o| serde_json::from_value(o.clone()).ok()),
            order_number: text("/order/order_number"),
            order_status: text("/order/status"),
            errors,
        }
    }

    /// The payload body (spec §9.13).
    pub fn body(&self) -> WebhookErrorBody {
        WebhookErrorBody {
            service_type: self.service_type.clone(),
            outlet: self.outlet.clone(),
            order: WebhookErrorOrder {
                order_number: self.order_number.clone(),
                status: self.order_status.clone(),
            },
            failed_event_name: self.failed_event,
            errors: self.errors.iter().map(MappingErrorEntry::from).collect(),
        }
    }
}

/// An id pair of a menu mapping: GoBiz id → the partner's `external_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MappedId {
    /// GoBiz id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The partner's id.
    #[schema(example = "XID")]
    pub external_id: String,
}

/// A menu of a mapping, with its items' ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MappedMenu {
    /// GoBiz menu id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Menu name.
    #[schema(example = "Pizza")]
    pub name: String,
    /// Its items: GoBiz item id ↔ the partner's id.
    pub menu_items: Vec<MappedId>,
}

/// A variant category of a mapping, with its variants' ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MappedCategory {
    /// GoBiz category id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The partner's id.
    #[schema(example = "VC-XID")]
    pub external_id: String,
    /// Its variants: GoBiz variant id ↔ the partner's id.
    pub variants: Vec<MappedId>,
}

/// `gofood.catalog.menu_mapping_updated` (spec §9.14): the ids GoBiz gave a partner's push;
/// this is the payload body as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MenuMappingUpdated {
    /// The push's `request_id` (or the one generated for it).
    #[schema(format = "uuid")]
    pub request_id: String,
    /// The outlet, with the pushing partner's link id.
    pub outlet: EventOutlet,
    /// Menus and their items.
    pub menus: Vec<MappedMenu>,
    /// Variant categories and their variants.
    pub variant_categories: Vec<MappedCategory>,
}

/// The stored menu mapping of a partner at an outlet: the ids of its last push.
#[derive(Debug, Clone, Serialize)]
struct MappingDocument<'a> {
    menus: &'a [MappedMenu],
    variant_categories: &'a [MappedCategory],
}

impl MenuMappingUpdated {
    /// The mapping of `catalog`, pushed for `outlet_id` by a partner whose link names the
    /// outlet `external_outlet_id`.
    pub fn of(
        catalog: &Catalog,
        outlet_id: &str,
        external_outlet_id: Option<String>,
    ) -> MenuMappingUpdated {
        MenuMappingUpdated {
            request_id: catalog.request_id.clone(),
            outlet: EventOutlet {
                id: outlet_id.to_string(),
                external_outlet_id,
            },
            menus: catalog
                .menus
                .iter()
                .map(|m| MappedMenu {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    menu_items: m
                        .menu_items
                        .iter()
                        .map(|i| MappedId {
                            id: i.id.clone(),
                            external_id: i.external_id.clone(),
                        })
                        .collect(),
                })
                .collect(),
            variant_categories: catalog
                .variant_categories
                .iter()
                .map(|vc| MappedCategory {
                    id: vc.id.clone(),
                    external_id: vc.external_id.clone(),
                    variants: vc
                        .variants
                        .iter()
                        .map(|v| MappedId {
                            id: v.id.clone(),
                            external_id: v.external_id.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The stored menu mapping of the partner: `menus` and `variant_categories`.
    pub fn mapping_document(&self) -> Value {
        serde_json::to_value(MappingDocument {
            menus: &self.menus,
            variant_categories: &self.variant_categories,
        })
        .unwrap_or(Value::Null)
    }
}

/// The typed body of an event (spec §9.12–§9.15), serialized as the body itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventBody {
    /// The eight order-status events (spec §9.12).
    Order(Box<OrderEventBody>),
    /// `gofood.order.webhook_error` (spec §9.13).
    WebhookError(WebhookErrorBody),
    /// `gofood.catalog.menu_mapping_updated` (spec §9.14).
    MenuMappingUpdated(MenuMappingUpdated),
    /// `payment.transaction.settlement` (spec §9.15).
    Settlement(SettlementBody),
    /// A body a sandbox caller supplied, as given.
    Custom(Value),
}

/// One webhook event: its name, routing facts and body all come from here.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// One of the eight order-status events: the order as it stands (spec §9.12); the name is
    /// the event of its state.
    OrderStatus(Box<Order>),
    /// `gofood.order.webhook_error` (spec §9.13).
    WebhookError(WebhookError),
    /// `gofood.catalog.menu_mapping_updated` (spec §9.14).
    MenuMappingUpdated(MenuMappingUpdated),
    /// `payment.transaction.settlement` of a transaction (spec §9.15).
    Settlement(Box<Transaction>),
    /// Any event with the body a sandbox caller supplied (`POST /sandbox/v1/events`).
    Custom {
        /// The event.
        name: EventName,
        /// Its body, as given.
        body: Value,
    },
}

impl Event {
    /// The order-status event of `order` as it stands.
    pub fn order_status(order: &Order) -> Event {
        Event::OrderStatus(Box::new(order.clone()))
    }

    /// The settlement event of `transaction` as it stands.
    pub fn settlement(transaction: &Transaction) -> Event {
        Event::Settlement(Box::new(transaction.clone()))
    }

    /// The event's name.
    pub fn name(&self) -> EventName {
        match self {
            Event::OrderStatus(o) => EventName::of_order_state(o.state()),
            Event::WebhookError(_) => EventName::OrderWebhookError,
            Event::MenuMappingUpdated(_) => EventName::CatalogMenuMappingUpdated,
            Event::Settlement(_) => EventName::PaymentTransactionSettlement,
            Event::Custom { name, .. } => *name,
        }
    }

    /// The product a link must cover for the event to reach a facilitator.
    pub fn product(&self) -> Product {
        self.name().product()
    }

    /// The read scope a partner must hold to receive the event.
    pub fn read_scope(&self) -> &'static str {
        self.name().read_scope()
    }

    /// The troubleshooting `entity_id` (spec §9.10): the order number, the catalog push's
    /// `request_id`, or the transaction id; for a supplied body, what it holds at the
    /// event's pointer (`""` when absent).
    pub fn entity_id(&self) -> String {
        match self {
            Event::OrderStatus(o) => o.order_number().to_string(),
            Event::WebhookError(e) => e.order_number.clone().unwrap_or_default(),
            Event::MenuMappingUpdated(m) => m.request_id.clone(),
            Event::Settlement(t) => t.id().to_string(),
            Event::Custom { name, body } => body
                .pointer(name.entity_pointer())
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// The catalog push's `request_id`, if the event has one (a supplied body: its
    /// top-level `request_id`).
    pub fn request_id(&self) -> Option<String> {
        match self {
            Event::MenuMappingUpdated(m) => Some(m.request_id.clone()),
            Event::Custom { body, .. } => body
                .get("request_id")
                .and_then(Value::as_str)
                .map(String::from),
            _ => None,
        }
    }

    /// The typed payload `body`. Order and catalog bodies name the outlet's
    /// `external_outlet_id` (order bodies `null`), which each recipient gets from its link;
    /// order items carry the catalog's `external_id`s, which each recipient gets from its
    /// mapping.
    pub fn typed_body(&self) -> EventBody {
        match self {
            Event::OrderStatus(o) => EventBody::Order(Box::new(OrderEventBody::of(o))),
            Event::WebhookError(e) => EventBody::WebhookError(e.body()),
            Event::MenuMappingUpdated(m) => EventBody::MenuMappingUpdated(m.clone()),
            Event::Settlement(t) => EventBody::Settlement(SettlementBody::of(t)),
            Event::Custom { body, .. } => EventBody::Custom(body.clone()),
        }
    }

    /// The payload `body` as a JSON value ([`Event::typed_body`]), which the outbox adapts
    /// per recipient (link id, menu mapping) and sends as text.
    pub fn body(&self) -> Value {
        serde_json::to_value(self.typed_body()).unwrap_or(Value::Null)
    }
}
