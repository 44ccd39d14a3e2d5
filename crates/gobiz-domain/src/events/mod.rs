//! The eleven notification events of spec §9.1: [`EventName`] and what routes it, and
//! [`Event`], the one place each webhook body is written, as the typed payloads
//! ([`Payload`], [`OrderEventBody`], [`WebhookErrorBody`], [`MenuMappingUpdated`],
//! [`SettlementBody`]; spec §9.11–§9.15).

mod body;
mod event;
mod mapping;
mod name;
#[cfg(test)]
mod tests;

pub use body::{
    EventCancellation, EventCustomer, EventDriver, EventHeader, EventOrder, EventOrderItem,
    EventOrderVariant, EventPromotion, EventScheduledFlag, MappingErrorEntry, OrderEventBody,
    Payload, SettlementBody, SettlementOutlet, SettlementTransaction, WebhookErrorBody,
    WebhookErrorOrder, PAYLOAD_VERSION,
};
pub use event::{
    Event, EventBody, EventOutlet, MappedCategory, MappedId, MappedMenu, MenuMappingUpdated,
    WebhookError,
};
pub use mapping::{
    apply_menu_mapping, has_order_items, set_external_outlet_id, MappingError,
    MENU_MAPPING_NOT_FOUND,
};
pub use name::{EventFamily, EventName, UnknownEvent};
