//! The runner of a traffic scenario: a tokio task on the node that got the `POST`. Each
//! simulated minute it carries out that minute's actions through the sandbox's own use cases
//! (customer, driver and payer simulators), then moves the sandbox clock one minute (compressed)
//! or waits for the real minute to end. Between two actions it looks at its stop flag and,
//! every half second, writes its progress and heartbeat and reads the stored status, so a stop
//! asked on any node ends it after the action in flight.

use super::{real_now_ms, ScenarioSpec};
use crate::sandbox::AdvanceClock;
use crate::simulators::customer::{NewOrder, NewOrderItem, OrderCustomer, OrderVariantRef};
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::catalog::Catalog;
use gobiz_domain::clock::Clock;
use gobiz_domain::ids::{OrderNumber, OutletId};
use gobiz_domain::order::OrderState;
use gobiz_domain::payment::Ending;
use gobiz_domain::scenario::{basket, basket_rng, Action, Fate, Plan};
use gobiz_store::scenarios::{self as store, StoredScenario};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the runner writes its heartbeat and reads the stored status.
const CHECK_EVERY: Duration = Duration::from_millis(500);
/// Longest wait, each compressed minute, for the minute's webhooks to be sent.
const SETTLE_MAX: Duration = Duration::from_secs(3);
/// One simulated minute in real time.
const REAL_MINUTE: Duration = Duration::from_secs(60);

const DRIVERS: [&str; 8] = [
    "Agus", "Bambang", "Dedi", "Eko", "Fajar", "Gilang", "Hadi", "Irfan",
];

/// How a run ended.
enum End {
    Finished,
    Stopped,
    /// The row is gone (sandbox reset) or was ended elsewhere: nothing to write.
    Gone,
}

/// One scenario being played.
pub(super) struct Runner {
    services: Services,
    row: StoredScenario,
    spec: ScenarioSpec,
    plan: Plan,
    stop: Arc<AtomicBool>,
    numbers: HashMap<u64, String>,
    totals: HashMap<u64, i64>,
    transactions: HashMap<u64, String>,
    seq: i64,
    minute: i64,
    refused: i64,
    last_check: Instant,
    stopping: bool,
    gone: bool,
}

impl Runner {
    /// A runner for a stored scenario and its plan.
    pub(super) fn new(
        services: Services,
        row: StoredScenario,
        spec: ScenarioSpec,
        plan: Plan,
        stop: Arc<AtomicBool>,
    ) -> Runner {
        Runner {
            services,
            row,
            spec,
            plan,
            stop,
            numbers: HashMap::new(),
            totals: HashMap::new(),
            transactions: HashMap::new(),
            seq: 0,
            minute: 0,
            refused: 0,
            last_check: Instant::now(),
            stopping: false,
            gone: false,
        }
    }

    /// Plays the scenario to its end, then records how it ended.
    pub(super) async fn run(mut self) {
        let id = self.row.id.clone();
        let outcome = self.play().await;
        // The outlet gets its acceptance mode back before the status says the run is over.
        self.services.restore_outlet_mode(&self.row).await;
        if let Err(e) = self.finish(outcome).await {
            tracing::warn!(scenario = %id, error = %e, "could not record the end of a scenario");
        }
        self.services.scenarios.forget(&id);
    }

    async fn finish(&self, outcome: ServiceResult<End>) -> ServiceResult<()> {
        let (to, reason) = match outcome {
            Ok(End::Gone) => return Ok(()),
            Ok(End::Stopped) => ("stopped", None),
            Ok(End::Finished) => ("finished", None),
            Err(e) => {
                tracing::warn!(scenario = %self.row.id, error = %e, "traffic scenario failed");
                ("failed", Some(e.to_string()))
            }
        };
        self.write_progress().await?;
        let now = self.services.clock.now_ms();
        store::transition(
            &mut self.services.db.conn().await?,
            &self.row.id,
            &["running", "stopping"],
            to,
            reason.as_deref(),
            Some(now),
            now,
        )
        .await?;
        Ok(())
    }

    async fn play(&mut self) -> ServiceResult<End> {
        let minutes = std::mem::take(&mut self.plan.minutes);
        let start = Instant::now();
        for (m, actions) in minutes.iter().enumerate() {
            let minute_start = start + REAL_MINUTE * m as u32;
            let catalog = self
                .services
                .catalog_of(&self.spec.outlet_id)
                .await?
                .unwrap_or_default();
            let n = actions.len() as u32;
            for (k, action) in actions.iter().enumerate() {
                if !self.spec.compressed {
                    // Spread the minute's actions over the real minute.
                    self.wait_until(minute_start + REAL_MINUTE * k as u32 / n.max(1))
                        .await?;
                }
                if self.should_stop().await? {
                    return Ok(self.end());
                }
                self.act(*action, &catalog).await?;
            }
            if self.should_stop().await? {
                return Ok(self.end());
            }
            if self.spec.compressed {
                self.settle_deliveries().await?;
                self.services
                    .advance_clock(AdvanceClock { seconds: Some(60) })
                    .await?;
            } else {
                self.wait_until(minute_start + REAL_MINUTE).await?;
                if self.stopping || self.gone {
                    return Ok(self.end());
                }
            }
            self.minute = m as i64 + 1;
            self.check(true).await?;
        }
        Ok(End::Finished)
    }

    /// Compressed runs: waits (up to [`SETTLE_MAX`]) until the webhooks due so far are sent
    /// before the clock jumps a minute. The receiver sees each minute's traffic in its minute,
    /// and no delivery is in flight when the jump would outrun its lease (taken on the
    /// sandbox clock) and let it be claimed and sent a second time.
    async fn settle_deliveries(&mut self) -> ServiceResult<()> {
        let deadline = Instant::now() + SETTLE_MAX;
        loop {
            let due = store::due_deliveries(
                &mut self.services.db.conn().await?,
                &self.row.id,
                self.services.clock.now_ms(),
            )
            .await?;
            if due == 0 || Instant::now() >= deadline || self.should_stop().await? {
                return Ok(());
            }
            self.services.wake_dispatcher();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn end(&self) -> End {
        if self.gone {
            End::Gone
        } else {
            End::Stopped
        }
    }

    /// Waits until `t`, checking for a stop all along.
    async fn wait_until(&mut self, t: Instant) -> ServiceResult<()> {
        loop {
            if self.should_stop().await? {
                return Ok(());
            }
            let now = Instant::now();
            if now >= t {
                return Ok(());
            }
            tokio::time::sleep((t - now).min(Duration::from_millis(100))).await;
        }
    }

    /// True when the run must end before the next action: the local flag, or (read every
    /// half second) a stored `stopping`, another final status or no row at all.
    async fn should_stop(&mut self) -> ServiceResult<bool> {
        if self.stop.load(Ordering::SeqCst) {
            self.stopping = true;
        }
        if !self.stopping && !self.gone {
            self.check(false).await?;
        }
        Ok(self.stopping || self.gone)
    }

    async fn check(&mut self, force: bool) -> ServiceResult<()> {
        if !force && self.last_check.elapsed() < CHECK_EVERY {
            return Ok(());
        }
        self.last_check = Instant::now();
        match self.write_progress().await?.as_deref() {
            Some("running") => {}
            Some("stopping") => self.stopping = true,
            _ => self.gone = true,
        }
        Ok(())
    }

    async fn write_progress(&self) -> ServiceResult<Option<String>> {
        Ok(store::progress(
            &mut self.services.db.conn().await?,
            &self.row.id,
            self.minute,
            self.refused,
            real_now_ms(),
            self.services.clock.now_ms(),
        )
        .await?)
    }

    async fn record(&mut self, kind: &str, entity: &str, minute: i64) -> ServiceResult<()> {
        self.seq += 1;
        store::add_entity(
            &mut self.services.db.conn().await?,
            &self.row.id,
            self.seq,
            kind,
            entity,
            minute,
        )
        .await?;
        Ok(())
    }

    /// Carries out one action. What the sandbox refuses (an item out of stock, an order the
    /// partner already rejected, …) is counted and the run goes on; anything else fails it.
    async fn act(&mut self, action: Action, catalog: &Catalog) -> ServiceResult<()> {
        let i = action.order();
        let Some(order) = self.plan.orders.get(i as usize).cloned() else {
            return Ok(());
        };
        let s = self.services.clone();
        let number = self.numbers.get(&i).cloned().map(OrderNumber::new);
        let tx = self.transactions.get(&i).cloned();
        let done: ServiceResult<()> = match action {
            Action::Place(_) => {
                let now = s.clock.now_ms();
                let Some(lines) = basket(catalog, now, &mut basket_rng(self.spec.seed, i)) else {
                    self.refused += 1;
                    return Ok(());
                };
                let req = NewOrder {
                    order_type: Some(if order.pickup { "pickup" } else { "delivery" }.into()),
                    items: Some(
                        lines
                            .into_iter()
                            .map(|l| NewOrderItem {
                                external_id: Some(l.item),
                                id: None,
                                quantity: Some(l.quantity),
                                notes: None,
                                variants: Some(
                                    l.variants
                                        .into_iter()
                                        .map(|v| OrderVariantRef {
                                            external_id: Some(v),
                                            id: None,
                                        })
                                        .collect(),
                                ),
                            })
                            .collect(),
                    ),
                    customer: Some(OrderCustomer {
                        name: Some(order.customer.to_string()),
                    }),
                    cutlery_requested: Some(order.cutlery),
                    takeaway_charges: None,
                };
                match s
                    .place_order(&OutletId::new(self.spec.outlet_id.clone()), req)
                    .await
                {
                    Ok(placed) => {
                        let number = placed.order_number().to_string();
                        self.record("order", &number, i64::from(order.minute))
                            .await?;
                        self.numbers.insert(i, number.clone());
                        self.totals.insert(i, placed.order_total());
                        if placed.state() == OrderState::AwaitingMerchantAcceptance
                            && order.fate != Fate::Timeout
                        {
                            // The merchant accepts in the GoBiz app (the sandbox advance).
                            s.advance_order(
                                &OrderNumber::new(number),
                                Some(OrderState::MerchantAccepted.as_str()),
                            )
                            .await
                            .map(|_| ())
                        } else {
                            Ok(())
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Action::CreatePayment(_) => match self.totals.get(&i).copied() {
                Some(total) => match s
                    .sandbox_create_transaction(
                        &OutletId::new(self.spec.outlet_id.clone()),
                        total.max(1),
                    )
                    .await
                {
                    Ok(t) => {
                        let id = t.id().to_string();
                        self.record("payment", &id, i64::from(order.minute)).await?;
                        self.transactions.insert(i, id);
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                None => return Ok(()),
            },
            Action::Driver(_) => match number {
                Some(n) => s
                    .assign_driver(&n, Some(DRIVERS[(i as usize) % DRIVERS.len()]))
                    .await
                    .map(|_| ()),
                None => return Ok(()),
            },
            Action::Complete(_) => match number {
                Some(n) => s
                    .advance_order(&n, Some(OrderState::Completed.as_str()))
                    .await
                    .map(|_| ()),
                None => return Ok(()),
            },
            Action::CustomerCancel(_) => match number {
                Some(n) => s
                    .customer_cancel(&n, Some("Customer changed their mind"))
                    .await
                    .map(|_| ()),
                None => return Ok(()),
            },
            Action::Pay(_) => match tx {
                Some(t) => s.pay(Some(&t), None).await.map(|_| ()),
                None => return Ok(()),
            },
            Action::Expire(_) => match tx {
                Some(t) => s.end_transaction(&t, Ending::Expire).await.map(|_| ()),
                None => return Ok(()),
            },
        };
        match done {
            Ok(()) => Ok(()),
            Err(
                ServiceError::Conflict(_)
                | ServiceError::Unprocessable(_)
                | ServiceError::NotFound(_)
                | ServiceError::Invalid(_),
            ) => {
                self.refused += 1;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
