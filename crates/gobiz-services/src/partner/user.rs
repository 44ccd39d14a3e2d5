//! Partner endpoints that act for a merchant user (`ac` token): token-info, linking, legacy
//! primary-outlet linking, outlet properties (spec §3.3, §3.5–§3.8).

use super::linking::check_role;
use crate::access::Principal;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::{Link, Outlet, User};
use gobiz_domain::ids::{ExternalOutletId, OutletId};
use gobiz_domain::model::{Product, Role};
use gobiz_domain::scope::TokenKind;
use gobiz_domain::validation::Violations;
use gobiz_store::{outlets, users};

/// Body of the link endpoints (spec §3.5, §3.7).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"external_outlet_id": "sample-abc-12345"}))]
pub struct LinkBody {
    /// The outlet's id in the partner's system, 1 to 100 characters. Linking again (for
    /// either product) overwrites it.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 100, example = "sample-abc-12345")]
    pub external_outlet_id: Option<String>,
}

/// Body of the properties endpoint (spec §3.8).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"force_close": true}))]
pub struct PropertiesBody {
    /// `true` closes the outlet on GoFood (the simulator refuses new orders); `false` reopens
    /// it within its operational hours.
    #[schema(required = true, nullable = false, value_type = bool, example = true)]
    pub force_close: Option<bool>,
}

/// What token-info shows.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Distinct roles, ordered owner, admin, manager.
    pub roles: Vec<Role>,
    /// Accessible outlets, primary first, the rest by id.
    pub outlets: Vec<Outlet>,
}

/// What to do with the link. The body of a link request arrives unparsed-verdict-included
/// so that its syntax is judged after credentials, outlet and role (spec §1.7).
#[derive(Debug)]
pub enum LinkAction {
    /// Link with the body's `external_outlet_id` (or the body's syntax error).
    Link(ServiceResult<Option<String>>),
    /// Unlink.
    Unlink,
}

/// Which link to change.
#[derive(Debug, Clone, Copy)]
pub enum LinkTarget<'a> {
    /// `/outlets/{outlet_id}/v1/link/{product}`.
    Outlet {
        /// Path outlet.
        outlet_id: &'a OutletId,
        /// Path product, not yet validated.
        product: &'a str,
    },
    /// `/v1/outlet-link`: the user's primary outlet, both products.
    Primary,
}

const ROW3: &str = "This endpoint requires an authorization_code (merchant user) token.";

fn require_any_scope(who: &Principal, scopes: &[&str]) -> ServiceResult<()> {
    if scopes.iter().any(|s| who.has_scope(s)) {
        Ok(())
    } else {
        Err(ServiceError::MissingScope(scopes[0].to_string()))
    }
}

impl Services {
    /// Row 3 for `cc` tokens; otherwise the user behind the token.
    async fn token_user(&self, who: &Principal) -> ServiceResult<User> {
        if who.kind != TokenKind::User {
            return Err(ServiceError::Forbidden(ROW3.into()));
        }
        let id = who.user_id.as_deref().unwrap_or_default();
        users::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or(ServiceError::SessionExpired)
    }

    /// `GET /integrations/partner/v1/token-info`.
    /// Served from [`crate::runtime::memo::TokenInfoMemo`] when this user's was read in the
    /// last second.
    pub async fn token_info(&self, who: &Principal) -> ServiceResult<std::sync::Arc<TokenInfo>> {
        require_any_scope(who, &["partner:outlet:read", "openid"])?;
        if who.kind != TokenKind::User {
            return Err(ServiceError::Forbidden(ROW3.into()));
        }
        let key = who.user_id.clone().unwrap_or_default();
        if let Some(hit) = self.token_info_memo.get(&key) {
            return Ok(hit);
        }
        let info = std::sync::Arc::new(self.read_token_info(who).await?);
        self.token_info_memo.put(key, info.clone());
        Ok(info)
    }

    async fn read_token_info(&self, who: &Principal) -> ServiceResult<TokenInfo> {
        let user = self.token_user(who).await?;
        let roles: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| user.roles.iter().any(|g| g.role == *r))
            .collect();
        let merchant_ids: Vec<String> = user.roles.iter().map(|g| g.merchant_id.clone()).collect();
        let mut list = outlets::of_merchants(&mut self.db.conn().await?, &merchant_ids).await?;
        if let Some(primary) = user.primary_outlet_id.as_deref() {
            if let Some(i) = list.iter().position(|o| o.id == primary) {
                let p = list.remove(i);
                list.insert(0, p);
            }
        }
        Ok(TokenInfo {
            roles,
            outlets: list,
        })
    }

    /// Links or unlinks for the user behind the token (spec §3.5–§3.7).
    pub async fn user_link(
        &self,
        who: &Principal,
        target: LinkTarget<'_>,
        action: LinkAction,
    ) -> ServiceResult<Option<Link>> {
        require_any_scope(who, &["partner:outlet:read", "partner:outlet:write"])?;
        let user = self.token_user(who).await?;
        let (outlet_id, product) = match target {
            LinkTarget::Outlet { outlet_id, product } => (outlet_id.clone(), Some(product)),
            LinkTarget::Primary => match user.primary_outlet_id.clone() {
                Some(primary) => (OutletId::from(primary), None),
                None => return Err(ServiceError::NotFound("User has no primary outlet".into())),
            },
        };
        let outlet = self.get_outlet(&outlet_id).await?;
        check_role(&user, &outlet.merchant_id, &outlet_id, Role::LINKERS)?;
        let mut v = Violations::new();
        let products = match product {
            None => vec![Product::Gofood, Product::Payment],
            Some(p) => match Product::parse(p) {
                Some(parsed) => vec![parsed],
                None => {
                    v.add("product", format!("must be one of {}", Product::choices()));
                    Vec::new()
                }
            },
        };
        let external = match action {
            LinkAction::Unlink => None,
            LinkAction::Link(body) => {
                let ext = body?;
                v.text("external_outlet_id", ext.as_deref(), 1, 100);
                Some(ExternalOutletId::from(ext.unwrap_or_default()))
            }
        };
        v.finish()?;
        match external {
            Some(ext) => {
                let link = self
                    .link_outlet(&user, &who.partner, &outlet_id, &products, &ext)
                    .await?;
                Ok(Some(link))
            }
            None => {
                self.unlink_outlet(&user, &who.partner, &outlet_id, &products)
                    .await?;
                Ok(None)
            }
        }
    }

    /// Reads an outlet's GoFood properties (our superset of spec §3.8).
    pub async fn outlet_properties(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
    ) -> ServiceResult<Outlet> {
        require_any_scope(who, &["gofood:outlet:write", "partner:outlet:read"])?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await
    }

    /// `PATCH .../v1/properties`: opens or closes the outlet on GoFood (spec §3.8).
    pub async fn set_force_close(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        force_close: ServiceResult<Option<bool>>,
    ) -> ServiceResult<Outlet> {
        who.require_scope("gofood:outlet:write")?;
        let user = self.token_user(who).await?;
        let mut outlet = self
            .accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        check_role(
            &user,
            &outlet.merchant_id,
            outlet_id,
            &[Role::Owner, Role::Manager],
        )?;
        let force_close =
            force_close?.ok_or_else(|| ServiceError::invalid("force_close", "is required"))?;
        outlet.force_close = force_close;
        outlet.updated_at = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        outlets::update(&mut tx, &outlet).await?;
        tx.commit().await?;
        self.forget_access();
        Ok(outlet)
    }
}
