//! Wiring: database, services, HTTP app, graceful shutdown.

use crate::config::{self, CommonArgs, ServeArgs};
use anyhow::Context;
use gobiz_domain::model::Mode;
use gobiz_http::AppState;
use gobiz_services::sandbox::demo;
use gobiz_services::sealing;
use gobiz_services::{ServiceConfig, ServiceError, Services};
use gobiz_store::Db;
use gobiz_webhooks::sealed::SecretBox;
use std::io::Write;
use std::time::Duration;

/// How long in-flight requests may run after SIGTERM / Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

async fn open_db(url: &str) -> anyhow::Result<Db> {
    config::ensure_sqlite_folder(url)?;
    // Which database, in words that name it without its password.
    let what = match (config::sqlite_path(url), config::postgres_address(url)) {
        (Some(path), _) => format!("the SQLite database {path}"),
        (None, Some(address)) => format!("PostgreSQL at {address}"),
        (None, None) => "the database".to_string(),
    };
    let url = config::with_create_mode(url);
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("cannot connect to {what}"))?;
    db.migrate()
        .await
        .with_context(|| format!("cannot apply migrations to {what}"))?;
    Ok(db)
}

/// An error with its causes, `: `-separated, each said once: a cause whose text its
/// wrapper already ends with (sqlx's `error returned from database: X` over `X`) is skipped.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Binds the listener, saying what to do when the port is taken.
async fn bind(listen: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
                "cannot listen on {listen}: the address is already in use (another gobiz or \
                 another program holds that port); choose another with --listen HOST:PORT or \
                 GOBIZ_LISTEN, e.g. --listen 127.0.0.1:0 for any free port"
            ),
            _ => anyhow::anyhow!("cannot listen on {listen}: {e}"),
        })
}

/// The production refusal of a server whose admin API nobody could use.
const PRODUCTION_NEEDS_ADMIN_TOKEN: &str = "production mode needs --admin-token (or \
     GOBIZ_ADMIN_TOKEN) to set up partners and clients through the admin API (/sandbox/v1); \
     to serve without the admin API, set `sandbox = false` in the config file";

/// `gobiz migrate`.
pub async fn migrate(args: CommonArgs) -> anyhow::Result<()> {
    let (_, url) = config::resolve_common(&args)?;
    let db = open_db(&url).await?;
    db.close().await;
    println!("migrations applied");
    Ok(())
}

/// A start-up refusal in words (a violation list reads `field: problem`).
fn startup_error(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(v) => {
            anyhow::anyhow!(v.iter().map(|x| x.message()).collect::<Vec<_>>().join("; "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

/// The services of a node: the server key that seals notification secrets (configured, or
/// generated once in sandbox mode), then the secrets stored in plain text sealed with it.
async fn build_services(
    settings: &config::Settings,
    db: &Db,
    public_base_url: String,
) -> anyhow::Result<Services> {
    let key = sealing::secret_key(db, settings.secret_key.as_deref(), settings.mode)
        .await
        .map_err(startup_error)?;
    let mut webhooks = settings.webhooks.clone();
    webhooks.sealer = SecretBox::new(&key);
    let services = Services::new(
        db.clone(),
        ServiceConfig {
            mode: settings.mode,
            access_token_ttl_secs: settings.access_token_ttl_secs,
            public_base_url,
            webhooks,
            catalog_mapping_delay_ms: settings.catalog_mapping_delay_ms,
            auto_driver_ms: settings.auto_driver_ms,
        },
    )
    .await
    .map_err(startup_error)?;
    crate::logging::follow_clock(&services.clock);
    let sealed = services
        .seal_stored_secrets()
        .await
        .map_err(startup_error)?;
    if sealed > 0 {
        tracing::info!(
            sealed,
            "sealed notification secrets that were stored in plain text"
        );
    }
    Ok(services)
}

/// Prints one line to stdout and flushes, so wrappers reading the pipe see it at once.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// `gobiz serve`.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = config::resolve_serve(&args)?;
    if settings.mode == Mode::Production {
        if args.demo {
            anyhow::bail!("--demo is only available in sandbox mode");
        }
        if settings.sandbox && settings.admin_token.is_none() {
            anyhow::bail!(PRODUCTION_NEEDS_ADMIN_TOKEN);
        }
    }
    // The port first: a start that cannot listen leaves no database file behind.
    let listener = bind(&settings.listen).await?;
    let db = open_db(&settings.database_url).await?;
    let addr = listener.local_addr()?;
    let base_url = settings
        .public_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let services = build_services(&settings, &db, base_url.clone()).await?;

    if args.reset && settings.admin_token.is_none() {
        // `--demo --reset` gives what `--demo` gives on a new database: its admin token too.
        services
            .store_admin_token(demo::ADMIN_TOKEN)
            .await
            .map_err(startup_error)?;
    }

    // The admin API needs a token; production never invents one (refused above when the
    // admin API is on). With a token, production serves the same admin API as the sandbox.
    let admin = match (settings.mode, settings.admin_token.as_deref()) {
        (_, Some(t)) => Some(t.to_string()),
        (Mode::Sandbox, None) => {
            let first = args.demo.then_some(demo::ADMIN_TOKEN);
            let (token, generated) = services
                .admin_token(None, first)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if generated {
                say("sandbox admin token generated and stored in the database:");
            }
            say(&format!("sandbox admin token: {token}"));
            Some(token)
        }
        (Mode::Production, None) => None,
    };
    let sandbox = settings.sandbox && admin.is_some();
    let console = match (settings.mode, args.console) {
        (Mode::Sandbox, _) if sandbox => gobiz_http::console::Console::Full,
        (_, true) if admin.is_some() => gobiz_http::console::Console::ReadOnly,
        (_, true) => anyhow::bail!("--console needs --admin-token: the console signs in with it"),
        _ => gobiz_http::console::Console::Off,
    };

    if args.demo {
        seed_demo(
            &services,
            &base_url,
            admin.as_deref().unwrap_or(""),
            args.reset,
        )
        .await?;
    }

    let dispatcher = services.dispatcher.clone();
    let timer_services = services.clone();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let state = AppState::new(gobiz_http::Shared {
        services,
        admin_token: admin.unwrap_or_default().into(),
        catalog_cache: Default::default(),
        console,
        stopping: stop_rx.clone(),
    });
    let app = gobiz_http::app(state, sandbox);
    say(&format!("gobiz listening on http://{addr}"));
    tracing::info!(%addr, mode = %settings.mode, sandbox, "serving");

    let worker = tokio::spawn(dispatcher.clone().run(stop_rx.clone()));
    let timers = tokio::spawn(timer_services.run_timers(stop_rx.clone()));
    tokio::spawn(db.clone().keep_wal_bounded(stop_rx.clone()));
    let server = gobiz_http::server::serve(listener, app, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let mut grace = stop_rx;
    tokio::select! {
        r = async {
            let served = server.await;
            join_background(worker, timers).await;
            served
        } => r.context("server error")?,
        _ = async {
            let _ = grace.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => tracing::warn!("grace period over; exiting with work still in flight"),
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

async fn seed_demo(
    services: &Services,
    base: &str,
    admin: &str,
    reset: bool,
) -> anyhow::Result<()> {
    let empty = services
        .is_empty()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if reset {
        services
            .reset_to_demo()
            .await
            .map_err(|e| anyhow::anyhow!("cannot reset to the demo data: {e}"))?;
        say("database wiped (--reset); demo data seeded:");
    } else if empty {
        services
            .seed(true)
            .await
            .map_err(|e| anyhow::anyhow!("cannot seed demo data: {e}"))?;
        say("demo data seeded:");
    } else {
        say("database not empty; demo data not seeded again. Demo identities, if seeded before:");
    }
    say(&format!("  outlet id      {}", demo::OUTLET_ID));
    say(&format!("  client id      {}", demo::CLIENT_ID));
    say(&format!("  client secret  {}", demo::CLIENT_SECRET));
    say(&format!("  owner phone    {}", demo::PHONE));
    say(&format!("  admin token    {admin}"));
    say("  data           a menu, and 1,000 MokaPOS sales over the last 14 days (README: walk-through)");
    say("try:");
    say(&format!(
        "  curl -s -u {}:{} -d grant_type=client_credentials -d scope=partner:outlet:read {base}/oauth2/token",
        demo::CLIENT_ID,
        demo::CLIENT_SECRET
    ));
    Ok(())
}

/// `gobiz worker`: the webhook dispatcher and the timer loop (no HTTP), until SIGTERM / Ctrl-C.
pub async fn worker(args: ServeArgs) -> anyhow::Result<()> {
    let settings = config::resolve_serve(&args)?;
    let db = open_db(&settings.database_url).await?;
    let services = build_services(
        &settings,
        &db,
        settings.public_base_url.clone().unwrap_or_default(),
    )
    .await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(services.dispatcher.clone().run(stop_rx.clone()));
    tokio::spawn(db.clone().keep_wal_bounded(stop_rx.clone()));
    let timers = tokio::spawn(services.clone().run_timers(stop_rx));
    say("gobiz worker running");
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    if tokio::time::timeout(SHUTDOWN_GRACE, join_background(worker, timers))
        .await
        .is_err()
    {
        tracing::warn!(
            "grace period over; exiting with deliveries in flight (their leases will expire)"
        );
    }
    db.close().await;
    Ok(())
}

/// Waits for the dispatcher and the timer loop after the stop signal; a task that panicked is
/// logged instead of passing unnoticed.
async fn join_background(
    dispatcher: tokio::task::JoinHandle<()>,
    timers: tokio::task::JoinHandle<()>,
) {
    for (name, task) in [("webhook dispatcher", dispatcher), ("timer loop", timers)] {
        if let Err(e) = task.await {
            tracing::error!(task = name, error = %e, "background task failed");
        }
    }
}
