//! Configuration: flags > environment (`GOBIZ_*`, `DATABASE_URL`) > config file > defaults.

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use gobiz_domain::model::Mode;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "gobiz",
    version,
    about = "A self-hostable GoBiz Partner Integration API",
    after_help = crate::cli::EXIT_CODES,
    args_override_self = true
)]
pub struct Cli {
    /// Subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations and serve the API (and the sandbox) until SIGTERM / Ctrl-C.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(CommonArgs),
    /// Run the webhook dispatcher and the timer loop without an HTTP listener, e.g. as extra delivery capacity.
    ///
    /// Takes the options of `gobiz serve` so that one configuration serves both; --listen,
    /// --demo and --reset have no effect here (seed the demo data set with `gobiz serve --demo`).
    Worker(ServeArgs),
    /// Print the OpenAPI 3.1 document of the API (what `GET /openapi.json` serves), without a database.
    ///
    /// Example: gobiz openapi --format yaml --public-base-url https://gobiz.example.com > openapi.yaml
    Openapi(OpenapiArgs),
    /// Forward the webhooks of a running server to an app on this machine, live.
    ///
    /// Example: gobiz listen --forward-to http://localhost:3000/webhook --events gofood.order.merchant_accepted,gofood.order.completed
    Listen(crate::cli::listen::ListenArgs),
    /// Run the real flow that causes an event (spec §9) on a running server.
    ///
    /// Example: gobiz trigger gofood.order.completed --outlet G000012345
    Trigger(crate::cli::trigger::TriggerArgs),
    /// Drive a running sandbox: orders, clock, payments, outlets, partners, OTPs, chaos, reset, MokaPOS.
    ///
    /// Example: gobiz sandbox orders place --outlet G000012345 --json
    Sandbox(crate::cli::sandbox::SandboxArgs),
    /// Print a shell completion script.
    ///
    /// Example: gobiz completions bash > ~/.local/share/bash-completion/completions/gobiz
    Completions(CompletionsArgs),
}

/// `gobiz completions` options.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `gobiz openapi` options.
#[derive(Debug, Args, Clone)]
pub struct OpenapiArgs {
    /// json or yaml
    #[arg(long, value_enum, default_value_t = OpenapiFormat::Json)]
    pub format: OpenapiFormat,
    /// The server URL the document names
    #[arg(
        long,
        env = "GOBIZ_PUBLIC_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_base_url: String,
}

/// The document's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OpenapiFormat {
    /// JSON, as `/openapi.json`.
    Json,
    /// YAML, as `/openapi.yaml`.
    Yaml,
}

/// Options shared by every subcommand.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// TOML configuration file (see docs/gobiz.example.toml).
    #[arg(long, env = "GOBIZ_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST/DB
    /// [default: sqlite://./gobiz-data/gobiz.db?mode=rwc]
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Log lines on stderr: text, or json (one object per line) [default: text]
    #[arg(long, env = "GOBIZ_LOG_FORMAT", value_enum)]
    pub log_format: Option<crate::logging::LogFormat>,
}

/// `gobiz serve` options.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080]
    #[arg(long, env = "GOBIZ_LISTEN")]
    pub listen: Option<String>,
    /// sandbox (default) or production: production refuses to move the clock, checks webhook
    /// URLs strictly and needs --admin-token to serve the admin API (/sandbox/v1)
    #[arg(long, env = "GOBIZ_MODE")]
    pub mode: Option<String>,
    /// Bearer token of the admin API (/sandbox/v1); in sandbox mode generated once and stored
    /// when unset; required in production mode
    #[arg(long, env = "GOBIZ_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// Base URL for absolute URLs we emit [default: http://<listen address>]
    #[arg(long, env = "GOBIZ_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// Seed the demo data set on an empty database and print its credentials
    #[arg(long, env = "GOBIZ_DEMO")]
    pub demo: bool,
    /// With --demo: wipe the database at start (every merchant, partner, client, order, …)
    /// and seed the demo data set again, with the clock back at real time
    #[arg(long, requires = "demo")]
    pub reset: bool,
    /// Webhook retry waits in ms, five comma-separated values
    /// [default: 120000,600000,1800000,5400000,12600000]
    #[arg(long, env = "GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS")]
    pub webhook_retry_schedule_ms: Option<String>,
    /// Webhook request timeout in ms [default: 15000]
    #[arg(long, env = "GOBIZ_WEBHOOK_TIMEOUT_MS")]
    pub webhook_timeout_ms: Option<u64>,
    /// How long a claimed delivery stays leased, in ms [default: 30000]
    #[arg(long, env = "GOBIZ_WEBHOOK_LEASE_MS")]
    pub webhook_lease_ms: Option<i64>,
    /// Webhook requests in flight at most [default: 256]
    #[arg(long, env = "GOBIZ_WEBHOOK_CONCURRENCY")]
    pub webhook_concurrency: Option<usize>,
    /// PEM file of extra root certificates trusted for https webhook receivers (e.g. an
    /// internal CA), besides the built-in Mozilla roots
    #[arg(long, env = "GOBIZ_WEBHOOK_CA_FILE", value_name = "PEM")]
    pub webhook_ca_file: Option<PathBuf>,
    /// Delay between a catalog push and its menu-mapping webhook, in ms [default: 1000]
    #[arg(long, env = "GOBIZ_CATALOG_MAPPING_DELAY_MS")]
    pub catalog_mapping_delay_ms: Option<i64>,
    /// Sandbox auto-driver: seconds between the driver steps of accepted delivery orders; 0 = off (drivers move only through the sandbox API) [default: 0]
    #[arg(long, env = "GOBIZ_AUTO_DRIVER_SECS")]
    pub auto_driver_secs: Option<i64>,
    /// Server key (at least 32 characters) that encrypts notification secrets at rest; required in production, generated once and stored in sandbox mode when unset
    #[arg(long, env = "GOBIZ_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Serve the web console at /console in production mode too, read-only (it is always on,
    /// with actions, in sandbox mode); needs --admin-token to sign in
    #[arg(long, env = "GOBIZ_CONSOLE")]
    pub console: bool,
}

/// The config file's keys (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Same as `--listen`.
    pub listen: Option<String>,
    /// Same as `--database-url`.
    pub database_url: Option<String>,
    /// Same as `--mode`.
    pub mode: Option<String>,
    /// Same as `--admin-token`.
    pub admin_token: Option<String>,
    /// Same as `--public-base-url`.
    pub public_base_url: Option<String>,
    /// Serve `/sandbox/v1` (default true).
    pub sandbox: Option<bool>,
    /// Access-token lifetime in seconds (default 3599).
    pub access_token_ttl_secs: Option<i64>,
    /// Same as `--webhook-retry-schedule-ms` (a list of 5 integers).
    pub webhook_retry_schedule_ms: Option<Vec<i64>>,
    /// Same as `--webhook-timeout-ms`.
    pub webhook_timeout_ms: Option<u64>,
    /// Same as `--webhook-lease-ms`.
    pub webhook_lease_ms: Option<i64>,
    /// Same as `--webhook-concurrency`.
    pub webhook_concurrency: Option<usize>,
    /// Same as `--webhook-ca-file`.
    pub webhook_ca_file: Option<PathBuf>,
    /// Same as `--catalog-mapping-delay-ms`.
    pub catalog_mapping_delay_ms: Option<i64>,
    /// Same as `--auto-driver-secs`.
    pub auto_driver_secs: Option<i64>,
    /// Same as `--secret-key`.
    pub secret_key: Option<String>,
    /// Same as `--log-format` (`text` or `json`).
    pub log_format: Option<String>,
}

/// Fully resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub listen: String,
    /// Database URL.
    pub database_url: String,
    /// Server mode.
    pub mode: Mode,
    /// Configured admin token.
    pub admin_token: Option<String>,
    /// Configured public base URL.
    pub public_base_url: Option<String>,
    /// Serve the sandbox API.
    pub sandbox: bool,
    /// Access-token lifetime.
    pub access_token_ttl_secs: i64,
    /// Webhook delivery settings.
    pub webhooks: gobiz_webhooks::WebhookConfig,
    /// Catalog push → mapping webhook delay.
    pub catalog_mapping_delay_ms: i64,
    /// Auto-driver pace in ms (0 = off).
    pub auto_driver_ms: i64,
    /// Configured server key sealing notification secrets.
    pub secret_key: Option<String>,
}

/// Default SQLite location, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./gobiz-data/gobiz.db?mode=rwc";

fn read_file(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

/// The log format: flag or environment, else the config file's `log_format`, else text.
pub fn log_format(c: &CommonArgs) -> anyhow::Result<crate::logging::LogFormat> {
    if let Some(f) = c.log_format {
        return Ok(f);
    }
    match read_file(c.config.as_deref())?.log_format {
        None => Ok(crate::logging::LogFormat::default()),
        Some(raw) => crate::logging::LogFormat::parse(&raw).with_context(|| {
            format!("log_format in the config file must be text or json, not {raw:?}")
        }),
    }
}

/// Resolves settings for `migrate` (only the database matters).
pub fn resolve_common(c: &CommonArgs) -> anyhow::Result<(FileConfig, String)> {
    let file = read_file(c.config.as_deref())?;
    let url = c
        .database_url
        .clone()
        .or_else(|| file.database_url.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
    check_database_url(&url)?;
    Ok((file, url))
}

/// Refuses a database URL of an engine gobiz does not speak, naming its scheme only (the
/// rest of a URL may hold a password).
pub fn check_database_url(url: &str) -> anyhow::Result<()> {
    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme {
        Some("sqlite" | "postgres" | "postgresql") => Ok(()),
        Some(other) => {
            bail!("unsupported database URL scheme `{other}` (use sqlite:// or postgres://)")
        }
        None => {
            bail!("the database URL has no scheme (use sqlite://PATH or postgres://USER@HOST/DB)")
        }
    }
}

/// Checks that a listen address has the form `HOST:PORT` (`127.0.0.1:8080`, `[::1]:0`,
/// `localhost:8080`) before anything else happens.
pub fn check_listen(listen: &str) -> anyhow::Result<()> {
    let valid = listen.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty() && !port.is_empty() && port.parse::<u16>().is_ok()
    });
    if !valid {
        bail!(
            "--listen (GOBIZ_LISTEN) must have the form HOST:PORT, e.g. 127.0.0.1:8080 or \
             0.0.0.0:8080 (port 0 picks a free port), not `{listen}`"
        );
    }
    Ok(())
}

/// Resolves settings for `serve`.
pub fn resolve_serve(a: &ServeArgs) -> anyhow::Result<Settings> {
    let (file, database_url) = resolve_common(&a.common)?;
    let mode_raw = a
        .mode
        .clone()
        .or(file.mode)
        .unwrap_or_else(|| "sandbox".into());
    let Some(mode) = Mode::parse(&mode_raw) else {
        bail!("--mode must be sandbox or production, not {mode_raw}");
    };
    let ttl = file.access_token_ttl_secs.unwrap_or(3599);
    if !(60..=86_400).contains(&ttl) {
        bail!("access_token_ttl_secs must be 60..=86400");
    }
    let mut webhooks = gobiz_webhooks::WebhookConfig {
        production: mode == Mode::Production,
        ..gobiz_webhooks::WebhookConfig::default()
    };
    let schedule = match &a.webhook_retry_schedule_ms {
        Some(list) => Some(
            list.split(',')
                .map(|v| v.trim().parse::<i64>())
                .collect::<Result<Vec<_>, _>>()
                .context("--webhook-retry-schedule-ms must be comma-separated integers")?,
        ),
        None => file.webhook_retry_schedule_ms.clone(),
    };
    if let Some(s) = schedule {
        if s.len() != 5 || s.iter().any(|v| *v < 0) {
            bail!("the webhook retry schedule needs five non-negative values");
        }
        webhooks.schedule_ms = s;
    }
    // Out-of-range values are refused, never silently raised or cut: an operator who asked
    // for 0 concurrent requests should learn it means nothing, not get 1.
    if let Some(t) = a.webhook_timeout_ms.or(file.webhook_timeout_ms) {
        if !(1..=600_000).contains(&t) {
            bail!("webhook_timeout_ms (--webhook-timeout-ms) must be 1 to 600000, got {t}");
        }
        webhooks.timeout = std::time::Duration::from_millis(t);
    }
    if let Some(l) = a.webhook_lease_ms.or(file.webhook_lease_ms) {
        if !(1..=86_400_000).contains(&l) {
            bail!("webhook_lease_ms (--webhook-lease-ms) must be 1 to 86400000, got {l}");
        }
        webhooks.lease_ms = l;
    }
    if let Some(c) = a.webhook_concurrency.or(file.webhook_concurrency) {
        if !(1..=4096).contains(&c) {
            bail!("webhook_concurrency (--webhook-concurrency) must be 1 to 4096, got {c}");
        }
        webhooks.concurrency = c;
    }
    if let Some(path) = a.webhook_ca_file.clone().or(file.webhook_ca_file) {
        webhooks.extra_roots =
            gobiz_webhooks::send::load_ca_file(&path).map_err(anyhow::Error::msg)?;
    }
    let catalog_mapping_delay_ms = a
        .catalog_mapping_delay_ms
        .or(file.catalog_mapping_delay_ms)
        .unwrap_or(1000)
        .clamp(0, 3_600_000);
    let auto_driver_secs = a.auto_driver_secs.or(file.auto_driver_secs).unwrap_or(0);
    if !(0..=86_400).contains(&auto_driver_secs) {
        anyhow::bail!("auto_driver_secs must be 0 (off) to 86400, got {auto_driver_secs}");
    }
    let listen = a
        .listen
        .clone()
        .or(file.listen)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    check_listen(&listen)?;
    Ok(Settings {
        webhooks,
        catalog_mapping_delay_ms,
        auto_driver_ms: auto_driver_secs * 1000,
        secret_key: a
            .secret_key
            .clone()
            .or(file.secret_key)
            .filter(|k| !k.is_empty()),
        listen,
        database_url,
        mode,
        admin_token: a
            .admin_token
            .clone()
            .or(file.admin_token)
            .filter(|t| !t.is_empty()),
        public_base_url: a.public_base_url.clone().or(file.public_base_url),
        sandbox: file.sandbox.unwrap_or(true),
        access_token_ttl_secs: ttl,
    })
}

/// The file path of an SQLite URL (`None` for other engines and in-memory databases).
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// `host:port` of a PostgreSQL URL, for error messages (user and password left out).
pub fn postgres_address(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, p),
        _ => (hostport, "5432"),
    };
    let host = if host.is_empty() { "localhost" } else { host };
    Some(format!("{host}:{port}"))
}

/// Creates the folder of an SQLite database file when missing; refuses a path that is a
/// folder itself.
pub fn ensure_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    if Path::new(path).is_dir() {
        bail!(
            "the SQLite database path {path} is a folder; name a file, e.g. sqlite://{}/gobiz.db",
            path.trim_end_matches('/')
        );
    }
    // SQLite opens a file it may not write read-only without a word; writes would fail later.
    if Path::new(path).is_file() {
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
            bail!("the SQLite database {path} is not writable: {e}");
        }
    }
    if let Some(parent) = Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create database folder {}", parent.display()))?;
        }
    }
    Ok(())
}

/// Makes sure an SQLite URL creates the file when missing.
pub fn with_create_mode(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_string()
    }
}
