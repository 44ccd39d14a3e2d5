//! What the service container holds besides the database: the clock, the per-node memos and
//! caches, the bounded argon2 pool behind client authentication, and where OTPs go. Nothing
//! here knows a use case; the use-case modules extend [`crate::Services`] and read these.

pub mod client_auth;
pub mod clock;
pub mod hash_pool;
pub mod key_cache;
pub mod memo;
pub mod otp;
pub mod token_writer;
