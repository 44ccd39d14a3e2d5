//! Linking and unlinking an outlet to a partner as a merchant user would (spec §3.5, §3.6).
//! Shared by the sandbox `/sandbox/v1/links` and the partner endpoints.

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::{Link, Partner, User};
use gobiz_domain::ids::{ExternalOutletId, OutletId};
use gobiz_domain::model::{AcceptanceMode, PartnerType, Product, Role};
use gobiz_store::{links, outlets, Runner, Tx};

/// Checks the user's role in the outlet's merchant: row 5 without one, row 4 with a role
/// outside `allowed`.
pub fn check_role(
    user: &User,
    merchant_id: &str,
    outlet_id: &str,
    allowed: &[Role],
) -> ServiceResult<()> {
    let role = user
        .roles
        .iter()
        .find(|g| g.merchant_id == merchant_id)
        .map(|g| g.role)
        .ok_or_else(|| {
            ServiceError::Forbidden(format!("User does not have access to outlet: {outlet_id}"))
        })?;
    if allowed.contains(&role) {
        Ok(())
    } else {
        let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        Err(ServiceError::Forbidden(format!(
            "User role is not allowed. Required one of: {}",
            names.join(", ")
        )))
    }
}

async fn outlet_merchant<R: Runner>(r: &mut R, outlet_id: &str) -> ServiceResult<String> {
    Ok(outlets::get(r, outlet_id)
        .await?
        .ok_or_else(|| ServiceError::OutletNotFound(outlet_id.to_string()))?
        .merchant_id)
}

fn facilitator_only(partner: &Partner) -> ServiceResult<()> {
    if partner.kind == PartnerType::Direct {
        return Err(ServiceError::Conflict(format!(
            "Partner {} is a direct-integration partner and acts on its merchant's outlets without links",
            partner.id
        )));
    }
    Ok(())
}

impl Services {
    /// Links (or re-links) `outlet_id` to `partner` for `products`; linking for `gofood`
    /// switches the outlet to `auto_accept`. Returns the link of the first product.
    pub async fn link_outlet(
        &self,
        user: &User,
        partner: &Partner,
        outlet_id: &OutletId,
        products: &[Product],
        external_outlet_id: &ExternalOutletId,
    ) -> ServiceResult<Link> {
        facilitator_only(partner)?;
        let mut tx: Tx = self.db.begin().await?;
        let merchant_id = outlet_merchant(&mut tx, outlet_id).await?;
        check_role(user, &merchant_id, outlet_id, Role::LINKERS)?;
        let now = self.clock.now_ms();
        let mut first = None;
        for &product in products {
            let existing = links::get(&mut tx, &partner.id, outlet_id, product).await?;
            let link = Link {
                partner_id: partner.id.clone(),
                outlet_id: outlet_id.to_string(),
                product,
                external_outlet_id: external_outlet_id.to_string(),
                created_at: existing.as_ref().map_or(now, |l| l.created_at),
                updated_at: now,
                linked_at: now,
            };
            links::upsert(&mut tx, &link).await?;
            if product == Product::Gofood {
                outlets::set_acceptance_mode(&mut tx, outlet_id, AcceptanceMode::AutoAccept, now)
                    .await?;
            }
            first.get_or_insert(link);
        }
        tx.commit().await?;
        self.forget_access();
        first.ok_or_else(|| ServiceError::Internal("no product to link".into()))
    }

    /// Unlinks; unlinking something not linked also succeeds (spec §3.6).
    pub async fn unlink_outlet(
        &self,
        user: &User,
        partner: &Partner,
        outlet_id: &OutletId,
        products: &[Product],
    ) -> ServiceResult<()> {
        facilitator_only(partner)?;
        let mut tx = self.db.begin().await?;
        let merchant_id = outlet_merchant(&mut tx, outlet_id).await?;
        check_role(user, &merchant_id, outlet_id, Role::LINKERS)?;
        for &product in products {
            links::delete(&mut tx, &partner.id, outlet_id, product).await?;
        }
        tx.commit().await?;
        self.forget_access();
        Ok(())
    }
}
