//! Short-lived, per-node memos of hot reads (resolved tokens, outlet and catalog access
//! checks), so a steady stream of API calls costs no query for them.
//!
//! Safe to lose. Each entry lives [`MEMO_TTL`]; a node forgets a whole memo at once whenever it
//! changes what the memo reflects (a revocation, a link, an outlet update, a reset), so its own
//! changes apply at once. A change made through another node shows within [`MEMO_TTL`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is reused.
pub const MEMO_TTL: Duration = Duration::from_secs(1);

/// Entries kept at most; beyond, expired ones go, and if that is not enough, all.
const CAPACITY: usize = 10_000;

/// A map whose entries expire after [`MEMO_TTL`].
pub struct Memo<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// The live entry for `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < MEMO_TTL)
            .map(|(_, v)| v.clone())
    }

    /// Remembers `value` for `key`.
    pub fn put(&self, key: K, value: V) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CAPACITY {
                map.retain(|_, (at, _)| at.elapsed() < MEMO_TTL);
                if map.len() >= CAPACITY {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), value));
        }
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let m: Memo<u8, &str> = Memo::default();
        m.put(1, "a");
        assert_eq!(m.get(&1), Some("a"));
        assert_eq!(m.get(&2), None);
        m.clear();
        assert_eq!(m.get(&1), None);
        m.put(1, "b");
        std::thread::sleep(MEMO_TTL + Duration::from_millis(10));
        assert_eq!(m.get(&1), None, "expired");
    }
}
