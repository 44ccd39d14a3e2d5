//! Builders, calls and assertions per product, shared by the test modules of that product and
//! by the ones that cross products (e.g. orders use catalog builders).

pub mod catalog;
pub mod moka;
pub mod orders;
pub mod payments;
pub mod promotions;
