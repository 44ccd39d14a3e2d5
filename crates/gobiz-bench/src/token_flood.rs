//! `gobiz-bench token-flood`: wrong client secrets in parallel against a fresh server (issue
//! 13: each one used to cost a 19 MiB argon2 run with no bound), printing the server's RSS
//! before and after each round, and the latency of correct token requests made meanwhile next
//! to a baseline of the same requests without flood, measured in the same run.
//!
//! Two phases of `--rounds` rounds each: wrong secrets for the one known client id that the
//! correct requests use (the reported attack), then wrong secrets each for a fresh unknown
//! client id (no per-client throttle applies, so every request wants argon2: the pool's bound).

use crate::{hammer_timing, pct, token_ok, Server, Stats, Target, Timed};
use anyhow::Context;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Clone)]
pub(crate) struct FloodBench {
    #[command(flatten)]
    target: Target,
    /// Rounds per phase.
    #[arg(
        long,
        default_value_t = 4,
        value_parser = crate::positive_count,
        allow_negative_numbers = true
    )]
    rounds: usize,
    /// Parallel wrong-secret connections during a round.
    #[arg(
        long,
        default_value_t = 64,
        value_parser = crate::positive_count,
        allow_negative_numbers = true
    )]
    flood: usize,
}

/// Resident set size of `pid` in MiB (`VmRSS`), and its peak (`VmHWM`).
fn rss_mib(pid: Option<u32>) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The correct requests' line, and their p99 latency in ms.
fn correct_line(mut s: Stats) -> (String, f64) {
    s.latencies_us.sort_unstable();
    let p99 = pct(&s.latencies_us, 0.99);
    (
        format!(
            "correct requests {} ok, {} failed; latency ms p50 {:.2} p99 {:.2} max {:.2}",
            s.ok,
            s.failed,
            pct(&s.latencies_us, 0.5),
            p99,
            pct(&s.latencies_us, 1.0),
        ),
        p99,
    )
}

/// Correct token requests from `connections` clients for `seconds`; the latencies of the
/// successful ones.
async fn correct_requests(
    http: &reqwest::Client,
    url: &str,
    id: &str,
    secret: &str,
    connections: usize,
    seconds: u64,
) -> Stats {
    let request = Arc::new((
        http.clone(),
        url.to_string(),
        id.to_string(),
        secret.to_string(),
    ));
    hammer_timing(connections, seconds, Timed::Successes, move || {
        let request = request.clone();
        async move {
            let (http, url, id, secret) = &*request;
            token_ok(http, url, id, secret).await
        }
    })
    .await
}

/// Answers of the wrong-secret requests by status: 401, 429, 503, other (incl. errors).
#[derive(Default)]
struct Flood {
    unauthorized: AtomicU64,
    throttled: AtomicU64,
    busy: AtomicU64,
    other: AtomicU64,
}

async fn flood(
    http: &reqwest::Client,
    url: &str,
    known_id: Option<&str>,
    tag: &str,
    connections: usize,
    seconds: u64,
) -> Arc<Flood> {
    let counts = Arc::new(Flood::default());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for conn in 0..connections {
        let (http, url, counts) = (http.clone(), url.to_string(), counts.clone());
        let known_id = known_id.map(str::to_string);
        let tag = tag.to_string();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let id = known_id
                    .clone()
                    .unwrap_or_else(|| format!("unknown-{tag}-{conn}-{n}"));
                let secret = format!("wrong-{tag}-{conn}-{n}");
                let status = http
                    .post(&url)
                    .basic_auth(&id, Some(&secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                let slot = match status {
                    Ok(401) => &counts.unauthorized,
                    Ok(429) => &counts.throttled,
                    Ok(503) => &counts.busy,
                    _ => &counts.other,
                };
                slot.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    counts
}

/// Median time of a wrong secret for the known client id and for unknown ids (9 each, one at
/// a time, alternating, distinct secrets): the two should be alike (unknown ids hash a dummy).
async fn timing_gap(http: &reqwest::Client, url: &str, known: &str) {
    let mut ms = [Vec::new(), Vec::new()];
    for i in 0..9 {
        for (slot, id) in [known.to_string(), format!("timing-unknown-{i}")]
            .into_iter()
            .enumerate()
        {
            let t0 = Instant::now();
            let status = http
                .post(url)
                .basic_auth(&id, Some(format!("timing-wrong-{i}")))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .map(|r| r.status().as_u16());
            ms[slot].push(t0.elapsed().as_secs_f64() * 1000.0);
            if status.as_ref().ok() != Some(&401) {
                println!("timing: unexpected answer {status:?}");
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [known_ms, unknown_ms] = &mut ms;
    println!(
        "wrong secret, one at a time (median of 9, alternating): known client id {:.1} ms, unknown client id {:.1} ms",
        median(known_ms),
        median(unknown_ms)
    );
}

pub(crate) async fn run(http: &reqwest::Client, b: &FloodBench) -> anyhow::Result<()> {
    let t = &b.target;
    let s: Server = crate::start(&t.server).await?;
    let pid = s._child.as_ref().and_then(|c| c.id());
    if let Some((now, _)) = rss_mib(pid) {
        println!("started: server RSS {now:.1} MiB (before any request)");
    }
    let (id, secret) = crate::fixture(http, &s, t).await?;
    let url = format!("{}/oauth2/token", s.base);
    // One correct request first: its secret is verified once and remembered, as for any
    // client in use.
    crate::client_token(http, &s.base, &id, &secret, "partner:outlet:read")
        .await
        .context("first correct token request")?;
    let connections = t.connections.clamp(1, 8);
    let seconds = t.seconds.max(1);
    let rss = |label: &str| match rss_mib(pid) {
        Some((now, peak)) => {
            println!("{label}: server RSS {now:.1} MiB (peak {peak:.1} MiB)");
            now
        }
        None => {
            println!("{label}: server RSS unknown (not started here)");
            0.0
        }
    };
    timing_gap(http, &url, &id).await;
    let start_rss = rss("fresh server after the fixture and one correct request");
    let (line, base_p99) =
        correct_line(correct_requests(http, &url, &id, &secret, connections, seconds).await);
    println!("baseline, no flood, {connections} connections for {seconds} s: {line}");
    let mut worst_p99 = 0.0f64;
    let mut worst_rss = start_rss;
    for (phase, known) in [
        ("wrong secrets for the client in use", Some(id.as_str())),
        ("wrong secrets, a fresh unknown client id each", None),
    ] {
        println!("phase: {phase}");
        for round in 1..=b.rounds {
            let before = rss_mib(pid).map(|r| r.0).unwrap_or(0.0);
            let tag = format!("{}-{round}", if known.is_some() { "k" } else { "u" });
            let (counts, correct) = tokio::join!(
                flood(http, &url, known, &tag, b.flood, seconds),
                correct_requests(http, &url, &id, &secret, connections, seconds),
            );
            let after = rss_mib(pid).map(|r| r.0).unwrap_or(0.0);
            worst_rss = worst_rss.max(after);
            let (line, p99) = correct_line(correct);
            worst_p99 = worst_p99.max(p99);
            println!(
                "  round {round}: {} connections x {seconds} s of wrong secrets -> 401 {}, 429 {}, 503 {}, other {}; RSS {before:.1} -> {after:.1} MiB ({:+.1}); {line}",
                b.flood,
                counts.unauthorized.load(Ordering::Relaxed),
                counts.throttled.load(Ordering::Relaxed),
                counts.busy.load(Ordering::Relaxed),
                counts.other.load(Ordering::Relaxed),
                after - before,
            );
        }
    }
    let end = rss("after the flood");
    println!(
        "summary: RSS {start_rss:.1} -> {end:.1} MiB (largest after a round {worst_rss:.1}, {:+.1} over the fresh server; target < +150); correct p99 baseline {base_p99:.2} ms, worst round {worst_p99:.2} ms (target < 250)",
        worst_rss - start_rss
    );
    Ok(())
}
