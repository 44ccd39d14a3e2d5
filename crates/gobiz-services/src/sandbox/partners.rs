//! Sandbox partners (spec §10.2): facilitators and direct partners, their notification
//! secrets (shown once, rotatable) and the read scopes that route webhooks to them.

use super::{take_name, uuid};
use crate::secrets::new_notification_secret;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::entities::Partner;
use gobiz_domain::model::PartnerType;
use gobiz_domain::scope;
use gobiz_domain::validation::Violations;
use gobiz_store::{merchants, partners};
use serde::Deserialize;

const READ_SUFFIX: &str = ":read";

/// `POST /sandbox/v1/partners`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Demo POS", "type": "facilitator", "standard_webhooks": false}))]
pub struct NewPartner {
    /// Display name, 1 to 100 characters.
    #[schema(required = true, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// `facilitator` (a POS or aggregator serving many merchants) or `direct` (one merchant's
    /// own integration).
    #[serde(rename = "type")]
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(facilitator|direct)$")]
    pub kind: Option<String>,
    /// The merchant of a direct partner: required for, and only allowed on, `direct`.
    #[schema(required = false, nullable = false, value_type = String)]
    pub merchant_id: Option<String>,
    /// Also send the Standard Webhooks headers on deliveries (default `false`).
    #[schema(required = false, nullable = false, value_type = bool)]
    pub standard_webhooks: Option<bool>,
    /// `...:read` scopes held for webhook routing on top of those its clients were granted
    /// (default: none).
    #[schema(required = false, nullable = false, value_type = Vec<String>, example = json!(["gofood:order:read"]))]
    pub read_scopes: Option<Vec<String>>,
}

/// A created partner with its notification secret (shown once).
#[derive(Debug, Clone)]
pub struct PartnerWithSecret {
    /// The partner.
    pub partner: Partner,
    /// Its notification secret.
    pub notification_secret: String,
}

impl Services {
    /// Creates a partner and its notification secret.
    pub async fn create_partner(&self, input: NewPartner) -> ServiceResult<PartnerWithSecret> {
        let mut v = Violations::new();
        take_name(&mut v, "name", &input.name);
        let kind = match input.kind.as_deref() {
            None => {
                v.add("type", "is required");
                None
            }
            Some(k) => {
                let p = PartnerType::parse(k);
                if p.is_none() {
                    v.add("type", format!("must be one of {}", PartnerType::choices()));
                }
                p
            }
        };
        match (kind, input.merchant_id.as_deref()) {
            (Some(PartnerType::Direct), None) => {
                v.add("merchant_id", "is required for a direct partner")
            }
            (Some(PartnerType::Facilitator), Some(_)) => {
                v.add("merchant_id", "only direct partners have a merchant")
            }
            _ => {}
        }
        // Least privilege: without `read_scopes` the partner hears the events its clients
        // were granted the read scope of (spec §9.6 rule 4), nothing more.
        let read_scopes = match input.read_scopes {
            None => Vec::new(),
            Some(list) => {
                for (i, s) in list.iter().enumerate() {
                    if !scope::is_known(s) || !s.ends_with(READ_SUFFIX) {
                        v.add(
                            format!("read_scopes[{i}]"),
                            format!("{s} is not a read scope"),
                        );
                    }
                }
                list
            }
        };
        let mut conn = self.db.conn().await?;
        if let Some(m) = input.merchant_id.as_deref() {
            if kind == Some(PartnerType::Direct) && merchants::get(&mut conn, m).await?.is_none() {
                v.add("merchant_id", format!("merchant {m} does not exist"));
            }
        }
        v.finish()?;
        let partner = Partner {
            id: uuid(),
            name: input.name.unwrap_or_default(),
            kind: kind.unwrap_or(PartnerType::Facilitator),
            merchant_id: input.merchant_id,
            standard_webhooks: input.standard_webhooks.unwrap_or(false),
            read_scopes,
            created_at: self.clock.now_ms(),
        };
        let secret = new_notification_secret();
        let sealed = self.config.webhooks.sealer.seal(&secret);
        partners::insert(&mut conn, &partner, &sealed).await?;
        Ok(PartnerWithSecret {
            partner,
            notification_secret: secret,
        })
    }

    /// Every partner (secrets not included).
    pub async fn list_partners(&self) -> ServiceResult<Vec<Partner>> {
        Ok(partners::list(&mut self.db.conn().await?).await?)
    }

    /// One partner (secret not included).
    pub async fn get_partner(&self, id: &str) -> ServiceResult<Partner> {
        partners::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| partner_not_found(id))
    }

    /// A partner's notification secret (sandbox only: integrators need it to verify).
    pub async fn notification_secret(&self, id: &str) -> ServiceResult<String> {
        let stored = partners::secret(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| partner_not_found(id))?;
        self.config
            .webhooks
            .sealer
            .open(&stored)
            .map_err(|e| ServiceError::Internal(format!("notification secret of {id}: {e}")))
    }

    /// Replaces a partner's notification secret and returns the new one once.
    pub async fn rotate_notification_secret(&self, id: &str) -> ServiceResult<PartnerWithSecret> {
        let secret = new_notification_secret();
        let sealed = self.config.webhooks.sealer.seal(&secret);
        let mut tx = self.db.begin().await?;
        if !partners::set_secret(&mut tx, id, &sealed).await? {
            return Err(partner_not_found(id));
        }
        let partner = partners::get(&mut tx, id)
            .await?
            .ok_or_else(|| partner_not_found(id))?;
        tx.commit().await?;
        Ok(PartnerWithSecret {
            partner,
            notification_secret: secret,
        })
    }
}

fn partner_not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("Partner with id: {id} is not found"))
}
