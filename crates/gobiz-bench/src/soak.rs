//! Soak: mixed traffic at a fixed rate for N minutes against one server, watching errors,
//! p99 per operation and the server's resident memory.
//!
//! Each tick starts one job of a fixed cycle: token requests, reads (linked outlets, one
//! outlet, the v2 catalog), QRIS payment creates with fresh keys, and an order's life (placed
//! through the sandbox in `manual` mode, accepted and marked food-prepared through the GoBiz
//! API, driven to `COMPLETED` through the sandbox: four requests, seven webhooks). A loopback
//! receiver collects the order webhooks. Every `report` seconds a line gives the errors so far,
//! the p99 of each operation over that window and the server's `VmRSS`; the summary compares
//! the RSS at minute 2 with the end and checks that every expected webhook arrived.

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use reqwest::RequestBuilder;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One kind of request (or, for `Webhook`, one delivery: event creation to arrival).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Op {
    Token,
    LinkedOutlets,
    Outlet,
    Catalog,
    Payment,
    Place,
    Accept,
    FoodPrepared,
    Complete,
    Webhook,
}

const OPS: [Op; 10] = [
    Op::Token,
    Op::LinkedOutlets,
    Op::Outlet,
    Op::Catalog,
    Op::Payment,
    Op::Place,
    Op::Accept,
    Op::FoodPrepared,
    Op::Complete,
    Op::Webhook,
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Token => "token",
            Op::LinkedOutlets => "linked-outlets",
            Op::Outlet => "outlet",
            Op::Catalog => "catalog",
            Op::Payment => "payment",
            Op::Place => "order-place",
            Op::Accept => "order-accept",
            Op::FoodPrepared => "food-prepared",
            Op::Complete => "order-complete",
            Op::Webhook => "webhook",
        }
    }
}

/// One tick's work.
#[derive(Clone, Copy)]
enum Job {
    Single(Op),
    /// Place, accept, food-prepared, complete.
    Order,
}

/// The repeating schedule: 9 single requests and one order (4 requests) = 13 requests.
const CYCLE: [Job; 10] = [
    Job::Single(Op::Token),
    Job::Single(Op::LinkedOutlets),
    Job::Single(Op::Outlet),
    Job::Single(Op::Catalog),
    Job::Order,
    Job::Single(Op::Payment),
    Job::Single(Op::LinkedOutlets),
    Job::Single(Op::Catalog),
    Job::Single(Op::Outlet),
    Job::Single(Op::Payment),
];

fn requests_of(job: Job) -> u64 {
    match job {
        Job::Single(_) => 1,
        Job::Order => 4,
    }
}

/// Webhooks per completed order: created, awaiting, accepted, driver otw, arrived, placed,
/// completed.
const HOOKS_PER_ORDER: u64 = 7;

/// Requests still unanswered after this count as errors.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Jobs in flight at most; beyond, the schedule waits (and the achieved rate drops).
const MAX_IN_FLIGHT: usize = 256;

/// Error messages printed as they happen, at most.
const ERRORS_SHOWN: u64 = 20;

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    /// Latencies of the current window, microseconds.
    window: Vec<u64>,
    /// Latencies of the whole run, microseconds.
    all: Vec<u64>,
}

#[derive(Default)]
struct Figures {
    tallies: Mutex<HashMap<Op, Tally>>,
    errors_seen: AtomicU64,
    requests: AtomicU64,
    completed_orders: AtomicU64,
}

impl Figures {
    fn record(&self, op: Op, took: Duration, outcome: &Result<Value, String>) {
        if op != Op::Webhook {
            self.requests.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut t) = self.tallies.lock() {
            let e = t.entry(op).or_default();
            match outcome {
                Ok(_) => e.ok += 1,
                Err(_) => e.errors += 1,
            }
            let us = took.as_micros() as u64;
            e.window.push(us);
            e.all.push(us);
        }
        if let Err(msg) = outcome {
            if self.errors_seen.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                eprintln!("soak error: {}: {msg}", op.name());
            }
        }
    }

    /// An error found after the fact (no request, no latency).
    fn fail(&self, op: Op, msg: String) {
        if let Ok(mut t) = self.tallies.lock() {
            t.entry(op).or_default().errors += 1;
        }
        if self.errors_seen.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
            eprintln!("soak error: {}: {msg}", op.name());
        }
    }

    fn errors(&self) -> u64 {
        self.tallies
            .lock()
            .map(|t| t.values().map(|x| x.errors).sum())
            .unwrap_or(0)
    }

    /// `name p99` for every operation seen, over the window (then cleared) or the whole run.
    fn p99s(&self, window: bool) -> String {
        let Ok(mut t) = self.tallies.lock() else {
            return String::new();
        };
        let mut parts = Vec::new();
        for op in OPS {
            let Some(e) = t.get_mut(&op) else { continue };
            let v = if window { &mut e.window } else { &mut e.all };
            if v.is_empty() {
                continue;
            }
            v.sort_unstable();
            let i = ((v.len() as f64 - 1.0) * 0.99).round() as usize;
            parts.push(format!("{} {:.1}", op.name(), v[i] as f64 / 1000.0));
            if window {
                v.clear();
            }
        }
        parts.join(", ")
    }
}

/// What the jobs need.
struct Ctx {
    http: reqwest::Client,
    base: String,
    admin: String,
    outlet: String,
    client_id: String,
    client_secret: String,
    token: String,
    figures: Figures,
    next: AtomicU64,
}

impl Ctx {
    async fn timed(&self, op: Op, rb: RequestBuilder) -> Result<Value, String> {
        let t0 = Instant::now();
        let out = send(rb.timeout(REQUEST_TIMEOUT)).await;
        self.figures.record(op, t0.elapsed(), &out);
        out
    }

    async fn single(&self, op: Op) -> Result<Value, String> {
        let (b, o) = (&self.base, &self.outlet);
        let rb = match op {
            Op::Token => self
                .http
                .post(format!("{b}/oauth2/token"))
                .basic_auth(&self.client_id, Some(&self.client_secret))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "partner:outlet:read"),
                ]),
            Op::LinkedOutlets => self
                .http
                .get(format!("{b}/integrations/partner/v1/linked-outlets"))
                .bearer_auth(&self.token),
            Op::Outlet => self
                .http
                .get(format!("{b}/integrations/partner/outlets/{o}/v1"))
                .bearer_auth(&self.token),
            Op::Catalog => self
                .http
                .get(format!("{b}/integrations/gofood/outlets/{o}/v2/catalog"))
                .bearer_auth(&self.token),
            Op::Payment => {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                let run = &self.client_id[..self.client_id.len().min(8)];
                self.http
                    .post(format!(
                        "{b}/integrations/payment/outlets/{o}/v2/transactions"
                    ))
                    .bearer_auth(&self.token)
                    .header("Idempotency-Key", format!("soak-{run}-{i}"))
                    .json(&json!({ "payment_type": "qris",
                        "transaction_details": { "order_id": format!("soak-{run}-{i}"),
                                                 "gross_amount": 3000, "currency": "IDR" } }))
            }
            other => return Err(format!("{} is not a single request", other.name())),
        };
        self.timed(op, rb).await
    }

    /// One order's life: placed (sandbox), accepted and food-prepared (GoBiz API), completed
    /// (sandbox). Stops at the first failure.
    async fn order(&self) {
        let (b, o) = (&self.base, &self.outlet);
        let placed = self
            .timed(
                Op::Place,
                self.http
                    .post(format!("{b}/sandbox/v1/outlets/{o}/orders"))
                    .bearer_auth(&self.admin)
                    .json(&json!({ "items": [ { "external_id": "XID", "quantity": 1,
                                                "variants": [ { "external_id": "V-XID" } ] } ] })),
            )
            .await;
        let Ok(v) = placed else { return };
        let Some(n) = v
            .pointer("/data/order/order/order_number")
            .and_then(Value::as_str)
        else {
            self.figures
                .fail(Op::Place, format!("no order number in {v}"));
            return;
        };
        let action =
            |a: &str| format!("{b}/integrations/gofood/outlets/{o}/v1/orders/delivery/{n}/{a}");
        if self
            .timed(
                Op::Accept,
                self.http.put(action("accepted")).bearer_auth(&self.token),
            )
            .await
            .is_err()
        {
            return;
        }
        if self
            .timed(
                Op::FoodPrepared,
                self.http
                    .put(action("food-prepared"))
                    .bearer_auth(&self.token)
                    .json(&json!({ "country_code": "ID" })),
            )
            .await
            .is_err()
        {
            return;
        }
        if self
            .timed(
                Op::Complete,
                self.http
                    .post(format!("{b}/sandbox/v1/orders/{n}/advance"))
                    .bearer_auth(&self.admin)
                    .json(&json!({ "to": "COMPLETED" })),
            )
            .await
            .is_ok()
        {
            self.figures
                .completed_orders
                .fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends, reads the body, and wants a 2xx with a JSON body.
async fn send(rb: RequestBuilder) -> Result<Value, String> {
    let r = rb.send().await.map_err(|e| format!("transport: {e}"))?;
    let status = r.status();
    let body = r.bytes().await.map_err(|e| format!("body: {e}"))?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    serde_json::from_slice(&body).map_err(|e| format!("not JSON ({e})"))
}

/// `VmRSS` of `pid` in KiB.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".to_string())
}

/// What the receiver saw.
#[derive(Default)]
struct Hooks {
    keys: HashSet<String>,
    total: u64,
}

struct Receiver {
    hooks: Mutex<Hooks>,
    ctx: Arc<Ctx>,
}

async fn receive(State(rx): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> &'static str {
    let arrived = crate::webhooks::now_ms();
    let key = headers
        .get("x-go-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let latency = crate::webhooks::event_ms(&body).map(|created| arrived - created);
    let outcome = match (&key, latency) {
        (Some(_), Some(_)) => Ok(Value::Null),
        _ => Err("webhook without idempotency key or header.timestamp".to_string()),
    };
    let took = Duration::from_millis(latency.unwrap_or(0).max(0) as u64);
    rx.ctx.figures.record(Op::Webhook, took, &outcome);
    if let Ok(mut h) = rx.hooks.lock() {
        h.total += 1;
        if let Some(k) = key {
            h.keys.insert(k);
        }
    }
    "ok"
}

/// Sets up the fixture on `base`, runs the load for `minutes` at `rate` requests/second, and
/// prints the figures. `pid` is the server's process (for RSS), when it was started here.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    pid: Option<u32>,
    minutes: u64,
    rate: u64,
    report_secs: u64,
) -> anyhow::Result<()> {
    // Fixture: the seeded merchant's outlet (linked for gofood and payment, with the demo
    // menu), in manual acceptance mode; a client with the scopes the traffic needs.
    let seeded = crate::admin_at(http, base, admin, "/sandbox/v1/seed", json!({})).await?;
    let data = &seeded["data"];
    let outlet = data["outlet"]["id"].as_str().context("outlet")?.to_string();
    let partner = data["partner"]["id"].as_str().context("partner")?;
    let scopes = [
        "partner:outlet:read",
        "gofood:catalog:read",
        "gofood:order:read",
        "gofood:order:write",
        "payment:transaction:read",
        "payment:transaction:write",
    ];
    let c = crate::admin_at(
        http,
        base,
        admin,
        &format!("/sandbox/v1/partners/{partner}/clients"),
        json!({ "allowed_scopes": scopes }),
    )
    .await?;
    let (client_id, client_secret) = crate::client_of(&c["data"])?;
    let token =
        crate::client_token(http, base, &client_id, &client_secret, &scopes.join(" ")).await?;
    let r = http
        .patch(format!("{base}/sandbox/v1/outlets/{outlet}"))
        .bearer_auth(admin)
        .json(&json!({ "acceptance_mode": "manual" }))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "manual mode: {}", r.text().await?);

    let ctx = Arc::new(Ctx {
        http: http.clone(),
        base: base.to_string(),
        admin: admin.to_string(),
        outlet,
        client_id,
        client_secret,
        token: token.clone(),
        figures: Figures::default(),
        next: AtomicU64::new(0),
    });

    // The receiver, subscribed to every order event.
    let rx = Arc::new(Receiver {
        hooks: Mutex::new(Hooks::default()),
        ctx: ctx.clone(),
    });
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(rx.clone());
    let addr = crate::serve_local(app).await?;
    for ev in [
        "created",
        "awaiting_merchant_acceptance",
        "merchant_accepted",
        "driver_otw_pickup",
        "driver_arrived",
        "placed",
        "completed",
        "cancelled",
    ] {
        let (event, hook) = (format!("gofood.order.{ev}"), format!("http://{addr}/hook"));
        crate::subscribe(http, base, &token, &event, &hook).await?;
    }

    let per_cycle: u64 = CYCLE.iter().map(|j| requests_of(*j)).sum();
    let jobs_per_sec = rate.max(1) as f64 * CYCLE.len() as f64 / per_cycle as f64;
    let interval = Duration::from_secs_f64(1.0 / jobs_per_sec);
    println!(
        "soak: {minutes} min at {rate} requests/s ({jobs_per_sec:.1} jobs/s over a cycle of {} jobs = {per_cycle} requests), report every {report_secs} s, server pid {}",
        CYCLE.len(),
        pid.map(|p| p.to_string()).unwrap_or_else(|| "n/a".into())
    );

    let started = Instant::now();
    let duration = Duration::from_secs(minutes * 60);
    let report_every = Duration::from_secs(report_secs.max(1));
    let mut next_report = started + report_every;
    let mut rss_minute2: Option<u64> = None;
    let mut rss_first: Option<u64> = None;
    let mut rss_last: Option<u64> = None;
    let sem = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut ticker = tokio::time::interval(interval);
    // Burst (the default): a late tick is made up for, so the average rate stays the target.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tick: usize = 0;
    let report = |at: Duration, fig: &Figures, note: &str| -> Option<u64> {
        let rss = pid.and_then(rss_kib);
        let secs = at.as_secs();
        let sent = fig.requests.load(Ordering::Relaxed);
        println!(
            "[{:02}:{:02}]{note} requests {sent} ({:.1}/s), errors so far {}; RSS {}; p99 ms: {}",
            secs / 60,
            secs % 60,
            sent as f64 / at.as_secs_f64().max(0.001),
            fig.errors(),
            mib(rss),
            fig.p99s(true)
        );
        rss
    };
    while started.elapsed() < duration {
        ticker.tick().await;
        let now = Instant::now();
        if now >= next_report {
            let at = now - started;
            let rss = report(at, &ctx.figures, "");
            rss_first = rss_first.or(rss);
            rss_last = rss.or(rss_last);
            if rss_minute2.is_none() && at >= Duration::from_secs(120) {
                rss_minute2 = rss;
            }
            next_report += report_every;
        }
        let job = CYCLE[tick % CYCLE.len()];
        tick += 1;
        let permit = sem.clone().acquire_owned().await?;
        let ctx = ctx.clone();
        tokio::spawn(async move {
            match job {
                Job::Single(op) => {
                    let _ = ctx.single(op).await;
                }
                Job::Order => ctx.order().await,
            }
            drop(permit);
        });
    }
    let load_time = started.elapsed();
    // Wait for the jobs still in flight.
    let drained =
        tokio::time::timeout(REQUEST_TIMEOUT * 5, sem.acquire_many(MAX_IN_FLIGHT as u32)).await;
    if drained.is_err() {
        println!("some jobs were still in flight after the drain");
    }
    let rss_end = report(
        load_time,
        &ctx.figures,
        " end of load, in-flight jobs drained:",
    )
    .or(rss_last);

    // Every webhook of every completed order must arrive (duplicates share a key).
    let completed = ctx.figures.completed_orders.load(Ordering::Relaxed);
    let expected = completed * HOOKS_PER_ORDER;
    let wait_from = Instant::now();
    let (distinct, total) = loop {
        let (d, t) = rx
            .hooks
            .lock()
            .map(|h| (h.keys.len() as u64, h.total))
            .unwrap_or((0, 0));
        if d >= expected || wait_from.elapsed() > Duration::from_secs(60) {
            break (d, t);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let missing = expected.saturating_sub(distinct);
    if missing > 0 {
        ctx.figures.fail(
            Op::Webhook,
            format!("{missing} of {expected} webhooks never arrived (60 s after the load)"),
        );
    }

    let sent = ctx.figures.requests.load(Ordering::Relaxed);
    let errors = ctx.figures.errors();
    println!(
        "soak summary: {:.1} min at {rate} requests/s target: {sent} requests ({:.1}/s achieved), {errors} errors in total",
        load_time.as_secs_f64() / 60.0,
        sent as f64 / load_time.as_secs_f64().max(0.001)
    );
    println!(
        "soak webhooks: {completed} orders completed, {expected} deliveries expected, {distinct} distinct received ({} duplicates), {missing} missing",
        total.saturating_sub(distinct)
    );
    let (label, base_rss) = match rss_minute2 {
        Some(r) => ("minute 2", Some(r)),
        None => ("first report (run shorter than 2 min)", rss_first),
    };
    let change = match (base_rss, rss_end) {
        (Some(a), Some(b)) if a > 0 => {
            format!("{:+.1} %", (b as f64 - a as f64) * 100.0 / a as f64)
        }
        _ => "n/a".to_string(),
    };
    println!(
        "soak RSS: {label} {}, end {}, change {change}",
        mib(base_rss),
        mib(rss_end)
    );
    println!(
        "soak p99 ms over the whole run: {}",
        ctx.figures.p99s(false)
    );
    Ok(())
}
