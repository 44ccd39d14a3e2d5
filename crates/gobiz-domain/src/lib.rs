//! Pure GoBiz domain types and rules.
//!
//! Nothing here performs I/O, knows about HTTP or SQL, or reads the system time: callers pass
//! the current instant in (it comes from the `Clock`).

pub mod catalog;
pub mod chaos;
pub mod clock;
pub mod entities;
pub mod events;
pub mod goauth;
pub mod ids;
pub mod local_time;
pub mod model;
pub mod moka;
pub mod order;
pub mod payment;
pub mod phone;
pub mod promo;
pub mod qris;
pub mod scenario;
pub mod scope;
pub mod timefmt;
pub mod validation;
pub mod webhook;
