//! QRIS payment transactions (the transaction stored as a JSON document).

use crate::exec::{execute, fetch_all, fetch_optional, int, text};
use crate::schema::PaymentTransactions as T;
use crate::{codec, Result, Runner, StoreError};
use gobiz_domain::payment::{PaymentStatus, Transaction};
use gobiz_domain::qris;
use sea_query::{Expr, ExprTrait, Query};

const TABLE: &str = "payment_transactions";

/// A stored transaction: the domain transaction and what its row adds. The `id`,
/// `outlet_id`, `order_id`, `reference_label`, `status` and `created_at` columns are derived
/// from the transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTransaction {
    /// The transaction (the `document` column).
    pub transaction: Transaction,
    /// Creating partner.
    pub partner_id: String,
    /// When a pending transaction expires.
    pub expires_at: i64,
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

fn from_row(row: &crate::exec::Row) -> Result<StoredTransaction> {
    let id = text(row, "id")?;
    let transaction: Transaction = codec::decode(TABLE, &id, &text(row, "document")?)?;
    // The status column is what queries select on; a row whose column disagrees with its
    // document is as corrupt as an undecodable one.
    let status = text(row, "status")?;
    if PaymentStatus::parse(&status) != Some(transaction.status()) {
        return Err(StoreError::CorruptRow {
            table: TABLE,
            key: id,
            reason: format!(
                "status column {status:?} disagrees with the document's {:?}",
                transaction.status().as_str()
            ),
        });
    }
    Ok(StoredTransaction {
        transaction,
        partner_id: text(row, "partner_id")?,
        expires_at: int(row, "expires_at")?,
    })
}

/// Inserts a transaction created by `partner_id`, pending until `expires_at`.
pub async fn insert<R: Runner>(
    r: &mut R,
    t: &Transaction,
    partner_id: &str,
    expires_at: i64,
) -> Result<()> {
    let stmt = Query::insert()
        .into_table(T::Table)
        .columns(COLUMNS)
        .values_panic([
            t.id().into(),
            t.outlet_id().into(),
            partner_id.into(),
            t.order_id().into(),
            qris::reference_label(t.id()).into(),
            t.status().as_str().into(),
            codec::encode(TABLE, t.id(), t)?.into(),
            expires_at.into(),
            t.created_at().into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Writes a transaction that left `pending` (its new status and document); `false` when the
/// stored one was not pending any more.
pub async fn finish<R: Runner>(r: &mut R, t: &Transaction) -> Result<bool> {
    let stmt = Query::update()
        .table(T::Table)
        .values([
            (T::Status, t.status().as_str().into()),
            (T::Document, codec::encode(TABLE, t.id(), t)?.into()),
        ])
        .and_where(Expr::col(T::Id).eq(t.id()))
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

/// One page of an outlet's transactions, newest first (then by id, so that pages are stable);
/// served by the `(outlet_id, created_at, id)` index on both engines.
pub async fn of_outlet<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<StoredTransaction>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(T::Table)
        .and_where(Expr::col(T::OutletId).eq(outlet_id))
        .order_by(T::CreatedAt, sea_query::Order::Desc)
        .order_by(T::Id, sea_query::Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}
