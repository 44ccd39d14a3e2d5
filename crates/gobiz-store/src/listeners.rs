//! Listeners of `gobiz listen`: temporary receivers of one partner's webhooks, attached to the
//! server over a stream instead of reached at a URL. Each has ordinary subscriptions whose url
//! is [`endpoint`]`(id)`, so the fan-out rules of spec §9.6 apply to them unchanged; the
//! dispatcher leaves their deliveries to the listener's stream (see [`crate::outbox::Target`]).

use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, int, opt_text, text};
use crate::schema::{Listeners, Subscriptions};
use crate::{Result, Runner};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

/// The scheme of a listener's subscription url.
pub const SCHEME: &str = "gobiz-listen:";

/// The subscription url (and delivery endpoint) of listener `id`.
pub fn endpoint(id: &str) -> String {
    format!("{SCHEME}{id}")
}

/// True for the url of a listener's subscription.
pub fn is_listener_url(url: &str) -> bool {
    url.starts_with(SCHEME)
}

/// A listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// UUID.
    pub id: String,
    /// Whose webhooks it receives.
    pub partner_id: String,
    /// Only this outlet's events, when set.
    pub outlet_id: Option<String>,
    /// The event names it receives.
    pub events: Vec<String>,
    /// Where the CLI forwards them (shown to people; the server never calls it).
    pub forward_to: String,
    /// Creation (sandbox clock).
    pub created_at: i64,
    /// Last sign of life of its stream (wall clock, ms).
    pub seen_at: i64,
}

const COLUMNS: [Listeners; 7] = [
    Listeners::Id,
    Listeners::PartnerId,
    Listeners::OutletId,
    Listeners::Events,
    Listeners::ForwardTo,
    Listeners::CreatedAt,
    Listeners::SeenAt,
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(Listeners::Table)
        .to_owned()
}

fn from_row(row: &Row) -> Result<Listener> {
    let events = text(row, "events")?;
    Ok(Listener {
        id: text(row, "id")?,
        partner_id: text(row, "partner_id")?,
        outlet_id: opt_text(row, "outlet_id")?,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(String::from)
            .collect(),
        forward_to: text(row, "forward_to")?,
        created_at: int(row, "created_at")?,
        seen_at: int(row, "seen_at")?,
    })
}

/// Writes a listener (its subscriptions are written by the caller, in the same transaction).
pub async fn insert<R: Runner>(r: &mut R, l: &Listener) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Listeners::Table)
        .columns(COLUMNS)
        .values_panic([
            l.id.clone().into(),
            l.partner_id.clone().into(),
            l.outlet_id.clone().into(),
            l.events.join(",").into(),
            l.forward_to.clone().into(),
            l.created_at.into(),
            l.seen_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One listener.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<Listener>> {
    let stmt = select()
        .and_where(Expr::col(Listeners::Id).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every listener, oldest first.
pub async fn list<R: Runner>(r: &mut R) -> Result<Vec<Listener>> {
    let stmt = select()
        .order_by(Listeners::CreatedAt, Order::Asc)
        .order_by(Listeners::Id, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(from_row).collect()
}

/// Notes a sign of life of the listener's stream.
pub async fn touch<R: Runner>(r: &mut R, id: &str, seen_at: i64) -> Result<()> {
    let stmt = Query::update()
        .table(Listeners::Table)
        .value(Listeners::SeenAt, seen_at)
        .and_where(Expr::col(Listeners::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Listeners whose stream was last seen before `before` (wall clock, ms).
pub async fn stale<R: Runner>(r: &mut R, before: i64) -> Result<Vec<String>> {
    let stmt = Query::select()
        .column(Listeners::Id)
        .from(Listeners::Table)
        .and_where(Expr::col(Listeners::SeenAt).lt(before))
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| text(row, "id"))
        .collect()
}

/// Deletes a listener and its subscriptions (its unanswered deliveries are closed by
/// [`crate::outbox::abandon`]).
pub async fn delete<R: Runner>(r: &mut R, id: &str) -> Result<()> {
    let subs = Query::delete()
        .from_table(Subscriptions::Table)
        .and_where(Expr::col(Subscriptions::Url).eq(endpoint(id)))
        .to_owned();
    execute(r, &subs).await?;
    let stmt = Query::delete()
        .from_table(Listeners::Table)
        .and_where(Expr::col(Listeners::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}
