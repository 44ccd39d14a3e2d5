//! The service container: the database, the clock, settings, the per-node caches and the
//! webhook dispatcher that every use case reads. It knows only `crate::runtime`; the use-case
//! modules (partner actions, simulators, timers, sandbox admin, GoAuth) extend [`Services`]
//! with `impl` blocks of their own.

use crate::runtime::client_auth::ClientAuth;
use crate::runtime::clock::AppClock;
use crate::runtime::key_cache::KeyCache;
use crate::runtime::memo::{
    CatalogMemo, ClientMemo, LinkedOutletsMemo, OutletMemo, PrincipalCache, TokenInfoMemo,
};
use crate::runtime::otp::{LogAndSandboxSender, OtpSender};
use crate::ServiceResult;
use gobiz_domain::clock::Clock;
use gobiz_domain::model::Mode;
use gobiz_store::Db;
use std::sync::Arc;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Server mode.
    pub mode: Mode,
    /// Access-token lifetime in seconds (spec: 3599).
    pub access_token_ttl_secs: i64,
    /// Base URL for absolute URLs we emit.
    pub public_base_url: String,
    /// Webhook delivery settings.
    pub webhooks: gobiz_webhooks::WebhookConfig,
    /// How long after a catalog push its menu mapping completes (spec §4.2: about 1 s).
    pub catalog_mapping_delay_ms: i64,
    /// Sandbox auto-driver: time between the driver steps of accepted delivery orders
    /// (0 = off; drivers then move only through the sandbox API).
    pub auto_driver_ms: i64,
}

/// Everything a use case may touch. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    /// The database.
    pub db: Db,
    /// The source of time.
    pub clock: Arc<AppClock>,
    /// Settings.
    pub config: Arc<ServiceConfig>,
    /// Client-secret checks: the argon2 pool, its caches and the failure throttle.
    pub client_auth: Arc<ClientAuth>,
    /// The ID-token signing key in use on this node.
    pub keys: Arc<KeyCache>,
    /// Where OTPs go.
    pub otp_sender: Arc<dyn OtpSender>,
    /// Wakes the local webhook dispatcher when deliveries may be due.
    pub wake: Arc<tokio::sync::Notify>,
    /// Recent catalog access checks.
    pub catalog_memo: Arc<CatalogMemo>,
    /// Recently resolved bearer tokens.
    pub principals: Arc<PrincipalCache>,
    /// Recent outlet access checks.
    pub outlet_memo: Arc<OutletMemo>,
    /// Recently served pages of linked outlets.
    pub linked_memo: Arc<LinkedOutletsMemo>,
    /// Recently shown token infos.
    pub token_info_memo: Arc<TokenInfoMemo>,
    /// Recently read OAuth clients.
    pub client_memo: Arc<ClientMemo>,
    /// The webhook engine (run by the binary; used here for immediate redeliveries).
    pub dispatcher: Arc<gobiz_webhooks::Dispatcher>,
    /// Group commit of client-credentials tokens.
    pub token_writer: crate::runtime::token_writer::TokenWriter,
    /// Group commit of sandbox events (`POST /sandbox/v1/events`).
    pub emit_queue: Arc<crate::sandbox::events::EmitQueue>,
    /// The traffic scenarios this node runs (issue 19): their stop flags.
    pub scenarios: Arc<crate::sandbox::scenarios::ScenarioRunners>,
}

impl Services {
    /// Wires the services; loads the persisted sandbox clock offset.
    pub async fn new(db: Db, config: ServiceConfig) -> ServiceResult<Services> {
        let clock = Arc::new(AppClock::load(&db, config.mode).await?);
        let wake = Arc::new(tokio::sync::Notify::new());
        let dispatcher = gobiz_webhooks::Dispatcher::new(
            db.clone(),
            clock.clone(),
            config.webhooks.clone(),
            wake.clone(),
        );
        Ok(Services {
            token_writer: crate::runtime::token_writer::TokenWriter::start(db.clone()),
            emit_queue: Arc::default(),
            db,
            clock,
            wake,
            dispatcher,
            principals: Arc::new(PrincipalCache::default()),
            outlet_memo: Arc::new(OutletMemo::default()),
            client_memo: Arc::new(ClientMemo::default()),
            linked_memo: Arc::new(LinkedOutletsMemo::default()),
            token_info_memo: Arc::new(TokenInfoMemo::default()),
            catalog_memo: Arc::new(CatalogMemo::default()),
            config: Arc::new(config),
            client_auth: Arc::new(ClientAuth::default()),
            keys: Arc::new(KeyCache::default()),
            otp_sender: Arc::new(LogAndSandboxSender),
            scenarios: Arc::default(),
        })
    }

    /// Forgets this node's outlet, linked-outlets, token-info, catalog and client memos (after a link,
    /// unlink, outlet change or reset), so the change applies at once here.
    pub fn forget_access(&self) {
        self.outlet_memo.clear();
        self.linked_memo.clear();
        self.token_info_memo.clear();
        self.catalog_memo.clear();
        self.client_memo.clear();
    }

    /// Current instant (ms) from the clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
