//! Webhook throughput and latency: a loopback receiver (axum) records arrivals; events are
//! emitted through `POST /sandbox/v1/events`; latency = arrival − the payload's
//! `header.timestamp` (the event's creation on the server clock, which is real time on a
//! fresh database). Last, a drain: deliveries queued while the receiver answered 503 all
//! fall due at once (the sandbox clock moves past their retry), as after a partner's outage,
//! and the dispatcher's own rate is what is measured.

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Default)]
struct Seen {
    arrivals: Vec<(i64, i64)>,
    /// While true the receiver answers 503 and only counts the attempt in `refused`.
    down: bool,
    refused: usize,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn event_ms(body: &[u8]) -> Option<i64> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let ts = v.pointer("/header/timestamp")?.as_str()?;
    let t = time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

async fn receive(
    State(seen): State<Arc<Mutex<Seen>>>,
    body: Bytes,
) -> (axum::http::StatusCode, &'static str) {
    let arrived = now_ms();
    let Ok(mut s) = seen.lock() else {
        return (axum::http::StatusCode::OK, "ok");
    };
    if s.down {
        s.refused += 1;
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down");
    }
    if let Some(created) = event_ms(&body) {
        s.arrivals.push((created, arrived));
    }
    (axum::http::StatusCode::OK, "ok")
}

fn pct(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn wait_for(seen: &Arc<Mutex<Seen>>, n: usize, limit: Duration) -> usize {
    wait_until(seen, n, limit, |s| s.arrivals.len()).await
}

async fn wait_until(
    seen: &Arc<Mutex<Seen>>,
    n: usize,
    limit: Duration,
    count: impl Fn(&Seen) -> usize,
) -> usize {
    let start = Instant::now();
    loop {
        let got = seen.lock().map(|s| count(&s)).unwrap_or(0);
        if got >= n || start.elapsed() > limit {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn emit(http: &reqwest::Client, base: &str, admin: &str, outlet: &str, i: usize) -> bool {
    let body = json!({
        "event": "gofood.order.placed",
        "outlet_id": outlet,
        "body": { "order": { "order_number": format!("F-{:09}", i) }, "outlet": { "id": outlet, "external_outlet_id": null } },
    });
    match http
        .post(format!("{base}/sandbox/v1/events"))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
    {
        Ok(r) => r.status().is_success(),
        Err(_) => false,
    }
}

/// How far the drain moves the clock: past the first retry of the default schedule (2 min).
const DRAIN_ADVANCE_SECS: i64 = 3600;

/// Waits until no delivery is due on the server (`gobiz_webhook_backlog{state="due"}` of
/// `/metrics` is 0): every attempt made so far is recorded with its next step.
async fn wait_until_recorded(
    http: &reqwest::Client,
    base: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .context("GET /metrics")?
            .text()
            .await
            .context("reading /metrics")?;
        let due = text
            .lines()
            .find_map(|l| l.strip_prefix("gobiz_webhook_backlog{state=\"due\"} "))
            .and_then(|v| v.trim().parse::<i64>().ok());
        if due == Some(0) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "deliveries still due on the server after {limit:?} (backlog due: {due:?})"
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Emits events numbered `range` with `emitters` concurrent clients.
async fn emit_all(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    outlet: &str,
    range: std::ops::Range<usize>,
    emitters: usize,
) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(range.start));
    let mut tasks = Vec::new();
    for _ in 0..emitters {
        let (http, base, admin, outlet, next) = (
            http.clone(),
            base.to_string(),
            admin.to_string(),
            outlet.to_string(),
            next.clone(),
        );
        let end = range.end;
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= end {
                    break;
                }
                emit(&http, &base, &admin, &outlet, i).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// What the webhook benchmark does.
pub struct Plan {
    /// Events of the throughput phase, emitted as fast as possible.
    pub events: usize,
    /// Events/second of the latency phase.
    pub rate: u64,
    /// Length of the latency phase.
    pub seconds: u64,
    /// Subscriptions of the event (deliveries per event).
    pub subscriptions: usize,
    /// Concurrent clients emitting events in the throughput phase.
    pub emitters: usize,
}

/// Runs the throughput phase (`events` as fast as possible) and the latency phase (`rate`
/// events/second for `seconds`), printing both figures.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    seeded: &Value,
    plan: Plan,
) -> anyhow::Result<()> {
    let Plan {
        events,
        rate,
        seconds,
        subscriptions,
        emitters,
    } = plan;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new()
        .route("/hook/{n}", post(receive))
        .with_state(seen.clone());
    let addr = crate::serve_local(app).await?;

    let (client_id, secret) = crate::client_of(seeded)?;
    let outlet = seeded["outlet"]["id"]
        .as_str()
        .context("outlet")?
        .to_string();
    let token_owned =
        crate::client_token(http, base, &client_id, &secret, "gofood:order:read").await?;
    let token = token_owned.as_str();
    for n in 0..subscriptions {
        let hook = format!("http://{addr}/hook/{n}");
        crate::subscribe(http, base, token, "gofood.order.placed", &hook).await?;
    }

    // Throughput: push `events` with `emitters` concurrent clients.
    let started = Instant::now();
    emit_all(http, base, admin, &outlet, 0..events, emitters).await;
    let emitted_in = started.elapsed();
    let expected = events * subscriptions;
    let got = wait_for(&seen, expected, Duration::from_secs(120)).await;
    let total = started.elapsed();
    println!(
        "webhooks throughput: {events} events × {subscriptions} subscription(s) emitted in {:.2} s ({:.0} events/second), {got}/{expected} deliveries in {:.2} s -> {:.0} deliveries/second end to end",
        emitted_in.as_secs_f64(),
        events as f64 / emitted_in.as_secs_f64(),
        total.as_secs_f64(),
        got as f64 / total.as_secs_f64()
    );

    // Latency at a fixed rate.
    if let Ok(mut s) = seen.lock() {
        s.arrivals.clear();
    }
    let n = (rate * seconds) as usize;
    let expected = n * subscriptions;
    let interval = Duration::from_micros(1_000_000 / rate.max(1));
    let mut ticker = tokio::time::interval(interval);
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        ticker.tick().await;
        let (http, base, admin, outlet) = (
            http.clone(),
            base.to_string(),
            admin.to_string(),
            outlet.clone(),
        );
        handles.push(tokio::spawn(async move {
            emit(&http, &base, &admin, &outlet, events + i).await
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let got = wait_for(&seen, expected, Duration::from_secs(60)).await;
    let mut lat: Vec<i64> = seen
        .lock()
        .map(|s| s.arrivals.iter().map(|(c, a)| a - c).collect())
        .unwrap_or_default();
    lat.sort_unstable();
    println!(
        "webhooks latency at {rate} events/s for {seconds} s: {got}/{expected} delivered; event-to-delivery ms p50 {} p90 {} p99 {} max {}",
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(0)
    );

    // Drain: the receiver is down while `events` are emitted; once every first attempt was
    // refused it is back, and the clock moves past the first retry, so that every delivery
    // is due at once. Last, because the clock stays moved.
    if let Ok(mut s) = seen.lock() {
        s.arrivals.clear();
        s.down = true;
        s.refused = 0;
    }
    let expected = events * subscriptions;
    let first = events + n;
    emit_all(http, base, admin, &outlet, first..first + events, emitters).await;
    let refused = wait_until(&seen, expected, Duration::from_secs(120), |s| s.refused).await;
    // A refusal reaches the receiver before its attempt is recorded, with its retry two
    // minutes after the attempt on the server's clock; moving the clock before the last
    // records land would put their retries two minutes past the move.
    wait_until_recorded(http, base, Duration::from_secs(30)).await?;
    if let Ok(mut s) = seen.lock() {
        s.down = false;
    }
    let started = Instant::now();
    crate::admin_at(
        http,
        base,
        admin,
        "/sandbox/v1/clock/advance",
        json!({ "seconds": DRAIN_ADVANCE_SECS }),
    )
    .await?;
    let got = wait_for(&seen, expected, Duration::from_secs(120)).await;
    let took = started.elapsed();
    println!(
        "webhooks drain: {refused}/{expected} first attempts refused (503), then all due at once (clock +{DRAIN_ADVANCE_SECS} s): {got}/{expected} delivered in {:.2} s -> {:.0} deliveries/second",
        took.as_secs_f64(),
        got as f64 / took.as_secs_f64()
    );
    Ok(())
}
