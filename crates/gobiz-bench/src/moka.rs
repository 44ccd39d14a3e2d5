//! MokaPOS figures: loads `--days` × `--per-day` generated sales into one outlet, then times
//! (1) the sales summary, item-sales and modifiers reports over the whole range, one request
//! at a time, (2) the summary under `--connections` concurrent clients, and (3) paging through
//! every transaction with `per_page=1000`, checking each id arrives exactly once.

use crate::{hammer, report_raw};
use anyhow::{bail, Context};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Instant;

const DAY_MS: i64 = 86_400_000;

fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

async fn post_ok(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let r = http.post(url).bearer_auth(token).json(body).send().await?;
    let status = r.status();
    let v: Value = r.json().await?;
    if !status.is_success() {
        bail!("{url}: {status} {v}");
    }
    Ok(v)
}

fn median_ms(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (
        v.first().copied().unwrap_or(0.0),
        v.get(v.len() / 2).copied().unwrap_or(0.0),
        v.last().copied().unwrap_or(0.0),
    )
}

/// Loads the data and prints every figure.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    admin_token: &str,
    outlet: &str,
    token: &str,
    days: i64,
    per_day: i64,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    // Whole days ending at the last midnight, UTC.
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let end = now - now.rem_euclid(DAY_MS);
    let start = end - days * DAY_MS;
    let t0 = Instant::now();
    for d in 0..days {
        let from = start + d * DAY_MS;
        post_ok(
            http,
            &format!("{base}/sandbox/v1/outlets/{outlet}/moka/generate"),
            admin_token,
            &json!({ "count": per_day, "seed": d, "from": rfc3339(from), "to": rfc3339(from + DAY_MS - 1000) }),
        )
        .await?;
    }
    let total = days * per_day;
    let load = t0.elapsed().as_secs_f64();
    println!(
        "loaded {total} sales ({days} days x {per_day}/day) through /moka/generate in {load:.1} s ({:.0} sales/s)",
        total as f64 / load
    );

    let body = json!({ "query": { "range": { "transaction_time": { "gte": rfc3339(start), "lte": rfc3339(end - 1000) } } } });
    let reports = format!("{base}/integrations/mokapos/outlets/{outlet}/v1/reporting");
    let mut summary_gross = 0;
    for report in ["sales-summary", "item-sales", "modifiers"] {
        let url = format!("{reports}/{report}");
        for _ in 0..3 {
            post_ok(http, &url, token, &body).await?;
        }
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let v = post_ok(http, &url, token, &body).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if report == "sales-summary" {
                summary_gross = v["data"]["sales_summary"][0]["gross_amount"]
                    .as_i64()
                    .unwrap_or(0);
            }
            if report == "item-sales" {
                let items = v["data"]["total_gross_sales"].as_i64().unwrap_or(-1);
                if items != summary_gross {
                    bail!("item-sales gross {items} != summary gross {summary_gross}");
                }
            }
        }
        let (min, med, max) = median_ms(times);
        println!(
            "POST reporting/{report} over {days} days ({total} sales), one at a time: min {min:.1} ms, median {med:.1} ms, max {max:.1} ms"
        );
    }

    let (h, u, tk, b) = (
        http.clone(),
        format!("{reports}/sales-summary"),
        token.to_string(),
        body.clone(),
    );
    let stats = hammer(connections, seconds, move || {
        let (h, u, tk, b) = (h.clone(), u.clone(), tk.clone(), b.clone());
        async move {
            match h.post(&u).bearer_auth(&tk).json(&b).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    report_raw(
        "POST reporting/sales-summary (30-day range)",
        seconds,
        connections,
        stats,
    );

    let t = Instant::now();
    let mut seen = HashSet::new();
    let mut pages = 0;
    let mut last_date = String::from("9999");
    for page in 1.. {
        let url = format!("{reports}/transactions?per_page=1000&page={page}&order=DESC");
        let v: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let list = v["data"]["transactions"]
            .as_array()
            .context("transactions")?;
        pages += 1;
        for tx in list {
            let id = tx["id"].as_str().context("id")?.to_string();
            let date = tx["transaction_date"].as_str().context("date")?.to_string();
            if date > last_date {
                bail!("page {page}: {date} after {last_date} in DESC order");
            }
            last_date = date;
            if !seen.insert(id) {
                bail!("page {page}: a transaction came twice");
            }
        }
        if v["data"]["completed"] == json!(true) {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    if seen.len() as i64 != total {
        bail!("paged {} transactions, expected {total}", seen.len());
    }
    println!(
        "GET reporting/transactions: {} transactions in {pages} pages of 1000 in {secs:.2} s ({:.0} ms/page, {:.0} transactions/s), each exactly once",
        seen.len(),
        secs * 1000.0 / pages as f64,
        seen.len() as f64 / secs
    );
    Ok(())
}
