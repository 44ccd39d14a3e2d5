//! Merchants.

use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, int, text};
use crate::schema::Merchants;
use crate::{Result, Runner};
use gobiz_domain::entities::Merchant;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

fn select() -> SelectStatement {
    Query::select()
        .columns([Merchants::Id, Merchants::Name, Merchants::CreatedAt])
        .from(Merchants::Table)
        .to_owned()
}

fn from_row(row: &Row) -> Result<Merchant> {
    Ok(Merchant {
        id: text(row, "id")?,
        name: text(row, "name")?,
        created_at: int(row, "created_at")?,
    })
}

/// Inserts a merchant.
pub async fn insert<R: Runner>(r: &mut R, m: &Merchant) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Merchants::Table)
        .columns([Merchants::Id, Merchants::Name, Merchants::CreatedAt])
        .values_panic([
            m.id.clone().into(),
            m.name.clone().into(),
            m.created_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One merchant by id.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<Merchant>> {
    let stmt = select()
        .and_where(Expr::col(Merchants::Id).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every merchant, oldest first.
pub async fn list<R: Runner>(r: &mut R) -> Result<Vec<Merchant>> {
    let stmt = select()
        .order_by(Merchants::CreatedAt, Order::Asc)
        .order_by(Merchants::Id, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}
