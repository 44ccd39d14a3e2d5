//! GoFood SKU promotions (spec §6): create with `X-Idempotency-Key`, list, detail,
//! deactivate, delete. Status follows the clock; orders pick active promotions up.

use super::Page;
use crate::access::Principal;
use crate::idempotency::{IdempotencyPolicy, IdempotentResponse, NextAction};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::ids::{OutletId, PromotionId};
use gobiz_domain::local_time::JakartaTime;
use gobiz_domain::model::Product;
use gobiz_domain::promo::{business_check, parse_draft, PromoDraft, PromoStatus, Promotion};
use gobiz_store::promotions;
use serde_json::{json, Value};

/// The header carrying the key of a create (the route reads it by this name).
pub const IDEMPOTENCY_HEADER: &str = "X-Idempotency-Key";

/// `X-Idempotency-Key` (spec §6.3): the same key with a different body is refused.
static IDEMPOTENCY: IdempotencyPolicy = IdempotencyPolicy {
    header: IDEMPOTENCY_HEADER,
    is_key,
    key_rule: "must be 1 to 36 of A-Z a-z 0-9 -",
    namespace: "",
    body_matters: true,
    retention_ms: 30 * 24 * 3_600_000,
};

fn is_key(k: &str) -> bool {
    (1..=36).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("Promotion with id: {id} is not found"))
}

impl Services {
    async fn promo_access(
        &self,
        who: &Principal,
        outlet_id: &str,
        scope: &str,
    ) -> ServiceResult<()> {
        who.require_scope(scope)?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        Ok(())
    }

    /// `POST .../food-promos` (spec §6.3).
    pub async fn create_promotions(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        key: Option<&str>,
        body: ServiceResult<Value>,
    ) -> ServiceResult<IdempotentResponse> {
        self.promo_access(who, outlet_id, "promo:food_promo:write")
            .await?;
        let key = IDEMPOTENCY.key(key)?;
        let raw = body?;
        let entries: Vec<(&Value, String)> = match &raw {
            Value::Array(list) => {
                if list.is_empty() || list.len() > 50 {
                    return Err(ServiceError::invalid(
                        "body",
                        "must hold 1 to 50 promotions",
                    ));
                }
                list.iter()
                    .enumerate()
                    .map(|(i, v)| (v, format!("[{i}].")))
                    .collect()
            }
            other => vec![(other, String::new())],
        };
        let mut drafts: Vec<PromoDraft> = Vec::new();
        let mut violations = Vec::new();
        for (v, path) in &entries {
            match parse_draft(v, path) {
                Ok(d) => drafts.push(d),
                Err(mut e) => violations.append(&mut e),
            }
        }
        if !violations.is_empty() {
            violations.truncate(50);
            return Err(ServiceError::Invalid(violations));
        }
        let now = self.clock.now_ms();
        let idem = IDEMPOTENCY.request(&who.client_id, outlet_id, key, &raw, now);
        if let Some(saved) = idem.replay(&mut self.db.conn().await?).await? {
            return Ok(saved);
        }
        let catalog = self.catalog_of(outlet_id).await?;
        let mut tx = self.db.begin().await?;
        if let NextAction::ReturnSaved(saved) = idem.begin(&mut tx).await? {
            return Ok(saved);
        }
        // The overlap rule reads before it writes: one creator per outlet at a time.
        gobiz_store::outlets::lock(&mut tx, outlet_id).await?;
        let mut existing = promotions::of_outlet(&mut tx, outlet_id, None).await?;
        let today = JakartaTime::at(now).date();
        let mut success = Vec::new();
        let mut failure = Vec::new();
        for d in drafts {
            let item_price = catalog.as_ref().and_then(|c| {
                c.menus
                    .iter()
                    .flat_map(|m| &m.menu_items)
                    .find(|i| i.external_id == d.external_menu_id && i.in_stock)
                    .map(|i| i.price)
            });
            let mut problem = business_check(&d, item_price, today);
            if problem.is_none()
                && existing.iter().any(|p| {
                    p.external_menu_id == d.external_menu_id
                        && p.blocks(d.start_date, d.end_date, now)
                })
            {
                problem = Some("Item already has a promotion in this period");
            }
            if let Some(text) = problem {
                failure.push(
                    json!({ "id": null, "external_menu_id": d.external_menu_id, "errors": text }),
                );
                continue;
            }
            let fmt_time = |s: u32| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
            let p = Promotion {
                id: uuid::Uuid::new_v4().to_string(),
                outlet_id: outlet_id.to_string(),
                external_menu_id: d.external_menu_id.clone(),
                selling_price: d.selling_price,
                start_date: d.start_date.to_string(),
                end_date: d.end_date.to_string(),
                start_time: d.window.map(|(a, _)| fmt_time(a)),
                end_time: d.window.map(|(_, b)| fmt_time(b)),
                applicable_days: d.applicable_days.clone(),
                deactivated_at: None,
                created_at: now,
                updated_at: now,
            };
            promotions::insert(&mut tx, &p).await?;
            success.push(
                json!({ "id": p.id, "external_menu_id": p.external_menu_id, "errors": null }),
            );
            existing.push(p);
        }
        let data = json!({ "success": success, "failure": failure });
        let first = idem.complete(&mut tx, data).await?;
        tx.commit().await?;
        Ok(first)
    }

    /// `GET .../food-promos` (spec §6.4).
    pub async fn list_promotions(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        page: ServiceResult<Page>,
    ) -> ServiceResult<(Vec<Promotion>, i64, Page)> {
        self.promo_access(who, outlet_id, "promo:food_promo:read")
            .await?;
        let page = page?;
        let offset = page.offset();
        let (list, total) =
            promotions::page(&mut self.db.conn().await?, outlet_id, page.per, offset).await?;
        Ok((list, total, page))
    }

    /// `GET .../food-promos/{id}` (spec §6.5).
    pub async fn get_promotion(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        id: &PromotionId,
    ) -> ServiceResult<Promotion> {
        self.promo_access(who, outlet_id, "promo:food_promo:read")
            .await?;
        promotions::get(&mut self.db.conn().await?, outlet_id, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// `PUT .../food-promos/{id}/deactivate` (spec §6.7).
    pub async fn deactivate_promotion(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        id: &PromotionId,
    ) -> ServiceResult<()> {
        self.promo_access(who, outlet_id, "promo:food_promo:write")
            .await?;
        let mut tx = self.db.begin().await?;
        let mut p = promotions::get(&mut tx, outlet_id, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let now = self.clock.now_ms();
        let status = p.status(now);
        if !matches!(status, PromoStatus::Created | PromoStatus::Active) {
            return Err(ServiceError::Conflict(format!(
                "Promotion {id} cannot be deactivated in status {}",
                status.as_str()
            )));
        }
        p.deactivated_at = Some(now);
        p.updated_at = now;
        promotions::update(&mut tx, &p).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `DELETE .../food-promos/{id}` (spec §6.6).
    pub async fn delete_promotion(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        id: &PromotionId,
    ) -> ServiceResult<()> {
        self.promo_access(who, outlet_id, "promo:food_promo:write")
            .await?;
        if promotions::delete(&mut self.db.conn().await?, outlet_id, id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }
}
