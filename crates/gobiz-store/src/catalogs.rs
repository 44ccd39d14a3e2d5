//! Outlet catalogs and partners' menu mappings.

use crate::exec::{execute, fetch_optional, int, opt_text, text};
use crate::schema::{CatalogMappings, Catalogs, OutletLinks, Outlets};
use crate::{codec, Result, Runner};
use gobiz_domain::catalog::Catalog;
use gobiz_domain::model::Product;
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use serde_json::Value;

const CATALOGS: &str = "catalogs";
const MAPPINGS: &str = "catalog_mappings";

/// A stored catalog: the domain catalog and what its row adds. The `read_json` column (the
/// v2 read model, rendered) is derived from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCatalog {
    /// The catalog (the `document` column).
    pub catalog: Catalog,
    /// Version tag, new on every write.
    pub etag: String,
    /// Partner whose push produced it (`None`: the merchant via the sandbox).
    pub pushed_by: Option<String>,
    /// Last change.
    pub updated_at: i64,
}

/// Writes (replaces) an outlet's catalog, with its rendered read model.
pub async fn put<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    catalog: &Catalog,
    etag: &str,
    pushed_by: Option<&str>,
    now: i64,
) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Catalogs::Table)
        .columns([
            Catalogs::OutletId,
            Catalogs::Document,
            Catalogs::ReadJson,
            Catalogs::Etag,
            Catalogs::PushedBy,
            Catalogs::UpdatedAt,
        ])
        .values_panic([
            outlet_id.into(),
            codec::encode(CATALOGS, outlet_id, catalog)?.into(),
            catalog.read_model().to_string().into(),
            etag.into(),
            pushed_by.map(String::from).into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::column(Catalogs::OutletId)
                .update_columns([
                    Catalogs::Document,
                    Catalogs::ReadJson,
                    Catalogs::Etag,
                    Catalogs::PushedBy,
                    Catalogs::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// An outlet's catalog.
pub async fn get<R: Runner>(r: &mut R, outlet_id: &str) -> Result<Option<StoredCatalog>> {
    let stmt = Query::select()
        .columns([
            Catalogs::Document,
            Catalogs::Etag,
            Catalogs::PushedBy,
            Catalogs::UpdatedAt,
        ])
        .from(Catalogs::Table)
        .and_where(Expr::col(Catalogs::OutletId).eq(outlet_id))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some(StoredCatalog {
        catalog: codec::decode(CATALOGS, outlet_id, &text(&row, "document")?)?,
        etag: text(&row, "etag")?,
        pushed_by: opt_text(&row, "pushed_by")?,
        updated_at: int(&row, "updated_at")?,
    }))
}

/// The rendered read model and its etag.
pub async fn read_json<R: Runner>(r: &mut R, outlet_id: &str) -> Result<Option<(String, String)>> {
    let stmt = Query::select()
        .columns([Catalogs::ReadJson, Catalogs::Etag])
        .from(Catalogs::Table)
        .and_where(Expr::col(Catalogs::OutletId).eq(outlet_id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some((text(&row, "read_json")?, text(&row, "etag")?))),
        None => Ok(None),
    }
}

/// What the hot read path needs in one query: the outlet's merchant, whether `partner_id`
/// has it linked for `product`, and the catalog's etag (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogAccess {
    /// Owning merchant.
    pub merchant_id: String,
    /// Linked to the partner for the product.
    pub linked: bool,
    /// Current catalog version, `None` before the first push.
    pub etag: Option<String>,
}

/// One query for outlet existence, link and catalog version.
pub async fn access<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    partner_id: &str,
    product: Product,
) -> Result<Option<CatalogAccess>> {
    let link = Query::select()
        .expr(Expr::val(1))
        .from(OutletLinks::Table)
        .and_where(Expr::col((OutletLinks::Table, OutletLinks::PartnerId)).eq(partner_id))
        .and_where(Expr::col((OutletLinks::Table, OutletLinks::OutletId)).eq(outlet_id))
        .and_where(Expr::col((OutletLinks::Table, OutletLinks::Product)).eq(product.as_str()))
        .to_owned();
    let stmt = Query::select()
        .column((Outlets::Table, Outlets::MerchantId))
        .column((Catalogs::Table, Catalogs::Etag))
        .expr_as(
            Expr::case(Expr::exists(link), Expr::val(1i64)).finally(Expr::val(0i64)),
            Alias::new("linked"),
        )
        .from(Outlets::Table)
        .left_join(
            Catalogs::Table,
            Expr::col((Catalogs::Table, Catalogs::OutletId)).equals((Outlets::Table, Outlets::Id)),
        )
        .and_where(Expr::col((Outlets::Table, Outlets::Id)).eq(outlet_id))
        .to_owned();
    let Some(row) = fetch_optional(r, &stmt).await? else {
        return Ok(None);
    };
    Ok(Some(CatalogAccess {
        merchant_id: text(&row, "merchant_id")?,
        linked: int(&row, "linked")? != 0,
        etag: opt_text(&row, "etag")?,
    }))
}

/// Records a partner's menu mapping for an outlet (the ids its push mapped: the
/// `{"menus", "variant_categories"}` object of its `menu_mapping_updated` body).
pub async fn put_mapping<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    partner_id: &str,
    request_id: &str,
    mapping: &Value,
    now: i64,
) -> Result<()> {
    let document = codec::encode(MAPPINGS, &mapping_key(outlet_id, partner_id), mapping)?;
    let stmt = Query::insert()
        .into_table(CatalogMappings::Table)
        .columns([
            CatalogMappings::OutletId,
            CatalogMappings::PartnerId,
            CatalogMappings::RequestId,
            CatalogMappings::Document,
            CatalogMappings::UpdatedAt,
        ])
        .values_panic([
            outlet_id.into(),
            partner_id.into(),
            request_id.into(),
            document.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([CatalogMappings::OutletId, CatalogMappings::PartnerId])
                .update_columns([
                    CatalogMappings::RequestId,
                    CatalogMappings::Document,
                    CatalogMappings::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// The key a mapping row is named by in errors.
fn mapping_key(outlet_id: &str, partner_id: &str) -> String {
    format!("{outlet_id}/{partner_id}")
}

/// A partner's menu mapping for an outlet, as [`put_mapping`] stored it.
pub async fn mapping<R: Runner>(
    r: &mut R,
    outlet_id: &str,
    partner_id: &str,
) -> Result<Option<Value>> {
    let stmt = Query::select()
        .column(CatalogMappings::Document)
        .from(CatalogMappings::Table)
        .and_where(Expr::col(CatalogMappings::OutletId).eq(outlet_id))
        .and_where(Expr::col(CatalogMappings::PartnerId).eq(partner_id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(codec::decode(
            MAPPINGS,
            &mapping_key(outlet_id, partner_id),
            &text(&row, "document")?,
        )?)),
        None => Ok(None),
    }
}
