//! `gobiz-bench`: load generators that print figures.
//!
//! `cargo run --release -p gobiz-bench -- token` starts `gobiz serve` (the release binary next
//! to this one) on a fresh SQLite database (or `--database-url`), creates a partner and client
//! through the sandbox API, then calls `POST /oauth2/token` from `--connections` concurrent
//! clients for `--seconds` and prints requests/second and latency percentiles. `--url` targets
//! an already running server instead (with `--admin-token`).

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[derive(Parser)]
#[command(name = "gobiz-bench")]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Client-credentials token endpoint throughput.
    Token(Target),
    /// Wrong client secrets in parallel: server RSS per round, and correct token requests'
    /// latency during the flood next to a baseline without it.
    TokenFlood(token_flood::FloodBench),
    /// `GET /integrations/partner/v1/linked-outlets` throughput with one token.
    LinkedOutlets(Target),
    /// Webhook deliveries/second and event-to-delivery latency to a loopback receiver, then a
    /// backlog drain after an outage (moves the server's sandbox clock forward one hour).
    Webhooks(WebhookBench),
    /// Catalog sync of a large menu, and GET v2/catalog against a bare axum baseline.
    Catalog(Target),
    /// QRIS creates/second with fresh keys, and replays/second with one key.
    Payments(Target),
    /// MokaPOS reports over 30 days × 2,000 sales/day, and paging through every transaction.
    Moka(MokaBench),
    /// Mixed traffic at a fixed rate for minutes: errors, p99 per operation, server RSS.
    Soak(SoakBench),
    /// Console pages' latency over many orders and deliveries, and the live feed's memory.
    Console(ConsoleBench),
    /// Fills a `serve --demo` database with many orders, deliveries and outlets (issue 20).
    Load(load::LoadArgs),
    /// p50 of five requests on a fresh and on a loaded database, and their query plans.
    Scale(scale::ScaleArgs),
    /// For bench/peers/run.sh: push the 300-item catalog to a `serve --demo`, save the bodies.
    PeersSetup(peers::Setup),
    /// For bench/peers/run.sh: a bare axum handler serving saved bytes (the ceiling).
    PeersBaseline(peers::Baseline),
}

#[derive(clap::Args, Clone)]
struct ConsoleBench {
    #[command(flatten)]
    server: ServerArgs,
    /// Orders to load into the seeded outlet.
    #[arg(long, default_value_t = 10_000, value_parser = positive_count, allow_negative_numbers = true)]
    orders: usize,
    /// Webhook subscriptions to a receiver that is down (each event leaves one delivery per subscription of its name).
    #[arg(long, default_value_t = 20)]
    subscriptions: usize,
    /// Requests per page.
    #[arg(long, default_value_t = 100, value_parser = positive_count, allow_negative_numbers = true)]
    rounds: usize,
    /// Orders per second during the live-feed run.
    #[arg(long, default_value_t = 50, value_parser = positive, allow_negative_numbers = true)]
    live_rate: u64,
    /// Length of the live-feed run.
    #[arg(long, default_value_t = 60, value_parser = positive, allow_negative_numbers = true)]
    live_seconds: u64,
}

#[derive(clap::Args, Clone)]
struct SoakBench {
    #[command(flatten)]
    server: ServerArgs,
    /// Duration of the load.
    #[arg(long, default_value_t = 10, value_parser = positive, allow_negative_numbers = true)]
    minutes: u64,
    /// Requests per second (the webhooks come on top).
    #[arg(long, default_value_t = 60, value_parser = positive, allow_negative_numbers = true)]
    rate: u64,
    /// Seconds between two progress lines.
    #[arg(long, default_value_t = 30, value_parser = positive, allow_negative_numbers = true)]
    report_secs: u64,
}

#[derive(clap::Args, Clone)]
struct MokaBench {
    #[command(flatten)]
    target: Target,
    /// Days of sales.
    #[arg(long, default_value_t = 30)]
    days: i64,
    /// Sales per day.
    #[arg(long, default_value_t = 2000)]
    per_day: i64,
}

#[derive(clap::Args, Clone)]
struct WebhookBench {
    #[command(flatten)]
    target: Target,
    /// Events pushed as fast as possible for the throughput figure (by --connections
    /// concurrent clients), and again for the drain, while the receiver answers 503.
    #[arg(long, default_value_t = 5000, value_parser = positive_count, allow_negative_numbers = true)]
    events: usize,
    /// Event rate of the latency run (events/second, for --seconds).
    #[arg(long, default_value_t = 200, value_parser = positive, allow_negative_numbers = true)]
    rate: u64,
    /// Subscriptions of the event, each to its own receiver path: every event fans out to
    /// this many deliveries (1 measures event creation and delivery together; more measures
    /// the dispatcher's share).
    #[arg(long, default_value_t = 1, value_parser = positive_count, allow_negative_numbers = true)]
    subscriptions: usize,
}

/// A whole number of at least 1 (durations, rates), refused with a plain message otherwise.
pub(crate) fn positive(raw: &str) -> Result<u64, String> {
    match raw.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_owned()),
    }
}

/// Like [`positive`], for counts (connections, rounds).
pub(crate) fn positive_count(raw: &str) -> Result<usize, String> {
    positive(raw).and_then(|n| usize::try_from(n).map_err(|_| "too large".to_owned()))
}

/// The server a benchmark talks to.
#[derive(clap::Args, Clone)]
struct ServerArgs {
    /// A running server (else one is started; server RSS, where reported, needs one started here).
    #[arg(long)]
    url: Option<String>,
    /// Admin token of the running server.
    #[arg(long, default_value = "bench-admin-token")]
    admin_token: String,
    /// Database for the started server (default: a fresh SQLite file).
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(clap::Args, Clone)]
struct Target {
    #[command(flatten)]
    server: ServerArgs,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32, value_parser = positive_count, allow_negative_numbers = true)]
    connections: usize,
    /// Duration of the measurement.
    #[arg(long, default_value_t = 10, value_parser = positive, allow_negative_numbers = true)]
    seconds: u64,
}

struct Server {
    base: String,
    /// The server's process id, when it was started here.
    pid: Option<u32>,
    _child: Option<Child>,
}

async fn start(t: &ServerArgs) -> anyhow::Result<Server> {
    if let Some(url) = &t.url {
        return Ok(Server {
            base: url.trim_end_matches('/').to_string(),
            pid: None,
            _child: None,
        });
    }
    let bin = std::env::current_exe()?.with_file_name("gobiz");
    if !bin.exists() {
        bail!(
            "{} not found: build it with cargo build --release -p gobiz",
            bin.display()
        );
    }
    let db = match &t.database_url {
        Some(u) => u.clone(),
        None => {
            let dir =
                std::env::temp_dir().join(format!("gobiz-bench-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir)?;
            format!("sqlite://{}/gobiz.db?mode=rwc", dir.display())
        }
    };
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db,
            "--admin-token",
            &t.admin_token,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next_line()
            .await?
            .context("server exited before listening")?;
        if let Some(addr) = line.strip_prefix("gobiz listening on ") {
            break addr.to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Server {
        base,
        pid: child.id(),
        _child: Some(child),
    })
}

async fn admin(
    http: &reqwest::Client,
    s: &Server,
    token: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    admin_at(http, &s.base, token, path, body).await
}

/// `POST {base}{path}` with the admin token; the JSON answer of a 2xx, else an error.
pub(crate) async fn admin_at(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let resp = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .with_context(|| {
            format!("cannot reach the server at {base} (is it running, and is --url right?)")
        })?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    if !status.is_success() {
        bail!("{path}: {status} {v}");
    }
    Ok(v)
}

/// `POST /sandbox/v1/seed` with the target's admin token: the answer.
async fn seed(http: &reqwest::Client, s: &Server, t: &Target) -> anyhow::Result<Value> {
    admin(
        http,
        s,
        &t.server.admin_token,
        "/sandbox/v1/seed",
        json!({}),
    )
    .await
}

/// One client-credentials token request for `partner:outlet:read`: whether it succeeded
/// (answer read to the end).
pub(crate) async fn token_ok(http: &reqwest::Client, url: &str, id: &str, secret: &str) -> bool {
    match http
        .post(url)
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "partner:outlet:read"),
        ])
        .send()
        .await
    {
        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// Serves `app` on a loopback port of its own (a webhook receiver, a baseline): its address.
pub(crate) async fn serve_local(app: axum::Router) -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

/// Subscribes the token's partner to `event`, delivered to `url`.
pub(crate) async fn subscribe(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    event: &str,
    url: &str,
) -> anyhow::Result<()> {
    let r = http
        .post(format!(
            "{base}/integrations/partner/v1/notification-subscriptions"
        ))
        .bearer_auth(token)
        .json(&json!({ "event": event, "url": url }))
        .send()
        .await?;
    anyhow::ensure!(
        r.status().is_success(),
        "subscribe {event}: {}",
        r.text().await?
    );
    Ok(())
}

/// `(client_id, client_secret)` of `data.client` (of a seed, or of a new client).
pub(crate) fn client_of(data: &Value) -> anyhow::Result<(String, String)> {
    let field = |name: &str| -> anyhow::Result<String> {
        Ok(data["client"][name]
            .as_str()
            .with_context(|| name.to_string())?
            .to_string())
    };
    Ok((field("client_id")?, field("client_secret")?))
}

/// Creates a seeded facilitator (via `/sandbox/v1/seed`) and returns (client_id, secret).
async fn fixture(
    http: &reqwest::Client,
    s: &Server,
    t: &Target,
) -> anyhow::Result<(String, String)> {
    client_of(&seed(http, s, t).await?["data"])
}

#[derive(Default)]
pub(crate) struct Stats {
    ok: u64,
    failed: u64,
    latencies_us: Vec<u64>,
}

/// Which requests' latencies [`hammer_timing`] keeps.
#[derive(Clone, Copy)]
pub(crate) enum Timed {
    All,
    /// Only the successful ones (a quick refusal would flatter the figures).
    Successes,
}

/// `make()` in a loop on `connections` tasks for `seconds`; every latency kept.
pub(crate) async fn hammer<F, Fut>(connections: usize, seconds: u64, make: F) -> Stats
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    hammer_timing(connections, seconds, Timed::All, make).await
}

/// Like [`hammer`], keeping the latencies that `timed` says.
pub(crate) async fn hammer_timing<F, Fut>(
    connections: usize,
    seconds: u64,
    timed: Timed,
    make: F,
) -> Stats
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let ok = make().await;
                if ok {
                    s.ok += 1;
                } else {
                    s.failed += 1;
                }
                if ok || matches!(timed, Timed::All) {
                    s.latencies_us.push(t0.elapsed().as_micros() as u64);
                }
            }
            s
        }));
    }
    let mut all = Stats::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.ok += s.ok;
            all.failed += s.failed;
            all.latencies_us.extend(s.latencies_us);
        }
    }
    all
}

/// The `p` quantile (0 to 1) of `sorted` latencies in µs, in ms; 0 when there are none.
pub(crate) fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

pub(crate) fn report_raw(name: &str, seconds: u64, connections: usize, mut s: Stats) -> f64 {
    s.latencies_us.sort_unstable();
    let rps = s.ok as f64 / seconds as f64;
    println!(
        "{name}: {} ok, {} failed in {} s with {} connections -> {:.0} requests/second; latency ms p50 {:.2} p90 {:.2} p99 {:.2}",
        s.ok,
        s.failed,
        seconds,
        connections,
        rps,
        pct(&s.latencies_us, 0.5),
        pct(&s.latencies_us, 0.9),
        pct(&s.latencies_us, 0.99)
    );
    rps
}

fn report(name: &str, t: &Target, s: Stats) {
    report_raw(name, t.seconds, t.connections, s);
}

/// A new client of the seeded partner with `scopes`, and a token for all of them; returns
/// (the seed's `data`, token).
async fn seeded_token(
    http: &reqwest::Client,
    s: &Server,
    t: &Target,
    scopes: &[&str],
) -> anyhow::Result<(Value, String)> {
    let v = seed(http, s, t).await?;
    let partner = v["data"]["partner"]["id"].as_str().context("partner")?;
    let c = admin(
        http,
        s,
        &t.server.admin_token,
        &format!("/sandbox/v1/partners/{partner}/clients"),
        json!({ "allowed_scopes": scopes }),
    )
    .await?;
    let (id, secret) = client_of(&c["data"])?;
    let token = client_token(http, &s.base, &id, &secret, &scopes.join(" ")).await?;
    Ok((v["data"].clone(), token))
}

/// A client-credentials access token.
pub(crate) async fn client_token(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    secret: &str,
    scope: &str,
) -> anyhow::Result<String> {
    let v: Value = http
        .post(format!("{base}/oauth2/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await?
        .json()
        .await?;
    Ok(v["access_token"]
        .as_str()
        .context("access_token")?
        .to_string())
}

mod catalog;
mod console;
mod load;
mod moka;
mod peers;
mod scale;
mod soak;
mod token_flood;
mod webhooks;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gobiz-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    match cli.what {
        What::PeersSetup(p) => peers::setup(&http, &p).await?,
        What::PeersBaseline(b) => peers::baseline(&b).await?,
        What::Token(t) => {
            let s = start(&t.server).await?;
            let (id, secret) = fixture(&http, &s, &t).await?;
            let url = format!("{}/oauth2/token", s.base);
            let stats = hammer(t.connections, t.seconds, move || {
                let (http, url, id, secret) =
                    (http.clone(), url.clone(), id.clone(), secret.clone());
                async move { token_ok(&http, &url, &id, &secret).await }
            })
            .await;
            report("POST /oauth2/token (client_credentials)", &t, stats);
        }
        What::TokenFlood(b) => token_flood::run(&http, &b).await?,
        What::Load(l) => load::load(&http, &l.database_url, &l.admin_token, l.sizes).await?,
        What::Scale(a) => scale::run(&http, &a).await?,
        What::LinkedOutlets(t) => {
            let s = start(&t.server).await?;
            let (id, secret) = fixture(&http, &s, &t).await?;
            let token =
                crate::client_token(&http, &s.base, &id, &secret, "partner:outlet:read").await?;
            let url = format!("{}/integrations/partner/v1/linked-outlets", s.base);
            let stats = hammer(t.connections, t.seconds, move || {
                let (http, url, token) = (http.clone(), url.clone(), token.clone());
                async move {
                    match http.get(&url).bearer_auth(&token).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            report("GET /integrations/partner/v1/linked-outlets", &t, stats);
        }
        What::Catalog(t) => {
            let s = start(&t.server).await?;
            let v = seed(&http, &s, &t).await?;
            catalog::run(&http, &s.base, &v["data"], t.connections, t.seconds).await?;
        }
        What::Payments(t) => {
            let s = start(&t.server).await?;
            let (seeded, token) = seeded_token(
                &http,
                &s,
                &t,
                &["payment:transaction:read", "payment:transaction:write"],
            )
            .await?;
            let outlet = seeded["outlet"]["id"].as_str().context("outlet")?;
            let url = format!(
                "{}/integrations/payment/outlets/{outlet}/v2/transactions",
                s.base
            );
            let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let (h, u, tk, n) = (http.clone(), url.clone(), token.clone(), counter.clone());
            let stats = hammer(t.connections, t.seconds, move || {
                let (h, u, tk) = (h.clone(), u.clone(), tk.clone());
                let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                async move {
                    let body = json!({ "payment_type": "qris",
                        "transaction_details": { "order_id": format!("bench-{i}"), "gross_amount": 3000, "currency": "IDR" } });
                    match h.post(&u).bearer_auth(&tk).header("Idempotency-Key", format!("key-{i}")).json(&body).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            let creates = report_raw(
                "POST v2/transactions, fresh keys",
                t.seconds,
                t.connections,
                stats,
            );
            let (h, u, tk) = (http.clone(), url.clone(), token.clone());
            let stats = hammer(t.connections, t.seconds, move || {
                let (h, u, tk) = (h.clone(), u.clone(), tk.clone());
                async move {
                    let body = json!({ "payment_type": "qris",
                        "transaction_details": { "order_id": "bench-replay", "gross_amount": 3000, "currency": "IDR" } });
                    match h.post(&u).bearer_auth(&tk).header("Idempotency-Key", "replayed-key").json(&body).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            let replays = report_raw(
                "POST v2/transactions, one repeated key (replays)",
                t.seconds,
                t.connections,
                stats,
            );
            println!(
                "replays reach {:.1}x the create throughput",
                replays / creates.max(1.0)
            );
        }
        What::Moka(m) => {
            let t = &m.target;
            let s = start(&t.server).await?;
            let (seeded, token) = seeded_token(
                &http,
                &s,
                t,
                &["mokapos:reporting:read", "mokapos:transaction:read"],
            )
            .await?;
            // A fresh outlet of the seeded merchant (the seeded one has demo sales), linked.
            let merchant = seeded["merchant"]["id"].as_str().context("merchant")?;
            let o = admin(
                &http,
                &s,
                &t.server.admin_token,
                &format!("/sandbox/v1/merchants/{merchant}/outlets"),
                json!({ "name": "Bench outlet", "address": "Jl. Bench 1", "email": "bench@example.com" }),
            )
            .await?;
            let outlet = o["data"]["outlet"]["id"]
                .as_str()
                .context("outlet")?
                .to_string();
            admin(
                &http,
                &s,
                &t.server.admin_token,
                "/sandbox/v1/links",
                json!({ "user_id": seeded["user"]["id"], "partner_id": seeded["partner"]["id"],
                        "outlet_id": outlet, "product": "payment", "external_outlet_id": "bench-1" }),
            )
            .await?;
            moka::run(
                &http,
                &s.base,
                &t.server.admin_token,
                &outlet,
                &token,
                m.days,
                m.per_day,
                t.connections,
                t.seconds,
            )
            .await?;
        }
        What::Soak(k) => {
            let s = start(&k.server).await?;
            soak::run(
                &http,
                &s.base,
                &k.server.admin_token,
                s.pid,
                k.minutes,
                k.rate,
                k.report_secs,
            )
            .await?;
        }
        What::Console(c) => {
            let s = start(&c.server).await?;
            let t = Target {
                server: c.server.clone(),
                connections: 1,
                seconds: 1,
            };
            let v = seed(&http, &s, &t).await?;
            let plan = console::Plan {
                orders: c.orders,
                subscriptions: c.subscriptions,
                rounds: c.rounds,
                live_rate: c.live_rate,
                live_seconds: c.live_seconds,
            };
            console::run(
                &http,
                &s.base,
                &c.server.admin_token,
                &v["data"],
                s.pid,
                &plan,
            )
            .await?;
        }
        What::Webhooks(w) => {
            let s = start(&w.target.server).await?;
            let v = seed(&http, &s, &w.target).await?;
            webhooks::run(
                &http,
                &s.base,
                &w.target.server.admin_token,
                &v["data"],
                webhooks::Plan {
                    events: w.events,
                    rate: w.rate,
                    seconds: w.target.seconds,
                    subscriptions: w.subscriptions,
                    emitters: w.target.connections,
                },
            )
            .await?;
        }
    }
    Ok(())
}
