//! Traffic scenarios (issue 19, sandbox): the run's row (status, progress, heartbeat) and
//! what it created (orders and payments, in order), plus the reads a summary counts from: the
//! deliveries of those entities and their attempts.

use crate::exec::{execute, fetch_all, fetch_optional, int, opt_int, opt_text, text};
use crate::schema::{Deliveries, DeliveryAttempts};
use crate::{Result, Runner};
use sea_query::{Alias, Expr, ExprTrait, Iden, Order, Query, SelectStatement};

/// `scenarios`.
#[derive(Iden, Clone, Copy)]
pub enum Scenarios {
    /// The table.
    Table,
    /// Id (UUID).
    Id,
    /// The outlet the orders go to.
    OutletId,
    /// `lunch-rush` or `custom`.
    Name,
    /// The resolved spec as JSON.
    Spec,
    /// `running`, `stopping`, `stopped`, `finished` or `failed`.
    Status,
    /// Why it failed.
    Reason,
    /// Simulated minutes done.
    Minute,
    /// Minutes of the whole run.
    TotalMinutes,
    /// Orders the plan places.
    OrdersPlanned,
    /// Placements the simulator refused (422).
    Refused,
    /// The outlet's acceptance mode to put back at the end.
    RestoreMode,
    /// The node running it.
    Node,
    /// Last sign of life (real time).
    HeartbeatAt,
    /// Start (sandbox clock).
    StartedAt,
    /// End (sandbox clock).
    EndedAt,
    /// Creation (sandbox clock).
    CreatedAt,
    /// Last change (sandbox clock).
    UpdatedAt,
}

/// `scenario_entities`.
#[derive(Iden, Clone, Copy)]
pub enum ScenarioEntities {
    /// The table.
    Table,
    /// The scenario.
    ScenarioId,
    /// 1, 2, … in creation order.
    Seq,
    /// `order` or `payment`.
    Kind,
    /// Order number or transaction id.
    EntityId,
    /// The simulated minute it was created in.
    Minute,
}

/// A stored scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredScenario {
    /// Id.
    pub id: String,
    /// Outlet.
    pub outlet_id: String,
    /// Name.
    pub name: String,
    /// Resolved spec (JSON).
    pub spec: String,
    /// Status.
    pub status: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// Simulated minutes done.
    pub minute: i64,
    /// Minutes of the run.
    pub total_minutes: i64,
    /// Orders the plan places.
    pub orders_planned: i64,
    /// Placements refused.
    pub refused: i64,
    /// Acceptance mode to restore.
    pub restore_mode: Option<String>,
    /// Node running it.
    pub node: String,
    /// Last heartbeat (real time).
    pub heartbeat_at: i64,
    /// Start (sandbox clock).
    pub started_at: i64,
    /// End (sandbox clock).
    pub ended_at: Option<i64>,
    /// Creation.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const COLUMNS: [Scenarios; 17] = [
    Scenarios::Id,
    Scenarios::OutletId,
    Scenarios::Name,
    Scenarios::Spec,
    Scenarios::Status,
    Scenarios::Reason,
    Scenarios::Minute,
    Scenarios::TotalMinutes,
    Scenarios::OrdersPlanned,
    Scenarios::Refused,
    Scenarios::RestoreMode,
    Scenarios::Node,
    Scenarios::HeartbeatAt,
    Scenarios::StartedAt,
    Scenarios::EndedAt,
    Scenarios::CreatedAt,
    Scenarios::UpdatedAt,
];

fn decode(row: &crate::exec::Row) -> Result<StoredScenario> {
    Ok(StoredScenario {
        id: text(row, "id")?,
        outlet_id: text(row, "outlet_id")?,
        name: text(row, "name")?,
        spec: text(row, "spec")?,
        status: text(row, "status")?,
        reason: opt_text(row, "reason")?,
        minute: int(row, "minute")?,
        total_minutes: int(row, "total_minutes")?,
        orders_planned: int(row, "orders_planned")?,
        refused: int(row, "refused")?,
        restore_mode: opt_text(row, "restore_mode")?,
        node: text(row, "node")?,
        heartbeat_at: int(row, "heartbeat_at")?,
        started_at: int(row, "started_at")?,
        ended_at: opt_int(row, "ended_at")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
    })
}

/// Stores a new scenario.
pub async fn insert<R: Runner>(r: &mut R, s: &StoredScenario) -> Result<()> {
    let stmt = Query::insert()
        .into_table(Scenarios::Table)
        .columns(COLUMNS)
        .values_panic([
            s.id.clone().into(),
            s.outlet_id.clone().into(),
            s.name.clone().into(),
            s.spec.clone().into(),
            s.status.clone().into(),
            s.reason.clone().into(),
            s.minute.into(),
            s.total_minutes.into(),
            s.orders_planned.into(),
            s.refused.into(),
            s.restore_mode.clone().into(),
            s.node.clone().into(),
            s.heartbeat_at.into(),
            s.started_at.into(),
            s.ended_at.into(),
            s.created_at.into(),
            s.updated_at.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// One scenario.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<StoredScenario>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Scenarios::Table)
        .and_where(Expr::col(Scenarios::Id).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// The newest `limit` scenarios, newest first.
pub async fn list<R: Runner>(r: &mut R, limit: u64) -> Result<Vec<StoredScenario>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Scenarios::Table)
        .order_by(Scenarios::CreatedAt, Order::Desc)
        .order_by(Scenarios::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(decode).collect()
}

/// Scenarios still `running` or `stopping` whose heartbeat is older than `before`.
pub async fn stale<R: Runner>(r: &mut R, before: i64) -> Result<Vec<StoredScenario>> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from(Scenarios::Table)
        .and_where(Expr::col(Scenarios::Status).is_in(["running", "stopping"]))
        .and_where(Expr::col(Scenarios::HeartbeatAt).lt(before))
        .to_owned();
    fetch_all(r, &stmt).await?.iter().map(decode).collect()
}

/// Moves a scenario to `to` if its status is one of `from`; answers whether it did. A final
/// status (`ended_at` given) also records the reason.
pub async fn transition<R: Runner>(
    r: &mut R,
    id: &str,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    ended_at: Option<i64>,
    now: i64,
) -> Result<bool> {
    let mut stmt = Query::update();
    stmt.table(Scenarios::Table)
        .value(Scenarios::Status, to)
        .value(Scenarios::UpdatedAt, now)
        .and_where(Expr::col(Scenarios::Id).eq(id))
        .and_where(Expr::col(Scenarios::Status).is_in(from.iter().copied()));
    if let Some(reason) = reason {
        stmt.value(Scenarios::Reason, reason);
    }
    if let Some(at) = ended_at {
        stmt.value(Scenarios::EndedAt, at);
    }
    Ok(execute(r, &stmt).await? > 0)
}

/// Records progress and a heartbeat; answers the status now stored (`None`: the row is gone,
/// e.g. after a sandbox reset).
pub async fn progress<R: Runner>(
    r: &mut R,
    id: &str,
    minute: i64,
    refused: i64,
    heartbeat_at: i64,
    now: i64,
) -> Result<Option<String>> {
    let stmt = Query::update()
        .table(Scenarios::Table)
        .value(Scenarios::Minute, minute)
        .value(Scenarios::Refused, refused)
        .value(Scenarios::HeartbeatAt, heartbeat_at)
        .value(Scenarios::UpdatedAt, now)
        .and_where(Expr::col(Scenarios::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    status(r, id).await
}

/// The stored status of a scenario.
pub async fn status<R: Runner>(r: &mut R, id: &str) -> Result<Option<String>> {
    let stmt = Query::select()
        .column(Scenarios::Status)
        .from(Scenarios::Table)
        .and_where(Expr::col(Scenarios::Id).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .map(|row| text(&row, "status"))
        .transpose()
}

/// Records an entity the scenario created.
pub async fn add_entity<R: Runner>(
    r: &mut R,
    scenario_id: &str,
    seq: i64,
    kind: &str,
    entity_id: &str,
    minute: i64,
) -> Result<()> {
    let stmt = Query::insert()
        .into_table(ScenarioEntities::Table)
        .columns([
            ScenarioEntities::ScenarioId,
            ScenarioEntities::Seq,
            ScenarioEntities::Kind,
            ScenarioEntities::EntityId,
            ScenarioEntities::Minute,
        ])
        .values_panic([
            scenario_id.into(),
            seq.into(),
            kind.into(),
            entity_id.into(),
            minute.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// The ids of the entities of `kind` the scenario created, with their minutes, in order.
pub async fn entities<R: Runner>(
    r: &mut R,
    scenario_id: &str,
    kind: &str,
) -> Result<Vec<(String, i64)>> {
    let stmt = Query::select()
        .columns([ScenarioEntities::EntityId, ScenarioEntities::Minute])
        .from(ScenarioEntities::Table)
        .and_where(Expr::col(ScenarioEntities::ScenarioId).eq(scenario_id))
        .and_where(Expr::col(ScenarioEntities::Kind).eq(kind))
        .order_by(ScenarioEntities::Seq, Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| Ok((text(row, "entity_id")?, int(row, "minute")?)))
        .collect()
}

/// How many entities of `kind` the scenario created.
pub async fn count_entities<R: Runner>(r: &mut R, scenario_id: &str, kind: &str) -> Result<i64> {
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(ScenarioEntities::Table)
        .and_where(Expr::col(ScenarioEntities::ScenarioId).eq(scenario_id))
        .and_where(Expr::col(ScenarioEntities::Kind).eq(kind))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => int(&row, "n"),
        None => Ok(0),
    }
}

fn entity_ids(scenario_id: &str) -> SelectStatement {
    Query::select()
        .column(ScenarioEntities::EntityId)
        .from(ScenarioEntities::Table)
        .and_where(Expr::col(ScenarioEntities::ScenarioId).eq(scenario_id))
        .to_owned()
}

/// One delivery caused by a scenario's entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioDelivery {
    /// Delivery id.
    pub id: String,
    /// `pending`, `retrying`, `delivered` or `dead`.
    pub status: String,
}

/// The deliveries of the events of the scenario's orders and payments (every partner).
pub async fn deliveries<R: Runner>(r: &mut R, scenario_id: &str) -> Result<Vec<ScenarioDelivery>> {
    let stmt = Query::select()
        .columns([Deliveries::Id, Deliveries::Status])
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::EntityId).in_subquery(entity_ids(scenario_id)))
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(ScenarioDelivery {
                id: text(row, "id")?,
                status: text(row, "status")?,
            })
        })
        .collect()
}

/// One history row of such a delivery: an attempt, or a note (no status, no latency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioAttempt {
    /// The receiver's HTTP status.
    pub status_code: Option<i64>,
    /// What went wrong, or a history note.
    pub exception_message: Option<String>,
    /// Whether it delivered.
    pub delivered: bool,
    /// How long the receiver took to answer.
    pub latency_ms: Option<i64>,
}

/// The history rows of the deliveries of the scenario's entities.
pub async fn attempts<R: Runner>(r: &mut R, scenario_id: &str) -> Result<Vec<ScenarioAttempt>> {
    let ids = Query::select()
        .column(Deliveries::Id)
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::EntityId).in_subquery(entity_ids(scenario_id)))
        .to_owned();
    let stmt = Query::select()
        .columns([
            DeliveryAttempts::StatusCode,
            DeliveryAttempts::ExceptionMessage,
            DeliveryAttempts::Delivered,
            DeliveryAttempts::LatencyMs,
        ])
        .from(DeliveryAttempts::Table)
        .and_where(Expr::col(DeliveryAttempts::DeliveryId).in_subquery(ids))
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(ScenarioAttempt {
                status_code: opt_int(row, "status_code")?,
                exception_message: opt_text(row, "exception_message")?,
                delivered: int(row, "delivered")? != 0,
                latency_ms: opt_int(row, "latency_ms")?,
            })
        })
        .collect()
}

/// How many deliveries of the scenario's entities are due or in flight at `now` (`pending`
/// or `retrying` with their next attempt at or before `now`). Held and delayed ones (next
/// attempt later) are not counted.
pub async fn due_deliveries<R: Runner>(r: &mut R, scenario_id: &str, now: i64) -> Result<i64> {
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::EntityId).in_subquery(entity_ids(scenario_id)))
        .and_where(Expr::col(Deliveries::Status).is_in(["pending", "retrying"]))
        .and_where(Expr::col(Deliveries::NextAttemptAt).lte(now))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => int(&row, "n"),
        None => Ok(0),
    }
}
