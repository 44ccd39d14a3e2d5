//! Sandbox: a partner's delivery chaos settings (issue 19). The decisions themselves are made
//! where deliveries are made and attempted (`Services::emit`, the dispatcher), from
//! `gobiz_domain::chaos`.

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::chaos::{ChaosConfig, Delay, Duplicate, Fail, Reorder};
use gobiz_store::chaos;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The largest seed (JSON numbers stay exact up to 2^53 − 1 in every client).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// `PUT /sandbox/v1/partners/{partner_id}/chaos`: the settings; absent parts are off.
#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"seed": 42, "duplicate": {"fraction": 0.2, "gap_ms": 3000}, "reorder": {"window_ms": 5000}, "fail": {"fraction": 0.3, "status": 503}}))]
pub struct ChaosSettings {
    /// Seed of every decision, 0 to 2^53 − 1; default: a random one (shown in the answer).
    #[schema(required = false, nullable = false, value_type = u64)]
    pub seed: Option<u64>,
    /// Send a share of deliveries twice.
    #[schema(required = false, nullable = false)]
    pub duplicate: Option<Duplicate>,
    /// Hold deliveries a random time within a window (out-of-order arrival).
    #[schema(required = false, nullable = false)]
    pub reorder: Option<Reorder>,
    /// Wait before the first attempt.
    #[schema(required = false, nullable = false)]
    pub delay: Option<Delay>,
    /// Record a share of attempts as failed without sending.
    #[schema(required = false, nullable = false)]
    pub fail: Option<Fail>,
}

/// A partner's chaos state.
#[derive(Debug, Clone)]
pub struct ChaosState {
    /// The partner.
    pub partner_id: String,
    /// The settings, when on.
    pub config: Option<ChaosConfig>,
    /// Decisions made since they were set.
    pub decisions: i64,
    /// When they were set.
    pub updated_at: Option<i64>,
}

impl Services {
    /// The partner's chaos settings (`config: None` when off).
    pub async fn chaos(&self, partner_id: &str) -> ServiceResult<ChaosState> {
        self.get_partner(partner_id).await?;
        let stored = chaos::get(&mut self.db.conn().await?, partner_id).await?;
        Ok(match stored {
            Some(s) => ChaosState {
                partner_id: partner_id.to_string(),
                config: serde_json::from_str(&s.config).ok(),
                decisions: s.decisions,
                updated_at: Some(s.updated_at),
            },
            None => ChaosState {
                partner_id: partner_id.to_string(),
                config: None,
                decisions: 0,
                updated_at: None,
            },
        })
    }

    /// Sets the partner's chaos settings (settings with every part absent turn it off).
    pub async fn set_chaos(&self, partner_id: &str, s: ChaosSettings) -> ServiceResult<ChaosState> {
        let seed = s
            .seed
            .unwrap_or_else(|| rand::thread_rng().gen_range(0..=MAX_SEED));
        let config = ChaosConfig {
            seed,
            duplicate: s.duplicate,
            reorder: s.reorder,
            delay: s.delay,
            fail: s.fail,
        };
        // Every violation at once, the seed's first.
        let mut problems = config.validate().err().unwrap_or_default();
        if seed > MAX_SEED {
            problems.insert(
                0,
                gobiz_domain::validation::Violation {
                    path: "seed".into(),
                    problem: format!("must be from 0 to {MAX_SEED}"),
                },
            );
        }
        if !problems.is_empty() {
            return Err(ServiceError::from(problems));
        }
        self.get_partner(partner_id).await?;
        let mut conn = self.db.conn().await?;
        if config.is_off() {
            chaos::delete(&mut conn, partner_id).await?;
        } else {
            let text = serde_json::to_string(&config)
                .map_err(|e| ServiceError::Internal(format!("chaos settings: {e}")))?;
            chaos::put(&mut conn, partner_id, &text, self.now()).await?;
        }
        drop(conn);
        self.chaos(partner_id).await
    }

    /// Turns chaos off for the partner.
    pub async fn clear_chaos(&self, partner_id: &str) -> ServiceResult<ChaosState> {
        self.get_partner(partner_id).await?;
        chaos::delete(&mut self.db.conn().await?, partner_id).await?;
        self.chaos(partner_id).await
    }
}
