//! The ID-token signing key in use on this node, kept for a short while so that signing costs
//! no query (safe to lose; `crate::signing` fills and reads it).

use jsonwebtoken::EncodingKey;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a node trusts its cached signing key before re-reading the database, so that a
/// rotation done on another node is picked up.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(30);

/// The signing key in use on this node (safe to lose).
#[derive(Default)]
pub struct KeyCache {
    pub(crate) current: Mutex<Option<(Instant, String, EncodingKey)>>,
}
