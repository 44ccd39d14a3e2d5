//! Traffic scenarios (issue 19): `lunch-rush` or a custom rate curve and mix of orders,
//! placed on an outlet from its real menu and walked on (drivers, completions, customer
//! cancellations, manual-mode timeouts, QRIS payments paid or expired) in real time or
//! compressed on the sandbox clock.
//!
//! The plan (how many orders each minute, what becomes of each, the baskets) is pure and
//! seeded: `gobiz_domain::scenario`. The runner ([`runner`]) is a tokio task on the node
//! that got the `POST`; it carries every action out through the sandbox's own use cases (the
//! customer, driver and payer simulators, the clock) and keeps its status, progress and a
//! heartbeat in the `scenarios` table, so any node can read or stop it. The summary
//! ([`summary`]) is counted from the database when it is read.

mod runner;
mod summary;

pub use summary::{OrderCounts, PaymentCounts, ScenarioSummary, WebhookCounts};

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::ids::OutletId;
use gobiz_domain::model::AcceptanceMode;
use gobiz_domain::scenario::{
    counts, interpolate, lunch_rush_rates, orderable_items, plan, Mix, MAX_DURATION_MINUTES,
    MAX_ORDERS, MAX_RATE, MAX_SEED, TAIL_MINUTES,
};
use gobiz_domain::timefmt::rfc3339_millis;
use gobiz_domain::validation::Violations;
use gobiz_store::scenarios::{self as store, StoredScenario};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// A scenario whose heartbeat is older than this lost its node and is marked `failed`.
pub const STALE_AFTER_MS: i64 = 30_000;
/// How long `stop` waits for the runner to finish the action in flight.
const STOP_WAIT_MS: u64 = 10_000;
/// The names a scenario may have.
pub const NAMES: [&str; 2] = ["lunch-rush", "custom"];

/// Body of `POST /sandbox/v1/scenarios`: a named scenario (`lunch-rush`, tuned by
/// `duration_minutes`, `peak_orders_per_minute` and `mix`) or `custom` (a `rate` curve).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "lunch-rush", "outlet_id": "G000012345", "duration_minutes": 30, "peak_orders_per_minute": 40, "compressed": true, "seed": 42}))]
pub struct NewScenario {
    /// `lunch-rush` (orders per minute rise to the peak and fall back) or `custom` (the
    /// `rate` curve).
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(lunch-rush|custom)$")]
    pub name: Option<String>,
    /// The outlet that gets the orders; it needs a menu with something in stock.
    #[schema(required = true, nullable = false, value_type = String, example = "G000012345")]
    pub outlet_id: Option<String>,
    /// Simulated minutes in which orders are placed, 1 to 720 (default 30 for `lunch-rush`,
    /// the length of `rate.per_minute` for `custom`). Four more minutes follow with no new
    /// orders, for the follow-ups and timeouts.
    #[schema(required = false, nullable = false, value_type = i64, minimum = 1, maximum = 720)]
    pub duration_minutes: Option<i64>,
    /// `lunch-rush` only: orders per minute at the peak, above 0 and up to 600 (default 40).
    #[schema(required = false, nullable = false, value_type = f64, minimum = 0, maximum = 600)]
    pub peak_orders_per_minute: Option<f64>,
    /// `custom` only (and required there): the orders per minute.
    #[schema(required = false, nullable = false, value_type = RateSpec)]
    pub rate: Option<RateSpec>,
    /// Shares of what becomes of the orders; absent parts keep the `lunch-rush` mix
    /// (pickup 0.2, customer_cancel 0.05, timeout 0.03, payment 0.3, payment_paid 0.8).
    #[schema(required = false, nullable = false, value_type = MixSpec)]
    pub mix: Option<MixSpec>,
    /// `true`: each simulated minute's actions run at once and then the sandbox clock moves
    /// one minute (timers and timeouts fire), so 30 minutes take seconds. `false` (default):
    /// one simulated minute per real minute, the clock untouched.
    #[schema(required = false, nullable = false, value_type = bool)]
    pub compressed: Option<bool>,
    /// Seed, 0 to 2^53-1 (default: random, shown in the answer). The same seed, spec and
    /// menu give the same orders, baskets and actions, minute by minute.
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub seed: Option<i64>,
}

/// A custom rate curve: `per_minute` (one rate per minute) or `points` (linear between).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"points": [{"minute": 0, "orders_per_minute": 2}, {"minute": 10, "orders_per_minute": 20}, {"minute": 20, "orders_per_minute": 2}]}))]
pub struct RateSpec {
    /// Orders per minute of each minute, 0 to 600 each (fractions carry over to the next
    /// minutes); at most 720 values.
    #[schema(required = false, nullable = false, value_type = Vec<f64>)]
    pub per_minute: Option<Vec<f64>>,
    /// Points of the curve by minute, in increasing minute order; linear between points, flat
    /// before the first and after the last. Needs `duration_minutes`.
    #[schema(required = false, nullable = false, value_type = Vec<RatePoint>)]
    pub points: Option<Vec<RatePoint>>,
}

/// A point of a rate curve.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatePoint {
    /// The minute, 0 to 720.
    #[schema(required = true, nullable = false, value_type = f64)]
    pub minute: Option<f64>,
    /// Orders per minute there, 0 to 600.
    #[schema(required = true, nullable = false, value_type = f64)]
    pub orders_per_minute: Option<f64>,
}

/// Shares (0 to 1) of what becomes of the orders; absent = the `lunch-rush` share.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"pickup": 0.2, "customer_cancel": 0.05, "timeout": 0.03, "payment": 0.3, "payment_paid": 0.8}))]
pub struct MixSpec {
    /// Pickup orders (the rest are delivery).
    #[schema(required = false, nullable = false, value_type = f64, minimum = 0, maximum = 1)]
    pub pickup: Option<f64>,
    /// Orders the customer cancels in the minute of placing them or the next.
    #[schema(required = false, nullable = false, value_type = f64, minimum = 0, maximum = 1)]
    pub customer_cancel: Option<f64>,
    /// Orders nobody accepts: the outlet runs in `manual` mode for the scenario and the
    /// 180 s deadline cancels them (`MERCHANT_TIMEOUT`). `customer_cancel + timeout` ≤ 1.
    #[schema(required = false, nullable = false, value_type = f64, minimum = 0, maximum = 1)]
    pub timeout: Option<f64>,
    /// Orders that come with a QRIS payment of their total (needs a partner that has the
    /// outlet for `payment`).
    #[schema(required = false, nullable = false, value_type = f64, minimum = 0, maximum = 1)]
    pub payment: Option<f64>,
    /// Payments that get paid; the others expire.
    #[schema(required = false, nullable = false, value_type = f64, minimum = 0, maximum = 1)]
    pub payment_paid: Option<f64>,
}

/// A scenario's spec after defaults: what the runner plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScenarioSpec {
    /// `lunch-rush` or `custom`.
    pub name: String,
    /// The outlet.
    pub outlet_id: String,
    /// Minutes in which orders are placed.
    pub duration_minutes: u32,
    /// `lunch-rush`: the peak rate.
    pub peak_orders_per_minute: Option<f64>,
    /// Whole orders placed in each minute (the curve after carrying fractions).
    pub orders_per_minute: Vec<u32>,
    /// The mix.
    pub mix: Mix,
    /// Compressed on the sandbox clock, or real time.
    pub compressed: bool,
    /// The seed in use.
    pub seed: u64,
}

/// Where a scenario stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScenarioProgress {
    /// Simulated minutes done.
    pub minute: i64,
    /// Minutes of the whole run: `duration_minutes` plus 4 minutes without new orders.
    pub total_minutes: i64,
    /// Orders the plan places.
    pub orders_planned: i64,
    /// Orders placed so far.
    pub orders_placed: i64,
    /// Actions the sandbox refused (e.g. an item out of stock, or an order the partner had
    /// already rejected); the scenario goes on.
    pub refused_actions: i64,
}

/// A traffic scenario as the sandbox shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scenario {
    /// Id (UUID).
    #[schema(format = "uuid")]
    pub id: String,
    /// `lunch-rush` or `custom`.
    pub name: String,
    /// The outlet.
    pub outlet_id: String,
    /// `running`, `stopping` (asked to stop; finishes the action in flight), `stopped`,
    /// `finished` or `failed`.
    #[schema(pattern = "^(running|stopping|stopped|finished|failed)$")]
    pub status: String,
    /// Why it failed, or `null`.
    pub reason: Option<String>,
    /// The spec it plays.
    pub spec: ScenarioSpec,
    /// Where it stands.
    pub progress: ScenarioProgress,
    /// The acceptance mode the outlet had and gets back at the end, when the scenario
    /// switched it to `manual` for its timeouts; else `null`.
    pub restores_acceptance_mode: Option<String>,
    /// Start (sandbox clock, UTC).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// End (sandbox clock, UTC), or `null` while it runs.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// The counts, read from the database when asked (one scenario only; `null` in lists).
    pub summary: Option<ScenarioSummary>,
}

/// The scenarios this node runs: a stop flag each.
#[derive(Debug)]
pub struct ScenarioRunners {
    node: String,
    stops: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl Default for ScenarioRunners {
    fn default() -> Self {
        ScenarioRunners {
            node: uuid::Uuid::new_v4().to_string(),
            stops: Mutex::new(HashMap::new()),
        }
    }
}

impl ScenarioRunners {
    fn register(&self, id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut m) = self.stops.lock() {
            m.insert(id.to_string(), flag.clone());
        }
        flag
    }

    fn forget(&self, id: &str) {
        if let Ok(mut m) = self.stops.lock() {
            m.remove(id);
        }
    }

    fn signal(&self, id: &str) {
        if let Ok(m) = self.stops.lock() {
            if let Some(f) = m.get(id) {
                f.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
}

/// Real time in ms (heartbeats; the sandbox clock moves under compressed scenarios).
pub(crate) fn real_now_ms() -> i64 {
    gobiz_domain::clock::wall_now_ms()
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("Scenario {id} not found"))
}

fn share(v: &mut Violations, path: &str, value: Option<f64>, default: f64) -> f64 {
    match value {
        Some(x) if x.is_finite() && (0.0..=1.0).contains(&x) => x,
        Some(_) => {
            v.add(path, "must be a number from 0 to 1");
            default
        }
        None => default,
    }
}

fn rate_ok(x: f64) -> bool {
    x.is_finite() && (0.0..=MAX_RATE).contains(&x)
}

/// Checks a request and fills in the defaults (400 with every violation).
fn resolve(input: &NewScenario, outlet_id: &str, random_seed: u64) -> ServiceResult<ScenarioSpec> {
    let mut v = Violations::new();
    let name = input.name.clone().unwrap_or_default();
    if input.name.is_none() {
        v.add("name", "is required (lunch-rush or custom)");
    } else if !NAMES.contains(&name.as_str()) {
        v.add("name", "must be one of lunch-rush, custom");
    }
    let duration = match input.duration_minutes {
        Some(d) if d < 1 || d > i64::from(MAX_DURATION_MINUTES) => {
            v.add("duration_minutes", "must be 1 to 720");
            None
        }
        d => d.map(|d| d as u32),
    };
    let d = Mix::LUNCH_RUSH;
    let m = input.mix.clone().unwrap_or_default();
    let mix = Mix {
        pickup: share(&mut v, "mix.pickup", m.pickup, d.pickup),
        customer_cancel: share(
            &mut v,
            "mix.customer_cancel",
            m.customer_cancel,
            d.customer_cancel,
        ),
        timeout: share(&mut v, "mix.timeout", m.timeout, d.timeout),
        payment: share(&mut v, "mix.payment", m.payment, d.payment),
        payment_paid: share(&mut v, "mix.payment_paid", m.payment_paid, d.payment_paid),
    };
    if mix.customer_cancel + mix.timeout > 1.0 + 1e-9 {
        v.add("mix", "customer_cancel + timeout must be at most 1");
    }
    let seed = match input.seed {
        None => random_seed,
        Some(s) if s < 0 || s as u64 > MAX_SEED => {
            v.add("seed", "must be 0 to 9007199254740991");
            0
        }
        Some(s) => s as u64,
    };
    let mut peak = None;
    let mut rates: Vec<f64> = Vec::new();
    if name == "lunch-rush" {
        if input.rate.is_some() {
            v.add(
                "rate",
                "is for custom scenarios only (lunch-rush has its own curve)",
            );
        }
        let p = input.peak_orders_per_minute.unwrap_or(40.0);
        if !(rate_ok(p) && p > 0.0) {
            v.add("peak_orders_per_minute", "must be above 0 and at most 600");
        } else {
            peak = Some(p);
            rates = lunch_rush_rates(duration.unwrap_or(30), p);
        }
    } else if name == "custom" {
        if input.peak_orders_per_minute.is_some() {
            v.add(
                "peak_orders_per_minute",
                "is for lunch-rush only (use rate)",
            );
        }
        match &input.rate {
            None => v.add("rate", "is required for a custom scenario"),
            Some(r) => match (&r.per_minute, &r.points) {
                (Some(_), Some(_)) | (None, None) => {
                    v.add("rate", "needs exactly one of per_minute, points")
                }
                (Some(list), None) => {
                    if list.is_empty() || list.len() > MAX_DURATION_MINUTES as usize {
                        v.add("rate.per_minute", "must have 1 to 720 values");
                    }
                    for (i, x) in list.iter().enumerate() {
                        if !rate_ok(*x) {
                            v.add(format!("rate.per_minute[{i}]"), "must be 0 to 600");
                        }
                    }
                    if let Some(d) = duration {
                        if d as usize != list.len() && !list.is_empty() {
                            v.add(
                                "duration_minutes",
                                "must equal the number of rate.per_minute values (or be absent)",
                            );
                        }
                    }
                    rates = list.clone();
                }
                (None, Some(points)) => {
                    if points.is_empty() || points.len() > MAX_DURATION_MINUTES as usize {
                        v.add("rate.points", "must have 1 to 720 points");
                    }
                    if duration.is_none() && input.duration_minutes.is_none() {
                        v.add("duration_minutes", "is required with rate.points");
                    }
                    let mut last = f64::NEG_INFINITY;
                    let mut pts = Vec::new();
                    for (i, p) in points.iter().enumerate() {
                        match p.minute {
                            Some(x) if x.is_finite() && (0.0..=720.0).contains(&x) => {
                                if x < last {
                                    v.add(
                                        format!("rate.points[{i}].minute"),
                                        "must not be below the previous point's",
                                    );
                                }
                                last = x;
                            }
                            _ => v.add(format!("rate.points[{i}].minute"), "must be 0 to 720"),
                        }
                        match p.orders_per_minute {
                            Some(x) if rate_ok(x) => {}
                            _ => v.add(
                                format!("rate.points[{i}].orders_per_minute"),
                                "must be 0 to 600",
                            ),
                        }
                        pts.push((
                            p.minute.unwrap_or_default(),
                            p.orders_per_minute.unwrap_or_default(),
                        ));
                    }
                    rates = interpolate(&pts, duration.unwrap_or(1));
                }
            },
        }
    }
    let per_minute = counts(&rates);
    let total: u64 = per_minute.iter().map(|n| u64::from(*n)).sum();
    if total > MAX_ORDERS {
        v.add(
            "rate",
            format!("places {total} orders; at most {MAX_ORDERS}"),
        );
    }
    v.finish()?;
    Ok(ScenarioSpec {
        name,
        outlet_id: outlet_id.to_string(),
        duration_minutes: per_minute.len() as u32,
        peak_orders_per_minute: peak,
        orders_per_minute: per_minute,
        mix,
        compressed: input.compressed.unwrap_or(false),
        seed,
    })
}

impl Services {
    /// `POST /sandbox/v1/scenarios`: checks the request, the outlet (404), its menu and its
    /// payment partner (422), switches the outlet to `manual` when the mix has timeouts, and
    /// starts the runner on this node. Answers the scenario as it starts (`running`).
    pub async fn start_scenario(&self, input: NewScenario) -> ServiceResult<Scenario> {
        self.sweep_stale_scenarios().await?;
        let outlet_id = match input.outlet_id.as_deref() {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => {
                // Report every other violation with this one.
                let mut v = Violations::new();
                v.add("outlet_id", "is required");
                if let Err(ServiceError::Invalid(more)) = resolve(&input, "", 0) {
                    for m in more {
                        v.add(m.path, m.problem);
                    }
                }
                v.finish()?;
                return Err(ServiceError::invalid("outlet_id", "is required"));
            }
        };
        let spec = resolve(&input, &outlet_id, rand::random::<u64>() & MAX_SEED)?;
        let outlet = self.get_outlet(&outlet_id).await?;
        if outlet.force_close {
            return Err(ServiceError::Unprocessable(format!(
                "Outlet {outlet_id} is closed (force_close)"
            )));
        }
        let now = self.clock.now_ms();
        let has_menu = self
            .catalog_of(&outlet_id)
            .await?
            .is_some_and(|c| !orderable_items(&c, now).is_empty());
        if !has_menu {
            return Err(ServiceError::Unprocessable(format!(
                "Outlet {outlet_id} has no menu to order from: set a catalog with an item in stock and on sale now"
            )));
        }
        if spec.mix.payment > 0.0
            && self
                .payment_partner(&OutletId::new(outlet_id.clone()))
                .await?
                .is_none()
        {
            return Err(ServiceError::Unprocessable(format!(
                "No partner has outlet {outlet_id} for payment: link one first, or set mix.payment to 0"
            )));
        }
        for other in store::list(&mut self.db.conn().await?, 1000).await? {
            if other.outlet_id == outlet_id
                && matches!(other.status.as_str(), "running" | "stopping")
            {
                return Err(ServiceError::Conflict(format!(
                    "Scenario {} is already running on outlet {outlet_id}",
                    other.id
                )));
            }
        }
        let restore_mode =
            if spec.mix.timeout > 0.0 && outlet.acceptance_mode != AcceptanceMode::Manual {
                self.patch_outlet(
                    &outlet_id,
                    crate::sandbox::OutletFields {
                        acceptance_mode: Some(AcceptanceMode::Manual.as_str().to_string()),
                        ..Default::default()
                    },
                )
                .await?;
                Some(outlet.acceptance_mode.as_str().to_string())
            } else {
                None
            };
        let plan = plan(spec.seed, &spec.orders_per_minute, &spec.mix);
        let spec_json = serde_json::to_string(&spec)
            .map_err(|e| ServiceError::Internal(format!("scenario spec: {e}")))?;
        let row = StoredScenario {
            id: uuid::Uuid::new_v4().to_string(),
            outlet_id: outlet_id.clone(),
            name: spec.name.clone(),
            spec: spec_json,
            status: "running".into(),
            reason: None,
            minute: 0,
            total_minutes: i64::from(spec.duration_minutes + TAIL_MINUTES),
            orders_planned: plan.orders.len() as i64,
            refused: 0,
            restore_mode,
            node: self.scenarios.node.clone(),
            heartbeat_at: real_now_ms(),
            started_at: now,
            ended_at: None,
            created_at: now,
            updated_at: now,
        };
        let stored = async { store::insert(&mut self.db.conn().await?, &row).await }.await;
        if let Err(e) = stored {
            // Nothing runs: the outlet gets its mode back at once.
            self.restore_outlet_mode(&row).await;
            return Err(e.into());
        }
        let stop = self.scenarios.register(&row.id);
        let runner = runner::Runner::new(self.clone(), row.clone(), spec, plan, stop);
        tokio::spawn(runner.run());
        self.scenario_view(row, false).await
    }

    /// `GET /sandbox/v1/scenarios/{scenario_id}`: the scenario with its summary.
    pub async fn get_scenario(&self, id: &str) -> ServiceResult<Scenario> {
        self.sweep_stale_scenarios().await?;
        let row = store::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        self.scenario_view(row, true).await
    }

    /// `GET /sandbox/v1/scenarios`: the newest 100 scenarios, newest first, without summary.
    pub async fn list_scenarios(&self) -> ServiceResult<Vec<Scenario>> {
        self.sweep_stale_scenarios().await?;
        let rows = store::list(&mut self.db.conn().await?, 100).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.scenario_view(row, false).await?);
        }
        Ok(out)
    }

    /// `POST /sandbox/v1/scenarios/{scenario_id}/stop`: asks the runner (on whichever node)
    /// to stop between two actions and waits up to 10 s for it to finish the action in flight.
    /// 409 when the scenario already ended.
    pub async fn stop_scenario(&self, id: &str) -> ServiceResult<Scenario> {
        self.sweep_stale_scenarios().await?;
        let row = store::get(&mut self.db.conn().await?, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if !matches!(row.status.as_str(), "running" | "stopping") {
            return Err(ServiceError::Conflict(format!(
                "Scenario {id} is already {}",
                row.status
            )));
        }
        store::transition(
            &mut self.db.conn().await?,
            id,
            &["running"],
            "stopping",
            None,
            None,
            self.clock.now_ms(),
        )
        .await?;
        self.scenarios.signal(id);
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(STOP_WAIT_MS);
        loop {
            let status = store::status(&mut self.db.conn().await?, id).await?;
            let waiting = matches!(status.as_deref(), Some("running" | "stopping"));
            if !waiting || std::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.get_scenario(id).await
    }

    /// Marks `failed` every `running`/`stopping` scenario whose node stopped beating (no
    /// heartbeat for 30 s: the node died or was shut down), putting the outlet's acceptance
    /// mode back when the scenario had switched it and it is still `manual`.
    pub async fn sweep_stale_scenarios(&self) -> ServiceResult<()> {
        let now = real_now_ms();
        let stale = store::stale(&mut self.db.conn().await?, now - STALE_AFTER_MS).await?;
        for row in stale {
            let reason = format!(
                "The node running it stopped (no heartbeat since {})",
                rfc3339_millis(row.heartbeat_at)
            );
            self.restore_outlet_mode(&row).await;
            store::transition(
                &mut self.db.conn().await?,
                &row.id,
                &["running", "stopping"],
                "failed",
                Some(&reason),
                Some(self.clock.now_ms()),
                self.clock.now_ms(),
            )
            .await?;
        }
        Ok(())
    }

    /// Puts back the outlet's acceptance mode the scenario switched to `manual` (only if it is
    /// still `manual`: a change made since wins). Best effort: a missing outlet is fine.
    async fn restore_outlet_mode(&self, row: &StoredScenario) {
        let Some(mode) = row.restore_mode.clone() else {
            return;
        };
        let Ok(outlet) = self.get_outlet(&row.outlet_id).await else {
            return;
        };
        if outlet.acceptance_mode != AcceptanceMode::Manual {
            return;
        }
        let fields = crate::sandbox::OutletFields {
            acceptance_mode: Some(mode),
            ..Default::default()
        };
        if let Err(e) = self.patch_outlet(&row.outlet_id, fields).await {
            tracing::warn!(scenario = %row.id, error = %e, "could not restore the outlet's acceptance mode");
        }
    }

    async fn scenario_view(
        &self,
        row: StoredScenario,
        with_summary: bool,
    ) -> ServiceResult<Scenario> {
        let spec: ScenarioSpec = serde_json::from_str(&row.spec).map_err(|e| {
            ServiceError::Internal(format!("corrupt scenario {} spec: {e}", row.id))
        })?;
        let placed = store::count_entities(&mut self.db.conn().await?, &row.id, "order").await?;
        let summary = if with_summary {
            Some(self.scenario_summary(&row.id).await?)
        } else {
            None
        };
        Ok(Scenario {
            id: row.id,
            name: row.name,
            outlet_id: row.outlet_id,
            status: row.status,
            reason: row.reason,
            spec,
            progress: ScenarioProgress {
                minute: row.minute,
                total_minutes: row.total_minutes,
                orders_planned: row.orders_planned,
                orders_placed: placed,
                refused_actions: row.refused,
            },
            restores_acceptance_mode: row.restore_mode,
            started_at: rfc3339_millis(row.started_at),
            ended_at: row.ended_at.map(rfc3339_millis),
            summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lunch() -> NewScenario {
        NewScenario {
            name: Some("lunch-rush".into()),
            outlet_id: Some("G000012345".into()),
            duration_minutes: Some(30),
            peak_orders_per_minute: Some(40.0),
            compressed: Some(true),
            seed: Some(42),
            ..Default::default()
        }
    }

    fn fields(e: ServiceError) -> Vec<String> {
        match e {
            ServiceError::Invalid(v) => v.into_iter().map(|x| x.path).collect(),
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn lunch_rush_defaults() {
        let s = resolve(&lunch(), "G000012345", 7).unwrap();
        assert_eq!(s.duration_minutes, 30);
        assert_eq!(s.seed, 42);
        assert_eq!(s.mix, Mix::LUNCH_RUSH);
        assert!(s.compressed);
        let peak = s.orders_per_minute.iter().max().copied().unwrap_or(0);
        assert!((39..=40).contains(&peak));
        let random = resolve(
            &NewScenario {
                seed: None,
                ..lunch()
            },
            "G",
            7,
        )
        .unwrap();
        assert_eq!(random.seed, 7);
    }

    #[test]
    fn custom_curves() {
        let per_minute = NewScenario {
            name: Some("custom".into()),
            duration_minutes: None,
            peak_orders_per_minute: None,
            rate: Some(RateSpec {
                per_minute: Some(vec![1.0, 2.5, 0.5]),
                points: None,
            }),
            mix: Some(MixSpec {
                timeout: Some(0.0),
                ..Default::default()
            }),
            ..lunch()
        };
        let s = resolve(&per_minute, "G", 0).unwrap();
        assert_eq!(s.orders_per_minute, vec![1, 2, 1]);
        assert_eq!(s.mix.timeout, 0.0);
        let points = NewScenario {
            duration_minutes: Some(5),
            rate: Some(RateSpec {
                per_minute: None,
                points: Some(vec![
                    RatePoint {
                        minute: Some(0.0),
                        orders_per_minute: Some(0.0),
                    },
                    RatePoint {
                        minute: Some(4.0),
                        orders_per_minute: Some(4.0),
                    },
                ]),
            }),
            ..per_minute
        };
        assert_eq!(
            resolve(&points, "G", 0).unwrap().orders_per_minute,
            vec![0, 1, 2, 3, 4]
        );
    }

    #[test]
    fn violations_name_their_paths() {
        let bad = NewScenario {
            name: Some("brunch".into()),
            duration_minutes: Some(-3),
            seed: Some(-1),
            mix: Some(MixSpec {
                pickup: Some(1.5),
                ..Default::default()
            }),
            ..lunch()
        };
        let f = fields(resolve(&bad, "G", 0).unwrap_err());
        for p in ["name", "duration_minutes", "seed", "mix.pickup"] {
            assert!(f.contains(&p.to_string()), "{p} in {f:?}");
        }
        let custom = NewScenario {
            name: Some("custom".into()),
            peak_orders_per_minute: None,
            rate: Some(RateSpec {
                per_minute: Some(vec![1.0, -1.0]),
                points: None,
            }),
            duration_minutes: None,
            ..lunch()
        };
        assert_eq!(
            fields(resolve(&custom, "G", 0).unwrap_err()),
            vec!["rate.per_minute[1]".to_string()]
        );
        let no_rate = NewScenario {
            name: Some("custom".into()),
            peak_orders_per_minute: None,
            ..lunch()
        };
        assert_eq!(
            fields(resolve(&no_rate, "G", 0).unwrap_err()),
            vec!["rate".to_string()]
        );
    }
}
