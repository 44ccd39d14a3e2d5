//! Short-lived, per-node memos of hot reads (resolved tokens, outlet and catalog access
//! checks), so a steady stream of API calls costs no query for them.
//!
//! Safe to lose. Each entry lives [`MEMO_TTL`]; a node forgets a whole memo at once whenever it
//! changes what the memo reflects (a revocation, a link, an outlet update, a reset), so its own
//! changes apply at once. A change made through another node shows within [`MEMO_TTL`].

use gobiz_domain::entities::{AccessGrant, Client, Outlet, Partner};
use gobiz_domain::model::Product;
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

// The memos the service container holds.

/// Live tokens resolved in the last second, keyed by token hash, so that an API call costs
/// no token query. Expiry is still judged on every call; this node forgets everything at once
/// whenever it revokes anything. Another node may accept a token it revoked for at most
/// [`MEMO_TTL`].
pub type PrincipalCache = Memo<String, CachedPrincipal>;

/// What the cache keeps per token.
pub type CachedPrincipal = (AccessGrant, Partner);

/// OAuth clients read in the last second, by client id (`None`: no such client), so that the
/// token endpoint costs no client query under load. Forgotten on this node whenever it creates
/// a client or resets; another node sees a new or deleted client within [`MEMO_TTL`].
pub type ClientMemo = Memo<String, Option<Client>>;

/// Outlet access checks of the last second: (partner, outlet, product) → the outlet and whether
/// the partner has it linked (`None`: no such outlet). Forgotten on this node by every link,
/// unlink, outlet update and reset.
pub type OutletMemo = Memo<(String, String, Option<Product>), Option<(Outlet, bool)>>;

/// Pages of `linked-outlets` served in the last second: (partner id, page, per) → the page.
/// Forgotten on this node by every link, unlink, outlet creation or update and reset, like
/// [`OutletMemo`]; another node's change shows within [`MEMO_TTL`].
pub type LinkedOutletsMemo =
    Memo<(String, u64, u64), std::sync::Arc<[crate::partner::outlets::LinkedOutletView]>>;

/// What `token-info` showed in the last second, by user id. Users do not change once created;
/// what they reach does, so [`crate::Services::forget_access`] forgets this too.
pub type TokenInfoMemo = Memo<String, std::sync::Arc<crate::partner::user::TokenInfo>>;

/// Catalog access checks of the last second, (partner id, outlet id) → access and version;
/// forgotten on this node by every local catalog, stock or link change.
pub type CatalogMemo = Memo<(String, String), Option<gobiz_store::catalogs::CatalogAccess>>;

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
