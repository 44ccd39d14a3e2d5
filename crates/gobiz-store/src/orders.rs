//! GoFood orders, with optimistic concurrency on `version`.

use crate::exec::{execute, fetch_all, fetch_optional, int, text};
use crate::schema::Orders;
use crate::{Result, Runner};
use sea_query::{Expr, ExprTrait, Order, Query};

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    /// `F-…`.
    pub order_number: String,
    /// Outlet.
    pub outlet_id: String,
    /// Current state (for queries).
    pub status: String,
    /// The domain order as JSON.
    pub document: String,
    /// When the acceptance timer fires.
    pub timer_due_at: Option<i64>,
    /// Incremented on every write.
    pub version: i64,
    /// Placement.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const COLUMNS: [Orders; 8] = [
    Orders::OrderNumber,
    Orders::OutletId,
    Orders::Status,
    Orders::Document,
    Orders::TimerDueAt,
    Orders::Version,
    Orders::CreatedAt,
    Orders::UpdatedAt,
];

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredOrder> {
    Ok(StoredOrder {
        order_number: text(row, "order_number")?,
        outlet_id: text(row, "outlet_id")?,
        status: text(row, "status")?,
        document: text(row, "document")?,
        timer_due_at: crate::exec::opt_int(row, "timer_due_at")?,
        version: int(row, "version")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
    })
}

/// Inserts a new order (version 1).
pub async fn insert<R: Runner>(r: &mut R, o: &StoredOrder) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Orders::Table)
        .columns(COLUMNS)
        .values_panic([
            o.order_number.clone().into(),
            o.outlet_id.clone().into(),
            o.status.clone().into(),
            o.document.clone().into(),
            o.timer_due_at.into(),
            o.version.into(),
            o.created_at.into(),
            o.updated_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Writes a new state if nobody else wrote since `expected_version`; `false` on a lost race.
pub async fn update_if<R: Runner>(
    r: &mut R,
    o: &StoredOrder,
    expected_version: i64,
) -> Result<bool> {
    let stmt = Query::update()
        .table(Orders::Table)
        .values([
            (Orders::Status, o.status.clone().into()),
            (Orders::Document, o.document.clone().into()),
            (Orders::TimerDueAt, o.timer_due_at.into()),
            (Orders::Version, (expected_version + 1).into()),
            (Orders::UpdatedAt, o.updated_at.into()),
        ])
        .and_where(Expr::col(Orders::OrderNumber).eq(o.order_number.as_str()))
        .and_where(Expr::col(Orders::Version).eq(expected_version))
        .to_owned();
    Ok(execute(r, &stmt).await? == 1)
}

/// One order.
pub async fn get<R: Runner>(r: &mut R, number: &str) -> Result<Option<StoredOrder>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::OrderNumber).eq(number))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// An outlet's orders, newest first.
pub async fn of_outlet<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<StoredOrder>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::OutletId).eq(outlet_id))
        .order_by(Orders::CreatedAt, Order::Desc)
        .order_by(Orders::OrderNumber, Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// Order numbers whose acceptance timer is due at `now`.
pub async fn due_timers<R: Runner>(r: &mut R, now: i64, limit: u64) -> Result<Vec<String>> {
    let stmt = Query::select()
        .column(Orders::OrderNumber)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::TimerDueAt).lte(now))
        .order_by(Orders::TimerDueAt, Order::Asc)
        .limit(limit)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| text(row, "order_number"))
        .collect()
}
