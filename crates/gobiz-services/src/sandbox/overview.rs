//! What the console's overview counts: today's orders (a Jakarta day of the sandbox clock) and
//! the deliveries by result.

use crate::{ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::local_time::{day_start, DAY_MS, OFFSET_MS};
use gobiz_store::console_reads;

/// The overview's counts.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Orders placed since midnight in Jakarta, by the sandbox clock.
    pub orders_today: i64,
    /// Deliveries per status, e.g. `("delivered", 12)`.
    pub deliveries: Vec<(String, i64)>,
}

impl Services {
    /// The console overview's counts.
    pub async fn console_overview(&self) -> ServiceResult<Overview> {
        let now = self.clock.now_ms();
        let today = day_start((now + OFFSET_MS).div_euclid(DAY_MS));
        let mut conn = self.db.conn().await?;
        Ok(Overview {
            orders_today: console_reads::orders_since(&mut conn, today).await?,
            deliveries: console_reads::deliveries_by_status(&mut conn).await?,
        })
    }
}
