//! GoAuth token endpoint use cases (spec §2.3). Errors follow RFC 6749 §5.2, not the envelope.

use crate::secrets::{new_access_token, token_hash, verify_secret};
use crate::{ServiceError, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::{AccessGrant, Client};
use gobiz_domain::scope::{self, Grant, TokenKind};
use gobiz_store::{clients, tokens};

/// An RFC 6749 §5.2 error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// `error` code, e.g. `invalid_scope`.
    pub error: &'static str,
    /// Human-readable `error_description`.
    pub description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            error,
            description: description.into(),
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(d: impl Into<String>) -> OAuthError {
        Self::new("invalid_request", d)
    }

    /// `invalid_client` (401 with `WWW-Authenticate: Basic`).
    pub fn invalid_client() -> OAuthError {
        Self::new("invalid_client", "Client authentication failed")
    }

    /// `unsupported_grant_type`.
    pub fn unsupported_grant_type(g: &str) -> OAuthError {
        Self::new(
            "unsupported_grant_type",
            format!("grant_type {g} is not supported"),
        )
    }

    /// `server_error` for unexpected failures (details are logged).
    pub fn server_error() -> OAuthError {
        Self::new("server_error", "Something went wrong. Please retry.")
    }
}

impl From<ServiceError> for OAuthError {
    fn from(e: ServiceError) -> Self {
        tracing::error!(error = %e, "token endpoint failure");
        OAuthError::server_error()
    }
}

/// The client's credentials as presented.
#[derive(Debug, Clone)]
pub struct PresentedClient {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`, absent for public clients.
    pub secret: Option<String>,
}

/// A successful token response.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The opaque token.
    pub access_token: String,
    /// Seconds until expiry.
    pub expires_in: i64,
    /// Granted scopes, space-separated (`""` when none).
    pub scope: String,
}

impl Services {
    /// Loads the client and checks its secret (argon2id, with the verified-secret cache).
    pub async fn authenticate_client(
        &self,
        presented: &PresentedClient,
    ) -> Result<Client, OAuthError> {
        let mut conn = self.db.conn().await?;
        let client = clients::get(&mut conn, &presented.client_id)
            .await?
            .ok_or_else(OAuthError::invalid_client)?;
        drop(conn);
        match (&client.secret_hash, &presented.secret) {
            (None, None) => Ok(client),
            (Some(phc), Some(secret)) => {
                if self.secret_cache.hit(&client.client_id, phc, secret) {
                    return Ok(client);
                }
                let (phc2, secret2) = (phc.clone(), secret.clone());
                let ok = tokio::task::spawn_blocking(move || verify_secret(&secret2, &phc2))
                    .await
                    .map_err(|_| OAuthError::server_error())?;
                if ok {
                    self.secret_cache.remember(&client.client_id, phc, secret);
                    Ok(client)
                } else {
                    Err(OAuthError::invalid_client())
                }
            }
            _ => Err(OAuthError::invalid_client()),
        }
    }

    /// `grant_type=client_credentials`: requested ∩ allowed scopes, all or nothing.
    pub async fn client_credentials(
        &self,
        presented: &PresentedClient,
        scope_param: Option<&str>,
    ) -> Result<IssuedToken, OAuthError> {
        let client = self.authenticate_client(presented).await?;
        if client.public || !client.allowed_grants.contains(&Grant::ClientCredentials) {
            return Err(OAuthError::new(
                "unauthorized_client",
                "grant_type client_credentials is not allowed for this client",
            ));
        }
        let requested = scope::split(scope_param.unwrap_or(""));
        for s in &requested {
            if !scope::is_known(s) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    format!("scope {s} is not known"),
                ));
            }
            if scope::USER_ONLY_SCOPES.contains(&s.as_str()) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    format!("scope {s} is not allowed with grant_type client_credentials"),
                ));
            }
            if !client.allowed_scopes.contains(s) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    format!("scope {s} is not allowed for this client"),
                ));
            }
        }
        let mut granted: Vec<String> = Vec::with_capacity(requested.len());
        for s in requested {
            if !granted.contains(&s) {
                granted.push(s);
            }
        }
        let now = self.clock.now_ms();
        let ttl = self.config.access_token_ttl_secs;
        let token = new_access_token();
        let grant = AccessGrant {
            client_id: client.client_id.clone(),
            partner_id: client.partner_id.clone(),
            kind: TokenKind::Client,
            scopes: granted.clone(),
            user_id: None,
            issued_at: now,
            expires_at: now + ttl * 1000,
        };
        let mut conn = self.db.conn().await?;
        tokens::insert(&mut conn, &token_hash(&token), &grant).await?;
        Ok(IssuedToken {
            access_token: token,
            expires_in: ttl,
            scope: granted.join(" "),
        })
    }
}

impl From<gobiz_store::StoreError> for OAuthError {
    fn from(e: gobiz_store::StoreError) -> Self {
        OAuthError::from(ServiceError::from(e))
    }
}
