//! A scenario's summary, counted from the database when it is read (never from counters that
//! could drift): its orders and payments as they stand, and the deliveries of their events
//! with every attempt — the partner's answer times and its failures by kind.

use crate::{ServiceResult, Services};
use gobiz_domain::order::OrderState;
use gobiz_domain::payment::PaymentStatus;
use gobiz_domain::webhook::DEAD_MESSAGE;
use gobiz_store::scenarios::{self as store, ScenarioAttempt};
use gobiz_store::{orders, payments};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scenario's orders as they stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderCounts {
    /// Orders placed.
    pub placed: i64,
    /// Of those, accepted at some point (by the outlet's mode, the scenario or the partner).
    pub accepted: i64,
    /// `COMPLETED`.
    pub completed: i64,
    /// Cancelled by the customer (`CUSTOMER_CANCELLED`).
    pub cancelled_by_customer: i64,
    /// Cancelled by the manual-mode deadline (`MERCHANT_TIMEOUT`).
    pub timed_out: i64,
    /// Rejected by the partner (any other cancellation).
    pub rejected: i64,
    /// Not in a final state yet.
    pub open: i64,
}

/// The scenario's QRIS payments as they stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentCounts {
    /// Payments created.
    pub created: i64,
    /// `settlement`.
    pub settled: i64,
    /// `expire`.
    pub expired: i64,
    /// `cancel`.
    pub cancelled: i64,
    /// Still `pending`.
    pub pending: i64,
}

/// The webhooks of the scenario's orders and payments, to every subscribed partner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookCounts {
    /// Deliveries made (one per event and subscription; chaos copies included).
    pub deliveries: i64,
    /// Deliveries the receiver took (2xx).
    pub delivered: i64,
    /// Deliveries that used up their attempts.
    pub failed: i64,
    /// Deliveries still waiting for an attempt or a retry.
    pub pending: i64,
    /// Attempts made (history notes such as chaos holds are not attempts).
    pub attempts: i64,
    /// Attempts that reached the receiver and were timed.
    pub timed_attempts: i64,
    /// The receiver's answer time, median, in ms (`null` before any timed attempt).
    pub p50_ms: Option<i64>,
    /// The receiver's answer time, 99th percentile, in ms.
    pub p99_ms: Option<i64>,
    /// Failed attempts by kind: `http_<status>`, `timeout`, `connection`, `other`; those
    /// chaos made up without sending are prefixed `chaos_`.
    pub failures: BTreeMap<String, i64>,
}

/// What a scenario did, as the database has it now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScenarioSummary {
    /// Orders.
    pub orders: OrderCounts,
    /// QRIS payments.
    pub payments: PaymentCounts,
    /// Webhooks.
    pub webhooks: WebhookCounts,
}

/// Nearest-rank percentile `q` (0 < q ≤ 1) of sorted values.
fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The kind of a failed attempt, or `None` for a history note that is no attempt.
fn failure_kind(a: &ScenarioAttempt) -> Option<String> {
    let msg = a.exception_message.as_deref().unwrap_or("");
    if a.status_code.is_none()
        && a.latency_ms.is_none()
        && (msg.starts_with("Chaos:") || msg == DEAD_MESSAGE)
    {
        return None;
    }
    let base = match a.status_code {
        Some(code) => format!("http_{code}"),
        None if msg.starts_with("Request timed out") => "timeout".into(),
        None if msg.starts_with("Connection failed") => "connection".into(),
        None => "other".into(),
    };
    Some(if msg.contains("(chaos: not sent)") {
        format!("chaos_{base}")
    } else {
        base
    })
}

/// Counts the attempts into `w`.
fn count_attempts(w: &mut WebhookCounts, attempts: &[ScenarioAttempt]) {
    let mut latencies = Vec::new();
    for a in attempts {
        if a.delivered {
            w.attempts += 1;
        } else {
            match failure_kind(a) {
                None => continue,
                Some(kind) => {
                    w.attempts += 1;
                    *w.failures.entry(kind).or_insert(0) += 1;
                }
            }
        }
        if let Some(ms) = a.latency_ms {
            latencies.push(ms);
        }
    }
    latencies.sort_unstable();
    w.timed_attempts = latencies.len() as i64;
    w.p50_ms = percentile(&latencies, 0.5);
    w.p99_ms = percentile(&latencies, 0.99);
}

impl Services {
    /// The summary of a scenario, counted from the database now.
    pub async fn scenario_summary(&self, id: &str) -> ServiceResult<ScenarioSummary> {
        let mut conn = self.db.conn().await?;
        let mut s = ScenarioSummary::default();
        for (number, _) in store::entities(&mut conn, id, "order").await? {
            let Some(stored) = orders::get(&mut conn, &number).await? else {
                continue;
            };
            let o = stored.order;
            let o_ = &mut s.orders;
            o_.placed += 1;
            if o.history()
                .iter()
                .any(|c| c.status == OrderState::MerchantAccepted)
            {
                o_.accepted += 1;
            }
            match o.state() {
                OrderState::Completed => o_.completed += 1,
                OrderState::Cancelled => match o.cancellation().map(|(_, code)| code) {
                    Some("CUSTOMER_CANCELLED") => o_.cancelled_by_customer += 1,
                    Some("MERCHANT_TIMEOUT") => o_.timed_out += 1,
                    _ => o_.rejected += 1,
                },
                _ => o_.open += 1,
            }
        }
        for (id, _) in store::entities(&mut conn, id, "payment").await? {
            let Some(t) = payments::get(&mut conn, &id).await? else {
                continue;
            };
            let p = &mut s.payments;
            p.created += 1;
            match t.transaction.status() {
                PaymentStatus::Settlement => p.settled += 1,
                PaymentStatus::Expire => p.expired += 1,
                PaymentStatus::Cancel => p.cancelled += 1,
                PaymentStatus::Pending => p.pending += 1,
            }
        }
        for d in store::deliveries(&mut conn, id).await? {
            let w = &mut s.webhooks;
            w.deliveries += 1;
            match d.status.as_str() {
                "delivered" => w.delivered += 1,
                "dead" => w.failed += 1,
                _ => w.pending += 1,
            }
        }
        count_attempts(&mut s.webhooks, &store::attempts(&mut conn, id).await?);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(code: Option<i64>, msg: Option<&str>, ok: bool, ms: Option<i64>) -> ScenarioAttempt {
        ScenarioAttempt {
            status_code: code,
            exception_message: msg.map(String::from),
            delivered: ok,
            latency_ms: ms,
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.99), Some(99));
        assert_eq!(percentile(&[7], 0.99), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn attempts_by_kind_notes_skipped() {
        let mut w = WebhookCounts::default();
        count_attempts(
            &mut w,
            &[
                attempt(Some(200), None, true, Some(10)),
                attempt(Some(503), Some("HTTP 503"), false, Some(30)),
                attempt(None, Some("Request timed out"), false, Some(5000)),
                attempt(None, Some("Connection failed: refused"), false, Some(1)),
                attempt(Some(500), Some("HTTP 500 (chaos: not sent)"), false, None),
                attempt(None, Some("Chaos: held 4 s for reorder"), false, None),
                attempt(None, Some(DEAD_MESSAGE), false, None),
            ],
        );
        assert_eq!(w.attempts, 5);
        assert_eq!(w.timed_attempts, 4);
        assert_eq!(w.p50_ms, Some(10));
        assert_eq!(w.p99_ms, Some(5000));
        let kinds: Vec<(&str, i64)> = w.failures.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            kinds,
            vec![
                ("chaos_http_500", 1),
                ("connection", 1),
                ("http_503", 1),
                ("timeout", 1)
            ]
        );
    }
}
