//! `gobiz sandbox chaos`: a partner's delivery chaos (duplicates, reordering, delays,
//! simulated failures), through `/sandbox/v1/partners/{partner_id}/chaos`.

use super::{seg, Ctx};
use crate::cli::output::fields;
use crate::cli::{CliError, CliResult};
use clap::{Args, Subcommand};
use gobiz_domain::chaos::{Delay, Duplicate, Fail, Reorder};
use gobiz_http::routes::sandbox_chaos::{ChaosData, ChaosView};
use gobiz_services::sandbox::ChaosSettings;
use reqwest::Method;

/// `gobiz sandbox chaos …`.
#[derive(Debug, Subcommand)]
pub enum ChaosCommand {
    /// Show a partner's chaos settings.
    ///
    /// Example: gobiz sandbox chaos show --partner 7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d
    Show(PartnerArg),
    /// Set a partner's chaos (parts not given are off; the same seed replays the same decisions).
    ///
    /// Example: gobiz sandbox chaos set --duplicate 0.2 --reorder-window 5s --fail 0.3 --fail-status 503 --seed 42
    Set(SetArgs),
    /// Turn a partner's chaos off.
    ///
    /// Example: gobiz sandbox chaos off --partner 7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d
    Off(PartnerArg),
}

/// `--partner`.
#[derive(Debug, Args)]
pub struct PartnerArg {
    /// The partner [default: the partner named "Demo POS" of the demo data]
    #[arg(long, value_name = "PARTNER_ID")]
    pub partner: Option<String>,
}

/// `gobiz sandbox chaos set` options.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The partner.
    #[command(flatten)]
    pub partner: PartnerArg,
    /// Seed of every decision [default: a random one, printed]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of deliveries sent twice (0 to 1)
    #[arg(long, value_name = "FRACTION")]
    pub duplicate: Option<f64>,
    /// Time between a delivery and its duplicate
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_ms)]
    pub duplicate_gap: i64,
    /// Hold every delivery a random time up to this window (out-of-order arrival), e.g. 5s
    #[arg(long, value_name = "DURATION", value_parser = parse_ms)]
    pub reorder_window: Option<i64>,
    /// Wait before the first attempt: a fixed time (10s) or a range (1s-10s)
    #[arg(long, value_name = "DURATION[-DURATION]")]
    pub delay: Option<String>,
    /// Share of attempts recorded as failed without sending (0 to 1)
    #[arg(long, value_name = "FRACTION")]
    pub fail: Option<f64>,
    /// The simulated answer of --fail [default: a timeout]
    #[arg(long, value_name = "STATUS")]
    pub fail_status: Option<u16>,
}

fn parse_ms(raw: &str) -> Result<i64, String> {
    super::duration::parse_seconds(raw).map(|secs| secs * 1000)
}

/// Runs a chaos subcommand.
pub async fn run(ctx: &Ctx, command: ChaosCommand) -> CliResult {
    let view = match command {
        ChaosCommand::Show(p) => {
            let id = partner(ctx, p).await?;
            let d: ChaosData = ctx.api.get(&path(&id)).await?;
            d.chaos
        }
        ChaosCommand::Off(p) => {
            let id = partner(ctx, p).await?;
            let d: ChaosData = ctx.api.delete(&path(&id)).await?;
            d.chaos
        }
        ChaosCommand::Set(a) => {
            let delay = a.delay.as_deref().map(parse_delay).transpose()?;
            let settings = ChaosSettings {
                seed: a.seed,
                duplicate: a.duplicate.map(|fraction| Duplicate {
                    fraction,
                    gap_ms: a.duplicate_gap,
                }),
                reorder: a.reorder_window.map(|window_ms| Reorder { window_ms }),
                delay,
                fail: a.fail.map(|fraction| Fail {
                    fraction,
                    status: a.fail_status,
                }),
            };
            let id = partner(ctx, a.partner).await?;
            let d: ChaosData = ctx
                .api
                .send_json(Method::PUT, &path(&id), &settings)
                .await?;
            d.chaos
        }
    };
    ctx.show(&view, print);
    Ok(())
}

fn path(partner: &str) -> String {
    format!("/sandbox/v1/partners/{}/chaos", seg(partner))
}

/// `10s` or `1s-10s`.
fn parse_delay(raw: &str) -> CliResult<Delay> {
    let (lo, hi) = raw.split_once('-').unwrap_or((raw, raw));
    let ms =
        |t: &str| parse_ms(t.trim()).map_err(|e| CliError::usage(format!("--delay {raw:?}: {e}")));
    Ok(Delay {
        min_ms: ms(lo)?,
        max_ms: ms(hi)?,
    })
}

/// The partner given, or the demo data's "Demo POS".
async fn partner(ctx: &Ctx, p: PartnerArg) -> CliResult<String> {
    if let Some(id) = p.partner {
        return Ok(id);
    }
    let list: serde_json::Value = ctx.api.get("/sandbox/v1/partners").await?;
    list["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "Demo POS")
        .and_then(|p| p["id"].as_str())
        .map(String::from)
        .ok_or_else(|| {
            CliError::usage(
                "no --partner given and no demo partner (\"Demo POS\") on the server; see gobiz sandbox partners list",
            )
        })
}

fn print(c: &ChaosView) {
    let Some(s) = &c.settings else {
        fields(&[("partner", c.partner_id.clone()), ("chaos", "off".into())]);
        return;
    };
    let mut rows = vec![
        ("partner", c.partner_id.clone()),
        ("chaos", "on".into()),
        ("seed", s.seed.to_string()),
    ];
    if let Some(d) = &s.duplicate {
        rows.push((
            "duplicate",
            format!("{} of deliveries, {} ms later", d.fraction, d.gap_ms),
        ));
    }
    if let Some(r) = &s.reorder {
        rows.push(("reorder", format!("held 0 to {} ms", r.window_ms)));
    }
    if let Some(d) = &s.delay {
        rows.push((
            "delay",
            format!("{} to {} ms before the first attempt", d.min_ms, d.max_ms),
        ));
    }
    if let Some(f) = &s.fail {
        let what = f
            .status
            .map(|s| format!("HTTP {s}"))
            .unwrap_or_else(|| "a timeout".into());
        rows.push((
            "fail",
            format!("{} of attempts recorded as {what}, not sent", f.fraction),
        ));
    }
    rows.push(("decisions", c.decisions.to_string()));
    fields(&rows);
}
