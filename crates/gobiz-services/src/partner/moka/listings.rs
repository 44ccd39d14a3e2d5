//! The listing endpoints (spec §8.6–§8.10): invoices and paid transactions (paged with a
//! `completed` flag), the gratuity and customer libraries (with `total_pages`/`total_count`),
//! and a business's outlets.

use super::{views, REPORTING_READ};
use crate::access::Principal;
use crate::partner::Page;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::model::PartnerType;
use gobiz_store::moka::{self, Library};
use gobiz_store::{links, outlets};
use views::{
    MokaBusinessOutlet, MokaBusinessOutlets, MokaCustomersPage, MokaGratuitiesPage,
    MokaInvoicesPage, MokaTransactionsPage,
};

/// Order of the transactions report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first (default).
    Desc,
}

impl SortOrder {
    /// `ASC` / `DESC` in any case; absent = `DESC`.
    pub fn parse(raw: Option<&str>) -> ServiceResult<SortOrder> {
        match raw.map(str::to_ascii_uppercase).as_deref() {
            None | Some("DESC") => Ok(SortOrder::Desc),
            Some("ASC") => Ok(SortOrder::Asc),
            Some(_) => Err(ServiceError::invalid("order", "must be ASC or DESC")),
        }
    }
}

/// `(list, completed)` from a page fetched with one extra row.
fn completed<T>(mut rows: Vec<T>, per: u64) -> (Vec<T>, bool) {
    let last = rows.len() as u64 <= per;
    rows.truncate(usize::try_from(per).unwrap_or(usize::MAX));
    (rows, last)
}

impl Services {
    /// `GET .../v1/reporting/invoices`: invoice sales, newest first.
    pub async fn moka_invoices(
        &self,
        who: &Principal,
        outlet_id: &str,
        page: ServiceResult<Page>,
    ) -> ServiceResult<MokaInvoicesPage> {
        self.moka_outlet(who, outlet_id, &[REPORTING_READ]).await?;
        let page = page?;
        let mut conn = self.db.conn().await?;
        let rows = moka::page(
            &mut conn,
            outlet_id,
            Some("invoice"),
            false,
            page.per + 1,
            page.offset(),
        )
        .await?;
        let (rows, done) = completed(rows, page.per);
        Ok(MokaInvoicesPage {
            invoices: rows.iter().map(views::invoice).collect(),
            completed: done,
        })
    }

    /// `GET .../v1/reporting/transactions`: every sale, by date in `order`.
    pub async fn moka_transactions(
        &self,
        who: &Principal,
        outlet_id: &str,
        query: ServiceResult<(Page, SortOrder)>,
    ) -> ServiceResult<MokaTransactionsPage> {
        self.moka_outlet(
            who,
            outlet_id,
            &["mokapos:transaction:read", REPORTING_READ],
        )
        .await?;
        let (page, order) = query?;
        let mut conn = self.db.conn().await?;
        let rows = moka::page(
            &mut conn,
            outlet_id,
            None,
            order == SortOrder::Asc,
            page.per + 1,
            page.offset(),
        )
        .await?;
        let (rows, done) = completed(rows, page.per);
        Ok(MokaTransactionsPage {
            transactions: rows.iter().map(views::transaction).collect(),
            completed: done,
        })
    }

    /// `GET .../v1/library/gratuities`: the active gratuities, a page by id, under the
    /// singular key `gratuity`.
    pub async fn moka_gratuities(
        &self,
        who: &Principal,
        outlet_id: &str,
        page: ServiceResult<Page>,
    ) -> ServiceResult<MokaGratuitiesPage> {
        let scopes = [REPORTING_READ, "mokapos:library:read"];
        let (total_pages, total_count, gratuity) = self
            .moka_library(who, outlet_id, &scopes, Library::ActiveGratuities, page)
            .await?;
        Ok(MokaGratuitiesPage {
            total_pages,
            total_count,
            gratuity,
        })
    }

    /// `GET .../v1/customers`: the outlet's customers, a page by id.
    pub async fn moka_customers(
        &self,
        who: &Principal,
        outlet_id: &str,
        page: ServiceResult<Page>,
    ) -> ServiceResult<MokaCustomersPage> {
        let scopes = [REPORTING_READ, "mokapos:customer:read"];
        let (total_pages, total_count, customers) = self
            .moka_library(who, outlet_id, &scopes, Library::Customers, page)
            .await?;
        Ok(MokaCustomersPage {
            total_pages,
            total_count,
            customers,
        })
    }

    /// A page of a library by id, with `total_pages` and `total_count`: scope, outlet, page,
    /// then the stored documents read as `T`.
    async fn moka_library<T: serde::de::DeserializeOwned>(
        &self,
        who: &Principal,
        outlet_id: &str,
        scopes: &[&str],
        kind: Library,
        page: ServiceResult<Page>,
    ) -> ServiceResult<(i64, i64, Vec<T>)> {
        self.moka_outlet(who, outlet_id, scopes).await?;
        let page = page?;
        let mut conn = self.db.conn().await?;
        let (entries, total) =
            moka::library_page(&mut conn, kind, outlet_id, page.per, page.offset()).await?;
        let list = entries
            .into_iter()
            .map(|e| {
                serde_json::from_value(e.document).map_err(|err| {
                    ServiceError::Internal(format!("stored Moka {kind:?} {}: {err}", e.id))
                })
            })
            .collect::<ServiceResult<Vec<T>>>()?;
        let per = i64::try_from(page.per).unwrap_or(i64::MAX);
        let pages = (total + per - 1) / per;
        Ok((pages, total, list))
    }

    /// `GET /integrations/mokapos/businesses/{business_id}/v1/outlets`: the merchant's
    /// outlets the caller may act on (any product).
    pub async fn moka_business_outlets(
        &self,
        who: &Principal,
        business_id: &str,
    ) -> ServiceResult<MokaBusinessOutlets> {
        who.require_scope("mokapos:library:read")?;
        let mut conn = self.db.conn().await?;
        let all = outlets::of_merchants(&mut conn, &[business_id.to_string()]).await?;
        // The partner's linked outlets in one query (facilitators only need them).
        let linked: std::collections::HashSet<String> = match who.partner.kind {
            PartnerType::Facilitator => {
                links::page_of_partner(&mut conn, &who.partner.id, u64::MAX, 0)
                    .await?
                    .into_iter()
                    .map(|l| l.outlet_id)
                    .collect()
            }
            PartnerType::Direct => std::collections::HashSet::new(),
        };
        let mut visible = Vec::new();
        for o in all {
            if who.partner.reaches(&o.merchant_id, linked.contains(&o.id)) {
                visible.push(MokaBusinessOutlet {
                    id: o.id,
                    name: o.name,
                });
            }
        }
        if visible.is_empty() {
            return Err(ServiceError::NotFound(format!(
                "Business with id: {business_id} is not found"
            )));
        }
        Ok(MokaBusinessOutlets { outlets: visible })
    }
}
