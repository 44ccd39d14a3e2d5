//! The dispatcher: claims due deliveries with a lease, sends them concurrently (bounded, and
//! bounded per endpoint so one slow receiver cannot starve the others), and records each
//! attempt with the next step of the retry policy. Several dispatchers (nodes) may run on one
//! PostgreSQL; a crashed one's leases simply run out and its deliveries are sent again.

use crate::handoff::{Handoff, Offer};
use crate::lanes::{Admit, Lanes};
use crate::send::{Outgoing, Sender};
use gobiz_domain::clock::{Clock, Millis};
use gobiz_domain::webhook::{next_step, Next, Outcome, DEAD_MESSAGE, DEFAULT_SCHEDULE_MS};
use gobiz_store::outbox::{self, Attempt, AttemptRecord, Claimed};
use gobiz_store::Db;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Waits before retries 1..=5.
    pub schedule_ms: Vec<Millis>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How long a claim is exclusive.
    pub lease_ms: Millis,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Requests in flight per endpoint at most.
    pub per_endpoint: usize,
    /// Idle polling interval (new local events wake the dispatcher at once).
    pub poll: Duration,
    /// Production URL rules.
    pub production: bool,
    /// Opens the notification secrets stored sealed.
    pub sealer: crate::sealed::SecretBox,
    /// Root certificates trusted for receivers besides the built-in ones
    /// (`--webhook-ca-file`, read by [`crate::send::load_ca_file`]).
    pub extra_roots: Vec<reqwest::Certificate>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            schedule_ms: DEFAULT_SCHEDULE_MS.to_vec(),
            timeout: Duration::from_secs(15),
            lease_ms: 30_000,
            concurrency: 256,
            per_endpoint: 32,
            poll: Duration::from_millis(200),
            production: false,
            sealer: crate::sealed::SecretBox::default(),
            extra_roots: Vec::new(),
        }
    }
}

/// The delivery engine of one node.
pub struct Dispatcher {
    db: Db,
    clock: Arc<dyn Clock>,
    cfg: WebhookConfig,
    sender: Sender,
    wake: Arc<Notify>,
    owner: String,
    lanes: Lanes<Queued>,
    /// Deliveries this node wrote already leased to this dispatcher.
    handoff: Handoff,
    /// Set when `run` stops claiming: deliveries still waiting in a lane are handed back
    /// instead of sent, so that shutdown waits only for requests already under way.
    stopping: AtomicBool,
}

/// A claimed delivery waiting in its endpoint's lane, with the concurrency permit it holds.
struct Queued {
    claimed: Claimed,
    permit: OwnedSemaphorePermit,
    /// When it was claimed: its lease runs from here.
    since: Instant,
}

const CLAIM_BATCH: usize = 128;

/// Attempt records written per statement (a bound on the statement's size and parameters).
const RECORD_CHUNK: usize = 64;

/// Adds what was observed of the attempt (its latency and the start of the answer) to its
/// history entry.
fn observed(record: &mut AttemptRecord, sent: &crate::send::Sent, latency: Duration) {
    if let Some(first) = record.entries.first_mut() {
        first.latency_ms = Some(i64::try_from(latency.as_millis()).unwrap_or(i64::MAX));
        first.response_body = sent.response_body.clone();
    }
}

/// Builds the record of an attempt made at `now` on a delivery that had `retries` retries.
pub fn attempt_record(
    claimed: &Claimed,
    outcome: &Outcome,
    headers: &std::collections::BTreeMap<String, String>,
    now: Millis,
    schedule: &[Millis],
) -> AttemptRecord {
    let d = &claimed.delivery;
    let mut entries = vec![Attempt {
        seq: 0,
        at: now,
        status_code: outcome.status_code().map(i64::from),
        exception_message: outcome.message(),
        delivered: outcome.delivered(),
        latency_ms: None,
        response_body: None,
    }];
    let (status, retries, next_at) = match next_step(outcome, d.retries, now, schedule) {
        Next::Delivered => ("delivered", d.retries, d.next_attempt_at),
        Next::Retry { retries, at } => ("retrying", retries, at),
        Next::Dead => {
            entries.push(Attempt {
                seq: 0,
                at: now,
                status_code: None,
                exception_message: Some(DEAD_MESSAGE.to_string()),
                delivered: false,
                latency_ms: None,
                response_body: None,
            });
            ("dead", d.retries, d.next_attempt_at)
        }
    };
    AttemptRecord {
        delivery_id: d.id.clone(),
        entries,
        headers: serde_json::to_string(headers).unwrap_or_else(|_| "{}".into()),
        status: status.to_string(),
        retries,
        next_attempt_at: next_at,
        updated_at: now,
        history_len: claimed.history_len,
    }
}

impl Dispatcher {
    /// A dispatcher; `wake` is notified whenever events are written or the clock moves.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        cfg: WebhookConfig,
        wake: Arc<Notify>,
    ) -> Arc<Dispatcher> {
        let sender = Sender::new(cfg.timeout, cfg.production, &cfg.extra_roots);
        Arc::new(Dispatcher {
            db,
            clock,
            sender,
            wake,
            owner: uuid::Uuid::new_v4().to_string(),
            lanes: Lanes::new(cfg.per_endpoint),
            handoff: Handoff::new(),
            stopping: AtomicBool::new(false),
            cfg,
        })
    }

    /// A lease for deliveries a writer of this node is about to insert, so that they can be
    /// handed to this dispatcher after the commit instead of claimed
    /// ([`Dispatcher::hand_over`]); `None` when this dispatcher is not running or is behind,
    /// or when its lease is too short to cover an attempt (they would all be handed back).
    pub fn offer_lease(&self) -> Option<Offer> {
        if self.lease_may_lapse(Instant::now()) {
            return None;
        }
        self.handoff.offer(&self.owner, self.cfg.lease_ms)
    }

    /// Hands over committed deliveries inserted under `offer` (call it only after the
    /// commit: they are sent at once). Each must be due, sent over HTTP and without chaos,
    /// as a claim would have taken it. Released for any node to claim when this dispatcher
    /// stopped meanwhile.
    pub fn hand_over(self: &Arc<Self>, offer: &Offer, claimed: Vec<Claimed>) {
        if claimed.is_empty() {
            return;
        }
        if let Err(back) = self.handoff.push(offer, claimed) {
            let me = self.clone();
            tokio::spawn(async move { me.hand_back(&back).await });
        }
    }

    /// The sender (for immediate redeliveries).
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The database.
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// The delivery settings.
    pub(crate) fn config(&self) -> &WebhookConfig {
        &self.cfg
    }

    /// The clock's now.
    pub(crate) fn now_ms(&self) -> Millis {
        self.clock.now_ms()
    }

    pub(crate) fn outgoing<'a>(
        &self,
        c: &'a Claimed,
        secret: &'a str,
        now: Millis,
    ) -> Outgoing<'a> {
        Outgoing {
            url: &c.delivery.endpoint,
            body: &c.delivery.payload,
            secret,
            idempotency_key: &c.delivery.idempotency_key,
            standard_webhooks: c.standard_webhooks,
            now_secs: now / 1000,
        }
    }

    /// Runs until `shutdown` turns true, then lets in-flight attempts finish and records them.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(self.cfg.concurrency));
        let (tx, rx) = mpsc::channel::<AttemptRecord>(4096);
        let recorder = tokio::spawn(record_loop(self.db.clone(), rx));
        let mut budget = CLAIM_BATCH;
        self.handoff.open();
        // Claim on start, on a wake (deliveries written without a lease, the clock moved, a
        // lane has room) and on every poll; not when woken only by a hand-over.
        let mut claim_now = true;
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.take_handed(&permits, &tx).await;
            if !claim_now {
                tokio::select! {
                    _ = self.wake.notified() => claim_now = true,
                    _ = self.handoff.ready.notified() => {}
                    _ = tokio::time::sleep(self.cfg.poll) => claim_now = true,
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let free = permits.available_permits().min(budget);
            let mut claimed_count = 0;
            let mut overflowed = false;
            if free > 0 {
                let now = self.clock.now_ms();
                // A fresh token per claim: two claims in the same millisecond must not pick
                // up each other's rows (that would send them twice).
                let token = format!("{}:{}", self.owner, uuid::Uuid::new_v4().simple());
                let claimed = async {
                    let mut conn = self.db.write_conn().await?;
                    let wall = gobiz_domain::clock::wall_now_ms();
                    let lease = outbox::Lease {
                        now: wall,
                        until: wall + self.cfg.lease_ms,
                        owner: &token,
                    };
                    outbox::claim_due(&mut conn, now, lease, free as u64).await
                }
                .await;
                match claimed {
                    Ok(batch) => {
                        claimed_count = batch.len();
                        let since = Instant::now();
                        let mut full = Vec::new();
                        for claimed in batch {
                            let Ok(permit) = permits.clone().acquire_owned().await else {
                                break;
                            };
                            if let Some(back) = self.admit(claimed, permit, since, &tx) {
                                full.push(back);
                            }
                        }
                        overflowed = !full.is_empty();
                        self.hand_back(&full).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming deliveries failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            // After an overflow, claim what a lane frees before it signals room; while a lane
            // is congested, keep the size that fit; otherwise grow back.
            let congested = self.lanes.congested();
            budget = if overflowed {
                self.lanes.refill()
            } else if congested {
                budget
            } else {
                (budget * 2).min(CLAIM_BATCH)
            };
            if claimed_count == free && free > 0 && !overflowed && !congested {
                continue;
            }
            claim_now = false;
            tokio::select! {
                _ = self.wake.notified() => claim_now = true,
                _ = self.handoff.ready.notified() => {}
                _ = tokio::time::sleep(self.cfg.poll) => claim_now = true,
                _ = shutdown.changed() => {}
            }
        }
        let waiting = self.handoff.close();
        self.hand_back(&waiting).await;
        self.stopping.store(true, Ordering::Relaxed);
        // Wait for in-flight attempts (bounded by the request timeout), then flush records.
        let _ = permits.acquire_many(self.cfg.concurrency as u32).await;
        drop(tx);
        let _ = recorder.await;
    }

    /// Puts a leased delivery in its endpoint's lane: sent at once when a slot is free, else
    /// queued; given back when the lane is full.
    fn admit(
        self: &Arc<Self>,
        claimed: Claimed,
        permit: OwnedSemaphorePermit,
        since: Instant,
        tx: &mpsc::Sender<AttemptRecord>,
    ) -> Option<Claimed> {
        let endpoint = claimed.delivery.endpoint.clone();
        let queued = Queued {
            claimed,
            permit,
            since,
        };
        match self.lanes.admit(&endpoint, queued) {
            Admit::Send(q) => {
                tokio::spawn(self.clone().lane(q, tx.clone()));
                None
            }
            Admit::Queued => None,
            Admit::Full(q) => Some(q.claimed),
        }
    }

    /// Takes the deliveries handed over by this node's writers, as many as there are free
    /// slots; one whose lease could run out before its answer is handed back instead.
    async fn take_handed(
        self: &Arc<Self>,
        permits: &Arc<Semaphore>,
        tx: &mpsc::Sender<AttemptRecord>,
    ) {
        if !self.handoff.has_waiting() {
            return;
        }
        let handed = self.handoff.take(permits.available_permits());
        let mut back = Vec::new();
        for h in handed {
            if self.lease_may_lapse(h.since) {
                back.push(h.claimed);
                continue;
            }
            // The permits are taken here only, so the free ones counted above are still free.
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                back.push(h.claimed);
                continue;
            };
            if let Some(full) = self.admit(h.claimed, permit, h.since, tx) {
                back.push(full);
            }
        }
        self.hand_back(&back).await;
    }

    /// Whether a lease taken at `since` could run out before an attempt started now is
    /// answered (another node could then claim the delivery and send it twice).
    fn lease_may_lapse(&self, since: Instant) -> bool {
        let margin = self.cfg.timeout + Duration::from_secs(1);
        let lease = Duration::from_millis(u64::try_from(self.cfg.lease_ms).unwrap_or(0));
        since.elapsed() + margin > lease
    }

    /// Sends `first`, then whatever waits in its endpoint's lane, one after the other in
    /// this slot. A delivery that waited is handed back instead when its lease could run out
    /// before its answer is back (another node could claim it meanwhile and send it twice),
    /// or when the node is shutting down.
    async fn lane(self: Arc<Self>, first: Queued, tx: mpsc::Sender<AttemptRecord>) {
        let endpoint = first.claimed.delivery.endpoint.clone();
        let mut next = Some(first);
        let mut waited = false;
        while let Some(q) = next.take() {
            let stale = self.lease_may_lapse(q.since);
            if waited && (stale || self.stopping.load(Ordering::Relaxed)) {
                self.hand_back(std::slice::from_ref(&q.claimed)).await;
            } else {
                self.handle(q.claimed, &tx).await;
            }
            drop(q.permit);
            if self.handoff.has_waiting() {
                self.handoff.ready.notify_one();
            }
            let done = self.lanes.done(&endpoint);
            if done.room {
                self.wake.notify_one();
            }
            next = done.next;
            waited = true;
        }
    }

    /// Releases claimed deliveries unsent, due again in 100 ms.
    async fn hand_back(&self, claimed: &[Claimed]) {
        if claimed.is_empty() {
            return;
        }
        let later = self.clock.now_ms() + 100;
        let ids: Vec<&str> = claimed.iter().map(|c| c.delivery.id.as_str()).collect();
        let released = async {
            let mut conn = self.db.write_conn().await?;
            outbox::release(&mut conn, &ids, later).await
        }
        .await;
        if let Err(e) = released {
            // Their leases run out and they are claimed again.
            tracing::warn!(error = %e, count = ids.len(), "handing back deliveries failed");
        }
    }

    /// One attempt of a claimed delivery, its record sent to the recorder.
    async fn handle(&self, c: Claimed, tx: &mpsc::Sender<AttemptRecord>) {
        let secret = match self.cfg.sealer.open(&c.secret) {
            Ok(s) => s,
            Err(e) => {
                // Checked at start (`gobiz serve` refuses a key that does not open the stored
                // secrets), so this is a key changed under a running node: send nothing
                // unsigned; the lease expires and another node (or a restart) retries.
                tracing::error!(delivery = %c.delivery.id, error = %e, "cannot open the notification secret");
                return;
            }
        };
        let now = self.clock.now_ms();
        if let Some(outcome) = chaos_failure(&c).filter(|_| !self.cfg.production) {
            // Sandbox chaos: recorded as the receiver's failure, nothing is sent.
            let headers = self.sender.headers(&self.outgoing(&c, &secret, now));
            let mut record = attempt_record(&c, &outcome, &headers, now, &self.cfg.schedule_ms);
            if let Some(first) = record.entries.first_mut() {
                first.exception_message = Some(gobiz_domain::chaos::failure_message(&outcome));
            }
            log_attempt(
                &c,
                &outcome,
                &record,
                Duration::ZERO,
                "webhook attempt (chaos: not sent)",
            );
            if tx.send(record).await.is_err() {
                tracing::warn!(delivery = %c.delivery.id, "recorder gone; the lease will expire and the delivery retried");
            }
            return;
        }
        let started = Instant::now();
        let sent = self.sender.attempt(&self.outgoing(&c, &secret, now)).await;
        let latency = started.elapsed();
        crate::stats::attempted(sent.outcome.delivered());
        let done = self.clock.now_ms();
        let mut record = attempt_record(
            &c,
            &sent.outcome,
            &sent.headers,
            done,
            &self.cfg.schedule_ms,
        );
        observed(&mut record, &sent, latency);
        log_attempt(&c, &sent.outcome, &record, latency, "webhook attempt");
        if tx.send(record).await.is_err() {
            tracing::warn!(delivery = %c.delivery.id, "recorder gone; the lease will expire and the delivery retried");
        }
    }

    /// One immediate attempt outside the schedule (sandbox redeliver): recorded in history;
    /// success marks the delivery delivered, failure leaves its status and schedule alone.
    pub async fn redeliver(&self, c: &Claimed) -> Result<(), gobiz_store::StoreError> {
        let secret = self
            .cfg
            .sealer
            .open(&c.secret)
            .map_err(|e| gobiz_store::StoreError::Corrupt(e.to_string()))?;
        let now = self.clock.now_ms();
        let started = Instant::now();
        let sent = self.sender.attempt(&self.outgoing(c, &secret, now)).await;
        let latency = started.elapsed();
        crate::stats::attempted(sent.outcome.delivered());
        let done = self.clock.now_ms();
        let mut record =
            attempt_record(c, &sent.outcome, &sent.headers, done, &self.cfg.schedule_ms);
        observed(&mut record, &sent, latency);
        if !sent.outcome.delivered() {
            record.entries.truncate(1);
            record.status = c.delivery.status.clone();
            record.retries = c.delivery.retries;
            record.next_attempt_at = c.delivery.next_attempt_at;
        }
        log_attempt(c, &sent.outcome, &record, latency, "webhook redelivery");
        let mut tx = self.db.begin().await?;
        outbox::record(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The failure sandbox chaos makes of this attempt, if any (see `gobiz_domain::chaos`).
fn chaos_failure(c: &Claimed) -> Option<Outcome> {
    let cfg: gobiz_domain::chaos::ChaosConfig = serde_json::from_str(c.chaos.as_deref()?).ok()?;
    let seq = c.delivery.chaos_seq?;
    cfg.failure(seq, c.delivery.retries + 1, c.delivery.retries)
}

/// The one info line of an attempt: event, delivery, partner, URL (without query or
/// credentials, which may hold a receiver's secret), HTTP status or error, latency, and what
/// happens next (`delivered`, `retry at <server-clock time>`, `dead`).
pub(crate) fn log_attempt(
    c: &Claimed,
    outcome: &Outcome,
    record: &AttemptRecord,
    latency: Duration,
    what: &'static str,
) {
    let d = &c.delivery;
    let status = outcome.status_code();
    let error = if status.is_none() {
        outcome.message()
    } else {
        None
    };
    let next = match record.status.as_str() {
        "retrying" | "pending" => format!(
            "retry at {}",
            gobiz_domain::timefmt::rfc3339_millis(record.next_attempt_at)
        ),
        other => other.to_string(),
    };
    tracing::info!(
        event = %d.event_name,
        event_id = %d.event_id,
        delivery = %d.id,
        partner = %d.partner_id,
        url = %loggable_url(&d.endpoint),
        attempt = d.retries + 1,
        status,
        error,
        latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        next = %next,
        "{what}"
    );
}

/// `endpoint` without its query, fragment and userinfo.
fn loggable_url(endpoint: &str) -> String {
    match url::Url::parse(endpoint) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => endpoint.split(['?', '#']).next().unwrap_or("").to_string(),
    }
}

/// Writes attempt records in batches (one transaction per batch, three statements per chunk of
/// records), so that the single SQLite writer is not the bottleneck. When a batch meets a
/// history position taken meanwhile (an immediate redelivery of one of its deliveries), each
/// record is written again on its own, its position read afresh, so that one record cannot
/// cost the others theirs.
async fn record_loop(db: Db, mut rx: mpsc::Receiver<AttemptRecord>) {
    let mut batch = Vec::with_capacity(256);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        match write_records(&db, &batch).await {
            Ok(()) => {}
            // A history position taken meanwhile (by a redelivery of one of them): write each
            // record on its own, its position read afresh.
            Err(gobiz_store::StoreError::Duplicate) => {
                tracing::warn!(count = batch.len(), "a batch of attempt records met a history entry written meanwhile; recording them one by one");
                for record in &mut batch {
                    record.history_len = None;
                    if let Err(e) = write_records(&db, std::slice::from_ref(record)).await {
                        tracing::error!(error = %e, delivery = %record.delivery_id, "recording an attempt failed");
                    }
                }
            }
            Err(e) => {
                // The leases run out and the deliveries are attempted again: at least once
                // holds.
                tracing::error!(error = %e, count = batch.len(), "recording attempts failed");
            }
        }
        batch.clear();
    }
}

/// Records attempts in one transaction.
async fn write_records(db: &Db, records: &[AttemptRecord]) -> Result<(), gobiz_store::StoreError> {
    let mut tx = db.begin().await?;
    for chunk in records.chunks(RECORD_CHUNK) {
        outbox::record_batch(&mut tx, chunk).await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use gobiz_store::outbox::{Delivery, EventRow};

    fn delivery(id: &str) -> Delivery {
        Delivery {
            id: id.into(),
            event_id: "ev-1".into(),
            subscription_id: "sub-1".into(),
            partner_id: "p-1".into(),
            event_name: "gofood.order.placed".into(),
            entity_id: "F-1".into(),
            endpoint: "http://127.0.0.1:9/hook".into(),
            idempotency_key: format!("key-{id}"),
            payload: "{}".into(),
            headers: "{}".into(),
            status: "pending".into(),
            retries: 0,
            next_attempt_at: 1,
            created_at: 1,
            updated_at: 1,
            chaos_seq: None,
        }
    }

    fn delivered(id: &str, history_len: Option<i64>) -> AttemptRecord {
        AttemptRecord {
            delivery_id: id.into(),
            entries: vec![Attempt {
                seq: 0,
                at: 5,
                status_code: Some(200),
                exception_message: None,
                delivered: true,
                latency_ms: Some(1),
                response_body: None,
            }],
            headers: "{}".into(),
            status: "delivered".into(),
            retries: 0,
            next_attempt_at: 1,
            updated_at: 5,
            history_len,
        }
    }

    /// A batch whose record for one delivery says its history is empty while a redelivery
    /// has written to it meanwhile: both records still land, the stale one after the entry.
    #[tokio::test]
    async fn a_stale_history_position_costs_no_other_record() {
        let path = std::env::temp_dir().join(format!(
            "gobiz-records-{}-{}.db",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        {
            let mut tx = db.begin().await.unwrap();
            let event = EventRow {
                id: "ev-1".into(),
                name: "gofood.order.placed".into(),
                outlet_id: "G1".into(),
                entity_id: "F-1".into(),
                request_id: None,
                payload: "{}".into(),
                created_at: 1,
            };
            outbox::insert_event(&mut tx, &event).await.unwrap();
            outbox::insert_deliveries(&mut tx, &[delivery("d-1"), delivery("d-2")], None)
                .await
                .unwrap();
            // What an immediate redelivery of d-1 would have written meanwhile.
            outbox::note(&mut tx, "d-1", 3, "written meanwhile")
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let (tx, rx) = mpsc::channel(8);
        tx.send(delivered("d-1", Some(0))).await.unwrap();
        tx.send(delivered("d-2", Some(0))).await.unwrap();
        drop(tx);
        record_loop(db.clone(), rx).await;

        let mut conn = db.conn().await.unwrap();
        let first = outbox::history(&mut conn, "d-1").await.unwrap();
        assert_eq!(
            first.iter().map(|a| a.seq).collect::<Vec<_>>(),
            [1, 2],
            "the attempt follows the entry written meanwhile"
        );
        assert!(first[1].delivered);
        let second = outbox::history(&mut conn, "d-2").await.unwrap();
        assert_eq!(second.len(), 1, "the other record of the batch landed");
        for id in ["d-1", "d-2"] {
            let d = outbox::get(&mut conn, id).await.unwrap().unwrap();
            assert_eq!(d.status, "delivered", "{id}");
        }
        drop(conn);
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
