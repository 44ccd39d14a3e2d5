//! The sandbox's view of an order (spec §10.2).

use serde_json::{json, Value};

/// An order as the sandbox shows it: the §9.12 body plus timers and history (spec §10.2).
pub fn order(o: &gobiz_domain::order::Order) -> Value {
    use gobiz_domain::timefmt::rfc3339_millis;
    let mut v = gobiz_domain::events::Event::order_status(o).body();
    v["acceptance_deadline"] = json!(o.acceptance_deadline().map(rfc3339_millis));
    v["food_prepared_at"] = json!(o.food_prepared_at().map(rfc3339_millis));
    v["events"] = json!(o
        .history()
        .iter()
        .map(|c| json!({ "event": c.status.event(), "status": c.status.as_str(), "at": rfc3339_millis(c.at) }))
        .collect::<Vec<_>>());
    v
}

