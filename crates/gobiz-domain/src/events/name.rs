//! The eleven event names of spec §9.1 and the routing facts that follow from a name alone.

use crate::model::Product;
use crate::order::OrderState;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// One of the eleven notification events (spec §9.1); its wire form is [`EventName::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventName {
    /// `gofood.order.created`.
    OrderCreated,
    /// `gofood.order.awaiting_merchant_acceptance`.
    OrderAwaitingMerchantAcceptance,
    /// `gofood.order.merchant_accepted`.
    OrderMerchantAccepted,
    /// `gofood.order.driver_otw_pickup`.
    OrderDriverOtwPickup,
    /// `gofood.order.driver_arrived`.
    OrderDriverArrived,
    /// `gofood.order.placed`.
    OrderPlaced,
    /// `gofood.order.completed`.
    OrderCompleted,
    /// `gofood.order.cancelled`.
    OrderCancelled,
    /// `gofood.order.webhook_error` (spec §9.13).
    OrderWebhookError,
    /// `gofood.catalog.menu_mapping_updated` (spec §9.14).
    CatalogMenuMappingUpdated,
    /// `payment.transaction.settlement` (spec §9.15).
    PaymentTransactionSettlement,
}

/// The family of an event: what it is about, which decides its scope, product and entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFamily {
    /// `gofood.order.*`: about one order.
    Order,
    /// `gofood.catalog.*`: about one catalog push.
    Catalog,
    /// `payment.*`: about one payment transaction.
    Payment,
}

impl EventName {
    /// Every event, in spec order.
    pub const ALL: [EventName; 11] = [
        EventName::OrderCreated,
        EventName::OrderAwaitingMerchantAcceptance,
        EventName::OrderMerchantAccepted,
        EventName::OrderDriverOtwPickup,
        EventName::OrderDriverArrived,
        EventName::OrderPlaced,
        EventName::OrderCompleted,
        EventName::OrderCancelled,
        EventName::OrderWebhookError,
        EventName::CatalogMenuMappingUpdated,
        EventName::PaymentTransactionSettlement,
    ];

    /// Wire name, e.g. `gofood.order.placed`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::OrderCreated => "gofood.order.created",
            EventName::OrderAwaitingMerchantAcceptance => {
                "gofood.order.awaiting_merchant_acceptance"
            }
            EventName::OrderMerchantAccepted => "gofood.order.merchant_accepted",
            EventName::OrderDriverOtwPickup => "gofood.order.driver_otw_pickup",
            EventName::OrderDriverArrived => "gofood.order.driver_arrived",
            EventName::OrderPlaced => "gofood.order.placed",
            EventName::OrderCompleted => "gofood.order.completed",
            EventName::OrderCancelled => "gofood.order.cancelled",
            EventName::OrderWebhookError => "gofood.order.webhook_error",
            EventName::CatalogMenuMappingUpdated => "gofood.catalog.menu_mapping_updated",
            EventName::PaymentTransactionSettlement => "payment.transaction.settlement",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<EventName> {
        EventName::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The event of entering order state `s`.
    pub fn of_order_state(s: OrderState) -> EventName {
        match s {
            OrderState::Created => EventName::OrderCreated,
            OrderState::AwaitingMerchantAcceptance => EventName::OrderAwaitingMerchantAcceptance,
            OrderState::MerchantAccepted => EventName::OrderMerchantAccepted,
            OrderState::DriverOtwPickup => EventName::OrderDriverOtwPickup,
            OrderState::DriverArrived => EventName::OrderDriverArrived,
            OrderState::Placed => EventName::OrderPlaced,
            OrderState::Completed => EventName::OrderCompleted,
            OrderState::Cancelled => EventName::OrderCancelled,
        }
    }

    /// The order state an order-status event reports; `None` for the other three.
    pub fn order_state(self) -> Option<OrderState> {
        OrderState::ALL
            .into_iter()
            .find(|s| EventName::of_order_state(*s) == self)
    }

    /// What the event is about.
    pub fn family(self) -> EventFamily {
        match self {
            EventName::CatalogMenuMappingUpdated => EventFamily::Catalog,
            EventName::PaymentTransactionSettlement => EventFamily::Payment,
            _ => EventFamily::Order,
        }
    }

    /// The product a link must cover for the event to reach a facilitator.
    pub fn product(self) -> Product {
        match self.family() {
            EventFamily::Payment => Product::Payment,
            EventFamily::Order | EventFamily::Catalog => Product::Gofood,
        }
    }

    /// The read scope a partner must hold to receive the event.
    pub fn read_scope(self) -> &'static str {
        match self.family() {
            EventFamily::Order => "gofood:order:read",
            EventFamily::Catalog => "gofood:catalog:read",
            EventFamily::Payment => "payment:transaction:read",
        }
    }

    /// The eight order-status events carry order items (mapped per partner, spec §9.13);
    /// `webhook_error` does not.
    pub fn carries_order_items(self) -> bool {
        self.order_state().is_some()
    }

    /// Where a body of this event holds its troubleshooting `entity_id` (spec §9.10): the
    /// order number, the catalog push's `request_id`, or the payment transaction id.
    pub fn entity_pointer(self) -> &'static str {
        match self.family() {
            EventFamily::Order => "/order/order_number",
            EventFamily::Catalog => "/request_id",
            EventFamily::Payment => "/transaction/id",
        }
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of the eleven events; its text is the validation message of
/// subscriptions and of `POST /sandbox/v1/events`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event {given}; valid events: {}", valid_events())]
pub struct UnknownEvent {
    /// What was given.
    pub given: String,
}

/// Every event name, in spec order, separated by `, `.
fn valid_events() -> String {
    EventName::ALL.map(EventName::as_str).join(", ")
}

impl FromStr for EventName {
    type Err = UnknownEvent;

    fn from_str(s: &str) -> Result<EventName, UnknownEvent> {
        EventName::parse(s).ok_or_else(|| UnknownEvent {
            given: s.to_string(),
        })
    }
}

impl Serialize for EventName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<EventName, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for EventName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A notification event (spec §9.1)."))
            .enum_values(Some(EventName::ALL.map(EventName::as_str)))
            .examples([EventName::OrderAwaitingMerchantAcceptance.as_str()])
            .into()
    }
}

impl utoipa::ToSchema for EventName {}
