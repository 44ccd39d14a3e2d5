//! GoFood orders, with optimistic concurrency on `version`.

use crate::exec::{execute, fetch_all, fetch_optional, int, opt_int, text};
use crate::schema::Orders;
use crate::{codec, Result, Runner};
use gobiz_domain::order::Order;
use sea_query::{Expr, ExprTrait, Order as Sort, Query};

const TABLE: &str = "orders";

/// A stored order: the domain order and its row's bookkeeping. The `outlet_id`, `status`
/// and `created_at` columns are derived from the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    /// The order (the `document` column).
    pub order: Order,
    /// When the order's timer fires (acceptance deadline or auto-driver step).
    pub timer_due_at: Option<i64>,
    /// Incremented on every write.
    pub version: i64,
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

fn decode(row: &crate::exec::Row) -> Result<Order> {
    codec::decode(TABLE, &text(row, "order_number")?, &text(row, "document")?)
}

fn encode(o: &Order) -> Result<String> {
    codec::encode(TABLE, o.order_number(), o)
}

fn from_row(row: &crate::exec::Row) -> Result<StoredOrder> {
    Ok(StoredOrder {
        order: decode(row)?,
        timer_due_at: opt_int(row, "timer_due_at")?,
        version: int(row, "version")?,
        updated_at: int(row, "updated_at")?,
    })
}

/// Inserts a new order (version 1) at `now`.
pub async fn insert<R: Runner>(
    r: &mut R,
    o: &Order,
    timer_due_at: Option<i64>,
    now: i64,
) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Orders::Table)
        .columns(COLUMNS)
        .values_panic([
            o.order_number().into(),
            o.outlet_id().into(),
            o.state().as_str().into(),
            encode(o)?.into(),
            timer_due_at.into(),
            1i64.into(),
            o.created_at().into(),
            now.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Writes a new state at `now` if nobody else wrote since `expected_version`; `false` on a
/// lost race.
pub async fn update_if<R: Runner>(
    r: &mut R,
    o: &Order,
    timer_due_at: Option<i64>,
    now: i64,
    expected_version: i64,
) -> Result<bool> {
    let stmt = Query::update()
        .table(Orders::Table)
        .values([
            (Orders::Status, o.state().as_str().into()),
            (Orders::Document, encode(o)?.into()),
            (Orders::TimerDueAt, timer_due_at.into()),
            (Orders::Version, (expected_version + 1).into()),
            (Orders::UpdatedAt, now.into()),
        ])
        .and_where(Expr::col(Orders::OrderNumber).eq(o.order_number()))
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
) -> Result<Vec<Order>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::OutletId).eq(outlet_id))
        .order_by(Orders::CreatedAt, Sort::Desc)
        .order_by(Orders::OrderNumber, Sort::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(decode).collect()
}

/// Order numbers whose acceptance timer is due at `now`.
pub async fn due_timers<R: Runner>(r: &mut R, now: i64, limit: u64) -> Result<Vec<String>> {
    let stmt = Query::select()
        .column(Orders::OrderNumber)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::TimerDueAt).lte(now))
        .order_by(Orders::TimerDueAt, Sort::Asc)
        .limit(limit)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| text(row, "order_number"))
        .collect()
}
