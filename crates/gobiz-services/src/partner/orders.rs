//! The partner's POS acting on GoFood orders (spec §5.6–§5.8): accept, reject, food ready.

use crate::access::Principal;
use crate::order_flow::{on_path, record_since, wrong_state};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::model::Product;
use gobiz_domain::order::OrderType;
use gobiz_domain::validation::Violations;
use serde::Deserialize;

const REASON_CODES: [&str; 4] = [
    "HIGH_DEMAND",
    "RESTAURANT_CLOSED",
    "ITEMS_OUT_OF_STOCK",
    "OTHERS",
];
/// Body of `.../cancelled` (spec §5.7).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"cancel_reason_code": "ITEMS_OUT_OF_STOCK", "cancel_reason_description": "One of the items is not available"}))]
pub struct RejectBody {
    /// Why the merchant rejects the order.
    #[schema(required = true, nullable = false, value_type = String,
        pattern = "^(HIGH_DEMAND|RESTAURANT_CLOSED|ITEMS_OUT_OF_STOCK|OTHERS)$")]
    pub cancel_reason_code: Option<String>,
    /// The reason in words, 3 to 200 characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 3, max_length = 200)]
    pub cancel_reason_description: Option<String>,
}

/// Body of `.../food-prepared` (spec §5.8).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"country_code": "ID"}))]
pub struct PreparedBody {
    /// Two upper-case letters; every known client sends `ID`.
    #[schema(required = false, nullable = false, value_type = String, pattern = "^[A-Z]{2}$")]
    pub country_code: Option<String>,
}

impl Services {
    async fn partner_order(&self, who: &Principal, outlet_id: &str) -> ServiceResult<()> {
        who.require_scope("gofood:order:write")?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        Ok(())
    }

    /// `PUT .../accepted` (spec §5.6): idempotent once accepted.
    pub async fn accept_order(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        order_type: Option<OrderType>,
        number: &OrderNumber,
    ) -> ServiceResult<()> {
        self.partner_order(who, outlet_id).await?;
        self.mutate(number, |o, now, steps| {
            on_path(o, outlet_id, order_type, number)?;
            let from = o.history().len();
            o.accept(now)
                .map_err(|e| wrong_state(number, "accepted", e))?;
            record_since(o, from, steps);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `PUT .../cancelled` (spec §5.7): only while awaiting acceptance.
    pub async fn reject_order(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        order_type: Option<OrderType>,
        number: &OrderNumber,
        body: ServiceResult<RejectBody>,
    ) -> ServiceResult<()> {
        self.partner_order(who, outlet_id).await?;
        let b = body?;
        let mut v = Violations::new();
        match b.cancel_reason_code.as_deref() {
            None => v.add("cancel_reason_code", "is required"),
            Some(c) if !REASON_CODES.contains(&c) => v.add(
                "cancel_reason_code",
                format!("must be one of {}", REASON_CODES.join(", ")),
            ),
            Some(_) => {}
        }
        v.text(
            "cancel_reason_description",
            b.cancel_reason_description.as_deref(),
            3,
            200,
        );
        v.finish()?;
        let (code, description) = (
            b.cancel_reason_code.unwrap_or_default(),
            b.cancel_reason_description.unwrap_or_default(),
        );
        self.mutate(number, |o, now, steps| {
            on_path(o, outlet_id, order_type, number)?;
            let from = o.history().len();
            o.reject(&description, &code, now)
                .map_err(|e| wrong_state(number, "rejected", e))?;
            record_since(o, from, steps);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `PUT .../food-prepared` (spec §5.8): records the time; no state change, no event.
    pub async fn food_prepared(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        order_type: Option<OrderType>,
        number: &OrderNumber,
        body: ServiceResult<PreparedBody>,
    ) -> ServiceResult<()> {
        self.partner_order(who, outlet_id).await?;
        let b = body?;
        if let Some(cc) = b.country_code.as_deref() {
            if cc.len() != 2 || !cc.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(ServiceError::invalid(
                    "country_code",
                    "must be two upper-case letters",
                ));
            }
        }
        self.mutate(number, |o, now, _| {
            on_path(o, outlet_id, order_type, number)?;
            o.food_prepared(now)
                .map_err(|e| wrong_state(number, "marked as prepared", e))
        })
        .await?;
        Ok(())
    }
}
