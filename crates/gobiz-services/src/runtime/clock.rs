//! The system clock, and the sandbox clock that can be moved forward.

use crate::{ServiceError, ServiceResult};
use gobiz_domain::clock::{Clock, Millis};
use gobiz_domain::model::Mode;
use gobiz_store::{settings, Db};
use std::sync::atomic::{AtomicI64, Ordering};

/// Real time plus an offset that only grows. In production mode the offset stays 0 and
/// cannot be changed. The offset is persisted so that it survives restarts.
pub struct AppClock {
    mode: Mode,
    offset_ms: AtomicI64,
}

fn system_ms() -> Millis {
    gobiz_domain::clock::wall_now_ms()
}

impl AppClock {
    /// A clock with the offset stored in the database (sandbox) or none (production).
    pub async fn load(db: &Db, mode: Mode) -> ServiceResult<AppClock> {
        let offset = match mode {
            Mode::Production => 0,
            Mode::Sandbox => {
                let mut conn = db.conn().await?;
                settings::get(&mut conn, settings::CLOCK_OFFSET_MS)
                    .await?
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            }
        };
        Ok(AppClock {
            mode,
            offset_ms: AtomicI64::new(offset),
        })
    }

    /// The current offset in milliseconds.
    pub fn offset_ms(&self) -> Millis {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `seconds` and persists the new offset.
    pub async fn advance(&self, db: &Db, seconds: i64) -> ServiceResult<()> {
        if self.mode == Mode::Production {
            return Err(ServiceError::Conflict(
                "The clock can only be advanced in sandbox mode".into(),
            ));
        }
        let mut tx = db.begin().await?;
        let stored: i64 = settings::get(&mut tx, settings::CLOCK_OFFSET_MS)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        // Another node may have advanced it meanwhile: the database value is the truth.
        let next = stored.max(self.offset_ms()) + seconds * 1000;
        settings::put(&mut tx, settings::CLOCK_OFFSET_MS, &next.to_string()).await?;
        tx.commit().await?;
        self.offset_ms.store(next, Ordering::SeqCst);
        Ok(())
    }

    /// Adopts the offset stored by any node (sandbox): an advance or reset made through
    /// another node reaches this one at its next refresh (the timer loop refreshes every
    /// 250 ms). Never moves the clock back, except to follow a reset.
    pub async fn refresh(&self, db: &Db) -> ServiceResult<()> {
        if self.mode == Mode::Production {
            return Ok(());
        }
        let before = self.offset_ms();
        let mut conn = db.conn().await?;
        let stored = settings::get(&mut conn, settings::CLOCK_OFFSET_MS)
            .await?
            .and_then(|v| v.parse::<i64>().ok());
        match stored {
            Some(v) => {
                self.offset_ms.fetch_max(v, Ordering::SeqCst);
            }
            // Reset elsewhere; unless this node advanced meanwhile (then it wrote a value).
            None => {
                let _ =
                    self.offset_ms
                        .compare_exchange(before, 0, Ordering::SeqCst, Ordering::SeqCst);
            }
        }
        Ok(())
    }

    /// Back to real time (sandbox reset); the caller deletes the stored offset.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }
}

impl Clock for AppClock {
    fn now_ms(&self) -> Millis {
        system_ms() + self.offset_ms()
    }
}
