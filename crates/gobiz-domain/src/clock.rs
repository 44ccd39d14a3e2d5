//! The source of time for every rule and timer.

/// Milliseconds since the Unix epoch, UTC. Every stored instant uses this unit.
pub type Millis = i64;

/// Where "now" comes from. Production uses the system clock; the sandbox adds an offset that
/// can only move forward, so integrators can fast-forward token expiry and timers.
pub trait Clock: Send + Sync + 'static {
    /// The current instant in milliseconds since the Unix epoch.
    fn now_ms(&self) -> Millis;
}
