//! `gobiz sandbox scenario`: traffic scenarios (a lunch rush, or a custom rate curve) through
//! `/sandbox/v1/scenarios`, followed with a progress bar until their summary.

use super::{seg, Ctx, DEMO_OUTLET};
use crate::cli::output::{fields, table};
use crate::cli::{CliError, CliResult};
use clap::{Args, Subcommand};
use gobiz_http::routes::sandbox_scenarios::{ScenarioData, ScenariosData};
use gobiz_services::sandbox::scenarios::{MixSpec, NewScenario, RateSpec, Scenario};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// The scenario subcommands.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Run a scenario and follow it to its summary (Ctrl-C stops it).
    ///
    /// Example: gobiz sandbox scenario run --duration 30m --peak 40 --seed 42
    Run(RunArgs),
    /// List the scenarios, newest first.
    ///
    /// Example: gobiz sandbox scenario list
    List,
    /// Show a scenario with its summary.
    ///
    /// Example: gobiz sandbox scenario show 5b7c1e0a-8f3d-4c2b-9a61-7e4d2f0c9b18
    Show {
        /// The scenario id
        id: String,
    },
    /// Stop a running scenario (the action in flight finishes; no order is left half-placed).
    ///
    /// Example: gobiz sandbox scenario stop 5b7c1e0a-8f3d-4c2b-9a61-7e4d2f0c9b18
    Stop {
        /// The scenario id
        id: String,
    },
}

/// `gobiz sandbox scenario run` options.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The outlet that gets the orders
    #[arg(long, default_value = DEMO_OUTLET, value_name = "OUTLET_ID")]
    pub outlet: String,
    /// Simulated time in which orders are placed, e.g. 30m or 2h [default: 30m; with --rate, one minute per value]
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Orders per minute at the peak of the lunch rush
    #[arg(long, value_name = "ORDERS")]
    pub peak: Option<f64>,
    /// A custom curve instead of the lunch rush: orders per minute, one value per minute (e.g. 2,5,10,5,2)
    #[arg(long, value_delimiter = ',', value_name = "ORDERS,…")]
    pub rate: Vec<f64>,
    /// Share of pickup orders (0–1)
    #[arg(long, value_name = "SHARE")]
    pub pickup: Option<f64>,
    /// Share of orders the customer cancels (0–1)
    #[arg(long, value_name = "SHARE")]
    pub cancel: Option<f64>,
    /// Share of orders nobody accepts until the deadline (0–1)
    #[arg(long, value_name = "SHARE")]
    pub timeout: Option<f64>,
    /// Share of orders that come with a QRIS payment (0–1)
    #[arg(long, value_name = "SHARE")]
    pub payment: Option<f64>,
    /// Share of those payments that get paid; the others expire (0–1)
    #[arg(long, value_name = "SHARE")]
    pub paid: Option<f64>,
    /// One simulated minute per real minute, the clock untouched [default: compressed on the sandbox clock, seconds for 30 minutes]
    #[arg(long)]
    pub real_time: bool,
    /// Seed: the same seed, options and menu give the same orders [default: random, printed]
    #[arg(long)]
    pub seed: Option<i64>,
    /// Start it and print its id without following it
    #[arg(long)]
    pub detach: bool,
}

/// Runs a scenario subcommand.
pub async fn run(ctx: &Ctx, command: ScenarioCommand) -> CliResult {
    match command {
        ScenarioCommand::Run(a) => start(ctx, a).await,
        ScenarioCommand::List => {
            let d: ScenariosData = ctx.api.get("/sandbox/v1/scenarios").await?;
            ctx.show(&d.scenarios, |list| {
                let rows = list
                    .iter()
                    .map(|s| {
                        vec![
                            s.id.clone(),
                            s.name.clone(),
                            s.outlet_id.clone(),
                            s.status.clone(),
                            format!("{}/{} min", s.progress.minute, s.progress.total_minutes),
                            format!("{}/{}", s.progress.orders_placed, s.progress.orders_planned),
                            s.started_at.clone(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID", "NAME", "OUTLET", "STATUS", "PROGRESS", "ORDERS", "STARTED",
                    ],
                    rows,
                );
            });
            Ok(())
        }
        ScenarioCommand::Show { id } => {
            let s = get(ctx, &id).await?;
            ctx.show(&s, print);
            Ok(())
        }
        ScenarioCommand::Stop { id } => {
            let d: ScenarioData = ctx
                .api
                .post(
                    &format!("/sandbox/v1/scenarios/{}/stop", seg(&id)),
                    &serde_json::json!({}),
                )
                .await?;
            ctx.show(&d.scenario, print);
            Ok(())
        }
    }
}

async fn get(ctx: &Ctx, id: &str) -> CliResult<Scenario> {
    let d: ScenarioData = ctx
        .api
        .get(&format!("/sandbox/v1/scenarios/{}", seg(id)))
        .await?;
    Ok(d.scenario)
}

/// Whole minutes of `--duration`.
fn minutes(raw: &str) -> CliResult<i64> {
    let secs = super::duration::parse_seconds(raw)
        .map_err(|e| CliError::usage(format!("--duration: {e}")))?;
    if secs % 60 != 0 {
        return Err(CliError::usage(format!(
            "--duration {raw:?} must be whole minutes, e.g. 30m or 1h30m"
        )));
    }
    Ok(secs / 60)
}

async fn start(ctx: &Ctx, a: RunArgs) -> CliResult {
    let custom = !a.rate.is_empty();
    if custom && a.peak.is_some() {
        return Err(CliError::usage(
            "--peak shapes the lunch rush; with --rate the curve is given minute by minute",
        ));
    }
    let mix = [a.pickup, a.cancel, a.timeout, a.payment, a.paid]
        .iter()
        .any(Option::is_some)
        .then_some(MixSpec {
            pickup: a.pickup,
            customer_cancel: a.cancel,
            timeout: a.timeout,
            payment: a.payment,
            payment_paid: a.paid,
        });
    let req = NewScenario {
        name: Some(if custom { "custom" } else { "lunch-rush" }.into()),
        outlet_id: Some(a.outlet.clone()),
        duration_minutes: a.duration.as_deref().map(minutes).transpose()?,
        peak_orders_per_minute: a.peak,
        rate: custom.then(|| RateSpec {
            per_minute: Some(a.rate.clone()),
            points: None,
        }),
        mix,
        compressed: Some(!a.real_time),
        seed: a.seed,
    };
    let d: ScenarioData = ctx.api.post("/sandbox/v1/scenarios", &req).await?;
    let scenario = d.scenario;
    if a.detach {
        ctx.show(&scenario, |s| {
            println!(
                "started scenario {} (seed {}); follow it with: gobiz sandbox scenario show {}",
                s.id, s.spec.seed, s.id
            )
        });
        return Ok(());
    }
    if !ctx.json {
        eprintln!(
            "scenario {} started: {} at {}, {} orders over {} min{}, seed {} (Ctrl-C stops it)",
            scenario.id,
            scenario.name,
            scenario.outlet_id,
            scenario.progress.orders_planned,
            scenario.spec.duration_minutes,
            if scenario.spec.compressed {
                " (compressed)"
            } else {
                ""
            },
            scenario.spec.seed
        );
    }
    let done = follow(ctx, &scenario).await?;
    ctx.show(&done, print);
    if done.status == "failed" {
        return Err(CliError::new(
            crate::cli::Failure::Server,
            format!(
                "the scenario failed: {}",
                done.reason.as_deref().unwrap_or("no reason given")
            ),
        ));
    }
    Ok(())
}

/// Polls the scenario until it ends, with a bar on a terminal; Ctrl-C asks it to stop.
async fn follow(ctx: &Ctx, s: &Scenario) -> CliResult<Scenario> {
    let bar = if std::io::stderr().is_terminal() && !ctx.json {
        let b = ProgressBar::new(u64::try_from(s.progress.total_minutes).unwrap_or(0));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} minute {pos}/{len} [{bar:30}] {msg} ({elapsed})",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    } else {
        ProgressBar::hidden()
    };
    let mut stop_asked = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let now = get(ctx, &s.id).await?;
        bar.set_position(u64::try_from(now.progress.minute).unwrap_or(0));
        bar.set_message(format!(
            "{}/{} orders placed",
            now.progress.orders_placed, now.progress.orders_planned
        ));
        if !matches!(now.status.as_str(), "running" | "stopping") {
            bar.finish_and_clear();
            return Ok(now);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(300)) => {}
            _ = &mut ctrl_c, if !stop_asked => {
                stop_asked = true;
                bar.println("stopping: the action in flight finishes first");
                let _: ScenarioData = ctx
                    .api
                    .post(&format!("/sandbox/v1/scenarios/{}/stop", seg(&s.id)), &serde_json::json!({}))
                    .await?;
            }
        }
    }
}

fn print(s: &Scenario) {
    let mut rows = vec![
        ("scenario", s.id.clone()),
        ("name", s.name.clone()),
        ("outlet", s.outlet_id.clone()),
        ("status", s.status.clone()),
        ("seed", s.spec.seed.to_string()),
        (
            "progress",
            format!(
                "minute {}/{}, {}/{} orders placed, {} actions refused",
                s.progress.minute,
                s.progress.total_minutes,
                s.progress.orders_placed,
                s.progress.orders_planned,
                s.progress.refused_actions
            ),
        ),
        ("started", s.started_at.clone()),
        ("ended", s.ended_at.clone().unwrap_or_else(|| "-".into())),
    ];
    if let Some(r) = &s.reason {
        rows.push(("reason", r.clone()));
    }
    if let Some(sum) = &s.summary {
        let o = &sum.orders;
        rows.push((
            "orders",
            format!(
                "{} placed, {} accepted, {} completed, {} cancelled by customers, {} timed out, {} rejected, {} open",
                o.placed, o.accepted, o.completed, o.cancelled_by_customer, o.timed_out, o.rejected, o.open
            ),
        ));
        let p = &sum.payments;
        rows.push((
            "payments",
            format!(
                "{} created, {} settled, {} expired, {} cancelled, {} pending",
                p.created, p.settled, p.expired, p.cancelled, p.pending
            ),
        ));
        let w = &sum.webhooks;
        let ms = |v: Option<i64>| v.map(|v| format!("{v} ms")).unwrap_or_else(|| "-".into());
        rows.push((
            "webhooks",
            format!(
                "{} deliveries ({} delivered, {} failed, {} pending), {} attempts",
                w.deliveries, w.delivered, w.failed, w.pending, w.attempts
            ),
        ));
        rows.push((
            "answer times",
            format!("p50 {}, p99 {}", ms(w.p50_ms), ms(w.p99_ms)),
        ));
        if !w.failures.is_empty() {
            let kinds: Vec<String> = w.failures.iter().map(|(k, n)| format!("{k} {n}")).collect();
            rows.push(("failures", kinds.join(", ")));
        }
    }
    fields(&rows);
}
