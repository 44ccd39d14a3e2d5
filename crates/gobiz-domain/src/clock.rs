//! The source of time for every rule and timer.

/// Milliseconds since the Unix epoch, UTC. Every stored instant uses this unit.
pub type Millis = i64;

/// Where "now" comes from. Production uses the system clock; the sandbox adds an offset that
/// can only move forward, so integrators can fast-forward token expiry and timers.
pub trait Clock: Send + Sync + 'static {
    /// The current instant in milliseconds since the Unix epoch.
    fn now_ms(&self) -> Millis;
}

/// Real (wall-clock) time, whatever the sandbox clock says: for leases, heartbeats and
/// liveness, which must not jump when the sandbox clock is moved.
pub fn wall_now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
