//! `gobiz-bench load` (issue 20, "flat at scale"): fills a database that `gobiz serve --demo`
//! sets up with `--orders` GoFood orders, `--deliveries` webhook deliveries and `--outlets`
//! outlets.
//!
//! A few real rows come first, through the API of a `gobiz serve --demo` started on the
//! database: the demo partner subscribes a loopback receiver to two order events, and a few
//! orders are placed in the demo outlet, accepted through the partner API and completed, so
//! each leaves two delivered webhooks (event, delivery, attempt). The server is then stopped
//! and those rows are cloned with `INSERT … SELECT` over a generated series (PostgreSQL
//! `generate_series`, SQLite a recursive CTE) in big statements: fresh ids and order numbers,
//! the outlet id and order number replaced inside the stored documents, the orders spread
//! over the outlets (every 100th in the demo outlet) and over the 90 days before the
//! templates. New outlets are clones of the demo outlet (own merchant, catalog, and a
//! `gofood` link to the demo partner). Run it once per database.

use crate::{admin_at, client_token, serve_local};
use anyhow::{bail, Context};
use serde_json::{json, Value};
use sqlx::{AnyConnection, Connection, Row};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Template orders placed through the API before cloning.
const TEMPLATES: usize = 4;
/// Every `DEMO_SHARE`-th cloned order belongs to the demo outlet.
const DEMO_SHARE: u64 = 100;
/// Cloned orders are spread over this many milliseconds before the templates.
const SPREAD_MS: i64 = 90 * 24 * 3600 * 1000;
/// Cloned order numbers start from `F-100000000` (the server's own format), past any
/// existing order number that would fall among them.
const FIRST_NUMBER: u64 = 100_000_000;
/// Rows per `INSERT … SELECT` statement.
const CHUNK: u64 = 100_000;
/// The events the template orders' webhooks are sent for (two deliveries per order).
pub(crate) const EVENTS: [&str; 2] = [
    "gofood.order.awaiting_merchant_acceptance",
    "gofood.order.merchant_accepted",
];
/// The scopes of the partner token the benchmarks use.
pub(crate) const SCOPES: &str =
    "partner:outlet:read gofood:order:read gofood:order:write gofood:catalog:read";

/// `gobiz-bench load` arguments.
#[derive(clap::Args, Clone)]
pub(crate) struct LoadArgs {
    /// Database to fill (`sqlite://…` or `postgres://…`); `gobiz serve --demo` sets it up first.
    #[arg(long)]
    pub database_url: String,
    /// Admin token for the server started on it.
    #[arg(long, default_value = "bench-admin-token")]
    pub admin_token: String,
    #[command(flatten)]
    pub sizes: Sizes,
}

/// How much to load.
#[derive(clap::Args, Clone, Copy)]
pub(crate) struct Sizes {
    /// GoFood orders to add.
    #[arg(long, default_value_t = 1_000_000)]
    pub orders: u64,
    /// Webhook deliveries to add (each with its event and one attempt).
    #[arg(long, default_value_t = 2_000_000)]
    pub deliveries: u64,
    /// Outlets in all, the demo outlet included.
    #[arg(long, default_value_t = 10_000)]
    pub outlets: u64,
}

/// A `gobiz serve --demo` started here, and the demo identities it printed.
pub(crate) struct DemoServer {
    pub base: String,
    pub outlet: String,
    pub client_id: String,
    pub client_secret: String,
    child: Child,
}

impl DemoServer {
    /// Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Starts `gobiz serve --demo` (the release binary next to this one) on `url`; with `log`,
/// its stderr goes there as JSON lines with every SQL statement (`sqlx::query=debug` for
/// PostgreSQL, `gobiz_store::query=debug` for SQLite).
pub(crate) async fn start_demo(
    url: &str,
    admin: &str,
    log: Option<&Path>,
) -> anyhow::Result<DemoServer> {
    let bin = std::env::current_exe()?.with_file_name("gobiz");
    if !bin.exists() {
        bail!(
            "{} not found: build it with cargo build --release -p gobiz",
            bin.display()
        );
    }
    let mut cmd = Command::new(bin);
    cmd.args([
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        url,
        "--admin-token",
        admin,
    ])
    .stdout(Stdio::piped())
    .kill_on_drop(true);
    match log {
        Some(path) => {
            cmd.args(["--log-format", "json"])
                .env(
                    "RUST_LOG",
                    "warn,sqlx::query=debug,gobiz_store::query=debug",
                )
                .stderr(Stdio::from(std::fs::File::create(path)?));
        }
        None => {
            cmd.env("RUST_LOG", "warn").stderr(Stdio::inherit());
        }
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut outlet, mut client_id, mut client_secret) = (None, None, None);
    let field = |line: &str, name: &str| {
        line.trim()
            .strip_prefix(name)
            .map(|rest| rest.trim().to_string())
    };
    let base = loop {
        let line = lines
            .next_line()
            .await?
            .context("server exited before listening")?;
        if let Some(addr) = line.strip_prefix("gobiz listening on ") {
            break addr.to_string();
        }
        outlet = outlet.or_else(|| field(&line, "outlet id"));
        client_id = client_id.or_else(|| field(&line, "client id"));
        client_secret = client_secret.or_else(|| field(&line, "client secret"));
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(DemoServer {
        base,
        outlet: outlet.context("no demo outlet id printed")?,
        client_id: client_id.context("no demo client id printed")?,
        client_secret: client_secret.context("no demo client secret printed")?,
        child,
    })
}

/// `http://addr/hook`: a loopback webhook receiver answering 200 `ok`.
pub(crate) async fn receiver() -> anyhow::Result<String> {
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    Ok(format!("http://{}/hook", serve_local(app).await?))
}

/// Subscribes the token's partner to `event` at `url`: the subscription's id.
pub(crate) async fn subscribe_id(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    event: &str,
    url: &str,
) -> anyhow::Result<String> {
    let v: Value = http
        .post(format!(
            "{base}/integrations/partner/v1/notification-subscriptions"
        ))
        .bearer_auth(token)
        .json(&json!({ "event": event, "url": url }))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["data"]["subscription"]["id"]
        .as_str()
        .with_context(|| format!("subscribe {event}: {v}"))?
        .to_string())
}

/// Deletes the token partner's subscription `id`.
pub(crate) async fn unsubscribe(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
) -> anyhow::Result<()> {
    let r = http
        .delete(format!(
            "{base}/integrations/partner/v1/notification-subscriptions/{id}"
        ))
        .bearer_auth(token)
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "unsubscribe {id}: {}", r.status());
    Ok(())
}

/// Sets the outlet's acceptance mode (`manual` or `auto_accept`).
pub(crate) async fn acceptance(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    outlet: &str,
    mode: &str,
) -> anyhow::Result<()> {
    let r = http
        .patch(format!("{base}/sandbox/v1/outlets/{outlet}"))
        .bearer_auth(admin)
        .json(&json!({ "acceptance_mode": mode }))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "acceptance mode: {}", r.status());
    Ok(())
}

/// Places one order (pizza with cheese, delivery) as the sandbox customer: its number.
pub(crate) async fn place(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    outlet: &str,
) -> anyhow::Result<String> {
    let body = json!({ "items": [ { "external_id": "XID", "quantity": 1, "variants": [ { "external_id": "V-XID" } ] } ], "order_type": "delivery" });
    let v = admin_at(
        http,
        base,
        admin,
        &format!("/sandbox/v1/outlets/{outlet}/orders"),
        body,
    )
    .await?;
    Ok(v["data"]["order"]["order"]["order_number"]
        .as_str()
        .context("order_number")?
        .to_string())
}

/// The partner API's accept of a delivery order: whether it answered 2xx.
pub(crate) async fn accept(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    outlet: &str,
    number: &str,
) -> bool {
    match http
        .put(format!(
            "{base}/integrations/gofood/outlets/{outlet}/v1/orders/delivery/{number}/accepted"
        ))
        .bearer_auth(token)
        .send()
        .await
    {
        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// The engine behind a database URL.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine of `url`.
    pub fn of(url: &str) -> anyhow::Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres") {
            Ok(Engine::Postgres)
        } else {
            bail!("unsupported database URL: {url}")
        }
    }

    /// `(prefix, from-item)` of `INSERT … SELECT` over `s.g` in `from..to`.
    fn series(self, from: u64, to: u64) -> (String, String) {
        match self {
            Engine::Sqlite => (
                format!("WITH RECURSIVE s(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM s WHERE g + 1 < {to}) "),
                "s".to_string(),
            ),
            Engine::Postgres => (
                String::new(),
                format!("generate_series({from}::bigint, {to}::bigint - 1) AS s(g)"),
            ),
        }
    }

    /// `expr` in 12 lowercase hex digits.
    fn hex12(self, expr: &str) -> String {
        match self {
            Engine::Sqlite => format!("printf('%012x', {expr})"),
            Engine::Postgres => format!("lpad(to_hex({expr}), 12, '0')"),
        }
    }

    /// A UUID-shaped id: `{first}0000000-0000-4000-8000-` and `expr` in hex.
    fn uuid(self, first: char, expr: &str) -> String {
        format!("('{first}0000000-0000-4000-8000-' || {})", self.hex12(expr))
    }
}

/// Connects to `url` with sqlx (no pool).
pub(crate) async fn connect(url: &str) -> anyhow::Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    Ok(AnyConnection::connect(url).await?)
}

async fn exec(c: &mut AnyConnection, sql: &str) -> anyhow::Result<u64> {
    Ok(sqlx::query(sql)
        .execute(&mut *c)
        .await
        .with_context(|| sql.chars().take(300).collect::<String>())?
        .rows_affected())
}

async fn scalar_i64(c: &mut AnyConnection, sql: &str) -> anyhow::Result<i64> {
    let row = sqlx::query(sql)
        .fetch_one(&mut *c)
        .await
        .context(sql.to_string())?;
    Ok(row.try_get::<i64, _>(0)?)
}

async fn scalar_text(c: &mut AnyConnection, sql: &str) -> anyhow::Result<String> {
    let row = sqlx::query(sql)
        .fetch_one(&mut *c)
        .await
        .context(sql.to_string())?;
    Ok(row.try_get::<String, _>(0)?)
}

/// Places, accepts and completes the template orders through the API: their numbers and
/// the demo identities.
async fn templates(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
) -> anyhow::Result<(Vec<String>, String)> {
    let s = start_demo(url, admin, None).await?;
    let result = async {
        let token = client_token(http, &s.base, &s.client_id, &s.client_secret, SCOPES).await?;
        let hook = receiver().await?;
        let mut subs = Vec::new();
        for e in EVENTS {
            subs.push(subscribe_id(http, &s.base, &token, e, &hook).await?);
        }
        acceptance(http, &s.base, admin, &s.outlet, "manual").await?;
        let mut numbers = Vec::new();
        for _ in 0..TEMPLATES {
            let n = place(http, &s.base, admin, &s.outlet).await?;
            anyhow::ensure!(
                accept(http, &s.base, &token, &s.outlet, &n).await,
                "accept {n}"
            );
            admin_at(
                http,
                &s.base,
                admin,
                &format!("/sandbox/v1/orders/{n}/advance"),
                json!({ "to": "COMPLETED" }),
            )
            .await?;
            numbers.push(n);
        }
        acceptance(http, &s.base, admin, &s.outlet, "auto_accept").await?;
        // Every template delivery delivered (the dispatcher runs in the server).
        let mut c = connect(url).await?;
        let list = quoted(&numbers);
        let want = (TEMPLATES * EVENTS.len()) as i64;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let done = scalar_i64(
                &mut c,
                &format!("SELECT COUNT(*) FROM deliveries WHERE entity_id IN ({list}) AND status = 'delivered'"),
            )
            .await?;
            if done >= want {
                break;
            }
            if Instant::now() > deadline {
                bail!("template deliveries not delivered within 60 s ({done} of {want})");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        c.close().await?;
        for id in subs {
            unsubscribe(http, &s.base, &token, &id).await?;
        }
        Ok::<_, anyhow::Error>((numbers, s.outlet.clone()))
    }
    .await;
    s.stop().await;
    result
}

/// The first of `n` consecutive order numbers from [`FIRST_NUMBER`] on that no order has.
async fn free_numbers(c: &mut AnyConnection, n: u64) -> anyhow::Result<u64> {
    let mut taken: Vec<u64> = sqlx::query("SELECT order_number FROM orders")
        .fetch_all(&mut *c)
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .filter_map(|s| s.strip_prefix("F-").and_then(|d| d.parse().ok()))
        .collect();
    taken.sort_unstable();
    let mut first = FIRST_NUMBER;
    for v in taken {
        if v >= first && v < first + n {
            first = v + 1;
        }
    }
    anyhow::ensure!(first + n <= 1_000_000_000, "no room for {n} order numbers");
    Ok(first)
}

fn quoted(list: &[String]) -> String {
    list.iter()
        .map(|n| format!("'{}'", n.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `make(from, to)` for each chunk of `0..total`, printing the rate as it goes.
async fn chunked(
    c: &mut AnyConnection,
    what: &str,
    total: u64,
    make: impl Fn(u64, u64) -> String,
) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let mut done = 0;
    while done < total {
        let to = (done + CHUNK).min(total);
        exec(c, &make(done, to)).await?;
        done = to;
        let secs = t0.elapsed().as_secs_f64();
        eprint!(
            "\r  {what}: {done} of {total} ({:.0} rows/s)   ",
            done as f64 / secs.max(1e-3)
        );
    }
    eprintln!();
    println!(
        "  {what}: {total} rows in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Fills the database at `url` (see the module doc); prints the time each table took.
pub(crate) async fn load(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
    sizes: Sizes,
) -> anyhow::Result<()> {
    let engine = Engine::of(url)?;
    let t0 = Instant::now();
    let (numbers, demo) = templates(http, url, admin).await?;
    println!(
        "load: {TEMPLATES} template orders placed, accepted and completed through the API in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let mut c = connect(url).await?;
    match engine {
        Engine::Sqlite => {
            for p in [
                "PRAGMA synchronous = OFF",
                "PRAGMA cache_size = -400000",
                "PRAGMA temp_store = MEMORY",
            ] {
                exec(&mut c, p).await?;
            }
        }
        Engine::Postgres => {
            exec(&mut c, "SET synchronous_commit = off").await?;
        }
    }
    let list = quoted(&numbers);
    let per_order = scalar_i64(
        &mut c,
        &format!(
            "SELECT COUNT(*) FROM deliveries WHERE entity_id IN ({list}) AND event_name IN ({})",
            quoted(&EVENTS.map(String::from))
        ),
    )
    .await? as u64
        / TEMPLATES as u64;
    anyhow::ensure!(per_order >= 1, "the template orders left no deliveries");
    // Template tables: bt_orders(k, …), bt_deliv(k, j, …), bt_events(k, j, …), bt_attempts(k, j, …).
    for t in ["bt_orders", "bt_deliv", "bt_events", "bt_attempts"] {
        exec(&mut c, &format!("DROP TABLE IF EXISTS {t}")).await?;
    }
    exec(
        &mut c,
        "CREATE TEMP TABLE bt_orders AS SELECT 0 AS k, o.* FROM orders o WHERE 1 = 0",
    )
    .await?;
    exec(
        &mut c,
        "CREATE TEMP TABLE bt_deliv AS SELECT 0 AS k, 0 AS j, d.* FROM deliveries d WHERE 1 = 0",
    )
    .await?;
    exec(
        &mut c,
        "CREATE TEMP TABLE bt_events AS SELECT 0 AS k, 0 AS j, e.* FROM events e WHERE 1 = 0",
    )
    .await?;
    exec(&mut c, "CREATE TEMP TABLE bt_attempts AS SELECT 0 AS k, 0 AS j, a.* FROM delivery_attempts a WHERE 1 = 0").await?;
    for (k, n) in numbers.iter().enumerate() {
        exec(
            &mut c,
            &format!(
                "INSERT INTO bt_orders SELECT {k}, o.* FROM orders o WHERE order_number = '{n}'"
            ),
        )
        .await?;
        let ids: Vec<String> = sqlx::query(&format!(
            "SELECT id FROM deliveries WHERE entity_id = '{n}' AND event_name IN ({}) ORDER BY created_at, id",
            quoted(&EVENTS.map(String::from))
        ))
        .fetch_all(&mut c)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
        for (j, id) in ids.iter().take(per_order as usize).enumerate() {
            exec(
                &mut c,
                &format!(
                    "INSERT INTO bt_deliv SELECT {k}, {j}, d.* FROM deliveries d WHERE id = '{id}'"
                ),
            )
            .await?;
            exec(&mut c, &format!("INSERT INTO bt_events SELECT {k}, {j}, e.* FROM events e WHERE id = (SELECT event_id FROM deliveries WHERE id = '{id}')")).await?;
            exec(&mut c, &format!("INSERT INTO bt_attempts SELECT {k}, {j}, a.* FROM delivery_attempts a WHERE delivery_id = '{id}'")).await?;
        }
    }
    let demo_merchant = scalar_text(
        &mut c,
        &format!("SELECT merchant_id FROM outlets WHERE id = '{demo}'"),
    )
    .await?;
    let base_ts = scalar_i64(&mut c, "SELECT MIN(created_at) FROM bt_orders").await? - 60_000;
    let load_t0 = Instant::now();
    println!(
        "load: {} outlets, {} orders, {} deliveries ({} per order, each with its event and attempt)",
        sizes.outlets, sizes.orders, sizes.deliveries, per_order
    );

    // Outlets 1..outlets (0 is the demo outlet).
    let e = engine;
    let oid = |i: &str| format!("('G9' || CAST(10000000 + {i} AS TEXT))");
    let new_outlets = sizes.outlets.saturating_sub(1);
    let series_from_1 = |from: u64, to: u64| e.series(from + 1, to + 1);
    chunked(&mut c, "merchants", new_outlets, |from, to| {
        let (pre, src) = series_from_1(from, to);
        format!(
            "{pre}INSERT INTO merchants (id, name, created_at) SELECT {}, 'Bench merchant ' || CAST(s.g AS TEXT), m.created_at FROM {src} JOIN merchants m ON m.id = '{demo_merchant}'",
            e.uuid('a', "s.g")
        )
    })
    .await?;
    chunked(&mut c, "outlets", new_outlets, |from, to| {
        let (pre, src) = series_from_1(from, to);
        format!(
            "{pre}INSERT INTO outlets (id, merchant_id, name, address, email, status, acceptance_mode, force_close, qris_active, gopay_active, midtrans_active, pop_id, created_at, updated_at) \
             SELECT {}, {}, 'Bench outlet ' || CAST(s.g AS TEXT), o.address, 'outlet' || CAST(s.g AS TEXT) || '@bench.example', o.status, 'auto_accept', o.force_close, o.qris_active, o.gopay_active, o.midtrans_active, {}, o.created_at, o.updated_at \
             FROM {src} JOIN outlets o ON o.id = '{demo}'",
            oid("s.g"), e.uuid('a', "s.g"), e.uuid('b', "s.g")
        )
    })
    .await?;
    chunked(&mut c, "catalogs", new_outlets, |from, to| {
        let (pre, src) = series_from_1(from, to);
        let o = oid("s.g");
        format!(
            "{pre}INSERT INTO catalogs (outlet_id, document, read_json, etag, pushed_by, updated_at) \
             SELECT {o}, REPLACE(c.document, '{demo}', {o}), REPLACE(c.read_json, '{demo}', {o}), {}, c.pushed_by, c.updated_at \
             FROM {src} JOIN catalogs c ON c.outlet_id = '{demo}'",
            e.uuid('c', "s.g")
        )
    })
    .await?;
    chunked(&mut c, "outlet_links", new_outlets, |from, to| {
        let (pre, src) = series_from_1(from, to);
        format!(
            "{pre}INSERT INTO outlet_links (partner_id, outlet_id, product, external_outlet_id, created_at, updated_at, linked_at) \
             SELECT l.partner_id, {}, l.product, 'bench-outlet-' || CAST(s.g AS TEXT), l.created_at, l.updated_at, l.linked_at \
             FROM {src} JOIN outlet_links l ON l.outlet_id = '{demo}' AND l.product = 'gofood'",
            oid("s.g")
        )
    })
    .await?;

    // Orders: g in 0..orders; every DEMO_SHARE-th in the demo outlet, the others spread.
    let n_orders = sizes.orders.max(1);
    let step = (SPREAD_MS / n_orders as i64).max(1);
    let t = TEMPLATES as u64;
    let first = free_numbers(&mut c, sizes.orders).await?;
    let number = |g: &str| format!("('F-' || CAST({first} + {g} AS TEXT))");
    let outlet = |g: &str| {
        if new_outlets == 0 {
            format!("'{demo}'")
        } else {
            format!(
                "(CASE WHEN {g} % {DEMO_SHARE} = 0 THEN '{demo}' ELSE {} END)",
                oid(&format!("(1 + {g} % {new_outlets})"))
            )
        }
    };
    let ts = |g: &str| format!("({base_ts} - {g} * {step})");
    chunked(&mut c, "orders", sizes.orders, |from, to| {
        let (pre, src) = e.series(from, to);
        let (n, o, at) = (number("s.g"), outlet("s.g"), ts("s.g"));
        format!(
            "{pre}INSERT INTO orders (order_number, outlet_id, status, document, timer_due_at, version, created_at, updated_at) \
             SELECT {n}, {o}, t.status, REPLACE(REPLACE(t.document, t.order_number, {n}), '{demo}', {o}), NULL, t.version, {at}, {at} + (t.updated_at - t.created_at) \
             FROM {src} JOIN bt_orders t ON t.k = s.g % {t}"
        )
    })
    .await?;

    // Deliveries: d in 0..deliveries, of order g = (d / per_order) % orders, template j = d % per_order.
    let inner = |from: u64, to: u64| {
        let (pre, src) = e.series(from, to);
        (
            pre,
            format!("(SELECT s.g AS d, (s.g / {per_order}) % {n_orders} AS g, s.g % {per_order} AS j FROM {src}) x"),
        )
    };
    let (n, o, at) = (number("x.g"), outlet("x.g"), ts("x.g"));
    let (ev, dl, ik) = (e.uuid('e', "x.d"), e.uuid('d', "x.d"), e.uuid('f', "x.d"));
    chunked(&mut c, "events", sizes.deliveries, |from, to| {
        let (pre, x) = inner(from, to);
        format!(
            "{pre}INSERT INTO events (id, name, outlet_id, entity_id, request_id, payload, created_at) \
             SELECT {ev}, t.name, {o}, {n}, t.request_id, REPLACE(REPLACE(REPLACE(t.payload, bo.order_number, {n}), '{demo}', {o}), t.id, {ev}), {at} + (t.created_at - bo.created_at) \
             FROM {x} JOIN bt_events t ON t.k = x.g % {t} AND t.j = x.j JOIN bt_orders bo ON bo.k = t.k"
        )
    })
    .await?;
    chunked(&mut c, "deliveries", sizes.deliveries, |from, to| {
        let (pre, x) = inner(from, to);
        format!(
            "{pre}INSERT INTO deliveries (id, event_id, subscription_id, partner_id, event_name, entity_id, endpoint, idempotency_key, payload, headers, status, retries, next_attempt_at, lease_until, lease_owner, created_at, updated_at) \
             SELECT {dl}, {ev}, t.subscription_id, t.partner_id, t.event_name, {n}, t.endpoint, {ik}, \
             REPLACE(REPLACE(REPLACE(t.payload, bo.order_number, {n}), '{demo}', {o}), t.event_id, {ev}), REPLACE(t.headers, t.idempotency_key, {ik}), \
             t.status, t.retries, {at} + (t.next_attempt_at - bo.created_at), NULL, NULL, {at} + (t.created_at - bo.created_at), {at} + (t.updated_at - bo.created_at) \
             FROM {x} JOIN bt_deliv t ON t.k = x.g % {t} AND t.j = x.j JOIN bt_orders bo ON bo.k = t.k"
        )
    })
    .await?;
    chunked(&mut c, "delivery_attempts", sizes.deliveries, |from, to| {
        let (pre, x) = inner(from, to);
        format!(
            "{pre}INSERT INTO delivery_attempts (delivery_id, seq, at, status_code, exception_message, delivered, latency_ms, response_body) \
             SELECT {dl}, a.seq, {at} + (a.at - bo.created_at), a.status_code, a.exception_message, a.delivered, a.latency_ms, a.response_body \
             FROM {x} JOIN bt_attempts a ON a.k = x.g % {t} AND a.j = x.j JOIN bt_orders bo ON bo.k = a.k"
        )
    })
    .await?;
    for t in ["bt_orders", "bt_deliv", "bt_events", "bt_attempts"] {
        exec(&mut c, &format!("DROP TABLE IF EXISTS {t}")).await?;
    }
    let t_analyze = Instant::now();
    match engine {
        // What autovacuum would do on its own soon after such a load; and the checkpoint
        // that would otherwise write the load's pages out during the next measurement.
        Engine::Postgres => {
            exec(&mut c, "VACUUM (ANALYZE)").await?;
            println!(
                "  VACUUM (ANALYZE), as autovacuum would: {:.1} s",
                t_analyze.elapsed().as_secs_f64()
            );
            let t_checkpoint = Instant::now();
            exec(&mut c, "CHECKPOINT").await?;
            println!(
                "  CHECKPOINT: {:.1} s",
                t_checkpoint.elapsed().as_secs_f64()
            );
        }
        Engine::Sqlite => {
            exec(&mut c, "PRAGMA wal_checkpoint(TRUNCATE)").await?;
        }
    }
    c.close().await?;
    let secs = load_t0.elapsed().as_secs_f64();
    let rows = new_outlets * 4 + sizes.orders + sizes.deliveries * 3;
    println!(
        "load: done in {secs:.1} s ({rows} rows, {:.0} rows/s; {:.1} s with the templates)",
        rows as f64 / secs.max(1e-3),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
