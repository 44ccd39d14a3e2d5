//! `gobiz-bench scale` (issue 20, "flat at scale"): p50/p99 of five requests on a fresh
//! `gobiz serve --demo` database, then again after [`crate::load`] has filled it, one request
//! at a time after a warm-up:
//! (a) `POST /oauth2/token` (client credentials), (b) the partner API's order accept,
//! (c) `GET v2/catalog`, (d) the troubleshooting log `GET /integrations/partner/notifications`,
//! (e) `GET /sandbox/v1/outlets/{id}/orders`.
//! Both runs subscribe the demo partner to two order events at a loopback receiver (so an
//! accept writes its event and delivery alike), and place the orders to accept first.
//! Then the query plans: a server with every SQL statement logged serves a few requests of
//! each kind and stays idle a moment (its background loops); each distinct statement is
//! explained on the loaded database (SQLite `EXPLAIN QUERY PLAN` with NULL parameters,
//! PostgreSQL `EXPLAIN` of the generic plan) and plans that read a table without an index
//! (SQLite `SCAN t` without `USING … INDEX`, PostgreSQL `Seq Scan`) are flagged.

use crate::load::{self, DemoServer, Engine, Sizes, EVENTS, SCOPES};
use crate::{client_token, pct, token_ok};
use serde_json::Value;
use sqlx::{Connection, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `gobiz-bench scale` arguments.
#[derive(clap::Args, Clone)]
pub(crate) struct ScaleArgs {
    /// Database (default: a fresh SQLite file); it must be new unless --skip-empty.
    #[arg(long)]
    database_url: Option<String>,
    /// Admin token of the servers started here.
    #[arg(long, default_value = "bench-admin-token")]
    admin_token: String,
    #[command(flatten)]
    sizes: Sizes,
    /// Timed requests per operation.
    #[arg(long, default_value_t = 2000, value_parser = crate::positive_count, allow_negative_numbers = true)]
    requests: usize,
    /// Untimed requests per operation first.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// No run on the fresh database (e.g. measuring a database loaded before).
    #[arg(long)]
    skip_empty: bool,
    /// Do not load (the database was loaded before).
    #[arg(long)]
    skip_load: bool,
    /// PostgreSQL's server log: with it readable, the plans PostgreSQL really executed are
    /// taken from `auto_explain` (set on the database for the plan run only).
    #[arg(long, default_value = "/var/log/postgresql/postgresql-15-main.log")]
    pg_log: PathBuf,
}

/// The operations, in the order they are measured (accept first: its orders fill the
/// listing's page on the fresh database too).
const OPS: [&str; 5] = [
    "(a) POST /oauth2/token",
    "(b) PUT …/orders/delivery/{n}/accepted",
    "(c) GET …/v2/catalog",
    "(d) GET /integrations/partner/notifications",
    "(e) GET /sandbox/v1/outlets/{id}/orders",
];

/// p50 and p99 in ms, per operation.
type Figures = Vec<(f64, f64)>;

async fn timed<F, Fut>(label: &str, warmup: usize, n: usize, mut f: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for i in 0..warmup {
        anyhow::ensure!(f(i).await, "{label}: warm-up request {i} failed");
    }
    let mut lat = Vec::with_capacity(n);
    let mut failed = 0;
    for i in warmup..warmup + n {
        let t0 = Instant::now();
        if f(i).await {
            lat.push(t0.elapsed().as_micros() as u64);
        } else {
            failed += 1;
        }
    }
    anyhow::ensure!(failed == 0, "{label}: {failed} of {n} requests failed");
    lat.sort_unstable();
    Ok((pct(&lat, 0.5), pct(&lat, 0.99)))
}

async fn get_ok(http: &reqwest::Client, url: &str, bearer: &str) -> bool {
    match http.get(url).bearer_auth(bearer).send().await {
        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// Places `n` orders in the outlet, 4 at a time: their numbers.
async fn place_many(
    http: &reqwest::Client,
    s: &DemoServer,
    admin: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut numbers = Vec::with_capacity(n);
    while numbers.len() < n {
        let k = 4.min(n - numbers.len());
        let placed = futures_util::future::join_all(
            (0..k).map(|_| load::place(http, &s.base, admin, &s.outlet)),
        )
        .await;
        for p in placed {
            numbers.push(p?);
        }
    }
    Ok(numbers)
}

/// Measures (a)–(e) on the server `s`, `warmup` + `n` requests each.
async fn measure(
    http: &reqwest::Client,
    s: &DemoServer,
    admin: &str,
    warmup: usize,
    n: usize,
) -> anyhow::Result<Figures> {
    let token = client_token(http, &s.base, &s.client_id, &s.client_secret, SCOPES).await?;
    let hook = load::receiver().await?;
    let mut subs = Vec::new();
    for e in EVENTS {
        subs.push(load::subscribe_id(http, &s.base, &token, e, &hook).await?);
    }
    let mut out = Vec::new();
    let url = format!("{}/oauth2/token", s.base);
    out.push(
        timed(OPS[0], warmup, n, |_| {
            token_ok(http, &url, &s.client_id, &s.client_secret)
        })
        .await?,
    );
    load::acceptance(http, &s.base, admin, &s.outlet, "manual").await?;
    let t0 = Instant::now();
    let numbers = place_many(http, s, admin, warmup + n).await?;
    println!(
        "  placed {} orders to accept in {:.1} s",
        numbers.len(),
        t0.elapsed().as_secs_f64()
    );
    out.push(
        timed(OPS[1], warmup, n, |i| {
            load::accept(http, &s.base, &token, &s.outlet, &numbers[i])
        })
        .await?,
    );
    load::acceptance(http, &s.base, admin, &s.outlet, "auto_accept").await?;
    let url = format!(
        "{}/integrations/gofood/outlets/{}/v2/catalog",
        s.base, s.outlet
    );
    out.push(timed(OPS[2], warmup, n, |_| get_ok(http, &url, &token)).await?);
    let url = format!(
        "{}/integrations/partner/notifications?entity_id={}",
        s.base, numbers[0]
    );
    let v: Value = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let found = v["data"]["notifications"].as_array().map_or(0, Vec::len);
    println!(
        "  troubleshooting log of {}: {found} deliveries",
        numbers[0]
    );
    out.push(timed(OPS[3], warmup, n, |_| get_ok(http, &url, &token)).await?);
    let url = format!("{}/sandbox/v1/outlets/{}/orders", s.base, s.outlet);
    out.push(timed(OPS[4], warmup, n, |_| get_ok(http, &url, admin)).await?);
    for id in subs {
        load::unsubscribe(http, &s.base, &token, &id).await?;
    }
    Ok(out)
}

async fn phase(
    http: &reqwest::Client,
    url: &str,
    a: &ScaleArgs,
    name: &str,
) -> anyhow::Result<Figures> {
    println!("{name}: starting gobiz serve --demo");
    let s = load::start_demo(url, &a.admin_token, None).await?;
    let r = measure(http, &s, &a.admin_token, a.warmup, a.requests).await;
    s.stop().await;
    let f = r?;
    for (op, (p50, p99)) in OPS.iter().zip(&f) {
        println!("  {op:<46} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms");
    }
    Ok(f)
}

/// A temporary folder removed when dropped.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the whole benchmark (see the module doc).
pub(crate) async fn run(http: &reqwest::Client, a: &ScaleArgs) -> anyhow::Result<()> {
    // A fresh SQLite file of its own is removed when the run ends, however it ends (loaded,
    // it is about 9 GB); pass --database-url to keep the database.
    let mut scratch: Option<Scratch> = None;
    let url = match &a.database_url {
        Some(u) => u.clone(),
        None => {
            let dir =
                std::env::temp_dir().join(format!("gobiz-scale-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}/gobiz.db?mode=rwc", dir.display());
            scratch = Some(Scratch(dir));
            url
        }
    };
    println!(
        "database: {url}{}",
        if scratch.is_some() {
            " (removed at the end; --database-url keeps one)"
        } else {
            ""
        }
    );
    let empty = if a.skip_empty {
        None
    } else {
        Some(phase(http, &url, a, "empty database").await?)
    };
    if !a.skip_load {
        load::load(http, &url, &a.admin_token, a.sizes).await?;
    }
    let loaded = phase(http, &url, a, "loaded database").await?;
    println!(
        "\n{} requests per operation, one at a time, after {} warm-up requests; times in ms",
        a.requests, a.warmup
    );
    println!(
        "{:<46} {:>10} {:>10} {:>11} {:>11} {:>7}",
        "operation", "p50 empty", "p99 empty", "p50 loaded", "p99 loaded", "ratio"
    );
    for (i, op) in OPS.iter().enumerate() {
        let (l50, l99) = loaded[i];
        match &empty {
            Some(e) => {
                let (e50, e99) = e[i];
                println!(
                    "{op:<46} {e50:>10.2} {e99:>10.2} {l50:>11.2} {l99:>11.2} {:>6.2}x",
                    l50 / e50.max(1e-6)
                );
            }
            None => println!(
                "{op:<46} {:>10} {:>10} {l50:>11.2} {l99:>11.2} {:>7}",
                "-", "-", "-"
            ),
        }
    }
    plans(http, &url, &a.admin_token, &a.pg_log).await
}

/// Turns `auto_explain` on (every statement's plan logged) or off for the database.
async fn auto_explain(url: &str, on: bool) -> anyhow::Result<()> {
    let mut c = load::connect(url).await?;
    let db: String = sqlx::query("SELECT CAST(current_database() AS TEXT)")
        .fetch_one(&mut c)
        .await?
        .try_get(0)?;
    let sql = if on {
        vec![
            format!("ALTER DATABASE \"{db}\" SET session_preload_libraries = 'auto_explain'"),
            format!("ALTER DATABASE \"{db}\" SET auto_explain.log_min_duration = 0"),
        ]
    } else {
        vec![
            format!("ALTER DATABASE \"{db}\" RESET session_preload_libraries"),
            format!("ALTER DATABASE \"{db}\" RESET auto_explain.log_min_duration"),
        ]
    };
    for q in &sql {
        sqlx::query(q).execute(&mut c).await?;
    }
    c.close().await?;
    Ok(())
}

/// The plans `auto_explain` logged in `log` (PostgreSQL's server log from some offset):
/// statement (whitespace collapsed) → the last plan logged for it.
fn executed_plans(log: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        if !(line.contains(" LOG:  duration: ") && line.trim_end().ends_with("plan:")) {
            continue;
        }
        let mut body = Vec::new();
        while let Some(next) = lines.peek() {
            if next.starts_with('\t') || next.starts_with(' ') {
                body.push(lines.next().unwrap_or_default().trim_end().to_string());
            } else {
                break;
            }
        }
        let Some(text) = body
            .first()
            .and_then(|l| l.trim().strip_prefix("Query Text: "))
        else {
            continue;
        };
        let sql = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let plan = body[1..].iter().map(|l| l.replacen('\t', "", 1)).collect();
        out.insert(sql, plan);
    }
    out
}

/// The distinct SQL statements logged in `log[from..to]` (JSON lines of `sqlx::query` for
/// PostgreSQL, `gobiz_store::query` for SQLite).
fn statements(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["target"] != "sqlx::query" && v["target"] != "gobiz_store::query" {
            continue;
        }
        let full = v["db.statement"].as_str().unwrap_or("").trim();
        let sql = if full.is_empty() {
            v["summary"].as_str().unwrap_or("").trim()
        } else {
            full
        };
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let head = sql.to_ascii_uppercase();
        let skip = [
            "PRAGMA",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT",
            "RELEASE",
            "SET ",
        ];
        if sql.is_empty() || skip.iter().any(|p| head.starts_with(p)) {
            continue;
        }
        if !out.contains(&sql) {
            out.push(sql);
        }
    }
    out
}

/// Explains `sql` on `c`: the plan's lines.
async fn explain(
    c: &mut sqlx::AnyConnection,
    engine: Engine,
    sql: &str,
    nth: usize,
) -> anyhow::Result<Vec<String>> {
    match engine {
        Engine::Sqlite => {
            let text = format!("EXPLAIN QUERY PLAN {sql}");
            let mut q = sqlx::query(&text);
            for _ in 0..sql.matches('?').count() {
                q = q.bind(None::<String>);
            }
            let rows = q.fetch_all(&mut *c).await?;
            rows.iter()
                .map(|r| Ok(r.try_get::<String, _>(3)?))
                .collect()
        }
        Engine::Postgres => {
            let params = (1..=99)
                .take_while(|i| sql.contains(&format!("${i}")))
                .count();
            let name = format!("bench_plan_{nth}");
            let prepare = format!("PREPARE {name} AS {sql}");
            sqlx::query(&prepare).execute(&mut *c).await?;
            let args = vec!["NULL"; params].join(", ");
            let call = if params == 0 {
                format!("EXPLAIN EXECUTE {name}")
            } else {
                format!("EXPLAIN EXECUTE {name}({args})")
            };
            let rows = sqlx::query(&call).fetch_all(&mut *c).await;
            let dealloc = format!("DEALLOCATE {name}");
            let _ = sqlx::query(&dealloc).execute(&mut *c).await;
            let rows = rows?;
            rows.iter()
                .map(|r| Ok(r.try_get::<String, _>(0)?))
                .collect()
        }
    }
}

/// Whether a plan line reads a whole table without an index.
fn full_scan(engine: Engine, line: &str) -> bool {
    let l = line.trim();
    match engine {
        Engine::Sqlite => {
            l.starts_with("SCAN ") && !l.contains("USING") && !l.contains("CONSTANT ROW")
        }
        Engine::Postgres => l.contains("Seq Scan"),
    }
}

/// Logs every statement of a few requests of each kind and of the idle server, then
/// explains them on the database; flags full scans.
async fn plans(
    http: &reqwest::Client,
    url: &str,
    admin: &str,
    pg_log: &Path,
) -> anyhow::Result<()> {
    let engine = Engine::of(url)?;
    let pg_from = match engine {
        Engine::Postgres => match std::fs::metadata(pg_log) {
            Ok(m) => {
                auto_explain(url, true).await?;
                Some(m.len())
            }
            Err(e) => {
                println!("\n{}: {e}; no executed plans", pg_log.display());
                None
            }
        },
        Engine::Sqlite => None,
    };
    let log: PathBuf =
        std::env::temp_dir().join(format!("gobiz-scale-{}.log", uuid::Uuid::new_v4().simple()));
    let s = load::start_demo(url, admin, Some(&log)).await?;
    let mut windows: Vec<(&str, u64, u64)> = Vec::new();
    let size = || std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let settle = || tokio::time::sleep(Duration::from_millis(400));
    let result = async {
        let token = client_token(http, &s.base, &s.client_id, &s.client_secret, SCOPES).await?;
        let hook = load::receiver().await?;
        let mut subs = Vec::new();
        for e in EVENTS {
            subs.push(load::subscribe_id(http, &s.base, &token, e, &hook).await?);
        }
        settle().await;
        let mut at = size();
        tokio::time::sleep(Duration::from_secs(3)).await;
        windows.push((
            "background (idle server: timers, dispatcher, …)",
            at,
            size(),
        ));
        at = size();
        for _ in 0..8 {
            token_ok(
                http,
                &format!("{}/oauth2/token", s.base),
                &s.client_id,
                &s.client_secret,
            )
            .await;
        }
        settle().await;
        windows.push((OPS[0], at, size()));
        load::acceptance(http, &s.base, admin, &s.outlet, "manual").await?;
        settle().await;
        at = size();
        let numbers = place_many(http, &s, admin, 8).await?;
        settle().await;
        windows.push(("(setup) POST /sandbox/v1/outlets/{id}/orders", at, size()));
        at = size();
        for n in &numbers {
            load::accept(http, &s.base, &token, &s.outlet, n).await;
        }
        settle().await;
        windows.push((OPS[1], at, size()));
        load::acceptance(http, &s.base, admin, &s.outlet, "auto_accept").await?;
        settle().await;
        at = size();
        for _ in 0..8 {
            get_ok(
                http,
                &format!(
                    "{}/integrations/gofood/outlets/{}/v2/catalog",
                    s.base, s.outlet
                ),
                &token,
            )
            .await;
        }
        settle().await;
        windows.push((OPS[2], at, size()));
        at = size();
        for _ in 0..8 {
            get_ok(
                http,
                &format!(
                    "{}/integrations/partner/notifications?entity_id={}",
                    s.base, numbers[0]
                ),
                &token,
            )
            .await;
        }
        settle().await;
        windows.push((OPS[3], at, size()));
        at = size();
        for _ in 0..8 {
            get_ok(
                http,
                &format!("{}/sandbox/v1/outlets/{}/orders", s.base, s.outlet),
                admin,
            )
            .await;
        }
        settle().await;
        windows.push((OPS[4], at, size()));
        for id in subs {
            load::unsubscribe(http, &s.base, &token, &id).await?;
        }
        Ok::<_, anyhow::Error>(())
    }
    .await;
    s.stop().await;
    let executed = match pg_from {
        Some(from) => {
            auto_explain(url, false).await?;
            let all = std::fs::read(pg_log)?;
            executed_plans(&String::from_utf8_lossy(
                &all[(from as usize).min(all.len())..],
            ))
        }
        None => BTreeMap::new(),
    };
    result?;
    let text = std::fs::read(&log)?;
    let _ = std::fs::remove_file(&log);
    // statement → the windows it was seen in.
    let mut seen: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let background: Vec<String> = {
        let (_, a, b) = windows[0];
        statements(&String::from_utf8_lossy(&text[a as usize..b as usize]))
    };
    for (name, a, b) in &windows {
        let part = String::from_utf8_lossy(&text[*a as usize..(*b as usize).min(text.len())]);
        for sql in statements(&part) {
            if *name != windows[0].0 && background.contains(&sql) {
                continue;
            }
            if !seen.contains_key(&sql) {
                order.push(sql.clone());
            }
            let e = seen.entry(sql).or_default();
            if !e.contains(name) {
                e.push(name);
            }
        }
    }
    let mut c = load::connect(url).await?;
    if engine == Engine::Postgres {
        sqlx::query("SET plan_cache_mode = force_generic_plan")
            .execute(&mut c)
            .await?;
    }
    println!(
        "\nquery plans on the loaded database ({} distinct statements; {}):",
        order.len(),
        match engine {
            Engine::Sqlite => "EXPLAIN QUERY PLAN, parameters NULL",
            Engine::Postgres =>
                "EXPLAIN of the generic plan (plan_cache_mode = force_generic_plan)",
        }
    );
    if engine == Engine::Postgres {
        println!(
            "(and the plan PostgreSQL executed last for it, from auto_explain: {} found)",
            executed.len()
        );
    }
    let mut flagged = Vec::new();
    for (nth, sql) in order.iter().enumerate() {
        let by = seen[sql].join("; ");
        let ran = executed.get(sql);
        match explain(&mut c, engine, sql, nth).await {
            Ok(lines) => {
                let bad = lines.iter().any(|l| full_scan(engine, l));
                let ran_bad = ran.is_some_and(|p| p.iter().any(|l| full_scan(engine, l)));
                let verdict = match (bad, ran_bad) {
                    (false, false) => "ok",
                    (true, true) => "FULL SCAN",
                    (true, false) if ran.is_some() => "FULL SCAN in the generic plan only",
                    (true, false) => "FULL SCAN",
                    (false, true) => "FULL SCAN as executed",
                };
                println!("\n{verdict} [{by}]\n  {sql}");
                if engine == Engine::Postgres {
                    println!("  generic plan:");
                }
                for l in &lines {
                    println!("    {l}");
                }
                if let Some(p) = ran {
                    println!("  executed (auto_explain):");
                    for l in p {
                        println!("    {l}");
                    }
                }
                if bad || ran_bad {
                    let mut shown: Vec<String> = lines.clone();
                    if let Some(p) = ran {
                        shown.extend(p.iter().map(|l| format!("(executed) {}", l.trim())));
                    }
                    flagged.push((format!("{verdict}: {sql}"), by, shown));
                }
            }
            Err(e) => println!("\nnot explained [{by}]: {e:#}\n  {sql}"),
        }
    }
    println!("\n{} plan(s) with a full table scan:", flagged.len());
    for (sql, by, lines) in &flagged {
        println!("- [{by}] {sql}");
        for l in lines.iter().filter(|l| full_scan(engine, l)) {
            println!("    {}", l.trim());
        }
    }
    let _ = c.close().await;
    Ok(())
}
