//! Use cases of gobiz: each public function validates its input, applies the domain rules
//! and runs one store transaction. Nothing here knows about HTTP.

pub mod access;
pub mod catalog;
mod container;
pub mod error;
pub mod events;
pub mod goauth;
mod idempotency;
pub mod linking;
pub mod moka;
pub mod oauth;
pub mod ops;
pub mod orders;
pub mod partner;
pub mod partner_user;
pub mod payments;
pub mod promotions;
pub mod runtime;
pub mod sandbox;
pub mod sandbox_events;
pub mod sealing;
pub mod secrets;
pub mod signing;
pub mod subscriptions;

pub use container::{ServiceConfig, Services};
pub use error::{ServiceError, ServiceResult, TokenRejection};
