//! The records of spec §3.1 as the rest of the system sees them.

use crate::clock::Millis;
use crate::model::{AcceptanceMode, OutletStatus, PartnerType, Product, Role};
use crate::scope::{Grant, TokenKind};

/// A merchant (a brand) owning outlets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    /// UUID.
    pub id: String,
    /// Brand name.
    pub name: String,
    /// Creation instant.
    pub created_at: Millis,
}

/// One outlet of a merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlet {
    /// Opaque id, `G` + 9 digits when generated.
    pub id: String,
    /// Owning merchant.
    pub merchant_id: String,
    /// The merchant's (brand) name, joined in for responses.
    pub merchant_name: String,
    /// Outlet name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// E-mail, `""` when none.
    pub email: String,
    /// Trading status.
    pub status: OutletStatus,
    /// GoFood order acceptance.
    pub acceptance_mode: AcceptanceMode,
    /// Closed on GoFood by the merchant.
    pub force_close: bool,
    /// QRIS payments enabled.
    pub qris_active: bool,
    /// GoPay payments enabled.
    pub gopay_active: bool,
    /// Midtrans application enabled.
    pub midtrans_active: bool,
    /// Point-of-payment id (UUID).
    pub pop_id: String,
    /// Creation instant.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// A merchant's role for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    /// Merchant the role applies to.
    pub merchant_id: String,
    /// The role.
    pub role: Role,
}

/// A merchant user who logs in with phone + OTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// UUID.
    pub id: String,
    /// Normalised `+62…` phone.
    pub phone: String,
    /// Display name.
    pub name: String,
    /// One role per merchant.
    pub roles: Vec<RoleGrant>,
    /// The outlet token-info lists first.
    pub primary_outlet_id: Option<String>,
    /// Creation instant.
    pub created_at: Millis,
}

/// A partner: a facilitator or a direct-integration merchant system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// UUID (`partner_id`).
    pub id: String,
    /// Display name, shown on the consent page.
    pub name: String,
    /// Integration model.
    pub kind: PartnerType,
    /// For direct partners: the merchant whose outlets it may act on.
    pub merchant_id: Option<String>,
    /// Also send Standard Webhooks headers.
    pub standard_webhooks: bool,
    /// Read scopes the partner holds for webhook routing.
    pub read_scopes: Vec<String>,
    /// Creation instant.
    pub created_at: Millis,
}

impl Partner {
    /// A direct-integration partner acting on its own merchant's outlets (no link needed).
    pub fn owns(&self, merchant_id: &str) -> bool {
        self.kind == PartnerType::Direct && self.merchant_id.as_deref() == Some(merchant_id)
    }

    /// The one access rule of spec §2.10: direct partners reach their merchant's outlets,
    /// facilitators the outlets `linked` to them.
    pub fn reaches(&self, merchant_id: &str, linked: bool) -> bool {
        match self.kind {
            PartnerType::Direct => self.owns(merchant_id),
            PartnerType::Facilitator => linked,
        }
    }
}

/// An OAuth client of a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// `client_id`.
    pub client_id: String,
    /// Owning partner.
    pub partner_id: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string; `None` for public clients.
    pub secret_hash: Option<String>,
    /// Scopes the client may request.
    pub allowed_scopes: Vec<String>,
    /// Grants the client may use.
    pub allowed_grants: Vec<Grant>,
    /// Registered redirect URIs (exact match).
    pub redirect_uris: Vec<String>,
    /// Public client (no secret, PKCE required).
    pub public: bool,
    /// PKCE required even for a confidential client.
    pub require_pkce: bool,
    /// Creation instant.
    pub created_at: Millis,
}

/// What a stored access token grants (the token itself is stored only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    /// Client that obtained it.
    pub client_id: String,
    /// Partner of that client.
    pub partner_id: String,
    /// `cc` or `ac`.
    pub kind: TokenKind,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Merchant user for `ac` tokens.
    pub user_id: Option<String>,
    /// Issue instant.
    pub issued_at: Millis,
    /// Expiry instant.
    pub expires_at: Millis,
    /// Family (authorization) the token descends from; `None` for `cc` tokens.
    pub family_id: Option<String>,
}

/// A partner's link to an outlet for one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Linked partner.
    pub partner_id: String,
    /// Linked outlet.
    pub outlet_id: String,
    /// Product covered.
    pub product: Product,
    /// The partner's own id for the outlet.
    pub external_outlet_id: String,
    /// First link.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
    /// Last (re)link.
    pub linked_at: Millis,
}
