//! Random tokens and secrets, and their at-rest forms. Client secrets are hashed and checked
//! by [`crate::runtime::hash_pool`] behind [`crate::runtime::client_auth`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits as 43 base64url characters.
pub fn random_43() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new opaque access token (`gbz_at_…`).
pub fn new_access_token() -> String {
    format!("gbz_at_{}", random_43())
}

/// A new client secret (43 base64url characters).
pub fn new_client_secret() -> String {
    random_43()
}

/// A new notification secret (64 lower-case hex characters).
pub fn new_notification_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a token: lower-case hex SHA-256. Tokens carry 256 random bits, so a
/// fast hash is enough; lookups by hash need no constant-time comparison.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(random_43().len(), 43);
        assert!(new_access_token().starts_with("gbz_at_"));
        assert_eq!(new_access_token().len(), 50);
        let n = new_notification_secret();
        assert_eq!(n.len(), 64);
        assert!(n
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
