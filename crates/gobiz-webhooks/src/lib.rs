//! Turns outbox deliveries into signed HTTP requests (spec §9.7–§9.8): the URL guard, the
//! signer, one attempt (with 307/308 following), and the dispatcher that claims due
//! deliveries with a lease and records every attempt.

pub mod dispatcher;
pub mod handoff;
mod lanes;
pub mod relay;
pub mod sealed;
pub mod send;
pub mod sign;
pub mod stats;
pub mod url_guard;

pub use dispatcher::{Dispatcher, WebhookConfig};
