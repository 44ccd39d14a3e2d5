//! The sandbox's view of an order (spec §10.2).

use gobiz_domain::events::{EventName, OrderEventBody};
use gobiz_domain::order::{Order, OrderState};
use gobiz_domain::timefmt::rfc3339_millis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One state change of a sandbox order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SandboxOrderEvent {
    /// The event emitted on entering the state.
    pub event: EventName,
    /// The state entered.
    pub status: OrderState,
    /// When (UTC, milliseconds).
    #[schema(format = DateTime, example = "2024-05-03T05:00:00.412Z")]
    pub at: String,
}

/// An order as the sandbox shows it: the webhook body of spec §9.12 (as the catalog names
/// things: `external_outlet_id` `null`, the catalog's `external_id`s) plus its timers and
/// history (spec §10.2).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SandboxOrder {
    /// The §9.12 body.
    #[serde(flatten)]
    pub body: OrderEventBody,
    /// When the acceptance timer fires, while the order awaits acceptance at an outlet not in
    /// `auto_accept` mode; `null` otherwise.
    #[schema(required = true, format = DateTime)]
    pub acceptance_deadline: Option<String>,
    /// When the merchant marked the food prepared.
    #[schema(required = true, format = DateTime)]
    pub food_prepared_at: Option<String>,
    /// Every state change, oldest first.
    pub events: Vec<SandboxOrderEvent>,
}

/// The typed sandbox view of an order (spec §10.2).
pub fn order_view(o: &Order) -> SandboxOrder {
    SandboxOrder {
        body: OrderEventBody::of(o),
        acceptance_deadline: o.acceptance_deadline().map(rfc3339_millis),
        food_prepared_at: o.food_prepared_at().map(rfc3339_millis),
        events: o
            .history()
            .iter()
            .map(|c| SandboxOrderEvent {
                event: c.status.event(),
                status: c.status,
                at: rfc3339_millis(c.at),
            })
            .collect(),
    }
}
