//! The sandbox clock (spec §10.5): read it, move it forward (due timers run at once).

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use serde::Deserialize;

/// `POST /sandbox/v1/clock/advance`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"seconds": 3600}))]
pub struct AdvanceClock {
    /// Seconds to move forward, 1 to 31,536,000 (one year).
    #[schema(required = true, nullable = false, value_type = i64, minimum = 1, maximum = 31_536_000)]
    pub seconds: Option<i64>,
}

/// The clock as the sandbox shows it.
#[derive(Debug, Clone, Copy)]
pub struct ClockView {
    /// Current instant.
    pub now: i64,
    /// Offset from real time in whole seconds.
    pub offset_seconds: i64,
}

impl Services {
    /// The clock as shown by `GET /sandbox/v1/clock`.
    pub fn clock_view(&self) -> ClockView {
        ClockView {
            now: self.clock.now_ms(),
            offset_seconds: self.clock.offset_ms() / 1000,
        }
    }

    /// Moves the sandbox clock forward (spec §10.5).
    pub async fn advance_clock(&self, input: AdvanceClock) -> ServiceResult<ClockView> {
        let seconds = match input.seconds {
            None => return Err(ServiceError::invalid("seconds", "is required")),
            Some(s) if !(1..=31_536_000).contains(&s) => {
                return Err(ServiceError::invalid("seconds", "must be 1 to 31536000"))
            }
            Some(s) => s,
        };
        self.clock.advance(&self.db, seconds).await?;
        self.process_due_timers().await?;
        self.expire_due_transactions().await?;
        self.wake_dispatcher();
        Ok(self.clock_view())
    }
}
