//! Outlets, always read together with their merchant's name.

use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, flag, int, parsed, text};
use crate::schema::{Merchants, Outlets};
use crate::{Result, Runner};
use gobiz_domain::entities::Outlet;
use gobiz_domain::model::{AcceptanceMode, OutletStatus};
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};

fn select() -> SelectStatement {
    Query::select()
        .columns([
            (Outlets::Table, Outlets::Id),
            (Outlets::Table, Outlets::MerchantId),
            (Outlets::Table, Outlets::Name),
            (Outlets::Table, Outlets::Address),
            (Outlets::Table, Outlets::Email),
            (Outlets::Table, Outlets::Status),
            (Outlets::Table, Outlets::AcceptanceMode),
            (Outlets::Table, Outlets::ForceClose),
            (Outlets::Table, Outlets::QrisActive),
            (Outlets::Table, Outlets::GopayActive),
            (Outlets::Table, Outlets::MidtransActive),
            (Outlets::Table, Outlets::PopId),
            (Outlets::Table, Outlets::CreatedAt),
            (Outlets::Table, Outlets::UpdatedAt),
        ])
        .expr_as(
            Expr::col((Merchants::Table, Merchants::Name)),
            Alias::new("merchant_name"),
        )
        .from(Outlets::Table)
        .inner_join(
            Merchants::Table,
            Expr::col((Merchants::Table, Merchants::Id))
                .equals((Outlets::Table, Outlets::MerchantId)),
        )
        .to_owned()
}

fn from_row(row: &Row) -> Result<Outlet> {
    Ok(Outlet {
        id: text(row, "id")?,
        merchant_id: text(row, "merchant_id")?,
        merchant_name: text(row, "merchant_name")?,
        name: text(row, "name")?,
        address: text(row, "address")?,
        email: text(row, "email")?,
        status: parsed(text(row, "status")?, OutletStatus::parse)?,
        acceptance_mode: parsed(text(row, "acceptance_mode")?, AcceptanceMode::parse)?,
        force_close: flag(row, "force_close")?,
        qris_active: flag(row, "qris_active")?,
        gopay_active: flag(row, "gopay_active")?,
        midtrans_active: flag(row, "midtrans_active")?,
        pop_id: text(row, "pop_id")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
    })
}

/// Inserts an outlet (its `merchant_name` is ignored: it comes from the merchant).
pub async fn insert<R: Runner>(r: &mut R, o: &Outlet) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Outlets::Table)
        .columns([
            Outlets::Id,
            Outlets::MerchantId,
            Outlets::Name,
            Outlets::Address,
            Outlets::Email,
            Outlets::Status,
            Outlets::AcceptanceMode,
            Outlets::ForceClose,
            Outlets::QrisActive,
            Outlets::GopayActive,
            Outlets::MidtransActive,
            Outlets::PopId,
            Outlets::CreatedAt,
            Outlets::UpdatedAt,
        ])
        .values_panic([
            o.id.clone().into(),
            o.merchant_id.clone().into(),
            o.name.clone().into(),
            o.address.clone().into(),
            o.email.clone().into(),
            o.status.as_str().into(),
            o.acceptance_mode.as_str().into(),
            i64::from(o.force_close).into(),
            i64::from(o.qris_active).into(),
            i64::from(o.gopay_active).into(),
            i64::from(o.midtrans_active).into(),
            o.pop_id.clone().into(),
            o.created_at.into(),
            o.updated_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Writes every mutable field of an outlet.
pub async fn update<R: Runner>(r: &mut R, o: &Outlet) -> Result<()> {
    let stmt = Query::update()
        .table(Outlets::Table)
        .values([
            (Outlets::Name, o.name.clone().into()),
            (Outlets::Address, o.address.clone().into()),
            (Outlets::Email, o.email.clone().into()),
            (Outlets::Status, o.status.as_str().into()),
            (Outlets::AcceptanceMode, o.acceptance_mode.as_str().into()),
            (Outlets::ForceClose, i64::from(o.force_close).into()),
            (Outlets::QrisActive, i64::from(o.qris_active).into()),
            (Outlets::GopayActive, i64::from(o.gopay_active).into()),
            (Outlets::MidtransActive, i64::from(o.midtrans_active).into()),
            (Outlets::UpdatedAt, o.updated_at.into()),
        ])
        .and_where(Expr::col(Outlets::Id).eq(o.id.as_str()))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Sets the acceptance mode (linking for `gofood` switches it to `auto_accept`).
pub async fn set_acceptance_mode<R: Runner>(
    r: &mut R,
    id: &str,
    mode: AcceptanceMode,
    now: i64,
) -> Result<()> {
    let stmt = Query::update()
        .table(Outlets::Table)
        .values([
            (Outlets::AcceptanceMode, mode.as_str().into()),
            (Outlets::UpdatedAt, now.into()),
        ])
        .and_where(Expr::col(Outlets::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One outlet by id.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<Outlet>> {
    let stmt = select()
        .and_where(Expr::col((Outlets::Table, Outlets::Id)).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every outlet, oldest first.
pub async fn list<R: Runner>(r: &mut R) -> Result<Vec<Outlet>> {
    let stmt = select()
        .order_by((Outlets::Table, Outlets::CreatedAt), Order::Asc)
        .order_by((Outlets::Table, Outlets::Id), Order::Asc)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// One page of a merchant's outlets, sorted by `created_at` then `id`.
pub async fn page_of_merchant<R: Runner>(
    r: &mut R,
    merchant_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<Outlet>> {
    let stmt = select()
        .and_where(Expr::col((Outlets::Table, Outlets::MerchantId)).eq(merchant_id))
        .order_by((Outlets::Table, Outlets::CreatedAt), Order::Asc)
        .order_by((Outlets::Table, Outlets::Id), Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// Every outlet of the merchants in `merchant_ids`, sorted by `id`.
pub async fn of_merchants<R: Runner>(r: &mut R, merchant_ids: &[String]) -> Result<Vec<Outlet>> {
    if merchant_ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = select()
        .and_where(
            Expr::col((Outlets::Table, Outlets::MerchantId))
                .is_in(merchant_ids.iter().map(String::as_str)),
        )
        .order_by((Outlets::Table, Outlets::Id), Order::Asc)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// Serializes writers of one outlet's dependent rows (e.g. promotions, whose overlap rule
/// reads before it writes) until the transaction ends.
///
/// Engine-specific: `SELECT … FOR UPDATE` on PostgreSQL; sea-query leaves the clause out for
/// SQLite, where `BEGIN IMMEDIATE` already makes every write transaction exclusive.
pub async fn lock<R: Runner>(r: &mut R, id: &str) -> Result<bool> {
    let stmt = Query::select()
        .column(Outlets::Id)
        .from(Outlets::Table)
        .and_where(Expr::col(Outlets::Id).eq(id))
        .lock(sea_query::LockType::Update)
        .to_owned();
    Ok(fetch_optional(r, &stmt).await?.is_some())
}

/// An outlet and whether `partner_id` has it linked (for `product`, or any product), in one
/// query: the access check of every outlet path.
pub async fn get_with_link<R: Runner>(
    r: &mut R,
    id: &str,
    partner_id: &str,
    product: Option<gobiz_domain::model::Product>,
) -> Result<Option<(Outlet, bool)>> {
    use crate::schema::OutletLinks;
    let mut link = Query::select()
        .expr(Expr::val(1))
        .from(OutletLinks::Table)
        .and_where(Expr::col((OutletLinks::Table, OutletLinks::PartnerId)).eq(partner_id))
        .and_where(Expr::col((OutletLinks::Table, OutletLinks::OutletId)).eq(id))
        .to_owned();
    if let Some(p) = product {
        link.and_where(Expr::col((OutletLinks::Table, OutletLinks::Product)).eq(p.as_str()));
    }
    let stmt = select()
        .expr_as(
            Expr::case(Expr::exists(link), Expr::val(1i64)).finally(Expr::val(0i64)),
            Alias::new("linked"),
        )
        .and_where(Expr::col((Outlets::Table, Outlets::Id)).eq(id))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some((from_row(&row)?, int(&row, "linked")? != 0)))
}
