//! The three aggregate reports (spec §8.3–§8.5), each one grouped query in the store and a
//! little arithmetic per group here.

use super::views::{
    MokaCurrencySummary, MokaItemSale, MokaItemSales, MokaModifierSales, MokaModifiersSummary,
    MokaOptionSales, MokaSalesSummary,
};
use super::REPORTING_READ;
use crate::access::Principal;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::moka::range::ReportBody;
use gobiz_domain::moka::ReportRange;
use gobiz_store::{moka, Runner};

impl Services {
    /// Scope → outlet → body (spec §1.7): the validated range of a report.
    async fn moka_report_range(
        &self,
        who: &Principal,
        outlet_id: &str,
        body: Result<ReportBody, ServiceError>,
    ) -> ServiceResult<ReportRange> {
        self.moka_outlet(who, outlet_id, &[REPORTING_READ]).await?;
        Ok(body?.range()?)
    }

    /// `POST .../v1/reporting/sales-summary` (spec §8.3).
    pub async fn moka_sales_summary(
        &self,
        who: &Principal,
        outlet_id: &str,
        body: Result<ReportBody, ServiceError>,
    ) -> ServiceResult<MokaSalesSummary> {
        let range = self.moka_report_range(who, outlet_id, body).await?;
        let mut conn = self.db.conn().await?;
        sales_summary(&mut conn, outlet_id, range).await
    }

    /// `POST .../v1/reporting/item-sales` (spec §8.4).
    pub async fn moka_item_sales(
        &self,
        who: &Principal,
        outlet_id: &str,
        body: Result<ReportBody, ServiceError>,
    ) -> ServiceResult<MokaItemSales> {
        let range = self.moka_report_range(who, outlet_id, body).await?;
        let mut conn = self.db.conn().await?;
        item_sales(&mut conn, outlet_id, range).await
    }

    /// `POST .../v1/reporting/modifiers` (spec §8.5).
    pub async fn moka_modifiers(
        &self,
        who: &Principal,
        outlet_id: &str,
        body: Result<ReportBody, ServiceError>,
    ) -> ServiceResult<MokaModifiersSummary> {
        let range = self.moka_report_range(who, outlet_id, body).await?;
        let mut conn = self.db.conn().await?;
        modifiers(&mut conn, outlet_id, range).await
    }
}

/// Sales summary: one `IDR` entry, zeros when empty.
pub(crate) async fn sales_summary<R: Runner>(
    conn: &mut R,
    outlet_id: &str,
    range: ReportRange,
) -> ServiceResult<MokaSalesSummary> {
    let s = moka::summary(conn, outlet_id, range).await?;
    Ok(MokaSalesSummary {
        sales_summary: vec![MokaCurrencySummary {
            currency: "IDR".into(),
            refund: s.refund,
            gross_amount: s.gross,
            redemption: s.redemption,
        }],
    })
}

/// Item sales: one entry per variant, sorted by name.
pub(crate) async fn item_sales<R: Runner>(
    conn: &mut R,
    outlet_id: &str,
    range: ReportRange,
) -> ServiceResult<MokaItemSales> {
    let mut rows = moka::item_sales(conn, outlet_id, range).await?;
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.variant_id.cmp(&b.variant_id)));
    let (mut refund, mut net, mut sold, mut gross, mut discount) = (0, 0, 0, 0, 0);
    let items: Vec<MokaItemSale> = rows
        .iter()
        .map(|r| {
            let net_sales = r.gross - r.discount - r.refund - r.redemption;
            refund += r.refund;
            net += net_sales;
            sold += r.item_sold;
            gross += r.gross;
            discount += r.discount;
            MokaItemSale {
                variant_id: r.variant_id.to_string(),
                name: r.name.clone(),
                category_name: r.category_name.clone(),
                refund: r.refund,
                redemption: r.redemption,
                net_sales,
                item_sold: r.item_sold,
                item_refunded: r.item_refunded,
                cogs: r.cogs,
                gross_sales: r.gross,
                gross_profit: net_sales - r.cogs,
                discount: r.discount,
            }
        })
        .collect();
    Ok(MokaItemSales {
        total_refund: refund,
        total_net_sales: net,
        total_item_sold: sold,
        total_gross_sales: gross,
        total_discounts: discount,
        item_sales: items,
    })
}

/// Modifiers with their options, each sorted by name.
async fn modifiers<R: Runner>(
    conn: &mut R,
    outlet_id: &str,
    range: ReportRange,
) -> ServiceResult<MokaModifiersSummary> {
    let rows = moka::modifier_sales(conn, outlet_id, range).await?;
    // Options under their modifier id; a modifier is named by its options' (first) name.
    let mut groups: std::collections::BTreeMap<i64, Vec<&moka::OptionRow>> =
        std::collections::BTreeMap::new();
    for r in &rows {
        groups.entry(r.modifier_id).or_default().push(r);
    }
    let mut groups: Vec<(i64, String, Vec<&moka::OptionRow>)> = groups
        .into_iter()
        .map(|(id, mut options)| {
            options.sort_by(|a, b| {
                (a.option_name.as_str(), a.option_id).cmp(&(b.option_name.as_str(), b.option_id))
            });
            let name = options
                .iter()
                .map(|o| o.modifier_name.as_str())
                .min()
                .unwrap_or_default()
                .to_string();
            (id, name, options)
        })
        .collect();
    groups.sort_by(|a, b| (a.1.as_str(), a.0).cmp(&(b.1.as_str(), b.0)));
    let (mut t_refund, mut t_qty, mut t_net, mut t_gross) = (0, 0, 0, 0);
    let modifiers: Vec<MokaModifierSales> = groups
        .iter()
        .map(|(id, name, options)| {
            let refund: i64 = options.iter().map(|o| o.refund).sum();
            let qty: i64 = options.iter().map(|o| o.quantity).sum();
            let gross: i64 = options.iter().map(|o| o.gross).sum();
            t_refund += refund;
            t_qty += qty;
            t_gross += gross;
            t_net += gross - refund;
            let options = options
                .iter()
                .map(|o| MokaOptionSales {
                    id: o.option_id,
                    name: o.option_name.clone(),
                    refund: o.refund,
                    quantity: o.quantity,
                    net_sales: o.gross - o.refund,
                    gross_sales: o.gross,
                    discount: 0,
                })
                .collect();
            MokaModifierSales {
                id: *id,
                name: name.clone(),
                refund,
                quantity: qty,
                net_sales: gross - refund,
                gross_sales: gross,
                discount: 0,
                options,
            }
        })
        .collect();
    Ok(MokaModifiersSummary {
        total_refunds: t_refund,
        total_quantity: t_qty,
        total_net_sales: t_net,
        total_gross_sales: t_gross,
        total_discounts: 0,
        modifiers,
    })
}
