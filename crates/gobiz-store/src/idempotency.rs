//! Stored responses of idempotent requests. The first request inserts its key inside its own
//! transaction; a concurrent one with the same key waits on that row (PostgreSQL: unique-index
//! wait; SQLite: the single writer) and then finds the stored response.

use crate::exec::{execute, fetch_optional, opt_text, text};
use crate::schema::IdempotencyKeys;
use crate::{codec, Result, Runner};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use serde_json::Value;

const TABLE: &str = "idempotency_keys";

/// What a key holds already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Hash of the canonical request body.
    pub request_hash: String,
    /// The stored response body, when the first request succeeded.
    pub response: Option<Value>,
}

/// The key a row is named by in errors.
fn row_key(client_id: &str, outlet_id: &str, key: &str) -> String {
    format!("{client_id}/{outlet_id}/{key}")
}

/// What a row selected with its `request_hash` and `response` holds.
fn stored(row: &crate::exec::Row, client_id: &str, outlet_id: &str, key: &str) -> Result<Stored> {
    let response = match opt_text(row, "response")? {
        Some(doc) => Some(codec::decode(
            TABLE,
            &row_key(client_id, outlet_id, key),
            &doc,
        )?),
        None => None,
    };
    Ok(Stored {
        request_hash: text(row, "request_hash")?,
        response,
    })
}

/// Claims a key for this request; `None` when claimed now, else what the key holds.
pub async fn claim<R: Runner>(
    r: &mut R,
    client_id: &str,
    outlet_id: &str,
    key: &str,
    request_hash: &str,
    now: i64,
    retention_ms: i64,
) -> Result<Option<Stored>> {
    // Expired keys no longer count (30-day retention).
    let purge = Query::delete()
        .from_table(IdempotencyKeys::Table)
        .and_where(Expr::col(IdempotencyKeys::ClientId).eq(client_id))
        .and_where(Expr::col(IdempotencyKeys::OutletId).eq(outlet_id))
        .and_where(Expr::col(IdempotencyKeys::IdemKey).eq(key))
        .and_where(Expr::col(IdempotencyKeys::CreatedAt).lt(now - retention_ms))
        .to_owned();
    execute(r, &purge).await?;
    let insert = Query::insert()
        .into_table(IdempotencyKeys::Table)
        .columns([
            IdempotencyKeys::ClientId,
            IdempotencyKeys::OutletId,
            IdempotencyKeys::IdemKey,
            IdempotencyKeys::RequestHash,
            IdempotencyKeys::CreatedAt,
        ])
        .values_panic([
            client_id.into(),
            outlet_id.into(),
            key.into(),
            request_hash.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                IdempotencyKeys::ClientId,
                IdempotencyKeys::OutletId,
                IdempotencyKeys::IdemKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    if execute(r, &insert).await? == 1 {
        return Ok(None);
    }
    let stmt = Query::select()
        .columns([IdempotencyKeys::RequestHash, IdempotencyKeys::Response])
        .from(IdempotencyKeys::Table)
        .and_where(Expr::col(IdempotencyKeys::ClientId).eq(client_id))
        .and_where(Expr::col(IdempotencyKeys::OutletId).eq(outlet_id))
        .and_where(Expr::col(IdempotencyKeys::IdemKey).eq(key))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(stored(&row, client_id, outlet_id, key)?)),
        None => Ok(None),
    }
}

/// Stores the response of a claimed key (same transaction as the work).
pub async fn complete<R: Runner>(
    r: &mut R,
    client_id: &str,
    outlet_id: &str,
    key: &str,
    response: &Value,
) -> Result<()> {
    let response = codec::encode(TABLE, &row_key(client_id, outlet_id, key), response)?;
    let stmt = Query::update()
        .table(IdempotencyKeys::Table)
        .value(IdempotencyKeys::Response, response)
        .and_where(Expr::col(IdempotencyKeys::ClientId).eq(client_id))
        .and_where(Expr::col(IdempotencyKeys::OutletId).eq(outlet_id))
        .and_where(Expr::col(IdempotencyKeys::IdemKey).eq(key))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// The stored response of a live key, if any (the read-only fast path of a replay).
pub async fn lookup<R: Runner>(
    r: &mut R,
    client_id: &str,
    outlet_id: &str,
    key: &str,
    not_before: i64,
) -> Result<Option<Stored>> {
    let stmt = Query::select()
        .columns([IdempotencyKeys::RequestHash, IdempotencyKeys::Response])
        .from(IdempotencyKeys::Table)
        .and_where(Expr::col(IdempotencyKeys::ClientId).eq(client_id))
        .and_where(Expr::col(IdempotencyKeys::OutletId).eq(outlet_id))
        .and_where(Expr::col(IdempotencyKeys::IdemKey).eq(key))
        .and_where(Expr::col(IdempotencyKeys::CreatedAt).gte(not_before))
        .and_where(Expr::col(IdempotencyKeys::Response).is_not_null())
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(stored(&row, client_id, outlet_id, key)?)),
        None => Ok(None),
    }
}
