//! The one idempotency protocol (docs/architecture.md, "Idempotency") shared by QRIS payments
//! (spec §7, `Idempotency-Key`) and SKU promotions (spec §6, `X-Idempotency-Key`).
//!
//! A request first tries the read-only fast path ([`Request::replay`]); then, inside the
//! transaction that does the work, [`Request::begin`] claims the key or finds what it holds
//! already: the key is claimed ([`NextAction::StartProcessing`]), a saved response is replayed
//! ([`NextAction::ReturnSaved`]), or the request is refused (409: same key with a different
//! body, or the first request is still being processed). [`Request::complete`] stores the
//! response in that same transaction. What the two specs differ on is an [`IdempotencyPolicy`].

use crate::{ServiceError, ServiceResult};
use gobiz_store::{idempotency, Runner};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The spec-driven differences between idempotent endpoints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdempotencyPolicy {
    /// Name of the request header carrying the key (also used in error messages).
    pub header: &'static str,
    /// Whether a key is well-formed (alphabet and length).
    pub is_key: fn(&str) -> bool,
    /// The message of a malformed key.
    pub key_rule: &'static str,
    /// Prefix of the stored key, separating use cases that share a key space.
    pub namespace: &'static str,
    /// Whether a different body under the same key is refused; when false, the saved
    /// response is replayed whatever the body.
    pub body_matters: bool,
    /// How long a key is remembered.
    pub retention_ms: i64,
}

/// What an idempotent create answered: the response `data`, and whether it is a replay of an
/// earlier request's saved response (the edge then adds `Idempotent-Replayed: true`).
#[derive(Debug, Clone)]
pub struct IdempotentResponse {
    /// `data` of the response.
    pub data: Value,
    /// True when replayed from an earlier request with the same key.
    pub replayed: bool,
}

impl IdempotentResponse {
    fn replayed(data: Value) -> IdempotentResponse {
        IdempotentResponse {
            data,
            replayed: true,
        }
    }
}

/// What [`Request::begin`] decided.
#[derive(Debug)]
pub(crate) enum NextAction {
    /// The key is claimed in the caller's transaction: do the work, then
    /// [`Request::complete`].
    StartProcessing,
    /// An earlier request with this key succeeded: answer its `data` again.
    ReturnSaved(IdempotentResponse),
}

/// Hash stored for policies where the body does not matter.
const ANY_BODY: &str = "*";

impl IdempotencyPolicy {
    /// The stored key of a request header value: required, well-formed, namespaced.
    pub fn key(&self, header: Option<&str>) -> ServiceResult<String> {
        match header {
            None => Err(ServiceError::invalid(self.header, "is required")),
            Some(k) if !(self.is_key)(k) => Err(ServiceError::invalid(self.header, self.key_rule)),
            Some(k) => Ok(format!("{}{k}", self.namespace)),
        }
    }

    /// One request under this policy; `body` is hashed when the body matters.
    pub fn request<'a>(
        &'static self,
        client_id: &'a str,
        outlet_id: &'a str,
        key: String,
        body: &Value,
        now: i64,
    ) -> Request<'a> {
        // serde_json maps are ordered by key, so equal JSON serializes equally.
        let hash = if self.body_matters {
            hex::encode(Sha256::digest(body.to_string().as_bytes()))
        } else {
            ANY_BODY.to_string()
        };
        Request {
            policy: self,
            client_id,
            outlet_id,
            key,
            hash,
            now,
        }
    }
}

/// An idempotent request: its key, body hash and time.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    policy: &'static IdempotencyPolicy,
    client_id: &'a str,
    outlet_id: &'a str,
    key: String,
    hash: String,
    now: i64,
}

impl Request<'_> {
    fn body_differs(&self, stored: &idempotency::Stored) -> ServiceResult<()> {
        if self.policy.body_matters && stored.request_hash != self.hash {
            return Err(ServiceError::Conflict(format!(
                "{} has already been used with a different request body",
                self.policy.header
            )));
        }
        Ok(())
    }

    /// Fast path: a stored response is judged with one read, no write lock.
    pub async fn replay<R: Runner>(&self, r: &mut R) -> ServiceResult<Option<IdempotentResponse>> {
        let stored = idempotency::lookup(
            r,
            self.client_id,
            self.outlet_id,
            &self.key,
            self.now - self.policy.retention_ms,
        )
        .await?;
        match stored {
            Some(stored) => {
                self.body_differs(&stored)?;
                Ok(stored.response.map(IdempotentResponse::replayed))
            }
            None => Ok(None),
        }
    }

    /// Claims the key inside the caller's transaction, or answers from what it holds.
    pub async fn begin<R: Runner>(&self, tx: &mut R) -> ServiceResult<NextAction> {
        let stored = idempotency::claim(
            tx,
            self.client_id,
            self.outlet_id,
            &self.key,
            &self.hash,
            self.now,
            self.policy.retention_ms,
        )
        .await?;
        let Some(stored) = stored else {
            return Ok(NextAction::StartProcessing);
        };
        self.body_differs(&stored)?;
        match stored.response {
            Some(r) => Ok(NextAction::ReturnSaved(IdempotentResponse::replayed(r))),
            None => Err(ServiceError::Conflict(format!(
                "A request with this {} is still being processed",
                self.policy.header
            ))),
        }
    }

    /// Stores the response `data` of a claimed key (same transaction as the work) and
    /// returns it as the first answer.
    pub async fn complete<R: Runner>(
        &self,
        tx: &mut R,
        data: Value,
    ) -> ServiceResult<IdempotentResponse> {
        idempotency::complete(tx, self.client_id, self.outlet_id, &self.key, &data).await?;
        Ok(IdempotentResponse {
            data,
            replayed: false,
        })
    }
}
