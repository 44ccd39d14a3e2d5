//! QRIS payment transactions (the transaction stored as a JSON document).

use crate::exec::{execute, fetch_all, fetch_optional, text};
use crate::schema::PaymentTransactions as T;
use crate::{Result, Runner, StoreError};
use gobiz_domain::payment::PaymentStatus;
use sea_query::{Expr, ExprTrait, Query};

/// A stored transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTransaction {
    /// UUID.
    pub id: String,
    /// Outlet.
    pub outlet_id: String,
    /// Creating partner.
    pub partner_id: String,
    /// Partner's order id.
    pub order_id: String,
    /// `T` + 24 hex digits (tag 62-05 of the QRIS payload).
    pub reference_label: String,
    /// `pending`, `settlement`, `expire`, `cancel` (stored as its wire name).
    pub status: PaymentStatus,
    /// The domain transaction as JSON.
    pub document: String,
    /// When a pending transaction expires.
    pub expires_at: i64,
    /// Creation.
    pub created_at: i64,
}

const COLUMNS: [T; 9] = [
    T::Id,
    T::OutletId,
    T::PartnerId,
    T::OrderId,
    T::ReferenceLabel,
    T::Status,
    T::Document,
    T::ExpiresAt,
    T::CreatedAt,
];

fn status(s: &str) -> Result<PaymentStatus> {
    PaymentStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("payment status {s:?}")))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredTransaction> {
    Ok(StoredTransaction {
        id: text(row, "id")?,
        outlet_id: text(row, "outlet_id")?,
        partner_id: text(row, "partner_id")?,
        order_id: text(row, "order_id")?,
        reference_label: text(row, "reference_label")?,
        status: status(&text(row, "status")?)?,
        document: text(row, "document")?,
        expires_at: crate::exec::int(row, "expires_at")?,
        created_at: crate::exec::int(row, "created_at")?,
    })
}

/// Inserts a transaction.
pub async fn insert<R: Runner>(r: &mut R, t: &StoredTransaction) -> Result<()> {
    let stmt = Query::insert()
        .into_table(T::Table)
        .columns(COLUMNS)
        .values_panic([
            t.id.clone().into(),
            t.outlet_id.clone().into(),
            t.partner_id.clone().into(),
            t.order_id.clone().into(),
            t.reference_label.clone().into(),
            t.status.as_str().into(),
            t.document.clone().into(),
            t.expires_at.into(),
            t.created_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Moves a transaction from `pending` to `status`; `false` when it was not pending any more.
pub async fn finish<R: Runner>(
    r: &mut R,
    id: &str,
    status: PaymentStatus,
    document: &str,
) -> Result<bool> {
    let stmt = Query::update()
        .table(T::Table)
        .values([
            (T::Status, status.as_str().into()),
            (T::Document, document.into()),
        ])
        .and_where(Expr::col(T::Id).eq(id))
        .and_where(Expr::col(T::Status).eq(PaymentStatus::Pending.as_str()))
        .to_owned();
    Ok(execute(r, &stmt).await? == 1)
}

async fn one<R: Runner>(r: &mut R, col: T, value: &str) -> Result<Option<StoredTransaction>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(T::Table)
        .and_where(Expr::col(col).eq(value))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// One transaction by id.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<StoredTransaction>> {
    one(r, T::Id, id).await
}

/// One transaction by the reference label of its QRIS payload.
pub async fn by_reference<R: Runner>(r: &mut R, label: &str) -> Result<Option<StoredTransaction>> {
    one(r, T::ReferenceLabel, label).await
}

/// True when the outlet has a transaction for `order_id` whose status holds it (`pending` or
/// `settlement`, [`PaymentStatus::HOLDING_ORDER_ID`]).
pub async fn order_id_taken<R: Runner>(r: &mut R, outlet_id: &str, order_id: &str) -> Result<bool> {
    let stmt = Query::select()
        .column(T::Id)
        .from(T::Table)
        .and_where(Expr::col(T::OutletId).eq(outlet_id))
        .and_where(Expr::col(T::OrderId).eq(order_id))
        .and_where(
            Expr::col(T::Status).is_in(PaymentStatus::HOLDING_ORDER_ID.map(PaymentStatus::as_str)),
        )
        .limit(1)
        .to_owned();
    Ok(fetch_optional(r, &stmt).await?.is_some())
}

/// Ids of pending transactions past their expiry.
pub async fn due_expiries<R: Runner>(r: &mut R, now: i64, limit: u64) -> Result<Vec<String>> {
    let stmt = Query::select()
        .column(T::Id)
        .from(T::Table)
        .and_where(Expr::col(T::Status).eq(PaymentStatus::Pending.as_str()))
        .and_where(Expr::col(T::ExpiresAt).lte(now))
        .limit(limit)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| text(row, "id"))
        .collect()
}
