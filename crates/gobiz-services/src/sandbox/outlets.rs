//! Sandbox outlets (spec §10.2): create, list, read and change any settable field.

use super::{conflict_on_duplicate, take_name, uuid};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Outlet;
use gobiz_domain::ids;
use gobiz_domain::model::{AcceptanceMode, OutletStatus};
use gobiz_domain::validation::{looks_like_email, Violations};
use gobiz_store::{merchants, outlets};
use serde::Deserialize;

/// `POST /sandbox/v1/merchants/{merchant_id}/outlets` and `PATCH /sandbox/v1/outlets/{id}`.
/// On creation `name` is required; on a change every field is optional and only the fields
/// sent change (`id` cannot be changed).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Kopi Senja Kemang", "address": "Jl. Kemang Raya 10, Jakarta", "email": "kemang@kopisenja.example", "acceptance_mode": "auto_accept", "qris_active": true, "gopay_active": true}))]
pub struct OutletFields {
    /// The outlet id to use, `G` and 9 digits (creation only; default: a random free one).
    #[schema(required = false, nullable = false, value_type = String, pattern = "^G[0-9]{9}$", example = "G000012345")]
    pub id: Option<String>,
    /// Name, 1 to 100 characters; required on creation.
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Address, up to 255 characters (default `""`).
    #[schema(required = false, nullable = false, value_type = String, max_length = 255)]
    pub address: Option<String>,
    /// An e-mail address or `""` (default `""`).
    #[schema(required = false, nullable = false, value_type = String, max_length = 254)]
    pub email: Option<String>,
    /// `active` (default) or `inactive`.
    #[schema(required = false, nullable = false, value_type = String, pattern = "^(active|inactive)$")]
    pub status: Option<String>,
    /// How new GoFood orders are accepted: `auto_accept` (default), `auto_accept_on_timeout`
    /// or `manual`.
    #[schema(required = false, nullable = false, value_type = String, pattern = "^(auto_accept|auto_accept_on_timeout|manual)$")]
    pub acceptance_mode: Option<String>,
    /// Closed on GoFood by force (default `false`): new orders are refused with 422.
    #[schema(required = false, nullable = false, value_type = bool)]
    pub force_close: Option<bool>,
    /// QRIS payments enabled (default `true`).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub qris_active: Option<bool>,
    /// GoPay enabled (default `true`).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub gopay_active: Option<bool>,
    /// The Midtrans application enabled (default `true`).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub midtrans_active: Option<bool>,
}

impl Services {
    fn check_outlet_fields(v: &mut Violations, f: &OutletFields, creating: bool) {
        if creating || f.name.is_some() {
            take_name(v, "name", &f.name);
        }
        v.text("address", f.address.as_deref(), 0, 255);
        if let Some(email) = f.email.as_deref() {
            if !email.is_empty() && (email.len() > 254 || !looks_like_email(email)) {
                v.add("email", "must be an e-mail address or empty");
            }
        }
        if let Some(id) = f.id.as_deref() {
            if !creating {
                v.add("id", "cannot be changed");
            } else if !ids::is_outlet_id_pattern(id) {
                v.add("id", "must be G followed by 9 digits");
            }
        }
        if let Some(m) = f.acceptance_mode.as_deref() {
            if AcceptanceMode::parse(m).is_none() {
                v.add(
                    "acceptance_mode",
                    format!("must be one of {}", AcceptanceMode::choices()),
                );
            }
        }
        if let Some(s) = f.status.as_deref() {
            if OutletStatus::parse(s).is_none() {
                v.add(
                    "status",
                    format!("must be one of {}", OutletStatus::choices()),
                );
            }
        }
    }

    /// Creates an outlet of a merchant.
    pub async fn create_outlet(&self, merchant_id: &str, f: OutletFields) -> ServiceResult<Outlet> {
        let mut v = Violations::new();
        Self::check_outlet_fields(&mut v, &f, true);
        v.finish()?;
        let mut tx = self.db.begin().await?;
        let merchant = merchants::get(&mut tx, merchant_id).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("Merchant with id: {merchant_id} is not found"))
        })?;
        let now = self.clock.now_ms();
        let id = match f.id.clone() {
            Some(id) => {
                if outlets::get(&mut tx, &id).await?.is_some() {
                    return Err(ServiceError::Conflict(format!(
                        "Outlet with id: {id} already exists"
                    )));
                }
                id
            }
            None => loop {
                let candidate = ids::new_outlet_id(&mut rand::thread_rng());
                if outlets::get(&mut tx, &candidate).await?.is_none() {
                    break candidate;
                }
            },
        };
        let outlet = Outlet {
            id: id.clone(),
            merchant_id: merchant.id.clone(),
            merchant_name: merchant.name.clone(),
            name: f.name.unwrap_or_default(),
            address: f.address.unwrap_or_default(),
            email: f.email.unwrap_or_default(),
            status: f
                .status
                .as_deref()
                .and_then(OutletStatus::parse)
                .unwrap_or(OutletStatus::Active),
            acceptance_mode: f
                .acceptance_mode
                .as_deref()
                .and_then(AcceptanceMode::parse)
                .unwrap_or(AcceptanceMode::AutoAccept),
            force_close: f.force_close.unwrap_or(false),
            qris_active: f.qris_active.unwrap_or(true),
            gopay_active: f.gopay_active.unwrap_or(true),
            midtrans_active: f.midtrans_active.unwrap_or(true),
            pop_id: uuid(),
            created_at: now,
            updated_at: now,
        };
        outlets::insert(&mut tx, &outlet)
            .await
            .map_err(conflict_on_duplicate(format!(
                "Outlet with id: {id} already exists"
            )))?;
        tx.commit().await?;
        self.forget_access();
        Ok(outlet)
    }

    /// Every outlet.
    pub async fn list_outlets(&self) -> ServiceResult<Vec<Outlet>> {
        Ok(outlets::list(&mut self.db.conn().await?).await?)
    }

    /// One outlet (row 6 when unknown).
    pub async fn get_outlet(&self, id: &str) -> ServiceResult<Outlet> {
        outlets::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| ServiceError::OutletNotFound(id.to_string()))
    }

    /// Changes any of an outlet's settable fields.
    pub async fn patch_outlet(&self, id: &str, f: OutletFields) -> ServiceResult<Outlet> {
        let mut v = Violations::new();
        Self::check_outlet_fields(&mut v, &f, false);
        v.finish()?;
        let mut tx = self.db.begin().await?;
        let mut o = outlets::get(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::OutletNotFound(id.to_string()))?;
        if let Some(x) = f.name {
            o.name = x;
        }
        if let Some(x) = f.address {
            o.address = x;
        }
        if let Some(x) = f.email {
            o.email = x;
        }
        if let Some(x) = f.status.as_deref().and_then(OutletStatus::parse) {
            o.status = x;
        }
        if let Some(x) = f.acceptance_mode.as_deref().and_then(AcceptanceMode::parse) {
            o.acceptance_mode = x;
        }
        if let Some(x) = f.force_close {
            o.force_close = x;
        }
        if let Some(x) = f.qris_active {
            o.qris_active = x;
        }
        if let Some(x) = f.gopay_active {
            o.gopay_active = x;
        }
        if let Some(x) = f.midtrans_active {
            o.midtrans_active = x;
        }
        o.updated_at = self.clock.now_ms();
        outlets::update(&mut tx, &o).await?;
        tx.commit().await?;
        self.forget_access();
        Ok(o)
    }
}
