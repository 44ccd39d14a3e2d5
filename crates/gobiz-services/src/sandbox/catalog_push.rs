//! Sandbox: a partner re-pushes an outlet's current menu (issue 18, `gobiz trigger
//! gofood.catalog.menu_mapping_updated`). The push goes through the partner API's own use
//! case ([`Services::push_catalog`], spec §4.2) as that partner, so the same checks, the same
//! menu mapping and the same `gofood.catalog.menu_mapping_updated` follow; only the token is
//! left out, as for the sandbox's test payments.

use crate::access::Principal;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::entities::Partner;
use gobiz_domain::ids::OutletId;
use gobiz_domain::model::Product;
use gobiz_domain::scope::TokenKind;
use gobiz_store::{catalogs, links};

/// The client id a sandbox re-push is made under.
const SANDBOX_CLIENT: &str = "sandbox-console";

/// What a re-push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repushed {
    /// The partner whose push it was.
    pub partner_id: String,
    /// The push's `request_id`, echoed by `gofood.catalog.menu_mapping_updated`.
    pub request_id: String,
    /// Items in the pushed menu.
    pub menu_items: usize,
}

impl Services {
    /// Re-pushes the outlet's current catalog as `partner_id` (default: the partner that
    /// pushed it last if it still has the outlet for `gofood`, else the first partner that
    /// has it) under a new `request_id`. 404 for an unknown outlet or partner; 422 when the
    /// outlet has no catalog or no partner has it for `gofood`.
    pub async fn sandbox_repush_catalog(
        &self,
        outlet_id: &OutletId,
        partner_id: Option<&str>,
    ) -> ServiceResult<Repushed> {
        let outlet = self.get_outlet(outlet_id).await?;
        let stored = catalogs::get(&mut self.db.conn().await?, outlet_id).await?;
        let Some(stored) = stored else {
            return Err(ServiceError::Unprocessable(format!(
                "Outlet {outlet_id} has no catalog to push: set one first"
            )));
        };
        let partner = match partner_id {
            Some(id) => {
                let p = self.get_partner(id).await?;
                if !self
                    .has_for_gofood(&p, outlet_id, &outlet.merchant_id)
                    .await?
                {
                    return Err(ServiceError::Unprocessable(format!(
                        "Partner {id} does not have outlet {outlet_id} for gofood: link it first"
                    )));
                }
                p
            }
            None => self
                .gofood_partner(outlet_id, &outlet.merchant_id, stored.pushed_by.as_deref())
                .await?
                .ok_or_else(|| {
                    ServiceError::Unprocessable(format!(
                        "No partner has outlet {outlet_id} for gofood: link one first"
                    ))
                })?,
        };
        let who = Principal {
            partner,
            client_id: SANDBOX_CLIENT.into(),
            kind: TokenKind::Client,
            scopes: vec!["gofood:catalog:read".into(), "gofood:catalog:write".into()],
            user_id: None,
        };
        let mut body = self.catalog_write_model(&who, outlet_id).await?;
        let request_id = uuid::Uuid::new_v4().to_string();
        body.request_id = Some(request_id.clone());
        let menu_items = body.menus.iter().map(|m| m.menu_items.len()).sum();
        let raw = serde_json::to_value(&body)
            .map_err(|e| ServiceError::Internal(format!("catalog write model: {e}")))?;
        self.push_catalog(&who, outlet_id, Ok(raw)).await?;
        Ok(Repushed {
            partner_id: who.partner.id,
            request_id,
            menu_items,
        })
    }

    async fn has_for_gofood(
        &self,
        p: &Partner,
        outlet_id: &OutletId,
        merchant_id: &str,
    ) -> ServiceResult<bool> {
        let linked = links::is_linked(
            &mut self.db.conn().await?,
            &p.id,
            outlet_id,
            Some(Product::Gofood),
        )
        .await?;
        Ok(p.reaches(merchant_id, linked))
    }

    /// The last pusher if it still has the outlet for `gofood`, else the first partner that
    /// has it.
    async fn gofood_partner(
        &self,
        outlet_id: &OutletId,
        merchant_id: &str,
        last_pusher: Option<&str>,
    ) -> ServiceResult<Option<Partner>> {
        let partners = self.list_partners().await?;
        let (last, others): (Vec<Partner>, Vec<Partner>) = partners
            .into_iter()
            .partition(|p| Some(p.id.as_str()) == last_pusher);
        for p in last.into_iter().chain(others) {
            if self.has_for_gofood(&p, outlet_id, merchant_id).await? {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }
}
