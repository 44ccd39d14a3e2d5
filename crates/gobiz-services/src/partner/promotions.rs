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
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_store::promotions;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

// The answer types below declare their fields in alphabetical order: the order in which the
// answers have always been serialized (and stored for idempotent replays). Keep it.

/// A promotion's terms (spec §6.1): the `promo_detail` of a create request and of the detail
/// answer (§6.5), where absent optional fields are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"start_date": "2020-09-04", "end_date": "2020-09-07", "start_time": "14:00:00", "end_time": "16:00:00", "selling_price": 2500, "external_menu_id": "XID", "applicable_days": ["sunday", "monday"]}))]
pub struct PromoDetail {
    /// Lower-case day names (`sunday` … `saturday`), no duplicates; absent = every day.
    #[schema(example = json!(["sunday", "monday"]))]
    pub applicable_days: Option<Vec<String>>,
    /// Last day, `YYYY-MM-DD` (Asia/Jakarta); at most 90 days after `start_date`.
    #[schema(format = Date, example = "2020-09-07")]
    pub end_date: String,
    /// End of the daily window, `HH:mm:ss`; with `start_time` or not at all.
    #[schema(
        pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        example = "16:00:00"
    )]
    pub end_time: Option<String>,
    /// The catalog item's `external_id`.
    #[schema(min_length = 1, max_length = 100, example = "XID")]
    pub external_menu_id: String,
    /// The price the customer pays, IDR: at least 1 and at least 10% below the item price.
    #[schema(example = 2500)]
    pub selling_price: i64,
    /// First day, `YYYY-MM-DD` (Asia/Jakarta), today or later.
    #[schema(format = Date, example = "2020-09-04")]
    pub start_date: String,
    /// Start of the daily window, `HH:mm:ss`; with `end_time` or not at all.
    #[schema(
        pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        example = "14:00:00"
    )]
    pub start_time: Option<String>,
}

/// One promotion of a create request (spec §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"promo_type": "sku_promo", "promo_detail": {"start_date": "2020-09-04", "end_date": "2020-09-07", "start_time": "14:00:00", "end_time": "16:00:00", "selling_price": 2500, "external_menu_id": "XID", "applicable_days": ["sunday", "monday"]}}))]
pub struct NewPromotion {
    /// Only `sku_promo`.
    #[schema(pattern = "^sku_promo$", example = "sku_promo")]
    pub promo_type: String,
    /// The terms.
    pub promo_detail: PromoDetail,
}

/// The body of a create (spec §6.3): one promotion object, or an array of 1 to 50.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!({"promo_type": "sku_promo", "promo_detail": {"start_date": "2020-09-04", "end_date": "2020-09-07", "start_time": "14:00:00", "end_time": "16:00:00", "selling_price": 2500, "external_menu_id": "XID", "applicable_days": ["sunday", "monday"]}}))]
pub enum NewPromotions {
    /// One promotion.
    One(NewPromotion),
    /// 1 to 50 promotions.
    Many(Vec<NewPromotion>),
}

/// The outcome of one promotion of a create (spec §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PromotionOutcome {
    /// `null` when created; else why not (a business rule of spec §6.3), e.g.
    /// `Item is not active`.
    #[schema(required = true, example = json!(null))]
    pub errors: Option<String>,
    /// The item.
    #[schema(example = "XID")]
    pub external_menu_id: String,
    /// The new promotion's id; `null` when refused.
    #[schema(required = true, example = "5b0c8d3e-2f4a-4b8e-9c1d-7e6f5a4b3c2d")]
    pub id: Option<String>,
}

/// `data` of a create (spec §6.3): one entry per promotion of the request, in `success` or
/// in `failure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"success": [{"id": "5b0c8d3e-2f4a-4b8e-9c1d-7e6f5a4b3c2d", "external_menu_id": "XID", "errors": null}], "failure": [{"id": null, "external_menu_id": "YID", "errors": "Item is not active"}]}))]
pub struct PromotionsCreated {
    /// The refused ones, with the reason in `errors`.
    pub failure: Vec<PromotionOutcome>,
    /// The created ones, with their `id`.
    pub success: Vec<PromotionOutcome>,
}

/// One promotion of the list (spec §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PromotionSummary {
    /// Last day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub end_date: String,
    /// The item.
    pub external_menu_id: String,
    /// Promotion id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// First day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub start_date: String,
    /// Status now.
    pub status: PromoStatus,
}

impl PromotionSummary {
    /// `p` as the list shows it at `now`.
    pub fn of(p: &Promotion, now: i64) -> PromotionSummary {
        PromotionSummary {
            id: p.id.clone(),
            start_date: p.start_date.clone(),
            end_date: p.end_date.clone(),
            status: p.status(now),
            external_menu_id: p.external_menu_id.clone(),
        }
    }
}

/// `data` of the list (spec §6.4): newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"promotions": [{"id": "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8", "start_date": "2020-09-04", "end_date": "2020-09-04", "status": "created", "external_menu_id": "XID"}], "total_count": 100, "limit": 10, "page": 2}))]
pub struct PromotionList {
    /// The page size used.
    pub limit: u64,
    /// The page number used.
    pub page: u64,
    /// The page; empty past the end.
    pub promotions: Vec<PromotionSummary>,
    /// Promotions of the outlet in all.
    pub total_count: i64,
}

/// A promotion in full (spec §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PromotionView {
    /// Creation (UTC).
    #[schema(format = DateTime, example = "2020-09-01T03:00:00Z")]
    pub created_at: String,
    /// Last day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub end_date: String,
    /// Promotion id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// The terms; absent optional fields are `null`.
    pub promo_detail: PromoDetail,
    /// Always `sku_promo`.
    #[schema(example = "sku_promo")]
    pub promo_type: &'static str,
    /// First day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub start_date: String,
    /// Status now.
    pub status: PromoStatus,
    /// Last change (UTC).
    #[schema(format = DateTime, example = "2020-09-01T03:00:00Z")]
    pub updated_at: String,
}

impl PromotionView {
    /// `p` in full at `now`.
    pub fn of(p: &Promotion, now: i64) -> PromotionView {
        PromotionView {
            id: p.id.clone(),
            promo_type: "sku_promo",
            status: p.status(now),
            start_date: p.start_date.clone(),
            end_date: p.end_date.clone(),
            promo_detail: PromoDetail {
                start_date: p.start_date.clone(),
                end_date: p.end_date.clone(),
                start_time: p.start_time.clone(),
                end_time: p.end_time.clone(),
                selling_price: p.selling_price,
                external_menu_id: p.external_menu_id.clone(),
                applicable_days: p.applicable_days.clone(),
            },
            created_at: rfc3339_seconds(p.created_at),
            updated_at: rfc3339_seconds(p.updated_at),
        }
    }
}

/// `data` of the detail (spec §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"promotion": {"id": "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8", "promo_type": "sku_promo", "status": "active", "start_date": "2020-09-04", "end_date": "2020-09-07", "promo_detail": {"start_date": "2020-09-04", "end_date": "2020-09-07", "start_time": "14:00:00", "end_time": "16:00:00", "selling_price": 2500, "external_menu_id": "XID", "applicable_days": ["sunday", "monday"]}, "created_at": "2020-09-01T03:00:00Z", "updated_at": "2020-09-01T03:00:00Z"}}))]
pub struct PromotionDetail {
    /// The promotion.
    pub promotion: PromotionView,
}

/// Serializes a create's answer for the idempotency store.
fn to_data<T: Serialize>(data: &T) -> ServiceResult<Value> {
    serde_json::to_value(data).map_err(|e| ServiceError::Internal(e.to_string()))
}

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
                failure.push(PromotionOutcome {
                    id: None,
                    external_menu_id: d.external_menu_id,
                    errors: Some(text.to_string()),
                });
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
            success.push(PromotionOutcome {
                id: Some(p.id.clone()),
                external_menu_id: p.external_menu_id.clone(),
                errors: None,
            });
            existing.push(p);
        }
        let data = to_data(&PromotionsCreated { failure, success })?;
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
