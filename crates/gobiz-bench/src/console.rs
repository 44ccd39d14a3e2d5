//! Console figures (issue 17): loads `--orders` orders into the seeded outlet with
//! `--subscriptions` webhook subscriptions to a receiver that is down (so every event leaves
//! deliveries behind), signs in to the console, then times each console page `--rounds` times
//! one request at a time (p50, p95), next to `GET /healthz` and the sandbox API's order
//! listing measured in the same run. Then the live feed: an SSE client follows the outlet's
//! orders while orders arrive at `--live-rate` per second for `--live-seconds`, and the
//! server's RSS is printed as it goes.

use crate::{admin_at, client_token, pct, subscribe};
use anyhow::{bail, Context};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What to load and how long to measure.
pub struct Plan {
    pub orders: usize,
    pub subscriptions: usize,
    pub rounds: usize,
    pub live_rate: u64,
    pub live_seconds: u64,
}

const EVENTS: [&str; 2] = [
    "gofood.order.merchant_accepted",
    "gofood.order.awaiting_merchant_acceptance",
];

async fn place(http: &reqwest::Client, base: &str, admin: &str, outlet: &str) -> bool {
    let body = json!({ "items": [ { "external_id": "XID", "quantity": 1, "variants": [ { "external_id": "V-XID" } ] } ], "order_type": "delivery" });
    admin_at(
        http,
        base,
        admin,
        &format!("/sandbox/v1/outlets/{outlet}/orders"),
        body,
    )
    .await
    .is_ok()
}

async fn time_get(
    http: &reqwest::Client,
    url: &str,
    cookie: Option<&str>,
    rounds: usize,
) -> anyhow::Result<(f64, f64, usize)> {
    let mut lat = Vec::with_capacity(rounds);
    let mut bytes = 0;
    for _ in 0..rounds {
        let mut rb = http.get(url);
        if let Some(c) = cookie {
            rb = rb.header("cookie", c);
        }
        let t0 = Instant::now();
        let r = rb.send().await?;
        let status = r.status();
        let body = r.bytes().await?;
        lat.push(t0.elapsed().as_micros() as u64);
        if !status.is_success() {
            bail!("{url}: {status}");
        }
        bytes = body.len();
    }
    lat.sort_unstable();
    Ok((pct(&lat, 0.5), pct(&lat, 0.95), bytes))
}

/// Runs the console benchmark against the server at `base` (process `pid` when started here).
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    seeded: &Value,
    pid: Option<u32>,
    plan: &Plan,
) -> anyhow::Result<()> {
    let outlet = seeded["outlet"]["id"]
        .as_str()
        .context("outlet")?
        .to_string();
    let (id, secret) = crate::client_of(seeded)?;
    let token = client_token(http, base, &id, &secret, "gofood:order:read").await?;
    for i in 0..plan.subscriptions {
        let event = EVENTS[i % EVENTS.len()];
        subscribe(
            http,
            base,
            &token,
            event,
            &format!("http://127.0.0.1:9/down/{i}"),
        )
        .await?;
    }
    let t0 = Instant::now();
    let mut placed = 0usize;
    let chunk = 16;
    while placed < plan.orders {
        let n = chunk.min(plan.orders - placed);
        let results =
            futures_util::future::join_all((0..n).map(|_| place(http, base, admin, &outlet))).await;
        placed += results.iter().filter(|ok| **ok).count();
        if results.iter().all(|ok| !ok) {
            bail!("placing orders fails");
        }
    }
    println!(
        "loaded {placed} orders in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let deliveries: Value = http
        .get(format!("{base}/sandbox/v1/deliveries?per_page=1"))
        .bearer_auth(admin)
        .send()
        .await?
        .json()
        .await?;
    let some_delivery = deliveries["data"]["deliveries"][0]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let orders: Value = http
        .get(format!(
            "{base}/sandbox/v1/outlets/{outlet}/orders?per_page=1"
        ))
        .bearer_auth(admin)
        .send()
        .await?
        .json()
        .await?;
    let some_order = orders["data"]["orders"][0]["order"]["order_number"]
        .as_str()
        .unwrap_or("")
        .to_string();

    // The session cookie comes with the 303, so that one is not followed.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = no_redirect
        .post(format!("{base}/console/sign-in"))
        .form(&[("token", admin), ("next", "/console")])
        .send()
        .await?;
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("console sign-in gave no cookie")?
        .to_string();

    let overview = http
        .get(format!("{base}/console"))
        .header("cookie", &cookie)
        .send()
        .await?
        .text()
        .await?;
    let deliveries: i64 = overview
        .split("id=\"deliveries-by-result\"")
        .nth(1)
        .and_then(|rest| rest.split("</div></div>").next())
        .map(|section| {
            section
                .split("<strong>")
                .skip(1)
                .filter_map(|s| s.split('<').next()?.trim().parse::<i64>().ok())
                .sum()
        })
        .unwrap_or(0);
    println!("database: {placed} orders, {deliveries} deliveries (the overview's count)");
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "page (one request at a time)", "p50 ms", "p95 ms", "bytes"
    );
    let (p50, p95, b) = time_get(http, &format!("{base}/healthz"), None, plan.rounds).await?;
    println!(
        "{:<44} {:>9.2} {:>9.2} {:>9}",
        "baseline: GET /healthz", p50, p95, b
    );
    let sandbox_listing = format!("{base}/sandbox/v1/outlets/{outlet}/orders?per_page=50");
    let mut lat = Vec::new();
    for _ in 0..plan.rounds {
        let t0 = Instant::now();
        let r = http.get(&sandbox_listing).bearer_auth(admin).send().await?;
        let _ = r.bytes().await?;
        lat.push(t0.elapsed().as_micros() as u64);
    }
    lat.sort_unstable();
    println!(
        "{:<44} {:>9.2} {:>9.2} {:>9}",
        "baseline: sandbox API order listing (50)",
        pct(&lat, 0.5),
        pct(&lat, 0.95),
        ""
    );
    let pages = [
        "/console".to_string(),
        "/console/outlets".to_string(),
        format!("/console/outlets/{outlet}"),
        format!("/console/outlets/{outlet}/menu"),
        format!("/console/orders?outlet={outlet}"),
        format!("/console/orders/{some_order}"),
        "/console/webhooks".to_string(),
        format!("/console/webhooks/{some_delivery}"),
        format!("/console/payments?outlet={outlet}"),
        "/console/partners".to_string(),
        format!("/console/moka?outlet={outlet}"),
    ];
    for page in pages {
        match time_get(http, &format!("{base}{page}"), Some(&cookie), plan.rounds).await {
            Ok((p50, p95, b)) => println!("{page:<44} {p50:>9.2} {p95:>9.2} {b:>9}"),
            Err(e) => println!("{page:<44} not measured: {e}"),
        }
    }

    // The live feed under a busy outlet.
    let live = http
        .get(format!("{base}/console/orders/live?outlet={outlet}"))
        .header("cookie", &cookie)
        .send()
        .await?;
    if !live.status().is_success() {
        println!("live feed not measured: {}", live.status());
        return Ok(());
    }
    let mut stream = live.bytes_stream();
    let received = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = received.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(chunk)) = stream.next().await {
            counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let start = Instant::now();
    let mut next_report = 0u64;
    let interval = Duration::from_millis(1000 / plan.live_rate.max(1));
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs(plan.live_seconds) {
        let tick = Instant::now();
        if place(http, base, admin, &outlet).await {
            sent += 1;
        }
        let secs = start.elapsed().as_secs();
        if secs >= next_report {
            let rss = pid
                .and_then(crate::soak::rss_kib)
                .map(|k| format!("{} KiB", k))
                .unwrap_or_else(|| "n/a".into());
            println!(
                "live feed t={secs:>3} s: {sent} orders placed, {} bytes streamed, server RSS {rss}",
                received.load(std::sync::atomic::Ordering::Relaxed)
            );
            next_report += 10;
        }
        if let Some(rest) = interval.checked_sub(tick.elapsed()) {
            tokio::time::sleep(rest).await;
        }
    }
    reader.abort();
    Ok(())
}
