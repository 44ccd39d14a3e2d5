//! SKU promotions (the domain `Promotion` stored as a JSON document).

use crate::exec::{execute, fetch_all, fetch_optional, int, text};
use crate::schema::Promotions;
use crate::{codec, Result, Runner};
use gobiz_domain::promo::Promotion;
use sea_query::{Alias, Expr, ExprTrait, Order, Query};

const TABLE: &str = "promotions";

fn encode(p: &Promotion) -> Result<String> {
    codec::encode(TABLE, &p.id, p)
}

/// The promotion of a row selected with its `id` and `document`.
fn decode(row: &crate::exec::Row) -> Result<Promotion> {
    codec::decode(TABLE, &text(row, "id")?, &text(row, "document")?)
}

/// Inserts a promotion.
pub async fn insert<R: Runner>(r: &mut R, p: &Promotion) -> Result<()> {
    let doc = encode(p)?;
    let stmt = Query::insert()
        .into_table(Promotions::Table)
        .columns([
            Promotions::Id,
            Promotions::OutletId,
            Promotions::ExternalMenuId,
            Promotions::Document,
            Promotions::CreatedAt,
        ])
        .values_panic([
            p.id.clone().into(),
            p.outlet_id.clone().into(),
            p.external_menu_id.clone().into(),
            doc.into(),
            p.created_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Rewrites a promotion's document.
pub async fn update<R: Runner>(r: &mut R, p: &Promotion) -> Result<()> {
    let doc = encode(p)?;
    let stmt = Query::update()
        .table(Promotions::Table)
        .value(Promotions::Document, doc)
        .and_where(Expr::col(Promotions::Id).eq(p.id.as_str()))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Deletes a promotion; `false` when there was none.
pub async fn delete<R: Runner>(r: &mut R, outlet_id: &str, id: &str) -> Result<bool> {
    let stmt = Query::delete()
        .from_table(Promotions::Table)
        .and_where(Expr::col(Promotions::Id).eq(id))
        .and_where(Expr::col(Promotions::OutletId).eq(outlet_id))
        .to_owned();
    Ok(execute(r, &stmt).await? == 1)
}

/// One promotion of an outlet.
pub async fn get<R: Runner>(r: &mut R, outlet_id: &str, id: &str) -> Result<Option<Promotion>> {
    let stmt = Query::select()
        .columns([Promotions::Id, Promotions::Document])
        .from(Promotions::Table)
        .and_where(Expr::col(Promotions::Id).eq(id))
        .and_where(Expr::col(Promotions::OutletId).eq(outlet_id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(decode(&row)?)),
        None => Ok(None),
    }
}

/// One page of an outlet's promotions, newest first, and the total count.
pub async fn page<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Promotion>, i64)> {
    let stmt = Query::select()
        .columns([Promotions::Id, Promotions::Document])
        .from(Promotions::Table)
        .and_where(Expr::col(Promotions::OutletId).eq(outlet_id))
        .order_by(Promotions::CreatedAt, Order::Desc)
        .order_by(Promotions::Id, Order::Desc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    let list = fetch_all(r, &stmt)
        .await?
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>>>()?;
    let count = Query::select()
        .expr_as(Expr::col(Promotions::Id).count(), Alias::new("n"))
        .from(Promotions::Table)
        .and_where(Expr::col(Promotions::OutletId).eq(outlet_id))
        .to_owned();
    let total = match fetch_optional(r, &count).await? {
        Some(row) => int(&row, "n")?,
        None => 0,
    };
    Ok((list, total))
}

/// Every promotion of an outlet (optionally of one item).
pub async fn of_outlet<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    item: Option<&str>,
) -> Result<Vec<Promotion>> {
    let mut stmt = Query::select()
        .columns([Promotions::Id, Promotions::Document])
        .from(Promotions::Table)
        .and_where(Expr::col(Promotions::OutletId).eq(outlet_id))
        .order_by(Promotions::CreatedAt, Order::Asc)
        .to_owned();
    if let Some(i) = item {
        stmt.and_where(Expr::col(Promotions::ExternalMenuId).eq(i));
    }
    fetch_all(r, &stmt).await?.iter().map(decode).collect()
}
