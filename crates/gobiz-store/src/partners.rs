//! Partners and their notification secrets.

use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, flag, int, opt_text, parsed, text};
use crate::schema::Partners;
use crate::{join_words, split_words, Result, Runner};
use gobiz_domain::entities::Partner;
use gobiz_domain::model::PartnerType;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

/// The columns a partner is read from (its secret is read on its own).
const COLUMNS: [Partners; 7] = [
    Partners::Id,
    Partners::Name,
    Partners::Kind,
    Partners::MerchantId,
    Partners::StandardWebhooks,
    Partners::ReadScopes,
    Partners::CreatedAt,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Partners::Table)
        .to_owned()
}

fn from_row(row: &Row) -> Result<Partner> {
    from_row_as(row, "")
}

/// The columns of [`select`], or of [`select_as`] with `prefix`, as a partner.
pub(crate) fn from_row_as(row: &Row, prefix: &str) -> Result<Partner> {
    let col = |c: &str| format!("{prefix}{c}");
    Ok(Partner {
        id: text(row, &col("id"))?,
        name: text(row, &col("name"))?,
        kind: parsed(text(row, &col("kind"))?, PartnerType::parse)?,
        merchant_id: opt_text(row, &col("merchant_id"))?,
        standard_webhooks: flag(row, &col("standard_webhooks"))?,
        read_scopes: split_words(&text(row, &col("read_scopes"))?),
        created_at: int(row, &col("created_at"))?,
    })
}

/// Adds the partner columns (of the joined `partners` table) to `stmt`, named with `prefix`,
/// for [`from_row_as`].
pub(crate) fn select_as(stmt: &mut SelectStatement, prefix: &str) {
    for c in COLUMNS {
        stmt.expr_as(
            Expr::col((Partners::Table, c)),
            sea_query::Alias::new(format!("{prefix}{}", sea_query::Iden::to_string(&c))),
        );
    }
}

/// Inserts a partner with its notification secret.
pub async fn insert<R: Runner>(r: &mut R, p: &Partner, secret: &str) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Partners::Table)
        .columns([
            Partners::Id,
            Partners::Name,
            Partners::Kind,
            Partners::MerchantId,
            Partners::StandardWebhooks,
            Partners::ReadScopes,
            Partners::NotificationSecret,
            Partners::CreatedAt,
        ])
        .values_panic([
            p.id.clone().into(),
            p.name.clone().into(),
            p.kind.as_str().into(),
            p.merchant_id.clone().into(),
            i64::from(p.standard_webhooks).into(),
            join_words(&p.read_scopes).into(),
            secret.into(),
            p.created_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Replaces the notification secret; returns whether the partner exists.
pub async fn set_secret<R: Runner>(r: &mut R, id: &str, secret: &str) -> Result<bool> {
    let stmt = Query::update()
        .table(Partners::Table)
        .value(Partners::NotificationSecret, secret)
        .and_where(Expr::col(Partners::Id).eq(id))
        .to_owned();
    Ok(execute(r, &stmt).await? > 0)
}

/// One partner by id.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<Partner>> {
    let stmt = select()
        .and_where(Expr::col(Partners::Id).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every partner, oldest first.
pub async fn list<R: Runner>(r: &mut R) -> Result<Vec<Partner>> {
    let stmt = select()
        .order_by(Partners::CreatedAt, Order::Asc)
        .order_by(Partners::Id, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// A partner's notification secret.
pub async fn secret<R: Runner>(r: &mut R, id: &str) -> Result<Option<String>> {
    let stmt = Query::select()
        .column(Partners::NotificationSecret)
        .from(Partners::Table)
        .and_where(Expr::col(Partners::Id).eq(id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(text(&row, "notification_secret")?)),
        None => Ok(None),
    }
}

/// Every partner's id and stored notification secret (for sealing old plaintext values and
/// checking the server key at start).
pub async fn all_secrets<R: Runner>(r: &mut R) -> Result<Vec<(String, String)>> {
    let stmt = Query::select()
        .columns([Partners::Id, Partners::NotificationSecret])
        .from(Partners::Table)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| Ok((text(row, "id")?, text(row, "notification_secret")?)))
        .collect()
}
