//! MokaPOS sales per day (the console's chart, issue 17): the item-sales figures of
//! [`crate::moka::item_sales`] grouped by local day instead of by variant, in one query over
//! the `(outlet_id, transaction_time)` index of the sale lines.

use crate::exec::{fetch_all, int};
use crate::schema::MokaSaleLines as L;
use crate::{Result, Runner};
use gobiz_domain::moka::ReportRange;
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SimpleExpr};

const DAY_MS: i64 = 86_400_000;

fn sum(expr: &str) -> SimpleExpr {
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

/// One day's sums over the sale lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayRow {
    /// The day: whole days since 1970-01-01 in the time zone of `offset_ms`.
    pub day: i64,
    /// Σ line gross (`unit_gross × quantity`).
    pub gross: i64,
    /// Σ discount.
    pub discount: i64,
    /// Σ refunded gross (`unit_gross × refunded_quantity`).
    pub refund: i64,
    /// Σ redemption.
    pub redemption: i64,
}

/// An outlet's sale lines in the range summed per day, days counted in the time zone
/// `offset_ms` ahead of UTC (e.g. 7 h for Jakarta); days without sales are absent.
pub async fn per_day<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    range: ReportRange,
    offset_ms: i64,
) -> Result<Vec<DayRow>> {
    // Transaction times are positive milliseconds, so integer division floors on both engines.
    let day = format!("(transaction_time + {offset_ms}) / {DAY_MS}");
    let stmt = Query::select()
        .expr_as(Expr::cust(day.clone()), Alias::new("day"))
        .expr_as(sum("unit_gross * quantity"), Alias::new("gross"))
        .expr_as(sum("discount"), Alias::new("discount"))
        .expr_as(sum("unit_gross * refunded_quantity"), Alias::new("refund"))
        .expr_as(sum("redemption"), Alias::new("redemption"))
        .from(L::Table)
        .and_where(Expr::col(L::OutletId).eq(outlet_id))
        .and_where(Expr::col(L::TransactionTime).between(range.gte, range.lte))
        .add_group_by([Expr::cust(day.clone())])
        .order_by_expr(Expr::cust(day), Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(DayRow {
                day: int(row, "day")?,
                gross: int(row, "gross")?,
                discount: int(row, "discount")?,
                refund: int(row, "refund")?,
                redemption: int(row, "redemption")?,
            })
        })
        .collect()
}
