//! What a partner does through the GoBiz API (spec §3–§9), one file per product area: outlet
//! reads and the merchant user's linking, catalogs, the POS's order actions, promotions, QRIS
//! payments, notification subscriptions and the MokaPOS reports. Each use case checks scope
//! and outlet access through `crate::access` first.

pub mod catalog;
pub mod linking;
pub mod moka;
pub mod notifications;
pub mod orders;
pub mod outlets;
pub mod payments;
pub mod promotions;
pub mod user;

pub use outlets::Page;
