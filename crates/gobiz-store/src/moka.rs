//! MokaPOS sales, customers and gratuities (spec §8). A sale is stored as a JSON document
//! for the listing reports, and as total, line and modifier-line columns for the aggregate
//! reports, which each run as one grouped query over an `(outlet_id, transaction_time)` index.

use crate::exec::{execute, fetch_all, fetch_optional, int, text};
use crate::schema::{
    MokaCustomers as C, MokaGratuities as G, MokaSaleLines as L, MokaSaleModifiers as M,
    MokaSales as S, MokaSequences as Q,
};
use crate::{codec, Result, Runner, StoreError};
use gobiz_domain::clock::Millis;
use gobiz_domain::moka::{ReportRange, Sale};
use sea_query::{Alias, Expr, ExprTrait, InsertStatement, Order, Query, SimpleExpr};
use serde_json::Value;

/// Rows per multi-row `INSERT` (well under both engines' bind-parameter limits).
const CHUNK: usize = 400;

/// Reserves `n` consecutive integer ids of sequence `name` (`sale`, `refund`, `customer`,
/// `gratuity`); returns the first. Run it in its own short transaction: a gap left by a
/// rolled-back caller is harmless.
pub async fn reserve<R: Runner>(r: &mut R, name: &str, n: i64) -> Result<i64> {
    let stmt = Query::update()
        .table(Q::Table)
        .value(Q::NextValue, Expr::col(Q::NextValue).add(n))
        .and_where(Expr::col(Q::Name).eq(name))
        .returning_col(Q::NextValue)
        .to_owned();
    let row = fetch_optional(r, &stmt)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("missing sequence {name}")))?;
    Ok(int(&row, "next_value")? - n)
}

const SALES: &str = "moka_sales";

fn encode(sale: &Sale) -> Result<String> {
    codec::encode(SALES, &sale.id, sale)
}

/// The sale of a row selected with its `id` and `document`.
fn decode(row: &crate::exec::Row) -> Result<Sale> {
    codec::decode(SALES, &text(row, "id")?, &text(row, "document")?)
}

async fn insert_chunked<R: Runner>(
    r: &mut R,
    base: &InsertStatement,
    rows: Vec<Vec<SimpleExpr>>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut stmt = base.clone();
        for row in rows.by_ref().take(CHUNK) {
            stmt.values_panic(row);
        }
        execute(r, &stmt).await?;
    }
    Ok(())
}

/// Inserts sales with their line and modifier rows.
pub async fn insert_sales<R: Runner>(r: &mut R, sales: &[Sale]) -> Result<()> {
    let mut sale_rows = Vec::with_capacity(sales.len());
    let mut line_rows = Vec::new();
    let mut modifier_rows = Vec::new();
    for s in sales {
        let t = s.totals();
        sale_rows.push(vec![
            s.id.clone().into(),
            s.number.into(),
            s.outlet_id.clone().into(),
            s.transaction_time.into(),
            s.payment_type.clone().into(),
            t.gross.into(),
            t.refund.into(),
            t.redemption.into(),
            encode(s)?.into(),
            s.created_at.into(),
            s.updated_at.into(),
        ]);
        for l in &s.lines {
            line_rows.push(vec![
                s.id.clone().into(),
                i64::from(l.index).into(),
                s.outlet_id.clone().into(),
                s.transaction_time.into(),
                l.variant_id.into(),
                l.name.clone().into(),
                l.category_name.clone().into(),
                l.quantity.into(),
                l.refunded_quantity.into(),
                l.unit_gross().into(),
                l.discount.into(),
                l.redemption.into(),
                l.cogs.into(),
            ]);
            for (pos, m) in (0i64..).zip(&l.modifiers) {
                modifier_rows.push(vec![
                    s.id.clone().into(),
                    i64::from(l.index).into(),
                    pos.into(),
                    s.outlet_id.clone().into(),
                    s.transaction_time.into(),
                    m.modifier_id.into(),
                    m.modifier_name.clone().into(),
                    m.option_id.into(),
                    m.option_name.clone().into(),
                    m.price.into(),
                    l.quantity.into(),
                    l.refunded_quantity.into(),
                ]);
            }
        }
    }
    let sales_base = Query::insert()
        .into_table(S::Table)
        .columns([
            S::Id,
            S::Number,
            S::OutletId,
            S::TransactionTime,
            S::PaymentType,
            S::Gross,
            S::Refund,
            S::Redemption,
            S::Document,
            S::CreatedAt,
            S::UpdatedAt,
        ])
        .to_owned();
    insert_chunked(r, &sales_base, sale_rows).await?;
    let lines_base = Query::insert()
        .into_table(L::Table)
        .columns([
            L::SaleId,
            L::LineIndex,
            L::OutletId,
            L::TransactionTime,
            L::VariantId,
            L::Name,
            L::CategoryName,
            L::Quantity,
            L::RefundedQuantity,
            L::UnitGross,
            L::Discount,
            L::Redemption,
            L::Cogs,
        ])
        .to_owned();
    insert_chunked(r, &lines_base, line_rows).await?;
    let modifiers_base = Query::insert()
        .into_table(M::Table)
        .columns([
            M::SaleId,
            M::LineIndex,
            M::Position,
            M::OutletId,
            M::TransactionTime,
            M::ModifierId,
            M::ModifierName,
            M::OptionId,
            M::OptionName,
            M::Price,
            M::Quantity,
            M::RefundedQuantity,
        ])
        .to_owned();
    insert_chunked(r, &modifiers_base, modifier_rows).await
}

async fn get_sale<R: Runner>(r: &mut R, id: &str, lock: bool) -> Result<Option<Sale>> {
    let mut stmt = Query::select()
        .columns([S::Id, S::Document])
        .from(S::Table)
        .and_where(Expr::col(S::Id).eq(id))
        .to_owned();
    if lock {
        stmt.lock(sea_query::LockType::Update);
    }
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(decode(&row)?)),
        None => Ok(None),
    }
}

/// One sale.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<Sale>> {
    get_sale(r, id, false).await
}

/// One sale, locked until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already serializes writers).
pub async fn get_for_update<R: Runner>(r: &mut R, id: &str) -> Result<Option<Sale>> {
    get_sale(r, id, true).await
}

/// Stores a sale's refunded quantities (document, totals, lines and modifier lines).
pub async fn update_refunds<R: Runner>(r: &mut R, sale: &Sale) -> Result<()> {
    let t = sale.totals();
    let stmt = Query::update()
        .table(S::Table)
        .values([
            (S::Refund, t.refund.into()),
            (S::Document, encode(sale)?.into()),
            (S::UpdatedAt, sale.updated_at.into()),
        ])
        .and_where(Expr::col(S::Id).eq(sale.id.as_str()))
        .to_owned();
    execute(r, &stmt).await?;
    for l in &sale.lines {
        let lines = Query::update()
            .table(L::Table)
            .value(L::RefundedQuantity, l.refunded_quantity)
            .and_where(Expr::col(L::SaleId).eq(sale.id.as_str()))
            .and_where(Expr::col(L::LineIndex).eq(i64::from(l.index)))
            .to_owned();
        execute(r, &lines).await?;
        if !l.modifiers.is_empty() {
            let mods = Query::update()
                .table(M::Table)
                .value(M::RefundedQuantity, l.refunded_quantity)
                .and_where(Expr::col(M::SaleId).eq(sale.id.as_str()))
                .and_where(Expr::col(M::LineIndex).eq(i64::from(l.index)))
                .to_owned();
            execute(r, &mods).await?;
        }
    }
    Ok(())
}

/// `CAST(COALESCE(SUM(<expr>), 0) AS BIGINT)`: PostgreSQL sums BIGINTs as NUMERIC, which
/// `sqlx::Any` cannot decode; the cast keeps both engines on BIGINT.
fn sum(expr: &str) -> SimpleExpr {
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

/// Σ gross, Σ refund, Σ redemption of an outlet's sales in the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryRow {
    /// Σ line gross.
    pub gross: i64,
    /// Σ line refund.
    pub refund: i64,
    /// Σ line redemption.
    pub redemption: i64,
}

/// The sales summary: one aggregate over the covering index.
pub async fn summary<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    range: ReportRange,
) -> Result<SummaryRow> {
    let stmt = Query::select()
        .expr_as(sum("gross"), Alias::new("gross"))
        .expr_as(sum("refund"), Alias::new("refund"))
        .expr_as(sum("redemption"), Alias::new("redemption"))
        .from(S::Table)
        .and_where(Expr::col(S::OutletId).eq(outlet_id))
        .and_where(Expr::col(S::TransactionTime).between(range.gte, range.lte))
        .to_owned();
    let row = fetch_optional(r, &stmt).await?;
    match row {
        Some(row) => Ok(SummaryRow {
            gross: int(&row, "gross")?,
            refund: int(&row, "refund")?,
            redemption: int(&row, "redemption")?,
        }),
        None => Ok(SummaryRow::default()),
    }
}

/// One variant's sums over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    /// Variant.
    pub variant_id: i64,
    /// Item name (the greatest seen, should names differ between sales).
    pub name: String,
    /// Category name (likewise).
    pub category_name: String,
    /// Σ quantity.
    pub item_sold: i64,
    /// Σ refunded quantity.
    pub item_refunded: i64,
    /// Σ line gross.
    pub gross: i64,
    /// Σ discount.
    pub discount: i64,
    /// Σ line refund.
    pub refund: i64,
    /// Σ redemption.
    pub redemption: i64,
    /// Σ cogs × quantity.
    pub cogs: i64,
}

/// Item sales grouped by variant.
pub async fn item_sales<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    range: ReportRange,
) -> Result<Vec<ItemRow>> {
    let stmt = Query::select()
        .column(L::VariantId)
        .expr_as(Expr::cust("MAX(name)"), Alias::new("name"))
        .expr_as(
            Expr::cust("MAX(category_name)"),
            Alias::new("category_name"),
        )
        .expr_as(sum("quantity"), Alias::new("item_sold"))
        .expr_as(sum("refunded_quantity"), Alias::new("item_refunded"))
        .expr_as(sum("unit_gross * quantity"), Alias::new("gross"))
        .expr_as(sum("discount"), Alias::new("discount"))
        .expr_as(sum("unit_gross * refunded_quantity"), Alias::new("refund"))
        .expr_as(sum("redemption"), Alias::new("redemption"))
        .expr_as(sum("cogs * quantity"), Alias::new("cogs"))
        .from(L::Table)
        .and_where(Expr::col(L::OutletId).eq(outlet_id))
        .and_where(Expr::col(L::TransactionTime).between(range.gte, range.lte))
        .group_by_col(L::VariantId)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(ItemRow {
                variant_id: int(row, "variant_id")?,
                name: text(row, "name")?,
                category_name: text(row, "category_name")?,
                item_sold: int(row, "item_sold")?,
                item_refunded: int(row, "item_refunded")?,
                gross: int(row, "gross")?,
                discount: int(row, "discount")?,
                refund: int(row, "refund")?,
                redemption: int(row, "redemption")?,
                cogs: int(row, "cogs")?,
            })
        })
        .collect()
}

/// One modifier option's sums over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionRow {
    /// Modifier.
    pub modifier_id: i64,
    /// Modifier name.
    pub modifier_name: String,
    /// Option.
    pub option_id: i64,
    /// Option name.
    pub option_name: String,
    /// Σ line quantity.
    pub quantity: i64,
    /// Σ price × quantity.
    pub gross: i64,
    /// Σ price × refunded quantity.
    pub refund: i64,
}

/// Modifier sales grouped by modifier and option.
pub async fn modifier_sales<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    range: ReportRange,
) -> Result<Vec<OptionRow>> {
    let stmt = Query::select()
        .columns([M::ModifierId, M::OptionId])
        .expr_as(
            Expr::cust("MAX(modifier_name)"),
            Alias::new("modifier_name"),
        )
        .expr_as(Expr::cust("MAX(option_name)"), Alias::new("option_name"))
        .expr_as(sum("quantity"), Alias::new("quantity"))
        .expr_as(sum("price * quantity"), Alias::new("gross"))
        .expr_as(sum("price * refunded_quantity"), Alias::new("refund"))
        .from(M::Table)
        .and_where(Expr::col(M::OutletId).eq(outlet_id))
        .and_where(Expr::col(M::TransactionTime).between(range.gte, range.lte))
        .group_by_col(M::ModifierId)
        .group_by_col(M::OptionId)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(OptionRow {
                modifier_id: int(row, "modifier_id")?,
                modifier_name: text(row, "modifier_name")?,
                option_id: int(row, "option_id")?,
                option_name: text(row, "option_name")?,
                quantity: int(row, "quantity")?,
                gross: int(row, "gross")?,
                refund: int(row, "refund")?,
            })
        })
        .collect()
}

/// A page of an outlet's sales ordered by `(transaction_time, number)`, optionally only of one
/// payment type. Fetches `limit` rows; callers ask for one more than a page to learn whether
/// it is the last.
pub async fn page<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    payment_type: Option<&str>,
    ascending: bool,
    limit: u64,
    offset: u64,
) -> Result<Vec<Sale>> {
    let order = if ascending { Order::Asc } else { Order::Desc };
    let mut stmt = Query::select()
        .columns([S::Id, S::Document])
        .from(S::Table)
        .and_where(Expr::col(S::OutletId).eq(outlet_id))
        .order_by(S::TransactionTime, order.clone())
        .order_by(S::Number, order)
        .limit(limit)
        .offset(offset)
        .to_owned();
    if let Some(kind) = payment_type {
        stmt.and_where(Expr::col(S::PaymentType).eq(kind));
    }
    fetch_all(r, &stmt).await?.iter().map(decode).collect()
}

/// A Moka customer or gratuity: its id and document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryEntry {
    /// Integer id.
    pub id: i64,
    /// The JSON object as served.
    pub document: Value,
}

const CUSTOMERS: &str = "moka_customers";
const GRATUITIES: &str = "moka_gratuities";

/// Inserts a customer.
pub async fn insert_customer<R: Runner>(
    r: &mut R,
    id: i64,
    outlet_id: &str,
    document: &Value,
    now: Millis,
) -> Result<()> {
    let document = codec::encode(CUSTOMERS, &id.to_string(), document)?;
    let stmt = Query::insert()
        .into_table(C::Table)
        .columns([C::Id, C::OutletId, C::Document, C::CreatedAt])
        .values_panic([id.into(), outlet_id.into(), document.into(), now.into()])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Inserts a gratuity.
pub async fn insert_gratuity<R: Runner>(
    r: &mut R,
    id: i64,
    outlet_id: &str,
    active: bool,
    document: &Value,
    now: Millis,
) -> Result<()> {
    let document = codec::encode(GRATUITIES, &id.to_string(), document)?;
    let stmt = Query::insert()
        .into_table(G::Table)
        .columns([G::Id, G::OutletId, G::Active, G::Document, G::CreatedAt])
        .values_panic([
            id.into(),
            outlet_id.into(),
            i64::from(active).into(),
            document.into(),
            now.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Which library table a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    /// `moka_customers`.
    Customers,
    /// Active rows of `moka_gratuities`.
    ActiveGratuities,
}

fn library_filter(kind: Library, outlet_id: &str) -> sea_query::SelectStatement {
    match kind {
        Library::Customers => Query::select()
            .from(C::Table)
            .and_where(Expr::col(C::OutletId).eq(outlet_id))
            .to_owned(),
        Library::ActiveGratuities => Query::select()
            .from(G::Table)
            .and_where(Expr::col(G::OutletId).eq(outlet_id))
            .and_where(Expr::col(G::Active).eq(1))
            .to_owned(),
    }
}

/// A page of an outlet's customers or active gratuities by id, and their total count.
pub async fn library_page<R: Runner>(
    r: &mut R,
    kind: Library,
    outlet_id: &str,
    limit: u64,
    offset: u64,
) -> Result<(Vec<LibraryEntry>, i64)> {
    let count = library_filter(kind, outlet_id)
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .to_owned();
    let total = match fetch_optional(r, &count).await? {
        Some(row) => int(&row, "n")?,
        None => 0,
    };
    let table = match kind {
        Library::Customers => CUSTOMERS,
        Library::ActiveGratuities => GRATUITIES,
    };
    let list = library_filter(kind, outlet_id)
        .columns([Alias::new("id"), Alias::new("document")])
        .order_by(Alias::new("id"), Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    let entries = fetch_all(r, &list)
        .await?
        .iter()
        .map(|row| {
            let id = int(row, "id")?;
            Ok(LibraryEntry {
                id,
                document: codec::decode(table, &id.to_string(), &text(row, "document")?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((entries, total))
}

/// Ids of an outlet's customers, ascending (the generator's customer pool).
pub async fn customer_ids<R: Runner>(r: &mut R, outlet_id: &str) -> Result<Vec<i64>> {
    let stmt = Query::select()
        .column(C::Id)
        .from(C::Table)
        .and_where(Expr::col(C::OutletId).eq(outlet_id))
        .order_by(C::Id, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| int(row, "id"))
        .collect()
}

/// True when the outlet has customer `id`.
pub async fn customer_exists<R: Runner>(r: &mut R, outlet_id: &str, id: i64) -> Result<bool> {
    let stmt = Query::select()
        .column(C::Id)
        .from(C::Table)
        .and_where(Expr::col(C::OutletId).eq(outlet_id))
        .and_where(Expr::col(C::Id).eq(id))
        .to_owned();
    Ok(fetch_optional(r, &stmt).await?.is_some())
}

/// Refreshes the planner statistics of the sales tables after a bulk load (the generator).
///
/// Without them PostgreSQL plans the first reports after a large load for an empty table
/// (a 60,000-sale page went from 190 ms to 22 ms). `ANALYZE <table>` is the same statement on
/// both engines; it runs outside any transaction.
pub async fn analyze_sales(db: &crate::Db) -> Result<()> {
    let mut conn = db.conn().await?;
    for table in ["moka_sales", "moka_sale_lines", "moka_sale_modifiers"] {
        crate::exec::raw_sql(&mut conn, &format!("ANALYZE {table}")).await?;
    }
    Ok(())
}
