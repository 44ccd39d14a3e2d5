//! `gobiz listen --forward-to URL`: attaches to the server as a webhook receiver of a partner
//! and forwards every delivery, exact body and real headers, to an app on this machine. The
//! app's answer goes back to the server, which records it as the attempt (so a 500 is retried
//! on the schedule); a lost connection is re-opened, and the server offers again whatever was
//! not answered. The server side and the reasons for its design: docs/listen.md.

use super::client::Api;
use super::{CliError, CliResult, Failure, ServerArgs};
use clap::Args;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use gobiz_http::routes::sandbox_listen::{
    AnswerRecorded, ClosedListener, ListenerData, ListenerDelivery, ListenerView,
};
use gobiz_services::sandbox::listeners::{ListenerAnswer, NewListener};
use reqwest::Method;
use std::time::{Duration, Instant};

/// `gobiz listen` options.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Server and admin token.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Where to forward each delivery, e.g. http://localhost:3000/webhook
    #[arg(long, value_name = "URL")]
    pub forward_to: String,
    /// Only these events (comma-separated), e.g. gofood.order.merchant_accepted,gofood.order.completed [default: every event]
    #[arg(long, value_delimiter = ',', value_name = "EVENTS")]
    pub events: Vec<String>,
    /// Only this outlet's events [default: every outlet the partner reaches]
    #[arg(long, value_name = "OUTLET_ID")]
    pub outlet: Option<String>,
    /// Whose webhooks [default: the demo partner of `gobiz serve --demo`]
    #[arg(long, value_name = "PARTNER_ID")]
    pub partner: Option<String>,
    /// Print each body (pretty JSON) under its line
    #[arg(long)]
    pub print_json: bool,
    /// How long the app may take to answer, in ms
    #[arg(long, default_value_t = 15_000, value_name = "MS")]
    pub timeout_ms: u64,
}

/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens until Ctrl-C (or SIGTERM), then closes the listener on the server.
pub async fn run(args: ListenArgs) -> CliResult {
    let api = Api::new(&args.server)?;
    let target = check_forward_url(&args.forward_to)?;
    let forwarder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(args.timeout_ms.max(1)))
        .build()
        .map_err(|e| CliError::new(Failure::Server, format!("HTTP client: {e}")))?;
    let mut session = Session {
        api,
        args,
        target,
        forwarder,
        listener: None,
        unsent: None,
    };
    tokio::select! {
        r = session.run() => r,
        _ = stop_signal() => session.close().await,
    }
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// `--forward-to` must be an http(s) URL.
fn check_forward_url(raw: &str) -> CliResult<String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| {
        CliError::usage(format!(
            "--forward-to {raw:?} is not a URL ({e}); e.g. --forward-to http://localhost:3000/webhook"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CliError::usage(format!(
            "--forward-to {raw:?} must be an http:// or https:// URL, e.g. http://localhost:3000/webhook"
        )));
    }
    Ok(url.to_string())
}

/// One `gobiz listen` run.
struct Session {
    api: Api,
    args: ListenArgs,
    target: String,
    forwarder: reqwest::Client,
    listener: Option<ListenerView>,
    /// An answer the server has not acknowledged yet (it went down while we sent it).
    unsent: Option<(String, ListenerAnswer)>,
}

/// How a stream ended.
enum Ended {
    /// The connection dropped (server restarting, network): connect again.
    Lost(String),
    /// The server closed the listener (a reset, or `DELETE`): open a new one.
    Closed,
}

impl Session {
    async fn run(&mut self) -> CliResult {
        self.open().await?;
        let mut backoff = Duration::from_millis(250);
        let mut connected_once = false;
        loop {
            match self.attach(&mut connected_once).await {
                Ok(Ended::Closed) => {
                    println!(
                        "The listener was closed on the server (a reset?); opening a new one."
                    );
                    self.listener = None;
                    self.unsent = None;
                    self.open().await?;
                    backoff = Duration::from_millis(250);
                }
                Ok(Ended::Lost(why)) => {
                    println!("Lost the server ({why}); reconnecting…");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(e) if e.kind == Failure::Unreachable && connected_once => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(e) if e.kind == Failure::NotFound && self.listener.is_some() => {
                    // The listener is gone (the database was reset while we were away).
                    println!("The listener no longer exists on the server; opening a new one.");
                    self.listener = None;
                    self.unsent = None;
                    self.open().await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Creates the listener on the server.
    async fn open(&mut self) -> CliResult {
        let req = NewListener {
            partner_id: self.args.partner.clone(),
            events: (!self.args.events.is_empty()).then(|| {
                self.args
                    .events
                    .iter()
                    .map(|e| e.trim().to_string())
                    .collect()
            }),
            outlet_id: self.args.outlet.clone(),
            forward_to: Some(self.target.clone()),
        };
        let data: ListenerData = self.api.post("/sandbox/v1/listeners", &req).await?;
        self.listener = Some(data.listener);
        Ok(())
    }

    fn listener_id(&self) -> String {
        self.listener
            .as_ref()
            .map(|l| l.listener_id.clone())
            .unwrap_or_default()
    }

    /// Attaches to the stream and forwards until it ends.
    async fn attach(&mut self, connected_once: &mut bool) -> CliResult<Ended> {
        let id = self.listener_id();
        if let Some((lid, answer)) = self.unsent.take() {
            if lid == id {
                self.send_answer(&answer).await?;
            }
        }
        let req = self
            .api
            .admin(Method::GET, &format!("/sandbox/v1/listeners/{id}/stream"))
            .header(reqwest::header::ACCEPT, "text/event-stream")
            // A stream has no end: only the connection and the first answer are bounded.
            .timeout(Duration::from_secs(365 * 24 * 3600));
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.api.unreachable(&e)),
        };
        if !resp.status().is_success() {
            let status = resp.status();
            let path = format!("/sandbox/v1/listeners/{id}/stream");
            let body = resp.bytes().await.unwrap_or_default();
            return Err(self.api.refusal(status, &path, &body));
        }
        let mut events = resp.bytes_stream().eventsource();
        while let Some(ev) = events.next().await {
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => return Ok(Ended::Lost(e.to_string())),
            };
            match ev.event.as_str() {
                "ready" => {
                    if *connected_once {
                        println!("Reconnected; resuming with what was not answered yet.");
                    } else {
                        *connected_once = true;
                        self.print_ready();
                    }
                }
                "delivery" => {
                    let d: ListenerDelivery = serde_json::from_str(&ev.data).map_err(|e| {
                        CliError::new(
                            Failure::Server,
                            format!("the server sent a delivery the CLI cannot read ({e}); are the server and the CLI the same version?"),
                        )
                    })?;
                    let answer = self.forward(&d).await;
                    if let Err(e) = self.send_answer(&answer).await {
                        if e.kind == Failure::Unreachable {
                            self.unsent = Some((id.clone(), answer));
                            return Ok(Ended::Lost(e.message));
                        }
                        if e.kind != Failure::Refused {
                            return Err(e);
                        }
                        // 409: the offer ran out meanwhile and will come again.
                        println!(
                            "  (the server no longer waited for this answer: {})",
                            e.message
                        );
                    }
                }
                "closed" => return Ok(Ended::Closed),
                _ => {}
            }
        }
        Ok(Ended::Lost("the stream ended".into()))
    }

    fn print_ready(&self) {
        let Some(l) = &self.listener else {
            return;
        };
        let events = if l.events.len() > 3 {
            format!("{} events", l.events.len())
        } else {
            l.events.join(", ")
        };
        let outlets = l
            .outlet_id
            .as_deref()
            .map(|o| format!("outlet {o}"))
            .unwrap_or_else(|| "every outlet".into());
        println!(
            "Ready! Forwarding {events} of partner {} ({outlets}) to {} (listener {}). Ctrl-C to stop.",
            l.partner_id, self.target, l.listener_id
        );
    }

    /// Posts the delivery to the app, prints its line, and returns what to report.
    async fn forward(&self, d: &ListenerDelivery) -> ListenerAnswer {
        let mut req = self.forwarder.post(&self.target).body(d.body.clone());
        for (k, v) in &d.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let started = Instant::now();
        let result = req.send().await;
        let mut answer = ListenerAnswer {
            delivery_id: Some(d.delivery_id.clone()),
            lease: Some(d.lease.clone()),
            ..ListenerAnswer::default()
        };
        let outcome = match result {
            Ok(resp) => {
                let status = resp.status();
                answer.status_code = Some(i64::from(status.as_u16()));
                answer.response_body = gobiz_webhooks::send::body_prefix(resp).await;
                format!(
                    "{} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )
                .trim_end()
                .to_string()
            }
            Err(e) if e.is_timeout() => {
                answer.timed_out = true;
                format!("timed out after {} ms", self.args.timeout_ms)
            }
            Err(e) => {
                let reason = super::client::root_cause(&e);
                answer.error = Some(reason.clone());
                format!("failed: {reason}")
            }
        };
        let latency = started.elapsed();
        answer.latency_ms = Some(i64::try_from(latency.as_millis()).unwrap_or(i64::MAX));
        let retry = if d.attempt > 1 {
            format!("  (attempt {})", d.attempt)
        } else {
            String::new()
        };
        println!(
            "{}  {:<40} {:<14} {:<11} → {}  {} ms{retry}",
            wall_clock(),
            d.event,
            d.entity_id,
            d.outlet_id.as_deref().unwrap_or("-"),
            outcome,
            latency.as_millis()
        );
        if self.args.print_json {
            let pretty = serde_json::from_str::<serde_json::Value>(&d.body)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| d.body.clone());
            println!("{pretty}");
        }
        answer
    }

    /// Reports an answer; the server answers what happens to the delivery next.
    async fn send_answer(&self, answer: &ListenerAnswer) -> CliResult {
        let id = self.listener_id();
        let r: AnswerRecorded = self
            .api
            .post(&format!("/sandbox/v1/listeners/{id}/answers"), answer)
            .await?;
        if r.status == "retrying" {
            if let Some(at) = r.next_attempt_at {
                println!("  will be retried at {at} (server clock)");
            }
        } else if r.status == "dead" {
            println!("  no retries left: the delivery is dead");
        }
        Ok(())
    }

    /// Closes the listener on the server (Ctrl-C).
    async fn close(&mut self) -> CliResult {
        let Some(l) = self.listener.take() else {
            return Ok(());
        };
        match self
            .api
            .delete::<ClosedListener>(&format!("/sandbox/v1/listeners/{}", l.listener_id))
            .await
        {
            Ok(c) if c.abandoned_deliveries > 0 => println!(
                "Stopped; {} deliveries not forwarded yet were closed.",
                c.abandoned_deliveries
            ),
            Ok(_) => println!("Stopped."),
            Err(e) => println!("Stopped (the listener could not be closed: {e})."),
        }
        Ok(())
    }
}

/// Now, `HH:MM:SS` (UTC).
fn wall_clock() -> String {
    let now = time::OffsetDateTime::now_utc();
    let f = time::macros::format_description!("[hour]:[minute]:[second]");
    now.format(&f).unwrap_or_default()
}
