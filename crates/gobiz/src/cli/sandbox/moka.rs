//! `gobiz sandbox moka generate`: MokaPOS demo sales, in chunks so a progress bar can move.

use super::{seg, Ctx, DEMO_OUTLET};
use crate::cli::output::fields;
use crate::cli::CliResult;
use clap::Subcommand;
use gobiz_services::partner::moka::views::MokaGeneratedSales;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::io::IsTerminal;

/// Fewest sales per request (a small generation is one request, the server's own result).
const MIN_CHUNK: i64 = 100;
/// Requests a large generation is split into, at least (so the bar moves).
const STEPS: i64 = 20;
/// Most sales per request (the server takes up to 100,000).
const MAX_CHUNK: i64 = 5_000;

/// The MokaPOS subcommands.
#[derive(Debug, Subcommand)]
pub enum MokaCommand {
    /// Generate random but reproducible sales (modifiers, discounts, taxes, invoices, a few
    /// refunds) at an outlet over a range; the same options give the same sales.
    ///
    /// Example: gobiz sandbox moka generate --count 500 --seed 42
    Generate {
        /// The outlet
        #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
        outlet: String,
        /// How many sales
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=1_000_000))]
        count: i64,
        /// Earliest sale time, RFC 3339 [default: --to minus 30 days]
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Latest sale time, RFC 3339 [default: now on the sandbox clock]
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Seed of the random generator
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..=1_000_000_000))]
        seed: i64,
    },
}

#[derive(Deserialize)]
struct GeneratedData {
    generated: MokaGeneratedSales,
}

/// What `moka generate` made, over every request.
#[derive(Debug, Serialize)]
struct GenerateOutput {
    outlet_id: String,
    count: i64,
    refunds: i64,
    seed: i64,
    from: String,
    to: String,
    requests: i64,
}

/// The sizes of the requests of a generation of `count` sales.
fn chunks(count: i64) -> Vec<i64> {
    let size = (count / STEPS).clamp(MIN_CHUNK, MAX_CHUNK);
    let mut out = Vec::new();
    let mut left = count;
    while left > 0 {
        let n = left.min(size);
        out.push(n);
        left -= n;
    }
    out
}

/// `gobiz sandbox moka …`.
pub async fn run(ctx: &Ctx, command: MokaCommand) -> CliResult {
    let MokaCommand::Generate {
        outlet,
        count,
        mut from,
        mut to,
        seed,
    } = command;
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(u64::try_from(count).unwrap_or(0));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} generating Moka sales [{bar:30}] {pos}/{len} ({elapsed}, about {eta} left)",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let path = format!("/sandbox/v1/outlets/{}/moka/generate", seg(&outlet));
    let mut out = GenerateOutput {
        outlet_id: outlet.clone(),
        count: 0,
        refunds: 0,
        seed,
        from: String::new(),
        to: String::new(),
        requests: 0,
    };
    for (i, n) in (0_i64..).zip(chunks(count)) {
        let mut body = json!({ "count": n, "seed": seed + i });
        if let Some(f) = &from {
            body["from"] = json!(f);
        }
        if let Some(t) = &to {
            body["to"] = json!(t);
        }
        let g = match ctx.api.post::<GeneratedData, _>(&path, &body).await {
            Ok(d) => d.generated,
            Err(e) => {
                bar.abandon();
                return Err(e);
            }
        };
        // Every later request covers the range the first one settled on.
        from.get_or_insert_with(|| g.from.clone());
        to.get_or_insert_with(|| g.to.clone());
        if out.requests == 0 {
            out.from = g.from.clone();
            out.to = g.to.clone();
        }
        out.count += g.count;
        out.refunds += g.refunds;
        out.requests += 1;
        bar.inc(u64::try_from(g.count).unwrap_or(0));
    }
    bar.finish_and_clear();
    ctx.show(&out, |o| {
        println!(
            "Generated {} Moka sales at outlet {} ({} partly refunded).",
            o.count, o.outlet_id, o.refunds
        );
        fields(&[
            ("from", o.from.clone()),
            ("to", o.to.clone()),
            ("seed", o.seed.to_string()),
        ]);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_count() {
        assert_eq!(chunks(50), vec![50]);
        assert_eq!(chunks(100), vec![100]);
        assert_eq!(chunks(250), vec![100, 100, 50]);
        let big = chunks(1_000_000);
        assert_eq!(big.iter().sum::<i64>(), 1_000_000);
        assert!(big.iter().all(|&n| n <= MAX_CHUNK));
        assert_eq!(chunks(10_000).len(), 20);
    }
}
