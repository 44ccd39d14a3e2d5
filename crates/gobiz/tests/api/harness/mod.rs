//! Black-box harness: spawns the real `gobiz` binary against a fresh database per test and
//! talks to it over HTTP only.
//!
//! [`db`] makes the databases, [`process`] starts the binary, [`client`] is the HTTP client
//! ([`TestApp`], [`Resp`]), [`fixtures`] makes sandbox data through the admin API,
//! [`assertions`] checks responses, [`goauth_browser`] drives the GoAuth login and consent
//! pages, [`browser`] drives a real headless Chromium, [`time`] does calendar arithmetic and
//! [`receiver`] is a webhook receiver.

mod assertions;
mod browser;
mod cli;
mod client;
mod console;
pub mod contract;
mod db;
mod fixtures;
mod goauth_browser;
mod process;
pub mod receiver;
mod time;

pub use assertions::*;
pub use browser::*;
pub use cli::*;
pub use client::*;
pub use console::*;
pub use db::*;
pub use fixtures::*;
pub use goauth_browser::*;
pub use process::*;
pub use time::*;

/// Generates the tests `$name::sqlite` and `$name::postgres` from the async fn `$name`, run
/// once on a fresh SQLite database and once on a fresh PostgreSQL database (skipped when
/// `GOBIZ_TEST_POSTGRES_URL` is not set). The fn takes either
/// - a [`TestApp`]: a server started on that database, with the extra server environment
///   `$env` (a `&[(&str, &str)]`) when given: `both_dbs!(name);`, `both_dbs!(name, ENV);`
/// - the database URL as a `String`, for tests that start servers themselves:
///   `both_dbs!(name);`.
///
/// See [`DbTest`] for how the two are told apart.
macro_rules! both_dbs {
    ($name:ident) => {
        both_dbs!($name, &[]);
    };
    ($name:ident, $env:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $crate::harness::on_sqlite(super::$name, $env).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::harness::on_postgres(super::$name, $env).await;
            }
        }
    };
}
