//! Partner ↔ outlet links per product.

use crate::exec::{execute, fetch_all, fetch_optional, int, parsed, text};
use crate::schema::OutletLinks;
use crate::{Result, Runner};
use gobiz_domain::entities::Link;
use gobiz_domain::model::Product;
use sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Order, Query};

/// Every column, in insert order.
const COLUMNS: [OutletLinks; 7] = [
    OutletLinks::PartnerId,
    OutletLinks::OutletId,
    OutletLinks::Product,
    OutletLinks::ExternalOutletId,
    OutletLinks::CreatedAt,
    OutletLinks::UpdatedAt,
    OutletLinks::LinkedAt,
];

/// Creates or refreshes a link. The `external_outlet_id` belongs to the (partner, outlet)
/// pair, so it is rewritten on the pair's other product link too (spec §3.1).
pub async fn upsert<R: Runner>(r: &mut R, l: &Link) -> Result<()> {
    let stmt = Query::insert()
        .into_table(OutletLinks::Table)
        .columns(COLUMNS)
        .values_panic([
            l.partner_id.clone().into(),
            l.outlet_id.clone().into(),
            l.product.as_str().into(),
            l.external_outlet_id.clone().into(),
            l.created_at.into(),
            l.updated_at.into(),
            l.linked_at.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                OutletLinks::PartnerId,
                OutletLinks::OutletId,
                OutletLinks::Product,
            ])
            .update_columns([
                OutletLinks::ExternalOutletId,
                OutletLinks::UpdatedAt,
                OutletLinks::LinkedAt,
            ])
            .to_owned(),
        )
        .to_owned();
    execute(r, &stmt).await?;
    let sync = Query::update()
        .table(OutletLinks::Table)
        .values([
            (
                OutletLinks::ExternalOutletId,
                l.external_outlet_id.clone().into(),
            ),
            (OutletLinks::UpdatedAt, l.updated_at.into()),
        ])
        .and_where(Expr::col(OutletLinks::PartnerId).eq(l.partner_id.as_str()))
        .and_where(Expr::col(OutletLinks::OutletId).eq(l.outlet_id.as_str()))
        .and_where(Expr::col(OutletLinks::ExternalOutletId).ne(l.external_outlet_id.as_str()))
        .to_owned();
    execute(r, &sync).await?;
    Ok(())
}

/// One link.
pub async fn get<R: Runner>(
    r: &mut R,
    partner_id: &str,
    outlet_id: &str,
    product: Product,
) -> Result<Option<Link>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(OutletLinks::Table)
        .and_where(Expr::col(OutletLinks::PartnerId).eq(partner_id))
        .and_where(Expr::col(OutletLinks::OutletId).eq(outlet_id))
        .and_where(Expr::col(OutletLinks::Product).eq(product.as_str()))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some(Link {
        partner_id: text(&row, "partner_id")?,
        outlet_id: text(&row, "outlet_id")?,
        product: parsed(text(&row, "product")?, Product::parse)?,
        external_outlet_id: text(&row, "external_outlet_id")?,
        created_at: int(&row, "created_at")?,
        updated_at: int(&row, "updated_at")?,
        linked_at: int(&row, "linked_at")?,
    }))
}

/// Removes a link; returns whether one existed.
pub async fn delete<R: Runner>(
    r: &mut R,
    partner_id: &str,
    outlet_id: &str,
    product: Product,
) -> Result<bool> {
    let stmt = Query::delete()
        .from_table(OutletLinks::Table)
        .and_where(Expr::col(OutletLinks::PartnerId).eq(partner_id))
        .and_where(Expr::col(OutletLinks::OutletId).eq(outlet_id))
        .and_where(Expr::col(OutletLinks::Product).eq(product.as_str()))
        .to_owned();
    Ok(execute(r, &stmt).await? > 0)
}

/// True when the partner has the outlet linked for `product`, or for any product when
/// `product` is `None`.
pub async fn is_linked<R: Runner>(
    r: &mut R,
    partner_id: &str,
    outlet_id: &str,
    product: Option<Product>,
) -> Result<bool> {
    let mut stmt = Query::select()
        .expr(Expr::val(1))
        .from(OutletLinks::Table)
        .and_where(Expr::col(OutletLinks::PartnerId).eq(partner_id))
        .and_where(Expr::col(OutletLinks::OutletId).eq(outlet_id))
        .limit(1)
        .to_owned();
    if let Some(p) = product {
        stmt.and_where(Expr::col(OutletLinks::Product).eq(p.as_str()));
    }
    Ok(fetch_optional(r, &stmt).await?.is_some())
}

/// One row per outlet linked to a partner for at least one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedOutlet {
    /// Outlet id.
    pub outlet_id: String,
    /// The partner's id for the outlet.
    pub external_outlet_id: String,
    /// First link time over the products.
    pub created_at: i64,
    /// Last change over the products.
    pub updated_at: i64,
}

/// One page of a partner's linked outlets, sorted by first link time, then id.
pub async fn page_of_partner<R: Runner>(
    r: &mut R,
    partner_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<LinkedOutlet>> {
    let created = Alias::new("first_created_at");
    let stmt = Query::select()
        .column(OutletLinks::OutletId)
        .expr_as(
            Func::max(Expr::col(OutletLinks::ExternalOutletId)),
            Alias::new("external_outlet_id"),
        )
        .expr_as(
            Func::min(Expr::col(OutletLinks::CreatedAt)),
            created.clone(),
        )
        .expr_as(
            Func::max(Expr::col(OutletLinks::UpdatedAt)),
            Alias::new("last_updated_at"),
        )
        .from(OutletLinks::Table)
        .and_where(Expr::col(OutletLinks::PartnerId).eq(partner_id))
        .group_by_col(OutletLinks::OutletId)
        .order_by(created, Order::Asc)
        .order_by(OutletLinks::OutletId, Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(LinkedOutlet {
                outlet_id: text(row, "outlet_id")?,
                external_outlet_id: text(row, "external_outlet_id")?,
                created_at: int(row, "first_created_at")?,
                updated_at: int(row, "last_updated_at")?,
            })
        })
        .collect()
}

/// Every link of an outlet (any partner, any product), oldest first (the console's outlet
/// page).
pub async fn of_outlet<R: Runner>(r: &mut R, outlet_id: &str) -> Result<Vec<Link>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(OutletLinks::Table)
        .and_where(Expr::col(OutletLinks::OutletId).eq(outlet_id))
        .order_by(OutletLinks::CreatedAt, Order::Asc)
        .order_by(OutletLinks::PartnerId, Order::Asc)
        .order_by(OutletLinks::Product, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(Link {
                partner_id: text(row, "partner_id")?,
                outlet_id: text(row, "outlet_id")?,
                product: parsed(text(row, "product")?, Product::parse)?,
                external_outlet_id: text(row, "external_outlet_id")?,
                created_at: int(row, "created_at")?,
                updated_at: int(row, "updated_at")?,
                linked_at: int(row, "linked_at")?,
            })
        })
        .collect()
}
