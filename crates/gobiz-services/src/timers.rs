//! The timer loop of a node (spec §5.5, §7.1, §10.3): order acceptance deadlines (60 s
//! accept / 180 s reject), the sandbox auto-driver, and the expiry of unpaid QRIS
//! transactions. The sandbox clock advance runs the same steps before it answers.

use crate::order_flow::record_since;
use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::payment::Transition;
use gobiz_store::orders;
use gobiz_store::payments::{self};

impl Services {
    /// Applies every acceptance timer due on the clock (60 s accept / 180 s reject) and every
    /// due auto-driver step (when `auto_driver_ms` > 0). Called by the timer loop and by the
    /// sandbox clock advance before it answers. Races with API calls are settled by the
    /// version check: the timer only acts on an order still awaiting, the driver only on an
    /// order still where it left it.
    pub async fn process_due_timers(&self) -> ServiceResult<usize> {
        let mut applied = 0;
        let pace = self.config.auto_driver_ms;
        loop {
            let now = self.clock.now_ms();
            let due = orders::due_timers(&mut self.db.conn().await?, now, 200).await?;
            if due.is_empty() {
                return Ok(applied);
            }
            let batch = due.len();
            for number in due {
                let result = self
                    .mutate(&number, |o, now, steps| {
                        let from = o.history().len();
                        let due = o.on_deadline(now);
                        record_since(o, from, steps);
                        let mut acted = due;
                        loop {
                            let from = o.history().len();
                            if !o.auto_drive_step(pace, now) {
                                break;
                            }
                            record_since(o, from, steps);
                            acted = true;
                        }
                        Ok(acted)
                    })
                    .await;
                match result {
                    Ok((_, true)) => applied += 1,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(order = %number, error = %e, "acceptance timer failed")
                    }
                }
            }
            if batch < 200 {
                return Ok(applied);
            }
        }
    }

    /// The timer loop of a node: applies due acceptance timers every 250 ms until shutdown.
    pub async fn run_timers(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            // Another node's clock advance or reset reaches this node here.
            if let Err(e) = self.clock.refresh(&self.db).await {
                tracing::warn!(error = %e, "refreshing the sandbox clock failed");
            }
            if let Err(e) = self.process_due_timers().await {
                tracing::warn!(error = %e, "processing timers failed");
            }
            if let Err(e) = self.expire_due_transactions().await {
                tracing::warn!(error = %e, "expiring transactions failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Expires pending transactions past their time (timer loop and clock advance).
    pub async fn expire_due_transactions(&self) -> ServiceResult<usize> {
        let now = self.clock.now_ms();
        let due = payments::due_expiries(&mut self.db.conn().await?, now, 500).await?;
        let mut n = 0;
        for id in due {
            if let Some(stored) = payments::get(&mut self.db.conn().await?, &id).await? {
                if self
                    .finish_transaction(stored, Transition::Expire)
                    .await
                    .is_ok()
                {
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}
