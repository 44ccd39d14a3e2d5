//! The HTTP face of gobiz: every route, the GoBiz `{success, data, errors}` envelope, and the
//! extractors that enforce spec §1's conventions in the order of §1.7.

pub mod accept;
pub mod console;
pub mod edge;
pub mod envelope;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod qr;
pub mod request_id;
pub mod routes;
pub mod server;
pub mod text_guard;
pub mod views;

use gobiz_services::Services;
use std::sync::Arc;

pub use routes::app;

/// Shared state of every handler: one pointer, so that the extractors' clones of it cost one
/// reference count instead of one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// Wraps the state the handlers share.
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    /// Use cases.
    pub services: Services,
    /// The sandbox admin bearer token.
    pub admin_token: Arc<str>,
    /// Rendered `GET v2/catalog` responses by outlet, with the catalog etag they show. Safe to
    /// lose; every request still checks the etag against the database.
    pub catalog_cache:
        Arc<std::sync::Mutex<std::collections::HashMap<String, (String, axum::body::Bytes)>>>,
    /// Whether `/console` is mounted, and whether it may act.
    pub console: console::Console,
    /// Becomes `true` when the server starts shutting down: long-lived answers (the console's
    /// live feeds) end then, so that shutdown does not wait for them.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Largest accepted request body (spec §1.2).
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;
