//! A partner's delivery chaos settings (issue 19, sandbox), stored as the JSON of
//! `gobiz_domain::chaos::ChaosConfig`, with the count of decisions made since they were set.

use crate::exec::{execute, fetch_optional, int, text};
use crate::schema::Chaos;
use crate::{Result, Runner};
use sea_query::{Expr, ExprTrait, Query};

/// Stored settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChaos {
    /// The partner.
    pub partner_id: String,
    /// `ChaosConfig` as JSON.
    pub config: String,
    /// Chaos sequence numbers handed out since the settings were set.
    pub decisions: i64,
    /// When they were set.
    pub updated_at: i64,
}

/// The partner's settings, if chaos is on.
pub async fn get<R: Runner>(r: &mut R, partner_id: &str) -> Result<Option<StoredChaos>> {
    let stmt = Query::select()
        .columns([
            Chaos::PartnerId,
            Chaos::Config,
            Chaos::Decisions,
            Chaos::UpdatedAt,
        ])
        .from(Chaos::Table)
        .and_where(Expr::col(Chaos::PartnerId).eq(partner_id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(StoredChaos {
            partner_id: text(&row, "partner_id")?,
            config: text(&row, "config")?,
            decisions: int(&row, "decisions")?,
            updated_at: int(&row, "updated_at")?,
        })),
        None => Ok(None),
    }
}

/// Sets the partner's settings; the decision count starts again at 0, so the same seed
/// replays the same decisions.
pub async fn put<R: Runner>(r: &mut R, partner_id: &str, config: &str, now: i64) -> Result<()> {
    delete(r, partner_id).await?;
    let stmt = Query::insert()
        .into_table(Chaos::Table)
        .columns([
            Chaos::PartnerId,
            Chaos::Config,
            Chaos::Decisions,
            Chaos::UpdatedAt,
        ])
        .values_panic([partner_id.into(), config.into(), 0i64.into(), now.into()])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Turns chaos off for the partner.
pub async fn delete<R: Runner>(r: &mut R, partner_id: &str) -> Result<()> {
    let stmt = Query::delete()
        .from_table(Chaos::Table)
        .and_where(Expr::col(Chaos::PartnerId).eq(partner_id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// The next chaos sequence number of the partner (1, 2, …), or `None` when chaos is off. In a
/// transaction, the update locks the row, so concurrent fan-outs get distinct numbers.
pub async fn next_seq<R: Runner>(r: &mut R, partner_id: &str) -> Result<Option<i64>> {
    let bump = Query::update()
        .table(Chaos::Table)
        .value(Chaos::Decisions, Expr::col(Chaos::Decisions).add(1))
        .and_where(Expr::col(Chaos::PartnerId).eq(partner_id))
        .to_owned();
    execute(r, &bump).await?;
    Ok(get(r, partner_id).await?.map(|c| c.decisions))
}
