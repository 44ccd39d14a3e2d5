//! Partner reads of spec §3.2 and §3.4.

use crate::access::Principal;
use crate::{ServiceResult, Services};
use gobiz_domain::entities::Outlet;
use gobiz_domain::ids::OutletId;
use gobiz_domain::model::PartnerType;
use gobiz_store::{links, outlets};
use std::sync::Arc;

/// One entry of `GET /integrations/partner/v1/linked-outlets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedOutletView {
    /// Outlet id.
    pub id: String,
    /// The partner's id for the outlet; `None` for direct-integration callers.
    pub external_outlet_id: Option<String>,
    /// First link time (direct: outlet creation).
    pub created_at: i64,
    /// Last change of the link (direct: of the outlet).
    pub updated_at: i64,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub page: u64,
    /// Page size.
    pub per: u64,
}

impl Page {
    /// Rows to skip before this page.
    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.per)
    }
}

impl Services {
    /// Facilitators: outlets linked for at least one product; direct: the merchant's outlets.
    /// Served from [`crate::runtime::memo::LinkedOutletsMemo`] when this page was read in the
    /// last second.
    pub async fn linked_outlets(
        &self,
        who: &Principal,
        page: Page,
    ) -> ServiceResult<Arc<[LinkedOutletView]>> {
        who.require_scope("partner:outlet:read")?;
        let key = (who.partner.id.clone(), page.page, page.per);
        if let Some(hit) = self.linked_memo.get(&key) {
            return Ok(hit);
        }
        let read: Arc<[LinkedOutletView]> = self.read_linked_outlets(who, page).await?.into();
        self.linked_memo.put(key, read.clone());
        Ok(read)
    }

    async fn read_linked_outlets(
        &self,
        who: &Principal,
        page: Page,
    ) -> ServiceResult<Vec<LinkedOutletView>> {
        let mut conn = self.db.conn().await?;
        match (who.partner.kind, who.partner.merchant_id.as_deref()) {
            (PartnerType::Direct, Some(merchant_id)) => {
                Ok(
                    outlets::page_of_merchant(&mut conn, merchant_id, page.per, page.offset())
                        .await?
                        .into_iter()
                        .map(|o| LinkedOutletView {
                            id: o.id,
                            external_outlet_id: None,
                            created_at: o.created_at,
                            updated_at: o.updated_at,
                        })
                        .collect(),
                )
            }
            (PartnerType::Direct, None) => Ok(Vec::new()),
            (PartnerType::Facilitator, _) => {
                Ok(
                    links::page_of_partner(&mut conn, &who.partner.id, page.per, page.offset())
                        .await?
                        .into_iter()
                        .map(|l| LinkedOutletView {
                            id: l.outlet_id,
                            external_outlet_id: Some(l.external_outlet_id),
                            created_at: l.created_at,
                            updated_at: l.updated_at,
                        })
                        .collect(),
                )
            }
        }
    }

    /// `GET /integrations/partner/outlets/{outlet_id}/v1`: any product's link suffices.
    pub async fn outlet_info(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
    ) -> ServiceResult<Outlet> {
        who.require_scope("partner:outlet:read")?;
        self.accessible_outlet(who, outlet_id, None).await
    }
}
