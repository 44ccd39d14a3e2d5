//! Reset and the `--demo` data set (spec §10.2): delete everything, seed the documented
//! demo identities, and the sandbox admin token.

use super::{
    ClientWithSecret, NewClient, NewMerchant, NewPartner, NewRole, NewUser, OutletFields,
    PartnerWithSecret,
};
use crate::{ServiceResult, Services};
use gobiz_domain::entities::{Merchant, Outlet, User};
use gobiz_domain::ids::{ExternalOutletId, OutletId};
use gobiz_domain::model::Product;
use gobiz_store::{maintenance, settings};
use serde::Deserialize;

/// `POST /sandbox/v1/reset`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"demo": true}))]
pub struct ResetRequest {
    /// Restore the `--demo` data set (its fixed ids and secrets) after deleting everything
    /// (default `false`).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub demo: Option<bool>,
}

/// Everything `seed` created.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Demo merchant.
    pub merchant: Merchant,
    /// Demo outlet (linked to the partner for both products).
    pub outlet: Outlet,
    /// Owner user.
    pub user: User,
    /// Facilitator partner.
    pub partner: PartnerWithSecret,
    /// Its confidential client.
    pub client: ClientWithSecret,
}

/// Fixed identities of the `--demo` data set, so the README's walk-through works verbatim.
pub mod demo {
    /// Demo client id.
    pub const CLIENT_ID: &str = "demo-pos-client";
    /// Demo client secret (sandbox only; 43 base64url characters).
    pub const CLIENT_SECRET: &str = "demo-pos-secret-change-me-0123456789abcdefg";
    /// Demo outlet id.
    pub const OUTLET_ID: &str = "G000012345";
    /// The demo partner's own id for the demo outlet.
    pub const EXTERNAL_OUTLET_ID: &str = "demo-pos-outlet-1";
    /// Demo owner phone.
    pub const PHONE: &str = "+6281234567890";
    /// The sandbox admin token of a database first started with `--demo` (no token
    /// configured), so the README's `ADMIN` header works as written. Like the demo client's
    /// secret, it is public: the demo is for a developer's own machine.
    pub const ADMIN_TOKEN: &str = "demo-admin-token";

    /// The demo client may call every partner endpoint with a client-credentials token: the
    /// facilitator scopes plus promotions, payments and the MokaPOS reads.
    pub fn client_scopes() -> Vec<String> {
        gobiz_domain::scope::FACILITATOR_SCOPES
            .iter()
            .chain(&[
                "promo:food_promo:read",
                "promo:food_promo:write",
                "payment:transaction:read",
                "payment:transaction:write",
                "mokapos:library:read",
                "mokapos:transaction:read",
                "mokapos:reporting:read",
                "mokapos:customer:read",
            ])
            .map(|s| s.to_string())
            .collect()
    }

    /// The demo menu: GoBiz's catalog sample (item `XID`, toppings `V-XID`, `V-XID-2`).
    pub fn menu() -> serde_json::Value {
        serde_json::json!({
            "menus": [ { "name": "Pizza", "menu_items": [
                { "external_id": "XID", "name": "Pizza Margherita", "description": "Delicious Italian Pizza",
                  "in_stock": true, "price": 9000, "image": null, "variant_category_external_ids": ["VC-XID"] },
                { "external_id": "XID-2", "name": "Es Teh Manis", "description": "Sweet iced tea",
                  "in_stock": true, "price": 5000, "image": null } ] } ],
            "variant_categories": [ { "external_id": "VC-XID", "name": "Topping", "internal_name": "Topping (promo)",
                "rules": { "selection": { "min_quantity": 1, "max_quantity": 2 } },
                "variants": [ { "external_id": "V-XID", "name": "Cheese", "price": 1000, "in_stock": true },
                              { "external_id": "V-XID-2", "name": "Mushroom", "price": 2000, "in_stock": true } ] } ]
        })
    }
}

impl Services {
    /// Deletes all data except configuration and signing keys; real time again.
    pub async fn reset(&self) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        maintenance::reset(&mut tx).await?;
        tx.commit().await?;
        self.clock.reset();
        self.principals.clear();
        self.forget_access();
        Ok(())
    }

    /// Deletes all data (as [`Services::reset`]), then seeds the `--demo` data set with its
    /// fixed identities and secrets, as `serve --demo` does on a new database; the clock is
    /// real time again. `POST /sandbox/v1/reset {"demo": true}` and `serve --demo --reset`.
    pub async fn reset_to_demo(&self) -> ServiceResult<Seeded> {
        self.reset().await?;
        self.seed(true).await
    }

    /// Replaces the stored admin token (`serve --demo --reset` without a configured one).
    pub async fn store_admin_token(&self, token: &str) -> ServiceResult<()> {
        settings::put(&mut self.db.conn().await?, settings::ADMIN_TOKEN, token).await?;
        Ok(())
    }

    /// True when the database holds no merchant yet.
    pub async fn is_empty(&self) -> ServiceResult<bool> {
        Ok(maintenance::is_empty(&mut self.db.conn().await?).await?)
    }

    /// Creates a demo merchant, outlet, owner, facilitator partner and client, with the
    /// outlet linked for both products. With `fixed`, uses the documented demo identities.
    pub async fn seed(&self, fixed: bool) -> ServiceResult<Seeded> {
        let merchant = self
            .create_merchant(NewMerchant {
                name: Some("Kopi Senja".into()),
            })
            .await?;
        let outlet = self
            .create_outlet(
                &merchant.id,
                OutletFields {
                    id: fixed.then(|| demo::OUTLET_ID.to_string()),
                    name: Some("Kopi Senja Kemang".into()),
                    address: Some("Jl. Kemang Raya 10, Jakarta".into()),
                    email: Some("kemang@kopisenja.example".into()),
                    ..OutletFields::default()
                },
            )
            .await?;
        let phone = if fixed {
            demo::PHONE.to_string()
        } else {
            use rand::Rng;
            format!(
                "+62812{:08}",
                rand::thread_rng().gen_range(0..100_000_000u32)
            )
        };
        let user = self
            .create_user(NewUser {
                phone: Some(phone),
                name: Some("Sari (owner)".into()),
                roles: Some(vec![NewRole {
                    merchant_id: Some(merchant.id.clone()),
                    role: Some("owner".into()),
                }]),
                primary_outlet_id: Some(outlet.id.clone()),
            })
            .await?;
        let partner = self
            .create_partner(NewPartner {
                name: Some("Demo POS".into()),
                kind: Some("facilitator".into()),
                ..NewPartner::default()
            })
            .await?;
        let client = self
            .create_client_with(
                &partner.partner.id,
                NewClient {
                    client_id: fixed.then(|| demo::CLIENT_ID.to_string()),
                    allowed_scopes: Some(demo::client_scopes()),
                    redirect_uris: Some(vec![
                        format!(
                            "{}/demo/callback",
                            self.config.public_base_url.trim_end_matches('/')
                        ),
                        "http://localhost:3000/callback".into(),
                    ]),
                    ..NewClient::default()
                },
                fixed.then_some(demo::CLIENT_SECRET),
            )
            .await?;
        self.link_outlet(
            &user,
            &partner.partner,
            &OutletId::from(outlet.id.as_str()),
            &[Product::Gofood, Product::Payment],
            &ExternalOutletId::from(demo::EXTERNAL_OUTLET_ID),
        )
        .await?;
        // The demo menu, pushed as the demo partner would (so order webhooks carry its ids).
        self.replace_catalog(&outlet.id, &demo::menu(), Some(&partner.partner.id))
            .await?;
        self.seed_moka(&outlet.id).await?;
        let outlet = self.get_outlet(&outlet.id).await?;
        Ok(Seeded {
            merchant,
            outlet,
            user,
            partner,
            client,
        })
    }

    /// The sandbox admin token: the configured one, else the stored one, else `first` (the
    /// demo's fixed token) or a new random one, stored now (printed once by the caller).
    pub async fn admin_token(
        &self,
        configured: Option<&str>,
        first: Option<&str>,
    ) -> ServiceResult<(String, bool)> {
        if let Some(t) = configured {
            return Ok((t.to_string(), false));
        }
        let mut conn = self.db.conn().await?;
        if let Some(t) = settings::get(&mut conn, settings::ADMIN_TOKEN).await? {
            return Ok((t, false));
        }
        let fresh = first
            .map(str::to_string)
            .unwrap_or_else(|| format!("gbz_admin_{}", crate::secrets::random_43()));
        let stored = settings::get_or_insert(&mut conn, settings::ADMIN_TOKEN, &fresh).await?;
        let generated = stored == fresh;
        Ok((stored, generated))
    }
}
