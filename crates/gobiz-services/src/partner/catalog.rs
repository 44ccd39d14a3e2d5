//! GoFood catalog use cases (spec §4): push, read, stock; the sandbox's merchant variants.

use crate::access::Principal;
use crate::events::EventDraft;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::catalog::{
    apply_stock, parse_push, Catalog, CatalogBody, CatalogReadModel, PreviousIds, StockTarget,
};
use gobiz_domain::clock::Clock;
use gobiz_domain::events::{Event, MenuMappingUpdated};
use gobiz_domain::ids::OutletId;
use gobiz_domain::model::Product;
use gobiz_store::catalogs;
use gobiz_store::links;
use serde_json::Value;

/// Answer of [`Services::catalog_read`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogRead {
    /// The caller's cached rendering (same etag) is current.
    Unchanged,
    /// The current rendering; `etag` is empty when no catalog exists.
    Changed {
        /// Version tag.
        etag: String,
        /// The read model JSON.
        json: String,
    },
}

/// The read model of an outlet with no catalog yet: `{"menus":[],"variant_categories":[]}`.
fn empty_read_model() -> String {
    CatalogReadModel::default().to_string()
}

async fn load<R: gobiz_store::Runner>(
    tx: &mut R,
    outlet_id: &str,
) -> ServiceResult<Option<Catalog>> {
    Ok(load_with_pusher(tx, outlet_id).await?.map(|(c, _)| c))
}

/// The catalog and the partner that pushed it, in one read.
async fn load_with_pusher<R: gobiz_store::Runner>(
    tx: &mut R,
    outlet_id: &str,
) -> ServiceResult<Option<(Catalog, Option<String>)>> {
    Ok(catalogs::get(tx, outlet_id)
        .await?
        .map(|s| (s.catalog, s.pushed_by)))
}

/// Writes an outlet's catalog under a new etag.
async fn save<R: gobiz_store::Runner>(
    tx: &mut R,
    outlet_id: &str,
    catalog: &Catalog,
    pushed_by: Option<&str>,
    now: i64,
) -> ServiceResult<()> {
    let etag = uuid::Uuid::new_v4().to_string();
    Ok(catalogs::put(tx, outlet_id, catalog, &etag, pushed_by, now).await?)
}

impl Services {
    /// Replaces an outlet's catalog. With a partner, the push becomes its menu mapping and
    /// `gofood.catalog.menu_mapping_updated` goes to its subscribers once the mapping is
    /// done (after the configured delay), written in the same transaction.
    pub(crate) async fn replace_catalog(
        &self,
        outlet_id: &str,
        raw: &Value,
        partner: Option<&str>,
    ) -> ServiceResult<Catalog> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let previous = load(&mut tx, outlet_id).await?;
        let ids = previous.as_ref().map(PreviousIds::of).unwrap_or_default();
        let mut new_id = || uuid::Uuid::new_v4().to_string();
        let catalog = parse_push(raw, &ids, &mut new_id).map_err(ServiceError::Invalid)?;
        save(&mut tx, outlet_id, &catalog, partner, now).await?;
        if let Some(partner_id) = partner {
            let external = links::get(&mut tx, partner_id, outlet_id, Product::Gofood)
                .await?
                .map(|l| l.external_outlet_id);
            let event = MenuMappingUpdated::of(&catalog, outlet_id, external);
            let mapping = event.mapping_document();
            catalogs::put_mapping(
                &mut tx,
                outlet_id,
                partner_id,
                &catalog.request_id,
                &mapping,
                now,
            )
            .await?;
            self.emit(
                &mut tx,
                EventDraft {
                    event: Event::MenuMappingUpdated(event),
                    outlet_id: outlet_id.to_string(),
                    only_partner: Some(partner_id.to_string()),
                    at: Some(now + self.config.catalog_mapping_delay_ms),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.catalog_memo.clear();
        Ok(catalog)
    }

    /// `PUT .../v1/catalog` (and `v2`): validate everything, then replace (spec §4.2).
    pub async fn push_catalog(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        body: ServiceResult<Value>,
    ) -> ServiceResult<()> {
        who.require_scope("gofood:catalog:write")?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        let raw = body?;
        self.replace_catalog(outlet_id, &raw, Some(&who.partner.id))
            .await?;
        Ok(())
    }

    /// `GET .../v2/catalog` in one query: access checks plus the catalog version. When the
    /// caller already holds the rendered model of `known_etag`, only that is confirmed.
    pub async fn catalog_read(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        known_etag: Option<&str>,
    ) -> ServiceResult<CatalogRead> {
        who.require_scope("gofood:catalog:read")?;
        let key = (who.partner.id.clone(), outlet_id.to_string());
        let memo = self.catalog_memo.get(&key);
        let access = match memo {
            Some(a) => a,
            None => {
                let mut conn = self.db.conn().await?;
                let found =
                    catalogs::access(&mut conn, outlet_id, &who.partner.id, Product::Gofood)
                        .await?;
                self.catalog_memo.put(key, found.clone());
                found
            }
        }
        .ok_or_else(|| ServiceError::OutletNotFound(outlet_id.to_string()))?;
        if !who.partner.reaches(&access.merchant_id, access.linked) {
            return Err(ServiceError::UnregisteredOutlet);
        }
        let empty = || CatalogRead::Changed {
            etag: String::new(),
            json: empty_read_model(),
        };
        match access.etag {
            None => Ok(empty()),
            Some(etag) if known_etag == Some(etag.as_str()) => Ok(CatalogRead::Unchanged),
            Some(_) => match catalogs::read_json(&mut self.db.conn().await?, outlet_id).await? {
                Some((json, etag)) => Ok(CatalogRead::Changed { etag, json }),
                None => Ok(empty()),
            },
        }
    }

    async fn outlet_read_json(&self, outlet_id: &str) -> ServiceResult<String> {
        Ok(catalogs::read_json(&mut self.db.conn().await?, outlet_id)
            .await?
            .map(|(json, _)| json)
            .unwrap_or_else(empty_read_model))
    }

    /// `GET .../v1/catalog`: the write model (our superset).
    pub async fn catalog_write_model(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
    ) -> ServiceResult<CatalogBody> {
        who.require_scope("gofood:catalog:read")?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        let catalog = load(&mut self.db.conn().await?, outlet_id).await?;
        Ok(match catalog {
            Some(c) => c.write_model(),
            None => Catalog::empty_write_model(),
        })
    }

    async fn set_stock(
        &self,
        outlet_id: &str,
        target: StockTarget,
        raw: &Value,
    ) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let Some((mut catalog, previous)) = load_with_pusher(&mut tx, outlet_id).await? else {
            // No catalog: every referenced id is unknown; an empty list changes nothing.
            let mut empty = Catalog::default();
            apply_stock(&mut empty, target, raw).map_err(ServiceError::Invalid)?;
            return Ok(());
        };
        let changed = apply_stock(&mut catalog, target, raw).map_err(ServiceError::Invalid)?;
        if changed > 0 {
            let now = self.clock.now_ms();
            save(&mut tx, outlet_id, &catalog, previous.as_deref(), now).await?;
        }
        tx.commit().await?;
        self.catalog_memo.clear();
        Ok(())
    }

    /// `PATCH|PUT .../v2/menu_item_stocks` and `.../v2/variant_stocks` (spec §4.4).
    pub async fn update_stock(
        &self,
        who: &Principal,
        outlet_id: &OutletId,
        target: StockTarget,
        body: ServiceResult<Value>,
    ) -> ServiceResult<()> {
        who.require_scope("gofood:catalog:write")?;
        self.accessible_outlet(who, outlet_id, Some(Product::Gofood))
            .await?;
        let raw = body?;
        self.set_stock(outlet_id, target, &raw).await
    }

    /// Sandbox: the merchant sets the catalog (no partner mapping, no webhook).
    pub async fn sandbox_put_catalog(&self, outlet_id: &str, raw: &Value) -> ServiceResult<()> {
        self.get_outlet(outlet_id).await?;
        self.replace_catalog(outlet_id, raw, None).await?;
        Ok(())
    }

    /// Sandbox: any outlet's read model.
    pub async fn sandbox_catalog(&self, outlet_id: &str) -> ServiceResult<String> {
        self.get_outlet(outlet_id).await?;
        self.outlet_read_json(outlet_id).await
    }

    /// Sandbox: the merchant toggles stock in the GoBiz app.
    pub async fn sandbox_stock(
        &self,
        outlet_id: &str,
        target: StockTarget,
        raw: &Value,
    ) -> ServiceResult<()> {
        self.get_outlet(outlet_id).await?;
        self.set_stock(outlet_id, target, raw).await
    }

    /// The live catalog of an outlet (order simulation reads prices, stock and hours here).
    pub async fn catalog_of(&self, outlet_id: &str) -> ServiceResult<Option<Catalog>> {
        load(&mut self.db.conn().await?, outlet_id).await
    }
}
