//! GoAuth token endpoint use cases (spec §2.3). Errors follow RFC 6749 §5.2, not the envelope.

use crate::runtime::client_auth::Refusal;
use crate::secrets::{new_access_token, token_hash};
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
    /// Set on `temporarily_unavailable`: why, and when to come back.
    pub retry: Option<Retry>,
}

/// Why a request may succeed later (`temporarily_unavailable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Too many failed authentications for this client id (HTTP 429).
    Throttled {
        /// Seconds until the client id may try again.
        after_secs: u64,
    },
    /// Every secret-hashing worker and queue slot is taken (HTTP 503).
    Busy {
        /// Seconds to wait.
        after_secs: u64,
    },
}

impl OAuthError {
    pub(crate) fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            error,
            description: description.into(),
            retry: None,
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

impl From<Refusal> for OAuthError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Throttled { retry_after_secs } => OAuthError {
                error: "temporarily_unavailable",
                description: format!(
                    "Too many failed client authentications; retry in {retry_after_secs} s"
                ),
                retry: Some(Retry::Throttled {
                    after_secs: retry_after_secs,
                }),
            },
            Refusal::Busy => OAuthError {
                error: "temporarily_unavailable",
                description: "Too many client authentications in progress; retry shortly".into(),
                retry: Some(Retry::Busy { after_secs: 1 }),
            },
            Refusal::Failed => {
                tracing::error!("the argon2 workers are gone");
                OAuthError::server_error()
            }
        }
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

/// The value of `name` in a form's pairs (the first one; repeats are refused before).
fn form_value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The form of `POST /oauth2/token` (spec §2.3), `application/x-www-form-urlencoded`. Read
/// from the form's pairs after repeated parameters are refused; each grant checks its own
/// parameters (RFC 6749 errors), unknown parameters are ignored.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "scope": "gofood:catalog:write gofood:order:write"}))]
pub struct TokenForm {
    /// The grant: `client_credentials`, `authorization_code` or `refresh_token`.
    #[schema(required = true, nullable = false, value_type = String,
        pattern = "^(client_credentials|authorization_code|refresh_token)$", example = "client_credentials")]
    pub grant_type: Option<String>,
    /// Space-separated scopes (`client_credentials`, `refresh_token`). With
    /// `client_credentials` every scope must be known and allowed for the client; with
    /// `refresh_token` a subset of the grant. Nothing requested, nothing granted.
    #[schema(required = false, nullable = false, value_type = String, example = "gofood:catalog:write gofood:order:write")]
    pub scope: Option<String>,
    /// The authorization code from the callback (`authorization_code`, required).
    #[schema(required = false, nullable = false, value_type = String, example = "gbz_ac_<code>")]
    pub code: Option<String>,
    /// Identical to the authorization request's (`authorization_code`, required).
    #[schema(required = false, nullable = false, value_type = String, format = "uri", example = "https://pos.example.com/callback")]
    pub redirect_uri: Option<String>,
    /// The PKCE S256 verifier (`authorization_code`, when a challenge was sent).
    #[schema(required = false, nullable = false, value_type = String, min_length = 43, max_length = 128)]
    pub code_verifier: Option<String>,
    /// A current refresh token of this client (`refresh_token`, required); it rotates.
    #[schema(required = false, nullable = false, value_type = String, example = "gbz_rt_<refresh-token>")]
    pub refresh_token: Option<String>,
    /// The client id (`client_secret_post`, a public client, or repeated from HTTP Basic).
    #[schema(required = false, nullable = false, value_type = String, example = "<client-id>")]
    pub client_id: Option<String>,
    /// The client secret (`client_secret_post`; not together with HTTP Basic).
    #[schema(required = false, nullable = false, value_type = String, example = "<client-secret>")]
    pub client_secret: Option<String>,
}

impl TokenForm {
    /// The form from its (already checked) pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> TokenForm {
        TokenForm {
            grant_type: form_value(pairs, "grant_type"),
            scope: form_value(pairs, "scope"),
            code: form_value(pairs, "code"),
            redirect_uri: form_value(pairs, "redirect_uri"),
            code_verifier: form_value(pairs, "code_verifier"),
            refresh_token: form_value(pairs, "refresh_token"),
            client_id: form_value(pairs, "client_id"),
            client_secret: form_value(pairs, "client_secret"),
        }
    }
}

/// The form of `POST /oauth2/revoke` (RFC 7009, spec §2.7) and `POST /oauth2/introspect`
/// (RFC 7662, spec §2.8), `application/x-www-form-urlencoded`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"token": "gbz_at_<access-token>", "token_type_hint": "access_token"}))]
pub struct TokenHintForm {
    /// The access or refresh token.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, example = "gbz_at_<access-token>")]
    pub token: Option<String>,
    /// `access_token` or `refresh_token`; accepted and not needed (both kinds are looked up).
    #[schema(required = false, nullable = false, value_type = String, pattern = "^(access_token|refresh_token)$")]
    pub token_type_hint: Option<String>,
    /// The client id (`client_secret_post`).
    #[schema(required = false, nullable = false, value_type = String, example = "<client-id>")]
    pub client_id: Option<String>,
    /// The client secret (`client_secret_post`; not together with HTTP Basic).
    #[schema(required = false, nullable = false, value_type = String, example = "<client-secret>")]
    pub client_secret: Option<String>,
}

impl TokenHintForm {
    /// The form from its (already checked) pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> TokenHintForm {
        TokenHintForm {
            token: form_value(pairs, "token"),
            token_type_hint: form_value(pairs, "token_type_hint"),
            client_id: form_value(pairs, "client_id"),
            client_secret: form_value(pairs, "client_secret"),
        }
    }
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
    /// Loads the client and checks its secret through [`crate::runtime::client_auth`]: remembered
    /// answers first, then the bounded argon2 pool. An unknown id with a secret is checked
    /// against a dummy hash with the same parameters, so it costs (and is throttled) like a
    /// wrong secret for a known id.
    pub async fn authenticate_client(
        &self,
        presented: &PresentedClient,
    ) -> Result<Client, OAuthError> {
        let client = match self.client_memo.get(&presented.client_id) {
            Some(c) => c,
            None => {
                let mut conn = self.db.conn().await?;
                let c = clients::get(&mut conn, &presented.client_id).await?;
                drop(conn);
                self.client_memo.put(presented.client_id.clone(), c.clone());
                c
            }
        };
        let auth = &self.client_auth;
        match (client, &presented.secret) {
            (None, Some(secret)) => {
                let dummy = crate::runtime::hash_pool::dummy_phc();
                auth.check(&presented.client_id, dummy, secret).await?;
                Err(OAuthError::invalid_client())
            }
            (Some(client), Some(secret)) => match &client.secret_hash {
                Some(phc) => {
                    if auth.check(&client.client_id, phc, secret).await? {
                        Ok(client)
                    } else {
                        Err(OAuthError::invalid_client())
                    }
                }
                None => Err(OAuthError::invalid_client()),
            },
            (Some(client), None) if client.secret_hash.is_none() => Ok(client),
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
            family_id: None,
        };
        self.token_writer.insert(token_hash(&token), grant).await?;
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

/// Tokens issued to a merchant user's authorization (code or refresh grant).
#[derive(Debug, Clone)]
pub struct IssuedUserTokens {
    /// The access token part.
    pub access: IssuedToken,
    /// A new refresh token when `offline` / `offline_access` was granted.
    pub refresh_token: Option<String>,
    /// The signed ID token when `openid` is in scope.
    pub id_token: Option<String>,
}

/// Claims of our ID tokens (spec §2.6).
#[derive(Debug, serde::Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    at_hash: String,
}

/// Left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6).
pub fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// What the user-token issuer needs about the authorization.
struct UserGrant<'a> {
    client: &'a Client,
    user_id: &'a str,
    family_id: &'a str,
    /// Scopes of the access token.
    scopes: Vec<String>,
    /// Scopes of the authorization (for a new refresh token).
    granted: &'a [String],
    auth_time: i64,
    nonce: Option<&'a str>,
}

fn has_offline(scopes: &[String]) -> bool {
    scopes
        .iter()
        .any(|s| s == "offline" || s == "offline_access")
}

/// PKCE S256: `BASE64URL(SHA256(verifier)) == challenge`.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine;
    use sha2::Digest;
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    subtle::ConstantTimeEq::ct_eq(computed.as_bytes(), challenge.as_bytes()).into()
}

fn invalid_grant(d: impl Into<String>) -> OAuthError {
    OAuthError::new("invalid_grant", d)
}

fn require_grant(client: &Client, grant: Grant) -> Result<(), OAuthError> {
    if client.allowed_grants.contains(&grant) {
        Ok(())
    } else {
        Err(OAuthError::new(
            "unauthorized_client",
            format!("grant_type {grant} is not allowed for this client"),
        ))
    }
}

/// Introspection answer (RFC 7662).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspection {
    /// `{"active": false}`.
    Inactive,
    /// An active token.
    Active {
        /// Client it was issued to.
        client_id: String,
        /// Space-separated scopes.
        scope: String,
        /// Expiry (Unix seconds).
        exp: i64,
        /// Issue time (Unix seconds).
        iat: i64,
        /// `access_token` or `refresh_token`.
        token_use: &'static str,
        /// Merchant user for `ac` tokens.
        sub: Option<String>,
    },
}

impl Services {
    async fn issue_user_tokens(&self, g: UserGrant<'_>) -> Result<IssuedUserTokens, OAuthError> {
        let now = self.clock.now_ms();
        let ttl = self.config.access_token_ttl_secs;
        let access_token = new_access_token();
        let grant = AccessGrant {
            client_id: g.client.client_id.clone(),
            partner_id: g.client.partner_id.clone(),
            kind: TokenKind::User,
            scopes: g.scopes.clone(),
            user_id: Some(g.user_id.to_string()),
            issued_at: now,
            expires_at: now + ttl * 1000,
            family_id: Some(g.family_id.to_string()),
        };
        let refresh_token =
            has_offline(g.granted).then(|| format!("gbz_rt_{}", crate::secrets::random_43()));
        let mut tx = self.db.begin().await?;
        tokens::insert(&mut tx, &token_hash(&access_token), &grant).await?;
        if let Some(rt) = &refresh_token {
            let record = gobiz_domain::goauth::RefreshRecord {
                family_id: g.family_id.to_string(),
                client_id: g.client.client_id.clone(),
                partner_id: g.client.partner_id.clone(),
                user_id: g.user_id.to_string(),
                scopes: g.granted.to_vec(),
                auth_time: g.auth_time,
                issued_at: now,
                expires_at: now + gobiz_domain::goauth::REFRESH_TTL_MS,
                rotated_at: None,
                revoked_at: None,
            };
            gobiz_store::refresh::insert(&mut tx, &token_hash(rt), &record).await?;
        }
        tx.commit().await?;
        let id_token = if g.scopes.iter().any(|s| s == "openid") {
            let claims = IdTokenClaims {
                iss: &self.config.public_base_url,
                sub: g.user_id,
                aud: &g.client.client_id,
                exp: now / 1000 + ttl,
                iat: now / 1000,
                auth_time: g.auth_time / 1000,
                nonce: g.nonce,
                at_hash: at_hash(&access_token),
            };
            Some(self.sign_jwt(&claims).await?)
        } else {
            None
        };
        Ok(IssuedUserTokens {
            access: IssuedToken {
                access_token,
                expires_in: ttl,
                scope: g.scopes.join(" "),
            },
            refresh_token,
            id_token,
        })
    }

    /// `grant_type=authorization_code` (spec §2.3): single use, 120 s, bound to client,
    /// redirect URI and PKCE verifier; a replay revokes everything the code issued.
    pub async fn authorization_code(
        &self,
        presented: &PresentedClient,
        code: Option<&str>,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<IssuedUserTokens, OAuthError> {
        let client = self.authenticate_client(presented).await?;
        require_grant(&client, Grant::AuthorizationCode)?;
        let code = code.ok_or_else(|| OAuthError::invalid_request("code is required"))?;
        let redirect_uri =
            redirect_uri.ok_or_else(|| OAuthError::invalid_request("redirect_uri is required"))?;
        let hash = token_hash(code);
        let now = self.clock.now_ms();
        let mut conn = self.db.conn().await?;
        let record = gobiz_store::codes::get(&mut conn, &hash)
            .await?
            .ok_or_else(|| invalid_grant("the code is unknown"))?;
        if record.client_id != client.client_id {
            return Err(invalid_grant("the code was issued to another client"));
        }
        if record.used_at.is_some() {
            gobiz_store::refresh::revoke_family(&mut conn, &record.family_id, now).await?;
            self.principals.clear();
            return Err(invalid_grant(
                "the code was already used; its tokens are revoked",
            ));
        }
        if now >= record.expires_at {
            return Err(invalid_grant("the code expired"));
        }
        if record.redirect_uri != redirect_uri {
            return Err(invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        match (&record.code_challenge, verifier) {
            (Some(challenge), Some(v)) if pkce_matches(v, challenge) => {}
            (Some(_), Some(_)) => return Err(invalid_grant("code_verifier does not match")),
            (Some(_), None) => return Err(invalid_grant("code_verifier is required")),
            (None, Some(_)) => {
                return Err(invalid_grant(
                    "code_verifier sent but no code_challenge was used",
                ))
            }
            (None, None) => {}
        }
        if !gobiz_store::codes::mark_used(&mut conn, &hash, now).await? {
            gobiz_store::refresh::revoke_family(&mut conn, &record.family_id, now).await?;
            self.principals.clear();
            return Err(invalid_grant(
                "the code was already used; its tokens are revoked",
            ));
        }
        drop(conn);
        self.issue_user_tokens(UserGrant {
            client: &client,
            user_id: &record.user_id,
            family_id: &record.family_id,
            scopes: record.scopes.clone(),
            granted: &record.scopes,
            auth_time: record.auth_time,
            nonce: record.nonce.as_deref(),
        })
        .await
    }

    /// `grant_type=refresh_token` (spec §2.3): rotation on every use; presenting a retired
    /// token revokes the whole family.
    pub async fn refresh_token(
        &self,
        presented: &PresentedClient,
        refresh_token: Option<&str>,
        scope_param: Option<&str>,
    ) -> Result<IssuedUserTokens, OAuthError> {
        let client = self.authenticate_client(presented).await?;
        require_grant(&client, Grant::RefreshToken)?;
        let token = refresh_token
            .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
        let hash = token_hash(token);
        let now = self.clock.now_ms();
        let mut conn = self.db.conn().await?;
        let record = gobiz_store::refresh::get(&mut conn, &hash)
            .await?
            .ok_or_else(|| invalid_grant("the refresh token is unknown"))?;
        if record.client_id != client.client_id {
            return Err(invalid_grant("the refresh token belongs to another client"));
        }
        if record.revoked_at.is_some() {
            return Err(invalid_grant("the refresh token was revoked"));
        }
        if record.rotated_at.is_some() {
            gobiz_store::refresh::revoke_family(&mut conn, &record.family_id, now).await?;
            self.principals.clear();
            return Err(invalid_grant(
                "the refresh token was already used; the grant is revoked",
            ));
        }
        if now >= record.expires_at {
            return Err(invalid_grant("the refresh token expired"));
        }
        let requested = match scope_param {
            None => record.scopes.clone(),
            Some(p) => {
                let list = scope::split(p);
                if let Some(wider) = list.iter().find(|s| !record.scopes.contains(s)) {
                    return Err(OAuthError::new(
                        "invalid_scope",
                        format!("scope {wider} was not granted"),
                    ));
                }
                list
            }
        };
        if !gobiz_store::refresh::rotate(&mut conn, &hash, now).await? {
            gobiz_store::refresh::revoke_family(&mut conn, &record.family_id, now).await?;
            self.principals.clear();
            return Err(invalid_grant(
                "the refresh token was already used; the grant is revoked",
            ));
        }
        drop(conn);
        self.issue_user_tokens(UserGrant {
            client: &client,
            user_id: &record.user_id,
            family_id: &record.family_id,
            scopes: requested,
            granted: &record.scopes,
            auth_time: record.auth_time,
            nonce: None,
        })
        .await
    }

    /// `POST /oauth2/revoke` (RFC 7009): only the caller's own tokens; unknown ones are fine.
    pub async fn revoke(&self, presented: &PresentedClient, token: &str) -> Result<(), OAuthError> {
        let client = self.authenticate_client(presented).await?;
        let hash = token_hash(token);
        let now = self.clock.now_ms();
        let mut conn = self.db.conn().await?;
        if tokens::revoke(&mut conn, &hash, &client.client_id, now).await? {
            self.principals.clear();
            return Ok(());
        }
        if let Some(rt) = gobiz_store::refresh::get(&mut conn, &hash).await? {
            if rt.client_id == client.client_id {
                gobiz_store::refresh::revoke_family(&mut conn, &rt.family_id, now).await?;
                self.principals.clear();
            }
        }
        Ok(())
    }

    /// `POST /oauth2/introspect` (RFC 7662): only the caller's own tokens are active.
    pub async fn introspect(
        &self,
        presented: &PresentedClient,
        token: &str,
    ) -> Result<Introspection, OAuthError> {
        let client = self.authenticate_client(presented).await?;
        let hash = token_hash(token);
        let now = self.clock.now_ms();
        let mut conn = self.db.conn().await?;
        if let Some((g, revoked)) = tokens::find(&mut conn, &hash).await? {
            if revoked || now >= g.expires_at || g.client_id != client.client_id {
                return Ok(Introspection::Inactive);
            }
            return Ok(Introspection::Active {
                client_id: g.client_id,
                scope: g.scopes.join(" "),
                exp: g.expires_at / 1000,
                iat: g.issued_at / 1000,
                token_use: "access_token",
                sub: g.user_id,
            });
        }
        if let Some(rt) = gobiz_store::refresh::get(&mut conn, &hash).await? {
            let live = rt.revoked_at.is_none() && rt.rotated_at.is_none() && now < rt.expires_at;
            if !live || rt.client_id != client.client_id {
                return Ok(Introspection::Inactive);
            }
            return Ok(Introspection::Active {
                client_id: rt.client_id,
                scope: rt.scopes.join(" "),
                exp: rt.expires_at / 1000,
                iat: rt.issued_at / 1000,
                token_use: "refresh_token",
                sub: Some(rt.user_id),
            });
        }
        Ok(Introspection::Inactive)
    }
}
