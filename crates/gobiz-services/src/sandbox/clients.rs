//! Sandbox OAuth clients of a partner (spec §10.2): scopes, grants, redirect URIs, public
//! clients with PKCE; the secret is returned once.

use super::{conflict_on_duplicate, uuid};
use crate::secrets::new_client_secret;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Client;
use gobiz_domain::ids;
use gobiz_domain::model::PartnerType;
use gobiz_domain::scope::{self, Grant};
use gobiz_domain::validation::Violations;
use gobiz_store::clients;
use serde::Deserialize;

/// `POST /sandbox/v1/partners/{partner_id}/clients`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"client_id": "my-pos-client", "allowed_scopes": ["gofood:catalog:read", "gofood:catalog:write", "gofood:order:read", "gofood:order:write"], "allowed_grants": ["client_credentials"], "redirect_uris": ["https://pos.example/callback"]}))]
pub struct NewClient {
    /// The `client_id` to use, 1 to 64 of `A-Z a-z 0-9 . _ -` (default: a UUID; unique).
    #[schema(required = false, nullable = false, value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub client_id: Option<String>,
    /// Display name, 1 to 100 characters (default: the partner's).
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Scopes the client may request (default: every scope of its partner type that is not
    /// user-only).
    #[schema(required = false, nullable = false, value_type = Vec<String>)]
    pub allowed_scopes: Option<Vec<String>>,
    /// Grants the client may use: `client_credentials`, `authorization_code`,
    /// `refresh_token` (default: all for facilitators, `client_credentials` for direct).
    #[schema(required = false, nullable = false, value_type = Vec<String>)]
    pub allowed_grants: Option<Vec<String>>,
    /// Exact absolute `http(s)` redirect URIs without fragment (default: none).
    #[schema(required = false, nullable = false, value_type = Vec<String>)]
    pub redirect_uris: Option<Vec<String>>,
    /// A public client: no secret, PKCE required, no `client_credentials` (default `false`).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub public: Option<bool>,
    /// Require PKCE on the authorization code flow (default `false`; always for public).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub require_pkce: Option<bool>,
}

/// A created client with its secret (shown once; `None` for public clients).
#[derive(Debug, Clone)]
pub struct ClientWithSecret {
    /// The client.
    pub client: Client,
    /// Its secret.
    pub client_secret: Option<String>,
}

impl Services {
    /// Creates an OAuth client for a partner; the secret is returned once.
    pub async fn create_client(
        &self,
        partner_id: &str,
        input: NewClient,
    ) -> ServiceResult<ClientWithSecret> {
        self.create_client_with(partner_id, input, None).await
    }

    pub(super) async fn create_client_with(
        &self,
        partner_id: &str,
        input: NewClient,
        fixed_secret: Option<&str>,
    ) -> ServiceResult<ClientWithSecret> {
        let partner = self.get_partner(partner_id).await?;
        let mut v = Violations::new();
        if let Some(id) = input.client_id.as_deref() {
            if !ids::is_client_id(id) {
                v.add("client_id", "must be 1 to 64 of A-Z a-z 0-9 . _ -");
            }
        }
        if let Some(n) = input.name.as_deref() {
            v.text("name", Some(n), 1, 100);
        }
        let facilitator = partner.kind == PartnerType::Facilitator;
        let allowed_scopes: Vec<String> = match input.allowed_scopes {
            Some(list) => {
                for (i, s) in list.iter().enumerate() {
                    if !scope::is_known(s) {
                        v.add(
                            format!("allowed_scopes[{i}]"),
                            format!("{s} is not a known scope"),
                        );
                    }
                }
                list
            }
            None if facilitator => scope::FACILITATOR_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            None => scope::ALL_SCOPES
                .iter()
                .filter(|s| !scope::USER_ONLY_SCOPES.contains(s))
                .map(|s| s.to_string())
                .collect(),
        };
        let allowed_grants: Vec<Grant> = match input.allowed_grants {
            Some(list) => list
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let parsed = Grant::parse(g);
                    if parsed.is_none() {
                        v.add(
                            format!("allowed_grants[{i}]"),
                            "must be one of client_credentials, authorization_code, refresh_token",
                        );
                    }
                    parsed
                })
                .collect(),
            None if facilitator => Grant::ALL.to_vec(),
            None => vec![Grant::ClientCredentials],
        };
        let redirect_uris = input.redirect_uris.unwrap_or_default();
        for (i, uri) in redirect_uris.iter().enumerate() {
            let ok = (uri.starts_with("https://") || uri.starts_with("http://"))
                && !uri.contains('#')
                && !uri.contains(char::is_whitespace)
                && uri.len() <= 2000;
            if !ok {
                v.add(
                    format!("redirect_uris[{i}]"),
                    "must be an absolute http(s) URL without fragment",
                );
            }
        }
        let public = input.public.unwrap_or(false);
        if public && allowed_grants.contains(&Grant::ClientCredentials) {
            v.add(
                "allowed_grants",
                "a public client cannot use client_credentials",
            );
        }
        v.finish()?;
        let secret = match (public, fixed_secret) {
            (true, _) => None,
            (false, Some(s)) => Some(s.to_string()),
            (false, None) => Some(new_client_secret()),
        };
        let secret_hash = match &secret {
            // Through the bounded argon2 pool; waits for queue room (admin-authenticated).
            Some(s) => Some(
                self.client_auth
                    .pool()
                    .hash(s)
                    .await
                    .map_err(ServiceError::Internal)?,
            ),
            None => None,
        };
        let client_id = input.client_id.unwrap_or_else(uuid);
        let client = Client {
            client_id: client_id.clone(),
            partner_id: partner.id.clone(),
            name: input.name.unwrap_or_else(|| partner.name.clone()),
            secret_hash,
            allowed_scopes,
            allowed_grants,
            redirect_uris,
            public,
            require_pkce: input.require_pkce.unwrap_or(false) || public,
            created_at: self.clock.now_ms(),
        };
        clients::insert(&mut self.db.conn().await?, &client)
            .await
            .map_err(conflict_on_duplicate(format!(
                "Client with client_id: {client_id} already exists"
            )))?;
        self.client_memo.clear();
        Ok(ClientWithSecret {
            client,
            client_secret: secret,
        })
    }
}
