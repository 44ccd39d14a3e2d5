//! `/metrics` in Prometheus text format: request counts by status class and method family,
//! and total request time. Per process (each node exposes its own), lost on restart.

use std::sync::atomic::{AtomicU64, Ordering};

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

static REQUESTS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
static DURATION_MICROS: AtomicU64 = AtomicU64::new(0);
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// A request being answered; dropping it (answered, or abandoned by a client that went
/// away) takes it out of the in-flight gauge.
pub struct InFlight(());

impl InFlight {
    /// Counts a request in.
    pub fn enter() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Records an answered request.
pub fn finished(status: u16, micros: u64) {
    let class = usize::from(status / 100).saturating_sub(1).min(4);
    REQUESTS[class].fetch_add(1, Ordering::Relaxed);
    DURATION_MICROS.fetch_add(micros, Ordering::Relaxed);
}

/// The exposition text.
pub fn render() -> String {
    let mut out = String::new();
    out.push_str("# HELP gobiz_http_requests_total HTTP requests answered, by status class.\n");
    out.push_str("# TYPE gobiz_http_requests_total counter\n");
    let mut total = 0;
    for (i, c) in CLASSES.iter().enumerate() {
        let n = REQUESTS[i].load(Ordering::Relaxed);
        total += n;
        out.push_str(&format!(
            "gobiz_http_requests_total{{status=\"{c}\"}} {n}\n"
        ));
    }
    out.push_str(
        "# HELP gobiz_http_request_duration_seconds Time spent answering HTTP requests.\n",
    );
    out.push_str("# TYPE gobiz_http_request_duration_seconds summary\n");
    out.push_str(&format!(
        "gobiz_http_request_duration_seconds_sum {:.6}\n",
        DURATION_MICROS.load(Ordering::Relaxed) as f64 / 1e6
    ));
    out.push_str(&format!(
        "gobiz_http_request_duration_seconds_count {total}\n"
    ));
    out.push_str("# HELP gobiz_http_requests_in_flight Requests being answered now.\n");
    out.push_str("# TYPE gobiz_http_requests_in_flight gauge\n");
    out.push_str(&format!(
        "gobiz_http_requests_in_flight {}\n",
        IN_FLIGHT.load(Ordering::Relaxed)
    ));
    out
}

/// What the webhook engine and the database report, appended to [`render`]'s text.
#[derive(Debug, Clone)]
pub struct Extra {
    /// The deployment's webhook backlog; `None` when the database did not answer.
    pub backlog: Option<gobiz_services::ops::Backlog>,
    /// Pool connections: (open, idle).
    pub pool: (u32, usize),
    /// Webhook attempts of this process: (delivered, failed).
    pub attempts: (u64, u64),
}

/// Webhook and database lines of the exposition.
pub fn render_extra(x: &Extra) -> String {
    let mut out = String::new();
    let (delivered, failed) = x.attempts;
    out.push_str(
        "# HELP gobiz_webhook_attempts_total Webhook attempts made by this process, by result.\n",
    );
    out.push_str("# TYPE gobiz_webhook_attempts_total counter\n");
    out.push_str(&format!(
        "gobiz_webhook_attempts_total{{result=\"delivered\"}} {delivered}\n"
    ));
    out.push_str(&format!(
        "gobiz_webhook_attempts_total{{result=\"failed\"}} {failed}\n"
    ));
    if let Some(b) = x.backlog {
        let (waiting, due, oldest_age) = (b.waiting, b.due, b.oldest_due_secs);
        out.push_str("# HELP gobiz_webhook_backlog Deliveries not yet delivered or dead (all nodes), and how many are due now.\n");
        out.push_str("# TYPE gobiz_webhook_backlog gauge\n");
        out.push_str(&format!(
            "gobiz_webhook_backlog{{state=\"waiting\"}} {waiting}\n"
        ));
        out.push_str(&format!("gobiz_webhook_backlog{{state=\"due\"}} {due}\n"));
        out.push_str("# HELP gobiz_webhook_oldest_due_seconds How long the earliest due delivery has been waiting (0 when none is due).\n");
        out.push_str("# TYPE gobiz_webhook_oldest_due_seconds gauge\n");
        out.push_str(&format!(
            "gobiz_webhook_oldest_due_seconds {oldest_age:.3}\n"
        ));
    }
    out.push_str("# HELP gobiz_db_connections Database pool connections of this process.\n");
    out.push_str("# TYPE gobiz_db_connections gauge\n");
    out.push_str(&format!(
        "gobiz_db_connections{{state=\"open\"}} {}\n",
        x.pool.0
    ));
    out.push_str(&format!(
        "gobiz_db_connections{{state=\"idle\"}} {}\n",
        x.pool.1
    ));
    out
}
