//! Use cases of gobiz: each public function validates its input, applies the domain rules
//! and runs one store transaction. Nothing here knows about HTTP.

pub mod access;
mod container;
pub mod error;
pub mod events;
pub mod goauth;
pub mod idempotency;
pub mod oauth;
pub mod ops;
mod order_flow;
pub mod partner;
pub mod runtime;
pub mod sandbox;
pub mod sealing;
pub mod secrets;
pub mod signing;
pub mod simulators;
pub mod timers;

pub use container::{ServiceConfig, Services};
pub use error::{ServiceError, ServiceResult, TokenRejection};
