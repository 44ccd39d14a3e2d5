//! Client-secret checks for the token, revocation and introspection endpoints: the argon2
//! pool behind three small memories, so that hashing work per request is rare and bounded.
//!
//! - Verified secrets (60 s, refreshed on every use): a busy client never hashes again while
//!   it keeps calling; its entries do not all expire together.
//! - Failed secrets (10 s, never refreshed): the same wrong secret repeated is refused without
//!   hashing.
//! - Failure throttle per presented `client_id` (known or not): after [`Limits::failures`]
//!   failed verifications in a window, further checks that would need hashing are refused
//!   until the window ends ([`Refusal::Throttled`], HTTP 429). Secrets already verified still
//!   pass, so attacking a client does not lock it out.
//! - Single flight: concurrent checks of the same (client, stored hash, secret) share one
//!   verification; if the one running it is cancelled, the next waiter takes over.
//!
//! Every key is a SHA-256 over the length-prefixed client id, stored hash and presented secret,
//! so a rotated secret (new stored hash) never hits, and no secret is kept in clear.

use crate::runtime::hash_pool::{HashPool, PoolError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

type Key = [u8; 32];

/// Sizes and times of the memories.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a verified secret is remembered after its last use.
    pub verified_ttl: Duration,
    /// How long a failed secret is remembered.
    pub failed_ttl: Duration,
    /// Failed verifications per client id and window before hashing stops.
    pub failures: u32,
    /// The throttle window.
    pub window: Duration,
    /// Entries of each memory (verified, failed, throttle).
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            verified_ttl: Duration::from_secs(60),
            failed_ttl: Duration::from_secs(10),
            failures: 10,
            window: Duration::from_secs(60),
            max_entries: 10_000,
        }
    }
}

/// Why a check was refused without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures for this client id: retry after this many seconds.
    Throttled {
        /// Seconds until the window ends (at least 1).
        retry_after_secs: u64,
    },
    /// The hashing pool is full: retry shortly.
    Busy,
    /// The hashing pool is gone.
    Failed,
}

/// The secret checker, one per process.
pub struct ClientAuth {
    pool: HashPool,
    limits: Limits,
    verified: TtlSet,
    failed: TtlSet,
    throttle: Throttle,
    in_flight: Mutex<HashMap<Key, Arc<OnceCell<bool>>>>,
}

impl Default for ClientAuth {
    fn default() -> Self {
        ClientAuth::new(HashPool::default(), Limits::default())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded maps are caches: after a panic elsewhere they are still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn key(client_id: &str, phc: &str, secret: &str) -> Key {
    let mut h = Sha256::new();
    for part in [client_id, phc, secret] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

impl ClientAuth {
    /// A checker over `pool` with `limits`.
    pub fn new(pool: HashPool, limits: Limits) -> ClientAuth {
        ClientAuth {
            verified: TtlSet::new(limits.verified_ttl, limits.max_entries, true),
            failed: TtlSet::new(limits.failed_ttl, limits.max_entries, false),
            throttle: Throttle::new(limits.failures, limits.window, limits.max_entries),
            in_flight: Mutex::default(),
            limits,
            pool,
        }
    }

    /// The hashing pool (also used to hash new secrets).
    pub fn pool(&self) -> &HashPool {
        &self.pool
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// True when `secret` matches `phc`, the stored hash of `client_id` (or the dummy hash
    /// for an unknown id, which matches nothing but costs the same).
    pub async fn check(&self, client_id: &str, phc: &str, secret: &str) -> Result<bool, Refusal> {
        let key = key(client_id, phc, secret);
        if let Some(known) = self.remembered(&key) {
            return Ok(known);
        }
        let flight = Flight::join(&self.in_flight, key);
        let Some(cell) = flight.cell.as_deref() else {
            return Err(Refusal::Failed);
        };
        let answer = cell
            .get_or_try_init(|| self.verify(client_id, phc, secret, &key))
            .await?;
        Ok(*answer)
    }

    fn remembered(&self, key: &Key) -> Option<bool> {
        if self.verified.hit(key) {
            Some(true)
        } else if self.failed.hit(key) {
            Some(false)
        } else {
            None
        }
    }

    /// The one verification of a flight.
    async fn verify(
        &self,
        client_id: &str,
        phc: &str,
        secret: &str,
        key: &Key,
    ) -> Result<bool, Refusal> {
        // A flight that just ended may have left its answer.
        if let Some(known) = self.remembered(key) {
            return Ok(known);
        }
        let ticket = self.throttle.admit(client_id)?;
        let ok = self.pool.verify(secret, phc).await.map_err(|e| match e {
            PoolError::Busy => Refusal::Busy,
            PoolError::Gone => Refusal::Failed,
        })?;
        if ok {
            self.verified.insert(*key);
        } else {
            self.failed.insert(*key);
            ticket.failed();
        }
        Ok(ok)
    }
}

/// A membership of one in-flight verification; leaving removes the entry when its answer is
/// in or nobody else waits for it.
struct Flight<'a> {
    map: &'a Mutex<HashMap<Key, Arc<OnceCell<bool>>>>,
    key: Key,
    cell: Option<Arc<OnceCell<bool>>>,
}

impl<'a> Flight<'a> {
    fn join(map: &'a Mutex<HashMap<Key, Arc<OnceCell<bool>>>>, key: Key) -> Flight<'a> {
        let cell = lock(map).entry(key).or_default().clone();
        Flight {
            map,
            key,
            cell: Some(cell),
        }
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        // Clones and drops of the cell all happen under the lock, so the count is exact.
        let mut map = lock(self.map);
        drop(self.cell.take());
        if let Some(cell) = map.get(&self.key) {
            if cell.initialized() || Arc::strong_count(cell) == 1 {
                map.remove(&self.key);
            }
        }
    }
}

/// A bounded set of keys with a time to live.
struct TtlSet {
    ttl: Duration,
    max: usize,
    refresh_on_hit: bool,
    entries: Mutex<HashMap<Key, Instant>>,
}

impl TtlSet {
    fn new(ttl: Duration, max: usize, refresh_on_hit: bool) -> TtlSet {
        TtlSet {
            ttl,
            max,
            refresh_on_hit,
            entries: Mutex::default(),
        }
    }

    fn hit(&self, key: &Key) -> bool {
        self.hit_at(key, Instant::now())
    }

    fn hit_at(&self, key: &Key, now: Instant) -> bool {
        let mut map = lock(&self.entries);
        match map.get_mut(key) {
            Some(at) if now.saturating_duration_since(*at) < self.ttl => {
                if self.refresh_on_hit {
                    *at = now;
                }
                true
            }
            Some(_) => {
                map.remove(key);
                false
            }
            None => false,
        }
    }

    fn insert(&self, key: Key) {
        self.insert_at(key, Instant::now());
    }

    fn insert_at(&self, key: Key, now: Instant) {
        let mut map = lock(&self.entries);
        if map.len() >= self.max && !map.contains_key(&key) {
            let ttl = self.ttl;
            map.retain(|_, at| now.saturating_duration_since(*at) < ttl);
            if map.len() >= self.max {
                // Only a cache: forgetting costs hashing later, never correctness.
                map.clear();
            }
        }
        map.insert(key, now);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.entries).len()
    }
}

/// Failed verifications per presented client id (SHA-256 of it, so any length is fine) in a
/// fixed window. An admission counts as a failure until it succeeds or is abandoned, so
/// parallel attempts cannot overshoot the limit.
struct Throttle {
    limit: u32,
    window: Duration,
    max: usize,
    windows: Mutex<HashMap<Key, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

/// One admitted verification; dropping it without [`Ticket::failed`] gives the slot back.
struct Ticket<'a> {
    throttle: &'a Throttle,
    slot: Option<(Key, Instant)>,
}

impl Ticket<'_> {
    fn failed(mut self) {
        self.slot = None;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let Some((id, start)) = self.slot.take() {
            let mut map = lock(&self.throttle.windows);
            if let Some(w) = map.get_mut(&id) {
                if w.start == start {
                    w.count = w.count.saturating_sub(1);
                }
            }
        }
    }
}

impl Throttle {
    fn new(limit: u32, window: Duration, max: usize) -> Throttle {
        Throttle {
            limit,
            window,
            max,
            windows: Mutex::default(),
        }
    }

    fn admit(&self, client_id: &str) -> Result<Ticket<'_>, Refusal> {
        self.admit_at(client_id, Instant::now())
    }

    fn admit_at(&self, client_id: &str, now: Instant) -> Result<Ticket<'_>, Refusal> {
        let id: Key = Sha256::digest(client_id.as_bytes()).into();
        let mut map = lock(&self.windows);
        if !map.contains_key(&id) && map.len() >= self.max {
            let window = self.window;
            map.retain(|_, w| now.saturating_duration_since(w.start) < window);
            if map.len() >= self.max {
                // Full of live windows (many ids attacked at once): admit untracked. The pool
                // still bounds the work; forgetting the others would unthrottle them.
                return Ok(Ticket {
                    throttle: self,
                    slot: None,
                });
            }
        }
        let w = map.entry(id).or_insert(Window {
            start: now,
            count: 0,
        });
        let elapsed = now.saturating_duration_since(w.start);
        if elapsed >= self.window {
            *w = Window {
                start: now,
                count: 0,
            };
        } else if w.count >= self.limit {
            let left = self.window.saturating_sub(elapsed);
            return Err(Refusal::Throttled {
                retry_after_secs: left.as_secs_f64().ceil().max(1.0) as u64,
            });
        }
        w.count += 1;
        Ok(Ticket {
            throttle: self,
            slot: Some((id, w.start)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::hash_pool::cheap_phc;
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::Argon2;

    fn auth(failures: u32) -> ClientAuth {
        ClientAuth::new(
            HashPool::new(1, 64),
            Limits {
                failures,
                ..Limits::default()
            },
        )
    }

    #[test]
    fn ttl_set_refreshes_on_hit_and_stays_bounded() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let set = TtlSet::new(Duration::from_secs(60), 3, true);
        let k = [1u8; 32];
        set.insert_at(k, t0);
        for minute in 1..5 {
            assert!(set.hit_at(&k, at(minute * 50)), "a used entry is refreshed");
        }
        assert!(!set.hit_at(&k, at(200 + 60)), "an unused entry expires");
        let plain = TtlSet::new(Duration::from_secs(10), 3, false);
        plain.insert_at(k, t0);
        assert!(plain.hit_at(&k, at(9)));
        assert!(
            !plain.hit_at(&k, at(10)),
            "without refresh it expires from insertion"
        );
        for i in 0..10u8 {
            set.insert_at([i; 32], t0);
            assert!(set.len() <= 3);
        }
    }

    #[tokio::test]
    async fn verified_and_failed_secrets_are_remembered() {
        let a = auth(100);
        let phc = cheap_phc("right");
        assert_eq!(a.check("c", &phc, "right").await, Ok(true));
        assert_eq!(a.check("c", &phc, "wrong").await, Ok(false));
        assert!(a.verified.hit(&key("c", &phc, "right")));
        assert!(a.failed.hit(&key("c", &phc, "wrong")));
        // Another client id or stored hash is another key.
        assert!(!a.verified.hit(&key("d", &phc, "right")));
        assert!(!a.verified.hit(&key("c", &cheap_phc("right"), "right")));
        assert_eq!(a.check("d", &phc, "right").await, Ok(true));
        assert!(
            lock(&a.in_flight).is_empty(),
            "flights leave nothing behind"
        );
    }

    #[tokio::test]
    async fn failures_throttle_the_client_id_but_not_remembered_secrets() {
        let a = auth(3);
        let phc = cheap_phc("right");
        assert_eq!(a.check("c", &phc, "right").await, Ok(true));
        for i in 0..3 {
            assert_eq!(a.check("c", &phc, &format!("wrong-{i}")).await, Ok(false));
        }
        let refused = a.check("c", &phc, "wrong-again").await;
        let Err(Refusal::Throttled { retry_after_secs }) = refused else {
            panic!("4th failure must be throttled: {refused:?}");
        };
        assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        // Remembered answers need no hashing and still come.
        assert_eq!(a.check("c", &phc, "right").await, Ok(true));
        assert_eq!(a.check("c", &phc, "wrong-0").await, Ok(false));
        // Other client ids, known or not, are not affected.
        assert_eq!(a.check("other", &phc, "wrong").await, Ok(false));
        assert_eq!(
            a.check("unknown", crate::runtime::hash_pool::dummy_phc(), "x")
                .await,
            Ok(false)
        );
    }

    #[test]
    fn abandoned_admissions_are_given_back_and_the_window_ends() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let t = Throttle::new(2, Duration::from_secs(60), 10);
        let first = t.admit_at("c", t0).unwrap();
        drop(t.admit_at("c", t0).unwrap()); // abandoned (or succeeded): not a failure
        first.failed();
        t.admit_at("c", at(1)).unwrap().failed();
        assert_eq!(
            t.admit_at("c", at(15)).err(),
            Some(Refusal::Throttled {
                retry_after_secs: 45
            })
        );
        assert!(t.admit_at("other", at(15)).is_ok(), "per client id");
        assert!(t.admit_at("c", at(60)).is_ok(), "a new window starts");
        // A full map admits new ids untracked rather than forgetting the throttled ones.
        let small = Throttle::new(1, Duration::from_secs(60), 2);
        small.admit_at("a", t0).unwrap().failed();
        small.admit_at("b", t0).unwrap().failed();
        assert!(small.admit_at("c", t0).is_ok());
        assert!(small.admit_at("a", at(1)).is_err());
        // Once their windows are over, there is room again.
        small.admit_at("d", at(61)).unwrap().failed();
        assert!(small.admit_at("d", at(62)).is_err());
    }

    #[tokio::test]
    async fn concurrent_checks_share_one_verification() {
        let a = Arc::new(auth(100));
        let phc = dummy_for_flight();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (a, phc) = (a.clone(), phc.clone());
            tasks.push(tokio::spawn(
                async move { a.check("c", &phc, "right").await },
            ));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(true));
        }
        assert_eq!(a.pool.jobs(), 1, "one verification for eight requests");
        assert!(lock(&a.in_flight).is_empty());
        let w = lock(&a.throttle.windows);
        assert!(
            w.values().all(|w| w.count == 0),
            "successes give their slot back"
        );
    }

    #[tokio::test]
    async fn a_cancelled_first_waiter_does_not_wedge_the_others() {
        let a = Arc::new(auth(100));
        let phc = dummy_for_flight();
        let first = tokio::spawn({
            let (a, phc) = (a.clone(), phc.clone());
            async move { a.check("c", &phc, "right").await }
        });
        tokio::task::yield_now().await;
        let second = tokio::spawn({
            let (a, phc) = (a.clone(), phc.clone());
            async move { a.check("c", &phc, "right").await }
        });
        first.abort();
        assert_eq!(second.await.unwrap(), Ok(true));
        assert!(lock(&a.in_flight).is_empty());
    }

    /// A default-parameter hash of "right" (tens of milliseconds: long enough to overlap).
    fn dummy_for_flight() -> String {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(b"right", &salt)
            .unwrap()
            .to_string()
    }
}
