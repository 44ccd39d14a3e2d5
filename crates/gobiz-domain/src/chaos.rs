//! Delivery chaos (issue 19, sandbox only): what GoBiz's at-least-once, unordered delivery
//! (spec §9.9) can do to a receiver, on purpose and repeatably. A partner's settings say how
//! often a delivery is sent twice, held back (so that one order's events arrive out of order),
//! delayed, or treated as if the receiver had failed; every decision is a pure function of the
//! seed and the delivery's chaos sequence number, so a run with the same seed and the same
//! events makes the same decisions.
//!
//! Chaos never breaks what it simulates: a duplicate carries the same idempotency key and
//! body, a held delivery is still sent, and a simulated failure is never the last attempt the
//! retry budget of spec §9.8 allows (that one is sent for real), so every event still reaches a
//! healthy receiver at least once.

use crate::clock::Millis;
use crate::validation::Violations;
use crate::webhook::{next_step, Next, Outcome};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest hold, gap or delay chaos may impose (one hour).
pub const MAX_HOLD_MS: Millis = 3_600_000;

/// A partner's chaos settings; each part is off when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChaosConfig {
    /// The seed of every decision.
    #[schema(example = 42)]
    pub seed: u64,
    /// Send a share of deliveries twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<Duplicate>,
    /// Hold deliveries for a random time within a window, so that one order's events are
    /// released out of order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder: Option<Reorder>,
    /// Wait before the first attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Delay>,
    /// Act as if the receiver had failed, for a share of attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<Fail>,
}

/// `duplicate`: a `fraction` of deliveries gets a copy (same idempotency key and body), sent
/// `gap_ms` after the original is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Duplicate {
    /// Share of deliveries duplicated, 0 to 1.
    #[schema(example = 0.2)]
    pub fraction: f64,
    /// Time between the original and its copy, ms (0 to 3,600,000).
    #[schema(example = 3000)]
    pub gap_ms: Millis,
}

/// `reorder`: every delivery is held a random time from 0 to `window_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reorder {
    /// The window, ms (1 to 3,600,000).
    #[schema(example = 5000)]
    pub window_ms: Millis,
}

/// `delay`: the first attempt waits from `min_ms` to `max_ms` (equal for a fixed delay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Delay {
    /// Shortest delay, ms.
    #[schema(example = 1000)]
    pub min_ms: Millis,
    /// Longest delay, ms (at most 3,600,000).
    #[schema(example = 10000)]
    pub max_ms: Millis,
}

/// `fail`: a `fraction` of attempts is recorded as if the receiver had answered `status` (or
/// timed out, when `status` is absent), without sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fail {
    /// Share of attempts failed, 0 to 1.
    #[schema(example = 0.5)]
    pub fraction: f64,
    /// The simulated answer, 300 to 599; absent = a timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 503)]
    pub status: Option<u16>,
}

/// What chaos does to a new delivery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FanOut {
    /// How long the first attempt is held back, ms.
    pub hold_ms: Millis,
    /// Why (the history note), when held.
    pub hold_note: Option<String>,
    /// When set, a copy is sent this long after the original is due.
    pub duplicate_gap_ms: Option<Millis>,
}

/// Decision streams, so that one part's draws never shift another's.
#[derive(Clone, Copy)]
enum Purpose {
    Duplicate = 1,
    Reorder = 2,
    Delay = 3,
    Fail = 4,
}

/// SplitMix64: spreads (seed, sequence, purpose) over the ChaCha seed space.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seconds with one decimal, for history notes.
fn seconds(ms: Millis) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

impl ChaosConfig {
    fn rng(&self, seq: i64, attempt: i64, purpose: Purpose) -> ChaCha8Rng {
        let a = mix(self.seed ^ mix(seq as u64));
        let b = mix(a ^ mix((attempt as u64) << 8 | purpose as u64));
        ChaCha8Rng::seed_from_u64(b)
    }

    /// True when no part is on.
    pub fn is_off(&self) -> bool {
        self.duplicate.is_none()
            && self.reorder.is_none()
            && self.delay.is_none()
            && self.fail.is_none()
    }

    /// Checks the ranges; violations name the JSON path.
    pub fn validate(&self) -> Result<(), Vec<crate::validation::Violation>> {
        let mut v = Violations::new();
        let share = |v: &mut Violations, path: &str, f: f64| {
            if !(0.0..=1.0).contains(&f) {
                v.add(path, "must be from 0 to 1");
            }
        };
        let span = |v: &mut Violations, path: &str, ms: Millis, min: Millis| {
            if !(min..=MAX_HOLD_MS).contains(&ms) {
                v.add(path, format!("must be from {min} to {MAX_HOLD_MS}"));
            }
        };
        if let Some(d) = &self.duplicate {
            share(&mut v, "duplicate.fraction", d.fraction);
            span(&mut v, "duplicate.gap_ms", d.gap_ms, 0);
        }
        if let Some(r) = &self.reorder {
            span(&mut v, "reorder.window_ms", r.window_ms, 1);
        }
        if let Some(d) = &self.delay {
            span(&mut v, "delay.min_ms", d.min_ms, 0);
            span(&mut v, "delay.max_ms", d.max_ms, 0);
            if d.max_ms < d.min_ms {
                v.add("delay.max_ms", "must not be less than delay.min_ms");
            }
        }
        if let Some(f) = &self.fail {
            share(&mut v, "fail.fraction", f.fraction);
            if f.status.is_some_and(|s| !(300..=599).contains(&s)) {
                v.add("fail.status", "must be an HTTP status from 300 to 599");
            }
        }
        v.finish()
    }

    /// What happens to the delivery with chaos sequence number `seq` when it is created.
    pub fn at_fan_out(&self, seq: i64) -> FanOut {
        let mut out = FanOut::default();
        let mut notes = Vec::new();
        if let Some(d) = &self.delay {
            let ms = if d.max_ms > d.min_ms {
                self.rng(seq, 0, Purpose::Delay)
                    .gen_range(d.min_ms..=d.max_ms)
            } else {
                d.min_ms
            };
            if ms > 0 {
                out.hold_ms += ms;
                notes.push(format!(
                    "held {} before the first attempt (delay)",
                    seconds(ms)
                ));
            }
        }
        if let Some(r) = &self.reorder {
            let ms = self
                .rng(seq, 0, Purpose::Reorder)
                .gen_range(0..=r.window_ms);
            out.hold_ms += ms;
            notes.push(format!("held {} for reorder", seconds(ms)));
        }
        if let Some(d) = &self.duplicate {
            let draw: f64 = self.rng(seq, 0, Purpose::Duplicate).gen();
            if draw < d.fraction {
                out.duplicate_gap_ms = Some(d.gap_ms);
            }
        }
        if !notes.is_empty() {
            out.hold_note = Some(format!("Chaos: {}", notes.join("; ")));
        }
        out
    }

    /// The simulated failure of attempt `attempt` (1 = first) of delivery `seq` that already
    /// had `retries` retries, or `None` to send for real. The last attempt the budget allows
    /// is always sent for real.
    pub fn failure(&self, seq: i64, attempt: i64, retries: i64) -> Option<Outcome> {
        let f = self.fail.as_ref()?;
        let draw: f64 = self.rng(seq, attempt, Purpose::Fail).gen();
        if draw >= f.fraction {
            return None;
        }
        let outcome = match f.status {
            Some(s) => Outcome::Status(s),
            None => Outcome::Timeout,
        };
        match next_step(&outcome, retries, 0, &[1]) {
            Next::Dead => None,
            _ => Some(outcome),
        }
    }
}

/// The history message of a simulated failure: the outcome's own words, marked.
pub fn failure_message(outcome: &Outcome) -> String {
    format!(
        "{} (chaos: not sent)",
        outcome.message().unwrap_or_else(|| "failed".into())
    )
}

/// The history note of a duplicated delivery.
pub fn duplicated_note(copy_id: &str, gap_ms: Millis) -> String {
    format!(
        "Chaos: duplicated; the copy {copy_id} is sent {} later with the same idempotency key",
        seconds(gap_ms)
    )
}

/// The history note of a copy.
pub fn copy_note(original_id: &str) -> String {
    format!("Chaos: duplicate of delivery {original_id} (same idempotency key)")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn all_on(seed: u64) -> ChaosConfig {
        ChaosConfig {
            seed,
            duplicate: Some(Duplicate {
                fraction: 0.5,
                gap_ms: 2000,
            }),
            reorder: Some(Reorder { window_ms: 5000 }),
            delay: Some(Delay {
                min_ms: 100,
                max_ms: 900,
            }),
            fail: Some(Fail {
                fraction: 0.5,
                status: Some(503),
            }),
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_decisions() {
        let a = all_on(7);
        let b = all_on(7);
        let c = all_on(8);
        let run = |cfg: &ChaosConfig| -> Vec<(FanOut, Option<Outcome>)> {
            (1..=50)
                .map(|s| (cfg.at_fan_out(s), cfg.failure(s, 1, 0)))
                .collect()
        };
        assert_eq!(run(&a), run(&b));
        assert_ne!(run(&a), run(&c));
    }

    #[test]
    fn fractions_are_respected_roughly() {
        let cfg = all_on(1);
        let dups = (1..=2000)
            .filter(|s| cfg.at_fan_out(*s).duplicate_gap_ms.is_some())
            .count();
        assert!((800..1200).contains(&dups), "{dups}");
        for s in 1..=200 {
            let f = cfg.at_fan_out(s);
            assert!((100..=5900).contains(&f.hold_ms), "{f:?}");
        }
    }

    #[test]
    fn the_last_attempt_of_the_budget_is_always_sent() {
        let cfg = ChaosConfig {
            seed: 3,
            fail: Some(Fail {
                fraction: 1.0,
                status: Some(503),
            }),
            duplicate: None,
            reorder: None,
            delay: None,
        };
        // 503 allows 4 retries: attempts 1..=4 fail, attempt 5 is real.
        for retries in 0..4 {
            assert_eq!(
                cfg.failure(1, retries + 1, retries),
                Some(Outcome::Status(503))
            );
        }
        assert_eq!(cfg.failure(1, 5, 4), None);
        let timeout = ChaosConfig {
            fail: Some(Fail {
                fraction: 1.0,
                status: None,
            }),
            ..cfg
        };
        assert_eq!(timeout.failure(1, 1, 0), Some(Outcome::Timeout));
        assert_eq!(timeout.failure(1, 6, 5), None);
    }

    #[test]
    fn out_of_range_settings_are_refused_by_path() {
        let mut cfg = all_on(1);
        cfg.duplicate = Some(Duplicate {
            fraction: 1.5,
            gap_ms: -1,
        });
        cfg.delay = Some(Delay {
            min_ms: 10,
            max_ms: 5,
        });
        cfg.fail = Some(Fail {
            fraction: 0.1,
            status: Some(200),
        });
        let paths: Vec<String> = cfg
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(
            paths,
            [
                "duplicate.fraction",
                "duplicate.gap_ms",
                "delay.max_ms",
                "fail.status"
            ]
        );
    }
}
