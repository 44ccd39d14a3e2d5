//! The transactional outbox: events are written in the same transaction as the state change
//! that caused them, each with one delivery per matching subscription. The dispatcher claims
//! due deliveries with a lease and records every attempt.

use crate::exec::Row;
use crate::exec::{execute, fetch_all, fetch_optional, flag, int, opt_int, opt_text, text};
use crate::schema::{Chaos, Deliveries, DeliveryAttempts, Events, Partners};
use crate::{Result, Runner};
use sea_query::{
    Alias, Expr, ExprTrait, LockBehavior, LockType, Order, Query, SelectStatement, UpdateStatement,
};

/// An event as written to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// `header.event_id`.
    pub id: String,
    /// Event name.
    pub name: String,
    /// Outlet it concerns.
    pub outlet_id: String,
    /// Troubleshooting entity id.
    pub entity_id: String,
    /// Catalog push request id, if any.
    pub request_id: Option<String>,
    /// The payload template (before per-recipient fields).
    pub payload: String,
    /// Creation.
    pub created_at: i64,
}

/// One delivery of an event to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// UUID.
    pub id: String,
    /// Event delivered.
    pub event_id: String,
    /// Subscription delivered to.
    pub subscription_id: String,
    /// Receiving partner.
    pub partner_id: String,
    /// Event name.
    pub event_name: String,
    /// Troubleshooting entity id.
    pub entity_id: String,
    /// URL at creation.
    pub endpoint: String,
    /// `X-Go-Idempotency-Key`.
    pub idempotency_key: String,
    /// Exact body.
    pub payload: String,
    /// JSON object of the headers last sent (`{}` before the first attempt).
    pub headers: String,
    /// `pending`, `retrying`, `delivered`, `dead`.
    pub status: String,
    /// Retries done so far.
    pub retries: i64,
    /// When the next attempt is due.
    pub next_attempt_at: i64,
    /// Creation.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// Its chaos sequence number, when the partner had chaos on at its creation.
    pub chaos_seq: Option<i64>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Position in the history.
    pub seq: i64,
    /// When.
    pub at: i64,
    /// HTTP status, if any.
    pub status_code: Option<i64>,
    /// `exception_message`.
    pub exception_message: Option<String>,
    /// True on 2xx.
    pub delivered: bool,
    /// How long the attempt took, when recorded.
    pub latency_ms: Option<i64>,
    /// The first 4 KiB of the receiver's answer, when there was one.
    pub response_body: Option<String>,
}

/// A claimed delivery with what sending needs from its partner.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery.
    pub delivery: Delivery,
    /// The partner's notification secret.
    pub secret: String,
    /// Whether to add Standard Webhooks headers.
    pub standard_webhooks: bool,
    /// The partner's chaos settings (JSON), when chaos is on.
    pub chaos: Option<String>,
    /// How many history entries the delivery has, when known without reading them (0 for a
    /// delivery handed over at its creation): recording its attempt then skips the lookup.
    pub history_len: Option<i64>,
}

/// Writes an event.
pub async fn insert_event<R: Runner>(r: &mut R, e: &EventRow) -> Result<()> {
    insert_events(r, std::slice::from_ref(e)).await
}

/// Writes events in one statement, in the given order.
pub async fn insert_events<R: Runner>(r: &mut R, all: &[EventRow]) -> Result<()> {
    if all.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert()
        .into_table(Events::Table)
        .columns([
            Events::Id,
            Events::Name,
            Events::OutletId,
            Events::EntityId,
            Events::RequestId,
            Events::Payload,
            Events::CreatedAt,
        ])
        .to_owned();
    for e in all {
        stmt.values_panic([
            e.id.clone().into(),
            e.name.clone().into(),
            e.outlet_id.clone().into(),
            e.entity_id.clone().into(),
            e.request_id.clone().into(),
            e.payload.clone().into(),
            e.created_at.into(),
        ]);
    }
    execute(r, &stmt).await?;
    Ok(())
}

const COLUMNS: [Deliveries; 16] = [
    Deliveries::Id,
    Deliveries::EventId,
    Deliveries::SubscriptionId,
    Deliveries::PartnerId,
    Deliveries::EventName,
    Deliveries::EntityId,
    Deliveries::Endpoint,
    Deliveries::IdempotencyKey,
    Deliveries::Payload,
    Deliveries::Headers,
    Deliveries::Status,
    Deliveries::Retries,
    Deliveries::NextAttemptAt,
    Deliveries::CreatedAt,
    Deliveries::UpdatedAt,
    Deliveries::ChaosSeq,
];

fn delivery_from(row: &Row) -> Result<Delivery> {
    Ok(Delivery {
        id: text(row, "id")?,
        event_id: text(row, "event_id")?,
        subscription_id: text(row, "subscription_id")?,
        partner_id: text(row, "partner_id")?,
        event_name: text(row, "event_name")?,
        entity_id: text(row, "entity_id")?,
        endpoint: text(row, "endpoint")?,
        idempotency_key: text(row, "idempotency_key")?,
        payload: text(row, "payload")?,
        headers: text(row, "headers")?,
        status: text(row, "status")?,
        retries: int(row, "retries")?,
        next_attempt_at: int(row, "next_attempt_at")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
        chaos_seq: opt_int(row, "chaos_seq")?,
    })
}

fn select_deliveries() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (Deliveries::Table, c)))
        .from(Deliveries::Table)
        .to_owned()
}

/// Writes a delivery (status `pending`, due at `next_attempt_at`).
pub async fn insert_delivery<R: Runner>(r: &mut R, d: &Delivery) -> Result<()> {
    insert_deliveries(r, std::slice::from_ref(d), None).await
}

/// Writes deliveries in one statement (an event's fan-out), in the given order; with `lease`,
/// already leased to the claimer it names, as a claim would leave them (a node hands the
/// deliveries it writes to its own dispatcher without claiming them back).
pub async fn insert_deliveries<R: Runner>(
    r: &mut R,
    all: &[Delivery],
    lease: Option<Lease<'_>>,
) -> Result<()> {
    if all.is_empty() {
        return Ok(());
    }
    let mut columns = COLUMNS.to_vec();
    if lease.is_some() {
        columns.extend([Deliveries::LeaseUntil, Deliveries::LeaseOwner]);
    }
    let mut stmt = Query::insert()
        .into_table(Deliveries::Table)
        .columns(columns)
        .to_owned();
    for d in all {
        let mut values: Vec<sea_query::SimpleExpr> = vec![
            d.id.clone().into(),
            d.event_id.clone().into(),
            d.subscription_id.clone().into(),
            d.partner_id.clone().into(),
            d.event_name.clone().into(),
            d.entity_id.clone().into(),
            d.endpoint.clone().into(),
            d.idempotency_key.clone().into(),
            d.payload.clone().into(),
            d.headers.clone().into(),
            d.status.clone().into(),
            d.retries.into(),
            d.next_attempt_at.into(),
            d.created_at.into(),
            d.updated_at.into(),
            d.chaos_seq.into(),
        ];
        if let Some(lease) = lease {
            values.push(lease.until.into());
            values.push(lease.owner.into());
        }
        stmt.values_panic(values);
    }
    execute(r, &stmt).await?;
    Ok(())
}

/// Which deliveries a claim takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Those sent over HTTP by the dispatcher: every endpoint but listeners'.
    Http,
    /// Those of one listener (its endpoint, [`crate::listeners::endpoint`]), oldest first.
    Listener(&'a str),
}

/// The lease a claim takes, in wall-clock time (not the sandbox clock, which may jump ahead
/// of a lease while its attempt is in flight and let a second claimer send it again).
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    /// Real time now.
    pub now: i64,
    /// Real time the lease ends.
    pub until: i64,
    /// Unique per claim: identifies the claimed rows.
    pub owner: &'a str,
}

/// The claim: lease up to `limit` deliveries of `target` that are due at `now` (the clock's)
/// and not leased.
/// The deliveries still to be sent (pending or retrying), as the literal predicate of the
/// partial index `deliveries_open` (migration 0017): a planner uses that index only for a
/// query that names the same literals, never for bound parameters.
const OPEN: &str = "status IN ('pending', 'retrying')";

fn open() -> Expr {
    Expr::cust(OPEN)
}

fn claim_statement(now: i64, lease: Lease<'_>, limit: u64, target: Target<'_>) -> UpdateStatement {
    let mut due = Query::select()
        .column(Deliveries::Id)
        .from(Deliveries::Table)
        .and_where(open())
        .and_where(Expr::col(Deliveries::NextAttemptAt).lte(now))
        .and_where(
            Expr::col(Deliveries::LeaseUntil)
                .is_null()
                .or(Expr::col(Deliveries::LeaseUntil).lt(lease.now)),
        )
        .to_owned();
    match target {
        Target::Http => {
            due.and_where(
                Expr::col(Deliveries::Endpoint).not_like(format!("{}%", crate::listeners::SCHEME)),
            )
            .order_by(Deliveries::NextAttemptAt, Order::Asc);
        }
        Target::Listener(endpoint) => {
            due.and_where(Expr::col(Deliveries::Endpoint).eq(endpoint))
                .order_by(Deliveries::NextAttemptAt, Order::Asc)
                .order_by(Deliveries::CreatedAt, Order::Asc)
                .order_by(Deliveries::Id, Order::Asc);
        }
    }
    let due = due
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::LeaseUntil, lease.until.into()),
            (Deliveries::LeaseOwner, lease.owner.into()),
        ])
        .and_where(Expr::col(Deliveries::Id).in_subquery(due))
        .to_owned()
}

/// Claims up to `limit` due deliveries until `lease_until`; `owner` must be unique per claim
/// (it identifies the claimed rows).
///
/// Engine-specific: on PostgreSQL the inner SELECT carries `FOR UPDATE SKIP LOCKED`, so
/// several nodes claim disjoint batches; SQLite has a single writer, and sea-query's SQLite
/// renderer leaves the lock clause out. One statement either way: an UPDATE of the rows the
/// subquery picks, so a row is leased by exactly one claimer.
pub async fn claim_due<R: Runner>(
    r: &mut R,
    now: i64,
    lease: Lease<'_>,
    limit: u64,
) -> Result<Vec<Claimed>> {
    claim(r, now, lease, limit, Target::Http).await
}

/// Claims up to `limit` due deliveries of `target` (see [`claim_due`]).
pub async fn claim<R: Runner>(
    r: &mut R,
    now: i64,
    lease: Lease<'_>,
    limit: u64,
    target: Target<'_>,
) -> Result<Vec<Claimed>> {
    // The UPDATE names the rows it leased, so reading them back is a primary-key lookup
    // (reading them back by lease owner scanned every pending delivery: issue 20).
    let ids: Vec<String> = fetch_all(
        r,
        &claim_statement(now, lease, limit, target)
            .returning_col(Deliveries::Id)
            .to_owned(),
    )
    .await?
    .iter()
    .map(|row| text(row, "id"))
    .collect::<Result<_>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = select_claimed()
        .and_where(Expr::col((Deliveries::Table, Deliveries::Id)).is_in(ids))
        .and_where(Expr::col((Deliveries::Table, Deliveries::LeaseOwner)).eq(lease.owner))
        .order_by((Deliveries::Table, Deliveries::NextAttemptAt), Order::Asc)
        .order_by((Deliveries::Table, Deliveries::CreatedAt), Order::Asc)
        .order_by((Deliveries::Table, Deliveries::Id), Order::Asc)
        .to_owned();
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(claimed_from)
        .collect()
}

/// Deliveries joined with what signing needs from their partner.
fn select_claimed() -> SelectStatement {
    select_deliveries()
        .expr_as(
            Expr::col((Partners::Table, Partners::NotificationSecret)),
            Alias::new("secret"),
        )
        .expr_as(
            Expr::col((Partners::Table, Partners::StandardWebhooks)),
            Alias::new("standard_webhooks"),
        )
        .expr_as(
            Expr::col((Chaos::Table, Chaos::Config)),
            Alias::new("chaos"),
        )
        .inner_join(
            Partners::Table,
            Expr::col((Partners::Table, Partners::Id))
                .equals((Deliveries::Table, Deliveries::PartnerId)),
        )
        .left_join(
            Chaos::Table,
            Expr::col((Chaos::Table, Chaos::PartnerId))
                .equals((Deliveries::Table, Deliveries::PartnerId)),
        )
        .to_owned()
}

fn claimed_from(row: &Row) -> Result<Claimed> {
    Ok(Claimed {
        delivery: delivery_from(row)?,
        secret: text(row, "secret")?,
        standard_webhooks: flag(row, "standard_webhooks")?,
        chaos: opt_text(row, "chaos")?,
        history_len: None,
    })
}

/// One delivery with its partner's signing details (for an immediate redelivery).
pub async fn claimed_by_id<R: Runner>(r: &mut R, id: &str) -> Result<Option<Claimed>> {
    let stmt = select_claimed()
        .and_where(Expr::col((Deliveries::Table, Deliveries::Id)).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(claimed_from)
        .transpose()
}

/// The result of one attempt, to be recorded.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// Delivery attempted.
    pub delivery_id: String,
    /// History entries to append (the attempt, and `Failed after…` when it died).
    pub entries: Vec<Attempt>,
    /// Headers sent (JSON object).
    pub headers: String,
    /// New status.
    pub status: String,
    /// Retries done.
    pub retries: i64,
    /// Next due time (unchanged when final).
    pub next_attempt_at: i64,
    /// Now.
    pub updated_at: i64,
    /// The delivery's history entries before this record, when known
    /// ([`Claimed::history_len`]); looked up when `None`.
    pub history_len: Option<i64>,
}

/// The columns of a history entry, in the order attempts are written and read.
const ATTEMPT_COLUMNS: [DeliveryAttempts; 8] = [
    DeliveryAttempts::DeliveryId,
    DeliveryAttempts::Seq,
    DeliveryAttempts::At,
    DeliveryAttempts::StatusCode,
    DeliveryAttempts::ExceptionMessage,
    DeliveryAttempts::Delivered,
    DeliveryAttempts::LatencyMs,
    DeliveryAttempts::ResponseBody,
];

/// Number of history entries a delivery has.
pub async fn history_len<R: Runner>(r: &mut R, delivery_id: &str) -> Result<i64> {
    let stmt = Query::select()
        .expr_as(Expr::col(DeliveryAttempts::Seq).max(), Alias::new("last"))
        .from(DeliveryAttempts::Table)
        .and_where(Expr::col(DeliveryAttempts::DeliveryId).eq(delivery_id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(opt_int(&row, "last")?.unwrap_or(0)),
        None => Ok(0),
    }
}

/// Records an attempt: appends history, updates the delivery and releases its lease.
pub async fn record<R: Runner>(r: &mut R, a: &AttemptRecord) -> Result<()> {
    record_batch(r, std::slice::from_ref(a)).await
}

/// Records many attempts in three statements whatever their number (issue 20: three
/// statements per attempt bounded the dispatcher): the last history position of each
/// delivery whose history length is not known, one multi-row insert of the new history
/// entries, one update of the deliveries (`CASE` per column), which also releases their
/// leases. A delivery recorded twice in one batch gets both histories in order and the later
/// record's state.
pub async fn record_batch<R: Runner>(r: &mut R, batch: &[AttemptRecord]) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<&str> = batch.iter().map(|a| a.delivery_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut last: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut unknown: Vec<&str> = Vec::new();
    for a in batch {
        // Only a delivery's first record in the batch says where its history stood.
        if !seen.insert(a.delivery_id.as_str()) {
            continue;
        }
        match a.history_len {
            Some(len) => {
                last.insert(a.delivery_id.clone(), len);
            }
            None => unknown.push(a.delivery_id.as_str()),
        }
    }
    if !unknown.is_empty() {
        // The last entry of each delivery, looked up per delivery (a backward scan of the
        // primary key each). The aggregate over `delivery_id IN (…)` was planned as a
        // sequential scan of all attempts while the table's statistics were stale (issue 20:
        // 1.4 M rows read for 8,000 attempts on PostgreSQL); this shape is an index lookup
        // whatever the statistics.
        let last_seq = Query::select()
            .expr(Expr::col((DeliveryAttempts::Table, DeliveryAttempts::Seq)).max())
            .from(DeliveryAttempts::Table)
            .and_where(
                Expr::col((DeliveryAttempts::Table, DeliveryAttempts::DeliveryId))
                    .equals((Deliveries::Table, Deliveries::Id)),
            )
            .to_owned();
        let stmt = Query::select()
            .expr_as(
                Expr::col((Deliveries::Table, Deliveries::Id)),
                Alias::new("delivery_id"),
            )
            .expr_as(Expr::from(last_seq), Alias::new("last"))
            .from(Deliveries::Table)
            .and_where(Expr::col((Deliveries::Table, Deliveries::Id)).is_in(unknown))
            .to_owned();
        for row in fetch_all(r, &stmt).await? {
            last.insert(
                text(&row, "delivery_id")?,
                opt_int(&row, "last")?.unwrap_or(0),
            );
        }
    }
    let mut insert = Query::insert()
        .into_table(DeliveryAttempts::Table)
        .columns(ATTEMPT_COLUMNS)
        .to_owned();
    let mut entries = 0;
    for a in batch {
        let seq = last.entry(a.delivery_id.clone()).or_insert(0);
        for e in &a.entries {
            *seq += 1;
            insert.values_panic([
                a.delivery_id.clone().into(),
                (*seq).into(),
                e.at.into(),
                e.status_code.into(),
                e.exception_message.clone().into(),
                i64::from(e.delivered).into(),
                e.latency_ms.into(),
                e.response_body.clone().into(),
            ]);
            entries += 1;
        }
    }
    if entries > 0 {
        execute(r, &insert).await?;
    }
    // One CASE per column; the later record of a delivery comes first, so it wins.
    let by_id = |value: &dyn Fn(&AttemptRecord) -> sea_query::Value, col: Deliveries| {
        let mut case = sea_query::CaseStatement::new();
        for a in batch.iter().rev() {
            case = case.case(
                Expr::col(Deliveries::Id).eq(a.delivery_id.as_str()),
                value(a),
            );
        }
        let e: Expr = case.finally(Expr::col(col)).into();
        (col, e)
    };
    let stmt = Query::update()
        .table(Deliveries::Table)
        .values([
            by_id(&|a| a.headers.clone().into(), Deliveries::Headers),
            by_id(&|a| a.status.clone().into(), Deliveries::Status),
            by_id(&|a| a.retries.into(), Deliveries::Retries),
            by_id(&|a| a.next_attempt_at.into(), Deliveries::NextAttemptAt),
            by_id(&|a| a.updated_at.into(), Deliveries::UpdatedAt),
            (Deliveries::LeaseUntil, Expr::val(Option::<i64>::None)),
            (Deliveries::LeaseOwner, Expr::val(Option::<String>::None)),
        ])
        .and_where(Expr::col(Deliveries::Id).is_in(ids))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Appends a note to a delivery's history that is not an attempt (a chaos decision).
pub async fn note<R: Runner>(r: &mut R, delivery_id: &str, at: i64, message: &str) -> Result<()> {
    let seq = history_len(r, delivery_id).await? + 1;
    let stmt = Query::insert()
        .into_table(DeliveryAttempts::Table)
        .columns([
            DeliveryAttempts::DeliveryId,
            DeliveryAttempts::Seq,
            DeliveryAttempts::At,
            DeliveryAttempts::ExceptionMessage,
            DeliveryAttempts::Delivered,
        ])
        .values_panic([
            delivery_id.into(),
            seq.into(),
            at.into(),
            message.into(),
            0i64.into(),
        ])
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Whether a delivery of `endpoint` is due at `now` and unleased (a read, so that an idle
/// listener does not take SQLite's write lock every poll).
pub async fn any_due<R: Runner>(
    r: &mut R,
    endpoint: &str,
    now: i64,
    lease_now: i64,
) -> Result<bool> {
    let stmt = Query::select()
        .column(Deliveries::Id)
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::Endpoint).eq(endpoint))
        .and_where(open())
        .and_where(Expr::col(Deliveries::NextAttemptAt).lte(now))
        .and_where(
            Expr::col(Deliveries::LeaseUntil)
                .is_null()
                .or(Expr::col(Deliveries::LeaseUntil).lt(lease_now)),
        )
        .limit(1)
        .to_owned();
    Ok(fetch_optional(r, &stmt).await?.is_some())
}

/// Who holds a delivery's lease, if anyone.
pub async fn lease_owner<R: Runner>(r: &mut R, id: &str) -> Result<Option<String>> {
    let stmt = Query::select()
        .column(Deliveries::LeaseOwner)
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => opt_text(&row, "lease_owner"),
        None => Ok(None),
    }
}

/// Stores the headers an attempt is about to send (a listener's attempt is recorded later,
/// possibly by another node, from these).
pub async fn set_headers<R: Runner>(r: &mut R, id: &str, headers: &str) -> Result<()> {
    let stmt = Query::update()
        .table(Deliveries::Table)
        .value(Deliveries::Headers, headers)
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// The outlet an event concerns.
pub async fn event_outlet<R: Runner>(r: &mut R, event_id: &str) -> Result<Option<String>> {
    let stmt = Query::select()
        .column(Events::OutletId)
        .from(Events::Table)
        .and_where(Expr::col(Events::Id).eq(event_id))
        .to_owned();
    match fetch_optional(r, &stmt).await? {
        Some(row) => Ok(Some(text(&row, "outlet_id")?)),
        None => Ok(None),
    }
}

/// Ends every unfinished delivery of `endpoint` as `dead` with `message` in its history
/// (a closed listener's deliveries have nowhere to go).
pub async fn abandon<R: Runner>(r: &mut R, endpoint: &str, now: i64, message: &str) -> Result<u64> {
    let stmt = Query::select()
        .column(Deliveries::Id)
        .from(Deliveries::Table)
        .and_where(Expr::col(Deliveries::Endpoint).eq(endpoint))
        .and_where(open())
        .to_owned();
    let ids: Vec<String> = fetch_all(r, &stmt)
        .await?
        .iter()
        .map(|row| text(row, "id"))
        .collect::<Result<_>>()?;
    for id in &ids {
        note(r, id, now, message).await?;
        let end = Query::update()
            .table(Deliveries::Table)
            .values([
                (Deliveries::Status, "dead".into()),
                (Deliveries::UpdatedAt, now.into()),
                (Deliveries::LeaseUntil, Option::<i64>::None.into()),
                (Deliveries::LeaseOwner, Option::<String>::None.into()),
            ])
            .and_where(Expr::col(Deliveries::Id).eq(id.as_str()))
            .to_owned();
        execute(r, &end).await?;
    }
    Ok(ids.len() as u64)
}

/// Makes a delivery due again at `now` (a listener's redelivery: its stream sends it next).
pub async fn requeue<R: Runner>(r: &mut R, id: &str, now: i64) -> Result<()> {
    let stmt = Query::update()
        .table(Deliveries::Table)
        .values([
            (Deliveries::Status, "retrying".into()),
            (Deliveries::NextAttemptAt, now.into()),
            (Deliveries::UpdatedAt, now.into()),
            (Deliveries::LeaseUntil, Option::<i64>::None.into()),
            (Deliveries::LeaseOwner, Option::<String>::None.into()),
        ])
        .and_where(Expr::col(Deliveries::Id).eq(id))
        .to_owned();
    execute(r, &stmt).await?;
    Ok(())
}

/// Releases the leases of `ids` without an attempt, due again at `next_attempt_at` (e.g. their
/// endpoint is at its concurrency cap): one statement per 500.
pub async fn release<R: Runner>(r: &mut R, ids: &[&str], next_attempt_at: i64) -> Result<()> {
    for chunk in ids.chunks(500) {
        let stmt = Query::update()
            .table(Deliveries::Table)
            .values([
                (Deliveries::LeaseUntil, Option::<i64>::None.into()),
                (Deliveries::LeaseOwner, Option::<String>::None.into()),
                (Deliveries::NextAttemptAt, next_attempt_at.into()),
            ])
            .and_where(Expr::col(Deliveries::Id).is_in(chunk.iter().copied()))
            .to_owned();
        execute(r, &stmt).await?;
    }
    Ok(())
}

/// The history of a delivery, in order.
pub async fn history<R: Runner>(r: &mut R, delivery_id: &str) -> Result<Vec<Attempt>> {
    Ok(histories(r, &[delivery_id.to_string()])
        .await?
        .remove(delivery_id)
        .unwrap_or_default())
}

/// The histories of several deliveries in one query (a listing costs two queries, not one per
/// delivery), each oldest attempt first.
pub async fn histories<R: Runner>(
    r: &mut R,
    delivery_ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<Attempt>>> {
    let mut out: std::collections::HashMap<String, Vec<Attempt>> = std::collections::HashMap::new();
    for chunk in delivery_ids.chunks(500) {
        let stmt = Query::select()
            .columns(ATTEMPT_COLUMNS)
            .from(DeliveryAttempts::Table)
            .and_where(
                Expr::col(DeliveryAttempts::DeliveryId).is_in(chunk.iter().map(String::as_str)),
            )
            .order_by(DeliveryAttempts::DeliveryId, Order::Asc)
            .order_by(DeliveryAttempts::Seq, Order::Asc)
            .to_owned();
        for row in fetch_all(r, &stmt).await? {
            out.entry(text(&row, "delivery_id")?)
                .or_default()
                .push(Attempt {
                    seq: int(&row, "seq")?,
                    at: int(&row, "at")?,
                    status_code: opt_int(&row, "status_code")?,
                    exception_message: opt_text(&row, "exception_message")?,
                    delivered: flag(&row, "delivered")?,
                    latency_ms: opt_int(&row, "latency_ms")?,
                    response_body: opt_text(&row, "response_body")?,
                });
        }
    }
    Ok(out)
}

/// Filters of the sandbox delivery log.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Receiving partner.
    pub partner_id: Option<String>,
    /// Event name.
    pub event: Option<String>,
    /// Delivery status.
    pub status: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Subscription.
    pub subscription_id: Option<String>,
    /// Outlet the delivered event concerns (`events.outlet_id`).
    pub outlet_id: Option<String>,
}

/// Deliveries matching `f`, newest first, one page.
pub async fn list<R: Runner>(
    r: &mut R,
    f: &DeliveryFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<Delivery>> {
    let mut stmt = select_deliveries();
    let eq = |stmt: &mut SelectStatement, col: Deliveries, v: &Option<String>| {
        if let Some(v) = v {
            stmt.and_where(Expr::col((Deliveries::Table, col)).eq(v.as_str()));
        }
    };
    eq(&mut stmt, Deliveries::PartnerId, &f.partner_id);
    eq(&mut stmt, Deliveries::EventName, &f.event);
    eq(&mut stmt, Deliveries::Status, &f.status);
    eq(&mut stmt, Deliveries::EntityId, &f.entity_id);
    eq(&mut stmt, Deliveries::SubscriptionId, &f.subscription_id);
    if let Some(outlet) = &f.outlet_id {
        let events = Query::select()
            .column(Events::Id)
            .from(Events::Table)
            .and_where(Expr::col(Events::OutletId).eq(outlet.as_str()))
            .to_owned();
        stmt.and_where(Expr::col((Deliveries::Table, Deliveries::EventId)).in_subquery(events));
    }
    stmt.order_by((Deliveries::Table, Deliveries::CreatedAt), Order::Desc)
        .order_by((Deliveries::Table, Deliveries::Id), Order::Desc)
        .limit(limit)
        .offset(offset);
    fetch_all(r, &stmt)
        .await?
        .iter()
        .map(delivery_from)
        .collect()
}

/// One delivery.
pub async fn get<R: Runner>(r: &mut R, id: &str) -> Result<Option<Delivery>> {
    let stmt = select_deliveries()
        .and_where(Expr::col((Deliveries::Table, Deliveries::Id)).eq(id))
        .to_owned();
    fetch_optional(r, &stmt)
        .await?
        .as_ref()
        .map(delivery_from)
        .transpose()
}

/// Deliveries still to be sent (`pending`/`retrying`), how many of them are due by `now`, and
/// the earliest `next_attempt_at` among them: the webhook backlog `/metrics` reports. Both
/// counts read the `(status, next_attempt_at)` index.
pub async fn backlog<R: Runner>(r: &mut R, now: i64) -> Result<(i64, i64, Option<i64>)> {
    let waiting = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(Expr::cust("MIN(next_attempt_at)"), Alias::new("oldest"))
        .from(Deliveries::Table)
        .and_where(open())
        .to_owned();
    let due = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Deliveries::Table)
        .and_where(open())
        .and_where(Expr::col(Deliveries::NextAttemptAt).lte(now))
        .to_owned();
    let (n, oldest) = match fetch_optional(r, &waiting).await? {
        Some(row) => (int(&row, "n")?, opt_int(&row, "oldest")?),
        None => (0, None),
    };
    let due = match fetch_optional(r, &due).await? {
        Some(row) => int(&row, "n")?,
        None => 0,
    };
    Ok((n, due, oldest))
}

#[cfg(test)]
mod tests {
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    /// The claim the dispatcher runs locks with `SKIP LOCKED` on PostgreSQL only.
    #[test]
    fn skip_locked_only_on_postgres() {
        let lease = super::Lease {
            now: 1,
            until: 2,
            owner: "node",
        };
        let claim = super::claim_statement(1, lease, 10, super::Target::Http);
        assert!(claim
            .to_string(PostgresQueryBuilder)
            .contains("FOR UPDATE SKIP LOCKED"));
        assert!(!claim.to_string(SqliteQueryBuilder).contains("FOR UPDATE"));
    }
}
