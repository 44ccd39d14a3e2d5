//! Server-wide key/value settings that must survive restarts and be shared by all nodes.

use crate::exec::{execute, fetch_optional, text};
use crate::schema::Settings;
use crate::{Result, Runner};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// Key of the sandbox admin token (generated once when none is configured).
pub const ADMIN_TOKEN: &str = "admin_token";
/// Key of the sandbox clock offset in milliseconds.
pub const CLOCK_OFFSET_MS: &str = "clock_offset_ms";
/// Sandbox mode without a configured `--secret-key`: the generated key that seals
/// notification secrets (production never stores its key).
pub const SANDBOX_SECRET_KEY: &str = "sandbox_secret_key";

/// Reads a setting.
pub async fn get<R: Runner>(r: &mut R, key: &str) -> Result<Option<String>> {
    let stmt = Query::select()
        .column(Settings::Value)
        .from(Settings::Table)
        .and_where(Expr::col(Settings::Key).eq(key))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(text(&row, "value")?)),
        None => Ok(None),
    }
}

/// Writes (inserts or replaces) a setting.
pub async fn put<R: Runner>(r: &mut R, key: &str, value: &str) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::Key, Settings::Value])
        .values_panic([key.into(), value.into()])
        .on_conflict(
            OnConflict::column(Settings::Key)
                .update_column(Settings::Value)
                .to_owned(),
        )
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Inserts a setting only when absent; returns the value now stored (first writer wins,
/// which keeps several nodes starting at once in agreement).
pub async fn get_or_insert<R: Runner>(r: &mut R, key: &str, value: &str) -> Result<String> {
    let stmt = Query::insert()
        .into_table(Settings::Table)
        .columns([Settings::Key, Settings::Value])
        .values_panic([key.into(), value.into()])
        .on_conflict(OnConflict::column(Settings::Key).do_nothing().to_owned())
        .to_owned();
    execute(r, &stmt).await?;
    Ok(get(r, key).await?.unwrap_or_else(|| value.to_string()))
}

/// Deletes a setting.
pub async fn delete<R: Runner>(r: &mut R, key: &str) -> Result<()> {
    let stmt = Query::delete()
        .from_table(Settings::Table)
        .and_where(Expr::col(Settings::Key).eq(key))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}
