//! Notification secrets sealed at rest. Signing a webhook needs the secret itself, so it
//! cannot be hashed like client secrets; it is encrypted with AES-256-GCM under a server key
//! (`--secret-key`, or in sandbox mode one generated once) and opened only to sign.
//!
//! Stored form: `gbz1:` + base64url(12-byte nonce ‖ ciphertext ‖ tag). A value without the
//! prefix is a secret stored before sealing existed; it is read as is and sealed at the next
//! start (see `gobiz serve`).

use aes_gcm::aead::{Aead, AeadCore, OsRng};
use aes_gcm::{Aes256Gcm, Key, KeyInit, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Prefix of sealed values.
pub const PREFIX: &str = "gbz1:";

const NONCE_LEN: usize = 12;

/// Why a stored secret cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The value is sealed but this node has no key.
    #[error("the secret is sealed and no secret key is configured")]
    NoKey,
    /// Not sealed with this key (or damaged).
    #[error("the secret was sealed with another secret key, or is damaged")]
    WrongKey,
}

/// Seals and opens secrets with one server key. Cheap to clone.
#[derive(Clone, Default)]
pub struct SecretBox {
    cipher: Option<Arc<Aes256Gcm>>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.cipher.is_some() {
            "SecretBox(sealing)"
        } else {
            "SecretBox(plaintext)"
        })
    }
}

impl SecretBox {
    /// A box whose AES-256 key is SHA-256 of `key_material` (the configured secret key).
    pub fn new(key_material: &str) -> SecretBox {
        let digest = Sha256::digest(key_material.as_bytes());
        let key = Key::<Aes256Gcm>::from_slice(&digest);
        SecretBox {
            cipher: Some(Arc::new(Aes256Gcm::new(key))),
        }
    }

    /// A box that stores secrets as given (tests and tools only).
    pub fn plaintext() -> SecretBox {
        SecretBox { cipher: None }
    }

    /// True when `stored` is a sealed value.
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// The stored form of `secret`.
    pub fn seal(&self, secret: &str) -> String {
        let Some(cipher) = &self.cipher else {
            return secret.to_string();
        };
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        match cipher.encrypt(&nonce, secret.as_bytes()) {
            Ok(ct) => {
                let mut raw = nonce.to_vec();
                raw.extend_from_slice(&ct);
                format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw))
            }
            // AES-GCM fails only on inputs of gigabytes; a secret is 64 characters.
            Err(_) => secret.to_string(),
        }
    }

    /// The secret of a stored value (unsealed values are returned as they are).
    pub fn open(&self, stored: &str) -> Result<String, SealError> {
        let Some(body) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let cipher = self.cipher.as_ref().ok_or(SealError::NoKey)?;
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::WrongKey)?;
        if raw.len() <= NONCE_LEN {
            return Err(SealError::WrongKey);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| SealError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| SealError::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_wrong_key() {
        let b = SecretBox::new("a server key of at least thirty-two characters");
        let sealed = b.seal("0123456789abcdef");
        assert!(SecretBox::is_sealed(&sealed), "{sealed}");
        assert!(!sealed.contains("0123456789abcdef"));
        assert_ne!(sealed, b.seal("0123456789abcdef"), "fresh nonce each time");
        assert_eq!(b.open(&sealed).unwrap(), "0123456789abcdef");
        assert_eq!(b.open("legacy-plain").unwrap(), "legacy-plain");
        let other = SecretBox::new("another key, also long enough to be fine");
        assert_eq!(other.open(&sealed), Err(SealError::WrongKey));
        assert_eq!(SecretBox::plaintext().open(&sealed), Err(SealError::NoKey));
        assert_eq!(SecretBox::plaintext().seal("x"), "x");
        let mut damaged = sealed.clone();
        damaged.push('A');
        assert_eq!(b.open(&damaged), Err(SealError::WrongKey));
    }
}
