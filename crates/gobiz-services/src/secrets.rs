//! Random tokens and secrets, their at-rest forms, and the verified-secret cache.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// argon2id PHC string of a client secret.
pub fn hash_secret(secret: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies a secret against its argon2id PHC string (constant-time inside argon2).
pub fn verify_secret(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;

/// Successful argon2 verifications of the last minute, so the token endpoint is not
/// CPU-bound. Keyed by a SHA-256 over client id, stored hash and presented secret: a
/// rotated secret (new hash) or a different presented secret never hits. Safe to lose.
/// Hand-written because it is a dozen lines; a cache crate would add more than it saves.
#[derive(Default)]
pub struct VerifiedSecrets {
    entries: Mutex<HashMap<[u8; 32], Instant>>,
}

impl VerifiedSecrets {
    fn key(client_id: &str, phc: &str, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(client_id.as_bytes());
        h.update([0]);
        h.update(phc.as_bytes());
        h.update([0]);
        h.update(secret.as_bytes());
        h.finalize().into()
    }

    /// True when this exact (client, hash, secret) verified within the TTL.
    pub fn hit(&self, client_id: &str, phc: &str, secret: &str) -> bool {
        let key = Self::key(client_id, phc, secret);
        let Ok(map) = self.entries.lock() else {
            return false;
        };
        map.get(&key).is_some_and(|t| t.elapsed() < CACHE_TTL)
    }

    /// Remembers a successful verification.
    pub fn remember(&self, client_id: &str, phc: &str, secret: &str) {
        let key = Self::key(client_id, phc, secret);
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CACHE_MAX {
                map.retain(|_, t| t.elapsed() < CACHE_TTL);
                if map.len() >= CACHE_MAX {
                    map.clear();
                }
            }
            map.insert(key, Instant::now());
        }
    }
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

    #[test]
    fn argon2_round_trip_and_cache() {
        let phc = hash_secret("s3cr3t").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_secret("s3cr3t", &phc));
        assert!(!verify_secret("wrong", &phc));
        let cache = VerifiedSecrets::default();
        assert!(!cache.hit("c", &phc, "s3cr3t"));
        cache.remember("c", &phc, "s3cr3t");
        assert!(cache.hit("c", &phc, "s3cr3t"));
        assert!(!cache.hit("c", &phc, "other"));
        assert!(!cache.hit("d", &phc, "s3cr3t"));
    }
}
