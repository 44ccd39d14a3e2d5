//! ID-token signing keys (RS256): generated on first use and kept in the database, rotated on
//! request; retired keys stay in the JWKS until every ID token they signed has expired.

use crate::runtime::key_cache::CACHE_TTL;
use crate::{ServiceError, ServiceResult, Services};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gobiz_domain::clock::Clock;
use gobiz_store::keys::{self, SigningKey};
use jsonwebtoken::{EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use std::time::Instant;

/// The algorithm we sign ID tokens with.
pub const ALG: &str = "RS256";

fn generate(now: i64) -> ServiceResult<SigningKey> {
    let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
        .map_err(|e| ServiceError::Internal(format!("RSA key generation failed: {e}")))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| ServiceError::Internal(format!("PEM encoding failed: {e}")))?;
    Ok(SigningKey {
        kid: crate::secrets::random_43()[..16].to_string(),
        alg: ALG.to_string(),
        private_pem: pem.to_string(),
        public_n: URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
        public_e: URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
        created_at: now,
        retired_at: None,
    })
}

/// One JWK of the published set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `RSA`.
    #[schema(value_type = String, example = "RSA")]
    pub kty: &'static str,
    /// Key id.
    pub kid: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    #[schema(value_type = String, example = "sig")]
    pub usage: &'static str,
    /// `RS256`.
    pub alg: String,
    /// Modulus.
    pub n: String,
    /// Exponent.
    pub e: String,
}

impl Services {
    /// How long after retirement a key is still published: the ID-token lifetime plus slack.
    fn publish_window_ms(&self) -> i64 {
        (self.config.access_token_ttl_secs + 300) * 1000
    }

    /// Keys to publish at `/.well-known/jwks.json`; creates the first key when none exists.
    pub async fn jwks(&self) -> ServiceResult<Vec<Jwk>> {
        let now = self.clock.now_ms();
        let mut list =
            keys::published(&mut self.db.conn().await?, now - self.publish_window_ms()).await?;
        if list.is_empty() {
            self.current_key().await?;
            list =
                keys::published(&mut self.db.conn().await?, now - self.publish_window_ms()).await?;
        }
        Ok(list
            .into_iter()
            .map(|k| Jwk {
                kty: "RSA",
                kid: k.kid,
                usage: "sig",
                alg: k.alg,
                n: k.public_n,
                e: k.public_e,
            })
            .collect())
    }

    /// The newest unretired key, creating one when there is none.
    async fn current_key(&self) -> ServiceResult<(String, EncodingKey)> {
        if let Ok(guard) = self.keys.current.lock() {
            if let Some((at, kid, key)) = guard.as_ref() {
                if at.elapsed() < CACHE_TTL {
                    return Ok((kid.clone(), key.clone()));
                }
            }
        }
        let now = self.clock.now_ms();
        let stored = keys::published(&mut self.db.conn().await?, i64::MAX).await?;
        let key = match stored.into_iter().next() {
            Some(k) => k,
            None => {
                let fresh = tokio::task::spawn_blocking(move || generate(now))
                    .await
                    .map_err(|e| ServiceError::Internal(e.to_string()))??;
                let mut tx = self.db.begin().await?;
                keys::insert(&mut tx, &fresh).await?;
                tx.commit().await?;
                // Two nodes may both have created one; the newest wins, as on every read.
                keys::published(&mut self.db.conn().await?, i64::MAX)
                    .await?
                    .into_iter()
                    .next()
                    .unwrap_or(fresh)
            }
        };
        let encoding = EncodingKey::from_rsa_pem(key.private_pem.as_bytes())
            .map_err(|e| ServiceError::Internal(format!("stored signing key unusable: {e}")))?;
        if let Ok(mut guard) = self.keys.current.lock() {
            *guard = Some((Instant::now(), key.kid.clone(), encoding.clone()));
        }
        Ok((key.kid, encoding))
    }

    /// Creates a new signing key and retires the others (they stay published for a while).
    pub async fn rotate_signing_key(&self) -> ServiceResult<String> {
        let now = self.clock.now_ms();
        let fresh = tokio::task::spawn_blocking(move || generate(now))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
        let mut tx = self.db.begin().await?;
        keys::insert(&mut tx, &fresh).await?;
        keys::retire_others(&mut tx, &fresh.kid, now).await?;
        tx.commit().await?;
        if let Ok(mut guard) = self.keys.current.lock() {
            *guard = None;
        }
        Ok(fresh.kid)
    }

    /// Signs claims as a JWT with the current key.
    pub async fn sign_jwt<C: Serialize>(&self, claims: &C) -> ServiceResult<String> {
        let (kid, key) = self.current_key().await?;
        let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(kid);
        jsonwebtoken::encode(&header, claims, &key)
            .map_err(|e| ServiceError::Internal(format!("JWT signing failed: {e}")))
    }
}
