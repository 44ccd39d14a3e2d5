//! Who is calling and what they may touch (spec §1.6, §2.10).

use crate::secrets::token_hash;
use crate::{ServiceError, ServiceResult, Services, TokenRejection};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::{Outlet, Partner};
use gobiz_domain::model::Product;
use gobiz_domain::scope::TokenKind;
use gobiz_store::{outlets, tokens};

/// The resolved bearer token: partner, client, grant kind, scopes and (for `ac`) the user.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The partner behind the client.
    pub partner: Partner,
    /// The client that obtained the token.
    pub client_id: String,
    /// `cc` or `ac`.
    pub kind: TokenKind,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Merchant user for `ac` tokens.
    pub user_id: Option<String>,
}

impl Principal {
    /// True when the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Row 2 unless the token carries `scope`.
    pub fn require_scope(&self, scope: &str) -> ServiceResult<()> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ServiceError::MissingScope(scope.to_string()))
        }
    }

    /// Row 2 naming the first scope unless the token carries at least one of `scopes`
    /// (endpoints that accept alternatives, e.g. read or write).
    pub fn require_any_scope(&self, scopes: &[&str]) -> ServiceResult<()> {
        if scopes.iter().any(|s| self.has_scope(s)) {
            Ok(())
        } else {
            Err(ServiceError::MissingScope(
                scopes.first().copied().unwrap_or_default().to_string(),
            ))
        }
    }
}

impl Services {
    /// Resolves a bearer token; row 1 for anything but a live token, saying why. Only live
    /// tokens are memoized, and expiry is judged on every call, so a memoized token that
    /// expires is refused as expired; a revocation on this node clears the memo, so the next
    /// call reads the revocation.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Principal> {
        let refuse = |why| Err(ServiceError::Unauthenticated(why));
        if !token.starts_with("gbz_at_") {
            return refuse(TokenRejection::Unknown);
        }
        let hash = token_hash(token);
        let (grant, partner) = match self.principals.get(&hash) {
            Some(hit) => hit,
            None => {
                let mut conn = self.db.conn().await?;
                match tokens::find_with_partner(&mut conn, &hash).await? {
                    None => return refuse(TokenRejection::Unknown),
                    Some((_, _, true)) => return refuse(TokenRejection::Revoked),
                    Some((grant, partner, false)) => {
                        let found = (grant, partner);
                        self.principals.put(hash, found.clone());
                        found
                    }
                }
            }
        };
        if grant.expires_at <= self.clock.now_ms() {
            return refuse(TokenRejection::Expired);
        }
        Ok(Principal {
            partner,
            client_id: grant.client_id,
            kind: grant.kind,
            scopes: grant.scopes,
            user_id: grant.user_id,
        })
    }

    /// The outlet in the path, if the caller may act on it for `product` (`None` = any
    /// product): row 6 when it does not exist, row 7 when it is not linked or owned.
    pub async fn accessible_outlet(
        &self,
        who: &Principal,
        outlet_id: &str,
        product: Option<Product>,
    ) -> ServiceResult<Outlet> {
        let key = (who.partner.id.clone(), outlet_id.to_string(), product);
        let found = match self.outlet_memo.get(&key) {
            Some(hit) => hit,
            None => {
                let mut conn = self.db.conn().await?;
                let found =
                    outlets::get_with_link(&mut conn, outlet_id, &who.partner.id, product).await?;
                self.outlet_memo.put(key, found.clone());
                found
            }
        };
        let (outlet, linked) =
            found.ok_or_else(|| ServiceError::OutletNotFound(outlet_id.to_string()))?;
        if who.partner.reaches(&outlet.merchant_id, linked) {
            Ok(outlet)
        } else {
            Err(ServiceError::UnregisteredOutlet)
        }
    }
}
