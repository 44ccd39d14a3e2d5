//! The sandbox control API's use cases (spec §10.2): fixtures, links, clock, reset, seed.

use crate::secrets::{new_client_secret, new_notification_secret};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::{Client, Link, Merchant, Outlet, Partner, RoleGrant, User};
use gobiz_domain::ids;
use gobiz_domain::model::{AcceptanceMode, OutletStatus, PartnerType, Product, Role};
use gobiz_domain::phone;
use gobiz_domain::scope::{self, Grant};
use gobiz_domain::validation::{looks_like_email, Violations};
use gobiz_store::{
    clients, maintenance, merchants, outlets, partners, settings, users, StoreError,
};
use serde::Deserialize;

/// `POST /sandbox/v1/merchants`.
#[derive(Debug, Default, Deserialize)]
pub struct NewMerchant {
    /// Brand name, 1..=100.
    pub name: Option<String>,
}

/// `POST /sandbox/v1/merchants/{merchant_id}/outlets` and `PATCH /sandbox/v1/outlets/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct OutletFields {
    /// Outlet id (`G` + 9 digits), creation only.
    pub id: Option<String>,
    /// Name, 1..=100.
    pub name: Option<String>,
    /// Address, up to 255.
    pub address: Option<String>,
    /// E-mail or `""`.
    pub email: Option<String>,
    /// `active` / `inactive` (patch only).
    pub status: Option<String>,
    /// Acceptance mode.
    pub acceptance_mode: Option<String>,
    /// Force-closed on GoFood (patch only).
    pub force_close: Option<bool>,
    /// QRIS enabled.
    pub qris_active: Option<bool>,
    /// GoPay enabled.
    pub gopay_active: Option<bool>,
    /// Midtrans application enabled.
    pub midtrans_active: Option<bool>,
}

/// One `roles[]` entry of a new user.
#[derive(Debug, Default, Deserialize)]
pub struct NewRole {
    /// Merchant the role applies to.
    pub merchant_id: Option<String>,
    /// `owner`, `admin` or `manager`.
    pub role: Option<String>,
}

/// `POST /sandbox/v1/users`.
#[derive(Debug, Default, Deserialize)]
pub struct NewUser {
    /// `08…`, `628…` or `+628…`.
    pub phone: Option<String>,
    /// Display name, 1..=100.
    pub name: Option<String>,
    /// One role per merchant.
    pub roles: Option<Vec<NewRole>>,
    /// Outlet listed first by token-info.
    pub primary_outlet_id: Option<String>,
}

/// `POST /sandbox/v1/partners`.
#[derive(Debug, Default, Deserialize)]
pub struct NewPartner {
    /// Display name, 1..=100.
    pub name: Option<String>,
    /// `facilitator` or `direct`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Required for (and only for) direct partners.
    pub merchant_id: Option<String>,
    /// Send Standard Webhooks headers too.
    pub standard_webhooks: Option<bool>,
    /// Read scopes held for webhook routing on top of those its clients were granted
    /// (default: none; an explicit override).
    pub read_scopes: Option<Vec<String>>,
}

/// `POST /sandbox/v1/partners/{partner_id}/clients`.
#[derive(Debug, Default, Deserialize)]
pub struct NewClient {
    /// Chosen `client_id` (default: a UUID).
    pub client_id: Option<String>,
    /// Display name (default: the partner's).
    pub name: Option<String>,
    /// Scopes the client may request.
    pub allowed_scopes: Option<Vec<String>>,
    /// Grants the client may use.
    pub allowed_grants: Option<Vec<String>>,
    /// Exact redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// Public client (no secret).
    pub public: Option<bool>,
    /// Require PKCE.
    pub require_pkce: Option<bool>,
}

/// `POST` / `DELETE /sandbox/v1/links`.
#[derive(Debug, Default, Deserialize)]
pub struct LinkRequest {
    /// The merchant user acting (or `phone`).
    pub user_id: Option<String>,
    /// The merchant user's phone (or `user_id`).
    pub phone: Option<String>,
    /// Partner to link to.
    pub partner_id: Option<String>,
    /// Outlet to link.
    pub outlet_id: Option<String>,
    /// `gofood` or `payment`.
    pub product: Option<String>,
    /// The partner's id for the outlet (link only).
    pub external_outlet_id: Option<String>,
}

/// `POST /sandbox/v1/clock/advance`.
#[derive(Debug, Default, Deserialize)]
pub struct AdvanceClock {
    /// Seconds to move forward, 1..=31,536,000.
    pub seconds: Option<i64>,
}

/// `POST /sandbox/v1/reset`.
#[derive(Debug, Default, Deserialize)]
pub struct ResetRequest {
    /// Restore the `--demo` data set after deleting everything.
    pub demo: Option<bool>,
}

/// A created partner with its notification secret (shown once).
#[derive(Debug, Clone)]
pub struct PartnerWithSecret {
    /// The partner.
    pub partner: Partner,
    /// Its notification secret.
    pub notification_secret: String,
}

/// A created client with its secret (shown once; `None` for public clients).
#[derive(Debug, Clone)]
pub struct ClientWithSecret {
    /// The client.
    pub client: Client,
    /// Its secret.
    pub client_secret: Option<String>,
}

/// The clock as the sandbox shows it.
#[derive(Debug, Clone, Copy)]
pub struct ClockView {
    /// Current instant.
    pub now: i64,
    /// Offset from real time in whole seconds.
    pub offset_seconds: i64,
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

const READ_SUFFIX: &str = ":read";

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn take_name(v: &mut Violations, path: &str, value: &Option<String>) {
    v.text(path, value.as_deref(), 1, 100);
}

fn conflict_on_duplicate(message: String) -> impl FnOnce(StoreError) -> ServiceError {
    move |e| match e {
        StoreError::Duplicate => ServiceError::Conflict(message),
        other => other.into(),
    }
}

impl Services {
    /// Creates a merchant.
    pub async fn create_merchant(&self, input: NewMerchant) -> ServiceResult<Merchant> {
        let mut v = Violations::new();
        take_name(&mut v, "name", &input.name);
        v.finish()?;
        let m = Merchant {
            id: uuid(),
            name: input.name.unwrap_or_default(),
            created_at: self.clock.now_ms(),
        };
        let mut conn = self.db.conn().await?;
        merchants::insert(&mut conn, &m).await?;
        Ok(m)
    }

    /// Every merchant.
    pub async fn list_merchants(&self) -> ServiceResult<Vec<Merchant>> {
        Ok(merchants::list(&mut self.db.conn().await?).await?)
    }

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

    /// Creates a merchant user with roles.
    pub async fn create_user(&self, input: NewUser) -> ServiceResult<User> {
        let mut v = Violations::new();
        let phone = match input.phone.as_deref() {
            None => {
                v.add("phone", "is required");
                None
            }
            Some(p) => {
                let n = phone::normalize(p);
                if n.is_none() {
                    v.add(
                        "phone",
                        "must be an Indonesian mobile number (08…, 628… or +628…)",
                    );
                }
                n
            }
        };
        take_name(&mut v, "name", &input.name);
        let mut roles = Vec::new();
        for (i, r) in input.roles.iter().flatten().enumerate() {
            let role = match r.role.as_deref() {
                None => {
                    v.add(format!("roles[{i}].role"), "is required");
                    None
                }
                Some(s) => {
                    let parsed = Role::parse(s);
                    if parsed.is_none() {
                        v.add(
                            format!("roles[{i}].role"),
                            format!("must be one of {}", Role::choices()),
                        );
                    }
                    parsed
                }
            };
            match r.merchant_id.as_deref() {
                None => v.add(format!("roles[{i}].merchant_id"), "is required"),
                Some(m) if roles.iter().any(|g: &RoleGrant| g.merchant_id == m) => v.add(
                    format!("roles[{i}].merchant_id"),
                    "has a role already (one role per merchant)",
                ),
                Some(m) => {
                    if let Some(role) = role {
                        roles.push(RoleGrant {
                            merchant_id: m.to_string(),
                            role,
                        });
                    }
                }
            }
        }
        let mut tx = self.db.begin().await?;
        for (i, g) in roles.iter().enumerate() {
            if merchants::get(&mut tx, &g.merchant_id).await?.is_none() {
                v.add(
                    format!("roles[{i}].merchant_id"),
                    format!("merchant {} does not exist", g.merchant_id),
                );
            }
        }
        if let Some(outlet_id) = input.primary_outlet_id.as_deref() {
            match outlets::get(&mut tx, outlet_id).await? {
                None => v.add(
                    "primary_outlet_id",
                    format!("outlet {outlet_id} does not exist"),
                ),
                Some(o) if !roles.iter().any(|g| g.merchant_id == o.merchant_id) => v.add(
                    "primary_outlet_id",
                    "must be an outlet of a merchant the user has a role in",
                ),
                Some(_) => {}
            }
        }
        v.finish()?;
        let phone = phone.unwrap_or_default();
        let user = User {
            id: uuid(),
            phone: phone.clone(),
            name: input.name.unwrap_or_default(),
            roles,
            primary_outlet_id: input.primary_outlet_id,
            created_at: self.clock.now_ms(),
        };
        users::insert(&mut tx, &user)
            .await
            .map_err(conflict_on_duplicate(format!(
                "User with phone: {phone} already exists"
            )))?;
        tx.commit().await?;
        Ok(user)
    }

    /// Every user.
    pub async fn list_users(&self) -> ServiceResult<Vec<User>> {
        Ok(users::list(&mut self.db.conn().await?).await?)
    }

    /// Creates a partner and its notification secret.
    pub async fn create_partner(&self, input: NewPartner) -> ServiceResult<PartnerWithSecret> {
        let mut v = Violations::new();
        take_name(&mut v, "name", &input.name);
        let kind = match input.kind.as_deref() {
            None => {
                v.add("type", "is required");
                None
            }
            Some(k) => {
                let p = PartnerType::parse(k);
                if p.is_none() {
                    v.add("type", format!("must be one of {}", PartnerType::choices()));
                }
                p
            }
        };
        match (kind, input.merchant_id.as_deref()) {
            (Some(PartnerType::Direct), None) => {
                v.add("merchant_id", "is required for a direct partner")
            }
            (Some(PartnerType::Facilitator), Some(_)) => {
                v.add("merchant_id", "only direct partners have a merchant")
            }
            _ => {}
        }
        // Least privilege: without `read_scopes` the partner hears the events its clients
        // were granted the read scope of (spec §9.6 rule 4), nothing more.
        let read_scopes = match input.read_scopes {
            None => Vec::new(),
            Some(list) => {
                for (i, s) in list.iter().enumerate() {
                    if !scope::is_known(s) || !s.ends_with(READ_SUFFIX) {
                        v.add(
                            format!("read_scopes[{i}]"),
                            format!("{s} is not a read scope"),
                        );
                    }
                }
                list
            }
        };
        let mut conn = self.db.conn().await?;
        if let Some(m) = input.merchant_id.as_deref() {
            if kind == Some(PartnerType::Direct) && merchants::get(&mut conn, m).await?.is_none() {
                v.add("merchant_id", format!("merchant {m} does not exist"));
            }
        }
        v.finish()?;
        let partner = Partner {
            id: uuid(),
            name: input.name.unwrap_or_default(),
            kind: kind.unwrap_or(PartnerType::Facilitator),
            merchant_id: input.merchant_id,
            standard_webhooks: input.standard_webhooks.unwrap_or(false),
            read_scopes,
            created_at: self.clock.now_ms(),
        };
        let secret = new_notification_secret();
        let sealed = self.config.webhooks.sealer.seal(&secret);
        partners::insert(&mut conn, &partner, &sealed).await?;
        Ok(PartnerWithSecret {
            partner,
            notification_secret: secret,
        })
    }

    /// Every partner (secrets not included).
    pub async fn list_partners(&self) -> ServiceResult<Vec<Partner>> {
        Ok(partners::list(&mut self.db.conn().await?).await?)
    }

    /// One partner (secret not included).
    pub async fn get_partner(&self, id: &str) -> ServiceResult<Partner> {
        partners::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| partner_not_found(id))
    }

    /// A partner's notification secret (sandbox only: integrators need it to verify).
    pub async fn notification_secret(&self, id: &str) -> ServiceResult<String> {
        let stored = partners::secret(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| partner_not_found(id))?;
        self.config
            .webhooks
            .sealer
            .open(&stored)
            .map_err(|e| ServiceError::Internal(format!("notification secret of {id}: {e}")))
    }

    /// Replaces a partner's notification secret and returns the new one once.
    pub async fn rotate_notification_secret(&self, id: &str) -> ServiceResult<PartnerWithSecret> {
        let secret = new_notification_secret();
        let sealed = self.config.webhooks.sealer.seal(&secret);
        let mut tx = self.db.begin().await?;
        if !partners::set_secret(&mut tx, id, &sealed).await? {
            return Err(partner_not_found(id));
        }
        let partner = partners::get(&mut tx, id)
            .await?
            .ok_or_else(|| partner_not_found(id))?;
        tx.commit().await?;
        Ok(PartnerWithSecret {
            partner,
            notification_secret: secret,
        })
    }

    /// Creates an OAuth client for a partner; the secret is returned once.
    pub async fn create_client(
        &self,
        partner_id: &str,
        input: NewClient,
    ) -> ServiceResult<ClientWithSecret> {
        self.create_client_with(partner_id, input, None).await
    }

    async fn create_client_with(
        &self,
        partner_id: &str,
        input: NewClient,
        fixed_secret: Option<&str>,
    ) -> ServiceResult<ClientWithSecret> {
        let partner = self.get_partner(partner_id).await?;
        let mut v = Violations::new();
        if let Some(id) = input.client_id.as_deref() {
            if !ids::is_client_id(id) {
                v.add("client_id", "must be 1 to 64 of A-Z a-z 0-9 . _ -");
            }
        }
        if let Some(n) = input.name.as_deref() {
            v.text("name", Some(n), 1, 100);
        }
        let facilitator = partner.kind == PartnerType::Facilitator;
        let allowed_scopes: Vec<String> = match input.allowed_scopes {
            Some(list) => {
                for (i, s) in list.iter().enumerate() {
                    if !scope::is_known(s) {
                        v.add(
                            format!("allowed_scopes[{i}]"),
                            format!("{s} is not a known scope"),
                        );
                    }
                }
                list
            }
            None if facilitator => scope::FACILITATOR_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            None => scope::ALL_SCOPES
                .iter()
                .filter(|s| !scope::USER_ONLY_SCOPES.contains(s))
                .map(|s| s.to_string())
                .collect(),
        };
        let allowed_grants: Vec<Grant> = match input.allowed_grants {
            Some(list) => list
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let parsed = Grant::parse(g);
                    if parsed.is_none() {
                        v.add(
                            format!("allowed_grants[{i}]"),
                            "must be one of client_credentials, authorization_code, refresh_token",
                        );
                    }
                    parsed
                })
                .collect(),
            None if facilitator => Grant::ALL.to_vec(),
            None => vec![Grant::ClientCredentials],
        };
        let redirect_uris = input.redirect_uris.unwrap_or_default();
        for (i, uri) in redirect_uris.iter().enumerate() {
            let ok = (uri.starts_with("https://") || uri.starts_with("http://"))
                && !uri.contains('#')
                && !uri.contains(char::is_whitespace)
                && uri.len() <= 2000;
            if !ok {
                v.add(
                    format!("redirect_uris[{i}]"),
                    "must be an absolute http(s) URL without fragment",
                );
            }
        }
        let public = input.public.unwrap_or(false);
        if public && allowed_grants.contains(&Grant::ClientCredentials) {
            v.add(
                "allowed_grants",
                "a public client cannot use client_credentials",
            );
        }
        v.finish()?;
        let secret = match (public, fixed_secret) {
            (true, _) => None,
            (false, Some(s)) => Some(s.to_string()),
            (false, None) => Some(new_client_secret()),
        };
        let secret_hash = match &secret {
            // Through the bounded argon2 pool; waits for queue room (admin-authenticated).
            Some(s) => Some(
                self.client_auth
                    .pool()
                    .hash(s)
                    .await
                    .map_err(ServiceError::Internal)?,
            ),
            None => None,
        };
        let client_id = input.client_id.unwrap_or_else(uuid);
        let client = Client {
            client_id: client_id.clone(),
            partner_id: partner.id.clone(),
            name: input.name.unwrap_or_else(|| partner.name.clone()),
            secret_hash,
            allowed_scopes,
            allowed_grants,
            redirect_uris,
            public,
            require_pkce: input.require_pkce.unwrap_or(false) || public,
            created_at: self.clock.now_ms(),
        };
        clients::insert(&mut self.db.conn().await?, &client)
            .await
            .map_err(conflict_on_duplicate(format!(
                "Client with client_id: {client_id} already exists"
            )))?;
        Ok(ClientWithSecret {
            client,
            client_secret: secret,
        })
    }

    /// Resolves the parts of a link request, in the order of checks of spec §1.7.
    async fn resolve_link(
        &self,
        req: &LinkRequest,
        linking: bool,
    ) -> ServiceResult<(User, Partner, String, Product)> {
        let mut v = Violations::new();
        if req.user_id.is_none() && req.phone.is_none() {
            v.add("user_id", "user_id or phone is required");
        }
        if req.partner_id.is_none() {
            v.add("partner_id", "is required");
        }
        if req.outlet_id.is_none() {
            v.add("outlet_id", "is required");
        }
        let product = match req.product.as_deref() {
            None => {
                v.add("product", "is required");
                None
            }
            Some(p) => {
                let parsed = Product::parse(p);
                if parsed.is_none() {
                    v.add("product", format!("must be one of {}", Product::choices()));
                }
                parsed
            }
        };
        if linking {
            v.text(
                "external_outlet_id",
                req.external_outlet_id.as_deref(),
                1,
                100,
            );
        }
        v.finish()?;
        let partner_id = req.partner_id.clone().unwrap_or_default();
        let partner = self.get_partner(&partner_id).await?;
        let mut conn = self.db.conn().await?;
        let user = match (&req.user_id, &req.phone) {
            (Some(id), _) => users::get(&mut conn, id).await?.ok_or_else(|| {
                ServiceError::NotFound(format!("User with id: {id} is not found"))
            })?,
            (None, Some(p)) => {
                let normalized = phone::normalize(p).ok_or_else(|| {
                    ServiceError::invalid(
                        "phone",
                        "must be an Indonesian mobile number (08…, 628… or +628…)",
                    )
                })?;
                users::by_phone(&mut conn, &normalized)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::NotFound(format!(
                            "User with phone: {normalized} is not found"
                        ))
                    })?
            }
            (None, None) => {
                return Err(ServiceError::invalid(
                    "user_id",
                    "user_id or phone is required",
                ))
            }
        };
        let outlet_id = req.outlet_id.clone().unwrap_or_default();
        let product = product.ok_or_else(|| ServiceError::invalid("product", "is required"))?;
        Ok((user, partner, outlet_id, product))
    }

    /// `POST /sandbox/v1/links`: links exactly as the merchant would through §3.5.
    pub async fn sandbox_link(&self, req: LinkRequest) -> ServiceResult<Link> {
        let (user, partner, outlet_id, product) = self.resolve_link(&req, true).await?;
        let external = req.external_outlet_id.unwrap_or_default();
        self.link_outlet(&user, &partner, &outlet_id, &[product], &external)
            .await
    }

    /// `DELETE /sandbox/v1/links`: unlinks exactly as §3.6.
    pub async fn sandbox_unlink(&self, req: LinkRequest) -> ServiceResult<()> {
        let (user, partner, outlet_id, product) = self.resolve_link(&req, false).await?;
        self.unlink_outlet(&user, &partner, &outlet_id, &[product])
            .await
    }

    /// The clock as shown by `GET /sandbox/v1/clock`.
    pub fn clock_view(&self) -> ClockView {
        ClockView {
            now: self.clock.now_ms(),
            offset_seconds: self.clock.offset_ms() / 1000,
        }
    }

    /// Moves the sandbox clock forward (spec §10.5).
    pub async fn advance_clock(&self, input: AdvanceClock) -> ServiceResult<ClockView> {
        let seconds = match input.seconds {
            None => return Err(ServiceError::invalid("seconds", "is required")),
            Some(s) if !(1..=31_536_000).contains(&s) => {
                return Err(ServiceError::invalid("seconds", "must be 1 to 31536000"))
            }
            Some(s) => s,
        };
        self.clock.advance(&self.db, seconds).await?;
        self.process_due_timers().await?;
        self.expire_due_transactions().await?;
        self.wake_dispatcher();
        Ok(self.clock_view())
    }

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
            &outlet.id,
            &[Product::Gofood, Product::Payment],
            "demo-pos-outlet-1",
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

fn partner_not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("Partner with id: {id} is not found"))
}
