//! Deliveries to a listener of `gobiz listen`: instead of a POST to a URL, the dispatcher's
//! claim and signing hand the delivery to the listener's stream ([`Dispatcher::offer`]), and
//! the answer the CLI got from the app it forwards to is recorded exactly as an HTTP attempt's
//! would be ([`Dispatcher::relayed`]): same history entry, same retry schedule (spec §9.8).

use crate::dispatcher::{attempt_record, log_attempt, Dispatcher};
use crate::send::RESPONSE_PREFIX;
use gobiz_domain::webhook::Outcome;
use gobiz_store::outbox::{self, AttemptRecord, Claimed, Target};
use gobiz_store::StoreError;
use std::collections::BTreeMap;
use std::time::Duration;

/// A delivery leased to a listener, with the exact headers to forward.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The delivery and its partner's signing details.
    pub claimed: Claimed,
    /// The lease token the answer must carry.
    pub lease: String,
    /// The headers of this attempt (signature included).
    pub headers: BTreeMap<String, String>,
}

/// What the app a listener forwards to answered (or why it did not).
#[derive(Debug, Clone, Default)]
pub struct RelayAnswer {
    /// The app's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// True when the app did not answer within the listener's timeout.
    pub timed_out: bool,
    /// Why the app could not be reached, when it was not.
    pub error: Option<String>,
    /// How long the forward took.
    pub latency_ms: i64,
    /// The start of the app's answer.
    pub response_body: Option<String>,
}

impl RelayAnswer {
    /// The outcome, classified as the HTTP sender classifies its answers.
    pub fn outcome(&self) -> Outcome {
        match (self.status_code, self.timed_out, &self.error) {
            (Some(s @ 200..=299), _, _) => Outcome::Delivered(s),
            (Some(s @ 301..=303), _, _) => Outcome::RedirectNotFollowed(s),
            (Some(s), _, _) => Outcome::Status(s),
            (None, true, _) => Outcome::Timeout,
            (None, false, Some(e)) => Outcome::ConnectFailed(truncated(e, 300)),
            (None, false, None) => Outcome::ConnectFailed("no answer".into()),
        }
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
fn truncated(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

impl Dispatcher {
    /// How long a listener holds a delivery before it is offered again: the app's timeout
    /// plus time for the answer to travel back.
    pub fn listener_lease_ms(&self) -> i64 {
        i64::try_from(self.config().timeout.as_millis()).unwrap_or(15_000) + 15_000
    }

    /// The request timeout a listener applies to the app it forwards to.
    pub fn listener_timeout(&self) -> Duration {
        self.config().timeout
    }

    /// Leases the oldest due delivery of the listener at `endpoint`, signed as the HTTP
    /// sender would sign it now; `None` when nothing is due.
    pub async fn offer(&self, endpoint: &str) -> Result<Option<Offer>, StoreError> {
        let now = self.now_ms();
        let mut conn = self.db().conn().await?;
        let wall = gobiz_domain::clock::wall_now_ms();
        if !outbox::any_due(&mut conn, endpoint, now, wall).await? {
            return Ok(None);
        }
        let lease = format!("listen:{}", uuid::Uuid::new_v4().simple());
        let taken = outbox::Lease {
            now: wall,
            until: wall + self.listener_lease_ms(),
            owner: &lease,
        };
        let Some(claimed) = outbox::claim(&mut conn, now, taken, 1, Target::Listener(endpoint))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let secret = self
            .config()
            .sealer
            .open(&claimed.secret)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let headers = self
            .sender()
            .headers(&self.outgoing(&claimed, &secret, now));
        let text = serde_json::to_string(&headers).unwrap_or_else(|_| "{}".into());
        outbox::set_headers(&mut conn, &claimed.delivery.id, &text).await?;
        Ok(Some(Offer {
            claimed,
            lease,
            headers,
        }))
    }

    /// Records the answer to an offered delivery as its attempt (history, status, next retry).
    pub async fn relayed(
        &self,
        c: &Claimed,
        answer: &RelayAnswer,
    ) -> Result<AttemptRecord, StoreError> {
        let outcome = answer.outcome();
        let headers: BTreeMap<String, String> =
            serde_json::from_str(&c.delivery.headers).unwrap_or_default();
        let now = self.now_ms();
        let mut record = attempt_record(c, &outcome, &headers, now, &self.config().schedule_ms);
        if let Some(first) = record.entries.first_mut() {
            first.latency_ms = Some(answer.latency_ms.max(0));
            first.response_body = answer
                .response_body
                .as_deref()
                .map(|b| truncated(b, RESPONSE_PREFIX));
        }
        crate::stats::attempted(outcome.delivered());
        let latency = Duration::from_millis(u64::try_from(answer.latency_ms).unwrap_or(0));
        log_attempt(c, &outcome, &record, latency, "webhook attempt (listener)");
        let mut tx = self.db().begin().await?;
        outbox::record(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(record)
    }
}
