//! Per-process counters of webhook attempts, for `/metrics`. Lost on restart, like every
//! Prometheus counter.

use std::sync::atomic::{AtomicU64, Ordering};

static DELIVERED: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicU64 = AtomicU64::new(0);

/// Counts one attempt.
pub fn attempted(delivered: bool) {
    if delivered {
        DELIVERED.fetch_add(1, Ordering::Relaxed);
    } else {
        FAILED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Attempts so far: (delivered, failed).
pub fn attempts() -> (u64, u64) {
    (
        DELIVERED.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed),
    )
}
