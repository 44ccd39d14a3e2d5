//! The driver simulator (spec §10.3): takes an accepted delivery order and walks it on.

use crate::order_flow::{record_since, wrong_state};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::ids::OrderNumber;
use gobiz_domain::order::{Order, OrderState};
use serde::Deserialize;

/// Body of `POST /sandbox/v1/orders/{order_number}/advance` (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"to": "COMPLETED"}))]
pub struct AdvanceBody {
    /// The state to walk to through every state before it, e.g. `MERCHANT_ACCEPTED`,
    /// `DRIVER_OTW_PICKUP`, `COMPLETED` (default: only the next state).
    #[schema(required = false, nullable = false, value_type = String)]
    pub to: Option<String>,
}

/// Body of `POST /sandbox/v1/orders/{order_number}/driver` (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Agus"}))]
pub struct DriverBody {
    /// The driver's name, 1 to 100 characters (default `GoFood Driver`).
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
}

impl Services {
    /// Sandbox: the next step, or every step up to `to` (409 when not reachable).
    pub async fn advance_order(
        &self,
        number: &OrderNumber,
        to: Option<&str>,
    ) -> ServiceResult<Order> {
        let target = match to {
            None => None,
            Some(t) => Some(OrderState::parse(t).ok_or_else(|| {
                ServiceError::invalid(
                    "to",
                    "must be an order state such as MERCHANT_ACCEPTED or COMPLETED",
                )
            })?),
        };
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let mut probe = o.clone();
                let mut sequence = Vec::new();
                loop {
                    let from = probe.history().len();
                    probe.advance(now).map_err(|e| {
                        ServiceError::Conflict(format!(
                            "Order {number} cannot advance{} from state {}",
                            target
                                .map(|t| format!(" to {}", t.as_str()))
                                .unwrap_or_default(),
                            e.0.as_str()
                        ))
                    })?;
                    record_since(&probe, from, &mut sequence);
                    match target {
                        None => break,
                        Some(t) if probe.state() == t => break,
                        Some(_) if probe.state().is_final() => {
                            return Err(ServiceError::Conflict(format!(
                                "Order {number} cannot reach {} from state {}",
                                target.map(|t| t.as_str()).unwrap_or_default(),
                                o.state().as_str()
                            )))
                        }
                        Some(_) => {}
                    }
                }
                *o = probe;
                steps.extend(sequence);
                Ok(())
            })
            .await?;
        Ok(order)
    }

    /// Sandbox: a driver takes a delivery order in `MERCHANT_ACCEPTED`.
    pub async fn assign_driver(
        &self,
        number: &OrderNumber,
        name: Option<&str>,
    ) -> ServiceResult<Order> {
        let name = name.unwrap_or("GoFood Driver").to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid("name", "must be 1 to 100 characters"));
        }
        let (order, _) = self
            .mutate(number, |o, now, steps| {
                let from = o.history().len();
                o.assign_driver(&name, now)
                    .map_err(|e| wrong_state(number, "given a driver", e))?;
                record_since(o, from, steps);
                Ok(())
            })
            .await?;
        Ok(order)
    }
}
