//! Figures for `/metrics`: the deployment's webhook backlog, this process's webhook attempts
//! and database pool.

use crate::Services;
use gobiz_domain::clock::Clock;
use gobiz_store::outbox;

/// The webhook backlog of every node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backlog {
    /// Deliveries pending or retrying.
    pub waiting: i64,
    /// Of those, due now.
    pub due: i64,
    /// How long the earliest due one has waited, in seconds (0 when none is due).
    pub oldest_due_secs: f64,
}

impl Services {
    /// The backlog, or `None` when the database does not answer.
    pub async fn webhook_backlog(&self) -> Option<Backlog> {
        let now = self.clock.now_ms();
        let mut conn = self.db.conn().await.ok()?;
        let (waiting, due, oldest) = outbox::backlog(&mut conn, now).await.ok()?;
        let oldest_due_secs = match oldest {
            Some(t) if due > 0 => (now - t).max(0) as f64 / 1000.0,
            _ => 0.0,
        };
        Some(Backlog {
            waiting,
            due,
            oldest_due_secs,
        })
    }

    /// This process's pool connections: (open, idle).
    pub fn db_pool(&self) -> (u32, usize) {
        self.db.pool_stats()
    }
}

/// Webhook attempts made by this process: (delivered, failed).
pub fn webhook_attempts() -> (u64, u64) {
    gobiz_webhooks::stats::attempts()
}
