//! Delivery rules of spec §9.7–§9.8: idempotency keys, retry budgets, history texts.

use crate::clock::Millis;

/// The default retry schedule: 2 min, 10 min, 30 min, 1.5 h, 3.5 h.
pub const DEFAULT_SCHEDULE_MS: [Millis; 5] = [120_000, 600_000, 1_800_000, 5_400_000, 12_600_000];

/// The history entry added when a delivery dies.
pub const DEAD_MESSAGE: &str = "Failed after automatic attempts.";

/// Redirects (307/308) followed within one attempt.
pub const MAX_REDIRECTS: usize = 5;

/// `X-Go-Idempotency-Key`: UUIDv5 with the event id as namespace and the subscription id as
/// name, so every retry of one event to one subscription carries the same key.
pub fn idempotency_key(event_id: &str, subscription_id: &str) -> String {
    let namespace = uuid::Uuid::parse_str(event_id).unwrap_or(uuid::Uuid::NAMESPACE_OID);
    uuid::Uuid::new_v5(&namespace, subscription_id.as_bytes()).to_string()
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered(u16),
    /// Any other HTTP status (after following 307/308).
    Status(u16),
    /// No answer within the timeout.
    Timeout,
    /// Connection or TLS failure.
    ConnectFailed(String),
    /// More than five 307/308 redirects.
    TooManyRedirects,
    /// 301/302/303: not followed.
    RedirectNotFollowed(u16),
    /// The destination resolves to a forbidden address (production mode).
    Blocked,
}

impl Outcome {
    /// Retries allowed after this answer (spec §9.8).
    pub fn retry_budget(&self) -> i64 {
        match self {
            Outcome::Delivered(_) | Outcome::RedirectNotFollowed(_) => 0,
            Outcome::Status(500) => 1,
            Outcome::Status(503) => 4,
            Outcome::Status(400) | Outcome::Status(404) => 2,
            _ => 5,
        }
    }

    /// The history `exception_message`.
    pub fn message(&self) -> Option<String> {
        match self {
            Outcome::Delivered(_) => None,
            Outcome::Status(404) => Some("URL not found".into()),
            Outcome::Status(s) => Some(format!("HTTP {s}")),
            Outcome::Timeout => Some("Request timed out".into()),
            Outcome::ConnectFailed(reason) => Some(format!("Connection failed: {reason}")),
            Outcome::TooManyRedirects => Some("Too many redirects".into()),
            Outcome::RedirectNotFollowed(s) => Some(format!("Redirect not followed ({s})")),
            Outcome::Blocked => Some("Destination not allowed".into()),
        }
    }

    /// The history `status_code`.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            Outcome::Delivered(s) | Outcome::Status(s) | Outcome::RedirectNotFollowed(s) => {
                Some(*s)
            }
            _ => None,
        }
    }

    /// True for a 2xx.
    pub fn delivered(&self) -> bool {
        matches!(self, Outcome::Delivered(_))
    }
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Done.
    Delivered,
    /// Retry number `retries + 1` at the given instant.
    Retry {
        /// Retries done after this one is scheduled.
        retries: i64,
        /// When.
        at: Millis,
    },
    /// No retry left.
    Dead,
}

/// Decides the next step after an attempt at `now` that already had `retries` retries.
pub fn next_step(outcome: &Outcome, retries: i64, now: Millis, schedule: &[Millis]) -> Next {
    if outcome.delivered() {
        return Next::Delivered;
    }
    if retries < outcome.retry_budget() {
        let idx = usize::try_from(retries).unwrap_or(0);
        let wait = schedule
            .get(idx)
            .or_else(|| schedule.last())
            .copied()
            .unwrap_or(DEFAULT_SCHEDULE_MS[0]);
        Next::Retry {
            retries: retries + 1,
            at: now + wait,
        }
    } else {
        Next::Dead
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn attempts_until_final(outcome: Outcome) -> i64 {
        let mut retries = 0;
        let mut attempts = 1;
        let mut now = 0;
        loop {
            match next_step(&outcome, retries, now, &DEFAULT_SCHEDULE_MS) {
                Next::Retry { retries: r, at } => {
                    retries = r;
                    now = at;
                    attempts += 1;
                }
                _ => return attempts,
            }
        }
    }

    #[test]
    fn attempts_per_answer_match_spec() {
        assert_eq!(attempts_until_final(Outcome::Delivered(200)), 1);
        assert_eq!(attempts_until_final(Outcome::Status(500)), 2);
        assert_eq!(attempts_until_final(Outcome::Status(503)), 5);
        assert_eq!(attempts_until_final(Outcome::Status(404)), 3);
        assert_eq!(attempts_until_final(Outcome::Status(400)), 3);
        assert_eq!(attempts_until_final(Outcome::RedirectNotFollowed(301)), 1);
        assert_eq!(attempts_until_final(Outcome::Timeout), 6);
        assert_eq!(attempts_until_final(Outcome::Status(418)), 6);
    }

    #[test]
    fn schedule_is_followed() {
        assert_eq!(
            next_step(&Outcome::Timeout, 0, 1000, &DEFAULT_SCHEDULE_MS),
            Next::Retry {
                retries: 1,
                at: 121_000
            }
        );
        assert_eq!(
            next_step(&Outcome::Timeout, 4, 0, &DEFAULT_SCHEDULE_MS),
            Next::Retry {
                retries: 5,
                at: 12_600_000
            }
        );
        assert_eq!(
            next_step(&Outcome::Timeout, 5, 0, &DEFAULT_SCHEDULE_MS),
            Next::Dead
        );
    }

    #[test]
    fn idempotency_key_is_stable_uuid_v5() {
        let e = "c1be7fa1-645e-4d57-9ca3-f2cb54212345";
        let a = idempotency_key(e, "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8");
        assert_eq!(
            a,
            idempotency_key(e, "96f614f6-745e-47f5-ad68-c0c8e9ba8dc8")
        );
        assert_ne!(a, idempotency_key(e, "other"));
        assert_eq!(uuid::Uuid::parse_str(&a).unwrap().get_version_num(), 5);
    }

    proptest! {
        #[test]
        fn the_next_step_follows_the_budget(status in 100u16..600, retries in 0i64..10) {
            let o = if (200..300).contains(&status) { Outcome::Delivered(status) } else { Outcome::Status(status) };
            let next = next_step(&o, retries, 0, &DEFAULT_SCHEDULE_MS);
            if (200..300).contains(&status) {
                prop_assert_eq!(next, Next::Delivered);
            } else if retries < o.retry_budget() {
                let wait = DEFAULT_SCHEDULE_MS[usize::try_from(retries).unwrap_or(0).min(4)];
                prop_assert_eq!(next, Next::Retry { retries: retries + 1, at: wait });
            } else {
                prop_assert_eq!(next, Next::Dead);
            }
            // Never more than six attempts in all.
            prop_assert!(o.retry_budget() <= 5);
        }
    }
}
