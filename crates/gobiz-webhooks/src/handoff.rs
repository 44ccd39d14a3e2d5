//! Deliveries a node writes, leased to its own dispatcher by the transaction that creates
//! them and handed over in memory once that transaction commits: the dispatcher sends them
//! without claiming them back from the database. A claim is an `UPDATE` of the rows and a
//! read of what signing needs; on PostgreSQL it was the costliest statement of a delivery
//! (issue 20).
//!
//! What is handed over is leased exactly as a claim leases it, so nothing changes for
//! at-least-once delivery: a node that dies (or stops) before sending leaves rows whose
//! lease runs out, and any dispatcher claims them then.

use gobiz_domain::clock::Millis;
use gobiz_store::outbox::{Claimed, Lease};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::Notify;

/// Most deliveries waiting to be taken; beyond, writers stop leasing and the dispatcher
/// claims what they write, as before.
const MAX_WAITING: usize = 1024;

/// The queue between this node's writers and its dispatcher.
pub(crate) struct Handoff {
    waiting: Mutex<VecDeque<Handed>>,
    /// Length of `waiting`, read without its lock.
    len: AtomicUsize,
    /// Notified when deliveries are handed over (or slots free up while some wait).
    pub(crate) ready: Notify,
    /// True while the dispatcher runs: only then is a lease offered.
    running: AtomicBool,
}

/// A lease offered to a writer for the deliveries it is about to insert.
#[derive(Debug, Clone)]
pub struct Offer {
    owner: String,
    now: Millis,
    until: Millis,
    since: Instant,
}

impl Offer {
    /// The lease to write on the deliveries ([`gobiz_store::outbox::insert_deliveries`]).
    pub fn lease(&self) -> Lease<'_> {
        Lease {
            now: self.now,
            until: self.until,
            owner: &self.owner,
        }
    }
}

/// A delivery handed over, with the moment its lease began.
pub(crate) struct Handed {
    pub(crate) claimed: Claimed,
    pub(crate) since: Instant,
}

impl Handoff {
    pub(crate) fn new() -> Handoff {
        Handoff {
            waiting: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
            ready: Notify::new(),
            running: AtomicBool::new(false),
        }
    }

    /// A lease of `lease_ms` (wall clock) for deliveries about to be written, owned by
    /// `owner` and a fresh suffix; `None` when the dispatcher is not running or enough
    /// deliveries already wait.
    pub(crate) fn offer(&self, owner: &str, lease_ms: Millis) -> Option<Offer> {
        if !self.running.load(Ordering::Acquire) || self.len.load(Ordering::Relaxed) >= MAX_WAITING
        {
            return None;
        }
        let now = gobiz_domain::clock::wall_now_ms();
        Some(Offer {
            owner: format!("{owner}:{}", uuid::Uuid::new_v4().simple()),
            now,
            until: now + lease_ms,
            since: Instant::now(),
        })
    }

    /// Queues committed deliveries leased under `offer`. Gives them back when the
    /// dispatcher has stopped meanwhile (the caller releases them).
    pub(crate) fn push(&self, offer: &Offer, claimed: Vec<Claimed>) -> Result<(), Vec<Claimed>> {
        let Ok(mut waiting) = self.waiting.lock() else {
            return Err(claimed);
        };
        // Read under the lock that `close` takes, so nothing is queued after its last take.
        if !self.running.load(Ordering::Acquire) {
            return Err(claimed);
        }
        waiting.extend(claimed.into_iter().map(|claimed| Handed {
            claimed,
            since: offer.since,
        }));
        self.len.store(waiting.len(), Ordering::Relaxed);
        drop(waiting);
        self.ready.notify_one();
        Ok(())
    }

    /// Up to `max` of the oldest waiting deliveries.
    pub(crate) fn take(&self, max: usize) -> Vec<Handed> {
        let Ok(mut waiting) = self.waiting.lock() else {
            return Vec::new();
        };
        let n = max.min(waiting.len());
        let taken: Vec<Handed> = waiting.drain(..n).collect();
        self.len.store(waiting.len(), Ordering::Relaxed);
        taken
    }

    /// Whether deliveries wait to be taken.
    pub(crate) fn has_waiting(&self) -> bool {
        self.len.load(Ordering::Relaxed) > 0
    }

    /// The dispatcher starts: leases may be offered.
    pub(crate) fn open(&self) {
        self.running.store(true, Ordering::Release);
    }

    /// The dispatcher stops: no more leases are offered; what waits is returned, to be
    /// released.
    pub(crate) fn close(&self) -> Vec<Claimed> {
        let Ok(mut waiting) = self.waiting.lock() else {
            self.running.store(false, Ordering::Release);
            return Vec::new();
        };
        self.running.store(false, Ordering::Release);
        let rest = waiting.drain(..).map(|h| h.claimed).collect();
        self.len.store(0, Ordering::Relaxed);
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gobiz_store::outbox::Delivery;

    fn claimed(id: &str) -> Claimed {
        Claimed {
            delivery: Delivery {
                id: id.into(),
                event_id: "e".into(),
                subscription_id: "s".into(),
                partner_id: "p".into(),
                event_name: "gofood.order.placed".into(),
                entity_id: "o".into(),
                endpoint: "http://127.0.0.1:9/hook".into(),
                idempotency_key: "k".into(),
                payload: "{}".into(),
                headers: "{}".into(),
                status: "pending".into(),
                retries: 0,
                next_attempt_at: 0,
                created_at: 0,
                updated_at: 0,
                chaos_seq: None,
            },
            secret: "secret".into(),
            standard_webhooks: false,
            chaos: None,
            history_len: Some(0),
        }
    }

    #[test]
    fn offers_only_while_running_and_keeps_order() {
        let h = Handoff::new();
        assert!(
            h.offer("node", 30_000).is_none(),
            "no lease before the dispatcher runs"
        );
        h.open();
        let offer = h.offer("node", 30_000).expect("offered while running");
        let lease = offer.lease();
        assert_eq!(lease.until - lease.now, 30_000);
        assert!(lease.owner.starts_with("node:"));
        assert!(h
            .push(&offer, vec![claimed("a"), claimed("b"), claimed("c")])
            .is_ok());
        assert!(h.has_waiting());
        let ids: Vec<String> = h
            .take(2)
            .into_iter()
            .map(|x| x.claimed.delivery.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        let rest = h.close();
        assert_eq!(rest.len(), 1);
        assert!(!h.has_waiting());
        assert!(h.offer("node", 30_000).is_none(), "no lease once stopped");
        let back = h
            .push(&offer, vec![claimed("d")])
            .expect_err("refused once stopped");
        assert_eq!(back.len(), 1);
    }

    #[test]
    fn stops_offering_when_full() {
        let h = Handoff::new();
        h.open();
        let offer = h.offer("node", 1_000).expect("offered");
        let many = (0..MAX_WAITING).map(|i| claimed(&i.to_string())).collect();
        assert!(h.push(&offer, many).is_ok());
        assert!(h.offer("node", 1_000).is_none());
        h.take(1);
        assert!(h.offer("node", 1_000).is_some());
    }
}
