//! The console's MokaPOS page (issue 17): the sales summary and item-sales reports of an
//! outlet over a range, computed by the same code as the partner reports (spec §8.3, §8.4)
//! but without a partner token, plus gross and net sales per day for the chart.

use crate::partner::moka::reports::{item_sales, sales_summary};
use crate::partner::moka::views::{MokaItemSales, MokaSalesSummary};
use crate::{ServiceResult, Services};
use gobiz_domain::clock::Millis;
use gobiz_domain::moka::range::checked_range;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_store::moka_daily;

const DAY_MS: i64 = 86_400_000;

/// One day of the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MokaDay {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// Σ line gross.
    pub gross: i64,
    /// Gross − discounts − refunds − redemptions (the item-sales report's net sales).
    pub net: i64,
}

/// The reports of one range.
#[derive(Debug)]
pub struct MokaRangeReport {
    /// As `POST .../reporting/sales-summary` answers it.
    pub summary: MokaSalesSummary,
    /// As `POST .../reporting/item-sales` answers it.
    pub items: MokaItemSales,
    /// Every day of the range, oldest first, zeros on days without sales.
    pub days: Vec<MokaDay>,
}

impl Services {
    /// Sandbox: the sales summary, the item sales and the sales per day of an outlet between
    /// `from` and `to` (RFC 3339 with an offset, inclusive, at most 366 days apart; the
    /// violations name `from` and `to`). Days are counted `offset_ms` ahead of UTC.
    pub async fn sandbox_moka_report(
        &self,
        outlet_id: &str,
        from: &str,
        to: &str,
        offset_ms: i64,
    ) -> ServiceResult<MokaRangeReport> {
        self.get_outlet(outlet_id).await?;
        let range = checked_range(from, to, "", "from", "to")?;
        let mut conn = self.db.conn().await?;
        let summary = sales_summary(&mut conn, outlet_id, range).await?;
        let items = item_sales(&mut conn, outlet_id, range).await?;
        let rows = moka_daily::per_day(&mut conn, outlet_id, range, offset_ms).await?;
        let day_of = |t: Millis| (t + offset_ms).div_euclid(DAY_MS);
        let (first, last) = (day_of(range.gte), day_of(range.lte));
        let mut rows = rows.into_iter().peekable();
        let mut days = Vec::new();
        for day in first..=last {
            let mut d = MokaDay {
                date: rfc3339_seconds(day * DAY_MS).chars().take(10).collect(),
                gross: 0,
                net: 0,
            };
            while let Some(r) = rows.next_if(|r| r.day <= day) {
                if r.day == day {
                    d.gross += r.gross;
                    d.net += r.gross - r.discount - r.refund - r.redemption;
                }
            }
            days.push(d);
        }
        Ok(MokaRangeReport {
            summary,
            items,
            days,
        })
    }
}
